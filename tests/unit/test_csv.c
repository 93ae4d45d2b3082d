/* test_csv.c: the tolerant CSV reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_csv.h"

static int parse(const char *s, struct mg_csv *c) { return mg_csv_parse(s, strlen(s), c); }

/* Asserts that error `i` is on `line` and mentions `text`. */
static void assert_error(const struct mg_csv *c, size_t i, int line, const char *text)
{
    assert_true(i < c->nerrors);
    if (c->errors[i].line != line || !strstr(c->errors[i].msg, text))
        fail_msg("error %zu: got line %d \"%s\", wanted line %d \"%s\"", i, c->errors[i].line, c->errors[i].msg,
                 line, text);
}

static void test_csv_reads_excel_semicolon_file_with_bom_and_crlf(void **state)
{
    struct mg_csv c;
    (void)state;
    const char *in = "\xEF\xBB\xBF" "Code; Name ;PARENT_code\r\n"
                     "REG;Region Mellansjö;\r\n"
                     "ITF;IT-förvaltningen;REG\r\n";
    assert_int_equal(parse(in, &c), 0);
    assert_int_equal(c.sep, ';');
    assert_int_equal(c.header_line, 1);
    assert_int_equal(c.ncols, 3);
    assert_string_equal(c.header[0], "code");
    assert_string_equal(c.header[1], "name");
    assert_string_equal(c.header[2], "parent_code");
    assert_int_equal(c.n, 2);
    assert_int_equal(c.records[0].line, 2);
    assert_string_equal(c.records[0].fields[0], "REG");
    assert_string_equal(c.records[0].fields[1], "Region Mellansjö");
    assert_string_equal(c.records[0].fields[2], "");
    assert_int_equal(c.records[1].line, 3);
    assert_string_equal(c.records[1].fields[2], "REG");
    assert_int_equal(c.nerrors, 0);
    mg_csv_free(&c);
}

static void test_csv_detects_comma_and_reads_lf_without_final_newline(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("employee_id,email,unit_code,role\n1001,a@x.se,IT,staff\n1002,b@x.se,HR,manager", &c), 0);
    assert_int_equal(c.sep, ',');
    assert_int_equal(c.n, 2);
    assert_int_equal(c.records[1].line, 3);
    assert_string_equal(c.records[1].fields[3], "manager");
    mg_csv_free(&c);
}

static void test_csv_separator_is_the_more_frequent_one_outside_quotes(void **state)
{
    struct mg_csv c;
    (void)state;
    /* Two commas inside quotes, one semicolon outside: semicolon. */
    assert_int_equal(parse("\"a,b,c\";d\n1;2\n", &c), 0);
    assert_int_equal(c.sep, ';');
    assert_string_equal(c.header[0], "a,b,c");
    mg_csv_free(&c);
    /* One column: no separator at all. */
    assert_int_equal(parse("code\nA\nB\n", &c), 0);
    assert_int_equal(c.ncols, 1);
    assert_int_equal(c.n, 2);
    mg_csv_free(&c);
    /* Leading blank lines do not decide it. */
    assert_int_equal(parse("\n\n a , b \n1,2\n", &c), 0);
    assert_int_equal(c.sep, ',');
    assert_int_equal(c.header_line, 3);
    assert_string_equal(c.header[1], "b");
    assert_int_equal(c.records[0].line, 4);
    mg_csv_free(&c);
}

static void test_csv_excel_sep_line_names_the_separator(void **state)
{
    struct mg_csv c;
    (void)state;
    /* More semicolons than commas in the header, but sep=, says comma. */
    assert_int_equal(parse("sep=,\r\ncode,name;x;y\r\nA,Namn;med;semikolon\r\n", &c), 0);
    assert_int_equal(c.sep, ',');
    assert_int_equal(c.header_line, 2);
    assert_int_equal(c.ncols, 2);
    assert_string_equal(c.header[1], "name;x;y");
    assert_int_equal(c.records[0].line, 3);
    assert_string_equal(c.records[0].fields[1], "Namn;med;semikolon");
    mg_csv_free(&c);
}

