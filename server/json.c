/* json.c: typed access to request JSON with clear refusals. */
#include "mg_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "mg_form.h"

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

static int json_depth(const cJSON *item)
{
    int max = 0;
    for (const cJSON *c = item ? item->child : NULL; c; c = c->next) {
        int d = json_depth(c);
        if (d > max)
            max = d;
    }
    return max + 1;
}

/* Checks that a JSON text does not nest deeper than `limit` before cJSON
 * recurses into it, so a hostile body cannot exhaust the stack. */
static bool json_nesting_ok(const char *s, size_t len, int limit)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

/* Whether a JSON text holds the escape \u0000 in a string: cJSON would
 * decode it to a NUL that silently cuts the string short ("ab\u0000cd"
 * read as "ab"), so such a body is refused like a raw NUL byte. */
static bool json_has_nul_escape(const char *s, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (in_string && s[i] == '\\') {
            if (i + 5 < len && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
                return true;
            i++;
        } else if (s[i] == '"') {
            in_string = !in_string;
        }
    }
    return false;
}

cJSON *mg_json_parse_body(const char *body, size_t len, int max_depth)
{
    cJSON *json;
    if (!mg_utf8_valid(body, len) || memchr(body, '\0', len) || !json_nesting_ok(body, len, max_depth) ||
        json_has_nul_escape(body, len))
        return NULL;
    /* The body is NUL-terminated and holds no other NUL; passing the
     * terminator lets cJSON reject trailing garbage. */
    json = cJSON_ParseWithLengthOpts(body, len + 1, NULL, 1);
    if (json && json_depth(json) > max_depth) {
        cJSON_Delete(json);
        json = NULL;
    }
    return json;
}
