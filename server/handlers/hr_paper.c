/* hr_paper.c: the paper channel. A blank questionnaire to print per survey
 * and language (GET /hr/surveys/{id}/paper), the registrar's list of rounds
 * that take paper (GET /hr/paper), and the page where the registrar types
 * in one filled-in paper questionnaire at a time
 * (GET|POST /hr/rounds/{id}/paper): answers checked with the respondent
 * form's own functions (mg_score_answer_valid, mg_score_compute), stored
 * with channel 'paper' by mg_paper_store, linked to nobody, audited.
 *
 * Separation of duties (docs/privacy.md, "Paper"): the registrar sees no
 * figure and no count of any round, and these pages show none, not even
 * how many paper responses were typed in, so whoever types answers in
 * cannot watch what they do to a unit's figures. */
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_auth.h"
#include "mg_buf.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_hr.h"
#include "mg_http.h"
#include "mg_page.h"
#include "mg_paper.h"
#include "mg_scoring.h"
#include "mg_survey.h"

/* ---- definition helpers (the definition was validated when loaded) ---- */

static const cJSON *get(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

static const char *str_field(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool bool_field(const cJSON *o, const char *k, bool dflt)
{
    const cJSON *v = get(o, k);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

static const char *text_of(const cJSON *obj, enum mg_lang lang)
{
    const cJSON *t = get(obj, mg_lang_code(lang));
    if (!cJSON_IsString(t))
        t = get(obj, "sv");
    if (!cJSON_IsString(t) && obj)
        t = obj->child;
    return cJSON_IsString(t) ? t->valuestring : "";
}

static const cJSON *scale_of(const cJSON *def, const cJSON *item)
{
    return get(get(def, "scales"), str_field(item, "scale"));
}

static const cJSON *dont_know_label(const cJSON *def, const cJSON *item)
{
    const cJSON *scale = scale_of(def, item);
    if (!scale)
        scale = get(get(def, "scales"), "knowledge");
    return get(scale, "dont_know");
}

/* Calls `fn` for each answer choice of `item`: value and label. */
static void each_choice(const cJSON *def, const cJSON *item, enum mg_lang lang,
                        void (*fn)(struct mg_buf *, const char *, const char *, const char *, bool), struct mg_buf *b,
                        const char *given)
{
    const char *key = str_field(item, "key");
    if (strcmp(str_field(item, "type"), "choice") == 0) {
        const cJSON *opt;
        cJSON_ArrayForEach(opt, get(item, "options")) {
            const char *ok = str_field(opt, "key");
            fn(b, key, ok, text_of(get(opt, "label"), lang), given && strcmp(given, ok) == 0);
        }
    } else {
        const cJSON *pt;
        cJSON_ArrayForEach(pt, get(scale_of(def, item), "points")) {
            char v[16];
            snprintf(v, sizeof v, "%d", get(pt, "value")->valueint);
            fn(b, key, v, text_of(get(pt, "label"), lang), given && strcmp(given, v) == 0);
        }
    }
    if (bool_field(item, "dont_know", false))
        fn(b, key, "dk", text_of(dont_know_label(def, item), lang), given && strcmp(given, "dk") == 0);
}

static const char *role_name(enum mg_lang lang, const char *role)
{
    return mg_t(lang, strcmp(role, "manager") == 0 ? MSG_HR_ROLE_MANAGER : MSG_HR_ROLE_STAFF);
}

/* ---- the blank questionnaire ----------------------------------------- */

static void box(struct mg_buf *b, const char *item, const char *value, const char *label, bool checked)
{
    (void)item;
    (void)value;
    (void)checked;
    mg_buf_puts(b, "<li><span class=\"box\" aria-hidden=\"true\"></span> ");
    mg_buf_html(b, label);
    mg_buf_puts(b, "</li>");
}

enum MHD_Result mg_handle_hr_blank(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    bool remember;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    cJSON *owned = NULL;
    if (!id)
        return mg_hr_notice(req, 404, lang, MSG_HR_NOT_FOUND_TITLE, mg_t(lang, MSG_HR_NOT_FOUND_TEXT));
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    const cJSON *def = mg_survey_definition(conn, id, &owned);
    mg_db_release(req->srv->db, conn);
    if (!def)
        return mg_hr_notice(req, 404, lang, MSG_HR_NOT_FOUND_TITLE, mg_t(lang, MSG_HR_NOT_FOUND_TEXT));

    struct mg_buf b = {0};
    char self[64];
    const char *title = text_of(get(def, "title"), lang);
    snprintf(self, sizeof self, "/hr/surveys/%lld/paper", (long long)id);
    mg_hr_page_open(&b, req, lang, title, self, "/static/css/report.css");
    mg_buf_printf(&b, "<p class=\"no-print print-hint\">%s</p>\n<article class=\"questionnaire\">\n<h1>",
                  mg_t(lang, MSG_HRX_PRINT_HINT));
    mg_buf_html(&b, title);
    mg_buf_printf(&b, "</h1>\n<p class=\"kind\">%s: %s</p>\n<p>", mg_t(lang, MSG_HRX_PAPER_NOTE),
                  role_name(lang, str_field(def, "audience")));
    /* The survey's own intro is written for the web and promises a
     * profile on screen at the end; on paper there is none, so the
     * questionnaire says so in its own words. */
    mg_buf_html(&b, mg_t(lang, MSG_HRX_BLANK_INTRO));
    const cJSON *minutes = get(def, "minutes");
    if (cJSON_IsNumber(minutes)) {
        mg_buf_puts(&b, " ");
        mg_buf_printf(&b, mg_t(lang, MSG_WELCOME_TIME), minutes->valueint);
    }
    mg_buf_printf(&b, "</p>\n<p>%s</p>\n<div class=\"instructions\"><p>%s</p><p>%s</p></div>\n",
                  mg_t(lang, MSG_WELCOME_WHO_SEES), mg_t(lang, MSG_HRX_BLANK_INSTRUCTIONS), mg_t(lang, MSG_HRX_BLANK_RETURN));
    int q = 0;
    const cJSON *area, *item;
    cJSON_ArrayForEach(area, get(def, "areas")) {
        const char *akey = str_field(area, "key");
        mg_buf_puts(&b, "<section class=\"area\">\n<h2>");
        mg_buf_html(&b, text_of(get(area, "name"), lang));
        mg_buf_puts(&b, "</h2>\n<p class=\"lead\">");
        mg_buf_html(&b, text_of(get(area, "description"), lang));
        mg_buf_puts(&b, "</p>\n<ol class=\"items\">\n");
        cJSON_ArrayForEach(item, get(def, "items")) {
            if (strcmp(str_field(item, "area"), akey) != 0)
                continue;
            q++;
            mg_buf_printf(&b, "<li value=\"%d\" data-item=\"", q);
            mg_buf_html(&b, str_field(item, "key"));
            mg_buf_puts(&b, "\"><p class=\"q\">");
            mg_buf_html(&b, text_of(get(item, "text"), lang));
            if (!bool_field(item, "required", true))
                mg_buf_printf(&b, " <span class=\"optional\">%s</span>", mg_t(lang, MSG_OPTIONAL));
            mg_buf_puts(&b, "</p>\n");
            if (get(item, "help")) {
                mg_buf_puts(&b, "<p class=\"hint\">");
                mg_buf_html(&b, text_of(get(item, "help"), lang));
                mg_buf_puts(&b, "</p>\n");
            }
            mg_buf_puts(&b, "<ul class=\"boxes\">");
            each_choice(def, item, lang, box, &b, NULL);
            mg_buf_puts(&b, "</ul></li>\n");
        }
        mg_buf_puts(&b, "</ol>\n</section>\n");
    }
    mg_buf_printf(&b, "<p class=\"thanks\">%s</p>\n</article>\n", mg_t(lang, MSG_THANKS_TITLE));
    cJSON_Delete(owned);
    mg_page_close(&b, lang);
    return mg_page_reply(req, 200, &b, lang, remember, NULL);
}

/* ---- the registrar's rounds ------------------------------------------- */

/* The rounds that take paper now, each linking to its entry page: name,
 * mode and closing date, and nothing that counts anything. */
enum MHD_Result mg_handle_hr_paper_rounds(struct mg_request *req)
{
    bool remember;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    PGresult *rounds = mg_paper_open_rounds(conn);
    mg_db_release(req->srv->db, conn);
    if (!rounds)
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));

    struct mg_buf b = {0};
    const char *lc = mg_lang_code(lang);
    mg_hr_page_open(&b, req, lang, mg_t(lang, MSG_HRX_PAPER_ROUNDS), "/hr/paper", NULL);
    mg_buf_printf(&b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", mg_t(lang, MSG_HRX_PAPER_ROUNDS),
                  mg_t(lang, MSG_HRX_PAPER_ROUNDS_INTRO));
    if (PQntuples(rounds) == 0) {
        mg_buf_printf(&b, "<p id=\"paper-none\">%s</p>\n", mg_t(lang, MSG_HRX_PAPER_NONE));
    } else {
        mg_buf_printf(&b, "<table class=\"rounds\" id=\"paper-rounds\">\n<caption>%s</caption>\n<thead><tr>"
                          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                          "</tr></thead>\n<tbody>\n",
                      mg_t(lang, MSG_HRX_PAPER_ROUNDS), mg_t(lang, MSG_HR_NAME), mg_t(lang, MSG_HR_MODE),
                      mg_t(lang, MSG_HR_CLOSES));
        for (int i = 0; i < PQntuples(rounds); i++) {
            mg_buf_printf(&b, "<tr data-round=\"%s\"><th scope=\"row\"><a href=\"/hr/rounds/%s/paper?lang=%s\">",
                          PQgetvalue(rounds, i, 0), PQgetvalue(rounds, i, 0), lc);
            mg_buf_html(&b, PQgetvalue(rounds, i, 1));
            mg_buf_printf(&b, "</a></th><td>%s</td><td>", mg_t(lang, mg_hr_mode_msg(PQgetvalue(rounds, i, 2))));
            mg_hr_put_date(&b, PQgetvalue(rounds, i, 3));
            mg_buf_puts(&b, "</td></tr>\n");
        }
        mg_buf_puts(&b, "</tbody>\n</table>\n");
    }
    PQclear(rounds);
    mg_page_close(&b, lang);
    return mg_page_reply(req, 200, &b, lang, remember, NULL);
}

/* ---- data entry --------------------------------------------------------- */

static void radio(struct mg_buf *b, const char *item, const char *value, const char *label, bool checked)
{
    mg_buf_puts(b, "<label class=\"option\"><input type=\"radio\" name=\"a.");
    mg_buf_html(b, item);
    mg_buf_puts(b, "\" value=\"");
    mg_buf_html(b, value);
    mg_buf_printf(b, "\"%s> <span>", checked ? " checked" : "");
    mg_buf_html(b, label);
    mg_buf_puts(b, "</span></label>\n");
}

struct entry {
    struct mg_request *req;
    enum mg_lang lang;
    bool remember;
    struct mg_paper_round round;
    PGresult *units;
    const char *unit, *role; /* chosen and valid, or NULL */
    const cJSON *def;
    cJSON *def_owned;
    struct mg_token form_token; /* the entry form's one-time token; "" before one is given */
};

static bool unit_known(PGresult *units, const char *code)
{
    for (int i = 0; code && units && i < PQntuples(units); i++)
        if (strcmp(PQgetvalue(units, i, 0), code) == 0)
            return true;
    return false;
}

static const char *unit_name(PGresult *units, const char *code)
{
    for (int i = 0; code && units && i < PQntuples(units); i++)
        if (strcmp(PQgetvalue(units, i, 0), code) == 0)
            return PQgetvalue(units, i, 1);
    return code ? code : "";
}

static int64_t survey_for(const struct mg_paper_round *r, const char *role)
{
    if (!role)
        return 0;
    if (strcmp(role, "staff") == 0)
        return r->staff_survey;
    if (strcmp(role, "manager") == 0)
        return r->manager_survey;
    return 0;
}

/* Renders the entry page: blank questionnaires, then either the
 * choice of unit and role or the questionnaire of the one chosen.
 * `answers` refills the form; `missing` lists unanswered required items;
 * `notice` (a status message) and `problem` (an error) are optional. */
static enum MHD_Result entry_page(struct entry *e, unsigned int status, const cJSON *answers, const cJSON *missing,
                                  const char *notice, const char *problem)
{
    enum mg_lang lang = e->lang;
    struct mg_buf b = {0};
    char self[96], title[400], s[600];
    snprintf(self, sizeof self, "/hr/rounds/%lld/paper", (long long)e->round.id);
    snprintf(title, sizeof title, "%s – %s", mg_t(lang, MSG_HRX_PAPER_TITLE), e->round.name);
    mg_hr_page_open(&b, e->req, lang, title, self, NULL);
    mg_buf_printf(&b, "<nav class=\"breadcrumbs\" aria-label=\"%s\"><ol><li><a href=\"/hr/paper\">%s</a></li>"
                      "<li><a href=\"%s\" aria-current=\"page\">",
                  mg_t(lang, MSG_HR_BREADCRUMBS), mg_t(lang, MSG_HRX_PAPER_ROUNDS), self);
    mg_buf_html(&b, e->round.name);
    mg_buf_puts(&b, "</a></li></ol></nav>\n");
    if (problem) {
        mg_buf_printf(&b, "<div class=\"error-summary\" role=\"alert\" id=\"error-summary\"><h2>%s</h2><p>",
                      mg_t(lang, MSG_ERROR_SUMMARY));
        mg_buf_html(&b, problem);
        mg_buf_puts(&b, "</p></div>\n");
    }
    if (cJSON_GetArraySize(missing) > 0) {
        mg_buf_printf(&b, "<div class=\"error-summary\" role=\"alert\" id=\"error-summary\"><h2>%s</h2><ul>",
                      mg_t(lang, MSG_ERROR_SUMMARY));
        const cJSON *m;
        cJSON_ArrayForEach(m, missing) {
            mg_buf_puts(&b, "<li><a href=\"#q-");
            mg_buf_html(&b, m->valuestring);
            mg_buf_puts(&b, "\">");
            mg_buf_html(&b, text_of(get(mg_score_item(e->def, m->valuestring), "text"), lang));
            mg_buf_printf(&b, ": %s</a></li>", mg_t(lang, MSG_ANSWER_REQUIRED));
        }
        mg_buf_puts(&b, "</ul></div>\n");
    }
    mg_buf_printf(&b, "<h1>%s</h1>\n<p class=\"lead\">", mg_t(lang, MSG_HRX_PAPER_TITLE));
    mg_buf_html(&b, e->round.name);
    mg_buf_printf(&b, "</p>\n<p>%s</p>\n", mg_t(lang, MSG_HRX_PAPER_INTRO));
    if (notice) {
        mg_buf_puts(&b, "<p class=\"notice\" role=\"status\" id=\"paper-status\">");
        mg_buf_html(&b, notice);
        mg_buf_puts(&b, "</p>\n");
    }

    /* Blank questionnaires to print. */
    mg_buf_puts(&b, "<ul class=\"download-list\">\n");
    for (int i = 0; i < 2; i++) {
        const char *role = i == 0 ? "staff" : "manager";
        int64_t sid = survey_for(&e->round, role);
        if (!sid)
            continue;
        snprintf(s, sizeof s, mg_t(lang, MSG_HRX_BLANK_LINK), role_name(lang, role));
        mg_buf_printf(&b, "<li><a href=\"/hr/surveys/%lld/paper?lang=%s\" data-blank=\"%s\">", (long long)sid,
                      mg_lang_code(lang), role);
        mg_buf_html(&b, s);
        mg_buf_puts(&b, "</a></li>\n");
    }
    mg_buf_puts(&b, "</ul>\n");

    if (strcmp(e->round.mode, "pseudonymous") == 0 || !e->round.accepting) {
        mg_buf_printf(&b, "<p class=\"notice\" id=\"paper-refused\">%s</p>\n",
                      mg_t(lang, strcmp(e->round.mode, "pseudonymous") == 0 ? MSG_HRX_PAPER_PSEUDO : MSG_HRX_PAPER_CLOSED));
    } else if (!e->unit || !e->role || !e->def) {
        /* Step one: which unit and role. */
        mg_buf_printf(&b, "<h2>%s</h2>\n<form class=\"filters\" method=\"get\" action=\"%s\">\n"
                          "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                          "<div><label for=\"unit\">%s</label><select id=\"unit\" name=\"unit\">\n",
                      mg_t(lang, MSG_HRX_PAPER_PICK), self, mg_lang_code(lang), mg_t(lang, MSG_HR_UNIT));
        for (int i = 0; e->units && i < PQntuples(e->units); i++) {
            int depth = atoi(PQgetvalue(e->units, i, 2));
            mg_buf_puts(&b, "<option value=\"");
            mg_buf_html(&b, PQgetvalue(e->units, i, 0));
            mg_buf_puts(&b, "\">");
            for (int d = 1; d < depth && d < 8; d++)
                mg_buf_puts(&b, "\xc2\xa0\xc2\xa0");
            mg_buf_html(&b, PQgetvalue(e->units, i, 1));
            mg_buf_puts(&b, "</option>\n");
        }
        mg_buf_printf(&b, "</select></div>\n<div><label for=\"role\">%s</label><select id=\"role\" name=\"role\">\n",
                      mg_t(lang, MSG_HRX_ROLE));
        if (e->round.staff_survey)
            mg_buf_printf(&b, "<option value=\"staff\">%s</option>\n", role_name(lang, "staff"));
        if (e->round.manager_survey)
            mg_buf_printf(&b, "<option value=\"manager\">%s</option>\n", role_name(lang, "manager"));
        mg_buf_printf(&b, "</select></div>\n<div><button type=\"submit\">%s</button></div>\n</form>\n",
                      mg_t(lang, MSG_CONTINUE));
    } else {
        /* Step two: the questionnaire of that role. */
        snprintf(s, sizeof s, mg_t(lang, MSG_HRX_FOR_UNIT), unit_name(e->units, e->unit), role_name(lang, e->role));
        mg_buf_puts(&b, "<p class=\"chosen\" id=\"chosen\">");
        mg_buf_html(&b, s);
        mg_buf_printf(&b, " <a href=\"%s?lang=%s\">%s</a></p>\n", self, mg_lang_code(lang), mg_t(lang, MSG_HRX_CHANGE_UNIT));
        mg_buf_printf(&b, "<form method=\"post\" action=\"%s?lang=%s\" class=\"survey paper-entry\" novalidate>\n"
                          "<input type=\"hidden\" name=\"csrf\" value=\"",
                      self, mg_lang_code(lang));
        mg_buf_html(&b, e->req->user.csrf.text);
        mg_buf_puts(&b, "\">\n<input type=\"hidden\" name=\"form_token\" value=\"");
        mg_buf_html(&b, e->form_token.text);
        mg_buf_puts(&b, "\">\n<input type=\"hidden\" name=\"unit\" value=\"");
        mg_buf_html(&b, e->unit);
        mg_buf_printf(&b, "\">\n<input type=\"hidden\" name=\"role\" value=\"%s\">\n",
                      strcmp(e->role, "manager") == 0 ? "manager" : "staff");
        const cJSON *area, *item;
        cJSON_ArrayForEach(area, get(e->def, "areas")) {
            const char *akey = str_field(area, "key");
            mg_buf_puts(&b, "<h2>");
            mg_buf_html(&b, text_of(get(area, "name"), lang));
            mg_buf_puts(&b, "</h2>\n");
            cJSON_ArrayForEach(item, get(e->def, "items")) {
                if (strcmp(str_field(item, "area"), akey) != 0)
                    continue;
                const char *key = str_field(item, "key");
                const char *given = cJSON_GetStringValue(get(answers, key));
                bool is_missing = false;
                const cJSON *m;
                cJSON_ArrayForEach(m, missing) if (strcmp(m->valuestring, key) == 0) is_missing = true;
                mg_buf_printf(&b, "<fieldset class=\"question%s\" id=\"q-", is_missing ? " has-error" : "");
                mg_buf_html(&b, key);
                mg_buf_puts(&b, "\"");
                if (is_missing) {
                    mg_buf_puts(&b, " aria-describedby=\"err-");
                    mg_buf_html(&b, key);
                    mg_buf_puts(&b, "\"");
                }
                mg_buf_puts(&b, ">\n<legend>");
                mg_buf_html(&b, text_of(get(item, "text"), lang));
                if (!bool_field(item, "required", true))
                    mg_buf_printf(&b, " <span class=\"optional\">%s</span>", mg_t(lang, MSG_OPTIONAL));
                mg_buf_puts(&b, "</legend>\n");
                if (is_missing) {
                    mg_buf_puts(&b, "<p class=\"error\" id=\"err-");
                    mg_buf_html(&b, key);
                    mg_buf_printf(&b, "\">%s</p>\n", mg_t(lang, MSG_ANSWER_REQUIRED));
                }
                mg_buf_puts(&b, "<div class=\"options\">\n");
                each_choice(e->def, item, lang, radio, &b, given);
                mg_buf_puts(&b, "</div>\n</fieldset>\n");
            }
        }
        mg_buf_printf(&b, "<div class=\"nav\"><button type=\"submit\" class=\"primary\" id=\"paper-save\">%s</button></div>\n"
                          "</form>\n",
                      mg_t(lang, MSG_HRX_PAPER_SAVE));
    }
    mg_page_close(&b, lang);
    return mg_page_reply(e->req, status, &b, lang, e->remember, NULL);
}

/* Loads the round, its units, and the chosen unit and role
 * (from the query or the form) with the role's survey. Returns true when
 * it answered already (`ret`). */
static bool entry_load(struct entry *e, struct mg_request *req, struct mg_db_conn *conn, const struct mg_form *in,
                       enum MHD_Result *ret)
{
    memset(e, 0, sizeof *e);
    e->req = req;
    e->lang = mg_page_lang(req, MG_LANG_SV, &e->remember);
    int64_t id = mg_params_id(&req->params, "id");
    enum mg_error err = id ? mg_paper_round(conn, id, &e->round) : MG_ERR_NOT_FOUND;
    if (err == MG_OK && !(e->units = mg_paper_units(conn, id)))
        err = MG_ERR_UNAVAILABLE;
    if (err != MG_OK) {
        *ret = err == MG_ERR_NOT_FOUND
                   ? mg_hr_notice(req, 404, e->lang, MSG_HR_NOT_FOUND_TITLE, mg_t(e->lang, MSG_HR_NOT_FOUND_TEXT))
                   : mg_hr_notice(req, 503, e->lang, MSG_ERROR_TITLE, mg_t(e->lang, MSG_HR_UNAVAILABLE));
        return true;
    }
    const char *unit = mg_form_get(in, "unit"), *role = mg_form_get(in, "role");
    e->unit = unit_known(e->units, unit) ? unit : NULL;
    int64_t sid = survey_for(&e->round, role);
    e->role = sid ? role : NULL;
    if (sid && !(e->def = mg_survey_definition(conn, sid, &e->def_owned))) {
        *ret = mg_hr_notice(req, 503, e->lang, MSG_ERROR_TITLE, mg_t(e->lang, MSG_HR_UNAVAILABLE));
        return true;
    }
    return false;
}

/* A new one-time token for the entry form about to be shown (step two),
 * bound to the round and this session. False when it could not be stored. */
static bool entry_token(struct entry *e, struct mg_db_conn *conn)
{
    if (!e->unit || !e->role || !e->def || strcmp(e->round.mode, "pseudonymous") == 0 || !e->round.accepting)
        return true;
    return mg_paper_form_token(conn, e->round.id, &e->req->user.session, &e->form_token) == MG_OK;
}

static void entry_free(struct entry *e)
{
    sodium_memzero(&e->form_token, sizeof e->form_token);
    PQclear(e->units);
    cJSON_Delete(e->def_owned);
}

enum MHD_Result mg_handle_hr_paper(struct mg_request *req)
{
    struct entry e;
    enum MHD_Result ret;
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn) {
        bool r;
        enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &r);
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    }
    bool answered = entry_load(&e, req, conn, &req->query, &ret);
    if (!answered && !entry_token(&e, conn)) {
        ret = mg_hr_notice(req, 503, e.lang, MSG_ERROR_TITLE, mg_t(e.lang, MSG_HR_UNAVAILABLE));
        answered = true;
    }
    mg_db_release(req->srv->db, conn);
    if (answered) {
        entry_free(&e);
        return ret;
    }
    const char *saved = mg_form_get(&req->query, "saved");
    const char *notice = NULL;
    if (saved && strcmp(saved, "stored") == 0)
        notice = mg_t(e.lang, MSG_HRX_PAPER_SAVED);
    else if (saved && strcmp(saved, "queued") == 0)
        notice = mg_t(e.lang, MSG_HRX_PAPER_QUEUED);
    unsigned int status = strcmp(e.round.mode, "pseudonymous") == 0 ? 409 : e.round.accepting ? 200 : 410;
    ret = entry_page(&e, status, NULL, NULL, notice, NULL);
    entry_free(&e);
    return ret;
}

