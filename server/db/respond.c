/* respond.c: respondent sessions from invitation and open links. */
#include "mg_respond.h"
#include "mg_survey.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_clock.h"
#include "mg_db.h"
#include "mg_scoring.h"

MG_DB_STMT(stmt_invitation_by_hash,
           "SELECT i.id, i.round_id, i.unit_id, i.role, i.survey_id, i.status, r.mode, r.state, "
           "r.closes_at <= $2::timestamptz, (r.closes_at AT TIME ZONE 'UTC')::date + 1, i.pseudonym "
           "FROM invitations i JOIN rounds r ON r.id = i.round_id WHERE i.token_hash = $1::bytea");
MG_DB_STMT(stmt_open_link_by_hash,
           "SELECT ru.round_id, ru.unit_id, rs.survey_id, r.state, r.closes_at <= $2::timestamptz, "
           "(r.closes_at AT TIME ZONE 'UTC')::date + 1 "
           "FROM round_units ru JOIN rounds r ON r.id = ru.round_id "
           "JOIN round_surveys rs ON rs.round_id = r.id AND rs.audience = 'staff' "
           "WHERE ru.link_hash = $1::bytea AND r.mode = 'open'");
MG_DB_STMT(stmt_previous_answers,
           "SELECT a.item_key, a.value, a.option_key, a.dont_know FROM responses p "
           "JOIN response_answers a ON a.response_id = p.id "
           "WHERE p.round_id = $1::bigint AND p.pseudonym = $2::bytea");
MG_DB_STMT(stmt_rsession_insert,
           "INSERT INTO respondent_sessions (token_hash, round_id, invitation_id, unit_id, role, "
           "survey_id, draft, expires_on) "
           "VALUES ($1::bytea, $2::bigint, $3::bigint, $4::bigint, $5, $6::bigint, $7::jsonb, $8::date)");
MG_DB_STMT(stmt_invitation_started,
           "UPDATE invitations SET status = 'started' WHERE id = $1::bigint AND status = 'invited'");
/* Unit, role and survey come from the invitation when there is one: HR may
 * have moved the person (a new register run) after the session began. */
MG_DB_STMT(stmt_rsession_load,
           "SELECT s.round_id, COALESCE(i.unit_id, s.unit_id), COALESCE(i.survey_id, s.survey_id), "
           "COALESCE(s.invitation_id, 0), COALESCE(i.role, s.role), r.mode, "
           "r.state, r.state = 'open' AND r.closes_at > $2::timestamptz, "
           "r.state = 'scheduled' AND r.opens_at > $2::timestamptz, "
           "to_char(r.opens_at, 'YYYY-MM-DD'), to_char(r.closes_at - interval '1 microsecond', 'YYYY-MM-DD'), "
           "r.min_group_size, r.default_language, s.draft::text "
           "FROM respondent_sessions s JOIN rounds r ON r.id = s.round_id "
           "LEFT JOIN invitations i ON i.id = s.invitation_id "
           "WHERE s.token_hash = $1::bytea AND s.expires_on >= $2::date");
MG_DB_STMT(stmt_rsession_save,
           "UPDATE respondent_sessions SET draft = $2::jsonb WHERE token_hash = $1::bytea");

MG_DB_STMT(stmt_rsession_merge,
           "UPDATE respondent_sessions SET draft = jsonb_set(draft, '{answers}', "
           "(COALESCE(draft -> 'answers', '{}'::jsonb) - COALESCE($3::text[], '{}')) || $2::jsonb) "
           "WHERE token_hash = $1::bytea RETURNING draft::text");

static void hex_of(const unsigned char *bin, size_t len, char *out, size_t outlen)
{
    memcpy(out, "\\x", 2);
    sodium_bin2hex(out + 2, outlen - 2, bin, len);
}

/* Creates the session row for a fresh random cookie. */
static enum mg_error insert_session(struct mg_db_conn *conn, const char *round, const char *invitation,
                                    const char *unit, const char *role, const char *survey,
                                    const char *draft, const char *expires, struct mg_token *cookie)
{
    struct mg_token_hash h;
    char hex[67];
    mg_keys_random_token(cookie);
    mg_keys_token_hash(cookie->text, &h);
    hex_of(h.h, sizeof h.h, hex, sizeof hex);
    const char *p[] = {hex, round, invitation, unit, role, survey, draft, expires};
    return mg_db_exec(conn, &stmt_rsession_insert, 8, p, NULL) < 0 ? MG_ERR_UNAVAILABLE : MG_OK;
}

struct start_ctx {
    const char *token;
    struct mg_token *cookie;
    enum mg_error err;
};

