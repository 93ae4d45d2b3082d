/* respond.c: the respondent's pages: link exchange, welcome, one page per
 * area, review, submit and the personal profile. Works without JavaScript;
 * respond.js only enhances. */
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_config.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_http.h"
#include "mg_page.h"
#include "mg_respond.h"

/* ---- definition helpers (the definition was validated when loaded) ---- */

static const char *text_of(const cJSON *obj, enum mg_lang lang)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, mg_lang_code(lang));
    if (!cJSON_IsString(t))
        t = cJSON_GetObjectItemCaseSensitive(obj, "sv");
    if (!cJSON_IsString(t) && obj)
        t = obj->child;
    return cJSON_IsString(t) ? t->valuestring : "";
}

static const cJSON *areas_of(const cJSON *def) { return cJSON_GetObjectItemCaseSensitive(def, "areas"); }
static const cJSON *items_of(const cJSON *def) { return cJSON_GetObjectItemCaseSensitive(def, "items"); }

static const char *str_field(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool bool_field(const cJSON *o, const char *k, bool dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* The scale an item answers on (likert and frequency), or NULL. */
static const cJSON *scale_of(const cJSON *def, const cJSON *item)
{
    const cJSON *scales = cJSON_GetObjectItemCaseSensitive(def, "scales");
    return cJSON_GetObjectItemCaseSensitive(scales, str_field(item, "scale"));
}

/* The "don't know" label of an item: its scale's, or for choice items the
 * knowledge scale's. */
static const cJSON *dont_know_label(const cJSON *def, const cJSON *item)
{
    const cJSON *scale = scale_of(def, item);
    if (!scale) {
        const cJSON *scales = cJSON_GetObjectItemCaseSensitive(def, "scales");
        scale = cJSON_GetObjectItemCaseSensitive(scales, "knowledge");
    }
    return cJSON_GetObjectItemCaseSensitive(scale, "dont_know");
}

/* Number of pages: one per area. */
static int page_count(const cJSON *def) { return cJSON_GetArraySize(areas_of(def)); }

/* ---- session plumbing -------------------------------------------------- */

static enum mg_lang lang_for(struct mg_request *req, const struct mg_rsession *s, bool *remember)
{
    enum mg_lang fallback = MG_LANG_SV;
    if (s)
        mg_lang_parse(s->language, &fallback);
    return mg_page_lang(req, fallback, remember);
}

/* Loads the session or answers for its absence. Returns true when it answered. */
static bool load_session(struct mg_request *req, struct mg_db_conn **conn, struct mg_rsession *s,
                         enum MHD_Result *ret)
{
    bool remember;
    *conn = mg_db_acquire(req->srv->db);
    if (!*conn) {
        *ret = mg_page_notice(req, 503, mg_page_lang(req, MG_LANG_SV, &remember),
                              mg_t(MG_LANG_SV, MSG_ERROR_TITLE), mg_error_message(MG_ERR_UNAVAILABLE));
        return true;
    }
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, MG_RESPOND_COOKIE);
    enum mg_error err = mg_respond_load(*conn, cookie, s);
    if (err == MG_OK)
        return false;
    mg_db_release(req->srv->db, *conn);
    *conn = NULL;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    if (err == MG_ERR_UNAUTHORISED &&
        MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, MG_RESPOND_MARKER) &&
        strcmp(req->method, "GET") == 0) {
        /* Arrived from a mail client: the Strict session cookie was held
         * back on that cross-site navigation. A same-site step sends it. */
        struct mg_buf b = {0};
        mg_page_open(&b, lang, mg_t(lang, MSG_CONTINUE_TO_SURVEY), "/survey");
        mg_buf_printf(&b, "<h1>%s</h1>\n<p><a class=\"button primary\" id=\"continue\" href=\"/survey\">%s</a></p>\n",
                      mg_t(lang, MSG_SITE_NAME), mg_t(lang, MSG_CONTINUE_TO_SURVEY));
        mg_page_close(&b, lang);
        *ret = mg_page_reply(req, 200, &b, lang, false, NULL);
        return true;
    }
    if (err == MG_ERR_UNAUTHORISED)
        *ret = mg_page_notice(req, 401, lang, mg_t(lang, MSG_NO_SESSION_TITLE), mg_t(lang, MSG_NO_SESSION_TEXT));
    else
        *ret = mg_page_notice(req, 503, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_UNAVAILABLE));
    return true;
}