enum MHD_Result mg_handle_hr_paper_post(struct mg_request *req)
{
    struct entry e;
    enum MHD_Result ret;
    cJSON *answers = NULL, *missing = NULL;
    struct mg_score sc;
    char msg[300], err_s[300];
    bool scored = false;
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn) {
        bool r;
        enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &r);
        return mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
    }
    if (entry_load(&e, req, conn, &req->form, &ret))
        goto done;
    enum mg_lang lang = e.lang;
    if (strcmp(e.round.mode, "pseudonymous") == 0) {
        ret = entry_page(&e, 409, NULL, NULL, NULL, NULL);
        goto done;
    }
    if (!e.round.accepting) {
        ret = entry_page(&e, 410, NULL, NULL, NULL, NULL);
        goto done;
    }
    if (!e.unit || !e.role) {
        ret = entry_page(&e, 400, NULL, NULL, NULL, mg_t(lang, !e.unit ? MSG_HRX_BAD_UNIT : MSG_HRX_BAD_ROLE));
        goto done;
    }
    /* The form shown again after a problem keeps its unused token. */
    const char *form_token = mg_form_get(&req->form, "form_token");
    if (form_token && strlen(form_token) < sizeof e.form_token.text)
        snprintf(e.form_token.text, sizeof e.form_token.text, "%s", form_token);

    /* As on the respondent's pages: every answer field must name an item
     * and hold a value the item accepts; otherwise nothing is stored. */
    answers = cJSON_CreateObject();
    missing = cJSON_CreateArray();
    for (size_t i = 0; answers && i < req->form.n; i++) {
        const char *k = req->form.pairs[i].key;
        if (strcmp(k, "csrf") == 0 || strcmp(k, "form_token") == 0 || strcmp(k, "unit") == 0 ||
            strcmp(k, "role") == 0)
            continue;
        const cJSON *item = strncmp(k, "a.", 2) == 0 ? mg_score_item(e.def, k + 2) : NULL;
        if (!item) {
            snprintf(msg, sizeof msg, mg_t(lang, MSG_HRX_BAD_FIELD), k);
            ret = entry_page(&e, 400, NULL, NULL, NULL, msg);
            goto done;
        }
        if (!mg_score_answer_valid(e.def, item, req->form.pairs[i].value)) {
            snprintf(msg, sizeof msg, mg_t(lang, MSG_HRX_BAD_ANSWER), text_of(get(item, "text"), lang));
            ret = entry_page(&e, 400, NULL, NULL, NULL, msg);
            goto done;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(answers, k + 2);
        cJSON_AddStringToObject(answers, k + 2, req->form.pairs[i].value);
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, get(e.def, "items")) {
        const char *key = str_field(item, "key");
        if (!get(answers, key) && bool_field(item, "required", true))
            cJSON_AddItemToArray(missing, cJSON_CreateString(key));
    }
    if (cJSON_GetArraySize(missing) > 0) {
        ret = entry_page(&e, 422, answers, missing, NULL, NULL);
        goto done;
    }
    if (mg_score_compute(e.def, answers, &sc, err_s, sizeof err_s) != 0) {
        ret = entry_page(&e, 400, answers, NULL, NULL, err_s);
        goto done;
    }
    scored = true;
    bool queued = false;
    enum mg_error err = mg_paper_store(conn, e.round.id, e.unit, e.role, &sc, req->user.id, req->user.login,
                                       form_token, &req->user.session, &queued, msg, sizeof msg);
    switch (err) {
    case MG_OK: {
        char location[200];
        snprintf(location, sizeof location, "/hr/rounds/%lld/paper?lang=%s&unit=%s&role=%s&saved=%s",
                 (long long)e.round.id, mg_lang_code(lang), e.unit, e.role, queued ? "queued" : "stored");
        ret = mg_reply_redirect(req, location);
        break;
    }
    case MG_ERR_CONFLICT:
        if (strcmp(msg, "stored") != 0) {
            ret = entry_page(&e, 409, NULL, NULL, NULL, mg_t(lang, MSG_HRX_PAPER_PSEUDO));
            break;
        }
        /* The same form posted again (a double click): stored once. The
         * next questionnaire gets a form of its own. */
        if (!entry_token(&e, conn)) {
            ret = mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
            break;
        }
        ret = entry_page(&e, 409, NULL, NULL, mg_t(lang, MSG_HRX_PAPER_ALREADY), NULL);
        break;
    case MG_ERR_CSRF:
        /* A form this session was not given (or none): the answers are
         * shown again on a new form, to be saved once. */
        if (!entry_token(&e, conn)) {
            ret = mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
            break;
        }
        ret = entry_page(&e, 403, answers, NULL, NULL, mg_t(lang, MSG_HR_FORM_EXPIRED));
        break;
    case MG_ERR_ROUND_CLOSED:
        ret = entry_page(&e, 410, NULL, NULL, NULL, mg_t(lang, MSG_HRX_PAPER_CLOSED));
        break;
    case MG_ERR_INVALID_INPUT:
        ret = entry_page(&e, 400, answers, NULL, NULL,
                         mg_t(lang, strcmp(msg, "unit") == 0 ? MSG_HRX_BAD_UNIT : MSG_HRX_BAD_ROLE));
        break;
    default:
        ret = mg_hr_notice(req, 503, lang, MSG_ERROR_TITLE, mg_t(lang, MSG_HR_UNAVAILABLE));
        break;
    }

done:
    if (scored)
        mg_score_free(&sc);
    mg_db_release(req->srv->db, conn);
    entry_free(&e);
    cJSON_Delete(answers);
    cJSON_Delete(missing);
    return ret;
}
