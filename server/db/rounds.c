/* rounds.c: rounds and series: validation, state changes and their SQL. */
#include "mg_rounds.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_clock.h"
#include "mg_db.h"
#include "mg_log.h"

/* ---- pure checks ---------------------------------------------------- */

const char *mg_round_check_time(const char *s)
{
    static const char pattern[] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}"
                                  "([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$";
    regex_t re;
    int ok;

    if (!s || !*s)
        return "is required";
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return "could not be checked";
    ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok ? NULL : "is not a date or time such as 2027-03-01 or 2027-03-01T08:00+01:00";
}

const char *mg_round_check_mode(const char *s)
{
    if (s && (strcmp(s, "pseudonymous") == 0 || strcmp(s, "anonymous") == 0 ||
              strcmp(s, "open") == 0))
        return NULL;
    return "must be pseudonymous, anonymous or open";
}

const char *mg_round_check_language(const char *s)
{
    if (s && (strcmp(s, "sv") == 0 || strcmp(s, "nb") == 0 || strcmp(s, "nn") == 0 ||
              strcmp(s, "en") == 0))
        return NULL;
    return "must be sv, nb, nn or en";
}

/* Parses "<n><unit>" with optional spaces; the unit is matched against the
 * NULL-terminated `units` list, each with its multiplier. */
static int parse_quantity(const char *s, const char *const *units, const int *mult)
{
    char *end;
    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    long n = strtol(s, &end, 10);
    if (n <= 0 || n > 10000)
        return -1;
    while (*end == ' ')
        end++;
    for (int i = 0; units[i]; i++)
        if (strcmp(end, units[i]) == 0)
            return (int)(n * mult[i]);
    return -1;
}

int mg_parse_months(const char *s)
{
    static const char *const units[] = {"month", "months", "year", "years", NULL};
    static const int mult[] = {1, 1, 12, 12};
    return parse_quantity(s, units, mult);
}

int mg_parse_days(const char *s)
{
    static const char *const units[] = {"day", "days", "week", "weeks", NULL};
    static const int mult[] = {1, 1, 7, 7};
    return parse_quantity(s, units, mult);
}

/* ---- statements ----------------------------------------------------- */

MG_DB_STMT(stmt_unit_by_code, "SELECT id FROM units WHERE code = $1");
MG_DB_STMT(stmt_survey_resolve,
           "SELECT id FROM surveys WHERE key = $1 AND audience = $2 "
           "AND ($3::int IS NULL OR version = $3::int) ORDER BY version DESC LIMIT 1");
MG_DB_STMT(stmt_round_insert,
           "INSERT INTO rounds (name, mode, min_group_size, opens_at, closes_at, "
           "default_language, root_unit_id) "
           "VALUES ($1, $2, $3::int, $4::timestamptz, $5::timestamptz, $6, $7::bigint) RETURNING id");
MG_DB_STMT(stmt_round_survey_set,
           "INSERT INTO round_surveys (round_id, audience, survey_id) VALUES ($1::bigint, $2, $3::bigint) "
           "ON CONFLICT (round_id, audience) DO UPDATE SET survey_id = EXCLUDED.survey_id");
MG_DB_STMT(stmt_round_survey_drop,
           "DELETE FROM round_surveys WHERE round_id = $1::bigint AND audience = $2");
MG_DB_STMT(stmt_round_survey_count,
           "SELECT count(*) FROM round_surveys WHERE round_id = $1::bigint");
MG_DB_STMT(stmt_round_lock,
           "SELECT state, mode, closes_at <= $2::timestamptz AS past, "
           "EXISTS (SELECT 1 FROM responses WHERE round_id = r.id) AS has_responses, "
           "EXISTS (SELECT 1 FROM invitations WHERE round_id = r.id) AS has_invitations "
           "FROM rounds r WHERE id = $1::bigint FOR UPDATE");
MG_DB_STMT(stmt_round_update,
           "UPDATE rounds SET name = COALESCE($2, name), mode = COALESCE($3, mode), "
           "min_group_size = COALESCE($4::int, min_group_size), "
           "opens_at = COALESCE($5::timestamptz, opens_at), "
           "closes_at = COALESCE($6::timestamptz, closes_at), "
           "default_language = COALESCE($7, default_language), "
           "root_unit_id = COALESCE($8::bigint, root_unit_id) WHERE id = $1::bigint");
MG_DB_STMT(stmt_round_open,
           "UPDATE rounds SET state = 'open', opens_at = LEAST(opens_at, $2::timestamptz), "
           "closes_at = COALESCE($3::timestamptz, closes_at) WHERE id = $1::bigint");
MG_DB_STMT(stmt_round_close,
           "UPDATE rounds SET state = 'closed', closes_at = CASE WHEN closes_at > $2::timestamptz "
           "AND opens_at < $2::timestamptz THEN $2::timestamptz ELSE closes_at END "
           "WHERE id = $1::bigint");