/* Answers for a round that does not accept answers now; true when it did. */
static bool check_window(struct mg_request *req, const struct mg_rsession *s, enum mg_lang lang,
                         enum MHD_Result *ret)
{
    if (s->accepting)
        return false;
    if (s->not_yet_open) {
        char text[400];
        snprintf(text, sizeof text, mg_t(lang, MSG_NOT_OPEN_TEXT), s->opens_on);
        *ret = mg_page_notice(req, 200, lang, mg_t(lang, MSG_NOT_OPEN_TITLE), text);
    } else {
        *ret = mg_page_notice(req, 410, lang, mg_t(lang, MSG_CLOSED_TITLE), mg_t(lang, MSG_CLOSED_TEXT));
    }
    return true;
}

static const cJSON *answers_of(const struct mg_rsession *s)
{
    return cJSON_GetObjectItemCaseSensitive(s->draft, "answers");
}

static const char *answer_for(const struct mg_rsession *s, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(answers_of(s), key);
    return cJSON_IsString(a) ? a->valuestring : NULL;
}

/* ---- link exchange ------------------------------------------------------ */

static enum MHD_Result start(struct mg_request *req, bool open_link)
{
    struct mg_token cookie;
    bool remember;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    const char *token = mg_params_get(&req->params, "token");
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_page_notice(req, 503, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_UNAVAILABLE));
    enum mg_error err = open_link ? mg_respond_start_open(conn, token, &cookie)
                                  : mg_respond_start_invitation(conn, token, &cookie);
    mg_db_release(req->srv->db, conn);
    switch (err) {
    case MG_OK:
        break;
    case MG_ERR_ROUND_CLOSED:
        return mg_page_notice(req, 410, lang, mg_t(lang, MSG_CLOSED_TITLE), mg_t(lang, MSG_CLOSED_TEXT));
    case MG_ERR_CONFLICT:
        return mg_page_notice(req, 409, lang, mg_t(lang, MSG_USED_TITLE), mg_t(lang, MSG_USED_TEXT));
    case MG_ERR_NOT_FOUND:
        return mg_page_notice(req, 404, lang, mg_t(lang, MSG_BAD_LINK_TITLE), mg_t(lang, MSG_BAD_LINK_TEXT));
    default:
        return mg_page_notice(req, 503, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_UNAVAILABLE));
    }
    /* The token leaves the address bar at once: a cookie and a redirect. */
    char session[160], marker[120];
    const char *secure = req->srv->cfg->tls_proxy ? "; Secure" : "";
    snprintf(session, sizeof session, MG_RESPOND_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
             cookie.text, secure);
    snprintf(marker, sizeof marker, MG_RESPOND_MARKER "=1; Path=/survey; HttpOnly; SameSite=Lax; Max-Age=86400%s",
             secure);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, "/survey");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, session);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, marker);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    sodium_memzero(session, sizeof session);
    sodium_memzero(&cookie, sizeof cookie);
    enum MHD_Result ret = mg_reply_response(req, MHD_HTTP_SEE_OTHER, resp, 0);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result mg_handle_respond_invitation(struct mg_request *req) { return start(req, false); }
enum MHD_Result mg_handle_respond_open(struct mg_request *req) { return start(req, true); }

/* ---- pages ---------------------------------------------------------------- */

/* The page overview: every area with a link, the current one marked. */
static void page_overview(struct mg_buf *b, const struct mg_rsession *s, enum mg_lang lang, int current)
{
    const cJSON *area;
    int n = 0;
    mg_buf_printf(b, "<nav class=\"pages\" aria-label=\"%s\"><ol>", mg_t(lang, MSG_PAGES));
    cJSON_ArrayForEach(area, areas_of(s->definition)) {
        n++;
        mg_buf_printf(b, "<li><a href=\"/survey/page/%d\"%s>", n, n == current ? " aria-current=\"page\"" : "");
        mg_buf_html(b, text_of(cJSON_GetObjectItemCaseSensitive(area, "name"), lang));
        mg_buf_puts(b, "</a></li>");
    }
    mg_buf_printf(b, "<li><a href=\"/survey/review\"%s>%s</a></li></ol></nav>\n",
                  current == -1 ? " aria-current=\"page\"" : "", mg_t(lang, MSG_TO_REVIEW));
}

