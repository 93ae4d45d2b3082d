/* test_survey.c: the survey validator on the shipped surveys, the README's
 * example, the broken files of tests/fixtures/surveys (each with its exact
 * expected lines) and inline cases of bytes that are not strict JSON.
 *
 * Run from the repository root (tests/run.sh does), or point
 * MOGNAD_SURVEYS_DIR, MOGNAD_SURVEY_FIXTURES and MOGNAD_SURVEY_README at
 * the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_survey.h"

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static char *read_all(const char *path, size_t *len)
{
    char *data = mg_survey_read_file(path, len);
    if (!data)
        fail_msg("cannot read %s (run from the repository root)", path);
    return data;
}

/* The README's example survey (its only ```json block), to free(). */
static char *readme_example(size_t *len)
{
    size_t n;
    char *readme = read_all(env_or("MOGNAD_SURVEY_README", "surveys/README.md"), &n);
    char *text = realloc(readme, n + 1);
    assert_non_null(text);
    text[n] = '\0';
    char *start = strstr(text, "```json\n");
    assert_non_null(start);
    start += 8;
    char *end = strstr(start, "```");
    assert_non_null(end);
    *len = (size_t)(end - start);
    char *out = malloc(*len);
    assert_non_null(out);
    memcpy(out, start, *len);
    free(text);
    return out;
}

/* Checks `len` bytes copied to a buffer of exactly that size, so that a
 * read beyond `len` shows under AddressSanitizer. */
static int check_exact(const char *name, const char *data, size_t len, struct mg_survey_errors *errs, cJSON **def)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    int rc = mg_survey_check(name, copy, len, errs, def);
    free(copy);
    return rc;
}

static void print_lines(const struct mg_survey_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        print_message("  got: %s\n", errs->lines[i]);
}

/* Asserts that `text` fails with exactly the lines given (NULL-ended). */
static void expect_lines(const char *text, size_t len, ...)
{
    struct mg_survey_errors errs;
    cJSON *def = (cJSON *)1;
    assert_int_equal(check_exact("t.json", text, len, &errs, &def), -1);
    assert_null(def);
    va_list ap;
    va_start(ap, len);
    size_t i = 0;
    for (const char *want; (want = va_arg(ap, const char *)); i++) {
        if (i >= errs.n || strcmp(errs.lines[i], want) != 0) {
            print_lines(&errs);
            fail_msg("line %zu: want %s", i, want);
        }
    }
    va_end(ap);
    if (i != errs.n) {
        print_lines(&errs);
        fail_msg("%zu lines, want %zu", errs.n, i);
    }
    assert_int_equal(errs.total, errs.n);
    mg_survey_errors_free(&errs);
}

#define EXPECT(text, ...) expect_lines(text, sizeof text - 1, __VA_ARGS__, (const char *)NULL)

static void shipped_survey_passes(const char *file, const char *key, int areas, int items)
{
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", env_or("MOGNAD_SURVEYS_DIR", "surveys"), file);
    char *data = read_all(path, &len);
    struct mg_survey_errors errs;
    cJSON *def = NULL;
    int rc = check_exact(path, data, len, &errs, &def);
    if (rc != 0)
        print_lines(&errs);
    assert_int_equal(rc, 0);
    assert_int_equal(errs.n, 0);
    assert_int_equal(errs.total, 0);
    assert_non_null(def);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(def, "key")->valuestring, key);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(def, "areas")), areas);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(def, "items")), items);
    cJSON_Delete(def);
    mg_survey_errors_free(&errs);
    free(data);
}

static void test_shipped_surveys_pass(void **state)
{
    (void)state;
    shipped_survey_passes("staff.json", "staff", 8, 42);
    shipped_survey_passes("manager.json", "manager", 11, 63);
}

static void test_readme_example_passes(void **state)
{
    (void)state;
    size_t len;
    char *ex = readme_example(&len);
    struct mg_survey_errors errs;
    int rc = check_exact("example.json", ex, len, &errs, NULL);
    if (rc != 0)
        print_lines(&errs);
    assert_int_equal(rc, 0);
    mg_survey_errors_free(&errs);
    free(ex);
}

static int json_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Every tests/fixtures/surveys/X.json fails with exactly the lines of
 * X.expected (each "tests/fixtures/surveys/X.json: $.path: problem"). */