/* A closed round's anonymous responses wait no longer (sql/004_submit.sql). */
MG_DB_STMT(stmt_round_flush, "SELECT mg_flush_anonymous($1::bigint, 1)");
MG_DB_STMT(stmt_round_list,
           "SELECT r.id, r.name, r.state, r.mode, r.min_group_size, "
           "to_char(r.opens_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
           "to_char(r.closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
           "r.series_id, r.seq, r.default_language, u.code, "
           /* From the aggregates, not count(*) of a million rows: the same
            * numbers, and they stay after response retention. */
           "(SELECT COALESCE(sum(n), 0) FROM agg_invited i WHERE i.round_id = r.id), "
           "(SELECT COALESCE(sum(n), 0) FROM agg_responses s WHERE s.round_id = r.id), "
           "(SELECT COALESCE(sum(expected_headcount), 0) FROM round_units ru WHERE ru.round_id = r.id) "
           "FROM rounds r LEFT JOIN units u ON u.id = r.root_unit_id "
           "WHERE $1::bigint IS NULL OR r.id = $1::bigint ORDER BY r.opens_at DESC, r.id DESC");
MG_DB_STMT(stmt_round_surveys,
           "SELECT rs.audience, s.key, s.version FROM round_surveys rs "
           "JOIN surveys s ON s.id = rs.survey_id WHERE rs.round_id = $1::bigint ORDER BY rs.audience");
MG_DB_STMT(stmt_round_cast_check,
           "SELECT $1::timestamptz < $2::timestamptz");

/* ---- helpers -------------------------------------------------------- */

static void fmt_id(char *buf, size_t len, int64_t id) { snprintf(buf, len, "%lld", (long long)id); }

/* Maps a failed statement to an error: a bad timestamp is the client's
 * (22007 invalid datetime format, 22008 field overflow), the rest ours. */
static enum mg_error db_error(struct mg_db_conn *conn, char *msg, size_t msglen)
{
    const char *state = mg_db_last_sqlstate(conn);
    if (strcmp(state, "22007") == 0 || strcmp(state, "22008") == 0) {
        snprintf(msg, msglen, "opens/closes: not a valid date or time");
        return MG_ERR_INVALID_INPUT;
    }
    if (mg_db_conn_lost(conn)) {
        snprintf(msg, msglen, "the database is unavailable");
        return MG_ERR_UNAVAILABLE;
    }
    snprintf(msg, msglen, "a database error occurred");
    return MG_ERR_DB;
}

/* Finds the survey for `audience` from "key" or "key:version". */
static enum mg_error resolve_survey(struct mg_db_conn *conn, const char *audience,
                                    const char *ref, char *id_out, size_t id_len, char *msg,
                                    size_t msglen)
{
    char key[64], version[16] = "";
    const char *colon = strchr(ref, ':');
    size_t kl = colon ? (size_t)(colon - ref) : strlen(ref);
    PGresult *res = NULL;
    enum mg_error err = MG_OK;

    if (kl == 0 || kl >= sizeof key) {
        snprintf(msg, msglen, "%s_survey: \"%s\" is not a survey key", audience, ref);
        return MG_ERR_INVALID_INPUT;
    }
    memcpy(key, ref, kl);
    key[kl] = '\0';
    if (colon) {
        const char *v = colon + 1;
        if (!*v || strlen(v) >= sizeof version || strspn(v, "0123456789") != strlen(v)) {
            snprintf(msg, msglen, "%s_survey: \"%s\" should be KEY or KEY:VERSION", audience, ref);
            return MG_ERR_INVALID_INPUT;
        }
        snprintf(version, sizeof version, "%s", v);
    }
    const char *params[] = {key, audience, version[0] ? version : NULL};
    switch (mg_db_exec(conn, &stmt_survey_resolve, 3, params, &res)) {
    case MG_QS_HARD:
    case MG_QS_SOFT:
        return db_error(conn, msg, msglen);
    case MG_QS_NONE:
        snprintf(msg, msglen, "%s_survey: no %s survey \"%s\"%s%s is loaded (see mognad survey load)",
                 audience, audience, key, version[0] ? " version " : "", version);
        err = MG_ERR_INVALID_INPUT;
        break;
    case MG_QS_ROWS:
        snprintf(id_out, id_len, "%s", PQgetvalue(res, 0, 0));
        break;
    }
    PQclear(res);
    return err;
}

