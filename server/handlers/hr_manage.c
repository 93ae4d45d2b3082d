/* hr_manage.c: the dashboard's round management (/hr/manage...): create
 * rounds and series, open and close rounds, a round's invitation and
 * response counts, its unit links, and links or reminders from an uploaded
 * HR register. The checks are those of the API and the command line
 * (mg_round_create, mg_series_create, mg_invite_run...): this file maps
 * their answers onto form fields. The register is read from memory, never
 * stored and never logged. */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_auth.h"
#include "mg_buf.h"
#include "mg_config.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_hr_manage.h"
#include "mg_http.h"
#include "mg_hr.h"
#include "mg_i18n.h"
#include "mg_indicators.h"
#include "mg_invite.h"
#include "mg_page.h"
#include "mg_rounds.h"
#include "mg_units.h"

/* ---- the shell ---------------------------------------------------------- */

void mg_hrm_page_begin(struct mg_hrm_page *p, struct mg_request *req)
{
    memset(p, 0, sizeof *p);
    p->req = req;
    p->lang = mg_page_lang(req, MG_LANG_SV, &p->remember);
}

void mg_hrm_page_open(struct mg_hrm_page *p, const char *title, const char *self)
{
    struct mg_buf h = {0};
    struct mg_page_opts o = {"/static/css/dashboard.css", NULL, true, true};
    struct mg_request *req = p->req;
    if (req->has_user) {
        mg_hr_userbar(&h, req, p->lang);
        o.header_html = h.data;
    }
    mg_page_open_with(&p->b, p->lang, title, self, &o);
    mg_buf_free(&h);
}

enum MHD_Result mg_hrm_page_send(struct mg_hrm_page *p, unsigned int status)
{
    mg_page_close(&p->b, p->lang);
    return mg_page_reply(p->req, status, &p->b, p->lang, p->remember, NULL);
}

enum MHD_Result mg_hrm_notice(struct mg_request *req, unsigned int status, enum mg_msg title, enum mg_msg text)
{
    struct mg_hrm_page p;
    mg_hrm_page_begin(&p, req);
    mg_hrm_page_open(&p, mg_t(p.lang, title), "/hr/manage");
    mg_buf_printf(&p.b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/hr/manage\">%s</a></p>\n", mg_t(p.lang, title),
                  mg_t(p.lang, text), mg_t(p.lang, MSG_HRM_NAV_MANAGE));
    return mg_hrm_page_send(&p, status);
}

void mg_hrm_error_summary(struct mg_hrm_page *p, const struct mg_hrm_error *errs, int n)
{
    if (n <= 0)
        return;
    /* autofocus: the summary takes focus without a script (the dashboard
     * runs none), so a screen reader reads it first. */
    mg_buf_printf(&p->b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\" autofocus>"
                         "<h2>%s</h2><ul>",
                  mg_t(p->lang, MSG_ERROR_SUMMARY));
    for (int i = 0; i < n; i++) {
        if (errs[i].field)
            mg_buf_printf(&p->b, "<li><a href=\"#%s\">%s</a></li>", errs[i].field, mg_t(p->lang, errs[i].msg));
        else
            mg_buf_printf(&p->b, "<li>%s</li>", mg_t(p->lang, errs[i].msg));
    }
    mg_buf_puts(&p->b, "</ul></div>\n");
}

bool mg_hrm_field_error(struct mg_hrm_page *p, const struct mg_hrm_error *errs, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (errs[i].field && strcmp(errs[i].field, id) == 0) {
            mg_buf_printf(&p->b, "<p class=\"error\" id=\"%s-error\">%s</p>", id, mg_t(p->lang, errs[i].msg));
            return true;
        }
    return false;
}

/* ---- small helpers --------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

/* A form value, or "" (for echoing into fields). */
static const char *val(const struct mg_form *f, const char *key)
{
    const char *v = f ? mg_form_get(f, key) : NULL;
    return v ? v : "";
}