static void test_broken_fixtures_report_their_expected_lines(void **state)
{
    (void)state;
    const char *dir = env_or("MOGNAD_SURVEY_FIXTURES", "tests/fixtures/surveys");
    struct dirent **list;
    int n = scandir(dir, &list, json_name, alphasort);
    if (n < 0)
        fail_msg("cannot read %s (run from the repository root)", dir);
    assert_true(n >= 12);
    for (int i = 0; i < n; i++) {
        char path[1024], expected_path[1024];
        size_t len, elen;
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        snprintf(expected_path, sizeof expected_path, "%.*s.expected", (int)strlen(path) - 5, path);
        char *data = read_all(path, &len), *expected = read_all(expected_path, &elen);
        struct mg_survey_errors errs;
        cJSON *def = NULL;
        assert_int_equal(check_exact(path, data, len, &errs, &def), -1);
        assert_null(def);
        /* Compare line by line. */
        size_t at = 0, line = 0;
        while (at < elen) {
            const char *nl = memchr(expected + at, '\n', elen - at);
            size_t ll = nl ? (size_t)(nl - (expected + at)) : elen - at;
            if (line >= errs.n || strlen(errs.lines[line]) != ll || memcmp(errs.lines[line], expected + at, ll) != 0) {
                print_lines(&errs);
                fail_msg("%s: line %zu differs from %s: want %.*s", path, line + 1, expected_path, (int)ll,
                         expected + at);
            }
            at += ll + 1;
            line++;
        }
        if (line != errs.n) {
            print_lines(&errs);
            fail_msg("%s: %zu lines, %s has %zu", path, errs.n, expected_path, line);
        }
        assert_true(line > 0);
        mg_survey_errors_free(&errs);
        free(data);
        free(expected);
        free(list[i]);
    }
    free(list);
}

static void test_byte_order_mark_is_refused(void **state)
{
    (void)state;
    EXPECT("\xEF\xBB\xBF{}", "t.json: $: the file starts with a byte order mark; save it as UTF-8 without one");
}

static void test_fields_given_twice_are_found_at_any_depth(void **state)
{
    (void)state;
    EXPECT("{\"key\": \"a\", \"key\": \"b\"}", "t.json: $.key: field \"key\" is given more than once",
           "t.json: $.version: required field is missing", "t.json: $.audience: required field is missing",
           "t.json: $.languages: required field is missing", "t.json: $.title: required field is missing",
           "t.json: $.intro: required field is missing", "t.json: $.minutes: required field is missing",
           "t.json: $.scales: required field is missing", "t.json: $.levels: required field is missing",
           "t.json: $.areas: required field is missing", "t.json: $.items: required field is missing");
    /* Inside an array inside an unknown field: still found. */
    struct mg_survey_errors errs;
    const char deep[] = "{\"x\": [{}, {\"b\": 1, \"c\": 2, \"b\": 3}]}";
    assert_int_equal(check_exact("t.json", deep, sizeof deep - 1, &errs, NULL), -1);
    assert_string_equal(errs.lines[0], "t.json: $.x: unknown field \"x\"");
    assert_string_equal(errs.lines[1], "t.json: $.x[1].b: field \"b\" is given more than once");
    mg_survey_errors_free(&errs);
}

static void test_invalid_utf8_is_refused_with_its_position(void **state)
{
    (void)state;
    EXPECT("{\"k\xC0\xAF\": 1}", "t.json: $: not valid UTF-8 at line 1, column 4; save the file as UTF-8");
    EXPECT("{\n \"\xED\xA0\x80\": 1}", /* a surrogate */
           "t.json: $: not valid UTF-8 at line 2, column 3; save the file as UTF-8");
    EXPECT("[\"\xC3\xA5\xE2\x82\"]", /* å, then a cut sequence */
           "t.json: $: not valid UTF-8 at line 1, column 4; save the file as UTF-8");
    EXPECT("[\"\xF4\x90\x80\x80\"]", "t.json: $: not valid UTF-8 at line 1, column 3; save the file as UTF-8");
    EXPECT("\x80", "t.json: $: not valid UTF-8 at line 1, column 1; save the file as UTF-8");
    EXPECT("[\"\xE2\x82", "t.json: $: not valid UTF-8 at line 1, column 3; save the file as UTF-8");
}

