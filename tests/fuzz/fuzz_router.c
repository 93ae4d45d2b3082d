/* fuzz_router.c: the route table (mg_routes) matched against an arbitrary
 * method and raw path the way the HTTP core does it (server/http.c,
 * first_call: the path as libmicrohttpd hands it over, raw, cut at '?',
 * refused above MG_HTTP_MAX_URL), then the static-file path normalisation
 * (mg_static_normalise) for /static/{*path}. Input: "METHOD path". */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_form.h"
#include "mg_router.h"
#include "mg_static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_URL 2048 /* MG_HTTP_MAX_URL in server/http.c */

static void check_static(const char *raw)
{
    char rel[PATH_MAX];
    if (mg_static_normalise(raw, rel, sizeof rel) != 0)
        return;
    size_t len = strlen(rel);
    /* What keeps a request inside the web root: a relative path of
     * non-empty segments, none hidden, none "." or "..". */
    if (len == 0 || rel[0] == '/' || rel[len - 1] == '/' || strstr(rel, "//") ||
        !mg_utf8_valid(rel, len) || strchr(rel, '\\'))
        abort();
    for (const char *s = rel; s; s = strchr(s, '/')) {
        if (*s == '/')
            s++;
        if (*s == '.')
            abort();
    }
    (void)mg_static_content_type(rel);
}

static void route(const char *method, const char *path)
{
    const struct mg_route *found = NULL;
    struct mg_params params;
    char allow[64]; /* as in first_call */

    switch (mg_router_match(mg_routes, mg_routes_count, method, path, &found, &params, allow,
                            sizeof allow)) {
    case MG_ROUTE_FOUND:
        if (!found || params.n > MG_ROUTE_MAX_PARAMS)
            abort();
        if (strcmp(found->method, method) != 0 &&
            !(strcmp(method, "HEAD") == 0 && strcmp(found->method, "GET") == 0))
            abort();
        if ((found->flags & MG_ROUTE_TEST) && !mg_router_test_routes)
            abort();
        for (size_t i = 0; i < params.n; i++) {
            size_t vl = strnlen(params.value[i], MG_ROUTE_PARAM_MAX);
            if (vl == 0 || vl == MG_ROUTE_PARAM_MAX)
                abort();
            bool wildcard = params.name[i][-1] == '*';
            if (!wildcard && (strchr(params.value[i], '/') || !mg_utf8_valid(params.value[i], vl)))
                abort();
        }
        if (found->handler == mg_static_handle) {
            const char *raw = mg_params_get(&params, "path");
            if (!raw)
                abort();
            check_static(raw);
        }
        break;
    case MG_ROUTE_METHOD_NOT_ALLOWED:
        if (found || allow[0] == '\0')
            abort();
        break;
    case MG_ROUTE_NOT_FOUND:
        if (found)
            abort();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char method[16];
    size_t m = 0;

    while (m < size && m < sizeof method - 1 && data[m] != ' ')
        m++;
    memcpy(method, data, m);
    method[m] = '\0';
    if (strlen(method) != m)
        return 0; /* libmicrohttpd never hands over a method with a NUL */
    if (m < size && data[m] == ' ')
        m++;

    size_t plen = size - m;
    char *path = malloc(plen + 1);
    if (!path)
        return 0;
    memcpy(path, data + m, plen);
    path[plen] = '\0';
    char *q = strchr(path, '?'); /* the query never reaches the router */
    if (q)
        *q = '\0';
    if (strlen(path) <= FUZZ_MAX_URL) {
        mg_router_test_routes = false;
        route(method, path);
        mg_router_test_routes = true;
        route(method, path);
    }
    /* The static normalisation on its own, as if the whole input were the
     * rest of a /static/ path. */
    check_static(path);
    free(path);
    return 0;
}
