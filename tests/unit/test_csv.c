/* test_csv.c: the tolerant CSV reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mg_csv.h"

static int parse(const char *s, struct mg_csv *c) { return mg_csv_parse(s, strlen(s), c); }

static void test_bom_semicolon_crlf_quotes_blank_lines(void **state)
{
    struct mg_csv c;
    (void)state;
    const char *in = "\xEF\xBB\xBF" "Code; Name ;parent_code\r\n"
                     "REG;Region Mellansjö;\r\n"
                     "\r\n"
                     "IT;\"IT-förvaltningen; drift\";REG\r\n"
                     ";;\r\n"
                     "HR;\"Säger \"\"hej\"\"\npå två rader\";REG";
    assert_int_equal(parse(in, &c), 0);
    assert_int_equal(c.sep, ';');
    assert_int_equal(c.ncols, 3);
    assert_string_equal(c.header[0], "code");
    assert_string_equal(c.header[1], "name");
    assert_int_equal(mg_csv_column(&c, "parent_code"), 2);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.records[0].line, 2);
    assert_string_equal(c.records[0].fields[1], "Region Mellansjö");
    assert_string_equal(c.records[0].fields[2], "");
    assert_int_equal(c.records[1].line, 4);
    assert_string_equal(c.records[1].fields[1], "IT-förvaltningen; drift");
    assert_int_equal(c.records[2].line, 6);
    assert_string_equal(c.records[2].fields[1], "Säger \"hej\"\npå två rader");
    mg_csv_free(&c);
}

static void test_comma_and_lf(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("employee_id,email,unit_code,role\n1001,a@x.se,IT,staff\n\n1002,b@x.se,HR,manager\n", &c), 0);
    assert_int_equal(c.sep, ',');
    assert_int_equal(c.n, 2);
    assert_int_equal(c.records[1].line, 4);
    assert_string_equal(c.records[1].fields[3], "manager");
    const char *req[] = {"employee_id", "email", "unit_code", "role", NULL};
    const char *opt[] = {"language", NULL};
    char msg[200];
    assert_int_equal(mg_csv_columns(&c, req, opt, msg, sizeof msg), 0);
    const char *req2[] = {"employee_id", "language", NULL};
    assert_int_equal(mg_csv_columns(&c, req2, NULL, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "no column \"language\""));
    mg_csv_free(&c);
}

static void test_errors_name_their_lines(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("a;b\n1;2\n3\n4;5;6\n7;8\n", &c), -1);
    assert_int_equal(c.nerrors, 2);
    assert_non_null(strstr(c.errors[0], "line 3: 1 fields, but the header has 2"));
    assert_non_null(strstr(c.errors[1], "line 4: 3 fields"));
    assert_int_equal(c.n, 2);
    mg_csv_free(&c);

    assert_int_equal(parse("a;b\n1;\"open\n2;3\n", &c), -1);
    assert_non_null(strstr(c.errors[0], "line 2: a quoted field is never closed"));
    mg_csv_free(&c);

    assert_int_equal(parse("a;b\n1;x\"y\n", &c), -1);
    assert_non_null(strstr(c.errors[0], "line 2: a quote inside an unquoted field"));
    mg_csv_free(&c);

    assert_int_equal(parse("a;b\n1;\"x\"y\n", &c), -1);
    assert_non_null(strstr(c.errors[0], "line 2: text after a closing quote"));
    mg_csv_free(&c);

    assert_int_equal(parse("a;b\n1;2\nR\xe4ttvik;3\n", &c), -1);
    assert_non_null(strstr(c.errors[0], "line 3: the text is not UTF-8"));
    mg_csv_free(&c);

    assert_int_equal(mg_csv_parse("a;b\n\0;1\n", 8, &c), -1);
    assert_non_null(strstr(c.errors[0], "NUL"));
    mg_csv_free(&c);

    assert_int_equal(parse("", &c), -1);
    assert_non_null(strstr(c.errors[0], "empty"));
    mg_csv_free(&c);
    assert_int_equal(parse("\xEF\xBB\xBF\r\n\r\n", &c), -1);
    mg_csv_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom_semicolon_crlf_quotes_blank_lines),
        cmocka_unit_test(test_comma_and_lf),
        cmocka_unit_test(test_errors_name_their_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
