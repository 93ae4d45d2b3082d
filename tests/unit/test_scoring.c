/* test_scoring.c: item, area and index scores, with expected values worked
 * out by hand from the rules in surveys/README.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "mg_scoring.h"

/* A small survey: only the fields scoring reads. Area a1 (weight 1):
 * skill items s1, s2 (don't know allowed) and the reversed attitude item
 * at1; area a2 (weight 2): the choice item q1 (right answer "b") and the
 * frequency item f1; org (organisation scope): the reversed o1. */
static const char survey[] =
    "{\"levels\": [{\"key\": \"foundation\", \"from\": 0}, {\"key\": \"intermediate\", \"from\": 40},"
    "  {\"key\": \"advanced\", \"from\": 65}, {\"key\": \"specialised\", \"from\": 85}],"
    " \"scales\": {"
    "  \"skill\": {\"points\": [{\"value\": 1}, {\"value\": 2}, {\"value\": 3}, {\"value\": 4}]},"
    "  \"knowledge\": {\"points\": [{\"value\": 1}, {\"value\": 2}, {\"value\": 3}, {\"value\": 4}]},"
    "  \"attitude\": {\"points\": [{\"value\": 1}, {\"value\": 2}, {\"value\": 3}, {\"value\": 4}, {\"value\": 5}]},"
    "  \"frequency\": {\"points\": [{\"value\": 1}, {\"value\": 2}, {\"value\": 3}, {\"value\": 4}, {\"value\": 5}],"
    "                \"regular_from\": 3}},"
    " \"areas\": [{\"key\": \"a1\", \"scope\": \"individual\", \"weight\": 1},"
    "  {\"key\": \"a2\", \"scope\": \"individual\", \"weight\": 2},"
    "  {\"key\": \"org\", \"scope\": \"organisation\", \"weight\": 1}],"
    " \"items\": ["
    "  {\"key\": \"s1\", \"area\": \"a1\", \"type\": \"likert\", \"scale\": \"skill\", \"dont_know\": false},"
    "  {\"key\": \"s2\", \"area\": \"a1\", \"type\": \"likert\", \"scale\": \"skill\", \"dont_know\": true},"
    "  {\"key\": \"at1\", \"area\": \"a1\", \"type\": \"likert\", \"scale\": \"attitude\", \"dont_know\": true,"
    "   \"reverse\": true},"
    "  {\"key\": \"q1\", \"area\": \"a2\", \"type\": \"choice\", \"dont_know\": true, \"correct\": \"b\","
    "   \"options\": [{\"key\": \"a\"}, {\"key\": \"b\"}, {\"key\": \"c\"}]},"
    "  {\"key\": \"f1\", \"area\": \"a2\", \"type\": \"frequency\", \"scale\": \"frequency\", \"dont_know\": true},"
    "  {\"key\": \"o1\", \"area\": \"org\", \"type\": \"likert\", \"scale\": \"attitude\", \"dont_know\": false,"
    "   \"reverse\": true}]}";

struct fixture {
    cJSON *def, *answers;
    struct mg_score score;
    char err[200];
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    f.def = cJSON_Parse(survey);
    assert_non_null(f.def);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mg_score_free(&f->score);
    cJSON_Delete(f->def);
    cJSON_Delete(f->answers);
    return 0;
}

static int score(struct fixture *f, const char *answers)
{
    cJSON_Delete(f->answers);
    mg_score_free(&f->score);
    f->answers = cJSON_Parse(answers);
    assert_non_null(f->answers);
    return mg_score_compute(f->def, f->answers, &f->score, f->err, sizeof f->err);
}

static const struct mg_area_score *area(const struct fixture *f, const char *key)
{
    for (size_t i = 0; i < f->score.n_areas; i++)
        if (strcmp(f->score.areas[i].key, key) == 0)
            return &f->score.areas[i];
    fail_msg("no area %s", key);
    return NULL;
}

