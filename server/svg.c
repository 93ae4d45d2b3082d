/* svg.c: the dashboard's inline SVG charts and its heatmap colour scale. */
#include "mg_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mg_buf.h"

const char *const mg_svg_heat_fill[MG_SVG_HEAT_STEPS] = {
    "#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725",
};

/* Okabe-Ito: distinguishable with every common colour-vision deficiency. */
#define OI_BLUE "#0072b2"
#define OI_SKY "#56b4e9"
static const char *const part_fill[MG_SVG_MAX_PARTS] = {
    "#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7", "#f0e442", "#999999",
};

/* Chart geometry, in SVG user units (the SVG scales to its container). */
#define W 780.0
#define LABEL_W 300.0
#define PLOT_X0 (LABEL_W + 10.0)
#define PLOT_X1 (W - 60.0)
#define ROW_H 30.0
#define TOP 28.0

int mg_svg_heat_step(double value)
{
    if (!(value > 0)) /* also NaN */
        return 0;
    int s = (int)(value / (100.0 / MG_SVG_HEAT_STEPS));
    return s >= MG_SVG_HEAT_STEPS ? MG_SVG_HEAT_STEPS - 1 : s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Relative luminance of "#rrggbb", or -1. */
static double luminance(const char *c)
{
    double ch[3];
    if (!c || c[0] != '#' || strlen(c) != 7)
        return -1;
    for (int i = 0; i < 3; i++) {
        int hi = hexval(c[1 + 2 * i]), lo = hexval(c[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        double v = (hi * 16 + lo) / 255.0;
        ch[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

double mg_svg_contrast(const char *a, const char *b)
{
    double la = luminance(a), lb = luminance(b);
    if (la < 0 || lb < 0)
        return 0;
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

const char *mg_svg_text_colour(const char *fill)
{
    return mg_svg_contrast(fill, "#000000") >= mg_svg_contrast(fill, "#ffffff") ? "#000000" : "#ffffff";
}

void mg_svg_number(char *out, size_t outlen, double v, int decimals, bool comma)
{
    char tmp[64];
    if (outlen == 0)
        return;
    if (!isfinite(v)) {
        snprintf(out, outlen, "–");
        return;
    }
    /* No "-0.0": a value that rounds to zero is written without a sign. */
    double scale = pow(10, decimals);
    if (round(fabs(v) * scale) == 0)
        v = 0;
    snprintf(tmp, sizeof tmp, "%.*f", decimals, fabs(v));
    if (comma) {
        char *dot = strchr(tmp, '.');
        if (dot)
            *dot = ',';
    }
    /* The minus sign (U+2212) in every language, as typesetting wants. */
    snprintf(out, outlen, "%s%s", v < 0 ? "\xe2\x88\x92" : "", tmp);
}

static double xpos(double v, double min, double max)
{
    if (v < min)
        v = min;
    if (v > max)
        v = max;
    return PLOT_X0 + (PLOT_X1 - PLOT_X0) * (v - min) / (max - min);
}

static void open_svg(struct mg_buf *b, const char *id, double height, const char *title, const char *desc)
{
    mg_buf_printf(b, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
                     "aria-labelledby=\"%s-t %s-d\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"%s-t\">",
                  W, height, id, id, id);
    mg_buf_html(b, title);
    mg_buf_printf(b, "</title>\n<desc id=\"%s-d\">", id);
    mg_buf_html(b, desc);
    mg_buf_puts(b, "</desc>\n");
}

static void text(struct mg_buf *b, double x, double y, const char *anchor, const char *extra, const char *s)
{
    mg_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor, extra ? " " : "",
                  extra ? extra : "");
    mg_buf_html(b, s);
    mg_buf_puts(b, "</text>\n");
}

/* Grid lines and tick labels of a value axis from `min` to `max`. */
static void axis(struct mg_buf *b, double min, double max, double y0, double y1, const struct mg_svg_style *st)
{
    double span = max - min, step = span <= 20 ? 5 : span <= 60 ? 10 : 25;
    for (double t = ceil(min / step) * step; t <= max + 1e-9; t += step) {
        char num[32];
        double x = xpos(t, min, max);
        mg_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
                      x, y0, x, y1, fabs(t) < 1e-9 && min < 0 ? "#000000" : "#c8c8c8",
                      fabs(t) < 1e-9 && min < 0 ? "1.5" : "1");
        mg_svg_number(num, sizeof num, t, 0, st->comma);
        text(b, x, y0 - 8, "middle", "font-size=\"13\" fill=\"#333333\"", num);
    }
}

void mg_svg_interval_chart(struct mg_buf *b, const char *id, const char *title, const char *desc,
                           const struct mg_svg_interval *rows, size_t n, double min, double max,
                           const struct mg_svg_style *st)
{
    double height = TOP + ROW_H * (double)n + 12;
    open_svg(b, id, height, title, desc);
    axis(b, min, max, TOP - 4, height - 8, st);
    for (size_t i = 0; i < n; i++) {
        const struct mg_svg_interval *r = &rows[i];
        double y = TOP + ROW_H * (double)i + ROW_H / 2;
        text(b, LABEL_W, y + 5, "end", "font-size=\"14\" fill=\"#1a1a1a\"", r->label);
        if (!r->shown) {
            text(b, PLOT_X0 + 4, y + 5, "start", "font-size=\"13\" font-style=\"italic\" fill=\"#4a4a4a\"",
                 r->note ? r->note : "");
            continue;
        }
        char num[32];
        double x = xpos(r->value, min, max), xr = x;
        if (r->has_ci) {
            double xl = xpos(r->low, min, max), xh = xpos(r->high, min, max);
            mg_buf_printf(b, "<g stroke=\"#1a1a1a\" stroke-width=\"1.5\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                             "y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" "
                             "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
                          xl, y, xh, y, xl, y - 6, xl, y + 6, xh, y - 6, xh, y + 6);
            xr = xh;
        }
        mg_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"" OI_BLUE "\" stroke=\"#ffffff\" "
                         "stroke-width=\"1.5\"/>\n", x, y);
        mg_svg_number(num, sizeof num, r->value, st->decimals, st->comma);
        text(b, xr + 8, y + 5, "start", "font-size=\"13\" font-weight=\"bold\" fill=\"#1a1a1a\"", num);
    }
    mg_buf_puts(b, "</svg>\n");
}

/* Hatch patterns, one per part, so parts differ without colour too. */
static void part_patterns(struct mg_buf *b, const char *id, size_t nparts)
{
    static const char *const marks[MG_SVG_MAX_PARTS] = {
        "",
        "<path d=\"M0 8 L8 0\" stroke=\"#000000\" stroke-opacity=\"0.45\" stroke-width=\"1.5\"/>",
        "<circle cx=\"4\" cy=\"4\" r=\"1.4\" fill=\"#000000\" fill-opacity=\"0.45\"/>",
        "<path d=\"M0 0 L8 8\" stroke=\"#ffffff\" stroke-opacity=\"0.6\" stroke-width=\"1.5\"/>",
        "<path d=\"M4 0 V8\" stroke=\"#000000\" stroke-opacity=\"0.45\" stroke-width=\"1.5\"/>",
        "<path d=\"M0 4 H8\" stroke=\"#000000\" stroke-opacity=\"0.45\" stroke-width=\"1.5\"/>",
        "<path d=\"M0 8 L8 0 M0 0 L8 8\" stroke=\"#000000\" stroke-opacity=\"0.4\" stroke-width=\"1\"/>",
        "<circle cx=\"4\" cy=\"4\" r=\"2.2\" fill=\"#ffffff\" fill-opacity=\"0.6\"/>",
    };
    mg_buf_puts(b, "<defs>\n");
    for (size_t p = 0; p < nparts && p < MG_SVG_MAX_PARTS; p++)
        mg_buf_printf(b, "<pattern id=\"%s-p%zu\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
                         "<rect width=\"8\" height=\"8\" fill=\"%s\"/>%s</pattern>\n",
                      id, p, part_fill[p], marks[p]);
    mg_buf_puts(b, "</defs>\n");
}

void mg_svg_stacked_chart(struct mg_buf *b, const char *id, const char *title, const char *desc,
                          const char *const *parts, size_t nparts, const struct mg_svg_stack *rows,
                          size_t n, const struct mg_svg_style *st)
{
    if (nparts > MG_SVG_MAX_PARTS)
        nparts = MG_SVG_MAX_PARTS;
    double legend_y = TOP + ROW_H * (double)n + 14;
    double height = legend_y + 24.0 * (double)((nparts + 2) / 3) + 6;
    open_svg(b, id, height, title, desc);
    part_patterns(b, id, nparts);
    axis(b, 0, 100, TOP - 4, TOP + ROW_H * (double)n, st);
    for (size_t i = 0; i < n; i++) {
        const struct mg_svg_stack *r = &rows[i];
        double y = TOP + ROW_H * (double)i + 4, h = ROW_H - 8;
        text(b, LABEL_W, y + h / 2 + 5, "end", "font-size=\"14\" fill=\"#1a1a1a\"", r->label);
        if (!r->shown) {
            text(b, PLOT_X0 + 4, y + h / 2 + 5, "start", "font-size=\"13\" font-style=\"italic\" fill=\"#4a4a4a\"",
                 r->note ? r->note : "");
            continue;
        }
        double x = PLOT_X0;
        for (size_t p = 0; p < nparts; p++) {
            double s = r->share[p] > 0 ? r->share[p] : 0;
            double w = (PLOT_X1 - PLOT_X0) * s;
            if (w <= 0)
                continue;
            mg_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"url(#%s-p%zu)\" "
                             "stroke=\"#ffffff\" stroke-width=\"1\"/>\n", x, y, w, h, id, p);
            if (s >= 0.08) {
                char num[32], attrs[96];
                mg_svg_number(num, sizeof num, s * 100, 0, st->comma);
                /* Swedish and Norwegian put a (no-break) space before %. */
                strcat(num, st->comma ? "\xc2\xa0%" : "%");
                /* The label sits on a white halo so it reads on any hatch. */
                snprintf(attrs, sizeof attrs, "font-size=\"13\" font-weight=\"bold\" fill=\"#000000\" "
                                              "class=\"halo\"");
                text(b, x + w / 2, y + h / 2 + 4, "middle", attrs, num);
            }
            x += w;
        }
    }
    for (size_t p = 0; p < nparts; p++) {
        double lx = 10 + 210.0 * (double)(p % 3), ly = legend_y + 24.0 * (double)(p / 3);
        mg_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"16\" fill=\"url(#%s-p%zu)\" "
                         "stroke=\"#1a1a1a\" stroke-width=\"0.5\"/>\n", lx, ly, id, p);
        text(b, lx + 22, ly + 13, "start", "font-size=\"13\" fill=\"#1a1a1a\"", parts[p]);
    }
    mg_buf_puts(b, "</svg>\n");
}

void mg_svg_trend_chart(struct mg_buf *b, const char *id, const char *title, const char *desc,
                        const struct mg_svg_interval *pts, size_t n, double min, double max,
                        const struct mg_svg_style *st)
{
    const double x0 = 60, x1 = W - 40, y0 = 30, y1 = 250, height = 290;
    open_svg(b, id, height, title, desc);
    /* Horizontal grid with labels on the left. */
    for (double t = min; t <= max + 1e-9; t += (max - min) / 4) {
        char num[32];
        double y = y1 - (y1 - y0) * (t - min) / (max - min);
        mg_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c8c8c8\"/>\n", x0, y, x1, y);
        mg_svg_number(num, sizeof num, t, 0, st->comma);
        text(b, x0 - 8, y + 4, "end", "font-size=\"13\" fill=\"#333333\"", num);
    }
#define TX(i) (n > 1 ? x0 + 20 + (x1 - x0 - 40) * (double)(i) / (double)(n - 1) : (x0 + x1) / 2)
#define TY(v) (y1 - (y1 - y0) * (((v) < min ? min : (v) > max ? max : (v)) - min) / (max - min))
    /* The band and the line run over each stretch of shown points. */
    for (size_t i = 0; i < n;) {
        if (!pts[i].shown) {
            i++;
            continue;
        }
        size_t j = i;
        bool ci = true;
        while (j < n && pts[j].shown) {
            ci = ci && pts[j].has_ci;
            j++;
        }
        if (ci && j - i > 1) {
            mg_buf_puts(b, "<polygon fill=\"" OI_SKY "\" fill-opacity=\"0.35\" stroke=\"none\" points=\"");
            for (size_t k = i; k < j; k++)
                mg_buf_printf(b, "%.1f,%.1f ", TX(k), TY(pts[k].high));
            for (size_t k = j; k-- > i;)
                mg_buf_printf(b, "%.1f,%.1f ", TX(k), TY(pts[k].low));
            mg_buf_puts(b, "\"/>\n");
        }
        if (j - i > 1) {
            mg_buf_puts(b, "<polyline fill=\"none\" stroke=\"" OI_BLUE "\" stroke-width=\"2.5\" points=\"");
            for (size_t k = i; k < j; k++)
                mg_buf_printf(b, "%.1f,%.1f ", TX(k), TY(pts[k].value));
            mg_buf_puts(b, "\"/>\n");
        }
        i = j;
    }
    for (size_t i = 0; i < n; i++) {
        double x = TX(i);
        /* The first and the last label (and note) grow inwards from the
         * chart's edges, so a long round name is not cut by the frame. */
        const char *anchor = n > 1 && i == 0 ? "start" : n > 1 && i == n - 1 ? "end" : "middle";
        double tx = n > 1 && i == 0 ? 10 : n > 1 && i == n - 1 ? W - 10 : x;
        text(b, tx, y1 + 24, anchor, "font-size=\"13\" fill=\"#1a1a1a\"", pts[i].label);
        if (!pts[i].shown) {
            text(b, tx, (y0 + y1) / 2, anchor, "font-size=\"13\" font-style=\"italic\" fill=\"#4a4a4a\"",
                 pts[i].note ? pts[i].note : "");
            continue;
        }
        char num[32];
        double y = TY(pts[i].value);
        if (pts[i].has_ci)
            mg_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1a1a1a\" "
                             "stroke-width=\"1\"/>\n", x, TY(pts[i].low), x, TY(pts[i].high));
        mg_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"" OI_BLUE "\" stroke=\"#ffffff\" "
                         "stroke-width=\"1.5\"/>\n", x, y);
        mg_svg_number(num, sizeof num, pts[i].value, st->decimals, st->comma);
        text(b, x + 9, y - 8, "start", "font-size=\"13\" font-weight=\"bold\" fill=\"#1a1a1a\" class=\"halo\"", num);
    }
#undef TX
#undef TY
    mg_buf_puts(b, "</svg>\n");
}