static enum mg_qs start_invitation_tx(struct mg_db_conn *conn, void *arg)
{
    struct start_ctx *c = arg;
    struct mg_token_hash h;
    char hex[67], now[40];
    PGresult *res = NULL, *prev = NULL;
    enum mg_qs qs;

    if (mg_keys_token_hash(c->token, &h) != 0) {
        c->err = MG_ERR_NOT_FOUND;
        return MG_QS_HARD;
    }
    hex_of(h.h, sizeof h.h, hex, sizeof hex);
    mg_clock_now(now, sizeof now);
    const char *p[] = {hex, now};
    qs = mg_db_exec(conn, &stmt_invitation_by_hash, 2, p, &res);
    if (qs != MG_QS_ROWS) {
        c->err = qs == MG_QS_NONE ? MG_ERR_NOT_FOUND : MG_ERR_UNAVAILABLE;
        PQclear(res);
        return MG_QS_HARD;
    }
    const char *status = PQgetvalue(res, 0, 5), *mode = PQgetvalue(res, 0, 6);
    if (strcmp(PQgetvalue(res, 0, 7), "closed") == 0 || strcmp(PQgetvalue(res, 0, 8), "t") == 0) {
        c->err = MG_ERR_ROUND_CLOSED;
        PQclear(res);
        return MG_QS_HARD;
    }
    if (strcmp(mode, "anonymous") == 0 && strcmp(status, "completed") == 0) {
        c->err = MG_ERR_CONFLICT;
        PQclear(res);
        return MG_QS_HARD;
    }

    /* A pseudonymous respondent continues from their last submission. */
    cJSON *draft = cJSON_CreateObject();
    cJSON *answers = cJSON_AddObjectToObject(draft, "answers");
    if (strcmp(mode, "pseudonymous") == 0 && !PQgetisnull(res, 0, 10)) {
        const char *pp[] = {PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 10)};
        if ((qs = mg_db_exec(conn, &stmt_previous_answers, 2, pp, &prev)) < 0) {
            cJSON_Delete(draft);
            PQclear(res);
            c->err = MG_ERR_UNAVAILABLE;
            return qs;
        }
        for (int i = 0; prev && i < PQntuples(prev); i++) {
            const char *key = PQgetvalue(prev, i, 0);
            if (strcmp(PQgetvalue(prev, i, 3), "t") == 0)
                cJSON_AddStringToObject(answers, key, "dk");
            else if (!PQgetisnull(prev, i, 2))
                cJSON_AddStringToObject(answers, key, PQgetvalue(prev, i, 2));
            else
                cJSON_AddStringToObject(answers, key, PQgetvalue(prev, i, 1));
        }
        cJSON_AddBoolToObject(draft, "submitted", prev && PQntuples(prev) > 0);
        PQclear(prev);
    }
    char *draft_text = cJSON_PrintUnformatted(draft);
    cJSON_Delete(draft);
    c->err = draft_text ? insert_session(conn, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0),
                                         PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
                                         PQgetvalue(res, 0, 4), draft_text, PQgetvalue(res, 0, 9),
                                         c->cookie)
                        : MG_ERR_INTERNAL;
    free(draft_text);
    if (c->err == MG_OK) {
        const char *ip[] = {PQgetvalue(res, 0, 0)};
        if (mg_db_exec(conn, &stmt_invitation_started, 1, ip, NULL) < 0)
            c->err = MG_ERR_UNAVAILABLE;
    }
    PQclear(res);
    return c->err == MG_OK ? MG_QS_ROWS : MG_QS_HARD;
}

enum mg_error mg_respond_start_invitation(struct mg_db_conn *conn, const char *token,
                                          struct mg_token *cookie)
{
    struct start_ctx c = {token, cookie, MG_OK};
    if (mg_db_tx(conn, start_invitation_tx, &c) < 0 && c.err == MG_OK)
        c.err = MG_ERR_UNAVAILABLE;
    return c.err;
}

enum mg_error mg_respond_start_open(struct mg_db_conn *conn, const char *token,
                                    struct mg_token *cookie)
{
    struct mg_token_hash h;
    char hex[67], now[40];
    PGresult *res = NULL;
    enum mg_error err;

