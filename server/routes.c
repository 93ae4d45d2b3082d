/* routes.c: every URL the server answers, its method, flags and handler. */
#include "mg_handlers.h"
#include "mg_router.h"
#include "mg_static.h"

const struct mg_route mg_routes[] = {
    {"GET", "/", mg_handle_home, MG_ROUTE_HTML},
    {"GET", "/healthz", mg_handle_healthz, 0},
    {"GET", "/static/{*path}", mg_static_handle, 0},
    /* Test-only: answered only when MOGNAD_TEST_ROUTES=1 (see serve.c). */
    {"POST", "/api/v1/_test/echo/{name}", mg_handle_test_echo,
     MG_ROUTE_JSON_BODY | MG_ROUTE_FORM_BODY | MG_ROUTE_TEST},
    {"PUT", "/api/v1/_test/echo/{name}", mg_handle_test_echo, MG_ROUTE_JSON_BODY | MG_ROUTE_TEST},
};

const size_t mg_routes_count = sizeof mg_routes / sizeof mg_routes[0];