static void test_csv_quotes_hold_separators_quotes_and_line_breaks(void **state)
{
    struct mg_csv c;
    (void)state;
    const char *in = "code;name;parent_code\n"
                     "IT;\"IT-förvaltningen; drift\";REG\n"
                     "HR;\"Säger \"\"hej\"\"\r\npå två\nrader\";REG\n"
                     "EMPTY;\"\";REG\n"
                     "LAST;\"sista\";\"\"\n";
    assert_int_equal(parse(in, &c), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.records[0].fields[1], "IT-förvaltningen; drift");
    assert_int_equal(c.records[1].line, 3);
    /* CRLF inside quotes reads as LF. */
    assert_string_equal(c.records[1].fields[1], "Säger \"hej\"\npå två\nrader");
    /* The line after a field over three lines is line 6. */
    assert_int_equal(c.records[2].line, 6);
    assert_string_equal(c.records[2].fields[1], "");
    assert_int_equal(c.records[3].line, 7);
    assert_string_equal(c.records[3].fields[1], "sista");
    assert_string_equal(c.records[3].fields[2], "");
    mg_csv_free(&c);
}

static void test_csv_trims_spaces_and_tabs_around_fields(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("a;b;c\n  x \t; \" y \" ;\tz\n", &c), 0);
    assert_string_equal(c.records[0].fields[0], "x");
    assert_string_equal(c.records[0].fields[1], "y");
    assert_string_equal(c.records[0].fields[2], "z");
    mg_csv_free(&c);
}

static void test_csv_skips_blank_lines_and_lines_of_separators(void **state)
{
    struct mg_csv c;
    (void)state;
    const char *in = "\r\n  \r\na;b\r\n\r\n1;2\r\n;;\r\n ; \r\n\"\";\"\"\r\n\r\n3;4\r\n\r\n";
    assert_int_equal(parse(in, &c), 0);
    assert_int_equal(c.header_line, 3);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.records[0].line, 5);
    assert_int_equal(c.records[1].line, 10);
    assert_string_equal(c.records[1].fields[1], "4");
    mg_csv_free(&c);
}

static void test_csv_lone_cr_ends_lines_like_old_mac_files(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("a;b\r1;2\r\r3;\"x\ry\"\r5;6", &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.records[0].line, 2);
    assert_int_equal(c.records[1].line, 4);
    assert_string_equal(c.records[1].fields[1], "x\ny");
    assert_int_equal(c.records[2].line, 6);
    mg_csv_free(&c);
}

static void test_csv_trailing_empty_field_counts(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("code;name;parent_code\nREG;Region;", &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.records[0].fields[2], "");
    mg_csv_free(&c);
}

static void test_csv_wrong_field_counts_name_every_line_and_reading_goes_on(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("a;b\n1;2\n3\n4;5;6\n7;8\n", &c), -1);
    assert_int_equal(c.nerrors, 2);
    assert_error(&c, 0, 3, "1 field where the header has 2");
    assert_error(&c, 1, 4, "3 fields where the header has 2");
    assert_non_null(strstr(c.errors[0].msg, "';'"));
    /* Nothing half-read is handed out. */
    assert_int_equal(c.n, 0);
    assert_null(c.records);
    mg_csv_free(&c);
}

static void test_csv_unterminated_quote_names_the_line_where_it_opened(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("a;b\n1;2\n3;\"open\n4;5\n6;7\n", &c), -1);
    assert_int_equal(c.nerrors, 1);
    assert_error(&c, 0, 3, "never closed");
    mg_csv_free(&c);
    /* In a field that starts on a later line of its record. */
    assert_int_equal(parse("a;b\n\"x\ny\";\"z\n", &c), -1);
    assert_error(&c, 0, 3, "never closed");
    mg_csv_free(&c);
}