static enum mg_error resolve_unit(struct mg_db_conn *conn, const char *code, char *id_out,
                                  size_t id_len, char *msg, size_t msglen)
{
    PGresult *res = NULL;
    const char *params[] = {code};
    enum mg_error err = MG_OK;

    switch (mg_db_exec(conn, &stmt_unit_by_code, 1, params, &res)) {
    case MG_QS_HARD:
    case MG_QS_SOFT:
        return db_error(conn, msg, msglen);
    case MG_QS_NONE:
        snprintf(msg, msglen, "unit: no unit has the code \"%s\"", code);
        err = MG_ERR_INVALID_INPUT;
        break;
    case MG_QS_ROWS:
        snprintf(id_out, id_len, "%s", PQgetvalue(res, 0, 0));
        break;
    }
    PQclear(res);
    return err;
}

/* Field checks shared by create and update; `creating` makes the required
 * fields required. */
static enum mg_error check_spec(const struct mg_round_spec *spec, bool creating, char *msg,
                                size_t msglen)
{
    const char *why;

    if (creating || spec->name) {
        size_t n = spec->name ? strlen(spec->name) : 0;
        if (n == 0 || n > 200 || strspn(spec->name, " \t") == n) {
            snprintf(msg, msglen, "name: is required (1 to 200 characters)");
            return MG_ERR_INVALID_INPUT;
        }
    }
    if ((creating || spec->opens) && (why = mg_round_check_time(spec->opens))) {
        snprintf(msg, msglen, "opens: %s", why);
        return MG_ERR_INVALID_INPUT;
    }
    if ((creating || spec->closes) && (why = mg_round_check_time(spec->closes))) {
        snprintf(msg, msglen, "closes: %s", why);
        return MG_ERR_INVALID_INPUT;
    }
    if ((creating || spec->mode) && (why = mg_round_check_mode(spec->mode))) {
        snprintf(msg, msglen, "mode: %s", why);
        return MG_ERR_INVALID_INPUT;
    }
    if (spec->language && (why = mg_round_check_language(spec->language))) {
        snprintf(msg, msglen, "language: %s", why);
        return MG_ERR_INVALID_INPUT;
    }
    if (spec->k != 0 && (spec->k < 3 || spec->k > 1000)) {
        snprintf(msg, msglen, "k: the minimum group size must be at least 3 (got %d)", spec->k);
        return MG_ERR_INVALID_INPUT;
    }
    return MG_OK;
}

/* ---- create --------------------------------------------------------- */

struct create_ctx {
    const struct mg_round_spec *spec;
    struct mg_actor actor;
    int64_t id;
    enum mg_error err;
    char *msg;
    size_t msglen;
};

static enum mg_qs create_tx(struct mg_db_conn *conn, void *arg)
{
    struct create_ctx *c = arg;
    const struct mg_round_spec *spec = c->spec;
    char unit_id[24] = "", survey_ids[2][24] = {"", ""}, kbuf[16], idbuf[24];
    const char *audiences[2] = {"staff", "manager"};
    const char *refs[2] = {spec->staff_survey, spec->manager_survey};
    PGresult *res = NULL;

    c->err = MG_OK;
    if (spec->unit_code && (c->err = resolve_unit(conn, spec->unit_code, unit_id, sizeof unit_id,
                                                  c->msg, c->msglen)) != MG_OK)
        return MG_QS_HARD;
    int surveys = 0;
    for (int a = 0; a < 2; a++) {
        const char *ref = refs[a];
        if (ref && strcmp(ref, "none") == 0)
            continue;
        if (!ref && !spec->staff_survey && !spec->manager_survey) {
            /* Neither given: the latest "staff" and "manager" surveys. */
            char ignore[256];
            if (resolve_survey(conn, audiences[a], audiences[a], survey_ids[a],
                               sizeof survey_ids[a], ignore, sizeof ignore) == MG_OK)
                surveys++;
            continue;
        }
        if (!ref)
            continue;
        if ((c->err = resolve_survey(conn, audiences[a], ref, survey_ids[a], sizeof survey_ids[a],
                                     c->msg, c->msglen)) != MG_OK)
            return MG_QS_HARD;
        surveys++;
    }
    if (surveys == 0) {
        snprintf(c->msg, c->msglen, "surveys: the round needs a staff or a manager survey, and "
                                    "none is loaded (see mognad survey load)");
        c->err = MG_ERR_INVALID_INPUT;
        return MG_QS_HARD;
    }

