/* router.c: matching a method and raw path against the route table. */
#include "mg_router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_form.h"

bool mg_router_test_routes;

/* Length of the segment starting at `s` (up to '/' or the end). */
static size_t seglen(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

/* Does raw `path` match `pattern`? Fills `params` when it does. */
static bool match(const char *pattern, const char *path, struct mg_params *params)
{
    params->n = 0;
    if (*pattern != '/' || *path != '/')
        return false;
    pattern++;
    path++;

    for (;;) {
        size_t pl = seglen(pattern);
        size_t sl = seglen(path);

        if (pl >= 3 && pattern[0] == '{' && pattern[1] == '*') {
            /* Wildcard: the rest of the path, raw, non-empty. */
            if (params->n == MG_ROUTE_MAX_PARAMS || *path == '\0')
                return false;
            size_t rest = strlen(path);
            if (rest >= MG_ROUTE_PARAM_MAX)
                return false;
            params->name[params->n] = pattern + 2;
            params->name_len[params->n] = pl - 3;
            memcpy(params->value[params->n], path, rest + 1);
            params->n++;
            return true;
        }
        if (pl >= 2 && pattern[0] == '{' && pattern[pl - 1] == '}') {
            size_t outlen;
            if (sl == 0 || sl >= MG_ROUTE_PARAM_MAX || params->n == MG_ROUTE_MAX_PARAMS)
                return false;
            char *out = params->value[params->n];
            if (mg_url_decode(path, sl, out, &outlen, false) != 0 || strchr(out, '/'))
                return false;
            params->name[params->n] = pattern + 1;
            params->name_len[params->n] = pl - 2;
            params->n++;
        } else if (pl != sl || memcmp(pattern, path, pl) != 0) {
            return false;
        }
        pattern += pl;
        path += sl;
        if (*pattern == '\0' && *path == '\0')
            return true;
        if (*pattern == '\0' || *path == '\0')
            return false;
        pattern++; /* both at '/' */
        path++;
    }
}

enum mg_route_result mg_router_match(const struct mg_route *routes, size_t n,
                                     const char *method, const char *path,
                                     const struct mg_route **found,
                                     struct mg_params *params, char *allow,
                                     size_t allowlen)
{
    struct mg_params scratch;
    bool path_matched = false;
    bool is_head = strcmp(method, "HEAD") == 0;
    size_t used = 0;

    *found = NULL;
    if (allowlen)
        allow[0] = '\0';

    for (size_t i = 0; i < n; i++) {
        if ((routes[i].flags & MG_ROUTE_TEST) && !mg_router_test_routes)
            continue;
        if (!match(routes[i].pattern, path, &scratch))
            continue;
        if (strcmp(routes[i].method, method) == 0 ||
            (is_head && strcmp(routes[i].method, "GET") == 0)) {
            *found = &routes[i];
            *params = scratch;
            return MG_ROUTE_FOUND;
        }
        path_matched = true;
        /* Collect the Allow list, HEAD alongside GET, without duplicates. */
        const char *names[2] = {routes[i].method,
                                strcmp(routes[i].method, "GET") == 0 ? "HEAD" : NULL};
        for (int k = 0; k < 2 && names[k]; k++) {
            size_t ml = strlen(names[k]);
            bool dup = false;
            for (const char *p = allow; p && (p = strstr(p, names[k])); p += ml)
                if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
                    dup = true;
            if (dup)
                continue;
            int w = snprintf(allow + used, allowlen > used ? allowlen - used : 0, "%s%s",
                             used ? ", " : "", names[k]);
            if (w > 0 && used + (size_t)w < allowlen)
                used += (size_t)w;
        }
    }
    return path_matched ? MG_ROUTE_METHOD_NOT_ALLOWED : MG_ROUTE_NOT_FOUND;
}

const char *mg_params_get(const struct mg_params *params, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < params->n; i++)
        if (params->name_len[i] == len && memcmp(params->name[i], name, len) == 0)
            return params->value[i];
    return NULL;
}

int64_t mg_params_id(const struct mg_params *params, const char *name)
{
    const char *s = mg_params_get(params, name);
    char *end;
    if (!s || *s < '1' || *s > '9' || strlen(s) > 18)
        return 0;
    long long v = strtoll(s, &end, 10);
    return *end ? 0 : v;
}
