/* hr_audit.c: the audit log page of the dashboard (/hr/audit, admins
 * only): filters by day and action, newest first, a page at a time. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_buf.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_hr_manage.h"
#include "mg_http.h"

#define PER_PAGE 50
#define MAX_PAGE 10000

/* The address of page `page` with the current filters, HTML-escaped. */
static void page_link(struct mg_buf *b, const char *since, const char *action, long page)
{
    mg_buf_puts(b, "/hr/audit?page=");
    mg_buf_printf(b, "%ld", page);
    if (since && *since) {
        mg_buf_puts(b, "&amp;since=");
        mg_buf_html(b, since);
    }
    if (action && *action) {
        mg_buf_puts(b, "&amp;action=");
        mg_buf_html(b, action);
    }
}

enum MHD_Result mg_handle_hr_audit(struct mg_request *req)
{
    const char *since = mg_form_get(&req->query, "since");
    const char *action = mg_form_get(&req->query, "action");
    const char *ps = mg_form_get(&req->query, "page");
    struct mg_hrm_error errs[2];
    int nerr = 0;
    long page = 1;
    cJSON *list = NULL;

    if (ps) {
        char *end;
        page = strtol(ps, &end, 10);
        if (*end || page < 1 || page > MAX_PAGE)
            page = 1;
    }
    if (since && *since && !mg_audit_date_ok(since))
        errs[nerr++] = (struct mg_hrm_error){"a-since", MSG_HRM_E_SINCE};
    if (action && *action && !mg_audit_action_ok(action))
        errs[nerr++] = (struct mg_hrm_error){"a-action", MSG_HRM_E_ACTION};
    if (nerr == 0) {
        struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
        if (!conn)
            return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
        /* One more than a page, to know whether there is an older one. */
        struct mg_audit_query q = {since, action, PER_PAGE + 1, (page - 1) * PER_PAGE};
        list = mg_audit_list(conn, &q);
        mg_db_release(req->srv->db, conn);
        if (!list) {
            /* The shape was a date's; the calendar had no such day. */
            if (since && *since)
                errs[nerr++] = (struct mg_hrm_error){"a-since", MSG_HRM_E_SINCE};
            else
                return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
        }
    }

    struct mg_hrm_page p;
    mg_hrm_page_begin(&p, req);
    /* The language links keep the filters (the shell escapes them). */
    char raw[400];
    snprintf(raw, sizeof raw, "/hr/audit?page=%ld%s%s%s%s", page, since && *since && nerr == 0 ? "&since=" : "",
             since && *since && nerr == 0 ? since : "", action && *action && nerr == 0 ? "&action=" : "",
             action && *action && nerr == 0 ? action : "");
    mg_hrm_page_open(&p, mg_t(p.lang, MSG_HRM_NAV_AUDIT), raw);
    mg_hrm_error_summary(&p, errs, nerr);
    mg_buf_printf(&p.b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", mg_t(p.lang, MSG_HRM_NAV_AUDIT),
                  mg_t(p.lang, MSG_HRM_AUDIT_INTRO));

    /* The filters: a GET form. */
    mg_buf_puts(&p.b, "<form class=\"filters manage\" method=\"get\" action=\"/hr/audit\">");
    const struct {
        const char *id, *name, *value;
        enum mg_msg label, hint;
    } fields[] = {{"a-since", "since", since, MSG_HRM_F_SINCE, MSG_HRM_SINCE_HINT},
                  {"a-action", "action", action, MSG_HRM_F_ACTION, MSG_HRM_ACTION_HINT}};
    for (size_t i = 0; i < 2; i++) {
        bool bad = false;
        for (int e = 0; e < nerr; e++)
            bad |= strcmp(errs[e].field, fields[i].id) == 0;
        mg_buf_printf(&p.b, "<div class=\"field%s\"><label for=\"%s\">%s</label><p class=\"hint\" id=\"%s-hint\">%s</p>",
                      bad ? " has-error" : "", fields[i].id, mg_t(p.lang, fields[i].label), fields[i].id,
                      mg_t(p.lang, fields[i].hint));
        mg_hrm_field_error(&p, errs, nerr, fields[i].id);
        mg_buf_printf(&p.b, "<input id=\"%s\" name=\"%s\" type=\"text\" autocomplete=\"off\" spellcheck=\"false\" "
                            "aria-describedby=\"%s-hint%s%s%s\"%s value=\"",
                      fields[i].id, fields[i].name, fields[i].id, bad ? " " : "", bad ? fields[i].id : "",
                      bad ? "-error" : "", bad ? " aria-invalid=\"true\"" : "");
        mg_buf_html(&p.b, fields[i].value ? fields[i].value : "");
        mg_buf_puts(&p.b, "\"></div>");
    }
    mg_buf_printf(&p.b, "<div><button type=\"submit\">%s</button></div></form>\n", mg_t(p.lang, MSG_HR_SHOW));

    int n = list ? cJSON_GetArraySize(list) : 0;
    bool older = n > PER_PAGE;
    if (n == 0 && nerr == 0)
        mg_buf_printf(&p.b, "<p class=\"no-entries\">%s</p>\n", mg_t(p.lang, MSG_HRM_NO_ENTRIES));
    if (n > 0) {
        mg_buf_printf(&p.b, "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data audit\"><caption>%s</caption>\n"
                            "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HRM_NAV_AUDIT), mg_t(p.lang, MSG_HRM_TIME), mg_t(p.lang, MSG_HRM_ACTOR),
                      mg_t(p.lang, MSG_HRM_ACTION), mg_t(p.lang, MSG_HRM_DETAIL));
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, list) {
            if (i++ >= PER_PAGE)
                break;
            const char *at = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "at"));
            char when[24] = "";
            /* 2027-03-01T08:00:00Z as 2027-03-01 08:00:00 */
            snprintf(when, sizeof when, "%.10s %.8s", at ? at : "", at && strlen(at) > 11 ? at + 11 : "");
            mg_buf_printf(&p.b, "<tr data-id=\"%.0f\"><td>", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "id")));
            mg_buf_html(&p.b, when);
            mg_buf_puts(&p.b, "</td><td>");
            mg_buf_html(&p.b, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "actor")));
            mg_buf_puts(&p.b, "</td><td class=\"action\"><code>");
            mg_buf_html(&p.b, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "action")));
            mg_buf_puts(&p.b, "</code></td><td><code>");
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "detail");
            char *text = cJSON_GetArraySize(d) > 0 ? cJSON_PrintUnformatted(d) : NULL;
            mg_buf_html(&p.b, text ? text : "");
            free(text);
            mg_buf_puts(&p.b, "</code></td></tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
    }
    if (page > 1 || older) {
        mg_buf_printf(&p.b, "<nav class=\"pages\" aria-label=\"%s\"><ul>", mg_t(p.lang, MSG_HRM_PAGES));
        if (page > 1) {
            mg_buf_puts(&p.b, "<li><a rel=\"prev\" href=\"");
            page_link(&p.b, since, action, page - 1);
            mg_buf_printf(&p.b, "\">%s</a></li>", mg_t(p.lang, MSG_HRM_NEWER));
        }
        if (older) {
            mg_buf_puts(&p.b, "<li><a rel=\"next\" href=\"");
            page_link(&p.b, since, action, page + 1);
            mg_buf_printf(&p.b, "\">%s</a></li>", mg_t(p.lang, MSG_HRM_OLDER));
        }
        mg_buf_puts(&p.b, "</ul></nav>\n");
    }
    cJSON_Delete(list);
    return mg_hrm_page_send(&p, nerr ? 400 : 200);
}
