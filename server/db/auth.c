/* auth.c: HR logins, sessions, throttling and accounts. */
#include "mg_auth.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_db.h"
#include "mg_log.h"

/* Failures are forgotten after this long without another. */
#define THROTTLE_WINDOW "1 hour"

MG_DB_STMT(stmt_throttle_get,
           "SELECT failures, extract(epoch FROM now() - last_at)::bigint FROM login_failures "
           "WHERE key_hash = $1::bytea AND last_at > now() - interval '" THROTTLE_WINDOW "'");
MG_DB_STMT(stmt_throttle_fail,
           "INSERT INTO login_failures AS f (key_hash, failures, last_at) VALUES ($1::bytea, 1, now()) "
           "ON CONFLICT (key_hash) DO UPDATE SET last_at = now(), failures = CASE WHEN f.last_at < "
           "now() - interval '" THROTTLE_WINDOW "' THEN 1 ELSE f.failures + 1 END");
MG_DB_STMT(stmt_throttle_clear, "DELETE FROM login_failures WHERE key_hash = $1::bytea");
MG_DB_STMT(stmt_user_by_login,
           "SELECT u.id, u.login, u.role, u.unit_id, un.code, u.password_hash, u.disabled "
           "FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE u.login = $1");
MG_DB_STMT(stmt_session_insert,
           "INSERT INTO user_sessions (token_hash, user_id, csrf_token) VALUES ($1::bytea, $2::bigint, $3::bytea)");
MG_DB_STMT(stmt_session_get,
           "SELECT u.id, u.login, u.role, u.unit_id, un.code, s.csrf_token, "
           "s.last_seen_at < now() - interval '1 minute' "
           "FROM user_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN units un ON un.id = u.unit_id "
           "WHERE s.token_hash = $1::bytea AND NOT u.disabled "
           "AND s.last_seen_at > now() - make_interval(secs => $2::int) "
           "AND s.created_at > now() - make_interval(secs => $3::int)");
MG_DB_STMT(stmt_session_touch,
           "UPDATE user_sessions SET last_seen_at = now() WHERE token_hash = $1::bytea");
MG_DB_STMT(stmt_session_delete, "DELETE FROM user_sessions WHERE token_hash = $1::bytea");
MG_DB_STMT(stmt_sessions_expire,
           "DELETE FROM user_sessions WHERE last_seen_at < now() - make_interval(secs => $1::int) "
           "OR created_at < now() - make_interval(secs => $2::int)");
MG_DB_STMT(stmt_user_insert,
           "INSERT INTO users (login, role, unit_id, password_hash) VALUES ($1, $2, $3::bigint, $4) "
           "RETURNING id");
MG_DB_STMT(stmt_user_passwd,
           "UPDATE users SET password_hash = $2 WHERE login = $1 RETURNING id");
MG_DB_STMT(stmt_user_disable,
           "UPDATE users SET disabled = $2::boolean WHERE login = $1 RETURNING id");
MG_DB_STMT(stmt_user_sessions_drop,
           "DELETE FROM user_sessions WHERE user_id = $1::bigint");
MG_DB_STMT(stmt_unit_id, "SELECT id FROM units WHERE code = $1");
MG_DB_STMT(stmt_user_list,
           "SELECT u.login, u.role, COALESCE(un.code, ''), u.disabled, u.password_hash IS NOT NULL "
           "FROM users u LEFT JOIN units un ON un.id = u.unit_id ORDER BY u.login");

cJSON *mg_auth_user_list(struct mg_db_conn *conn)
{
    PGresult *res = NULL;
    if (mg_db_exec(conn, &stmt_user_list, 0, NULL, &res) < 0)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; res && i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "login", PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(o, "role", PQgetvalue(res, i, 1));
        if (*PQgetvalue(res, i, 2))
            cJSON_AddStringToObject(o, "unit", PQgetvalue(res, i, 2));
        else
            cJSON_AddNullToObject(o, "unit");
        cJSON_AddBoolToObject(o, "disabled", strcmp(PQgetvalue(res, i, 3), "t") == 0);
        cJSON_AddBoolToObject(o, "password", strcmp(PQgetvalue(res, i, 4), "t") == 0);
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}

