/* paper.c: the paper channel's queries: the rounds that take paper, a
 * round and its units, and storing a typed-in paper response (see
 * mg_paper.h). Nothing here counts responses: the registrar who types
 * them in sees no count. */
#include "mg_paper.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_clock.h"
#include "mg_db.h"
#include "mg_keys.h"
#include "mg_scoring.h"

MG_DB_STMT(stmt_paper_round,
           "SELECT r.name, r.mode, r.state = 'open' AND r.closes_at > $2::timestamptz, r.min_group_size, "
           "COALESCE((SELECT survey_id FROM round_surveys WHERE round_id = r.id AND audience = 'staff'), 0), "
           "COALESCE((SELECT survey_id FROM round_surveys WHERE round_id = r.id AND audience = 'manager'), 0) "
           "FROM rounds r WHERE r.id = $1::bigint");
MG_DB_STMT(stmt_paper_units,
           "SELECT u.code, u.name, nlevel(u.path) - COALESCE(nlevel(root.path), 1) + 1 "
           "FROM rounds r LEFT JOIN units root ON root.id = r.root_unit_id "
           "JOIN units u ON root.id IS NULL OR u.path <@ root.path "
           "WHERE r.id = $1::bigint ORDER BY u.path");
MG_DB_STMT(stmt_paper_open_rounds,
           "SELECT r.id, r.name, r.mode, r.closes_at FROM rounds r "
           "WHERE r.state = 'open' AND r.closes_at > $1::timestamptz AND r.mode <> 'pseudonymous' "
           "ORDER BY r.closes_at, r.id");
MG_DB_STMT(stmt_paper_lock,
           "SELECT mode, state = 'open' AND closes_at > $2::timestamptz FROM rounds WHERE id = $1::bigint "
           "FOR SHARE");
MG_DB_STMT(stmt_paper_unit,
           "SELECT u.id FROM rounds r LEFT JOIN units root ON root.id = r.root_unit_id "
           "JOIN units u ON root.id IS NULL OR u.path <@ root.path "
           "WHERE r.id = $1::bigint AND u.code = $2");
MG_DB_STMT(stmt_paper_survey,
           "SELECT survey_id FROM round_surveys WHERE round_id = $1::bigint AND audience = $2");
MG_DB_STMT(stmt_paper_store,
           "SELECT mg_store_response($1::bigint, $2::bigint, $3::bigint, $4, NULL, 'paper', $5::jsonb)");
MG_DB_STMT(stmt_paper_queue,
           "INSERT INTO anonymous_queue (round_id, survey_id, unit_id, role, payload, channel) "
           "VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5::jsonb, 'paper')");

MG_DB_STMT(stmt_paper_token_new,
           "INSERT INTO paper_form_tokens (token_hash, session_hash, round_id) VALUES ($1::bytea, $2::bytea, $3::bigint)");
/* The row lock makes a second post of the same form wait for the first
 * and then find the token used. */
MG_DB_STMT(stmt_paper_token_use,
           "UPDATE paper_form_tokens SET used = true WHERE token_hash = $1::bytea AND session_hash = $2::bytea "
           "AND round_id = $3::bigint AND NOT used RETURNING 1");
MG_DB_STMT(stmt_paper_token_used,
           "SELECT 1 FROM paper_form_tokens WHERE token_hash = $1::bytea AND session_hash = $2::bytea "
           "AND round_id = $3::bigint AND used");

/* `bin` as PostgreSQL's bytea hex text "\\x...". */
static void bytea_hex(const unsigned char *bin, size_t len, char *out, size_t outlen)
{
    memcpy(out, "\\x", 2);
    sodium_bin2hex(out + 2, outlen - 2, bin, len);
}

