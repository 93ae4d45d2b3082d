/* test_svg.c: the dashboard's charts and heatmap colour scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_svg.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_contrast_matches_wcag_examples(void **state)
{
    (void)state;
    assert_true(mg_svg_contrast("#000000", "#ffffff") > 20.99);
    assert_true(mg_svg_contrast("#ffffff", "#ffffff") < 1.001);
    /* #767676 on white is the classic 4.54:1. */
    double c = mg_svg_contrast("#767676", "#ffffff");
    assert_true(c > 4.5 && c < 4.6);
    assert_true(mg_svg_contrast("#zzzzzz", "#ffffff") == 0);
    assert_true(mg_svg_contrast("fff", "#ffffff") == 0);
}

static void test_heat_scale_text_reaches_aa_contrast_on_every_step(void **state)
{
    (void)state;
    for (int i = 0; i < MG_SVG_HEAT_STEPS; i++) {
        const char *fill = mg_svg_heat_fill[i];
        assert_true(mg_svg_contrast(fill, mg_svg_text_colour(fill)) >= 4.5);
    }
    /* Sequential: each step is lighter than the one before. */
    for (int i = 1; i < MG_SVG_HEAT_STEPS; i++)
        assert_true(mg_svg_contrast(mg_svg_heat_fill[i], "#000000") >
                    mg_svg_contrast(mg_svg_heat_fill[i - 1], "#000000"));
}

static void test_heat_step_bins_and_clamps(void **state)
{
    (void)state;
    assert_int_equal(mg_svg_heat_step(-5), 0);
    assert_int_equal(mg_svg_heat_step(0), 0);
    assert_int_equal(mg_svg_heat_step(12.49), 0);
    assert_int_equal(mg_svg_heat_step(12.5), 1);
    assert_int_equal(mg_svg_heat_step(99.9), MG_SVG_HEAT_STEPS - 1);
    assert_int_equal(mg_svg_heat_step(100), MG_SVG_HEAT_STEPS - 1);
    assert_int_equal(mg_svg_heat_step(1000), MG_SVG_HEAT_STEPS - 1);
}

/* The stylesheet's heat-N classes carry the scale's colours and the text
 * colour chosen for contrast. */
static void test_stylesheet_agrees_with_the_scale(void **state)
{
    (void)state;
    FILE *f = fopen("web/css/dashboard.css", "r");
    assert_non_null(f);
    static char css[65536];
    size_t n = fread(css, 1, sizeof css - 1, f);
    fclose(f);
    css[n] = '\0';
    for (int i = 0; i < MG_SVG_HEAT_STEPS; i++) {
        char want[128];
        snprintf(want, sizeof want, ".heat-%d { background: %s; color: %s; }", i, mg_svg_heat_fill[i],
                 mg_svg_text_colour(mg_svg_heat_fill[i]));
        if (!strstr(css, want))
            fail_msg("dashboard.css lacks \"%s\"", want);
    }
}

static void test_number_uses_decimal_comma_and_real_minus(void **state)
{
    char out[32];
    (void)state;
    mg_svg_number(out, sizeof out, 54.68, 1, false);
    assert_string_equal(out, "54.7");
    mg_svg_number(out, sizeof out, 54.68, 1, true);
    assert_string_equal(out, "54,7");
    mg_svg_number(out, sizeof out, -3.26, 1, true);
    assert_string_equal(out, "\xe2\x88\x92" "3,3");
    mg_svg_number(out, sizeof out, -3.25, 0, false);
    assert_string_equal(out, "\xe2\x88\x92" "3");
    mg_svg_number(out, sizeof out, -0.04, 1, false);
    assert_string_equal(out, "0.0");
}