    if (mg_keys_token_hash(token, &h) != 0)
        return MG_ERR_NOT_FOUND;
    hex_of(h.h, sizeof h.h, hex, sizeof hex);
    mg_clock_now(now, sizeof now);
    const char *p[] = {hex, now};
    enum mg_qs qs = mg_db_exec(conn, &stmt_open_link_by_hash, 2, p, &res);
    if (qs != MG_QS_ROWS) {
        PQclear(res);
        return qs == MG_QS_NONE ? MG_ERR_NOT_FOUND : MG_ERR_UNAVAILABLE;
    }
    if (strcmp(PQgetvalue(res, 0, 3), "closed") == 0 || strcmp(PQgetvalue(res, 0, 4), "t") == 0) {
        PQclear(res);
        return MG_ERR_ROUND_CLOSED;
    }
    err = insert_session(conn, PQgetvalue(res, 0, 0), NULL, PQgetvalue(res, 0, 1), "staff",
                         PQgetvalue(res, 0, 2), "{\"answers\":{}}", PQgetvalue(res, 0, 5), cookie);
    PQclear(res);
    return err;
}

enum mg_error mg_respond_load(struct mg_db_conn *conn, const char *cookie, struct mg_rsession *s)
{
    char hex[67], now[40];
    PGresult *res = NULL;

    memset(s, 0, sizeof *s);
    if (!cookie || mg_keys_token_hash(cookie, &s->hash) != 0)
        return MG_ERR_UNAUTHORISED;
    hex_of(s->hash.h, sizeof s->hash.h, hex, sizeof hex);
    mg_clock_now(now, sizeof now);
    const char *p[] = {hex, now};
    enum mg_qs qs = mg_db_exec(conn, &stmt_rsession_load, 2, p, &res);
    if (qs != MG_QS_ROWS) {
        PQclear(res);
        return qs == MG_QS_NONE ? MG_ERR_UNAUTHORISED : MG_ERR_UNAVAILABLE;
    }
    s->round_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    s->unit_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    s->survey_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    s->invitation_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    snprintf(s->role, sizeof s->role, "%s", PQgetvalue(res, 0, 4));
    snprintf(s->mode, sizeof s->mode, "%s", PQgetvalue(res, 0, 5));
    snprintf(s->round_state, sizeof s->round_state, "%s", PQgetvalue(res, 0, 6));
    s->accepting = strcmp(PQgetvalue(res, 0, 7), "t") == 0;
    s->not_yet_open = strcmp(PQgetvalue(res, 0, 8), "t") == 0;
    snprintf(s->opens_on, sizeof s->opens_on, "%s", PQgetvalue(res, 0, 9));
    snprintf(s->last_day, sizeof s->last_day, "%s", PQgetvalue(res, 0, 10));
    s->k = atoi(PQgetvalue(res, 0, 11));
    snprintf(s->language, sizeof s->language, "%s", PQgetvalue(res, 0, 12));
    s->draft = cJSON_Parse(PQgetvalue(res, 0, 13));
    PQclear(res);
    s->definition = mg_survey_definition(conn, s->survey_id, &s->definition_owned);
    if (!cJSON_IsObject(s->draft) || !s->definition) {
        mg_respond_free(s);
        return MG_ERR_INTERNAL;
    }
    if (!cJSON_IsObject(cJSON_GetObjectItem(s->draft, "answers")))
        cJSON_AddItemToObject(s->draft, "answers", cJSON_CreateObject());
    return MG_OK;
}

void mg_respond_free(struct mg_rsession *s)
{
    cJSON_Delete(s->draft);
    cJSON_Delete(s->definition_owned);
    s->draft = s->definition_owned = NULL;
    s->definition = NULL;
}

enum mg_error mg_respond_save_draft(struct mg_db_conn *conn, const struct mg_rsession *s)
{
    char hex[67];
    char *text = cJSON_PrintUnformatted(s->draft);
    if (!text)
        return MG_ERR_INTERNAL;
    hex_of(s->hash.h, sizeof s->hash.h, hex, sizeof hex);
    const char *p[] = {hex, text};
    enum mg_qs qs = mg_db_exec(conn, &stmt_rsession_save, 2, p, NULL);
    free(text);
    return qs < 0 ? MG_ERR_UNAVAILABLE : MG_OK;
}

enum mg_error mg_respond_merge_answers(struct mg_db_conn *conn, struct mg_rsession *s,
                                       const cJSON *set, const char *remove)
{
    char hex[67];
    PGresult *res = NULL;
    char *text = cJSON_PrintUnformatted(set);
    if (!text)
        return MG_ERR_INTERNAL;
    hex_of(s->hash.h, sizeof s->hash.h, hex, sizeof hex);
    const char *p[] = {hex, text, remove};
    enum mg_qs qs = mg_db_exec(conn, &stmt_rsession_merge, 3, p, &res);
    free(text);
    if (qs != MG_QS_ROWS) {
        PQclear(res);
        return qs == MG_QS_NONE ? MG_ERR_UNAUTHORISED : MG_ERR_UNAVAILABLE;
    }
    cJSON *draft = cJSON_Parse(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!cJSON_IsObject(draft)) {
        cJSON_Delete(draft);
        return MG_ERR_INTERNAL;
    }
    cJSON_Delete(s->draft);
    s->draft = draft;
    return MG_OK;
}

