/* hr_report.c: the printable annual report of a round
 * (GET /hr/rounds/{id}/report): a title page, a summary of the
 * organisation, then one page per administration (the round unit's
 * direct children). Every figure comes from mg_indicators, so hidden
 * cells stay hidden; charts from mg_svg. The print stylesheet
 * (web/css/report.css) starts each part on a new A4 page and lets it
 * flow onto the next. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_clock.h"
#include "mg_dashboard.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_hr.h"
#include "mg_http.h"
#include "mg_indicators.h"
#include "mg_page.h"
#include "mg_rounds.h"
#include "mg_svg.h"

struct report {
    struct mg_buf b;
    enum mg_lang lang;
    int k;
    const cJSON *areas, *labels, *levels;
    bool open; /* figures of an open round wait for its close */
};

static const cJSON *get(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static bool is_hidden(const cJSON *v) { return cJSON_IsObject(v) && cJSON_IsTrue(get(v, "suppressed")); }

static bool is_few(const cJSON *v)
{
    const char *r = cJSON_GetStringValue(get(v, "reason"));
    return r && strcmp(r, "fewer_than_k") == 0;
}

static bool comma(enum mg_lang lang) { return lang != MG_LANG_EN; }

static void put_num(struct report *r, double v, int decimals)
{
    char s[48];
    mg_svg_number(s, sizeof s, v, decimals, comma(r->lang));
    mg_buf_puts(&r->b, s);
}

static void put_pct(struct report *r, double share)
{
    put_num(r, share * 100, 0);
    mg_buf_puts(&r->b, comma(r->lang) ? "\xc2\xa0%" : "%");
}

static bool ci_of(const cJSON *o, double *low, double *high)
{
    const cJSON *ci = get(o, "ci95");
    if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2)
        return false;
    *low = cJSON_GetArrayItem(ci, 0)->valuedouble;
    *high = cJSON_GetArrayItem(ci, 1)->valuedouble;
    return true;
}

static void put_ci(struct report *r, const cJSON *o)
{
    double lo, hi;
    if (!ci_of(o, &lo, &hi)) {
        mg_buf_puts(&r->b, "–");
        return;
    }
    put_num(r, lo, 1);
    mg_buf_puts(&r->b, " – ");
    put_num(r, hi, 1);
}

static bool is_pending(const cJSON *v)
{
    const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "reason"));
    return why && strcmp(why, "round_open") == 0;
}

static void hidden_note(struct report *r, char *out, size_t outlen, const cJSON *v)
{
    if (is_few(v))
        snprintf(out, outlen, mg_t(r->lang, MSG_HR_HIDDEN_FEW), r->k);
    else
        snprintf(out, outlen, "%s", mg_t(r->lang, is_pending(v) ? MSG_HR_HIDDEN_OPEN : MSG_HR_HIDDEN_COMPL));
}

static void put_hidden(struct report *r, const cJSON *v)
{
    char note[160];
    hidden_note(r, note, sizeof note, v);
    mg_buf_printf(&r->b, "<span class=\"suppressed\" data-reason=\"%s\">",
                  is_few(v) ? "fewer_than_k" : is_pending(v) ? "round_open" : "complementary");
    mg_buf_html(&r->b, note);
    mg_buf_puts(&r->b, "</span>");
}

static const char *area_label(const struct report *r, const char *key)
{
    if (!key)
        return mg_t(r->lang, MSG_INDEX);
    const char *s = cJSON_GetStringValue(get(get(r->labels, "areas"), key));
    return s ? s : key;
}

