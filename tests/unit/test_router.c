/* test_router.c: route matching, parameters, 404 and 405 with Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mg_router.h"

static enum MHD_Result h(struct mg_request *req)
{
    (void)req;
    return MHD_YES;
}

static const struct mg_route routes[] = {
    {"GET", "/", h, 0},
    {"GET", "/api/v1/rounds", h, 0},
    {"POST", "/api/v1/rounds", h, 0},
    {"GET", "/api/v1/rounds/{id}", h, 0},
    {"PUT", "/api/v1/rounds/{id}", h, 0},
    {"GET", "/api/v1/rounds/{id}/units/{code}", h, 0},
    {"GET", "/static/{*path}", h, 0},
    {"POST", "/hidden", h, MG_ROUTE_TEST},
};
#define N (sizeof routes / sizeof routes[0])

static enum mg_route_result m(const char *method, const char *path, const struct mg_route **r,
                              struct mg_params *p, char *allow)
{
    return mg_router_match(routes, N, method, path, r, p, allow, 64);
}

static void test_router_matches_literal_paths(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    assert_int_equal(m("GET", "/", &r, &p, allow), MG_ROUTE_FOUND);
    assert_ptr_equal(r, &routes[0]);
    assert_int_equal(m("POST", "/api/v1/rounds", &r, &p, allow), MG_ROUTE_FOUND);
    assert_ptr_equal(r, &routes[2]);
    assert_int_equal(p.n, 0);
}

static void test_router_extracts_and_decodes_params(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    assert_int_equal(m("GET", "/api/v1/rounds/42/units/R%C3%85D%201", &r, &p, allow), MG_ROUTE_FOUND);
    assert_ptr_equal(r, &routes[5]);
    assert_string_equal(mg_params_get(&p, "id"), "42");
    assert_string_equal(mg_params_get(&p, "code"), "R\xc3\x85" "D 1");
    assert_null(mg_params_get(&p, "nope"));
}

static void test_router_refuses_params_with_encoded_slash_or_bad_bytes(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    assert_int_equal(m("GET", "/api/v1/rounds/4%2f2", &r, &p, allow), MG_ROUTE_NOT_FOUND);
    assert_int_equal(m("GET", "/api/v1/rounds/4%002", &r, &p, allow), MG_ROUTE_NOT_FOUND);
    assert_int_equal(m("GET", "/api/v1/rounds/%ff", &r, &p, allow), MG_ROUTE_NOT_FOUND);
    assert_int_equal(m("GET", "/api/v1/rounds/%4", &r, &p, allow), MG_ROUTE_NOT_FOUND);
}

static void test_router_wildcard_takes_rest_raw(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    assert_int_equal(m("GET", "/static/css/a%20b.css", &r, &p, allow), MG_ROUTE_FOUND);
    assert_string_equal(mg_params_get(&p, "path"), "css/a%20b.css");
    assert_int_equal(m("GET", "/static/", &r, &p, allow), MG_ROUTE_NOT_FOUND);
    assert_int_equal(m("GET", "/static", &r, &p, allow), MG_ROUTE_NOT_FOUND);
}

static void test_router_not_found_for_near_misses(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    const char *miss[] = {"/api/v1/round", "/api/v1/rounds/", "/api/v1/rounds/1/units",
                          "//", "/api/v1/rounds/1/units/x/y", "", "api/v1/rounds", "/api/v1//rounds"};
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++)
        assert_int_equal(m("GET", miss[i], &r, &p, allow), MG_ROUTE_NOT_FOUND);
}

static void test_router_405_lists_allowed_methods(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    assert_int_equal(m("DELETE", "/api/v1/rounds/7", &r, &p, allow), MG_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD, PUT");
    assert_int_equal(m("DELETE", "/api/v1/rounds", &r, &p, allow), MG_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD, POST");
}

static void test_router_head_matches_get(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    assert_int_equal(m("HEAD", "/api/v1/rounds/3", &r, &p, allow), MG_ROUTE_FOUND);
    assert_ptr_equal(r, &routes[3]);
}

static void test_router_test_routes_hidden_unless_enabled(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    (void)state;
    mg_router_test_routes = false;
    assert_int_equal(m("POST", "/hidden", &r, &p, allow), MG_ROUTE_NOT_FOUND);
    mg_router_test_routes = true;
    assert_int_equal(m("POST", "/hidden", &r, &p, allow), MG_ROUTE_FOUND);
    mg_router_test_routes = false;
}

static void test_router_overlong_param_does_not_match(void **state)
{
    const struct mg_route *r;
    struct mg_params p;
    char allow[64];
    char path[600] = "/api/v1/rounds/";
    (void)state;
    memset(path + strlen(path), 'a', 400);
    path[15 + 400] = '\0';
    assert_int_equal(m("GET", path, &r, &p, allow), MG_ROUTE_NOT_FOUND);
}

static void test_params_id_takes_only_plain_positive_integers(void **state)
{
    static const struct { const char *value; int64_t id; } cases[] = {
        {"1", 1}, {"42", 42}, {"999999999999999999", 999999999999999999LL}, {"0", 0}, {"01", 0},
        {"-1", 0}, {"+1", 0}, {"1a", 0}, {"1 ", 0}, {"", 0}, {"1000000000000000000", 0}, {"0x10", 0}};
    struct mg_params p;
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&p, 0, sizeof p);
        p.n = 1;
        p.name[0] = "id";
        p.name_len[0] = 2;
        snprintf(p.value[0], sizeof p.value[0], "%s", cases[i].value);
        assert_int_equal(mg_params_id(&p, "id"), cases[i].id);
        assert_int_equal(mg_params_id(&p, "other"), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_id_takes_only_plain_positive_integers),
        cmocka_unit_test(test_router_matches_literal_paths),
        cmocka_unit_test(test_router_extracts_and_decodes_params),
        cmocka_unit_test(test_router_refuses_params_with_encoded_slash_or_bad_bytes),
        cmocka_unit_test(test_router_wildcard_takes_rest_raw),
        cmocka_unit_test(test_router_not_found_for_near_misses),
        cmocka_unit_test(test_router_405_lists_allowed_methods),
        cmocka_unit_test(test_router_head_matches_get),
        cmocka_unit_test(test_router_test_routes_hidden_unless_enabled),
        cmocka_unit_test(test_router_overlong_param_does_not_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
