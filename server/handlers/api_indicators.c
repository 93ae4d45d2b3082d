/* api_indicators.c: /api/v1/rounds/{id}/indicators, /rounds/{id}/overview
 * and /series/{id}/trend on the indicators module (which applies the
 * privacy rule); here only parameters, the caller's scope and replies. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_hr.h"
#include "mg_http.h"
#include "mg_indicators.h"

/* The id of the path, or 0 when it is not a positive integer. */
/* Reads unit, role and depth (those in `allowed`) from the query string;
 * answers 400 itself, naming the parameter, and returns false. */
static bool read_query(struct mg_request *req, const char *const *allowed, struct mg_ind_query *q,
                       enum MHD_Result *ret)
{
    memset(q, 0, sizeof *q);
    q->role = MG_PRIV_ALL;
    q->depth = 1;
    for (size_t i = 0; i < req->query.n; i++) {
        const char *key = req->query.pairs[i].key, *value = req->query.pairs[i].value;
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known = known || strcmp(key, *a) == 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(req->query.pairs[j].key, key) == 0) {
                *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT, "This parameter is given twice.", key);
                return false;
            }
        if (!known) {
            *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT, "Unknown parameter.", key);
            return false;
        }
        if (strcmp(key, "role") == 0 && mg_indicators_parse_role(value, &q->role) != 0) {
            *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT, "The role must be staff, manager or all.", key);
            return false;
        }
        if (strcmp(key, "depth") == 0) {
            char *end;
            long d = strtol(value, &end, 10);
            if (!*value || *end || value[0] == '-' || value[0] == '+' || d < 0 || d > MG_IND_MAX_DEPTH) {
                *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT,
                                      "The depth must be a whole number from 0 to 20.", key);
                return false;
            }
            q->depth = (int)d;
        }
        if (strcmp(key, "unit") == 0) {
            if (!*value || strlen(value) > 64) {
                *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT, "The unit must be a unit code.", key);
                return false;
            }
            q->unit_code = value;
        }
    }
    if (req->user.role == MG_ROLE_UNIT_VIEWER)
        q->viewer_unit = req->user.unit_id > 0 ? req->user.unit_id : -1;
    return true;
}

typedef enum mg_error (*indicators_fn)(struct mg_db_conn *, int64_t, const struct mg_ind_query *,
                                       cJSON **, char *, size_t);

static enum MHD_Result answer(struct mg_request *req, const char *const *allowed, indicators_fn fn,
                              const char *not_found)
{
    struct mg_ind_query q;
    enum MHD_Result ret;
    char msg[256] = "";
    cJSON *body = NULL;
    int64_t id = mg_params_id(&req->params, "id");

    if (!id)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, not_found, NULL);
    if (!read_query(req, allowed, &q, &ret))
        return ret;
    if (q.viewer_unit < 0)
        return mg_reply_error(req, MG_ERR_FORBIDDEN, NULL, NULL);
    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = fn(conn, id, &q, &body, msg, sizeof msg);
    if (mg_hr_ask_primary(req, conn, err)) {
        /* Created moments ago, not on the replica yet. */
        if (!(conn = mg_db_acquire(req->srv->db)))
            return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
        msg[0] = '\0';
        err = fn(conn, id, &q, &body, msg, sizeof msg);
    }
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK) {
        const char *field = NULL;
        if (err == MG_ERR_NOT_FOUND && strcmp(msg, "No such unit.") == 0)
            field = "unit";
        return mg_reply_error(req, err, err == MG_ERR_NOT_FOUND || err == MG_ERR_FORBIDDEN ? msg : NULL, field);
    }
    return mg_reply_json(req, 200, body);
}

enum MHD_Result mg_handle_round_indicators(struct mg_request *req)
{
    static const char *const allowed[] = {"unit", "role", "depth", NULL};
    return answer(req, allowed, mg_indicators_round, "No such round.");
}

enum MHD_Result mg_handle_round_overview(struct mg_request *req)
{
    static const char *const allowed[] = {"role", NULL};
    return answer(req, allowed, mg_indicators_overview, "No such round.");
}

enum MHD_Result mg_handle_series_trend(struct mg_request *req)
{
    static const char *const allowed[] = {"unit", "role", NULL};
    return answer(req, allowed, mg_indicators_trend, "No such series.");
}