enum mg_role mg_role_parse(const char *s)
{
    if (!s)
        return MG_ROLE_NONE;
    if (strcmp(s, "admin") == 0)
        return MG_ROLE_ADMIN;
    if (strcmp(s, "analyst") == 0)
        return MG_ROLE_ANALYST;
    if (strcmp(s, "unit-viewer") == 0)
        return MG_ROLE_UNIT_VIEWER;
    if (strcmp(s, "registrar") == 0)
        return MG_ROLE_REGISTRAR;
    return MG_ROLE_NONE;
}

const char *mg_role_name(enum mg_role role)
{
    switch (role) {
    case MG_ROLE_ADMIN: return "admin";
    case MG_ROLE_ANALYST: return "analyst";
    case MG_ROLE_UNIT_VIEWER: return "unit-viewer";
    case MG_ROLE_REGISTRAR: return "registrar";
    case MG_ROLE_NONE: break;
    }
    return "none";
}

int mg_auth_hash_password(const char *password, char *out)
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

bool mg_auth_verify_password(const char *password, const char *hash)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

const char *mg_auth_check_password(const char *password)
{
    size_t n = strlen(password);
    if (n < MG_AUTH_MIN_PASSWORD)
        return "the password must be at least 12 characters";
    if (n > MG_AUTH_MAX_PASSWORD)
        return "the password is too long";
    return NULL;
}

unsigned int mg_auth_throttle_delay(int failures)
{
    if (failures <= 3)
        return 0;
    if (failures >= 14)
        return 15 * 60;
    unsigned int d = 1u << (failures - 4);
    return d > 15 * 60 ? 15 * 60 : d;
}

/* A hash to verify against when the login does not exist, so an unknown
 * login costs the same time as a wrong password. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    unsigned char pw[32];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
    sodium_memzero(pw, sizeof pw);
}

/* "\x<hex>" of a keyed hash of `kind` and `value` under the token key. */
static void throttle_key(const struct mg_keys *keys, const char *kind, const char *value,
                         char out[2 + 64 + 1])
{
    unsigned char h[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, keys->token.k, sizeof keys->token.k, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, h, sizeof h);
    memcpy(out, "\\x", 2);
    sodium_bin2hex(out + 2, 65, h, sizeof h);
}

static void bytea_hex(const unsigned char *bin, size_t len, char *out, size_t outlen)
{
    memcpy(out, "\\x", 2);
    sodium_bin2hex(out + 2, outlen - 2, bin, len);
}

static void fill_user(PGresult *res, struct mg_user *user)
{
    memset(user, 0, sizeof *user);
    user->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(user->login, sizeof user->login, "%s", PQgetvalue(res, 0, 1));
    user->role = mg_role_parse(PQgetvalue(res, 0, 2));
    user->unit_id = PQgetisnull(res, 0, 3) ? 0 : strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    snprintf(user->unit_code, sizeof user->unit_code, "%s", PQgetvalue(res, 0, 4));
}

