/* test_static.c: path normalisation for static files and content types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mg_static.h"

static void test_static_normalise_accepts_plain_paths(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(mg_static_normalise("css/app.css", out, sizeof out), 0);
    assert_string_equal(out, "css/app.css");
    assert_int_equal(mg_static_normalise("img/a%20b.svg", out, sizeof out), 0);
    assert_string_equal(out, "img/a b.svg");
    assert_int_equal(mg_static_normalise("js/%C3%A5.js", out, sizeof out), 0);
}

static void test_static_normalise_refuses_escapes(void **state)
{
    char out[256];
    const char *bad[] = {"",          "..",         "../x",        "a/../b",       "%2e%2e/x",
                         "a/%2E%2E",  "a%2fb",      "a%2Fb",       "a%5cb",        "a\\b",
                         "a%00.css",  ".hidden",    "a/.git/HEAD", "a//b",         "a/",
                         "/etc/passwd", "%ff",      "%",           "a/%2e",        "."};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mg_static_normalise(bad[i], out, sizeof out), -1);
}

static void test_static_normalise_respects_output_size(void **state)
{
    char out[8];
    (void)state;
    assert_int_equal(mg_static_normalise("abcdefghij", out, sizeof out), -1);
    assert_int_equal(mg_static_normalise("abc", out, sizeof out), 0);
}

static void test_static_content_types(void **state)
{
    (void)state;
    assert_string_equal(mg_static_content_type("a.css"), "text/css; charset=utf-8");
    assert_string_equal(mg_static_content_type("x/a.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(mg_static_content_type("a.svg"), "image/svg+xml");
    assert_string_equal(mg_static_content_type("a.woff2"), "font/woff2");
    assert_string_equal(mg_static_content_type("noext"), "application/octet-stream");
    assert_string_equal(mg_static_content_type("a.css.exe"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_normalise_accepts_plain_paths),
        cmocka_unit_test(test_static_normalise_refuses_escapes),
        cmocka_unit_test(test_static_normalise_respects_output_size),
        cmocka_unit_test(test_static_content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