static void test_csv_stray_quotes_are_errors_and_the_next_line_is_read(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(parse("a;b\n1;5\" skärm\n2;\"x\"y\n3;\"ok\"  \n4;x\"\n", &c), -1);
    assert_int_equal(c.nerrors, 3);
    assert_error(&c, 0, 2, "a quote inside a field");
    assert_error(&c, 1, 3, "text after the closing quote");
    assert_error(&c, 2, 5, "a quote inside a field");
    mg_csv_free(&c);
}

static void test_csv_invalid_utf8_names_the_line_and_byte(void **state)
{
    struct mg_csv c;
    (void)state;
    /* Latin-1 ä in Rättvik. */
    assert_int_equal(parse("a;b\n1;2\nR\xe4ttvik;3\n", &c), -1);
    assert_int_equal(c.nerrors, 1);
    assert_error(&c, 0, 3, "byte 0xE4 is not UTF-8");
    assert_non_null(strstr(c.errors[0].msg, "CSV UTF-8"));
    mg_csv_free(&c);
    /* An overlong encoding of '/', a surrogate, a code point above U+10FFFF,
     * a sequence cut short by the end of the file. */
    const char *bad[] = {"a\n\xC0\xAF\n", "a\n\n\xED\xA0\x80\n", "a\n\xF4\x90\x80\x80\n", "a\nx\xE2\x82"};
    const int lines[] = {2, 3, 2, 2};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(parse(bad[i], &c), -1);
        assert_error(&c, 0, lines[i], "is not UTF-8");
        mg_csv_free(&c);
    }
    /* The line count of a CRLF file is right too. */
    assert_int_equal(parse("a\r\nb\r\n\xFF\r\n", &c), -1);
    assert_error(&c, 0, 3, "0xFF");
    mg_csv_free(&c);
    /* Four-byte characters are fine. */
    assert_int_equal(parse("a\n\xF0\x9F\x98\x80\n", &c), 0);
    assert_string_equal(c.records[0].fields[0], "\xF0\x9F\x98\x80");
    mg_csv_free(&c);
}

static void test_csv_nul_byte_names_its_line(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(mg_csv_parse("a;b\n1;2\n\0;1\n", 12, &c), -1);
    assert_int_equal(c.nerrors, 1);
    assert_error(&c, 0, 3, "NUL");
    mg_csv_free(&c);
}

static void test_csv_recognises_utf16_and_workbooks(void **state)
{
    struct mg_csv c;
    (void)state;
    assert_int_equal(mg_csv_parse("\xFF\xFE" "a\0;\0b\0", 8, &c), -1);
    assert_error(&c, 0, 1, "UTF-16");
    mg_csv_free(&c);
    assert_int_equal(mg_csv_parse("PK\x03\x04\x14\0\0\0", 8, &c), -1);
    assert_error(&c, 0, 1, "Excel workbook");
    mg_csv_free(&c);
}

static void test_csv_needs_a_header(void **state)
{
    struct mg_csv c;
    (void)state;
    const char *empty[] = {"", "\xEF\xBB\xBF", "\xEF\xBB\xBF\r\n\r\n", " ; \n;;\n", "sep=;\n"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        assert_int_equal(parse(empty[i], &c), -1);
        assert_int_equal(c.nerrors, 1);
        assert_error(&c, 0, 1, "the file is empty");
        mg_csv_free(&c);
    }
    /* A header with a quoting error: nothing more can be read. */
    assert_int_equal(parse("a;b\"c\n1;2\n", &c), -1);
    assert_int_equal(c.nerrors, 1);
    assert_error(&c, 0, 1, "a quote inside a field");
    mg_csv_free(&c);
}

