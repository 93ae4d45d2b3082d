/* api_rounds.c: /api/v1/rounds and /api/v1/series on the rounds module. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_http.h"
#include "mg_json.h"
#include "mg_rounds.h"

/* The round id of the path, or 0 when it is not a positive integer. */
/* Reads the round fields of the body into `spec`; answers 400 itself. */
static bool read_spec(struct mg_request *req, struct mg_round_spec *spec, enum MHD_Result *ret)
{
    static const char *const allowed[] = {"name", "opens", "closes", "mode", "language", "unit",
                                          "staff_survey", "manager_survey", "k", NULL};
    static const char *const strings[] = {"name", "opens", "closes", "mode", "language", "unit",
                                          "staff_survey", "manager_survey"};
    const char **dest[] = {&spec->name, &spec->opens, &spec->closes, &spec->mode, &spec->language,
                           &spec->unit_code, &spec->staff_survey, &spec->manager_survey};
    const char *bad;
    long k = 0;
    bool has_k;

    memset(spec, 0, sizeof *spec);
    if ((bad = mg_json_unknown_field(req->json, allowed))) {
        *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT,
                              *bad ? "This field is not part of a round." : "The body must be a JSON object.",
                              *bad ? bad : NULL);
        return false;
    }
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (mg_json_string(req->json, strings[i], dest[i]) != 0) {
            *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT, "This field must be a string.", strings[i]);
            return false;
        }
    if (mg_json_int(req->json, "k", 3, 1000, &k, &has_k) != 0) {
        *ret = mg_reply_error(req, MG_ERR_INVALID_INPUT,
                              "The minimum group size must be a whole number of at least 3.", "k");
        return false;
    }
    spec->k = has_k ? (int)k : 0;
    return true;
}

/* Answers an error of the rounds module: its message, and the field it
 * starts with ("closes: must be after opens") as `field`. */
static enum MHD_Result reply_module_error(struct mg_request *req, enum mg_error err, const char *msg)
{
    char field[32] = "";
    const char *colon = strchr(msg, ':');
    if (err == MG_ERR_INVALID_INPUT && colon && (size_t)(colon - msg) < sizeof field &&
        strcspn(msg, " ") > (size_t)(colon - msg)) {
        memcpy(field, msg, (size_t)(colon - msg));
        field[colon - msg] = '\0';
    }
    return mg_reply_error(req, err, msg, field[0] ? field : NULL);
}

static enum MHD_Result reply_round(struct mg_request *req, struct mg_db_conn *conn, int64_t id,
                                   unsigned int status)
{
    enum mg_error err;
    cJSON *round = mg_round_get(conn, id, &err);
    mg_db_release(req->srv->db, conn);
    if (!round)
        return mg_reply_error(req, err, err == MG_ERR_NOT_FOUND ? "No such round." : NULL, NULL);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "round", round);
    return mg_reply_json(req, status, body);
}

enum MHD_Result mg_handle_rounds_list(struct mg_request *req)
{
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    cJSON *list = mg_round_list(conn);
    mg_db_release(req->srv->db, conn);
    if (!list)
        return mg_reply_error(req, MG_ERR_DB, NULL, NULL);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "rounds", list);
    return mg_reply_json(req, 200, body);
}

enum MHD_Result mg_handle_rounds_create(struct mg_request *req)
{
    struct mg_round_spec spec;
    enum MHD_Result ret;
    char msg[512];
    int64_t id;

    if (!read_spec(req, &spec, &ret))
        return ret;
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = mg_round_create(conn, &spec, mg_request_actor(req), &id, msg, sizeof msg);
    if (err != MG_OK) {
        mg_db_release(req->srv->db, conn);
        return reply_module_error(req, err, msg);
    }
    return reply_round(req, conn, id, 201);
}

enum MHD_Result mg_handle_round_get(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    if (!id)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, "No such round.", NULL);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    return reply_round(req, conn, id, 200);
}

enum MHD_Result mg_handle_round_update(struct mg_request *req)
{
    struct mg_round_spec spec;
    enum MHD_Result ret;
    char msg[512];
    int64_t id = mg_params_id(&req->params, "id");

