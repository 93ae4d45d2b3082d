/* audit.c: appending to the audit log. */
#include "mg_audit.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* left(action, length($2)) = $2 rather than LIKE: '_' is a LIKE wildcard
 * and a legal character of action names. */
MG_DB_STMT(stmt_audit_list,
           "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), u.login, a.actor, "
           "a.action, a.detail::text FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
           "WHERE ($1::date IS NULL OR a.at >= ($1::date)::timestamp AT TIME ZONE 'UTC') "
           "AND ($2::text IS NULL OR left(a.action, length($2::text)) = $2::text) "
           "ORDER BY a.id DESC LIMIT $3::bigint OFFSET $4::bigint");

bool mg_audit_date_ok(const char *s)
{
    if (!s || strlen(s) != 10)
        return false;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

bool mg_audit_action_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz_.") == n;
}

cJSON *mg_audit_list(struct mg_db_conn *conn, const struct mg_audit_query *q)
{
    char limit[24], offset[24];
    PGresult *res = NULL;
    snprintf(limit, sizeof limit, "%ld", q->limit > 0 ? q->limit : 100);
    snprintf(offset, sizeof offset, "%ld", q->offset > 0 ? q->offset : 0);
    const char *p[] = {q->since && *q->since ? q->since : NULL, q->action && *q->action ? q->action : NULL,
                       limit, offset};
    if (mg_db_exec(conn, &stmt_audit_list, 4, p, &res) < 0)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && res && i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", atof(PQgetvalue(res, i, 0)));
        cJSON_AddStringToObject(o, "at", PQgetvalue(res, i, 1));
        if (PQgetisnull(res, i, 2))
            cJSON_AddNullToObject(o, "user");
        else
            cJSON_AddStringToObject(o, "user", PQgetvalue(res, i, 2));
        cJSON_AddStringToObject(o, "actor", PQgetvalue(res, i, 3));
        cJSON_AddStringToObject(o, "action", PQgetvalue(res, i, 4));
        cJSON *d = cJSON_Parse(PQgetvalue(res, i, 5));
        cJSON_AddItemToObject(o, "detail", d ? d : cJSON_CreateObject());
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}