/* The CSRF token as text from its bytea hex form "\x...". */
static int csrf_from_hex(const char *hex, struct mg_token *out)
{
    unsigned char bin[MG_TOKEN_BYTES];
    size_t len;
    if (strncmp(hex, "\\x", 2) != 0 ||
        sodium_hex2bin(bin, sizeof bin, hex + 2, strlen(hex + 2), NULL, &len, NULL) != 0 ||
        len != sizeof bin)
        return -1;
    sodium_bin2base64(out->text, sizeof out->text, bin, sizeof bin,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

/* Stores a new session for `user` (filling its CSRF token and `token`, the
 * cookie value), drops expired sessions and audits the login; `via` names
 * how the user was recognised ("sso"), NULL for a password. */
static enum mg_error create_session(struct mg_db_conn *conn, struct mg_user *user,
                                    struct mg_token *token, const char *via)
{
    struct mg_token_hash th;
    unsigned char csrf[MG_TOKEN_BYTES];
    char th_hex[67], csrf_hex[67], uidbuf[24];
    enum mg_error err = MG_ERR_UNAVAILABLE;

    mg_keys_random_token(token);
    mg_keys_token_hash(token->text, &th);
    user->session = th;
    randombytes_buf(csrf, sizeof csrf);
    bytea_hex(th.h, sizeof th.h, th_hex, sizeof th_hex);
    bytea_hex(csrf, sizeof csrf, csrf_hex, sizeof csrf_hex);
    sodium_bin2base64(user->csrf.text, sizeof user->csrf.text, csrf, sizeof csrf,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(uidbuf, sizeof uidbuf, "%lld", (long long)user->id);
    const char *sp[] = {th_hex, uidbuf, csrf_hex};
    if (mg_db_exec(conn, &stmt_session_insert, 3, sp, NULL) < 0)
        goto cleanup;
    char idle[16], abs_[16];
    snprintf(idle, sizeof idle, "%d", MG_AUTH_IDLE_SECONDS);
    snprintf(abs_, sizeof abs_, "%d", MG_AUTH_ABSOLUTE_SECONDS);
    const char *ep[] = {idle, abs_};
    mg_db_exec(conn, &stmt_sessions_expire, 2, ep, NULL);
    cJSON *d = NULL;
    if (via) {
        d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "via", via);
    }
    mg_audit(conn, user->id, user->login, "login", d);
    cJSON_Delete(d);
    err = MG_OK;

cleanup:
    sodium_memzero(csrf, sizeof csrf);
    sodium_memzero(csrf_hex, sizeof csrf_hex);
    return err;
}

enum mg_error mg_auth_sso(struct mg_db_conn *conn, const char *login, struct mg_user *user,
                          struct mg_token *token)
{
    PGresult *res = NULL;
    if (!login || strlen(login) > 100)
        return MG_ERR_UNAUTHORISED;
    const char *lp[] = {login};
    enum mg_qs qs = mg_db_exec(conn, &stmt_user_by_login, 1, lp, &res);
    if (qs < 0)
        return MG_ERR_UNAVAILABLE;
    if (qs != MG_QS_ROWS || strcmp(PQgetvalue(res, 0, 6), "f") != 0) {
        int64_t uid = qs == MG_QS_ROWS ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
        PQclear(res);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "via", "sso");
        mg_audit(conn, uid, uid ? login : "unknown", "login.failed", d);
        cJSON_Delete(d);
        mg_log(MG_LOG_WARN, "single sign-on: no enabled user has the login the proxy named");
        return MG_ERR_UNAUTHORISED;
    }
    fill_user(res, user);
    PQclear(res);
    return create_session(conn, user, token, "sso");
}

enum mg_error mg_auth_login(struct mg_db_conn *conn, const struct mg_keys *keys,
                            const char *login, const char *password, const char *client,
                            struct mg_user *user, struct mg_token *token,
                            unsigned int *retry_after)
{
    char acct[67], addr[67];
    PGresult *res = NULL;
    enum mg_error err = MG_ERR_UNAUTHORISED;
    bool ok = false;
    int64_t uid = 0;

    pthread_once(&dummy_once, make_dummy);
    *retry_after = 0;
    if (!login || !password || strlen(login) > 100 || strlen(password) > MG_AUTH_MAX_PASSWORD)
        return MG_ERR_UNAUTHORISED;
    throttle_key(keys, "login", login, acct);
    throttle_key(keys, "addr", client ? client : "-", addr);

    const char *keysv[2] = {acct, addr};
    for (int k = 0; k < 2; k++) {
        const char *p[] = {keysv[k]};
        enum mg_qs qs = mg_db_exec(conn, &stmt_throttle_get, 1, p, &res);
        if (qs < 0)
            return MG_ERR_UNAVAILABLE;
        if (qs == MG_QS_ROWS) {
            unsigned int delay = mg_auth_throttle_delay(atoi(PQgetvalue(res, 0, 0)));
            long long since = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
            if (delay > since) {
                unsigned int wait = (unsigned int)(delay - since);
                if (wait > *retry_after)
                    *retry_after = wait;
            }
        }
        PQclear(res);
        res = NULL;
    }
    if (*retry_after)
        return MG_ERR_TOO_MANY_ATTEMPTS;

    const char *lp[] = {login};
    enum mg_qs qs = mg_db_exec(conn, &stmt_user_by_login, 1, lp, &res);
    if (qs < 0)
        return MG_ERR_UNAVAILABLE;
    if (qs == MG_QS_ROWS && !PQgetisnull(res, 0, 5) && strcmp(PQgetvalue(res, 0, 6), "f") == 0) {
        ok = mg_auth_verify_password(password, PQgetvalue(res, 0, 5));
        fill_user(res, user);
        uid = user->id;
    } else {
        if (qs == MG_QS_ROWS)
            uid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        if (dummy_hash[0])
            (void)mg_auth_verify_password(password, dummy_hash);
    }
    PQclear(res);
    res = NULL;

    if (!ok) {
        for (int k = 0; k < 2; k++) {
            const char *p[] = {keysv[k]};
            mg_db_exec(conn, &stmt_throttle_fail, 1, p, NULL);
        }
        cJSON *d = cJSON_CreateObject();
        mg_audit(conn, uid, uid ? login : "unknown", "login.failed", d);
        cJSON_Delete(d);
        return MG_ERR_UNAUTHORISED;
    }

    err = create_session(conn, user, token, NULL);
    if (err == MG_OK) {
        const char *cp[] = {acct};
        mg_db_exec(conn, &stmt_throttle_clear, 1, cp, NULL);
    }
    return err;
}

enum mg_error mg_auth_session(struct mg_db_conn *conn, const char *token, struct mg_user *user)
{
    struct mg_token_hash th;
    char th_hex[67], idle[16], abs_[16];
    PGresult *res = NULL;

    if (!token || mg_keys_token_hash(token, &th) != 0)
        return MG_ERR_UNAUTHORISED;
    bytea_hex(th.h, sizeof th.h, th_hex, sizeof th_hex);
    snprintf(idle, sizeof idle, "%d", MG_AUTH_IDLE_SECONDS);
    snprintf(abs_, sizeof abs_, "%d", MG_AUTH_ABSOLUTE_SECONDS);
    const char *p[] = {th_hex, idle, abs_};
    enum mg_qs qs = mg_db_exec(conn, &stmt_session_get, 3, p, &res);
    if (qs < 0)
        return MG_ERR_UNAVAILABLE;
    if (qs == MG_QS_NONE) {
        PQclear(res);
        return MG_ERR_UNAUTHORISED;
    }
    fill_user(res, user);
    user->session = th;
    bool stale = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
    int bad = csrf_from_hex(PQgetvalue(res, 0, 5), &user->csrf);
    PQclear(res);
    if (bad)
        return MG_ERR_UNAUTHORISED;
    if (stale) {
        const char *tp[] = {th_hex};
        mg_db_exec(conn, &stmt_session_touch, 1, tp, NULL);
    }
    return MG_OK;
}

enum mg_error mg_auth_logout(struct mg_db_conn *conn, const char *token, const struct mg_user *user)
{
    struct mg_token_hash th;
    char th_hex[67];
    if (!token || mg_keys_token_hash(token, &th) != 0)
        return MG_OK;
    bytea_hex(th.h, sizeof th.h, th_hex, sizeof th_hex);
    const char *p[] = {th_hex};
    if (mg_db_exec(conn, &stmt_session_delete, 1, p, NULL) < 0)
        return MG_ERR_UNAVAILABLE;
    if (user)
        mg_audit(conn, user->id, user->login, "logout", NULL);
    return MG_OK;
}

static bool login_valid(const char *login)
{
    size_t n = login ? strlen(login) : 0;
    if (n == 0 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = login[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '.' || c == '_' || c == '@' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

enum mg_error mg_auth_user_add(struct mg_db_conn *conn, const char *login, enum mg_role role,
                               const char *unit_code, const char *password, char *msg,
                               size_t msglen)
{
    char hash[crypto_pwhash_STRBYTES], unit_id[24] = "";
    PGresult *res = NULL;
    const char *why;

    if (!login_valid(login)) {
        snprintf(msg, msglen, "login: use lower-case letters, digits and . _ @ - (at most 100), starting with a letter or digit");
        return MG_ERR_INVALID_INPUT;
    }
    if (role == MG_ROLE_NONE) {
        snprintf(msg, msglen, "role: must be admin, analyst, unit-viewer or registrar");
        return MG_ERR_INVALID_INPUT;
    }
    if ((role == MG_ROLE_UNIT_VIEWER) != (unit_code != NULL)) {
        snprintf(msg, msglen, role == MG_ROLE_UNIT_VIEWER ? "unit: a unit-viewer needs --unit CODE"
                                                          : "unit: only a unit-viewer has a unit");
        return MG_ERR_INVALID_INPUT;
    }
    if ((why = mg_auth_check_password(password))) {
        snprintf(msg, msglen, "password: %s", why);
        return MG_ERR_INVALID_INPUT;
    }
    if (unit_code) {
        const char *p[] = {unit_code};
        enum mg_qs qs = mg_db_exec(conn, &stmt_unit_id, 1, p, &res);
        if (qs != MG_QS_ROWS) {
            PQclear(res);
            snprintf(msg, msglen, qs < 0 ? "a database error occurred" : "unit: no unit has the code \"%s\"", unit_code);
            return qs < 0 ? MG_ERR_DB : MG_ERR_INVALID_INPUT;
        }
        snprintf(unit_id, sizeof unit_id, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        res = NULL;
    }
    if (mg_auth_hash_password(password, hash) != 0) {
        snprintf(msg, msglen, "out of memory hashing the password");
        return MG_ERR_INTERNAL;
    }
    const char *p[] = {login, mg_role_name(role), unit_id[0] ? unit_id : NULL, hash};
    enum mg_qs qs = mg_db_exec(conn, &stmt_user_insert, 4, p, &res);
    sodium_memzero(hash, sizeof hash);
    if (qs != MG_QS_ROWS) {
        bool dup = strcmp(mg_db_last_sqlstate(conn), "23505") == 0;
        snprintf(msg, msglen, dup ? "login: \"%s\" exists already" : "a database error occurred", login);
        PQclear(res);
        return dup ? MG_ERR_CONFLICT : MG_ERR_DB;
    }
    int64_t id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "login", login);
    cJSON_AddStringToObject(d, "role", mg_role_name(role));
    if (unit_code)
        cJSON_AddStringToObject(d, "unit", unit_code);
    mg_audit(conn, id, "cli", "user.add", d);
    cJSON_Delete(d);
    return MG_OK;
}

enum mg_error mg_auth_user_passwd(struct mg_db_conn *conn, const char *login,
                                  const char *password, char *msg, size_t msglen)
{
    char hash[crypto_pwhash_STRBYTES];
    PGresult *res = NULL;
    const char *why = mg_auth_check_password(password);
    if (why) {
        snprintf(msg, msglen, "password: %s", why);
        return MG_ERR_INVALID_INPUT;
    }
    if (mg_auth_hash_password(password, hash) != 0) {
        snprintf(msg, msglen, "out of memory hashing the password");
        return MG_ERR_INTERNAL;
    }
    const char *p[] = {login, hash};
    enum mg_qs qs = mg_db_exec(conn, &stmt_user_passwd, 2, p, &res);
    sodium_memzero(hash, sizeof hash);
    if (qs != MG_QS_ROWS) {
        PQclear(res);
        snprintf(msg, msglen, qs < 0 ? "a database error occurred" : "no user \"%s\"", login);
        return qs < 0 ? MG_ERR_DB : MG_ERR_NOT_FOUND;
    }
    const char *uid[] = {PQgetvalue(res, 0, 0)};
    mg_db_exec(conn, &stmt_user_sessions_drop, 1, uid, NULL);
    mg_audit(conn, strtoll(uid[0], NULL, 10), "cli", "user.passwd", NULL);
    PQclear(res);
    return MG_OK;
}

enum mg_error mg_auth_user_disable(struct mg_db_conn *conn, const char *login, bool disabled,
                                   char *msg, size_t msglen)
{
    PGresult *res = NULL;
    const char *p[] = {login, disabled ? "true" : "false"};
    enum mg_qs qs = mg_db_exec(conn, &stmt_user_disable, 2, p, &res);
    if (qs != MG_QS_ROWS) {
        PQclear(res);
        snprintf(msg, msglen, qs < 0 ? "a database error occurred" : "no user \"%s\"", login);
        return qs < 0 ? MG_ERR_DB : MG_ERR_NOT_FOUND;
    }
    const char *uid[] = {PQgetvalue(res, 0, 0)};
    if (disabled)
        mg_db_exec(conn, &stmt_user_sessions_drop, 1, uid, NULL);
    mg_audit(conn, strtoll(uid[0], NULL, 10), "cli", disabled ? "user.disable" : "user.enable", NULL);
    PQclear(res);
    return MG_OK;
}