static void test_nesting_deeper_than_a_survey_needs_is_refused(void **state)
{
    (void)state;
    EXPECT("[[[[[[[[[]]]]]]]]]", "t.json: $: nested deeper than 8 levels at line 1, column 9; a survey needs 6");
    EXPECT("{\"a\": {\"b\": [[[[[[{}]]]]]]}}",
           "t.json: $: nested deeper than 8 levels at line 1, column 19; a survey needs 6");
    /* Eight deep is valid JSON: the survey checks run. */
    EXPECT("[[[[[[[[]]]]]]]]", "t.json: $: a survey is an object, not an array");
    /* A million brackets cost one pass, not a million stack frames. */
    size_t n = 1000000;
    char *deep = malloc(n);
    assert_non_null(deep);
    memset(deep, '[', n);
    struct mg_survey_errors errs;
    assert_int_equal(mg_survey_check("t.json", deep, n, &errs, NULL), -1);
    assert_int_equal(errs.n, 1);
    mg_survey_errors_free(&errs);
    free(deep);
}

static void test_truncated_json_is_refused_at_every_cut(void **state)
{
    (void)state;
    EXPECT("{\"key\": \"x\",\n  \"version\": ",
           "t.json: $: not valid JSON at line 2, column 14: the file ends where a value should be");
    EXPECT("{\"key\": \"x", "t.json: $: not valid JSON at line 1, column 11: the file ends inside a string");
    EXPECT("{\"key\": [1, 2", "t.json: $: not valid JSON at line 1, column 14: the file ends inside an array");
    /* Every prefix of a valid survey is one "not valid JSON" line; none
     * crashes, leaks or reads past its end. */
    size_t len;
    char *ex = readme_example(&len);
    for (size_t cut = 1; cut < len - 2; cut += 13) {
        while (((unsigned char)ex[cut] & 0xC0) == 0x80) /* whole characters only */
            cut++;
        struct mg_survey_errors errs;
        cJSON *def = NULL;
        assert_int_equal(check_exact("t.json", ex, cut, &errs, &def), -1);
        assert_null(def);
        assert_int_equal(errs.n, 1);
        assert_non_null(strstr(errs.lines[0], "t.json: $: not valid JSON at line "));
        mg_survey_errors_free(&errs);
    }
    free(ex);
}

static void test_only_strict_json_is_accepted(void **state)
{
    (void)state;
    EXPECT("", "t.json: $: the file is empty");
    EXPECT(" \n", "t.json: $: not valid JSON at line 2, column 1: the file ends where a value should be");
    EXPECT("{\"a\": \"\\u0000\"}",
           "t.json: $: not valid JSON at line 1, column 8: \\u0000 (the NUL character) is not allowed");
    EXPECT("{\"a\": \"x\ny\"}",
           "t.json: $: not valid JSON at line 1, column 9: a control character in a string (write a line break as "
           "\\n)");
    EXPECT("[\"\\udc00\"]",
           "t.json: $: not valid JSON at line 1, column 3: a UTF-16 low surrogate without a high one before it");
    EXPECT("[\"\\ud800x\"]",
           "t.json: $: not valid JSON at line 1, column 3: a UTF-16 high surrogate without a low one after it");
    EXPECT("[\"\\x41\"]", "t.json: $: not valid JSON at line 1, column 3: an unknown escape in a string");
    EXPECT("[\"\\u12\"]", "t.json: $: not valid JSON at line 1, column 3: \\u must be followed by four hex digits");
    EXPECT("[01]", "t.json: $: not valid JSON at line 1, column 3: a number must not start with 0");
    EXPECT("[1.]", "t.json: $: not valid JSON at line 1, column 4: a digit must follow the decimal point");
    EXPECT("[1e+]", "t.json: $: not valid JSON at line 1, column 5: an exponent needs a digit here");
    EXPECT("[-]", "t.json: $: not valid JSON at line 1, column 3: a number needs a digit here");
    EXPECT("[+1]",
           "t.json: $: not valid JSON at line 1, column 2: a value (an object, array, string, number, true, false "
           "or null) should be here");
    EXPECT("[NaN]",
           "t.json: $: not valid JSON at line 1, column 2: a value (an object, array, string, number, true, false "
           "or null) should be here");
    EXPECT("[tru]",
           "t.json: $: not valid JSON at line 1, column 2: a value (an object, array, string, number, true, false "
           "or null) should be here");
    EXPECT("[1234567890123456789012345678901234567890123]",
           "t.json: $: not valid JSON at line 1, column 2: a number of more than 40 characters");
    EXPECT("{\"a\": 1 /* note */}", "t.json: $: not valid JSON at line 1, column 9: a comma or } should be here");
    EXPECT("// note\n{}", "t.json: $: not valid JSON at line 1, column 1: JSON has no comments");
    EXPECT("{'a': 1}", "t.json: $: not valid JSON at line 1, column 2: a field name takes double quotes");
    EXPECT("{\"a\" 1}", "t.json: $: not valid JSON at line 1, column 6: a colon should follow the field name");
    EXPECT("{} {}", "t.json: $: not valid JSON at line 1, column 4: text follows the JSON value");
    EXPECT("\f{}", /* form feed is not JSON white space */
           "t.json: $: not valid JSON at line 1, column 1: a value (an object, array, string, number, true, false "
           "or null) should be here");
    EXPECT("[1]\0", "t.json: $: not valid JSON at line 1, column 4: text follows the JSON value");
    EXPECT("\"survey\"", "t.json: $: a survey is an object, not a string");
    /* A surrogate pair is fine JSON: only the survey checks complain. */
    EXPECT("[\"\\ud83d\\ude00\"]", "t.json: $: a survey is an object, not an array");
}