/* The key figures of a cell: responses of invited, index with CI. */
static void key_figures(struct report *r, const cJSON *cell)
{
    const cJSON *resp = get(cell, "responded"), *index = get(cell, "index");
    mg_buf_puts(&r->b, "<ul class=\"figures\">\n<li data-figure=\"responded\">");
    mg_buf_html(&r->b, mg_t(r->lang, MSG_HR_RESPONDED));
    mg_buf_puts(&r->b, " <strong>");
    if (is_hidden(resp)) {
        put_hidden(r, resp);
    } else {
        char a[32], b[32], c[32];
        mg_svg_number(a, sizeof a, num(cell, "responded"), 0, comma(r->lang));
        mg_svg_number(b, sizeof b, num(cell, "invited"), 0, comma(r->lang));
        if (cJSON_IsNumber(get(cell, "response_rate")))
            snprintf(c, sizeof c, "%.0f%s", 100 * num(cell, "response_rate"), comma(r->lang) ? "\xc2\xa0%" : "%");
        else
            snprintf(c, sizeof c, "–");
        mg_buf_printf(&r->b, mg_t(r->lang, MSG_HRX_RESPONSES_OF), a, b, c);
    }
    mg_buf_puts(&r->b, "</strong></li>\n<li data-figure=\"index\">");
    mg_buf_html(&r->b, mg_t(r->lang, MSG_INDEX));
    mg_buf_puts(&r->b, " <strong>");
    if (is_hidden(index)) {
        put_hidden(r, index);
        mg_buf_puts(&r->b, "</strong>");
    } else if (cJSON_IsNumber(get(index, "mean"))) {
        put_num(r, num(index, "mean"), 1);
        mg_buf_printf(&r->b, "</strong> <span>%s: ", mg_t(r->lang, MSG_HR_CI));
        put_ci(r, index);
        mg_buf_puts(&r->b, "</span>");
    } else {
        mg_buf_puts(&r->b, "–</strong>");
    }
    mg_buf_puts(&r->b, "</li>\n</ul>\n");
}

/* Change since the previous round, for the index. */
static void change_line(struct report *r, const cJSON *cell)
{
    const cJSON *change = get(cell, "change");
    mg_buf_printf(&r->b, "<p class=\"change\"><strong>%s:</strong> ", mg_t(r->lang, MSG_HR_CHANGE));
    if (!cJSON_IsObject(change)) {
        mg_buf_html(&r->b, mg_t(r->lang, MSG_HR_NO_PREVIOUS));
    } else {
        const cJSON *ci = get(change, "index");
        if (is_hidden(ci)) {
            put_hidden(r, ci);
        } else if (!cJSON_IsNumber(get(ci, "difference"))) {
            mg_buf_html(&r->b, mg_t(r->lang, MSG_HR_NOT_AVAILABLE));
        } else {
            double d = num(ci, "difference"), p = num(ci, "p");
            if (d > 0)
                mg_buf_puts(&r->b, "+");
            put_num(r, d, 1);
            mg_buf_printf(&r->b, " (%s: ", mg_t(r->lang, MSG_HR_CI));
            put_ci(r, ci);
            mg_buf_printf(&r->b, "; %s: %s)", mg_t(r->lang, MSG_HR_SIGNIFICANT),
                          mg_t(r->lang, !isnan(p) && p < 0.05 ? MSG_HR_YES : MSG_HR_NO));
        }
    }
    mg_buf_puts(&r->b, "</p>\n");
}