    const char *cparams[] = {spec->opens, spec->closes};
    enum mg_qs qs = mg_db_exec(conn, &stmt_round_cast_check, 2, cparams, &res);
    if (qs < 0) {
        c->err = db_error(conn, c->msg, c->msglen);
        return qs;
    }
    bool ordered = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!ordered) {
        snprintf(c->msg, c->msglen, "closes: must be after opens");
        c->err = MG_ERR_INVALID_INPUT;
        return MG_QS_HARD;
    }

    snprintf(kbuf, sizeof kbuf, "%d", spec->k ? spec->k : 5);
    const char *params[] = {spec->name, spec->mode, kbuf, spec->opens, spec->closes,
                            spec->language ? spec->language : "sv", unit_id[0] ? unit_id : NULL};
    qs = mg_db_exec(conn, &stmt_round_insert, 7, params, &res);
    if (qs != MG_QS_ROWS) {
        c->err = db_error(conn, c->msg, c->msglen);
        PQclear(res);
        return qs < 0 ? qs : MG_QS_HARD;
    }
    c->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    fmt_id(idbuf, sizeof idbuf, c->id);
    for (int a = 0; a < 2; a++) {
        if (!survey_ids[a][0])
            continue;
        const char *sp[] = {idbuf, audiences[a], survey_ids[a]};
        if ((qs = mg_db_exec(conn, &stmt_round_survey_set, 3, sp, NULL)) < 0) {
            c->err = db_error(conn, c->msg, c->msglen);
            return qs;
        }
    }
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "round", (double)c->id);
    cJSON_AddStringToObject(detail, "name", spec->name);
    cJSON_AddStringToObject(detail, "mode", spec->mode);
    qs = mg_audit(conn, c->actor.user_id, c->actor.name, "round.create", detail);
    cJSON_Delete(detail);
    if (qs < 0)
        c->err = db_error(conn, c->msg, c->msglen);
    return qs < 0 ? qs : MG_QS_ROWS;
}

enum mg_error mg_round_create(struct mg_db_conn *conn, const struct mg_round_spec *spec,
                              struct mg_actor actor, int64_t *id, char *msg, size_t msglen)
{
    struct create_ctx c = {spec, actor, 0, MG_OK, msg, msglen};
    enum mg_error err = check_spec(spec, true, msg, msglen);
    if (err != MG_OK)
        return err;
    if (mg_db_tx(conn, create_tx, &c) < 0)
        return c.err != MG_OK ? c.err : db_error(conn, msg, msglen);
    *id = c.id;
    return MG_OK;
}

/* ---- update and transitions ------------------------------------------ */

struct change_ctx {
    int64_t id;
    const struct mg_round_spec *spec;
    enum mg_round_action action;
    bool reopen;
    const char *closes;
    bool is_transition;
    struct mg_actor actor;
    enum mg_error err;
    char *msg;
    size_t msglen;
};

static enum mg_qs change_tx(struct mg_db_conn *conn, void *arg)
{
    struct change_ctx *c = arg;
    char idbuf[24], now[40];
    PGresult *res = NULL;
    enum mg_qs qs;

    fmt_id(idbuf, sizeof idbuf, c->id);
    mg_clock_now(now, sizeof now);
    const char *lp[] = {idbuf, now};
    qs = mg_db_exec(conn, &stmt_round_lock, 2, lp, &res);
    if (qs == MG_QS_NONE) {
        snprintf(c->msg, c->msglen, "round %s does not exist", idbuf);
        c->err = MG_ERR_NOT_FOUND;
        PQclear(res);
        return MG_QS_HARD;
    }
    if (qs < 0) {
        c->err = db_error(conn, c->msg, c->msglen);
        return qs;
    }
    char state[16];
    snprintf(state, sizeof state, "%s", PQgetvalue(res, 0, 0));
    bool past = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    bool has_responses = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
    bool has_invitations = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
    PQclear(res);
    res = NULL;

