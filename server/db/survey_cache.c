/* survey_cache.c: parsed survey definitions, shared by every thread.
 *
 * A survey version never changes once loaded (the surveys_immutable
 * trigger), so its definition is fetched and parsed once per process and
 * then read, never written, by any number of requests. Without the cache
 * each respondent page and each indicators request read about 120 KB of
 * JSON from PostgreSQL and parsed it again. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "mg_db.h"
#include "mg_survey.h"

#define CACHE_MAX 256

MG_DB_STMT(stmt_cache_definition, "SELECT definition::text FROM surveys WHERE id = $1::bigint");

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int64_t id;
    cJSON *def;
} cache[CACHE_MAX];
static size_t cached;

static const cJSON *lookup(int64_t id)
{
    for (size_t i = 0; i < cached; i++)
        if (cache[i].id == id)
            return cache[i].def;
    return NULL;
}

const cJSON *mg_survey_definition(struct mg_db_conn *conn, int64_t id, cJSON **owned)
{
    *owned = NULL;
    pthread_mutex_lock(&lock);
    const cJSON *def = lookup(id);
    pthread_mutex_unlock(&lock);
    if (def)
        return def;

    char ids[24];
    PGresult *res = NULL;
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    if (mg_db_exec(conn, &stmt_cache_definition, 1, p, &res) != MG_QS_ROWS) {
        PQclear(res);
        return NULL;
    }
    cJSON *parsed = cJSON_Parse(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!parsed)
        return NULL;

    pthread_mutex_lock(&lock);
    def = lookup(id); /* another thread may have been quicker */
    if (!def && cached < CACHE_MAX) {
        cache[cached].id = id;
        cache[cached++].def = parsed;
        def = parsed;
        parsed = NULL;
    }
    pthread_mutex_unlock(&lock);
    if (parsed && def) {
        cJSON_Delete(parsed);
        return def;
    }
    if (parsed) { /* the cache is full: the caller owns this copy */
        *owned = parsed;
        return parsed;
    }
    return def;
}

void mg_survey_cache_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < cached; i++)
        cJSON_Delete(cache[i].def);
    cached = 0;
    pthread_mutex_unlock(&lock);
}