static const struct mg_item_score *item(const struct fixture *f, const char *key)
{
    for (size_t i = 0; i < f->score.n_items; i++)
        if (strcmp(f->score.items[i].key, key) == 0)
            return &f->score.items[i];
    fail_msg("no item %s", key);
    return NULL;
}

#define assert_close(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_full_answers_reverse_choice_frequency(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(score(f, "{\"s1\": \"3\", \"s2\": \"4\", \"at1\": \"4\", \"q1\": \"b\", \"f1\": \"3\","
                              " \"o1\": \"2\"}"), 0);
    /* Skill 3 of 1-4: 100 * 2/3. Reversed attitude 4 of 1-5: 100 - 75. */
    assert_close(item(f, "s1")->score, 66.667);
    assert_close(item(f, "s2")->score, 100.0);
    assert_close(item(f, "at1")->score, 25.0);
    assert_close(item(f, "q1")->score, 100.0);
    assert_close(item(f, "f1")->score, 50.0);
    assert_close(item(f, "o1")->score, 75.0);
    assert_int_equal(item(f, "s1")->kind, MG_ANSWER_VALUE);
    assert_int_equal(item(f, "s1")->value, 3);
    assert_int_equal(item(f, "q1")->kind, MG_ANSWER_OPTION);
    assert_string_equal(item(f, "q1")->option, "b");
    /* a1 = (200/3 + 100 + 25) / 3 = 63.8888...: intermediate. */
    assert_true(area(f, "a1")->present);
    assert_close(area(f, "a1")->score, 63.889);
    assert_string_equal(area(f, "a1")->level, "intermediate");
    /* a2 = (100 + 50) / 2 = 75: advanced. */
    assert_close(area(f, "a2")->score, 75.0);
    assert_string_equal(area(f, "a2")->level, "advanced");
    /* The organisation area is scored but stays out of the index:
     * (1 * 63.8888... + 2 * 75) / 3 = 71.2962... */
    assert_close(area(f, "org")->score, 75.0);
    assert_false(area(f, "org")->individual);
    assert_true(f->score.has_index);
    assert_close(f->score.index, 71.296);
    assert_string_equal(f->score.level, "advanced");
}

static void test_dont_know_and_area_with_too_few_answers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(score(f, "{\"s1\": \"2\", \"s2\": \"dk\", \"at1\": \"dk\", \"q1\": \"dk\", \"f1\": \"dk\"}"), 0);
    /* a1: 1 of 3 items scored, fewer than half: missing. */
    assert_false(item(f, "s2")->scored);
    assert_int_equal(item(f, "s2")->kind, MG_ANSWER_DK);
    assert_int_equal(area(f, "a1")->answered, 1);
    assert_false(area(f, "a1")->present);
    /* a2: don't know on the choice item counts as answered, scoring 0;
     * on the frequency item it is not answered. 1 of 2 is half: present. */
    assert_true(item(f, "q1")->scored);
    assert_close(item(f, "q1")->score, 0.0);
    assert_false(item(f, "f1")->scored);
    assert_true(area(f, "a2")->present);
    assert_close(area(f, "a2")->score, 0.0);
    assert_string_equal(area(f, "a2")->level, "foundation");
    /* o1 unanswered: the organisation area is missing. */
    assert_false(area(f, "org")->present);
    /* The index is a2's alone. */
    assert_true(f->score.has_index);
    assert_close(f->score.index, 0.0);
    assert_string_equal(f->score.level, "foundation");
}

