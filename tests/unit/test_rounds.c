/* test_rounds.c: the pure checks behind round and series input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mg_rounds.h"

static void test_parse_months_accepts_months_and_years(void **state)
{
    (void)state;
    assert_int_equal(mg_parse_months("12months"), 12);
    assert_int_equal(mg_parse_months("1 month"), 1);
    assert_int_equal(mg_parse_months("2years"), 24);
    assert_int_equal(mg_parse_months(" 1year"), 12);
    assert_int_equal(mg_parse_months("0months"), -1);
    assert_int_equal(mg_parse_months("-3months"), -1);
    assert_int_equal(mg_parse_months("12"), -1);
    assert_int_equal(mg_parse_months("12 fortnights"), -1);
    assert_int_equal(mg_parse_months("months"), -1);
    assert_int_equal(mg_parse_months(NULL), -1);
    assert_int_equal(mg_parse_months("99999months"), -1);
}

static void test_parse_days_accepts_days_and_weeks(void **state)
{
    (void)state;
    assert_int_equal(mg_parse_days("21days"), 21);
    assert_int_equal(mg_parse_days("1 day"), 1);
    assert_int_equal(mg_parse_days("3weeks"), 21);
    assert_int_equal(mg_parse_days("3 weeks "), -1);
    assert_int_equal(mg_parse_days("3w"), -1);
}

static void test_round_time_check_takes_iso_dates_and_times_only(void **state)
{
    (void)state;
    assert_null(mg_round_check_time("2027-03-01"));
    assert_null(mg_round_check_time("2027-03-01T08:00"));
    assert_null(mg_round_check_time("2027-03-01T08:00:30Z"));
    assert_null(mg_round_check_time("2027-03-01 08:00+01:00"));
    assert_null(mg_round_check_time("2027-03-01T08:00-0130"));
    assert_non_null(mg_round_check_time("tomorrow"));
    assert_non_null(mg_round_check_time("now"));
    assert_non_null(mg_round_check_time("infinity"));
    assert_non_null(mg_round_check_time("1/3/2027"));
    assert_non_null(mg_round_check_time("2027-03-01T08"));
    assert_non_null(mg_round_check_time("2027-03-01; DROP TABLE rounds"));
    assert_non_null(mg_round_check_time(""));
    assert_non_null(mg_round_check_time(NULL));
}

static void test_round_mode_and_language_checks(void **state)
{
    (void)state;
    assert_null(mg_round_check_mode("pseudonymous"));
    assert_null(mg_round_check_mode("anonymous"));
    assert_null(mg_round_check_mode("open"));
    assert_non_null(mg_round_check_mode("Open"));
    assert_non_null(mg_round_check_mode(NULL));
    assert_null(mg_round_check_language("nn"));
    assert_non_null(mg_round_check_language("no"));
    assert_non_null(mg_round_check_language(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_months_accepts_months_and_years),
        cmocka_unit_test(test_parse_days_accepts_days_and_weeks),
        cmocka_unit_test(test_round_time_check_takes_iso_dates_and_times_only),
        cmocka_unit_test(test_round_mode_and_language_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
