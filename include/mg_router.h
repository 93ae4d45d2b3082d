/* mg_router.h: the route table and matching of method + path. */
#ifndef MG_ROUTER_H
#define MG_ROUTER_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mg_request;

#define MG_ROUTE_MAX_PARAMS 4
#define MG_ROUTE_PARAM_MAX 256

typedef enum MHD_Result (*mg_handler)(struct mg_request *req);

/* Route flags. */
enum {
    MG_ROUTE_JSON_BODY = 1 << 0, /* accepts application/json */
    MG_ROUTE_FORM_BODY = 1 << 1, /* accepts x-www-form-urlencoded */
    MG_ROUTE_HTML = 1 << 2,      /* a browser page: errors render as HTML */
    MG_ROUTE_SECRET = 1 << 3,    /* path holds a secret: log the pattern */
    MG_ROUTE_TEST = 1 << 4,      /* exists only when test routes are on */
    /* Who may call it: a logged-in HR user of at least this role. State-
     * changing methods on these routes also need the session's CSRF token. */
    MG_ROUTE_VIEWER = 1 << 5,
    MG_ROUTE_ANALYST = 1 << 6,
    MG_ROUTE_ADMIN = 1 << 7,
    /* accepts multipart/form-data (a file upload): fields go to req->form,
     * the file to req->upload; the body limit is MOGNAD_MAX_UPLOAD */
    MG_ROUTE_MULTIPART = 1 << 8,
    /* The path's {id} names a round (a series): the caller must be allowed
     * to see it (mg_round_visible, mg_series_visible), checked before the
     * handler runs. Every route naming a round or series carries one. */
    MG_ROUTE_ROUND = 1 << 9,
    MG_ROUTE_SERIES = 1 << 10,
    /* The registrar's routes (paper entry): a logged-in registrar may call
     * it. Alone, only the registrar may; with MG_ROUTE_VIEWER, _ANALYST or
     * _ADMIN, that role and above may too. The registrar may call no route
     * without this flag (the role is off the viewer < analyst < admin
     * ladder, mg_auth.h). */
    MG_ROUTE_PAPER = 1 << 11,
};

/* Set by `mognad serve` from MOGNAD_TEST_ROUTES=1; off in production. */
extern bool mg_router_test_routes;

/* Patterns are absolute paths whose segments are literals, "{name}" (one
 * segment) or, last only, "{*name}" (the rest of the path, raw). */
struct mg_route {
    const char *method;
    const char *pattern;
    mg_handler handler;
    unsigned int flags;
};

struct mg_params {
    size_t n;
    const char *name[MG_ROUTE_MAX_PARAMS];     /* points into the pattern */
    size_t name_len[MG_ROUTE_MAX_PARAMS];
    char value[MG_ROUTE_MAX_PARAMS][MG_ROUTE_PARAM_MAX];
};

enum mg_route_result {
    MG_ROUTE_FOUND,
    MG_ROUTE_NOT_FOUND,
    MG_ROUTE_METHOD_NOT_ALLOWED,
};

/* Matches `method` and raw `path` against `routes`. On MG_ROUTE_FOUND sets
 * *found and fills `params` (decoded; a parameter that does not decode to
 * valid UTF-8 without '/' makes the route not match). On
 * MG_ROUTE_METHOD_NOT_ALLOWED writes the allowed methods ("GET, HEAD") to
 * `allow`. HEAD matches GET routes. */
enum mg_route_result mg_router_match(const struct mg_route *routes, size_t n,
                                     const char *method, const char *path,
                                     const struct mg_route **found,
                                     struct mg_params *params, char *allow,
                                     size_t allowlen);

/* The decoded value of parameter `name`, or NULL. */
const char *mg_params_get(const struct mg_params *params, const char *name);
/* The parameter `name` as a database id: a positive decimal integer of at
 * most 18 digits without sign or leading zero; 0 for anything else. */
int64_t mg_params_id(const struct mg_params *params, const char *name);

/* The application's route table (server/routes.c). */
extern const struct mg_route mg_routes[];
extern const size_t mg_routes_count;

#endif