static void test_wrong_option_and_half_of_a1(void **state)
{
    struct fixture *f = *state;
    /* a1: s1 = 1 (0) and s2 = 2 (33.333...), at1 don't know: 2 of 3
     * answered, mean 16.6666...; a2: wrong option (0) and daily (100). */
    assert_int_equal(score(f, "{\"s1\": \"1\", \"s2\": \"2\", \"at1\": \"dk\", \"q1\": \"c\", \"f1\": \"5\"}"), 0);
    assert_close(area(f, "a1")->score, 16.667);
    assert_close(area(f, "a2")->score, 50.0);
    /* (16.666... + 2 * 50) / 3 = 38.888...: just below intermediate. */
    assert_close(f->score.index, 38.889);
    assert_string_equal(f->score.level, "foundation");
}

static void test_no_individual_area_means_no_index(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(score(f, "{\"o1\": \"5\"}"), 0);
    assert_close(area(f, "org")->score, 0.0);
    assert_false(f->score.has_index);
    const char *keys[8];
    assert_int_equal(mg_score_unanswered(f->def, f->answers, keys, 8), 5);
    assert_string_equal(keys[0], "s1");
    assert_string_equal(keys[4], "f1");
}

static void test_level_thresholds_at_their_edges(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(mg_score_level(f->def, 0.0), "foundation");
    assert_string_equal(mg_score_level(f->def, 39.999), "foundation");
    assert_string_equal(mg_score_level(f->def, 40.0), "intermediate");
    assert_string_equal(mg_score_level(f->def, 64.999), "intermediate");
    assert_string_equal(mg_score_level(f->def, 65.0), "advanced");
    assert_string_equal(mg_score_level(f->def, 85.0), "specialised");
    assert_string_equal(mg_score_level(f->def, 100.0), "specialised");
    /* The level is looked up on the rounded figure: 39.9996 is 40.000. */
    assert_string_equal(mg_score_level(f->def, mg_score_round(39.9996)), "intermediate");
}

static void test_rounding_half_away_from_zero(void **state)
{
    (void)state;
    assert_close(mg_score_round(2.0005), 2.001);
    assert_close(mg_score_round(2.0004), 2.0);
    assert_close(mg_score_round(-2.0005), -2.001);
    assert_close(mg_score_round(100.0 * 2 / 3), 66.667);
    assert_close(mg_score_round(100.0 / 3), 33.333);
    assert_close(mg_score_round(12.3455), 12.346);
}

static void test_bad_answers_are_refused_with_the_item(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(score(f, "{\"nope\": \"1\"}"), -1);
    assert_non_null(strstr(f->err, "nope"));
    assert_int_equal(score(f, "{\"s1\": \"5\"}"), -1);
    assert_non_null(strstr(f->err, "s1"));
    assert_int_equal(score(f, "{\"s1\": \"0\"}"), -1);
    assert_int_equal(score(f, "{\"s1\": \"2x\"}"), -1);
    assert_int_equal(score(f, "{\"s1\": \"\"}"), -1);
    assert_int_equal(score(f, "{\"s1\": \"dk\"}"), -1);
    assert_non_null(strstr(f->err, "don't know"));
    assert_int_equal(score(f, "{\"q1\": \"z\"}"), -1);
    assert_non_null(strstr(f->err, "q1"));
    assert_int_equal(score(f, "{\"q1\": \"1\"}"), -1);
    assert_int_equal(score(f, "{\"s1\": 3}"), -1);
    assert_non_null(strstr(f->err, "string"));
    assert_null(f->score.items);
}

/* Found by tests/fuzz/fuzz_json: an array's elements have no key, which
 * the check of item names passed to strcmp. */
static void test_answers_that_are_not_an_object_are_refused(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(score(f, "[[]]"), -1);
    assert_non_null(strstr(f->err, "object"));
    assert_int_equal(score(f, "[\"s1\"]"), -1);
    assert_int_equal(score(f, "\"s1\""), -1);
    assert_null(f->score.items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_answers_reverse_choice_frequency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_that_are_not_an_object_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dont_know_and_area_with_too_few_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_option_and_half_of_a1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_individual_area_means_no_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_thresholds_at_their_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rounding_half_away_from_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_answers_are_refused_with_the_item, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
