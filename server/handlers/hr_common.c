/* hr_common.c: the page shell, replica-aware round lookups and download
 * links shared by the dashboard's pages (mg_hr.h). */
#include "mg_hr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_auth.h"
#include "mg_buf.h"
#include "mg_db.h"
#include "mg_http.h"
#include "mg_page.h"
#include "mg_rounds.h"

bool mg_hr_ask_primary(struct mg_request *req, struct mg_db_conn *conn, enum mg_error err)
{
    if (err != MG_ERR_NOT_FOUND || !conn || !mg_db_conn_replica(conn))
        return false;
    mg_db_release(req->srv->db, conn);
    return true;
}

struct cJSON *mg_hr_round_get(struct mg_request *req, struct mg_db_conn **conn, int64_t id, enum mg_error *err)
{
    struct cJSON *round = mg_round_get(*conn, id, err);
    if (round || !mg_hr_ask_primary(req, *conn, *err))
        return round;
    if (!(*conn = mg_db_acquire(req->srv->db))) {
        *err = MG_ERR_UNAVAILABLE;
        return NULL;
    }
    return mg_round_get(*conn, id, err);
}

const char *mg_hr_home(const struct mg_user *user)
{
    return user->role == MG_ROLE_REGISTRAR ? "/hr/paper" : "/hr";
}

void mg_hr_userbar(struct mg_buf *h, const struct mg_request *req, enum mg_lang lang)
{
    char who[200];
    enum mg_role role = req->user.role;
    snprintf(who, sizeof who, mg_t(lang, MSG_HR_LOGGED_IN_AS), req->user.login);
    /* The registrar's one page is the list of rounds to type into. */
    mg_buf_printf(h, "<div class=\"userbar\"><a href=\"%s\">", mg_hr_home(&req->user));
    mg_buf_html(h, mg_t(lang, role == MG_ROLE_REGISTRAR ? MSG_HRX_PAPER_ROUNDS : MSG_HR_BACK_TO_ROUNDS));
    mg_buf_puts(h, "</a>");
    /* Round management and the audit log (handlers/hr_manage.c, hr_audit.c). */
    if (role >= MG_ROLE_ANALYST)
        mg_buf_printf(h, "<a href=\"/hr/manage\">%s</a>", mg_t(lang, MSG_HRM_NAV_MANAGE));
    if (role >= MG_ROLE_ADMIN)
        mg_buf_printf(h, "<a href=\"/hr/audit\">%s</a>", mg_t(lang, MSG_HRM_NAV_AUDIT));
    mg_buf_puts(h, "<span>");
    mg_buf_html(h, who);
    mg_buf_puts(h, "</span><form method=\"post\" action=\"/hr/logout\">"
                   "<input type=\"hidden\" name=\"csrf\" value=\"");
    mg_buf_html(h, req->user.csrf.text);
    mg_buf_puts(h, "\"><button type=\"submit\">");
    mg_buf_html(h, mg_t(lang, MSG_HR_LOGOUT));
    mg_buf_puts(h, "</button></form></div>");
}

void mg_hr_page_open(struct mg_buf *b, struct mg_request *req, enum mg_lang lang, const char *title,
                     const char *self, const char *stylesheet)
{
    struct mg_buf h = {0};
    struct mg_page_opts o = {stylesheet ? stylesheet : "/static/css/dashboard.css", NULL, true, true};
    if (req->has_user) {
        mg_hr_userbar(&h, req, lang);
        o.header_html = h.data;
    }
    mg_page_open_with(b, lang, title, self, &o);
    mg_buf_free(&h);
}

enum MHD_Result mg_hr_notice(struct mg_request *req, unsigned int status, enum mg_lang lang, enum mg_msg title,
                             const char *text)
{
    struct mg_buf b = {0};
    /* The language links go to /hr: the path may name what this user
     * must not learn anything about. */
    mg_hr_page_open(&b, req, lang, mg_t(lang, title), "/hr", NULL);
    mg_buf_puts(&b, "<h1>");
    mg_buf_html(&b, mg_t(lang, title));
    mg_buf_puts(&b, "</h1>\n<p>");
    mg_buf_html(&b, text);
    bool registrar = req->has_user && req->user.role == MG_ROLE_REGISTRAR;
    mg_buf_printf(&b, "</p>\n<p><a href=\"%s\">", registrar ? "/hr/paper" : "/hr");
    mg_buf_html(&b, mg_t(lang, registrar ? MSG_HRX_PAPER_ROUNDS : MSG_HR_BACK_TO_ROUNDS));
    mg_buf_puts(&b, "</a></p>\n");
    mg_page_close(&b, lang);
    return mg_page_reply(req, status, &b, lang, false, NULL);
}

static void put_link(struct mg_buf *b, const char *href_fmt_done, enum mg_lang lang, enum mg_msg label,
                 const char *kind)
{
    mg_buf_printf(b, "<li><a href=\"%s\" data-download=\"%s\">%s</a></li>\n", href_fmt_done, kind,
                  mg_t(lang, label));
}