/* The interval chart of the index and the areas. */
static void means_chart(struct report *r, const char *id, const cJSON *cell)
{
    size_t n = (size_t)cJSON_GetArraySize(r->areas) + 1;
    struct mg_svg_interval *rows = calloc(n, sizeof *rows);
    char (*notes)[160] = calloc(n, sizeof *notes);
    if (rows && notes) {
        for (size_t i = 0; i < n; i++) {
            const char *key = i == 0 ? NULL : cJSON_GetStringValue(get(cJSON_GetArrayItem(r->areas, (int)i - 1), "key"));
            const cJSON *v = i == 0 ? get(cell, "index") : get(get(cell, "areas"), key);
            rows[i].label = area_label(r, key);
            if (is_hidden(v)) {
                hidden_note(r, notes[i], sizeof notes[i], v);
                rows[i].note = notes[i];
            } else if (!cJSON_IsNumber(get(v, "mean"))) {
                snprintf(notes[i], sizeof notes[i], "%s", mg_t(r->lang, MSG_HR_NOT_AVAILABLE));
                rows[i].note = notes[i];
            } else {
                rows[i].shown = true;
                rows[i].value = num(v, "mean");
                rows[i].has_ci = ci_of(v, &rows[i].low, &rows[i].high);
            }
        }
        const struct mg_svg_style st = {comma(r->lang), 1};
        mg_buf_printf(&r->b, "<h3>%s</h3>\n", mg_t(r->lang, MSG_HR_AREA_MEANS));
        mg_svg_interval_chart(&r->b, id, mg_t(r->lang, MSG_HR_AREA_MEANS), mg_t(r->lang, MSG_HR_AREA_MEANS_DESC), rows, n,
                              0, 100, &st);
    }
    free(rows);
    free(notes);
}

/* The staircase: the share at each level, for the index and each area. */
static void staircase(struct report *r, const char *id, const cJSON *cell)
{
    size_t n = (size_t)cJSON_GetArraySize(r->areas) + 1, nparts = 0;
    const char *parts[MG_SVG_MAX_PARTS];
    const cJSON *lv;
    cJSON_ArrayForEach(lv, r->levels) {
        if (nparts < MG_SVG_MAX_PARTS) {
            const char *key = cJSON_GetStringValue(lv);
            const char *name = cJSON_GetStringValue(get(get(r->labels, "levels"), key));
            parts[nparts++] = name ? name : key;
        }
    }
    struct mg_svg_stack *rows = calloc(n, sizeof *rows);
    char (*notes)[160] = calloc(n, sizeof *notes);
    if (rows && notes) {
        for (size_t i = 0; i < n; i++) {
            const char *key = i == 0 ? NULL : cJSON_GetStringValue(get(cJSON_GetArrayItem(r->areas, (int)i - 1), "key"));
            const cJSON *v = i == 0 ? get(cell, "index") : get(get(cell, "areas"), key);
            rows[i].label = area_label(r, key);
            if (is_hidden(v))
                hidden_note(r, notes[i], sizeof notes[i], v);
            else
                snprintf(notes[i], sizeof notes[i], "%s", mg_t(r->lang, MSG_HR_NOT_AVAILABLE));
            rows[i].note = notes[i];
            rows[i].shown = !is_hidden(v) && cJSON_IsObject(get(v, "levels"));
            size_t li = 0;
            cJSON_ArrayForEach(lv, r->levels) {
                if (li < MG_SVG_MAX_PARTS)
                    rows[i].share[li++] = num(get(v, "levels"), cJSON_GetStringValue(lv));
            }
        }
        const struct mg_svg_style st = {comma(r->lang), 0};
        mg_buf_printf(&r->b, "<h3>%s</h3>\n", mg_t(r->lang, MSG_HR_DISTRIBUTION));
        mg_svg_stacked_chart(&r->b, id, mg_t(r->lang, MSG_HR_DISTRIBUTION), mg_t(r->lang, MSG_HR_DISTRIBUTION_DESC), parts,
                             nparts, rows, n, &st);
    }
    free(rows);
    free(notes);
}

struct ranked {
    const char *key;
    double v;
    const cJSON *cell;
};

static int by_abs_desc(const void *a, const void *b)
{
    double x = fabs(((const struct ranked *)a)->v), y = fabs(((const struct ranked *)b)->v);
    return x < y ? 1 : x > y ? -1 : 0;
}