    const char *action = NULL;
    if (c->is_transition && c->action == MG_ROUND_OPEN) {
        if (strcmp(state, "open") == 0) {
            snprintf(c->msg, c->msglen, "round %s is already open", idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        if (strcmp(state, "closed") == 0 && !c->reopen) {
            snprintf(c->msg, c->msglen, "round %s is closed; reopening needs --reopen "
                                        "(API: \"reopen\": true)", idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        if (strcmp(state, "closed") == 0 && has_responses) {
            /* Its figures were released when it closed: new answers would
             * let the two releases be subtracted (docs/privacy.md). */
            snprintf(c->msg, c->msglen, "round %s has responses and its results were released when it "
                                        "closed; it cannot be reopened (create a new round)", idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        if (past && !c->closes) {
            snprintf(c->msg, c->msglen, "round %s's closing time has passed; give a new closes "
                                        "time to open it", idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        if (c->closes) {
            const char *why = mg_round_check_time(c->closes);
            if (why) {
                snprintf(c->msg, c->msglen, "closes: %s", why);
                c->err = MG_ERR_INVALID_INPUT;
                return MG_QS_HARD;
            }
            const char *cp[] = {now, c->closes};
            qs = mg_db_exec(conn, &stmt_round_cast_check, 2, cp, &res);
            if (qs < 0) {
                c->err = db_error(conn, c->msg, c->msglen);
                return qs;
            }
            bool future = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
            PQclear(res);
            if (!future) {
                snprintf(c->msg, c->msglen, "closes: must be in the future");
                c->err = MG_ERR_INVALID_INPUT;
                return MG_QS_HARD;
            }
        }
        const char *op[] = {idbuf, now, c->closes};
        qs = mg_db_exec(conn, &stmt_round_open, 3, op, NULL);
        action = strcmp(state, "closed") == 0 ? "round.reopen" : "round.open";
    } else if (c->is_transition) {
        if (strcmp(state, "closed") == 0) {
            snprintf(c->msg, c->msglen, "round %s is already closed", idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        const char *cp[] = {idbuf, now};
        qs = mg_db_exec(conn, &stmt_round_close, 2, cp, NULL);
        if (qs >= 0)
            qs = mg_db_exec(conn, &stmt_round_flush, 1, cp, NULL);
        action = "round.close";
    } else {
        const struct mg_round_spec *s = c->spec;
        bool survey_change = s->staff_survey || s->manager_survey;
        if ((s->mode || survey_change) && has_responses) {
            snprintf(c->msg, c->msglen, "round %s has responses; its surveys and mode can no "
                                        "longer change", idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        if (s->mode && has_invitations) {
            snprintf(c->msg, c->msglen, "round %s has invitations; its mode can no longer change",
                     idbuf);
            c->err = MG_ERR_CONFLICT;
            return MG_QS_HARD;
        }
        char unit_id[24] = "", kbuf[16] = "";
        if (s->unit_code && (c->err = resolve_unit(conn, s->unit_code, unit_id, sizeof unit_id,
                                                   c->msg, c->msglen)) != MG_OK)
            return MG_QS_HARD;
        if (s->k)
            snprintf(kbuf, sizeof kbuf, "%d", s->k);
        const char *up[] = {idbuf, s->name, s->mode, kbuf[0] ? kbuf : NULL, s->opens, s->closes,
                            s->language, unit_id[0] ? unit_id : NULL};
        qs = mg_db_exec(conn, &stmt_round_update, 8, up, NULL);
        if (qs < 0) {
            /* 23514: the CHECK that closes_at > opens_at. */
            if (strcmp(mg_db_last_sqlstate(conn), "23514") == 0) {
                snprintf(c->msg, c->msglen, "closes: must be after opens");
                c->err = MG_ERR_INVALID_INPUT;
            } else {
                c->err = db_error(conn, c->msg, c->msglen);
            }
            return qs;
        }
        const char *audiences[2] = {"staff", "manager"};
        const char *refs[2] = {s->staff_survey, s->manager_survey};
        for (int a = 0; a < 2; a++) {
            if (!refs[a])
                continue;
            if (strcmp(refs[a], "none") == 0) {
                const char *dp[] = {idbuf, audiences[a]};
                qs = mg_db_exec(conn, &stmt_round_survey_drop, 2, dp, NULL);
            } else {
                char sid[24];
                if ((c->err = resolve_survey(conn, audiences[a], refs[a], sid, sizeof sid, c->msg,
                                             c->msglen)) != MG_OK)
                    return MG_QS_HARD;
                const char *sp[] = {idbuf, audiences[a], sid};
                qs = mg_db_exec(conn, &stmt_round_survey_set, 3, sp, NULL);
            }
            if (qs < 0) {
                c->err = db_error(conn, c->msg, c->msglen);
                return qs;
            }
        }
        const char *np[] = {idbuf};
        qs = mg_db_exec(conn, &stmt_round_survey_count, 1, np, &res);
        if (qs < 0) {
            c->err = db_error(conn, c->msg, c->msglen);
            return qs;
        }
        bool none_left = strcmp(PQgetvalue(res, 0, 0), "0") == 0;
        PQclear(res);
        if (none_left) {
            snprintf(c->msg, c->msglen, "surveys: a round needs a staff or a manager survey");
            c->err = MG_ERR_INVALID_INPUT;
            return MG_QS_HARD;
        }
        action = "round.update";
    }
    if (qs < 0) {
        c->err = db_error(conn, c->msg, c->msglen);
        return qs;
    }
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "round", (double)c->id);
    qs = mg_audit(conn, c->actor.user_id, c->actor.name, action, detail);
    cJSON_Delete(detail);
    if (qs < 0)
        c->err = db_error(conn, c->msg, c->msglen);
    return qs < 0 ? qs : MG_QS_ROWS;
}

enum mg_error mg_round_update(struct mg_db_conn *conn, int64_t id,
                              const struct mg_round_spec *spec, struct mg_actor actor, char *msg,
                              size_t msglen)
{
    struct change_ctx c = {id, spec, MG_ROUND_OPEN, false, NULL, false, actor, MG_OK, msg, msglen};
    enum mg_error err = check_spec(spec, false, msg, msglen);
    if (err != MG_OK)
        return err;
    if (mg_db_tx(conn, change_tx, &c) < 0)
        return c.err != MG_OK ? c.err : db_error(conn, msg, msglen);
    return MG_OK;
}

enum mg_error mg_round_transition(struct mg_db_conn *conn, int64_t id,
                                  enum mg_round_action action, bool reopen,
                                  const char *closes, struct mg_actor actor, char *msg,
                                  size_t msglen)
{
    struct change_ctx c = {id, NULL, action, reopen, closes, true, actor, MG_OK, msg, msglen};
    if (mg_db_tx(conn, change_tx, &c) < 0)
        return c.err != MG_OK ? c.err : db_error(conn, msg, msglen);
    return MG_OK;
}

/* ---- reading ------------------------------------------------------- */

static cJSON *round_row(PGresult *res, int row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", atof(PQgetvalue(res, row, 0)));
    cJSON_AddStringToObject(o, "name", PQgetvalue(res, row, 1));
    cJSON_AddStringToObject(o, "state", PQgetvalue(res, row, 2));
    cJSON_AddStringToObject(o, "mode", PQgetvalue(res, row, 3));
    cJSON_AddNumberToObject(o, "k", atof(PQgetvalue(res, row, 4)));
    cJSON_AddStringToObject(o, "opens_at", PQgetvalue(res, row, 5));
    cJSON_AddStringToObject(o, "closes_at", PQgetvalue(res, row, 6));
    if (PQgetisnull(res, row, 7)) {
        cJSON_AddNullToObject(o, "series");
        cJSON_AddNullToObject(o, "seq");
    } else {
        cJSON_AddNumberToObject(o, "series", atof(PQgetvalue(res, row, 7)));
        cJSON_AddNumberToObject(o, "seq", atof(PQgetvalue(res, row, 8)));
    }
    cJSON_AddStringToObject(o, "language", PQgetvalue(res, row, 9));
    if (PQgetisnull(res, row, 10))
        cJSON_AddNullToObject(o, "unit");
    else
        cJSON_AddStringToObject(o, "unit", PQgetvalue(res, row, 10));
    cJSON_AddNumberToObject(o, "invited", atof(PQgetvalue(res, row, 11)));
    /* The privacy rule holds here too: a round with fewer than k
     * responses (but some) does not say how many. */
    double responded = atof(PQgetvalue(res, row, 12)), k = atof(PQgetvalue(res, row, 4));
    if (responded > 0 && responded < k) {
        cJSON *h = cJSON_AddObjectToObject(o, "responded");
        cJSON_AddBoolToObject(h, "suppressed", true);
        cJSON_AddStringToObject(h, "reason", "fewer_than_k");
    } else {
        cJSON_AddNumberToObject(o, "responded", responded);
    }
    cJSON_AddNumberToObject(o, "expected_headcount", atof(PQgetvalue(res, row, 13)));
    return o;
}

cJSON *mg_round_list(struct mg_db_conn *conn)
{
    PGresult *res = NULL;
    const char *params[] = {NULL};
    if (mg_db_exec(conn, &stmt_round_list, 1, params, &res) < 0)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; res && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, round_row(res, i));
    PQclear(res);
    return arr;
}

/* ---- who may see a round -------------------------------------------- */

/* The rule, once: round `r` is visible to unit $2 when it covers the whole
 * organisation or its unit and $2 lie on one path of the tree. */
#define ROUND_VISIBLE_SQL                                                                                \
    "(r.root_unit_id IS NULL OR EXISTS (SELECT 1 FROM units ru, units v WHERE ru.id = r.root_unit_id " \
    "AND v.id = $2::bigint AND (ru.path @> v.path OR v.path @> ru.path)))"

MG_DB_STMT(stmt_round_visible, "SELECT " ROUND_VISIBLE_SQL " FROM rounds r WHERE r.id = $1::bigint");
MG_DB_STMT(stmt_series_visible, "SELECT coalesce(bool_and(" ROUND_VISIBLE_SQL "), true) FROM series s "
                                "LEFT JOIN rounds r ON r.series_id = s.id WHERE s.id = $1::bigint GROUP BY s.id");

static enum mg_error visible(struct mg_db_conn *conn, const struct mg_db_stmt *stmt, int64_t id,
                             int64_t viewer_unit)
{
    char idbuf[24], unitbuf[24];
    PGresult *res = NULL;
    enum mg_error err = MG_ERR_UNAVAILABLE;

    if (viewer_unit < 0)
        return MG_ERR_FORBIDDEN;
    fmt_id(idbuf, sizeof idbuf, id);
    fmt_id(unitbuf, sizeof unitbuf, viewer_unit);
    const char *params[] = {idbuf, unitbuf};
    switch (mg_db_exec(conn, stmt, 2, params, &res)) {
    case MG_QS_HARD:
    case MG_QS_SOFT:
        err = MG_ERR_UNAVAILABLE;
        break;
    case MG_QS_NONE:
        err = MG_ERR_NOT_FOUND;
        break;
    case MG_QS_ROWS:
        err = viewer_unit == 0 || strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? MG_OK : MG_ERR_FORBIDDEN;
        break;
    }
    PQclear(res);
    return err;
}

enum mg_error mg_round_visible(struct mg_db_conn *conn, int64_t round_id, int64_t viewer_unit)
{
    return visible(conn, &stmt_round_visible, round_id, viewer_unit);
}

enum mg_error mg_series_visible(struct mg_db_conn *conn, int64_t series_id, int64_t viewer_unit)
{
    return visible(conn, &stmt_series_visible, series_id, viewer_unit);
}

cJSON *mg_round_get(struct mg_db_conn *conn, int64_t id, enum mg_error *err)
{
    char idbuf[24];
    PGresult *res = NULL;
    fmt_id(idbuf, sizeof idbuf, id);
    const char *params[] = {idbuf};

    *err = MG_OK;
    enum mg_qs qs = mg_db_exec(conn, &stmt_round_list, 1, params, &res);
    if (qs != MG_QS_ROWS) {
        *err = qs == MG_QS_NONE ? MG_ERR_NOT_FOUND : MG_ERR_DB;
        PQclear(res);
        return NULL;
    }
    cJSON *o = round_row(res, 0);
    PQclear(res);
    res = NULL;
    if (mg_db_exec(conn, &stmt_round_surveys, 1, params, &res) < 0) {
        cJSON_Delete(o);
        *err = MG_ERR_DB;
        return NULL;
    }
    cJSON *surveys = cJSON_AddObjectToObject(o, "surveys");
    for (int i = 0; res && i < PQntuples(res); i++) {
        cJSON *s = cJSON_AddObjectToObject(surveys, PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(s, "key", PQgetvalue(res, i, 1));
        cJSON_AddNumberToObject(s, "version", atof(PQgetvalue(res, i, 2)));
    }
    PQclear(res);
    return o;
}

/* ---- series -------------------------------------------------------- */

MG_DB_STMT(stmt_series_insert,
           "INSERT INTO series (name, every_months, duration_days, pseudonym_retention_months, "
           "response_retention_months, template_round_id) "
           "VALUES ($1, $2::int, $3::int, $4::int, $5::int, $6::bigint) RETURNING id");
MG_DB_STMT(stmt_series_attach,
           "UPDATE rounds SET series_id = $2::bigint, seq = 1 "
           "WHERE id = $1::bigint AND series_id IS NULL");
MG_DB_STMT(stmt_series_name_taken, "SELECT 1 FROM series WHERE name = $1");
MG_DB_STMT(stmt_series_list,
           "SELECT s.id, s.name, s.every_months, s.duration_days, s.template_round_id, "
           "s.pseudonym_retention_months, s.response_retention_months, "
           "(SELECT count(*) FROM rounds r WHERE r.series_id = s.id), s.anonymised_on "
           "FROM series s ORDER BY s.id");

struct series_ctx {
    const struct mg_series_spec *spec;
    int every, duration, pret, rret;
    struct mg_actor actor;
    int64_t id;
    enum mg_error err;
    char *msg;
    size_t msglen;
};

static enum mg_qs series_tx(struct mg_db_conn *conn, void *arg)
{
    struct series_ctx *c = arg;
    char every[16], dur[16], pret[16], rret[16], tmpl[24], idbuf[24];
    PGresult *res = NULL;
    enum mg_qs qs;

    const char *np[] = {c->spec->name};
    qs = mg_db_exec(conn, &stmt_series_name_taken, 1, np, NULL);
    if (qs == MG_QS_ROWS) {
        snprintf(c->msg, c->msglen, "name: a series called \"%s\" exists already", c->spec->name);
        c->err = MG_ERR_CONFLICT;
        return MG_QS_HARD;
    }
    snprintf(every, sizeof every, "%d", c->every);
    snprintf(dur, sizeof dur, "%d", c->duration);
    snprintf(pret, sizeof pret, "%d", c->pret);
    snprintf(rret, sizeof rret, "%d", c->rret);
    fmt_id(tmpl, sizeof tmpl, c->spec->template_round);
    const char *ip[] = {c->spec->name, every, dur, c->pret >= 0 ? pret : NULL,
                        c->rret >= 0 ? rret : NULL, tmpl};
    qs = mg_db_exec(conn, &stmt_series_insert, 6, ip, &res);
    if (qs != MG_QS_ROWS) {
        if (strcmp(mg_db_last_sqlstate(conn), "23503") == 0) {
            snprintf(c->msg, c->msglen, "template: round %s does not exist", tmpl);
            c->err = MG_ERR_INVALID_INPUT;
        } else {
            c->err = db_error(conn, c->msg, c->msglen);
        }
        PQclear(res);
        return MG_QS_HARD;
    }
    c->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    fmt_id(idbuf, sizeof idbuf, c->id);
    const char *ap[] = {tmpl, idbuf};
    qs = mg_db_exec(conn, &stmt_series_attach, 2, ap, NULL);
    if (qs == MG_QS_NONE) {
        snprintf(c->msg, c->msglen, "template: round %s belongs to another series already", tmpl);
        c->err = MG_ERR_CONFLICT;
        return MG_QS_HARD;
    }
    if (qs < 0) {
        c->err = db_error(conn, c->msg, c->msglen);
        return qs;
    }
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "series", (double)c->id);
    cJSON_AddStringToObject(detail, "name", c->spec->name);
    cJSON_AddNumberToObject(detail, "template_round", (double)c->spec->template_round);
    qs = mg_audit(conn, c->actor.user_id, c->actor.name, "series.create", detail);
    cJSON_Delete(detail);
    if (qs < 0)
        c->err = db_error(conn, c->msg, c->msglen);
    return qs < 0 ? qs : MG_QS_ROWS;
}

enum mg_error mg_series_create(struct mg_db_conn *conn, const struct mg_series_spec *spec,
                               struct mg_actor actor, int64_t *id, char *msg, size_t msglen)
{
    struct series_ctx c = {spec, 0, 0, -1, -1, actor, 0, MG_OK, msg, msglen};
    size_t n = spec->name ? strlen(spec->name) : 0;

    if (n == 0 || n > 200) {
        snprintf(msg, msglen, "name: is required (1 to 200 characters)");
        return MG_ERR_INVALID_INPUT;
    }
    if ((c.every = mg_parse_months(spec->every)) < 1 || c.every > 60) {
        snprintf(msg, msglen, "every: \"%s\" is not a period such as 12months or 1year (at most 5 years)",
                 spec->every ? spec->every : "");
        return MG_ERR_INVALID_INPUT;
    }
    if ((c.duration = mg_parse_days(spec->duration)) < 1 || c.duration > 366) {
        snprintf(msg, msglen, "duration: \"%s\" is not a length such as 21days or 3weeks (at most 366 days)",
                 spec->duration ? spec->duration : "");
        return MG_ERR_INVALID_INPUT;
    }
    if (c.duration >= c.every * 28) {
        snprintf(msg, msglen, "duration: a round must close before the next one opens");
        return MG_ERR_INVALID_INPUT;
    }
    if (spec->pseudonym_retention && (c.pret = mg_parse_months(spec->pseudonym_retention)) < 0) {
        snprintf(msg, msglen, "pseudonym_retention: \"%s\" is not a period such as 6months",
                 spec->pseudonym_retention);
        return MG_ERR_INVALID_INPUT;
    }
    if (spec->response_retention && (c.rret = mg_parse_months(spec->response_retention)) < 0) {
        snprintf(msg, msglen, "response_retention: \"%s\" is not a period such as 5years",
                 spec->response_retention);
        return MG_ERR_INVALID_INPUT;
    }
    if (spec->template_round <= 0) {
        snprintf(msg, msglen, "template: a round id is required");
        return MG_ERR_INVALID_INPUT;
    }
    if (mg_db_tx(conn, series_tx, &c) < 0)
        return c.err != MG_OK ? c.err : db_error(conn, msg, msglen);
    *id = c.id;
    return MG_OK;
}

cJSON *mg_series_list(struct mg_db_conn *conn)
{
    PGresult *res = NULL;
    if (mg_db_exec(conn, &stmt_series_list, 0, NULL, &res) < 0)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; res && i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", atof(PQgetvalue(res, i, 0)));
        cJSON_AddStringToObject(o, "name", PQgetvalue(res, i, 1));
        cJSON_AddNumberToObject(o, "every_months", atof(PQgetvalue(res, i, 2)));
        cJSON_AddNumberToObject(o, "duration_days", atof(PQgetvalue(res, i, 3)));
        cJSON_AddNumberToObject(o, "template_round", atof(PQgetvalue(res, i, 4)));
        if (PQgetisnull(res, i, 5))
            cJSON_AddNullToObject(o, "pseudonym_retention_months");
        else
            cJSON_AddNumberToObject(o, "pseudonym_retention_months", atof(PQgetvalue(res, i, 5)));
        if (PQgetisnull(res, i, 6))
            cJSON_AddNullToObject(o, "response_retention_months");
        else
            cJSON_AddNumberToObject(o, "response_retention_months", atof(PQgetvalue(res, i, 6)));
        cJSON_AddNumberToObject(o, "rounds", atof(PQgetvalue(res, i, 7)));
        if (PQgetisnull(res, i, 8))
            cJSON_AddNullToObject(o, "anonymised_on");
        else
            cJSON_AddStringToObject(o, "anonymised_on", PQgetvalue(res, i, 8));
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}