void mg_respond_csrf(const struct mg_keys *keys, const struct mg_rsession *s, struct mg_token *out)
{
    unsigned char bin[MG_TOKEN_BYTES];
    crypto_generichash_state st;
    crypto_generichash_init(&st, keys->token.k, sizeof keys->token.k, sizeof bin);
    crypto_generichash_update(&st, (const unsigned char *)"mognad-respondent-csrf", 23);
    crypto_generichash_update(&st, s->hash.h, sizeof s->hash.h);
    crypto_generichash_final(&st, bin, sizeof bin);
    sodium_bin2base64(out->text, sizeof out->text, bin, sizeof bin,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- submit ---------------------------------------------------------------- */

MG_DB_STMT(stmt_submit_session,
           "SELECT COALESCE(draft -> 'submitted' = 'true'::jsonb, false) FROM respondent_sessions "
           "WHERE token_hash = $1::bytea FOR UPDATE");
MG_DB_STMT(stmt_submit_round,
           "SELECT state = 'open' AND closes_at > $2::timestamptz FROM rounds WHERE id = $1::bigint "
           "FOR SHARE");
MG_DB_STMT(stmt_submit_invitation,
           "SELECT status, pseudonym FROM invitations WHERE id = $1::bigint FOR UPDATE");
MG_DB_STMT(stmt_submit_complete,
           "UPDATE invitations SET status = 'completed' WHERE id = $1::bigint");
MG_DB_STMT(stmt_submit_replace,
           "SELECT mg_delete_response(id) FROM responses WHERE round_id = $1::bigint "
           "AND pseudonym = $2::bytea");
MG_DB_STMT(stmt_submit_store,
           "SELECT mg_store_response($1::bigint, $2::bigint, $3::bigint, $4, $5::bytea, 'web', $6::jsonb)");
MG_DB_STMT(stmt_submit_queue,
           "INSERT INTO anonymous_queue (round_id, survey_id, unit_id, role, payload) "
           "VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5::jsonb)");
MG_DB_STMT(stmt_flush_anonymous, "SELECT mg_flush_anonymous($1::bigint, $2::integer)");

struct submit_ctx {
    struct mg_rsession *s;
    const char *payload;
    enum mg_submit_outcome outcome;
    enum mg_error err;
};

static enum mg_qs submit_fail(struct submit_ctx *c, PGresult *res, enum mg_qs qs, enum mg_error err)
{
    PQclear(res);
    c->err = qs < 0 ? MG_ERR_UNAVAILABLE : err;
    return qs == MG_QS_SOFT ? MG_QS_SOFT : MG_QS_HARD;
}

static enum mg_qs submit_tx(struct mg_db_conn *conn, void *arg)
{
    struct submit_ctx *c = arg;
    struct mg_rsession *s = c->s;
    PGresult *res = NULL;
    enum mg_qs qs;
    char hex[67], now[40], round[24], survey[24], unit[24], invitation[24];

    c->err = MG_OK;
    c->outcome = MG_SUBMIT_STORED;
    hex_of(s->hash.h, sizeof s->hash.h, hex, sizeof hex);
    snprintf(round, sizeof round, "%lld", (long long)s->round_id);
    snprintf(survey, sizeof survey, "%lld", (long long)s->survey_id);
    snprintf(unit, sizeof unit, "%lld", (long long)s->unit_id);
    snprintf(invitation, sizeof invitation, "%lld", (long long)s->invitation_id);
    mg_clock_now(now, sizeof now);

    /* The session first, so two submissions from it queue up here. */
    const char *sp[] = {hex};
    if ((qs = mg_db_exec(conn, &stmt_submit_session, 1, sp, &res)) != MG_QS_ROWS)
        return submit_fail(c, res, qs, MG_ERR_UNAUTHORISED);
    bool submitted = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    bool pseudonymous = strcmp(s->mode, "pseudonymous") == 0;
    if (submitted && !pseudonymous) {
        c->outcome = MG_SUBMIT_ALREADY;
        return MG_QS_NONE;
    }
    /* FOR SHARE: closing the round waits until this submission is in. */
    const char *rp[] = {round, now};
    if ((qs = mg_db_exec(conn, &stmt_submit_round, 2, rp, &res)) != MG_QS_ROWS ||
        strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        return submit_fail(c, res, qs, MG_ERR_ROUND_CLOSED);
    PQclear(res);

    if (s->invitation_id) {
        const char *ip[] = {invitation};
        if ((qs = mg_db_exec(conn, &stmt_submit_invitation, 1, ip, &res)) != MG_QS_ROWS)
            return submit_fail(c, res, qs, MG_ERR_UNAUTHORISED);
        bool completed = strcmp(PQgetvalue(res, 0, 0), "completed") == 0;
        char pseudonym[67] = "";
        if (!PQgetisnull(res, 0, 1))
            snprintf(pseudonym, sizeof pseudonym, "%s", PQgetvalue(res, 0, 1));
        PQclear(res);
        if (pseudonymous && pseudonym[0]) {
            const char *dp[] = {round, pseudonym};
            if ((qs = mg_db_exec(conn, &stmt_submit_replace, 2, dp, &res)) < 0)
                return submit_fail(c, res, qs, MG_ERR_UNAVAILABLE);
            if (PQntuples(res) > 0)
                c->outcome = MG_SUBMIT_REVISED;
            PQclear(res);
            const char *wp[] = {round, survey, unit, s->role, pseudonym, c->payload};
            if ((qs = mg_db_exec(conn, &stmt_submit_store, 6, wp, NULL)) < 0)
                return submit_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
        } else {
            /* Anonymous (or a pseudonym already removed): single use. */
            if (completed) {
                c->outcome = MG_SUBMIT_ALREADY;
                return MG_QS_NONE;
            }
            const char *qp[] = {round, survey, unit, s->role, c->payload};
            if ((qs = mg_db_exec(conn, &stmt_submit_queue, 5, qp, NULL)) < 0)
                return submit_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
        }
        if ((qs = mg_db_exec(conn, &stmt_submit_complete, 1, ip, NULL)) < 0)
            return submit_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
    } else {
        const char *wp[] = {round, survey, unit, s->role, NULL, c->payload};
        if ((qs = mg_db_exec(conn, &stmt_submit_store, 6, wp, NULL)) < 0)
            return submit_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
    }

    /* The draft: kept for revision when pseudonymous, emptied otherwise. */
    cJSON *draft = pseudonymous ? cJSON_Duplicate(s->draft, true) : cJSON_CreateObject();
    if (!draft)
        return submit_fail(c, NULL, MG_QS_HARD, MG_ERR_INTERNAL);
    cJSON_DeleteItemFromObjectCaseSensitive(draft, "submitted");
    cJSON_AddTrueToObject(draft, "submitted");
    char *text = cJSON_PrintUnformatted(draft);
    cJSON_Delete(draft);
    if (!text)
        return submit_fail(c, NULL, MG_QS_HARD, MG_ERR_INTERNAL);
    const char *up[] = {hex, text};
    qs = mg_db_exec(conn, &stmt_rsession_save, 2, up, NULL);
    free(text);
    if (qs < 0)
        return submit_fail(c, NULL, qs, MG_ERR_UNAVAILABLE);
    return MG_QS_ROWS;
}

enum mg_error mg_respond_submit(struct mg_db_conn *conn, struct mg_rsession *s,
                                const struct mg_score *score, enum mg_submit_outcome *outcome)
{
    struct submit_ctx c = {s, NULL, MG_SUBMIT_STORED, MG_OK};
    char *payload = mg_score_payload(score);
    if (!payload)
        return MG_ERR_INTERNAL;
    c.payload = payload;
    enum mg_qs qs = mg_db_tx(conn, submit_tx, &c);
    free(payload);
    if (qs < 0 && c.err == MG_OK)
        c.err = MG_ERR_UNAVAILABLE;
    if (c.err == MG_OK) {
        *outcome = c.outcome;
        if (c.outcome != MG_SUBMIT_ALREADY) {
            cJSON_DeleteItemFromObjectCaseSensitive(s->draft, "submitted");
            cJSON_AddTrueToObject(s->draft, "submitted");
        }
    }
    return c.err;
}

int mg_respond_flush_anonymous(struct mg_db_conn *conn, int64_t round_id, int min)
{
    char round[24], m[16];
    PGresult *res = NULL;
    snprintf(round, sizeof round, "%lld", (long long)round_id);
    snprintf(m, sizeof m, "%d", min);
    const char *p[] = {round, m};
    if (mg_db_exec(conn, &stmt_flush_anonymous, 2, p, &res) != MG_QS_ROWS) {
        PQclear(res);
        return -1;
    }
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}