enum mg_error mg_paper_form_token(struct mg_db_conn *conn, int64_t round_id, const struct mg_token_hash *session,
                                  struct mg_token *out)
{
    struct mg_token_hash th;
    char th_hex[67], session_hex[67], id[24];
    mg_keys_random_token(out);
    if (mg_keys_token_hash(out->text, &th) != 0)
        return MG_ERR_INTERNAL;
    bytea_hex(th.h, sizeof th.h, th_hex, sizeof th_hex);
    bytea_hex(session->h, sizeof session->h, session_hex, sizeof session_hex);
    snprintf(id, sizeof id, "%lld", (long long)round_id);
    const char *p[] = {th_hex, session_hex, id};
    if (mg_db_exec(conn, &stmt_paper_token_new, 3, p, NULL) < 0) {
        sodium_memzero(out, sizeof *out);
        return MG_ERR_UNAVAILABLE;
    }
    return MG_OK;
}

enum mg_error mg_paper_round(struct mg_db_conn *conn, int64_t round_id, struct mg_paper_round *out)
{
    char id[24], now[40];
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    snprintf(id, sizeof id, "%lld", (long long)round_id);
    mg_clock_now(now, sizeof now);
    const char *p[] = {id, now};
    switch (mg_db_exec(conn, &stmt_paper_round, 2, p, &res)) {
    case MG_QS_HARD:
    case MG_QS_SOFT:
        return MG_ERR_UNAVAILABLE;
    case MG_QS_NONE:
        PQclear(res);
        return MG_ERR_NOT_FOUND;
    case MG_QS_ROWS:
        break;
    }
    out->id = round_id;
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(res, 0, 0));
    snprintf(out->mode, sizeof out->mode, "%s", PQgetvalue(res, 0, 1));
    out->accepting = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    out->k = atoi(PQgetvalue(res, 0, 3));
    out->staff_survey = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    out->manager_survey = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    PQclear(res);
    return MG_OK;
}

PGresult *mg_paper_units(struct mg_db_conn *conn, int64_t round_id)
{
    char id[24];
    PGresult *res = NULL;
    snprintf(id, sizeof id, "%lld", (long long)round_id);
    const char *p[] = {id};
    if (mg_db_exec(conn, &stmt_paper_units, 1, p, &res) < 0)
        return NULL;
    return res;
}

PGresult *mg_paper_open_rounds(struct mg_db_conn *conn)
{
    char now[40];
    PGresult *res = NULL;
    mg_clock_now(now, sizeof now);
    const char *p[] = {now};
    if (mg_db_exec(conn, &stmt_paper_open_rounds, 1, p, &res) < 0)
        return NULL;
    return res;
}

struct store_ctx {
    int64_t round_id, user_id;
    const char *unit, *role, *payload, *actor;
    const char *token_hex, *session_hex; /* the form's token hash, the session's */
    bool queued;
    enum mg_error err;
    char *msg;
    size_t msglen;
};

static enum mg_qs store_fail(struct store_ctx *c, PGresult *res, enum mg_qs qs, enum mg_error err)
{
    PQclear(res);
    c->err = qs < 0 ? MG_ERR_UNAVAILABLE : err;
    return qs == MG_QS_SOFT ? MG_QS_SOFT : MG_QS_HARD;
}

static enum mg_qs store_tx(struct mg_db_conn *conn, void *arg)
{
    struct store_ctx *c = arg;
    PGresult *res = NULL;
    enum mg_qs qs;
    char round[24], now[40], unit[24], survey[24];

    c->err = MG_OK;
    c->queued = false;
    snprintf(round, sizeof round, "%lld", (long long)c->round_id);
    mg_clock_now(now, sizeof now);
    /* FOR SHARE: closing the round waits until this response is in. */
    const char *lp[] = {round, now};
    if ((qs = mg_db_exec(conn, &stmt_paper_lock, 2, lp, &res)) != MG_QS_ROWS)
        return store_fail(c, res, qs, MG_ERR_NOT_FOUND);
    bool anonymous = strcmp(PQgetvalue(res, 0, 0), "anonymous") == 0;
    bool pseudonymous = strcmp(PQgetvalue(res, 0, 0), "pseudonymous") == 0;
    bool accepting = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    if (pseudonymous)
        return store_fail(c, NULL, MG_QS_NONE, MG_ERR_CONFLICT);
    if (!accepting)
        return store_fail(c, NULL, MG_QS_NONE, MG_ERR_ROUND_CLOSED);

