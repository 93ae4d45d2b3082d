/* test_log.c: log lines stay single lines of plain text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_log.h"

/* `in` written by mg_log_write_escaped (valid until the next call). */
static const char *escaped(const char *in)
{
    static char *out;
    size_t len;
    free(out);
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    mg_log_write_escaped(f, in);
    assert_int_equal(fclose(f), 0);
    return out;
}

static void test_log_escapes_line_breaks_so_no_line_can_be_forged(void **state)
{
    (void)state;
    assert_string_equal(escaped("Log test\nmognad ERROR forged"), "Log test\\nmognad ERROR forged");
    assert_string_equal(escaped("a\r\nb\tc"), "a\\r\\nb\\tc");
    /* A backslash is doubled, so an escape in the log is always ours. */
    assert_string_equal(escaped("C:\\n"), "C:\\\\n");
}

static void test_log_escapes_terminal_controls(void **state)
{
    (void)state;
    assert_string_equal(escaped("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
    assert_string_equal(escaped("bell\a del\x7f"), "bell\\x07 del\\x7f");
    /* U+009B (CSI) as UTF-8, and bytes that are not UTF-8 at all. */
    assert_string_equal(escaped("\xc2\x9b" "2J"), "\\u009b2J");
    assert_string_equal(escaped("\x9b" "2J \xff \xc3"), "\\x9b2J \\xff \\xc3");
    assert_string_equal(escaped("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* a surrogate */
    assert_string_equal(escaped("\xe0\x80\x8a"), "\\xe0\\x80\\x8a"); /* an overlong line feed */
}

static void test_log_keeps_text_and_utf8(void **state)
{
    (void)state;
    assert_string_equal(escaped(""), "");
    assert_string_equal(escaped("Hälso- och sjukvård, Bodø, \"x\" 100 % \xe2\x82\xac \xf0\x9f\x98\x80"),
                        "Hälso- och sjukvård, Bodø, \"x\" 100 % \xe2\x82\xac \xf0\x9f\x98\x80");
    assert_string_equal(escaped("\xc2\xa0nbsp"), "\xc2\xa0nbsp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_escapes_line_breaks_so_no_line_can_be_forged),
        cmocka_unit_test(test_log_escapes_terminal_controls),
        cmocka_unit_test(test_log_keeps_text_and_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