static void test_csv_limits_field_columns_and_file_size(void **state)
{
    struct mg_csv c;
    (void)state;
    size_t big = MG_CSV_MAX_FIELD + 1;
    char *in = malloc(big + 32);
    assert_non_null(in);
    strcpy(in, "a;b\n1;2\n3;");
    size_t at = strlen(in);
    memset(in + at, 'x', big);
    strcpy(in + at + big, "\n5;6\n");
    assert_int_equal(parse(in, &c), -1);
    assert_int_equal(c.nerrors, 1);
    assert_error(&c, 0, 3, "longer than 4096 bytes");
    mg_csv_free(&c);
    /* Exactly the limit is fine, quoted too. */
    in[0] = '\0';
    strcpy(in, "a\n\"");
    memset(in + 3, 'y', MG_CSV_MAX_FIELD);
    strcpy(in + 3 + MG_CSV_MAX_FIELD, "\"\n");
    assert_int_equal(parse(in, &c), 0);
    assert_int_equal(strlen(c.records[0].fields[0]), MG_CSV_MAX_FIELD);
    mg_csv_free(&c);
    free(in);

    char cols[3 * (MG_CSV_MAX_COLUMNS + 1) + 8];
    size_t o = 0;
    for (int i = 0; i <= MG_CSV_MAX_COLUMNS; i++)
        o += (size_t)snprintf(cols + o, sizeof cols - o, "%sc", i ? ";" : "");
    assert_int_equal(parse(cols, &c), -1);
    assert_error(&c, 0, 1, "more than 64 fields");
    mg_csv_free(&c);

    char *huge = calloc(MG_CSV_MAX_BYTES + 1, 1);
    assert_non_null(huge);
    assert_int_equal(mg_csv_parse(huge, MG_CSV_MAX_BYTES + 1, &c), -1);
    assert_error(&c, 0, 1, "larger than 32 MiB");
    mg_csv_free(&c);
    free(huge);
}

static void test_csv_keeps_the_first_hundred_errors_and_counts_the_rest(void **state)
{
    struct mg_csv c;
    (void)state;
    size_t cap = 8 + 150 * 8;
    char *in = malloc(cap);
    assert_non_null(in);
    strcpy(in, "a;b\n");
    for (int i = 0; i < 150; i++)
        strcat(in, "1;2;3\n");
    assert_int_equal(parse(in, &c), -1);
    assert_int_equal(c.nerrors, MG_CSV_MAX_ERRORS);
    assert_int_equal(c.more_errors, 50);
    assert_error(&c, 99, 101, "3 fields");
    mg_csv_free(&c);
    free(in);
}

static void test_csv_columns_name_every_missing_unknown_and_repeated_column(void **state)
{
    struct mg_csv c;
    char msg[400];
    (void)state;
    const char *req[] = {"employee_id", "email", "unit_code", "role", NULL};
    const char *opt[] = {"language", NULL};

    assert_int_equal(parse("Employee_ID,EMAIL,unit_code,role,Language\n1,a@x.se,IT,staff,sv\n", &c), 0);
    assert_int_equal(mg_csv_columns(&c, req, opt, msg, sizeof msg), 0);
    assert_int_equal(mg_csv_column(&c, "language"), 4);
    assert_int_equal(mg_csv_column(&c, "name"), -1);
    mg_csv_free(&c);

    assert_int_equal(parse("employee,email,role,email,Avdelning\n1,2,3,4,5\n", &c), 0);
    assert_int_equal(mg_csv_columns(&c, req, opt, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "the header has no column \"employee_id\", \"unit_code\""));
    assert_non_null(strstr(msg, "unknown column \"employee\", \"avdelning\""));
    assert_non_null(strstr(msg, "twice in the header: \"email\""));
    assert_non_null(strstr(msg, "(the columns are employee_id, email, unit_code, role and optionally language)"));
    mg_csv_free(&c);
}