/* The first page with an unanswered required item, or the review page. */
static int first_open_page(const struct mg_rsession *s)
{
    const cJSON *area;
    int n = 0;
    cJSON_ArrayForEach(area, areas_of(s->definition)) {
        n++;
        const cJSON *item;
        const char *akey = str_field(area, "key");
        cJSON_ArrayForEach(item, items_of(s->definition)) {
            if (strcmp(str_field(item, "area"), akey) == 0 && bool_field(item, "required", true) &&
                !answer_for(s, str_field(item, "key")))
                return n;
        }
    }
    return 0;
}

enum MHD_Result mg_handle_respond_welcome(struct mg_request *req)
{
    struct mg_db_conn *conn;
    struct mg_rsession s;
    enum MHD_Result ret;
    bool remember;

    if (load_session(req, &conn, &s, &ret))
        return ret;
    mg_db_release(req->srv->db, conn);
    enum mg_lang lang = lang_for(req, &s, &remember);
    if (check_window(req, &s, lang, &ret)) {
        mg_respond_free(&s);
        return ret;
    }
    const cJSON *def = s.definition;
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(def, "title");
    const cJSON *minutes = cJSON_GetObjectItemCaseSensitive(def, "minutes");
    struct mg_buf b = {0};
    mg_page_open(&b, lang, text_of(title, lang), "/survey");
    mg_buf_puts(&b, "<h1>");
    mg_buf_html(&b, text_of(title, lang));
    mg_buf_puts(&b, "</h1>\n<p>");
    mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(def, "intro"), lang));
    mg_buf_printf(&b, "</p>\n<ul class=\"facts\">\n<li>%s</li>\n<li>", mg_t(lang, MSG_WELCOME_WHO_SEES));
    mg_buf_printf(&b, mg_t(lang, MSG_WELCOME_GROUP_SIZE), s.k);
    mg_buf_puts(&b, "</li>\n<li>");
    mg_buf_printf(&b, mg_t(lang, MSG_WELCOME_TIME), cJSON_IsNumber(minutes) ? minutes->valueint : 15);
    mg_buf_printf(&b, "</li>\n<li>%s</li>\n", mg_t(lang, MSG_WELCOME_SAVED));
    if (strcmp(s.mode, "pseudonymous") == 0) {
        mg_buf_puts(&b, "<li>");
        mg_buf_printf(&b, mg_t(lang, MSG_WELCOME_REVISE), s.closes_on);
        mg_buf_puts(&b, "</li>\n");
    }
    mg_buf_puts(&b, "</ul>\n");
    int next = first_open_page(&s);
    bool started = cJSON_GetArraySize(answers_of(&s)) > 0;
    if (next)
        mg_buf_printf(&b, "<p><a class=\"button primary\" href=\"/survey/page/%d\">%s</a></p>\n", next,
                      mg_t(lang, started ? MSG_CONTINUE : MSG_START));
    else
        mg_buf_printf(&b, "<p><a class=\"button primary\" href=\"/survey/review\">%s</a></p>\n",
                      mg_t(lang, MSG_TO_REVIEW));
    page_overview(&b, &s, lang, 0);
    mg_page_close(&b, lang);
    mg_respond_free(&s);
    return mg_page_reply(req, 200, &b, lang, remember, NULL);
}

/* The area of page `n` (1-based), or NULL. */
static const cJSON *area_of_page(const cJSON *def, int n)
{
    return n >= 1 ? cJSON_GetArrayItem(areas_of(def), n - 1) : NULL;
}

static int page_param(struct mg_request *req)
{
    const char *p = mg_params_get(&req->params, "n");
    char *end;
    long n = p ? strtol(p, &end, 10) : 0;
    return p && *p >= '1' && *p <= '9' && !*end && n < 1000 ? (int)n : 0;
}

/* One radio choice. */
static void radio(struct mg_buf *b, const char *item_key, const char *value, const char *label,
                  bool checked)
{
    mg_buf_puts(b, "<label class=\"option\"><input type=\"radio\" name=\"a.");
    mg_buf_html(b, item_key);
    mg_buf_puts(b, "\" value=\"");
    mg_buf_html(b, value);
    mg_buf_printf(b, "\"%s> <span>", checked ? " checked" : "");
    mg_buf_html(b, label);
    mg_buf_puts(b, "</span></label>\n");
}