/* A form value, or NULL when absent or empty (the library's "default"). */
static const char *opt(const struct mg_form *f, const char *key)
{
    const char *v = mg_form_get(f, key);
    return v && *v ? v : NULL;
}

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static void csrf_field(struct mg_hrm_page *p)
{
    mg_buf_puts(&p->b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    mg_buf_html(&p->b, p->req->user.csrf.text);
    mg_buf_puts(&p->b, "\">");
}

/* A labelled text input with an optional hint and its error. */
static void text_field(struct mg_hrm_page *p, const struct mg_hrm_error *errs, int nerr, const char *id,
                       const char *name, enum mg_msg label, int hint, const char *type, const char *value,
                       const char *extra)
{
    bool bad = false;
    for (int i = 0; i < nerr; i++)
        bad |= errs[i].field && strcmp(errs[i].field, id) == 0;
    mg_buf_printf(&p->b, "<div class=\"field%s\"><label for=\"%s\">%s</label>", bad ? " has-error" : "", id,
                  mg_t(p->lang, label));
    if (hint >= 0)
        mg_buf_printf(&p->b, "<p class=\"hint\" id=\"%s-hint\">%s</p>", id, mg_t(p->lang, (enum mg_msg)hint));
    mg_hrm_field_error(p, errs, nerr, id);
    mg_buf_printf(&p->b, "<input id=\"%s\" name=\"%s\" type=\"%s\"", id, name, type);
    if (hint >= 0 || bad) {
        mg_buf_puts(&p->b, " aria-describedby=\"");
        if (hint >= 0)
            mg_buf_printf(&p->b, "%s-hint", id);
        if (bad)
            mg_buf_printf(&p->b, "%s%s-error", hint >= 0 ? " " : "", id);
        mg_buf_puts(&p->b, "\"");
    }
    if (bad)
        mg_buf_puts(&p->b, " aria-invalid=\"true\"");
    if (value) {
        mg_buf_puts(&p->b, " value=\"");
        mg_buf_html(&p->b, value);
        mg_buf_puts(&p->b, "\"");
    }
    mg_buf_printf(&p->b, "%s%s></div>\n", extra ? " " : "", extra ? extra : "");
}

/* ---- the management page ------------------------------------------------- */

struct forms {
    const struct mg_form *round;  /* the values sent, to show again, or NULL */
    const struct mg_form *series;
    struct mg_hrm_error errs[4];
    int nerr;
};

static void round_form(struct mg_hrm_page *p, PGresult *units, const struct forms *f)
{
    const struct mg_form *v = f->round;
    const struct mg_hrm_error *e = f->errs;
    int n = f->nerr;
    mg_buf_printf(&p->b, "<h2 id=\"new-round\">%s</h2>\n<form class=\"manage\" method=\"post\" action=\"/hr/manage/rounds\" "
                         "aria-labelledby=\"new-round\">",
                  mg_t(p->lang, MSG_HRM_NEW_ROUND));
    csrf_field(p);
    text_field(p, e, n, "r-name", "name", MSG_HRM_F_NAME, -1, "text", val(v, "name"), "maxlength=\"200\" required");
    text_field(p, e, n, "r-opens", "opens", MSG_HRM_F_OPENS, MSG_HRM_DATE_HINT, "text", val(v, "opens"),
               "inputmode=\"numeric\" autocomplete=\"off\" required");
    text_field(p, e, n, "r-closes", "closes", MSG_HRM_F_CLOSES, MSG_HRM_DATE_HINT, "text", val(v, "closes"),
               "inputmode=\"numeric\" autocomplete=\"off\" required");

    /* The mode: a group of radio buttons. */
    static const char *const modes[] = {"pseudonymous", "anonymous", "open"};
    const char *mode = v ? val(v, "mode") : "pseudonymous";
    bool bad = false;
    for (int i = 0; i < n; i++)
        bad |= e[i].field && strcmp(e[i].field, "r-mode-pseudonymous") == 0;
    mg_buf_printf(&p->b, "<fieldset class=\"field%s\"%s><legend>%s</legend>", bad ? " has-error" : "",
                  bad ? " aria-describedby=\"r-mode-pseudonymous-error\"" : "", mg_t(p->lang, MSG_HRM_F_MODE));
    mg_hrm_field_error(p, e, n, "r-mode-pseudonymous");
    for (int i = 0; i < 3; i++)
        mg_buf_printf(&p->b, "<div class=\"option\"><input type=\"radio\" id=\"r-mode-%s\" name=\"mode\" value=\"%s\"%s>"
                             "<label for=\"r-mode-%s\">%s</label></div>",
                      modes[i], modes[i], strcmp(mode, modes[i]) == 0 ? " checked" : "", modes[i],
                      mg_t(p->lang, mg_hr_mode_msg(modes[i])));
    mg_buf_puts(&p->b, "</fieldset>\n");

    text_field(p, e, n, "r-k", "k", MSG_HRM_F_K, MSG_HRM_K_HINT, "number", v ? val(v, "k") : "5",
               "min=\"3\" max=\"1000\" step=\"1\" inputmode=\"numeric\"");

    /* The unit: the whole tree or a part of it. */
    const char *unit = val(v, "unit");
    bad = false;
    for (int i = 0; i < n; i++)
        bad |= e[i].field && strcmp(e[i].field, "r-unit") == 0;
    mg_buf_printf(&p->b, "<div class=\"field%s\"><label for=\"r-unit\">%s</label>", bad ? " has-error" : "",
                  mg_t(p->lang, MSG_HRM_F_UNIT));
    mg_hrm_field_error(p, e, n, "r-unit");
    mg_buf_printf(&p->b, "<select id=\"r-unit\" name=\"unit\"%s><option value=\"\">%s</option>",
                  bad ? " aria-describedby=\"r-unit-error\" aria-invalid=\"true\"" : "", mg_t(p->lang, MSG_HR_ALL_UNITS));
    for (int i = 0; units && i < PQntuples(units); i++) {
        const char *code = PQgetvalue(units, i, 0);
        int depth = atoi(PQgetvalue(units, i, 3));
        mg_buf_puts(&p->b, "<option value=\"");
        mg_buf_html(&p->b, code);
        mg_buf_printf(&p->b, "\"%s>", strcmp(unit, code) == 0 ? " selected" : "");
        for (int d = 1; d < depth && d < 8; d++)
            mg_buf_puts(&p->b, "\xc2\xa0\xc2\xa0");
        mg_buf_html(&p->b, PQgetvalue(units, i, 1));
        mg_buf_puts(&p->b, " (");
        mg_buf_html(&p->b, code);
        mg_buf_puts(&p->b, ")</option>");
    }
    mg_buf_puts(&p->b, "</select></div>\n");

    const char *lang = v ? val(v, "language") : mg_lang_code(p->lang);
    mg_buf_printf(&p->b, "<div class=\"field\"><label for=\"r-language\">%s</label><select id=\"r-language\" name=\"language\">",
                  mg_t(p->lang, MSG_HRM_F_LANGUAGE));
    for (int l = 0; l < MG_LANG_COUNT; l++)
        mg_buf_printf(&p->b, "<option value=\"%s\" lang=\"%s\"%s>%s</option>", mg_lang_code(l), mg_lang_code(l),
                      strcmp(lang, mg_lang_code(l)) == 0 ? " selected" : "", mg_lang_name(l));
    mg_buf_puts(&p->b, "</select></div>\n");
    text_field(p, e, n, "r-staff", "staff_survey", MSG_HRM_F_STAFF_SURVEY, MSG_HRM_SURVEY_HINT, "text",
               val(v, "staff_survey"), "autocomplete=\"off\" spellcheck=\"false\"");
    text_field(p, e, n, "r-manager", "manager_survey", MSG_HRM_F_MANAGER_SURVEY, MSG_HRM_SURVEY_HINT, "text",
               val(v, "manager_survey"), "autocomplete=\"off\" spellcheck=\"false\"");
    mg_buf_printf(&p->b, "<div><button class=\"primary\" type=\"submit\">%s</button></div></form>\n",
                  mg_t(p->lang, MSG_HRM_CREATE));
}

static void series_form(struct mg_hrm_page *p, const cJSON *rounds, const struct forms *f)
{
    const struct mg_form *v = f->series;
    const struct mg_hrm_error *e = f->errs;
    int n = f->nerr;
    mg_buf_printf(&p->b, "<h2 id=\"new-series\">%s</h2>\n<p>%s</p>\n", mg_t(p->lang, MSG_HRM_NEW_SERIES),
                  mg_t(p->lang, MSG_HRM_SERIES_DESC));
    int free_rounds = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rounds) free_rounds += cJSON_IsNull(get(r, "series"));
    if (free_rounds == 0) {
        mg_buf_printf(&p->b, "<p>%s</p>\n", mg_t(p->lang, MSG_HRM_NO_TEMPLATE));
        return;
    }
    mg_buf_puts(&p->b, "<form class=\"manage\" method=\"post\" action=\"/hr/manage/series\" aria-labelledby=\"new-series\">");
    csrf_field(p);
    text_field(p, e, n, "s-name", "name", MSG_HRM_F_NAME, -1, "text", val(v, "name"), "maxlength=\"200\" required");
    bool bad = false;
    for (int i = 0; i < n; i++)
        bad |= e[i].field && strcmp(e[i].field, "s-template") == 0;
    mg_buf_printf(&p->b, "<div class=\"field%s\"><label for=\"s-template\">%s</label>", bad ? " has-error" : "",
                  mg_t(p->lang, MSG_HRM_F_TEMPLATE));
    mg_hrm_field_error(p, e, n, "s-template");
    mg_buf_printf(&p->b, "<select id=\"s-template\" name=\"template\"%s>",
                  bad ? " aria-describedby=\"s-template-error\" aria-invalid=\"true\"" : "");
    const char *chosen = val(v, "template");
    cJSON_ArrayForEach(r, rounds) {
        if (!cJSON_IsNull(get(r, "series")))
            continue;
        char id[24];
        snprintf(id, sizeof id, "%.0f", cJSON_GetNumberValue(get(r, "id")));
        mg_buf_printf(&p->b, "<option value=\"%s\"%s>", id, strcmp(chosen, id) == 0 ? " selected" : "");
        mg_buf_html(&p->b, cJSON_GetStringValue(get(r, "name")));
        mg_buf_puts(&p->b, "</option>");
    }
    mg_buf_puts(&p->b, "</select></div>\n");
    text_field(p, e, n, "s-every", "every", MSG_HRM_F_EVERY, -1, "number", v ? val(v, "every") : "12",
               "min=\"1\" max=\"60\" step=\"1\" inputmode=\"numeric\" required");
    text_field(p, e, n, "s-duration", "duration", MSG_HRM_F_DURATION, -1, "number", v ? val(v, "duration") : "21",
               "min=\"1\" max=\"366\" step=\"1\" inputmode=\"numeric\" required");
    text_field(p, e, n, "s-pret", "pseudonym_retention", MSG_HRM_F_PRET, -1, "number", val(v, "pseudonym_retention"),
               "min=\"1\" step=\"1\" inputmode=\"numeric\"");
    text_field(p, e, n, "s-rret", "response_retention", MSG_HRM_F_RRET, -1, "number", val(v, "response_retention"),
               "min=\"1\" step=\"1\" inputmode=\"numeric\"");
    mg_buf_printf(&p->b, "<div><button class=\"primary\" type=\"submit\">%s</button></div></form>\n",
                  mg_t(p->lang, MSG_HRM_CREATE));
}

