/* audit.c: appending to the audit log. */
#include "mg_audit.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "mg_db.h"

MG_DB_STMT(stmt_audit, "INSERT INTO audit_log (user_id, actor, action, detail) "
                       "VALUES (NULLIF($1::bigint, 0), $2, $3, COALESCE($4::jsonb, '{}'))");

int mg_audit(struct mg_db_conn *conn, int64_t user_id, const char *actor, const char *action,
             const cJSON *detail)
{
    char uid[24];
    char *text = detail ? cJSON_PrintUnformatted(detail) : NULL;
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    const char *params[] = {uid, actor, action, text};
    enum mg_qs qs = mg_db_exec(conn, &stmt_audit, 4, params, NULL);
    free(text);
    return qs;
}