static void test_interval_chart_is_labelled_and_escapes_text(void **state)
{
    (void)state;
    struct mg_buf b = {0};
    struct mg_svg_style st = {true, 1};
    struct mg_svg_interval rows[] = {
        {"Index <all>", true, 54.68, true, 24.98, 84.37, NULL},
        {"Ledning & styrning", false, 0, false, 0, 0, "dold: färre än 3 svar"},
        {"Data", true, 40, false, 0, 0, NULL},
    };
    mg_svg_interval_chart(&b, "c1", "Medel & KI", "Beskrivning <x>", rows, 3, 0, 100, &st);
    char *s = mg_buf_steal(&b);
    assert_non_null(s);
    assert_non_null(strstr(s, "role=\"img\""));
    assert_non_null(strstr(s, "aria-labelledby=\"c1-t c1-d\""));
    assert_non_null(strstr(s, "<title id=\"c1-t\">Medel &amp; KI</title>"));
    assert_non_null(strstr(s, "<desc id=\"c1-d\">Beskrivning &lt;x&gt;</desc>"));
    assert_non_null(strstr(s, "Index &lt;all&gt;"));
    assert_null(strstr(s, "<all>"));
    /* Two marks (the hidden row has none), one whisker group, values
     * written beside the marks with a decimal comma. */
    assert_int_equal(count(s, "<circle"), 2);
    assert_int_equal(count(s, "<g stroke="), 1);
    assert_non_null(strstr(s, ">54,7</text>"));
    assert_non_null(strstr(s, ">40,0</text>"));
    assert_non_null(strstr(s, "dold: färre än 3 svar"));
    assert_null(strstr(s, " style=\""));
    free(s);
}

static void test_interval_chart_draws_a_zero_line_for_differences(void **state)
{
    (void)state;
    struct mg_buf b = {0};
    struct mg_svg_style st = {false, 1};
    struct mg_svg_interval rows[] = {{"Gap", true, -5, true, -12, 2, NULL}};
    mg_svg_interval_chart(&b, "g", "t", "d", rows, 1, -50, 50, &st);
    char *s = mg_buf_steal(&b);
    assert_non_null(strstr(s, "stroke=\"#000000\" stroke-width=\"1.5\""));
    assert_non_null(strstr(s, ">\xe2\x88\x92" "5.0</text>")); /* U+2212 in every language */
    free(s);
}

static void test_stacked_chart_has_patterns_legend_and_labels(void **state)
{
    (void)state;
    struct mg_buf b = {0};
    struct mg_svg_style st = {false, 0};
    const char *parts[] = {"Foundation", "Intermediate", "Advanced", "Specialised"};
    struct mg_svg_stack rows[] = {
        {"Index", true, {0.2, 0.6, 0.05, 0.15}, NULL},
        {"Lead", false, {0}, "hidden"},
    };
    mg_svg_stacked_chart(&b, "s", "Staircase", "Shares per level", parts, 4, rows, 2, &st);
    char *s = mg_buf_steal(&b);
    assert_non_null(s);
    assert_int_equal(count(s, "<pattern id=\"s-p"), 4);
    /* four segments + four legend swatches */
    assert_int_equal(count(s, "fill=\"url(#s-p"), 8);
    assert_non_null(strstr(s, ">60%</text>"));
    assert_non_null(strstr(s, ">20%</text>"));
    assert_null(strstr(s, ">5%</text>")); /* too narrow to label */
    for (int i = 0; i < 4; i++)
        assert_non_null(strstr(s, parts[i]));
    assert_non_null(strstr(s, ">hidden</text>"));
    free(s);
}

static void test_trend_chart_breaks_line_at_hidden_points(void **state)
{
    (void)state;
    struct mg_buf b = {0};
    struct mg_svg_style st = {false, 1};
    struct mg_svg_interval pts[] = {
        {"2026", true, 50, true, 40, 60, NULL},
        {"2027", true, 55, true, 45, 65, NULL},
        {"2028", false, 0, false, 0, 0, "hidden"},
        {"2029", true, 60, true, 50, 70, NULL},
    };
    mg_svg_trend_chart(&b, "t", "Trend", "Index per round", pts, 4, 0, 100, &st);
    char *s = mg_buf_steal(&b);
    assert_int_equal(count(s, "<polyline"), 1);
    assert_int_equal(count(s, "<polygon"), 1);
    assert_int_equal(count(s, "<circle"), 3);
    assert_non_null(strstr(s, ">2028</text>"));
    assert_non_null(strstr(s, ">hidden</text>"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contrast_matches_wcag_examples),
        cmocka_unit_test(test_heat_scale_text_reaches_aa_contrast_on_every_step),
        cmocka_unit_test(test_heat_step_bins_and_clamps),
        cmocka_unit_test(test_stylesheet_agrees_with_the_scale),
        cmocka_unit_test(test_number_uses_decimal_comma_and_real_minus),
        cmocka_unit_test(test_interval_chart_is_labelled_and_escapes_text),
        cmocka_unit_test(test_interval_chart_draws_a_zero_line_for_differences),
        cmocka_unit_test(test_stacked_chart_has_patterns_legend_and_labels),
        cmocka_unit_test(test_trend_chart_breaks_line_at_hidden_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