static enum MHD_Result manage_page(struct mg_request *req, unsigned int status, const struct forms *f)
{
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    PGresult *units = mg_units_list(conn);
    cJSON *rounds = units ? mg_round_list(conn) : NULL;
    mg_db_release(req->srv->db, conn);
    if (!rounds) {
        PQclear(units);
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    }
    struct mg_hrm_page p;
    mg_hrm_page_begin(&p, req);
    mg_hrm_page_open(&p, mg_t(p.lang, MSG_HRM_NAV_MANAGE), "/hr/manage");
    mg_hrm_error_summary(&p, f->errs, f->nerr);
    mg_buf_printf(&p.b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", mg_t(p.lang, MSG_HRM_NAV_MANAGE),
                  mg_t(p.lang, MSG_HRM_INTRO));
    const char *done = mg_form_get(&req->query, "done");
    if (done && strcmp(done, "series") == 0)
        mg_buf_printf(&p.b, "<p class=\"done\" role=\"status\">%s</p>\n", mg_t(p.lang, MSG_HRM_CREATED_SERIES));

    if (cJSON_GetArraySize(rounds) > 0) {
        mg_buf_printf(&p.b, "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data rounds\">\n<caption>%s</caption>\n"
                            "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HR_ROUNDS_TITLE), mg_t(p.lang, MSG_HR_NAME), mg_t(p.lang, MSG_HR_MODE),
                      mg_t(p.lang, MSG_HR_STATE), mg_t(p.lang, MSG_HR_OPENS), mg_t(p.lang, MSG_HR_CLOSES));
        const cJSON *r;
        cJSON_ArrayForEach(r, rounds) {
            long long id = (long long)cJSON_GetNumberValue(get(r, "id"));
            mg_buf_printf(&p.b, "<tr data-round=\"%lld\"><th scope=\"row\"><a href=\"/hr/manage/rounds/%lld\">", id, id);
            mg_buf_html(&p.b, cJSON_GetStringValue(get(r, "name")));
            mg_buf_printf(&p.b, "</a></th><td>%s</td><td class=\"state\">%s</td><td>",
                          mg_t(p.lang, mg_hr_mode_msg(cJSON_GetStringValue(get(r, "mode")))),
                          mg_t(p.lang, mg_hr_state_msg(cJSON_GetStringValue(get(r, "state")))));
            mg_hr_put_date(&p.b, cJSON_GetStringValue(get(r, "opens_at")));
            mg_buf_puts(&p.b, "</td><td>");
            mg_hr_put_date(&p.b, cJSON_GetStringValue(get(r, "closes_at")));
            mg_buf_puts(&p.b, "</td></tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
    } else {
        mg_buf_printf(&p.b, "<p>%s</p>\n", mg_t(p.lang, MSG_HR_NO_ROUNDS));
    }
    round_form(&p, units, f);
    series_form(&p, rounds, f);
    PQclear(units);
    cJSON_Delete(rounds);
    return mg_hrm_page_send(&p, status);
}

enum MHD_Result mg_handle_hr_manage(struct mg_request *req)
{
    struct forms f = {0};
    return manage_page(req, 200, &f);
}

/* The field and message of an mg_round_create message ("closes: must be
 * after opens"). */
static struct mg_hrm_error round_error(const char *msg)
{
    if (starts(msg, "name:"))
        return (struct mg_hrm_error){"r-name", MSG_HRM_E_NAME};
    if (starts(msg, "opens:") || starts(msg, "opens/closes:"))
        return (struct mg_hrm_error){"r-opens", MSG_HRM_E_TIME};
    if (starts(msg, "closes: must be after"))
        return (struct mg_hrm_error){"r-closes", MSG_HRM_E_ORDER};
    if (starts(msg, "closes:"))
        return (struct mg_hrm_error){"r-closes", MSG_HRM_E_TIME};
    if (starts(msg, "mode:"))
        return (struct mg_hrm_error){"r-mode-pseudonymous", MSG_HRM_E_MODE};
    if (starts(msg, "language:"))
        return (struct mg_hrm_error){"r-language", MSG_HRM_E_LANGUAGE};
    if (starts(msg, "k:"))
        return (struct mg_hrm_error){"r-k", MSG_HRM_E_K};
    if (starts(msg, "unit:"))
        return (struct mg_hrm_error){"r-unit", MSG_HRM_E_UNIT};
    if (starts(msg, "staff_survey:"))
        return (struct mg_hrm_error){"r-staff", MSG_HRM_E_SURVEY};
    if (starts(msg, "manager_survey:"))
        return (struct mg_hrm_error){"r-manager", MSG_HRM_E_SURVEY};
    if (starts(msg, "surveys:"))
        return (struct mg_hrm_error){"r-staff", MSG_HRM_E_NO_SURVEYS};
    return (struct mg_hrm_error){NULL, MSG_HRM_E_CONFLICT};
}

static struct mg_hrm_error series_error(const char *msg)
{
    if (starts(msg, "name: a series"))
        return (struct mg_hrm_error){"s-name", MSG_HRM_E_SERIES_NAME};
    if (starts(msg, "name:"))
        return (struct mg_hrm_error){"s-name", MSG_HRM_E_NAME};
    if (starts(msg, "every:"))
        return (struct mg_hrm_error){"s-every", MSG_HRM_E_EVERY};
    if (starts(msg, "duration:"))
        return (struct mg_hrm_error){"s-duration", MSG_HRM_E_DURATION};
    if (starts(msg, "pseudonym_retention:"))
        return (struct mg_hrm_error){"s-pret", MSG_HRM_E_RETENTION};
    if (starts(msg, "response_retention:"))
        return (struct mg_hrm_error){"s-rret", MSG_HRM_E_RETENTION};
    if (starts(msg, "template:"))
        return (struct mg_hrm_error){"s-template", MSG_HRM_E_TEMPLATE};
    return (struct mg_hrm_error){NULL, MSG_HRM_E_CONFLICT};
}

static unsigned int error_status(enum mg_error err) { return mg_error_status(err); }

enum MHD_Result mg_handle_hr_manage_round_create(struct mg_request *req)
{
    const struct mg_form *f = &req->form;
    struct forms forms = {.round = f};
    const char *ks = opt(f, "k");
    int k = 0;
    if (ks) {
        char *end;
        long v = strtol(ks, &end, 10);
        /* 0 would mean "the default" to mg_round_create: not what was typed. */
        k = *end || v < 1 || v > 1000000 ? -1 : (int)v;
    }
    struct mg_round_spec spec = {opt(f, "name"), opt(f, "opens"), opt(f, "closes"), opt(f, "mode"),
                                 opt(f, "language"), opt(f, "unit"), opt(f, "staff_survey"),
                                 opt(f, "manager_survey"), k};
    char msg[512];
    int64_t id = 0;
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    enum mg_error err = mg_round_create(conn, &spec, mg_request_actor(req), &id, msg, sizeof msg);
    mg_db_release(req->srv->db, conn);
    if (err == MG_ERR_UNAVAILABLE || err == MG_ERR_DB)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    if (err != MG_OK) {
        forms.errs[0] = round_error(msg);
        forms.nerr = 1;
        return manage_page(req, error_status(err), &forms);
    }
    char loc[80];
    snprintf(loc, sizeof loc, "/hr/manage/rounds/%lld?done=created", (long long)id);
    return mg_reply_redirect(req, loc);
}

enum MHD_Result mg_handle_hr_manage_series_create(struct mg_request *req)
{
    const struct mg_form *f = &req->form;
    struct forms forms = {.series = f};
    /* The form asks for whole months and days; the library reads
     * "12months" and "21days". Anything else is passed on as typed, so the
     * library refuses it with its own check. */
    char every[48], duration[48], pret[48], rret[48];
    const char *ev = opt(f, "every"), *du = opt(f, "duration"), *pr = opt(f, "pseudonym_retention"),
               *rr = opt(f, "response_retention");
    bool digits;
#define AS_UNIT(out, in, unit)                                                                                          \
    (digits = (in) && strlen(in) < 12 && strspn((in), "0123456789") == strlen(in),                                      \
     digits ? (snprintf(out, sizeof out, "%s" unit, in), (const char *)out) : (in))
    struct mg_series_spec spec = {opt(f, "name"), AS_UNIT(every, ev, "months"), AS_UNIT(duration, du, "days"), 0,
                                  AS_UNIT(pret, pr, "months"), AS_UNIT(rret, rr, "months")};
#undef AS_UNIT
    if (!spec.every)
        spec.every = "";
    if (!spec.duration)
        spec.duration = "";
    const char *t = opt(f, "template");
    if (t && strspn(t, "0123456789") == strlen(t) && strlen(t) < 18)
        spec.template_round = strtoll(t, NULL, 10);
    char msg[512];
    int64_t id = 0;
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    enum mg_error err = mg_series_create(conn, &spec, mg_request_actor(req), &id, msg, sizeof msg);
    mg_db_release(req->srv->db, conn);
    if (err == MG_ERR_UNAVAILABLE || err == MG_ERR_DB)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    if (err != MG_OK) {
        forms.errs[0] = series_error(msg);
        forms.nerr = 1;
        return manage_page(req, error_status(err), &forms);
    }
    return mg_reply_redirect(req, "/hr/manage?done=series");
}

/* ---- one round ------------------------------------------------------------- */

/* A problem of an uploaded register, by line. */
struct line_problem {
    int line;
    char msg[240];
};

struct round_view {
    unsigned int status;
    struct mg_hrm_error err; /* err.msg 0 and field NULL: none */
    bool has_err;
    struct line_problem *problems;
    size_t nproblems;
};

static void put_count(struct mg_hrm_page *p, const cJSON *v, int k)
{
    if (cJSON_IsObject(v) && cJSON_IsTrue(get(v, "suppressed"))) {
        const char *r = cJSON_GetStringValue(get(v, "reason"));
        bool few = r && strcmp(r, "fewer_than_k") == 0;
        char note[200];
        if (few)
            snprintf(note, sizeof note, mg_t(p->lang, MSG_HR_HIDDEN_FEW), k);
        else
            snprintf(note, sizeof note, "%s", mg_t(p->lang, MSG_HR_HIDDEN_COMPL));
        mg_buf_printf(&p->b, "<span class=\"suppressed\" data-reason=\"%s\">", few ? "fewer_than_k" : "complementary");
        mg_buf_html(&p->b, note);
        mg_buf_puts(&p->b, "</span>");
    } else if (cJSON_IsNumber(v)) {
        mg_buf_printf(&p->b, "%.0f", v->valuedouble);
    } else {
        mg_buf_puts(&p->b, "–");
    }
}

static enum MHD_Result round_page(struct mg_request *req, int64_t id, const struct round_view *view)
{
    enum mg_error err;
    cJSON *round = NULL, *ind = NULL;
    char msg[256];
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    round = mg_round_get(conn, id, &err);
    if (round) {
        /* The counts come from the indicators module only, so a hidden
         * cell stays hidden here too. */
        struct mg_ind_query q = {NULL, MG_PRIV_ALL, MG_IND_MAX_DEPTH, 0};
        err = mg_indicators_round(conn, id, &q, &ind, msg, sizeof msg);
    }
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK) {
        cJSON_Delete(round);
        cJSON_Delete(ind);
        if (err == MG_ERR_NOT_FOUND)
            return mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    }
    const char *name = cJSON_GetStringValue(get(round, "name"));
    const char *state = cJSON_GetStringValue(get(round, "state"));
    const char *mode = cJSON_GetStringValue(get(round, "mode"));
    int k = (int)cJSON_GetNumberValue(get(round, "k"));
    struct mg_hrm_page p;
    char title[400], self[64];
    mg_hrm_page_begin(&p, req);
    snprintf(title, sizeof title, mg_t(p.lang, MSG_HRM_ROUND_TITLE), name ? name : "");
    snprintf(self, sizeof self, "/hr/manage/rounds/%lld", (long long)id);
    mg_hrm_page_open(&p, title, self);
    if (view && view->has_err) {
        mg_buf_printf(&p.b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\" autofocus>"
                            "<h2>%s</h2><ul><li>",
                      mg_t(p.lang, MSG_ERROR_SUMMARY));
        if (view->err.field)
            mg_buf_printf(&p.b, "<a href=\"#%s\">%s</a>", view->err.field, mg_t(p.lang, view->err.msg));
        else
            mg_buf_puts(&p.b, mg_t(p.lang, view->err.msg));
        mg_buf_puts(&p.b, "</li></ul>");
        if (view->nproblems) {
            /* The register's problems by line: the library's sentences,
             * which name no employee id and no address. */
            mg_buf_puts(&p.b, "<ul class=\"problems\" lang=\"en\">");
            for (size_t i = 0; i < view->nproblems; i++) {
                char line[64];
                snprintf(line, sizeof line, mg_t(p.lang, MSG_HRM_LINE), view->problems[i].line);
                mg_buf_printf(&p.b, "<li><span lang=\"%s\">", mg_lang_code(p.lang));
                mg_buf_html(&p.b, line);
                mg_buf_puts(&p.b, ":</span> ");
                mg_buf_html(&p.b, view->problems[i].msg);
                mg_buf_puts(&p.b, "</li>");
            }
            mg_buf_puts(&p.b, "</ul>");
        }
        mg_buf_puts(&p.b, "</div>\n");
    }
    mg_buf_printf(&p.b, "<nav class=\"breadcrumbs\" aria-label=\"%s\"><ol><li><a href=\"/hr/manage\">%s</a></li>"
                        "<li><a href=\"%s\" aria-current=\"page\">",
                  mg_t(p.lang, MSG_HR_BREADCRUMBS), mg_t(p.lang, MSG_HRM_NAV_MANAGE), self);
    mg_buf_html(&p.b, name);
    mg_buf_puts(&p.b, "</a></li></ol></nav>\n<h1>");
    mg_buf_html(&p.b, title);
    mg_buf_puts(&p.b, "</h1>\n");
    const char *done = mg_form_get(&req->query, "done");
    enum mg_msg done_msg = MSG_COUNT;
    if (done && strcmp(done, "created") == 0)
        done_msg = MSG_HRM_CREATED_ROUND;
    else if (done && strcmp(done, "opened") == 0)
        done_msg = MSG_HRM_OPENED;
    else if (done && strcmp(done, "closed") == 0)
        done_msg = MSG_HRM_CLOSED;
    if (done_msg != MSG_COUNT)
        mg_buf_printf(&p.b, "<p class=\"done\" role=\"status\">%s</p>\n", mg_t(p.lang, done_msg));

    mg_buf_printf(&p.b, "<dl class=\"facts\"><dt>%s</dt><dd class=\"state\" data-state=\"", mg_t(p.lang, MSG_HR_STATE));
    mg_buf_html(&p.b, state);
    mg_buf_printf(&p.b, "\">%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>", mg_t(p.lang, mg_hr_state_msg(state)),
                  mg_t(p.lang, MSG_HR_MODE), mg_t(p.lang, mg_hr_mode_msg(mode)), mg_t(p.lang, MSG_HR_OPENS));
    mg_hr_put_date(&p.b, cJSON_GetStringValue(get(round, "opens_at")));
    mg_buf_printf(&p.b, "</dd><dt>%s</dt><dd>", mg_t(p.lang, MSG_HR_CLOSES));
    mg_hr_put_date(&p.b, cJSON_GetStringValue(get(round, "closes_at")));
    mg_buf_printf(&p.b, "</dd><dt>%s</dt><dd>%d</dd></dl>\n", mg_t(p.lang, MSG_HRM_F_K), k);

    bool closed = state && strcmp(state, "closed") == 0, open = state && strcmp(state, "open") == 0;
    if (!closed && !open) {
        mg_buf_printf(&p.b, "<form class=\"actions\" method=\"post\" action=\"%s/open\">", self);
        csrf_field(&p);
        mg_buf_printf(&p.b, "<button class=\"primary\" type=\"submit\">%s</button></form>\n", mg_t(p.lang, MSG_HRM_OPEN_NOW));
    } else if (open) {
        mg_buf_printf(&p.b, "<p><a class=\"button\" href=\"%s/close\">%s</a></p>\n", self, mg_t(p.lang, MSG_HRM_CLOSE_NOW));
    }
    mg_buf_printf(&p.b, "<p><a href=\"/hr/rounds/%lld\">%s</a></p>\n", (long long)id, mg_t(p.lang, MSG_HRM_SHOW_ROUND));

    /* Invited and responded per unit, as the indicators give them. */
    mg_buf_printf(&p.b, "<h2>%s</h2>\n<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data counts\"><caption>%s</caption>\n"
                        "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                        "<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                  mg_t(p.lang, MSG_HRM_COUNTS), mg_t(p.lang, MSG_HRM_COUNTS), mg_t(p.lang, MSG_HR_UNIT),
                  mg_t(p.lang, MSG_HRM_INVITED), mg_t(p.lang, MSG_HR_RESPONDED));
    const cJSON *u;
    cJSON_ArrayForEach(u, get(ind, "units")) {
        const cJSON *cell = get(u, "subtree");
        int depth = (int)cJSON_GetNumberValue(get(u, "depth"));
        mg_buf_puts(&p.b, "<tr data-unit=\"");
        mg_buf_html(&p.b, cJSON_GetStringValue(get(u, "code")));
        mg_buf_printf(&p.b, "\"><th scope=\"row\" class=\"d%d\">", depth > 6 ? 6 : depth);
        mg_buf_html(&p.b, cJSON_GetStringValue(get(u, "name")));
        mg_buf_puts(&p.b, "</th><td class=\"num invited\">");
        put_count(&p, get(cell, "invited"), k);
        mg_buf_puts(&p.b, "</td><td class=\"num responded\">");
        put_count(&p, get(cell, "responded"), k);
        mg_buf_puts(&p.b, "</td></tr>\n");
    }
    mg_buf_puts(&p.b, "</tbody></table></div>\n");

    if (!closed && mode && strcmp(mode, "open") == 0) {
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<p>%s</p>\n<form method=\"post\" action=\"%s/links\">", mg_t(p.lang, MSG_HRM_LINKS),
                      mg_t(p.lang, MSG_HRM_LINKS_DESC), self);
        csrf_field(&p);
        mg_buf_printf(&p.b, "<button type=\"submit\">%s</button></form>\n", mg_t(p.lang, MSG_HRM_DOWNLOAD_LINKS));
    } else if (!closed) {
        bool bad = view && view->has_err && view->err.field && strcmp(view->err.field, "g-file") == 0;
        mg_buf_printf(&p.b, "<h2 id=\"register\">%s</h2>\n<p>%s</p>\n"
                            "<form class=\"manage\" method=\"post\" action=\"%s/register\" enctype=\"multipart/form-data\" "
                            "aria-labelledby=\"register\">",
                      mg_t(p.lang, MSG_HRM_REGISTER), mg_t(p.lang, MSG_HRM_REGISTER_DESC), self);
        csrf_field(&p);
        mg_buf_printf(&p.b, "<div class=\"field%s\"><label for=\"g-file\">%s</label>", bad ? " has-error" : "",
                      mg_t(p.lang, MSG_HRM_F_FILE));
        if (bad)
            mg_buf_printf(&p.b, "<p class=\"error\" id=\"g-file-error\">%s</p>", mg_t(p.lang, view->err.msg));
        mg_buf_printf(&p.b, "<input id=\"g-file\" name=\"register\" type=\"file\" accept=\".csv,text/csv\" required%s></div>\n",
                      bad ? " aria-describedby=\"g-file-error\" aria-invalid=\"true\"" : "");
        mg_buf_printf(&p.b, "<fieldset class=\"field\"><legend>%s</legend>"
                            "<div class=\"option\"><input type=\"radio\" id=\"g-invite\" name=\"what\" value=\"invite\" checked>"
                            "<label for=\"g-invite\">%s</label></div>"
                            "<div class=\"option\"><input type=\"radio\" id=\"g-remind\" name=\"what\" value=\"remind\">"
                            "<label for=\"g-remind\">%s</label></div></fieldset>\n"
                            "<div><button class=\"primary\" type=\"submit\">%s</button></div></form>\n",
                      mg_t(p.lang, MSG_HRM_F_WHAT), mg_t(p.lang, MSG_HRM_WHAT_INVITE), mg_t(p.lang, MSG_HRM_WHAT_REMIND),
                      mg_t(p.lang, MSG_HRM_UPLOAD));
    }
    cJSON_Delete(round);
    cJSON_Delete(ind);
    return mg_hrm_page_send(&p, view ? view->status : 200);
}