void mg_hr_download_links(struct mg_buf *b, enum mg_lang lang, int64_t round, const char *unit, const char *role,
                          bool admin, const int64_t *blank, bool closed, int k)
{
    static const struct {
        const char *format;
        enum mg_msg label;
    } ind[] = {{"csv", MSG_HRX_CSV}, {"csv-excel", MSG_HRX_CSV_EXCEL}, {"xlsx", MSG_HRX_XLSX}, {"json", MSG_HRX_JSON}};
    static const struct {
        const char *format;
        enum mg_msg label;
    } md[] = {{"csv", MSG_HRX_MD_CSV}, {"codebook", MSG_HRX_MD_CODEBOOK}, {"sav", MSG_HRX_MD_SAV}};
    struct mg_buf u = {0};
    char href[400], s[600];
    const char *lc = mg_lang_code(lang);

    /* Unit codes are [A-Za-z0-9_.-]: safe in a query as they are. */
    if (unit) {
        mg_buf_puts(&u, "&amp;unit=");
        mg_buf_html(&u, unit);
    }
    mg_buf_printf(b, "<section class=\"downloads\" aria-labelledby=\"downloads-h\">\n<h2 id=\"downloads-h\">%s</h2>\n"
                     "<p>%s %s</p>\n<ul class=\"download-list\">\n",
                  mg_t(lang, MSG_HRX_DOWNLOADS), mg_t(lang, MSG_HRX_DOWNLOADS_INTRO), mg_t(lang, MSG_HRX_LOGGED));
    for (size_t i = 0; i < sizeof ind / sizeof ind[0]; i++) {
        snprintf(href, sizeof href, "/hr/rounds/%lld/export?format=%s&amp;role=%s&amp;lang=%s%s", (long long)round,
                 ind[i].format, role, lc, u.data ? u.data : "");
        put_link(b, href, lang, ind[i].label, ind[i].format);
    }
    mg_buf_puts(b, "</ul>\n");
    if (admin && !closed) {
        /* Microdata, like every figure of what people answered, come once
         * the round has closed (docs/privacy.md). */
        mg_buf_printf(b, "<h3>%s</h3>\n<p>", mg_t(lang, MSG_HRX_MICRODATA));
        mg_buf_html(b, mg_t(lang, MSG_HRX_MICRODATA_LATER));
        mg_buf_puts(b, "</p>\n");
    } else if (admin) {
        snprintf(s, sizeof s, mg_t(lang, MSG_HRX_MICRODATA_INTRO), k);
        mg_buf_printf(b, "<h3>%s</h3>\n<p>", mg_t(lang, MSG_HRX_MICRODATA));
        mg_buf_html(b, s);
        mg_buf_puts(b, "</p>\n<ul class=\"download-list\">\n");
        for (size_t i = 0; i < sizeof md / sizeof md[0]; i++) {
            char kind[32];
            snprintf(href, sizeof href, "/hr/rounds/%lld/microdata?format=%s&amp;lang=%s", (long long)round,
                     md[i].format, lc);
            snprintf(kind, sizeof kind, "microdata-%s", md[i].format);
            put_link(b, href, lang, md[i].label, kind);
        }
        mg_buf_puts(b, "</ul>\n");
    }
    if (blank) {
        mg_buf_printf(b, "<h3>%s</h3>\n<ul class=\"download-list\">\n", mg_t(lang, MSG_HRX_MORE));
        snprintf(href, sizeof href, "/hr/rounds/%lld/report?lang=%s", (long long)round, lc);
        mg_buf_printf(b, "<li><a href=\"%s\" id=\"report-link\">%s</a></li>\n", href, mg_t(lang, MSG_HRX_REPORT_LINK));
        /* Analysts print the blank questionnaires; a registrar, who sees
         * no figures, types the filled-in ones in (docs/privacy.md). */
        for (int i = 0; i < 2; i++) {
            const char *who = i == 0 ? "staff" : "manager";
            if (!blank[i])
                continue;
            snprintf(s, sizeof s, mg_t(lang, MSG_HRX_BLANK_LINK),
                     mg_t(lang, i == 0 ? MSG_HR_ROLE_STAFF : MSG_HR_ROLE_MANAGER));
            mg_buf_printf(b, "<li><a href=\"/hr/surveys/%lld/paper?lang=%s\" data-blank=\"%s\">", (long long)blank[i],
                          lc, who);
            mg_buf_html(b, s);
            mg_buf_puts(b, "</a></li>\n");
        }
        mg_buf_printf(b, "</ul>\n<p id=\"paper-note\">%s</p>\n", mg_t(lang, MSG_HRX_PAPER_REGISTRAR));
    }
    mg_buf_puts(b, "</section>\n");
    mg_buf_free(&u);
}

enum mg_msg mg_hr_mode_msg(const char *mode)
{
    if (mode && strcmp(mode, "anonymous") == 0)
        return MSG_HR_MODE_ANONYMOUS;
    if (mode && strcmp(mode, "open") == 0)
        return MSG_HR_MODE_OPEN;
    return MSG_HR_MODE_PSEUDONYMOUS;
}

enum mg_msg mg_hr_state_msg(const char *state)
{
    if (state && strcmp(state, "open") == 0)
        return MSG_HR_STATE_OPEN;
    if (state && strcmp(state, "closed") == 0)
        return MSG_HR_STATE_CLOSED;
    return MSG_HR_STATE_SCHEDULED;
}

void mg_hr_put_date(struct mg_buf *b, const char *iso)
{
    char d[11] = "";
    if (iso)
        snprintf(d, sizeof d, "%s", iso);
    mg_buf_html(b, d);
}