/* Renders page `n`; `missing` lists item keys that need an answer. */
static enum MHD_Result render_page(struct mg_request *req, struct mg_rsession *s, enum mg_lang lang,
                                   bool remember, int n, const cJSON *missing, unsigned int status)
{
    const cJSON *def = s->definition;
    const cJSON *area = area_of_page(def, n);
    const char *akey = str_field(area, "key");
    const char *area_name = text_of(cJSON_GetObjectItemCaseSensitive(area, "name"), lang);
    struct mg_token csrf;
    struct mg_buf b = {0};
    char path[48];
    int total = page_count(def);

    snprintf(path, sizeof path, "/survey/page/%d", n);
    mg_page_open(&b, lang, area_name, path);
    mg_buf_puts(&b, "<p class=\"progress-text\" id=\"progress-text\">");
    mg_buf_printf(&b, mg_t(lang, MSG_PAGE_OF), n, total);
    mg_buf_printf(&b, "</p>\n<div class=\"progress\" data-page=\"%d\" data-pages=\"%d\" hidden></div>\n", n, total);

    if (cJSON_GetArraySize(missing) > 0) {
        mg_buf_printf(&b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\">"
                          "<h2>%s</h2><ul>", mg_t(lang, MSG_ERROR_SUMMARY));
        const cJSON *m;
        cJSON_ArrayForEach(m, missing) {
            const cJSON *item;
            cJSON_ArrayForEach(item, items_of(def)) if (strcmp(str_field(item, "key"), m->valuestring) == 0) {
                mg_buf_puts(&b, "<li><a href=\"#q-");
                mg_buf_html(&b, m->valuestring);
                mg_buf_puts(&b, "\">");
                mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(item, "text"), lang));
                mg_buf_printf(&b, ": %s</a></li>", mg_t(lang, MSG_ANSWER_REQUIRED));
            }
        }
        mg_buf_puts(&b, "</ul></div>\n");
    }

    mg_buf_puts(&b, "<h1>");
    mg_buf_html(&b, area_name);
    mg_buf_puts(&b, "</h1>\n<p class=\"lead\">");
    mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(area, "description"), lang));
    mg_buf_printf(&b, "</p>\n<form method=\"post\" action=\"%s\" class=\"survey\" novalidate>\n", path);
    mg_respond_csrf(req->srv->keys, s, &csrf);
    mg_buf_printf(&b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", csrf.text);

    const cJSON *item;
    cJSON_ArrayForEach(item, items_of(def)) {
        if (strcmp(str_field(item, "area"), akey) != 0)
            continue;
        const char *key = str_field(item, "key");
        const char *given = answer_for(s, key);
        bool is_missing = false;
        const cJSON *m;
        cJSON_ArrayForEach(m, missing) if (strcmp(m->valuestring, key) == 0) is_missing = true;
        const cJSON *help = cJSON_GetObjectItemCaseSensitive(item, "help");

        mg_buf_puts(&b, "<fieldset class=\"question");
        mg_buf_puts(&b, is_missing ? " has-error\"" : "\"");
        mg_buf_puts(&b, " id=\"q-");
        mg_buf_html(&b, key);
        mg_buf_puts(&b, "\"");
        if (is_missing || help) {
            mg_buf_puts(&b, " aria-describedby=\"");
            if (help) {
                mg_buf_puts(&b, "hint-");
                mg_buf_html(&b, key);
            }
            if (is_missing) {
                mg_buf_puts(&b, help ? " err-" : "err-");
                mg_buf_html(&b, key);
            }
            mg_buf_puts(&b, "\"");
        }
        mg_buf_puts(&b, ">\n<legend>");
        mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(item, "text"), lang));
        if (!bool_field(item, "required", true))
            mg_buf_printf(&b, " <span class=\"optional\">%s</span>", mg_t(lang, MSG_OPTIONAL));
        mg_buf_puts(&b, "</legend>\n");
        if (help) {
            mg_buf_puts(&b, "<p class=\"hint\" id=\"hint-");
            mg_buf_html(&b, key);
            mg_buf_puts(&b, "\">");
            mg_buf_html(&b, text_of(help, lang));
            mg_buf_puts(&b, "</p>\n");
        }
        if (is_missing) {
            mg_buf_puts(&b, "<p class=\"error\" id=\"err-");
            mg_buf_html(&b, key);
            mg_buf_printf(&b, "\">%s</p>\n", mg_t(lang, MSG_ANSWER_REQUIRED));
        }
        mg_buf_puts(&b, "<div class=\"options\">\n");
        if (strcmp(str_field(item, "type"), "choice") == 0) {
            const cJSON *opt;
            cJSON_ArrayForEach(opt, cJSON_GetObjectItemCaseSensitive(item, "options")) {
                const char *ok = str_field(opt, "key");
                radio(&b, key, ok, text_of(cJSON_GetObjectItemCaseSensitive(opt, "label"), lang),
                      given && strcmp(given, ok) == 0);
            }
        } else {
            const cJSON *pt;
            cJSON_ArrayForEach(pt, cJSON_GetObjectItemCaseSensitive(scale_of(def, item), "points")) {
                char v[16];
                snprintf(v, sizeof v, "%d", cJSON_GetObjectItemCaseSensitive(pt, "value")->valueint);
                radio(&b, key, v, text_of(cJSON_GetObjectItemCaseSensitive(pt, "label"), lang),
                      given && strcmp(given, v) == 0);
            }
        }
        if (bool_field(item, "dont_know", false))
            radio(&b, key, "dk", text_of(dont_know_label(def, item), lang), given && strcmp(given, "dk") == 0);
        mg_buf_puts(&b, "</div>\n</fieldset>\n");
    }
    mg_buf_printf(&b, "<div class=\"nav\"><button type=\"submit\" class=\"primary\" name=\"nav\" value=\"next\">%s</button>\n",
                  mg_t(lang, n < total ? MSG_NEXT : MSG_TO_REVIEW));
    if (n > 1)
        mg_buf_printf(&b, "<button type=\"submit\" name=\"nav\" value=\"back\">%s</button>", mg_t(lang, MSG_BACK));
    mg_buf_puts(&b, "</div>\n</form>\n");
    page_overview(&b, s, lang, n);
    mg_page_close(&b, lang);
    return mg_page_reply(req, status, &b, lang, remember, NULL);
}