enum MHD_Result mg_handle_hr_manage_round(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    if (!id)
        return mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    return round_page(req, id, NULL);
}

/* Opens or closes; errors show on the round's page. */
static enum MHD_Result transition(struct mg_request *req, enum mg_round_action action)
{
    int64_t id = mg_params_id(&req->params, "id");
    char msg[512], loc[80];
    if (!id)
        return mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    enum mg_error err = mg_round_transition(conn, id, action, false, NULL, mg_request_actor(req), msg, sizeof msg);
    mg_db_release(req->srv->db, conn);
    switch (err) {
    case MG_OK:
        snprintf(loc, sizeof loc, "/hr/manage/rounds/%lld?done=%s", (long long)id,
                 action == MG_ROUND_OPEN ? "opened" : "closed");
        return mg_reply_redirect(req, loc);
    case MG_ERR_NOT_FOUND:
        return mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    case MG_ERR_UNAVAILABLE:
    case MG_ERR_DB:
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    default: {
        struct round_view v = {.status = mg_error_status(err), .has_err = true};
        v.err.msg = strstr(msg, "closing time has passed") ? MSG_HRM_E_PAST : MSG_HRM_E_CONFLICT;
        return round_page(req, id, &v);
    }
    }
}

enum MHD_Result mg_handle_hr_manage_open(struct mg_request *req) { return transition(req, MG_ROUND_OPEN); }