    /* The form's one-time token: a repeat post stores nothing. */
    const char *tp[] = {c->token_hex, c->session_hex, round};
    if ((qs = mg_db_exec(conn, &stmt_paper_token_use, 3, tp, NULL)) < 0)
        return store_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
    if (qs == MG_QS_NONE) {
        if ((qs = mg_db_exec(conn, &stmt_paper_token_used, 3, tp, NULL)) < 0)
            return store_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
        if (qs == MG_QS_ROWS)
            snprintf(c->msg, c->msglen, "stored");
        return store_fail(c, NULL, MG_QS_NONE, qs == MG_QS_ROWS ? MG_ERR_CONFLICT : MG_ERR_CSRF);
    }

    const char *up[] = {round, c->unit};
    if ((qs = mg_db_exec(conn, &stmt_paper_unit, 2, up, &res)) != MG_QS_ROWS) {
        snprintf(c->msg, c->msglen, "unit");
        return store_fail(c, res, qs, MG_ERR_INVALID_INPUT);
    }
    snprintf(unit, sizeof unit, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *sp[] = {round, c->role};
    if ((qs = mg_db_exec(conn, &stmt_paper_survey, 2, sp, &res)) != MG_QS_ROWS) {
        snprintf(c->msg, c->msglen, "role");
        return store_fail(c, res, qs, MG_ERR_INVALID_INPUT);
    }
    snprintf(survey, sizeof survey, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);

    /* Anonymous rounds: through the queue, like a web submission, so the
     * stored response shares no transaction with this audit entry. */
    const char *wp[] = {round, survey, unit, c->role, c->payload};
    if ((qs = mg_db_exec(conn, anonymous ? &stmt_paper_queue : &stmt_paper_store, 5, wp, NULL)) < 0)
        return store_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
    c->queued = anonymous;

    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "round", (double)c->round_id);
    cJSON_AddStringToObject(d, "unit", c->unit);
    cJSON_AddStringToObject(d, "role", c->role);
    qs = mg_audit(conn, c->user_id, c->actor, "response.paper", d);
    cJSON_Delete(d);
    if (qs < 0)
        return store_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
    return MG_QS_ROWS;
}

enum mg_error mg_paper_store(struct mg_db_conn *conn, int64_t round_id, const char *unit_code,
                             const char *role, const struct mg_score *score, int64_t user_id,
                             const char *actor, const char *form_token, const struct mg_token_hash *session,
                             bool *queued, char *msg, size_t msglen)
{
    struct mg_token_hash th;
    char token_hex[67], session_hex[67];
    struct store_ctx c = {round_id, user_id, unit_code, role, NULL, actor, token_hex, session_hex,
                          false, MG_OK, msg, msglen};
    if (msglen)
        msg[0] = '\0';
    if (!form_token || mg_keys_token_hash(form_token, &th) != 0)
        return MG_ERR_CSRF;
    bytea_hex(th.h, sizeof th.h, token_hex, sizeof token_hex);
    bytea_hex(session->h, sizeof session->h, session_hex, sizeof session_hex);
    char *payload = mg_score_payload(score);
    if (!payload)
        return MG_ERR_INTERNAL;
    c.payload = payload;
    enum mg_qs qs = mg_db_tx(conn, store_tx, &c);
    free(payload);
    if (qs < 0 && c.err == MG_OK)
        c.err = MG_ERR_UNAVAILABLE;
    if (c.err == MG_OK)
        *queued = c.queued;
    return c.err;
}