static void test_file_larger_than_any_survey_is_refused(void **state)
{
    (void)state;
    size_t n = MG_SURVEY_MAX_BYTES + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    struct mg_survey_errors errs;
    assert_int_equal(mg_survey_check("t.json", big, n, &errs, NULL), -1);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.lines[0], "t.json: $: the file is larger than 2 MiB; no survey is that large");
    mg_survey_errors_free(&errs);
    free(big);
}

static void test_more_values_than_any_survey_has_are_refused(void **state)
{
    (void)state;
    /* An array of `n` zeros: n + 1 values. */
    size_t n = 100000, len = 2 * n + 1;
    char *text = malloc(len);
    assert_non_null(text);
    text[0] = '[';
    for (size_t i = 0; i < n; i++) {
        text[1 + 2 * i] = '0';
        text[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    expect_lines(text, len,
                 "t.json: $: not valid JSON at line 1, column 200000: more than 100000 values; no survey has that "
                 "many",
                 (const char *)NULL);
    text[2 * n - 2] = ']'; /* one zero less: fine JSON */
    expect_lines(text, len - 2, "t.json: $: a survey is an object, not an array", (const char *)NULL);
    free(text);
}

static void test_object_with_too_many_fields_stops_the_checks(void **state)
{
    (void)state;
    char buf[4096];
    size_t o = (size_t)snprintf(buf, sizeof buf, "{\"key\": \"x\", \"extra\": {");
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s\"f%d\": %d", i ? ", " : "", i, i);
    o += (size_t)snprintf(buf + o, sizeof buf - o, "}}");
    expect_lines(buf, o, "t.json: $.extra: has 70 fields; no object of a survey has more than 64", (const char *)NULL);
}

static void test_values_are_quoted_on_one_line(void **state)
{
    (void)state;
    /* A field name with a line break, quotes and a line separator. */
    EXPECT("{\"a\\nb\\\"c\xE2\x80\xA8\": 1, \"key\": \"K\\t\", \"version\": 1}",
           "t.json: $[\"a\\u000ab\\\"c\\u2028\"]: unknown field \"a\\u000ab\\\"c\\u2028\"",
           "t.json: $.key: \"K\\u0009\" is not a key (a-z first, then a-z, 0-9 or _)",
           "t.json: $.audience: required field is missing", "t.json: $.languages: required field is missing",
           "t.json: $.title: required field is missing", "t.json: $.intro: required field is missing",
           "t.json: $.minutes: required field is missing", "t.json: $.scales: required field is missing",
           "t.json: $.levels: required field is missing", "t.json: $.areas: required field is missing",
           "t.json: $.items: required field is missing");
}

/* Builds the README example with `items` replaced by `n` copies of its
 * first item, each with key "iN" and one unknown field; to free(). */
static char *example_with_items(int n, bool items_first, size_t *len)
{
    size_t elen;
    char *ex = readme_example(&elen);
    cJSON *d = cJSON_ParseWithLength(ex, elen);
    assert_non_null(d);
    free(ex);
    cJSON *first = cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "items"), 0), true);
    cJSON *items = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "i%d", i);
        cJSON *it = cJSON_Duplicate(first, true);
        cJSON_ReplaceItemInObjectCaseSensitive(it, "key", cJSON_CreateString(key));
        cJSON_AddStringToObject(it, "colour", "red");
        cJSON_AddItemToArray(items, it);
    }
    cJSON_Delete(first);
    cJSON_DeleteItemFromObjectCaseSensitive(d, "items");
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "minutes"), 0);
    /* The same fields in a new object, items first when asked. */
    cJSON *out = cJSON_CreateObject();
    if (items_first)
        cJSON_AddItemToObject(out, "items", items);
    while (d->child) {
        cJSON *f = cJSON_DetachItemViaPointer(d, d->child);
        cJSON_AddItemToObject(out, f->string, f);
    }
    if (!items_first)
        cJSON_AddItemToObject(out, "items", items);
    cJSON_Delete(d);
    char *text = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    assert_non_null(text);
    *len = strlen(text);
    return text;
}