enum MHD_Result mg_handle_hr_manage_close(struct mg_request *req) { return transition(req, MG_ROUND_CLOSE); }

enum MHD_Result mg_handle_hr_manage_close_confirm(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    enum mg_error err = MG_ERR_NOT_FOUND;
    cJSON *round = NULL;
    if (id) {
        struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
        if (!conn)
            return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
        round = mg_round_get(conn, id, &err);
        mg_db_release(req->srv->db, conn);
    }
    if (!round)
        return err == MG_ERR_NOT_FOUND ? mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT)
                                       : mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    struct mg_hrm_page p;
    char title[400], self[64];
    mg_hrm_page_begin(&p, req);
    snprintf(title, sizeof title, mg_t(p.lang, MSG_HRM_CLOSE_TITLE), cJSON_GetStringValue(get(round, "name")));
    snprintf(self, sizeof self, "/hr/manage/rounds/%lld", (long long)id);
    mg_hrm_page_open(&p, title, self);
    mg_buf_puts(&p.b, "<h1>");
    mg_buf_html(&p.b, title);
    mg_buf_printf(&p.b, "</h1>\n<p>%s</p>\n<form class=\"actions\" method=\"post\" action=\"%s/close\">",
                  mg_t(p.lang, MSG_HRM_CLOSE_TEXT), self);
    csrf_field(&p);
    mg_buf_printf(&p.b, "<button class=\"primary\" type=\"submit\">%s</button> <a href=\"%s\">%s</a></form>\n",
                  mg_t(p.lang, MSG_HRM_CLOSE_NOW), self, mg_t(p.lang, MSG_HRM_CANCEL));
    cJSON_Delete(round);
    return mg_hrm_page_send(&p, 200);
}