enum MHD_Result mg_handle_respond_page(struct mg_request *req)
{
    struct mg_db_conn *conn;
    struct mg_rsession s;
    enum MHD_Result ret;
    bool remember;

    if (load_session(req, &conn, &s, &ret))
        return ret;
    mg_db_release(req->srv->db, conn);
    enum mg_lang lang = lang_for(req, &s, &remember);
    int n = page_param(req);
    if (check_window(req, &s, lang, &ret)) {
        mg_respond_free(&s);
        return ret;
    }
    if (!area_of_page(s.definition, n)) {
        mg_respond_free(&s);
        return mg_page_notice(req, 404, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_NOT_FOUND));
    }
    ret = render_page(req, &s, lang, remember, n, NULL, 200);
    mg_respond_free(&s);
    return ret;
}

/* Validates one answer against its item: a scale value, an option key, or
 * "dk" where allowed. */
static bool answer_valid(const cJSON *def, const cJSON *item, const char *value)
{
    if (strcmp(value, "dk") == 0)
        return bool_field(item, "dont_know", false);
    if (strcmp(str_field(item, "type"), "choice") == 0) {
        const cJSON *opt;
        cJSON_ArrayForEach(opt, cJSON_GetObjectItemCaseSensitive(item, "options"))
            if (strcmp(str_field(opt, "key"), value) == 0)
                return true;
        return false;
    }
    const cJSON *pt;
    cJSON_ArrayForEach(pt, cJSON_GetObjectItemCaseSensitive(scale_of(def, item), "points")) {
        char v[16];
        snprintf(v, sizeof v, "%d", cJSON_GetObjectItemCaseSensitive(pt, "value")->valueint);
        if (strcmp(v, value) == 0)
            return true;
    }
    return false;
}

