/* mg_auth.h: HR accounts: password hashing, sessions, roles and login
 * throttling. Respondents never log in; this is for HR users only. */
#ifndef MG_AUTH_H
#define MG_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mg_error.h"
#include "mg_keys.h"

struct mg_db_conn;

/* Roles, ordered so that a higher value may do what a lower one may.
 * The registrar is off that ladder: it types in paper questionnaires and
 * may do nothing else, in particular see no figure and no count (the
 * separation of duties in docs/privacy.md). Its value is below
 * MG_ROLE_NONE so that no `role >= X` test of the ladder ever lets it
 * through; routes admit it only by MG_ROUTE_PAPER (mg_router.h). */
enum mg_role {
    MG_ROLE_REGISTRAR = -1,
    MG_ROLE_NONE = 0,
    MG_ROLE_UNIT_VIEWER,
    MG_ROLE_ANALYST,
    MG_ROLE_ADMIN
};

#define MG_AUTH_MIN_PASSWORD 12
#define MG_AUTH_MAX_PASSWORD 1024
/* Session lifetimes: idle and absolute, seconds. */
#define MG_AUTH_IDLE_SECONDS (30 * 60)
#define MG_AUTH_ABSOLUTE_SECONDS (12 * 60 * 60)
#define MG_AUTH_COOKIE "mognad_hr"

/* A logged-in HR user, as the dispatcher hands it to handlers. */
struct mg_user {
    int64_t id;
    char login[128];
    enum mg_role role;
    int64_t unit_id;      /* unit-viewer: the root of what they may see */
    char unit_code[72];
    struct mg_token csrf; /* the session's CSRF token */
    struct mg_token_hash session; /* the session's key (hash of its cookie), for what is bound to it */
};

enum mg_role mg_role_parse(const char *s);
const char *mg_role_name(enum mg_role role);

/* argon2id (libsodium's crypto_pwhash_str, interactive limits) into
 * `out` (crypto_pwhash_STRBYTES). -1 when out of memory. */
int mg_auth_hash_password(const char *password, char *out);
/* Constant-time check of `password` against `hash`. */
bool mg_auth_verify_password(const char *password, const char *hash);
/* NULL when `password` is acceptable, otherwise why not. */
const char *mg_auth_check_password(const char *password);

/* Seconds a client must wait after `failures` consecutive failures: none
 * for the first three, then doubling from 1 s up to 15 minutes. */
unsigned int mg_auth_throttle_delay(int failures);

/* Checks `login` + `password`, throttled per account and per `client`
 * address. On success creates a session and fills `user` and `token` (the
 * cookie value). The message is the same for an unknown login and a wrong
 * password. On MG_ERR_TOO_MANY_ATTEMPTS, *retry_after is set. */
enum mg_error mg_auth_login(struct mg_db_conn *conn, const struct mg_keys *keys,
                            const char *login, const char *password, const char *client,
                            struct mg_user *user, struct mg_token *token,
                            unsigned int *retry_after);

/* Single sign-on: a session for the existing, enabled user `login` (as a
 * trusted proxy named it), the same as a password login, audited as
 * "login" with {"via":"sso"}. MG_ERR_UNAUTHORISED (audited as
 * login.failed) when no enabled user has that login. */
enum mg_error mg_auth_sso(struct mg_db_conn *conn, const char *login, struct mg_user *user,
                          struct mg_token *token);

/* The user of session cookie `token`, refreshing its idle timer; MG_OK,
 * MG_ERR_UNAUTHORISED (none, expired, disabled) or MG_ERR_UNAVAILABLE. */
enum mg_error mg_auth_session(struct mg_db_conn *conn, const char *token, struct mg_user *user);

/* Ends the session of `token` (a no-op for an unknown one). */
enum mg_error mg_auth_logout(struct mg_db_conn *conn, const char *token, const struct mg_user *user);

/* Accounts, for `mognad user`. */
enum mg_error mg_auth_user_add(struct mg_db_conn *conn, const char *login, enum mg_role role,
                               const char *unit_code, const char *password, char *msg,
                               size_t msglen);
enum mg_error mg_auth_user_passwd(struct mg_db_conn *conn, const char *login,
                                  const char *password, char *msg, size_t msglen);
/* The accounts as a JSON array (never with hashes). */
struct cJSON *mg_auth_user_list(struct mg_db_conn *conn);
enum mg_error mg_auth_user_disable(struct mg_db_conn *conn, const char *login, bool disabled,
                                   char *msg, size_t msglen);

#endif