static void test_problems_come_in_document_order(void **state)
{
    (void)state;
    size_t len;
    char *text = example_with_items(2, true, &len);
    struct mg_survey_errors errs;
    assert_int_equal(check_exact("t.json", text, len, &errs, NULL), -1);
    if (errs.n != 4)
        print_lines(&errs);
    assert_int_equal(errs.n, 4);
    /* items comes first in this file, so its problems are listed first,
     * although the checks look at minutes and areas before items. */
    assert_string_equal(errs.lines[0], "t.json: $.items[0].colour: unknown field \"colour\"");
    assert_string_equal(errs.lines[1], "t.json: $.items[1].colour: unknown field \"colour\"");
    assert_string_equal(errs.lines[2], "t.json: $.minutes: must be at least 1");
    assert_string_equal(errs.lines[3], "t.json: $.areas[1]: area \"base_services\" has no items");
    mg_survey_errors_free(&errs);
    free(text);
}

static void test_problems_are_capped_with_a_count_of_the_rest(void **state)
{
    (void)state;
    size_t len;
    char *text = example_with_items(300, true, &len);
    struct mg_survey_errors errs;
    assert_int_equal(check_exact("t.json", text, len, &errs, NULL), -1);
    /* 300 items with an unknown field, then minutes 0 and an area
     * without items. */
    assert_int_equal(errs.total, 302);
    assert_int_equal(errs.n, MG_SURVEY_MAX_ERRORS + 1);
    for (int i = 0; i < MG_SURVEY_MAX_ERRORS; i++) {
        char want[100];
        snprintf(want, sizeof want, "t.json: $.items[%d].colour: unknown field \"colour\"", i);
        assert_string_equal(errs.lines[i], want);
    }
    assert_string_equal(errs.lines[MG_SURVEY_MAX_ERRORS], "t.json: ... and 102 more problems");
    mg_survey_errors_free(&errs);
    free(text);
}

static void test_items_beyond_the_limit_are_refused_without_checking_each(void **state)
{
    (void)state;
    size_t len;
    char *text = example_with_items(501, false, &len);
    struct mg_survey_errors errs;
    assert_int_equal(check_exact("t.json", text, len, &errs, NULL), -1);
    /* No "area has no items" either: that needs a usable items array. */
    if (errs.n != 2)
        print_lines(&errs);
    assert_int_equal(errs.n, 2);
    assert_int_equal(errs.total, 2);
    assert_string_equal(errs.lines[0], "t.json: $.minutes: must be at least 1");
    assert_string_equal(errs.lines[1], "t.json: $.items: must have at most 500 elements, not 501");
    mg_survey_errors_free(&errs);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_surveys_pass),
        cmocka_unit_test(test_readme_example_passes),
        cmocka_unit_test(test_broken_fixtures_report_their_expected_lines),
        cmocka_unit_test(test_byte_order_mark_is_refused),
        cmocka_unit_test(test_fields_given_twice_are_found_at_any_depth),
        cmocka_unit_test(test_invalid_utf8_is_refused_with_its_position),
        cmocka_unit_test(test_nesting_deeper_than_a_survey_needs_is_refused),
        cmocka_unit_test(test_truncated_json_is_refused_at_every_cut),
        cmocka_unit_test(test_only_strict_json_is_accepted),
        cmocka_unit_test(test_file_larger_than_any_survey_is_refused),
        cmocka_unit_test(test_more_values_than_any_survey_has_are_refused),
        cmocka_unit_test(test_object_with_too_many_fields_stops_the_checks),
        cmocka_unit_test(test_values_are_quoted_on_one_line),
        cmocka_unit_test(test_problems_come_in_document_order),
        cmocka_unit_test(test_problems_are_capped_with_a_count_of_the_rest),
        cmocka_unit_test(test_items_beyond_the_limit_are_refused_without_checking_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
