/* health.c: GET /healthz, 200 while the database answers, 503 while not. */
#include <cjson/cJSON.h>

#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_http.h"

MG_DB_STMT(stmt_ping, "SELECT 1");

enum MHD_Result mg_handle_healthz(struct mg_request *req)
{
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    bool up = false;

    if (conn) {
        up = mg_db_exec(conn, &stmt_ping, 0, NULL, NULL) == MG_QS_ROWS;
        mg_db_release(req->srv->db, conn);
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", up ? "ok" : "unavailable");
    cJSON_AddStringToObject(body, "database", up ? "up" : "down");
    return mg_reply_json(req, up ? 200 : 503, body);
}
