/* health.c: GET /healthz, 200 while the database answers, 503 while not;
 * with a read replica configured, also its state and how far behind it is. */
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
    double lag = -1;
    enum mg_db_replica replica = mg_db_replica_state(req->srv->db, &lag);
    if (replica != MG_DB_REPLICA_NONE) {
        cJSON_AddStringToObject(body, "replica", mg_db_replica_name(replica));
        if (lag >= 0)
            cJSON_AddNumberToObject(body, "replica_lag_s", (double)(long long)(lag * 10 + 0.5) / 10);
        else
            cJSON_AddNullToObject(body, "replica_lag_s");
    }
    return mg_reply_json(req, up ? 200 : 503, body);
}