static int by_value(const void *a, const void *b)
{
    double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The three largest manager-staff gaps and the three weakest areas; what
 * is hidden is left out and said so. */
static void gaps_and_weakest(struct report *r, const cJSON *cell)
{
    size_t na = (size_t)cJSON_GetArraySize(r->areas);
    struct ranked *g = calloc(na ? na : 1, sizeof *g), *w = calloc(na ? na : 1, sizeof *w);
    size_t ng = 0, nw = 0, hidden = 0;
    const cJSON *a;
    if (!g || !w)
        goto done;
    cJSON_ArrayForEach(a, r->areas) {
        const char *key = cJSON_GetStringValue(get(a, "key"));
        const cJSON *gv = get(get(get(cell, "gap"), "areas"), key);
        const cJSON *mv = get(get(cell, "areas"), key);
        if (is_hidden(gv) || is_hidden(mv))
            hidden++;
        if (!is_hidden(gv) && cJSON_IsNumber(get(gv, "difference")))
            g[ng++] = (struct ranked){key, num(gv, "difference"), gv};
        if (!is_hidden(mv) && cJSON_IsNumber(get(mv, "mean")))
            w[nw++] = (struct ranked){key, num(mv, "mean"), mv};
    }
    qsort(g, ng, sizeof *g, by_abs_desc);
    qsort(w, nw, sizeof *w, by_value);

    mg_buf_puts(&r->b, "<div class=\"pair\">\n<div>\n");
    mg_buf_printf(&r->b, "<h3>%s</h3>\n", mg_t(r->lang, MSG_HRX_LARGEST_GAPS));
    if (ng == 0) {
        mg_buf_printf(&r->b, "<p>%s</p>\n", mg_t(r->lang, MSG_HRX_NONE_SHOWN));
    } else {
        mg_buf_printf(&r->b, "<table class=\"data gaps\"><caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                             "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(r->lang, MSG_HRX_LARGEST_GAPS_DESC), mg_t(r->lang, MSG_AREA), mg_t(r->lang, MSG_HR_DIFFERENCE),
                      mg_t(r->lang, MSG_HR_CI));
        for (size_t i = 0; i < ng && i < 3; i++) {
            mg_buf_puts(&r->b, "<tr><th scope=\"row\">");
            mg_buf_html(&r->b, area_label(r, g[i].key));
            mg_buf_puts(&r->b, "</th><td class=\"num\">");
            put_num(r, g[i].v, 1);
            mg_buf_puts(&r->b, "</td><td class=\"num\">");
            put_ci(r, g[i].cell);
            mg_buf_puts(&r->b, "</td></tr>\n");
        }
        mg_buf_puts(&r->b, "</tbody></table>\n");
    }
    mg_buf_printf(&r->b, "</div>\n<div>\n<h3>%s</h3>\n", mg_t(r->lang, MSG_HRX_WEAKEST));
    if (nw == 0) {
        mg_buf_printf(&r->b, "<p>%s</p>\n", mg_t(r->lang, MSG_HRX_NONE_SHOWN));
    } else {
        mg_buf_printf(&r->b, "<table class=\"data weakest\"><caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                             "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(r->lang, MSG_HRX_WEAKEST_DESC), mg_t(r->lang, MSG_AREA), mg_t(r->lang, MSG_HR_MEAN),
                      mg_t(r->lang, MSG_HR_CI));
        for (size_t i = 0; i < nw && i < 3; i++) {
            mg_buf_puts(&r->b, "<tr><th scope=\"row\">");
            mg_buf_html(&r->b, area_label(r, w[i].key));
            mg_buf_puts(&r->b, "</th><td class=\"num\">");
            put_num(r, w[i].v, 1);
            mg_buf_puts(&r->b, "</td><td class=\"num\">");
            put_ci(r, w[i].cell);
            mg_buf_puts(&r->b, "</td></tr>\n");
        }
        mg_buf_puts(&r->b, "</tbody></table>\n");
    }
    mg_buf_puts(&r->b, "</div>\n</div>\n");
done:
    free(g);
    free(w);
}

static void hidden_footnote(struct report *r)
{
    char s[600];
    /* It quotes both ways a hidden value reads on the pages, word for word. */
    snprintf(s, sizeof s, mg_t(r->lang, MSG_HRX_HIDDEN_EXPLAINED), r->k, r->k);
    mg_buf_puts(&r->b, "<p class=\"footnote\">");
    mg_buf_html(&r->b, s);
    if (r->open) {
        mg_buf_puts(&r->b, " ");
        mg_buf_html(&r->b, mg_t(r->lang, MSG_HRX_OPEN_EXPLAINED));
    }
    mg_buf_puts(&r->b, "</p>\n");
}

/* The trend of `code` over the series up to this round. */
static void trend(struct report *r, struct mg_db_conn *conn, int64_t series, int64_t round_id, const char *code,
                  const char *id, const char *title)
{
    mg_buf_printf(&r->b, "<h3>%s</h3>\n", mg_t(r->lang, MSG_HR_TREND));
    if (series <= 0) {
        mg_buf_printf(&r->b, "<p>%s</p>\n", mg_t(r->lang, MSG_HRX_NO_SERIES));
        return;
    }
    struct mg_ind_query q = {code, MG_PRIV_ALL, 0, 0};
    cJSON *body = NULL;
    char msg[128];
    if (mg_indicators_trend(conn, series, &q, &body, msg, sizeof msg) != MG_OK) {
        mg_buf_printf(&r->b, "<p>%s</p>\n", mg_t(r->lang, MSG_HR_NOT_AVAILABLE));
        return;
    }
    const cJSON *list = get(body, "rounds");
    size_t n = (size_t)cJSON_GetArraySize(list), m = 0;
    struct mg_svg_interval *pts = calloc(n ? n : 1, sizeof *pts);
    char (*notes)[160] = calloc(n ? n : 1, sizeof *notes);
    const cJSON *e;
    cJSON_ArrayForEach(e, list) {
        if (!pts || !notes)
            break;
        const cJSON *rd = get(e, "round"), *v = get(get(e, "indicators"), "index");
        pts[m].label = cJSON_GetStringValue(get(rd, "name"));
        if (is_hidden(v)) {
            hidden_note(r, notes[m], sizeof notes[m], v);
            pts[m].note = notes[m];
        } else if (!cJSON_IsNumber(get(v, "mean"))) {
            snprintf(notes[m], sizeof notes[m], "%s", mg_t(r->lang, MSG_HR_NOT_AVAILABLE));
            pts[m].note = notes[m];
        } else {
            pts[m].shown = true;
            pts[m].value = num(v, "mean");
            pts[m].has_ci = ci_of(v, &pts[m].low, &pts[m].high);
        }
        m++;
        /* The report looks back from this round, not beyond it. */
        if ((int64_t)num(rd, "id") == round_id)
            break;
    }
    if (pts && notes && m > 0) {
        const struct mg_svg_style st = {comma(r->lang), 1};
        mg_svg_trend_chart(&r->b, id, title, mg_t(r->lang, MSG_HR_TREND_DESC), pts, m, 0, 100, &st);
    }
    free(pts);
    free(notes);
    cJSON_Delete(body);
}

static void put_date(struct mg_buf *b, const char *iso)
{
    char d[11] = "";
    if (iso)
        snprintf(d, sizeof d, "%.10s", iso);
    mg_buf_html(b, d);
}

enum MHD_Result mg_handle_hr_report(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    bool remember;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    if (!id)
        return mg_hr_notice(req, 404, lang, MSG_HR_NOT_FOUND_TITLE, mg_t(lang, MSG_HR_NOT_FOUND_TEXT));
    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    enum mg_error err = MG_OK;
    cJSON *round = mg_hr_round_get(req, &conn, id, &err), *ind = NULL, *labels = NULL;
    if (!conn)
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    char msg[128];
    if (round) {
        struct mg_ind_query q = {NULL, MG_PRIV_ALL, 1, 0};
        err = mg_indicators_round(conn, id, &q, &ind, msg, sizeof msg);
    }
    if (err == MG_OK && !(labels = mg_dashboard_labels(conn, id, mg_lang_code(lang))))
        err = MG_ERR_UNAVAILABLE;
    if (err != MG_OK) {
        mg_db_release(req->srv->db, conn);
        cJSON_Delete(round);
        cJSON_Delete(ind);
        if (err == MG_ERR_NOT_FOUND)
            return mg_hr_notice(req, 404, lang, MSG_HR_NOT_FOUND_TITLE, mg_t(lang, MSG_HR_NOT_FOUND_TEXT));
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    }

    const char *state = cJSON_GetStringValue(get(get(ind, "round"), "state"));
    struct report r = {{0}, lang, (int)num(get(ind, "round"), "k"), get(ind, "areas"), labels, get(ind, "levels"),
                       !state || strcmp(state, "closed") != 0};
    const cJSON *units = get(ind, "units"), *top = cJSON_GetArrayItem(units, 0);
    const char *rname = cJSON_GetStringValue(get(round, "name"));
    const char *oname = cJSON_GetStringValue(get(top, "name"));
    int64_t series = cJSON_IsNumber(get(round, "series")) ? (int64_t)num(round, "series") : 0;
    char self[96], title[512], today[40], s[600];
    snprintf(self, sizeof self, "/hr/rounds/%lld/report", (long long)id);
    snprintf(title, sizeof title, "%s – %s", mg_t(lang, MSG_HRX_REPORT_TITLE), rname ? rname : "");
    mg_clock_now(today, sizeof today);

    mg_hr_page_open(&r.b, req, lang, title, self, "/static/css/report.css");
    mg_buf_printf(&r.b, "<p class=\"no-print print-hint\">%s</p>\n", mg_t(lang, MSG_HRX_PRINT_HINT));

    /* The title page. */
    mg_buf_puts(&r.b, "<article class=\"report\">\n<section class=\"sheet title-page\" data-sheet=\"title\">\n<h1>");
    mg_buf_html(&r.b, mg_t(lang, MSG_HRX_REPORT_TITLE));
    mg_buf_puts(&r.b, "</h1>\n<p class=\"round-name\">");
    mg_buf_html(&r.b, rname ? rname : "");
    mg_buf_printf(&r.b, "</p>\n<dl class=\"facts\">\n<dt>%s</dt><dd>", mg_t(lang, MSG_HRX_ORGANISATION));
    mg_buf_html(&r.b, oname ? oname : "");
    mg_buf_printf(&r.b, "</dd>\n<dt>%s</dt><dd>", mg_t(lang, MSG_HRX_PERIOD));
    put_date(&r.b, cJSON_GetStringValue(get(round, "opens_at")));
    mg_buf_puts(&r.b, " – ");
    put_date(&r.b, cJSON_GetStringValue(get(round, "closes_at")));
    mg_buf_printf(&r.b, "</dd>\n<dt>%s</dt><dd>", mg_t(lang, MSG_HRX_REPORT_DATE));
    put_date(&r.b, today);
    mg_buf_printf(&r.b, "</dd>\n</dl>\n<h2>%s</h2>\n<ol class=\"contents\">\n<li>", mg_t(lang, MSG_HRX_CONTENTS));
    snprintf(s, sizeof s, mg_t(lang, MSG_HRX_SUMMARY), oname ? oname : "");
    mg_buf_html(&r.b, s);
    mg_buf_puts(&r.b, "</li>\n");
    const cJSON *u;
    int i = 0;
    cJSON_ArrayForEach(u, units) {
        if (i++ == 0)
            continue;
        mg_buf_puts(&r.b, "<li>");
        mg_buf_html(&r.b, cJSON_GetStringValue(get(u, "name")));
        mg_buf_puts(&r.b, "</li>\n");
    }
    mg_buf_puts(&r.b, "</ol>\n");
    hidden_footnote(&r);
    mg_buf_puts(&r.b, "</section>\n");

    /* The organisation. */
    const cJSON *cell = get(top, "subtree");
    mg_buf_puts(&r.b, "<section class=\"sheet summary\" data-sheet=\"summary\">\n<h2>");
    mg_buf_html(&r.b, s);
    mg_buf_puts(&r.b, "</h2>\n");
    key_figures(&r, cell);
    change_line(&r, cell);
    means_chart(&r, "org-means", cell);
    if (cJSON_GetArraySize(units) > 1) {
        mg_buf_printf(&r.b, "<table class=\"data admins\"><caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                            "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                            "<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(lang, MSG_HRX_ADMINISTRATIONS), mg_t(lang, MSG_HR_UNIT), mg_t(lang, MSG_HR_RESPONDED),
                      mg_t(lang, MSG_HR_RATE), mg_t(lang, MSG_INDEX));
        i = 0;
        cJSON_ArrayForEach(u, units) {
            if (i++ == 0)
                continue;
            const cJSON *c = get(u, "subtree"), *resp = get(c, "responded"), *rate = get(c, "response_rate"),
                        *index = get(c, "index");
            mg_buf_puts(&r.b, "<tr><th scope=\"row\">");
            mg_buf_html(&r.b, cJSON_GetStringValue(get(u, "name")));
            mg_buf_puts(&r.b, "</th><td class=\"num\">");
            if (is_hidden(resp))
                put_hidden(&r, resp);
            else
                put_num(&r, num(c, "responded"), 0);
            mg_buf_puts(&r.b, "</td><td class=\"num\">");
            if (is_hidden(rate))
                put_hidden(&r, rate);
            else if (cJSON_IsNumber(rate))
                put_pct(&r, rate->valuedouble);
            else
                mg_buf_puts(&r.b, "–");
            mg_buf_puts(&r.b, "</td><td class=\"num\">");
            if (is_hidden(index))
                put_hidden(&r, index);
            else if (cJSON_IsNumber(get(index, "mean")))
                put_num(&r, num(index, "mean"), 1);
            else
                mg_buf_puts(&r.b, "–");
            mg_buf_puts(&r.b, "</td></tr>\n");
        }
        mg_buf_puts(&r.b, "</tbody></table>\n");
    }
    hidden_footnote(&r);
    mg_buf_puts(&r.b, "</section>\n");

    /* One page per administration. */
    i = 0;
    cJSON_ArrayForEach(u, units) {
        if (i++ == 0)
            continue;
        const char *code = cJSON_GetStringValue(get(u, "code"));
        const char *name = cJSON_GetStringValue(get(u, "name"));
        char cid[96], ttl[400];
        mg_buf_puts(&r.b, "<section class=\"sheet administration\" data-sheet=\"");
        mg_buf_html(&r.b, code);
        mg_buf_puts(&r.b, "\">\n<h2>");
        mg_buf_html(&r.b, name);
        mg_buf_puts(&r.b, "</h2>\n");
        const cJSON *c = get(u, "subtree");
        key_figures(&r, c);
        change_line(&r, c);
        snprintf(cid, sizeof cid, "trend-%d", i);
        snprintf(ttl, sizeof ttl, mg_t(lang, MSG_HR_SERIES_TREND), name ? name : "");
        trend(&r, conn, series, id, code, cid, ttl);
        snprintf(cid, sizeof cid, "levels-%d", i);
        staircase(&r, cid, c);
        gaps_and_weakest(&r, c);
        hidden_footnote(&r);
        mg_buf_puts(&r.b, "</section>\n");
    }
    mg_buf_puts(&r.b, "</article>\n");
    mg_db_release(req->srv->db, conn);
    cJSON_Delete(round);
    cJSON_Delete(ind);
    cJSON_Delete(labels);
    mg_page_close(&r.b, lang);
    return mg_page_reply(req, 200, &r.b, lang, remember, NULL);
}
