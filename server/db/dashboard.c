/* dashboard.c: names of a round's areas, levels and services for the HR
 * dashboard, from the survey definitions the round uses. */
#include "mg_dashboard.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "mg_db.h"
#include "mg_indicators.h"
#include "mg_survey.h"

MG_DB_STMT(stmt_round_definitions,
           "SELECT rs.survey_id FROM round_surveys rs WHERE rs.round_id = $1::bigint ORDER BY rs.audience DESC");

/* The text of `texts` ({"sv": ..., ...}) in `lang`, else its first. */
static const char *in_lang(const cJSON *texts, const char *lang)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(texts, lang));
    if (!s && cJSON_IsObject(texts) && texts->child)
        s = cJSON_GetStringValue(texts->child);
    return s;
}

static void add_name(cJSON *into, const char *key, const char *name)
{
    if (key && name && !cJSON_GetObjectItemCaseSensitive(into, key))
        cJSON_AddStringToObject(into, key, name);
}

cJSON *mg_dashboard_labels(struct mg_db_conn *conn, int64_t round_id, const char *lang)
{
    char id[24];
    PGresult *res = NULL;
    snprintf(id, sizeof id, "%lld", (long long)round_id);
    const char *params[] = {id};
    if (mg_db_exec(conn, &stmt_round_definitions, 1, params, &res) < 0)
        return NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *areas = cJSON_AddObjectToObject(out, "areas");
    cJSON *levels = cJSON_AddObjectToObject(out, "levels");
    cJSON *services = cJSON_AddObjectToObject(out, "services");
    for (int row = 0; res && row < PQntuples(res); row++) {
        cJSON *owned = NULL;
        const cJSON *def = mg_survey_definition(conn, strtoll(PQgetvalue(res, row, 0), NULL, 10), &owned), *x;
        if (!def)
            continue;
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(def, "areas"))
            add_name(areas, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "key")),
                     in_lang(cJSON_GetObjectItemCaseSensitive(x, "name"), lang));
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(def, "levels"))
            add_name(levels, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "key")),
                     in_lang(cJSON_GetObjectItemCaseSensitive(x, "name"), lang));
        /* Base services are named by key in the survey: their names are
         * mognad's (mg_service_name), else the frequency question. */
        static const char *const langs[] = {"sv", "nb", "nn", "en"};
        int li = 3;
        for (int i = 0; i < 4; i++)
            if (lang && strcmp(lang, langs[i]) == 0)
                li = i;
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(def, "items")) {
            const char *service = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "service"));
            const char *name = service ? mg_service_name(service, li) : NULL;
            add_name(services, service, name ? name : in_lang(cJSON_GetObjectItemCaseSensitive(x, "text"), lang));
        }
        cJSON_Delete(owned);
    }
    PQclear(res);
    return out;
}