    if (!id)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, "No such round.", NULL);
    if (!read_spec(req, &spec, &ret))
        return ret;
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = mg_round_update(conn, id, &spec, mg_request_actor(req), msg, sizeof msg);
    if (err != MG_OK) {
        mg_db_release(req->srv->db, conn);
        return reply_module_error(req, err, msg);
    }
    return reply_round(req, conn, id, 200);
}

static enum MHD_Result transition(struct mg_request *req, enum mg_round_action action)
{
    static const char *const allowed_open[] = {"reopen", "closes", NULL};
    static const char *const allowed_close[] = {NULL};
    int64_t id = mg_params_id(&req->params, "id");
    bool reopen = false;
    const char *closes = NULL, *bad;
    char msg[512];

    if (!id)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, "No such round.", NULL);
    if (req->json) {
        if ((bad = mg_json_unknown_field(req->json, action == MG_ROUND_OPEN ? allowed_open : allowed_close)))
            return mg_reply_error(req, MG_ERR_INVALID_INPUT, "Unknown field.", *bad ? bad : NULL);
        if (mg_json_bool(req->json, "reopen", &reopen) != 0)
            return mg_reply_error(req, MG_ERR_INVALID_INPUT, "This field must be true or false.", "reopen");
        if (mg_json_string(req->json, "closes", &closes) != 0)
            return mg_reply_error(req, MG_ERR_INVALID_INPUT, "This field must be a string.", "closes");
    }
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = mg_round_transition(conn, id, action, reopen, closes, mg_request_actor(req), msg, sizeof msg);
    if (err != MG_OK) {
        mg_db_release(req->srv->db, conn);
        return reply_module_error(req, err, msg);
    }
    return reply_round(req, conn, id, 200);
}

enum MHD_Result mg_handle_round_open(struct mg_request *req) { return transition(req, MG_ROUND_OPEN); }
enum MHD_Result mg_handle_round_close(struct mg_request *req) { return transition(req, MG_ROUND_CLOSE); }

enum MHD_Result mg_handle_series_list(struct mg_request *req)
{
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    cJSON *list = mg_series_list(conn);
    mg_db_release(req->srv->db, conn);
    if (!list)
        return mg_reply_error(req, MG_ERR_DB, NULL, NULL);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "series", list);
    return mg_reply_json(req, 200, body);
}

enum MHD_Result mg_handle_series_create(struct mg_request *req)
{
    static const char *const allowed[] = {"name", "every", "duration", "template",
                                          "pseudonym_retention", "response_retention", NULL};
    struct mg_series_spec spec = {0};
    const char *bad;
    long tmpl = 0;
    bool has_tmpl;
    char msg[512];
    int64_t id;

    if ((bad = mg_json_unknown_field(req->json, allowed)))
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "This field is not part of a series.", *bad ? bad : NULL);
    const char *names[] = {"name", "every", "duration", "pseudonym_retention", "response_retention"};
    const char **dest[] = {&spec.name, &spec.every, &spec.duration, &spec.pseudonym_retention,
                           &spec.response_retention};
    for (size_t i = 0; i < 5; i++)
        if (mg_json_string(req->json, names[i], dest[i]) != 0)
            return mg_reply_error(req, MG_ERR_INVALID_INPUT, "This field must be a string.", names[i]);
    if (mg_json_int(req->json, "template", 1, 1L << 53, &tmpl, &has_tmpl) != 0)
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "This field must be a round id.", "template");
    spec.template_round = has_tmpl ? tmpl : 0;

    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = mg_series_create(conn, &spec, mg_request_actor(req), &id, msg, sizeof msg);
    cJSON *list = err == MG_OK ? mg_series_list(conn) : NULL;
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK)
        return reply_module_error(req, err, msg);
    cJSON *found = NULL, *s;
    cJSON_ArrayForEach(s, list) if (cJSON_GetNumberValue(cJSON_GetObjectItem(s, "id")) == (double)id)
        found = s;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "series", found ? cJSON_Duplicate(found, 1) : cJSON_CreateNull());
    cJSON_Delete(list);
    return mg_reply_json(req, 201, body);
}