/* ---- downloads ------------------------------------------------------------ */

/* Sends `len` bytes of CSV as a download, with a byte order mark so Excel
 * reads UTF-8. */
static enum MHD_Result send_csv(struct mg_request *req, const char *filename, const char *data, size_t len)
{
    size_t total = 3 + len;
    char *body = malloc(total);
    if (!body)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    memcpy(body, "\xef\xbb\xbf", 3);
    memcpy(body + 3, data, len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(total, body, MHD_RESPMEM_MUST_COPY);
    /* The links are secrets: no copy is left behind in our memory. */
    sodium_memzero(body, total);
    free(body);
    if (!resp)
        return MHD_NO;
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = mg_reply_response(req, 200, resp, total);
    MHD_destroy_response(resp);
    return ret;
}

/* The links' base address: MOGNAD_PUBLIC_URL without a trailing '/'. */
static void base_url(struct mg_request *req, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", req->srv->cfg->public_url ? req->srv->cfg->public_url : "");
    for (size_t n = strlen(out); n && out[n - 1] == '/';)
        out[--n] = '\0';
}

static void audit_download(struct mg_request *req, const char *action, int64_t id, const struct mg_invite_counts *n)
{
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "round", (double)id);
    if (n) {
        cJSON_AddNumberToObject(d, "invited", (double)n->invited);
        cJSON_AddNumberToObject(d, "completed", (double)n->completed);
        cJSON_AddNumberToObject(d, "reminded", (double)n->reminded);
    }
    mg_audit(conn, req->user.id, req->user.login, action, d);
    cJSON_Delete(d);
    mg_db_release(req->srv->db, conn);
}