static void test_csv_columns_accept_nameless_empty_columns_only(void **state)
{
    struct mg_csv c;
    char msg[400];
    (void)state;
    const char *req[] = {"unit_code", "headcount", NULL};

    /* Excel's trailing separators: a nameless column with nothing in it. */
    assert_int_equal(parse("unit_code;headcount;;\nIT;4;;\nHR;5;;\n", &c), 0);
    assert_int_equal(mg_csv_columns(&c, req, NULL, msg, sizeof msg), 0);
    mg_csv_free(&c);

    assert_int_equal(parse("unit_code;headcount;\nIT;4;\nHR;5;note\n", &c), 0);
    assert_int_equal(mg_csv_columns(&c, req, NULL, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "column 3 has no name in the header but a value on line 3"));
    mg_csv_free(&c);
}

static void test_csv_problems_come_out_in_line_order(void **state)
{
    struct mg_csv_problems p = {0};
    (void)state;
    mg_csv_problem(&p, 7, "late %d", 1);
    mg_csv_problem(&p, 2, "early");
    mg_csv_problem(&p, 7, "late %d", 2);
    mg_csv_problem(&p, 5, "middle");
    mg_csv_problems_sort(&p);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.v[0].line, 2);
    assert_int_equal(p.v[1].line, 5);
    assert_string_equal(p.v[2].msg, "late 1");
    assert_string_equal(p.v[3].msg, "late 2");
    mg_csv_problems_free(&p);
    assert_int_equal(p.n, 0);
}

/* Every prefix of a file full of quoting, and pseudo-random bytes: the
 * reader either accepts (and then every record is whole) or names at
 * least one problem; under ASan nothing is read out of bounds. */
static void check_invariants(const char *data, size_t len)
{
    struct mg_csv c;
    int rc = mg_csv_parse(data, len, &c);
    if (rc == 0) {
        assert_int_equal(c.nerrors, 0);
        assert_true(c.ncols >= 1);
        for (size_t i = 0; i < c.ncols; i++)
            assert_non_null(c.header[i]);
        for (size_t r = 0; r < c.n; r++) {
            assert_true(c.records[r].line > c.header_line);
            assert_true(r == 0 || c.records[r].line > c.records[r - 1].line);
            for (size_t i = 0; i < c.ncols; i++)
                assert_true(strlen(c.records[r].fields[i]) <= MG_CSV_MAX_FIELD);
        }
    } else {
        assert_int_equal(rc, -1);
        assert_true(c.nerrors > 0);
        assert_int_equal(c.n, 0);
        for (size_t i = 0; i < c.nerrors; i++)
            assert_true(c.errors[i].line >= 1);
    }
    mg_csv_free(&c);
}

static void test_csv_survives_every_prefix_and_random_bytes(void **state)
{
    (void)state;
    const char *in = "\xEF\xBB\xBFsep=;\r\ncode;name;parent_code\r\n"
                     "\"A\";\"x\"\"y\r\nz\";\r\n\r\nB ; \"q;r\" ;A\rC;;B\n";
    size_t len = strlen(in);
    for (size_t n = 0; n <= len; n++) {
        char *copy = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any overread */
        assert_non_null(copy);
        memcpy(copy, in, n);
        check_invariants(copy, n);
        free(copy);
    }
    uint32_t seed = 12345;
    const char alphabet[] = "ab;,\"\r\n \t\xC3\xA5\x80";
    for (int round = 0; round < 3000; round++) {
        size_t n = round % 64;
        char *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        check_invariants(buf, n);
        free(buf);
    }
}

/* Writes `in` with mg_csv_write_field and returns the bytes (valid until
 * the next call). */
static const char *written(const char *in)
{
    static char *out;
    size_t len;
    free(out);
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    mg_csv_write_field(f, in);
    assert_int_equal(fclose(f), 0);
    return out;
}

