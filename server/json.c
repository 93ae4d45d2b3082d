/* json.c: typed access to request JSON with clear refusals. */
#include "mg_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

const char *mg_json_unknown_field(const cJSON *obj, const char *const *allowed)
{
    const cJSON *item;
    if (!cJSON_IsObject(obj))
        return "";
    cJSON_ArrayForEach(item, obj) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (item->string && strcmp(item->string, *a) == 0)
                known = true;
        if (!known)
            return item->string ? item->string : "";
    }
    return NULL;
}

int mg_json_string(const cJSON *obj, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    *out = v->valuestring;
    return 0;
}

int mg_json_int(const cJSON *obj, const char *key, long min, long max, long *out, bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *present = false;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < (double)min || v->valuedouble > (double)max)
        return -1;
    *out = (long)v->valuedouble;
    *present = true;
    return 0;
}

int mg_json_bool(const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return -1;
    *out = cJSON_IsTrue(v);
    return 0;
}