static bool csrf_ok(struct mg_request *req, const struct mg_rsession *s)
{
    struct mg_token want;
    const char *given = mg_form_get(&req->form, "csrf");
    mg_respond_csrf(req->srv->keys, s, &want);
    size_t n = strlen(want.text);
    return given && strlen(given) == n && sodium_memcmp(given, want.text, n) == 0;
}

enum MHD_Result mg_handle_respond_page_post(struct mg_request *req)
{
    struct mg_db_conn *conn;
    struct mg_rsession s;
    enum MHD_Result ret;
    bool remember;
    char msg[300];

    if (load_session(req, &conn, &s, &ret))
        return ret;
    enum mg_lang lang = lang_for(req, &s, &remember);
    int n = page_param(req);
    const cJSON *area = area_of_page(s.definition, n);
    if (check_window(req, &s, lang, &ret) || !area || !csrf_ok(req, &s)) {
        if (area && s.accepting)
            ret = mg_page_notice(req, 403, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_CSRF));
        else if (!area && s.accepting)
            ret = mg_page_notice(req, 404, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_NOT_FOUND));
        goto done;
    }

    /* Every answer field must belong to an item of this page and hold a
     * value that item accepts; otherwise nothing is stored. */
    const char *akey = str_field(area, "key");
    for (size_t i = 0; i < req->form.n; i++) {
        const char *k = req->form.pairs[i].key;
        if (strcmp(k, "csrf") == 0 || strcmp(k, "nav") == 0)
            continue;
        const cJSON *found = NULL, *item;
        if (strncmp(k, "a.", 2) == 0)
            cJSON_ArrayForEach(item, items_of(s.definition)) if (strcmp(str_field(item, "key"), k + 2) == 0)
                found = item;
        if (!found || strcmp(str_field(found, "area"), akey) != 0) {
            snprintf(msg, sizeof msg, "\"%.80s\" is not a question on this page.", k);
            ret = mg_page_notice(req, 400, lang, mg_t(lang, MSG_ERROR_TITLE), msg);
            goto done;
        }
        if (!answer_valid(s.definition, found, req->form.pairs[i].value)) {
            snprintf(msg, sizeof msg, "The answer to \"%.64s\" is not one of its choices.", k + 2);
            ret = mg_page_notice(req, 400, lang, mg_t(lang, MSG_ERROR_TITLE), msg);
            goto done;
        }
    }

    cJSON *answers = cJSON_GetObjectItemCaseSensitive(s.draft, "answers");
    cJSON *missing = cJSON_CreateArray();
    const cJSON *item;
    cJSON_ArrayForEach(item, items_of(s.definition)) {
        if (strcmp(str_field(item, "area"), akey) != 0)
            continue;
        char field[80];
        const char *key = str_field(item, "key");
        snprintf(field, sizeof field, "a.%s", key);
        const char *v = mg_form_get(&req->form, field);
        cJSON_DeleteItemFromObjectCaseSensitive(answers, key);
        if (v)
            cJSON_AddStringToObject(answers, key, v);
        else if (bool_field(item, "required", true))
            cJSON_AddItemToArray(missing, cJSON_CreateString(key));
    }
    enum mg_error err = mg_respond_save_draft(conn, &s);
    if (err != MG_OK) {
        cJSON_Delete(missing);
        ret = mg_page_notice(req, 503, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(err));
        goto done;
    }
    const char *nav = mg_form_get(&req->form, "nav");
    bool back = nav && strcmp(nav, "back") == 0;
    if (nav && strcmp(nav, "save") == 0) {
        /* respond.js saving the draft as answers change. */
        cJSON_Delete(missing);
        ret = mg_reply_buffer(req, 204, "text/plain", "", 0);
        goto done;
    }
    if (!back && cJSON_GetArraySize(missing) > 0) {
        ret = render_page(req, &s, lang, remember, n, missing, 422);
        cJSON_Delete(missing);
        goto done;
    }
    cJSON_Delete(missing);
    char location[48];
    if (back)
        snprintf(location, sizeof location, "/survey/page/%d", n > 1 ? n - 1 : 1);
    else if (n < page_count(s.definition))
        snprintf(location, sizeof location, "/survey/page/%d", n + 1);
    else
        snprintf(location, sizeof location, "/survey/review");
    ret = mg_reply_redirect(req, location);

done:
    mg_db_release(req->srv->db, conn);
    mg_respond_free(&s);
    return ret;
}