enum MHD_Result mg_handle_hr_manage_links(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    char base[256], msg[512], filename[64];
    char *data = NULL;
    size_t len = 0;
    if (!id)
        return mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    base_url(req, base, sizeof base);
    FILE *out = open_memstream(&data, &len);
    if (!out)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    int rc = -1;
    if (conn) {
        rc = mg_invite_open_links(conn, req->srv->keys, id, base, out, msg, sizeof msg);
        mg_db_release(req->srv->db, conn);
    }
    fclose(out);
    enum MHD_Result ret;
    if (rc == 0) {
        audit_download(req, "round.links", id, NULL);
        snprintf(filename, sizeof filename, "unit-links-round-%lld.csv", (long long)id);
        ret = send_csv(req, filename, data, len);
    } else if (!conn || strstr(msg, "database")) {
        ret = mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    } else if (strstr(msg, "does not exist")) {
        ret = mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    } else {
        struct round_view v = {.status = 409, .has_err = true, .err = {NULL, MSG_HRM_E_CONFLICT}};
        ret = round_page(req, id, &v);
    }
    if (data) {
        sodium_memzero(data, len);
        free(data);
    }
    return ret;
}

/* "register:12: problem" lines (mg_invite_run's) into line problems. */
static size_t parse_problems(const char *text, struct line_problem *out, size_t max)
{
    size_t n = 0;
    for (const char *s = text; s && *s && n < max;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        const char *c1 = memchr(s, ':', len);
        out[n].line = 0;
        if (c1) {
            char *end;
            long line = strtol(c1 + 1, &end, 10);
            if (end != c1 + 1 && *end == ':' && end < s + len) {
                out[n].line = (int)line;
                const char *m = end + 1;
                while (*m == ' ')
                    m++;
                snprintf(out[n].msg, sizeof out[n].msg, "%.*s", (int)(s + len - m), m);
                n++;
            }
        }
        s = nl ? nl + 1 : NULL;
    }
    return n;
}

