/* mg_svg.h: the dashboard's charts as inline SVG, and the colour scale of
 * its heatmap. Pure: figures in, markup out, no I/O, so every chart is
 * unit-tested (tests/unit/test_svg.c).
 *
 * Every chart is an <svg role="img"> with a <title> and a <desc>, drawn
 * with the Okabe-Ito palette and readable in greyscale: values are written
 * next to their marks, and stacked parts carry hatch patterns as well as
 * colours. The page puts a data table beside each chart. */
#ifndef MG_SVG_H
#define MG_SVG_H

#include <stdbool.h>
#include <stddef.h>

struct mg_buf;

/* The heatmap scale: MG_SVG_HEAT_STEPS colours of viridis, dark (low) to
 * light (high), sequential and colour-blind safe. web/css/dashboard.css
 * holds the same colours as classes heat-0 .. heat-7 (the unit test checks
 * that they agree). */
#define MG_SVG_HEAT_STEPS 8
extern const char *const mg_svg_heat_fill[MG_SVG_HEAT_STEPS];

/* The step of `value` (0..100; clamped) on the heatmap scale. */
int mg_svg_heat_step(double value);

/* The WCAG 2 contrast ratio of two colours "#rrggbb" (1 to 21); 0 when
 * either is not such a colour. */
double mg_svg_contrast(const char *a, const char *b);

/* "#000000" or "#ffffff", whichever contrasts more with `fill`; the
 * better of the two always reaches 4.5:1. */
const char *mg_svg_text_colour(const char *fill);

/* Formats `v` with `decimals` decimals into `out`: a decimal comma when
 * `comma` (Swedish and Norwegian), and U+2212 for a minus sign in every
 * language. */
void mg_svg_number(char *out, size_t outlen, double v, int decimals, bool comma);

/* The texts and number style of a chart. */
struct mg_svg_style {
    bool comma;          /* decimal comma */
    int decimals;        /* decimals of the values written on the chart */
};

/* One row of an interval chart: a value with its 95% interval, or (not
 * `shown`) a row that says `note` instead, with no mark. */
struct mg_svg_interval {
    const char *label;
    bool shown;
    double value;
    bool has_ci;
    double low, high;
    const char *note;
};

/* A horizontal dot chart with interval whiskers on an axis from `min` to
 * `max` (a reference line at 0 when the axis crosses it). `id` is a
 * prefix unique in the page. */
void mg_svg_interval_chart(struct mg_buf *b, const char *id, const char *title, const char *desc,
                           const struct mg_svg_interval *rows, size_t n, double min, double max,
                           const struct mg_svg_style *style);

#define MG_SVG_MAX_PARTS 8

/* One bar of a stacked chart: shares (0..1) of each part, in order; or
 * (not `shown`) `note` instead. */
struct mg_svg_stack {
    const char *label;
    bool shown;
    double share[MG_SVG_MAX_PARTS];
    const char *note;
};

/* Horizontal 100% stacked bars, parts in the order given (the staircase's
 * levels), each part with its own colour and hatch, labelled with its
 * percentage where it is wide enough, and a legend naming `parts`. */
void mg_svg_stacked_chart(struct mg_buf *b, const char *id, const char *title, const char *desc,
                          const char *const *parts, size_t nparts, const struct mg_svg_stack *rows,
                          size_t n, const struct mg_svg_style *style);

/* A line over the points in order (x: `label`, y: `value` on `min`..`max`)
 * with a band for the 95% interval; a point not `shown` breaks the line
 * and is marked with its `note`. */
void mg_svg_trend_chart(struct mg_buf *b, const char *id, const char *title, const char *desc,
                        const struct mg_svg_interval *points, size_t n, double min, double max,
                        const struct mg_svg_style *style);

#endif