static void test_csv_write_neutralises_formulas_and_quotes_what_needs_it(void **state)
{
    (void)state;
    /* Plain texts go out as they are, NULL and "" as an empty field. */
    assert_string_equal(written("IT-förvaltningen"), "IT-förvaltningen");
    assert_string_equal(written(""), "");
    assert_string_equal(written(NULL), "");
    /* Separators of either kind, quotes, line breaks, edge spaces. */
    assert_string_equal(written("IT, drift; \"support\""), "\"IT, drift; \"\"support\"\"\"");
    assert_string_equal(written("a\nb"), "\"a\nb\"");
    assert_string_equal(written(" x"), "\" x\"");
    assert_string_equal(written("x "), "\"x \"");
    /* What a spreadsheet would run: a ' in front, the whole quoted. */
    assert_string_equal(written("=HYPERLINK(\"http://evil.example/\";\"Press\")"),
                        "\"'=HYPERLINK(\"\"http://evil.example/\"\";\"\"Press\"\")\"");
    assert_string_equal(written("+cmd|' /C calc'!A0"), "\"'+cmd|' /C calc'!A0\"");
    assert_string_equal(written("@SUM(1+1)"), "\"'@SUM(1+1)\"");
    assert_string_equal(written("-2+3"), "\"'-2+3\"");
    assert_string_equal(written("\t=1+1"), "\"'\t=1+1\"");
    assert_string_equal(written("\r=1+1"), "\"'\r=1+1\"");
    assert_string_equal(written("="), "\"'=\"");
    /* Only the first character counts. */
    assert_string_equal(written("a=b+c-d@e"), "a=b+c-d@e");
    /* What is written reads back, with the ' kept, through our reader. */
    char file[256];
    snprintf(file, sizeof file, "name\r\n%s\r\n", written("@SUM(1+1);x"));
    struct mg_csv c;
    assert_int_equal(parse(file, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.records[0].fields[0], "'@SUM(1+1);x");
    mg_csv_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_reads_excel_semicolon_file_with_bom_and_crlf),
        cmocka_unit_test(test_csv_detects_comma_and_reads_lf_without_final_newline),
        cmocka_unit_test(test_csv_separator_is_the_more_frequent_one_outside_quotes),
        cmocka_unit_test(test_csv_excel_sep_line_names_the_separator),
        cmocka_unit_test(test_csv_quotes_hold_separators_quotes_and_line_breaks),
        cmocka_unit_test(test_csv_trims_spaces_and_tabs_around_fields),
        cmocka_unit_test(test_csv_skips_blank_lines_and_lines_of_separators),
        cmocka_unit_test(test_csv_lone_cr_ends_lines_like_old_mac_files),
        cmocka_unit_test(test_csv_trailing_empty_field_counts),
        cmocka_unit_test(test_csv_wrong_field_counts_name_every_line_and_reading_goes_on),
        cmocka_unit_test(test_csv_unterminated_quote_names_the_line_where_it_opened),
        cmocka_unit_test(test_csv_stray_quotes_are_errors_and_the_next_line_is_read),
        cmocka_unit_test(test_csv_invalid_utf8_names_the_line_and_byte),
        cmocka_unit_test(test_csv_nul_byte_names_its_line),
        cmocka_unit_test(test_csv_recognises_utf16_and_workbooks),
        cmocka_unit_test(test_csv_needs_a_header),
        cmocka_unit_test(test_csv_limits_field_columns_and_file_size),
        cmocka_unit_test(test_csv_keeps_the_first_hundred_errors_and_counts_the_rest),
        cmocka_unit_test(test_csv_columns_name_every_missing_unknown_and_repeated_column),
        cmocka_unit_test(test_csv_columns_accept_nameless_empty_columns_only),
        cmocka_unit_test(test_csv_problems_come_out_in_line_order),
        cmocka_unit_test(test_csv_survives_every_prefix_and_random_bytes),
        cmocka_unit_test(test_csv_write_neutralises_formulas_and_quotes_what_needs_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
