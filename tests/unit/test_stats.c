/* test_stats.c: the statistics of the indicators against values worked out
 * independently: with Python's mpmath at 30 digits (t quantiles from the
 * regularised incomplete beta function and a root finder, not GSL), the
 * formulas written from their definitions on the raw values (alpha from
 * the item covariances, not from the shortcut the code uses). The script
 * is tests/fixtures/indicators/expected_stats.py; its output is pasted
 * here as literals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "mg_stats.h"

#define EPS 1e-9

static void near(double got, double want, double eps)
{
    if (fabs(got - want) > eps)
        fail_msg("got %.17g, want %.17g (difference %.3g)", got, want, got - want);
}

static struct mg_moments moments(const double *x, size_t n)
{
    struct mg_moments m = {0};
    for (size_t i = 0; i < n; i++) {
        m.n++;
        m.sum += x[i];
        m.sumsq += x[i] * x[i];
    }
    return m;
}

static void test_t_quantiles_match_an_independent_computation(void **state)
{
    (void)state;
    near(mg_stats_t975(1), 12.706204736174705, 1e-9);
    near(mg_stats_t975(2), 4.3026527297494639, EPS);
    near(mg_stats_t975(4), 2.7764451051977944, EPS);
    near(mg_stats_t975(9), 2.2621571627982055, EPS);
    near(mg_stats_t975(29), 2.0452296421327043, EPS);
}

static void test_summary_mean_sd_and_t_interval(void **state)
{
    (void)state;
    const double x[] = {50, 60, 70, 80, 90};
    struct mg_moments m = moments(x, 5);
    struct mg_summary s = mg_stats_summary(&m);
    assert_true(s.has_mean && s.has_sd && s.has_ci);
    assert_int_equal(s.n, 5);
    near(s.mean, 70.0, EPS);
    near(s.sd, 15.811388300841897, EPS);
    near(s.ci_low, 50.367568385224423, EPS);
    near(s.ci_high, 89.632431614775577, EPS);
}

static void test_summary_of_one_value_has_no_spread_and_none_has_no_mean(void **state)
{
    (void)state;
    const double x[] = {42.5};
    struct mg_moments m = moments(x, 1);
    struct mg_summary s = mg_stats_summary(&m);
    assert_true(s.has_mean);
    assert_false(s.has_sd);
    assert_false(s.has_ci);
    near(s.mean, 42.5, EPS);
    struct mg_moments none = {0};
    s = mg_stats_summary(&none);
    assert_false(s.has_mean);
    /* Equal values: rounding must not make the variance negative. */
    const double same[] = {33.333, 33.333, 33.333};
    m = moments(same, 3);
    assert_true(mg_stats_variance(&m) >= 0.0);
    near(mg_stats_summary(&m).sd, 0.0, 1e-6);
}

static void test_welch_difference_interval_and_p_value(void **state)
{
    (void)state;
    const double a[] = {40, 55.5, 61, 47.25, 70};
    const double b[] = {62, 58, 75.5, 80, 66.667, 71, 90};
    struct mg_moments ma = moments(a, 5), mb = moments(b, 7);
    struct mg_welch w = mg_stats_welch(&ma, &mb);
    assert_true(w.ok && w.has_p);
    near(w.diff, 17.131, EPS);
    near(w.se, 6.6765256184136172, EPS);
    near(w.df, 8.4172252736334785, EPS);
    near(w.ci_low, 1.8667354977151576, EPS);
    near(w.ci_high, 32.395264502284843, EPS);
    near(w.t, 2.5658555031607037, EPS);
    near(w.p, 0.032017744752682233, EPS);
    /* Swapping the groups turns the sign and keeps the p-value. */
    struct mg_welch r = mg_stats_welch(&mb, &ma);
    near(r.diff, -17.131, EPS);
    near(r.p, w.p, 1e-12);
}

static void test_welch_needs_two_values_per_group_and_handles_no_spread(void **state)
{
    (void)state;
    const double one[] = {50}, two[] = {50, 50}, three[] = {60, 60, 60};
    struct mg_moments m1 = moments(one, 1), m2 = moments(two, 2), m3 = moments(three, 3);
    assert_false(mg_stats_welch(&m1, &m3).ok);
    struct mg_welch w = mg_stats_welch(&m2, &m3);
    assert_true(w.ok);
    assert_false(w.has_p);
    near(w.diff, 10.0, EPS);
    near(w.ci_low, 10.0, EPS);
    near(w.ci_high, 10.0, EPS);
}

static void test_paired_change_interval_and_p_value(void **state)
{
    (void)state;
    const double d[] = {5, -2, 10, 3.5, 0, 7, 4};
    struct mg_moments m = moments(d, 7);
    double p;
    bool has_p;
    struct mg_summary s = mg_stats_paired(&m, &p, &has_p);
    assert_true(has_p && s.has_ci);
    near(s.mean, 3.9285714285714286, EPS);
    near(s.sd, 4.0458679685634353, EPS);
    near(s.ci_low, 0.18676763958938489, EPS);
    near(s.ci_high, 7.6703752175534723, EPS);
    near(p, 0.042389352811955272, EPS);
}

static void test_alpha_equals_the_covariance_definition(void **state)
{
    (void)state;
    const double rows[6][3] = {{100, 66.667, 75}, {33.333, 33.333, 50}, {66.667, 100, 100},
                               {0, 33.333, 25},   {66.667, 66.667, 50}, {100, 100, 75}};
    struct mg_moments items[3] = {{0}}, total = {0};
    for (size_t r = 0; r < 6; r++) {
        double t = 0;
        for (size_t i = 0; i < 3; i++) {
            items[i].n++;
            items[i].sum += rows[r][i];
            items[i].sumsq += rows[r][i] * rows[r][i];
            t += rows[r][i];
        }
        total.n++;
        total.sum += t;
        total.sumsq += t * t;
    }
    near(mg_stats_variance(&total), 7706.0709261666678, 1e-8);
    struct mg_alpha a = mg_stats_alpha(3, items, &total);
    assert_true(a.ok);
    near(a.alpha, 0.89756819435876619, EPS);
    /* One item, or a total without spread, has no alpha. */
    assert_false(mg_stats_alpha(1, items, &total).ok);
    struct mg_moments flat = {6, 600, 60000};
    assert_false(mg_stats_alpha(3, items, &flat).ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t_quantiles_match_an_independent_computation),
        cmocka_unit_test(test_summary_mean_sd_and_t_interval),
        cmocka_unit_test(test_summary_of_one_value_has_no_spread_and_none_has_no_mean),
        cmocka_unit_test(test_welch_difference_interval_and_p_value),
        cmocka_unit_test(test_welch_needs_two_values_per_group_and_handles_no_spread),
        cmocka_unit_test(test_paired_change_interval_and_p_value),
        cmocka_unit_test(test_alpha_equals_the_covariance_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
