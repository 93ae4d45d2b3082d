/* test_form.c: percent-decoding, UTF-8 validation and form parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mg_form.h"

static int dec(const char *in, char *out, bool plus)
{
    return mg_url_decode(in, strlen(in), out, NULL, plus);
}

static void test_url_decode_handles_escapes_and_plus(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(dec("a%20b", out, false), 0);
    assert_string_equal(out, "a b");
    assert_int_equal(dec("a+b", out, true), 0);
    assert_string_equal(out, "a b");
    assert_int_equal(dec("a+b", out, false), 0);
    assert_string_equal(out, "a+b");
    assert_int_equal(dec("%C3%A5%c3%a4", out, false), 0);
    assert_string_equal(out, "\xc3\xa5\xc3\xa4");
    assert_int_equal(dec("", out, false), 0);
    assert_string_equal(out, "");
}

static void test_url_decode_refuses_bad_input(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(dec("%", out, false), -1);
    assert_int_equal(dec("%4", out, false), -1);
    assert_int_equal(dec("%zz", out, false), -1);
    assert_int_equal(dec("a%00b", out, false), -1);
    assert_int_equal(dec("%ff", out, false), -1);       /* not UTF-8 */
    assert_int_equal(dec("%C0%AF", out, false), -1);    /* overlong '/' */
    assert_int_equal(dec("%ED%A0%80", out, false), -1); /* surrogate */
}

static void test_utf8_valid_edges(void **state)
{
    (void)state;
    assert_true(mg_utf8_valid("", 0));
    assert_true(mg_utf8_valid("\xf0\x9f\x98\x80", 4));
    assert_false(mg_utf8_valid("\xf0\x9f\x98", 3));
    assert_false(mg_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(mg_utf8_valid("\x80", 1));
    assert_false(mg_utf8_valid("\xe0\x80\x80", 3));
}

static void test_form_parse_pairs(void **state)
{
    struct mg_form f = {0};
    const char *body = "a=1&b=x+y&&c&d=&a=2&%C3%A5=%E2%82%AC";
    (void)state;
    assert_int_equal(mg_form_parse(body, strlen(body), &f), 0);
    assert_int_equal(f.n, 6);
    assert_string_equal(mg_form_get(&f, "a"), "1");
    assert_string_equal(mg_form_get(&f, "b"), "x y");
    assert_string_equal(mg_form_get(&f, "c"), "");
    assert_string_equal(mg_form_get(&f, "d"), "");
    assert_string_equal(mg_form_get(&f, "\xc3\xa5"), "\xe2\x82\xac");
    assert_null(mg_form_get(&f, "z"));
    mg_form_free(&f);
    assert_int_equal(f.n, 0);
}

static void test_form_parse_refuses_bad_encoding_and_leaves_nothing(void **state)
{
    struct mg_form f = {0};
    (void)state;
    assert_int_equal(mg_form_parse("a=1&b=%zz", 9, &f), -1);
    assert_int_equal(f.n, 0);
    assert_null(f.pairs);
    assert_int_equal(mg_form_parse("a=%00", 5, &f), -1);
    /* A raw NUL inside the body is refused as well as an encoded one. */
    assert_int_equal(mg_form_parse("a=1\0b", 5, &f), -1);
    assert_int_equal(f.n, 0);
}

static void test_form_parse_caps_pair_count(void **state)
{
    struct mg_form f = {0};
    static char body[4 * (MG_FORM_MAX_PAIRS + 1) + 1];
    size_t o = 0;
    (void)state;
    for (int i = 0; i < MG_FORM_MAX_PAIRS + 1; i++) {
        memcpy(body + o, "a=1&", 4);
        o += 4;
    }
    assert_int_equal(mg_form_parse(body, o, &f), -1);
    assert_int_equal(mg_form_parse(body, o - 4, &f), 0);
    assert_int_equal(f.n, MG_FORM_MAX_PAIRS);
    mg_form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_decode_handles_escapes_and_plus),
        cmocka_unit_test(test_url_decode_refuses_bad_input),
        cmocka_unit_test(test_utf8_valid_edges),
        cmocka_unit_test(test_form_parse_pairs),
        cmocka_unit_test(test_form_parse_refuses_bad_encoding_and_leaves_nothing),
        cmocka_unit_test(test_form_parse_caps_pair_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