#define MAX_PROBLEMS 100

enum MHD_Result mg_handle_hr_manage_register(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    const char *what = mg_form_get(&req->form, "what");
    bool remind = what && strcmp(what, "remind") == 0;
    struct mg_csv csv = {0};
    struct mg_invitee *rows = NULL;
    struct mg_buf problems = {0};
    struct line_problem *lp = NULL;
    struct round_view v = {0};
    char base[256], msg[1024], filename[64];
    char *data = NULL;
    size_t len = 0;
    FILE *out = NULL;
    struct mg_db_conn *conn = NULL;
    enum MHD_Result ret;

    if (!id)
        return mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    if (!req->upload.present || req->upload.len == 0) {
        v = (struct round_view){.status = 400, .has_err = true, .err = {"g-file", MSG_HRM_E_FILE}};
        return round_page(req, id, &v);
    }
    lp = calloc(MAX_PROBLEMS, sizeof *lp);
    if (!lp)
        return mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    v = (struct round_view){.status = 400, .has_err = true, .err = {"g-file", MSG_HRM_E_REGISTER}, .problems = lp};
    if (mg_csv_parse(req->upload.data, req->upload.len, &csv) != 0) {
        for (size_t i = 0; i < csv.nerrors && v.nproblems < MAX_PROBLEMS; i++) {
            lp[v.nproblems].line = csv.errors[i].line;
            snprintf(lp[v.nproblems].msg, sizeof lp[v.nproblems].msg, "%s", csv.errors[i].msg);
            v.nproblems++;
        }
        ret = round_page(req, id, &v);
        goto cleanup;
    }
    if (!(rows = mg_invite_rows_from_csv(&csv, msg, sizeof msg))) {
        lp[0].line = csv.header_line;
        snprintf(lp[0].msg, sizeof lp[0].msg, "%.230s", msg);
        v.nproblems = 1;
        ret = round_page(req, id, &v);
        goto cleanup;
    }
    base_url(req, base, sizeof base);
    if (!(out = open_memstream(&data, &len)) || !(conn = mg_db_acquire(req->srv->db))) {
        ret = mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
        goto cleanup;
    }
    struct mg_invite_out o = {.csv = out, .base_url = base, .actor = mg_request_actor(req)};
    struct mg_invite_counts n;
    int rc = remind ? mg_invite_remind(conn, req->srv->keys, id, "register", rows, csv.n, &o, &n, &problems, msg, sizeof msg)
                    : mg_invite_run(conn, req->srv->keys, id, "register", rows, csv.n, &o, &n, &problems, msg, sizeof msg);
    mg_db_release(req->srv->db, conn);
    conn = NULL;
    fclose(out);
    out = NULL;
    if (rc != 0) {
        if (problems.data) {
            v.nproblems = parse_problems(problems.data, lp, MAX_PROBLEMS);
            ret = round_page(req, id, &v);
        } else if (strstr(msg, "does not exist")) {
            ret = mg_hrm_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
        } else if (strstr(msg, "database") || strstr(msg, "memory")) {
            ret = mg_hrm_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
        } else {
            v = (struct round_view){.status = 409, .has_err = true, .err = {NULL, MSG_HRM_E_REFUSED}};
            ret = round_page(req, id, &v);
        }
        goto cleanup;
    }
    if (remind)
        audit_download(req, "round.remind", id, &n);
    snprintf(filename, sizeof filename, "%s-round-%lld.csv", remind ? "reminders" : "invitations", (long long)id);
    ret = send_csv(req, filename, data, len);

cleanup:
    if (out)
        fclose(out);
    if (conn)
        mg_db_release(req->srv->db, conn);
    if (data) {
        sodium_memzero(data, len);
        free(data);
    }
    /* The register's own bytes are wiped by the request's cleanup
     * (server/http.c); the parsed copy is wiped here. */
    for (size_t i = 0; i < csv.n; i++)
        for (size_t c = 0; c < csv.ncols; c++)
            sodium_memzero(csv.records[i].fields[c], strlen(csv.records[i].fields[c]));
    free(rows);
    mg_csv_free(&csv);
    mg_buf_free(&problems);
    free(lp);
    return ret;
}
