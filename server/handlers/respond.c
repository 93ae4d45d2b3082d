/* respond.c: the respondent's pages: link exchange, welcome, one page per
 * area, review, submit and the personal profile. Works without JavaScript;
 * respond.js only enhances. */
#include <cjson/cJSON.h>
#include <math.h>
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
#include "mg_scoring.h"

/* ---- definition helpers (the definition was validated when loaded) ---- */

/* A day of the round (YYYY-MM-DD) as `lang` writes it, in `out`. */
static const char *day_text(const char *iso, enum mg_lang lang, char *out, size_t outlen)
{
    mg_format_day(iso, mg_lang_code(lang), out, outlen);
    return out;
}

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
    if (err == MG_ERR_UNAUTHORISED && !cookie &&
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
        char day[40];
        snprintf(text, sizeof text, mg_t(lang, MSG_NOT_OPEN_TEXT), day_text(s->opens_on, lang, day, sizeof day));
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

static bool finished(const struct mg_rsession *s);
static bool submitted_of(const struct mg_rsession *s);
static enum MHD_Result thanks_page(struct mg_request *req, enum mg_lang lang);

/* ---- link exchange ------------------------------------------------------ */

static enum MHD_Result start(struct mg_request *req, bool open_link)
{
    struct mg_token cookie;
    bool remember;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    const char *token = mg_params_get(&req->params, "token");
    /* An invitation link may end in the language HR's register gives the
     * person (/s/{token}/sv): the survey opens in it, ahead of the
     * browser's, unless the respondent has chosen one themselves (the
     * language links on every page change it). */
    const char *register_lang = mg_params_get(&req->params, "lang");
    if (register_lang) {
        if (!mg_lang_parse(register_lang, &lang))
            return mg_page_notice(req, 404, lang, mg_t(lang, MSG_BAD_LINK_TITLE), mg_t(lang, MSG_BAD_LINK_TEXT));
        remember = !mg_page_lang_chosen(req);
    }
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
    const char *secure = req->secure ? "; Secure" : "";
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
    /* The register's language, or ?lang=, remembered as the page's. */
    char lang_cookie[96];
    if (remember) {
        mg_page_lang_cookie(req, lang, lang_cookie, sizeof lang_cookie);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, lang_cookie);
    }
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
    if (check_window(req, &s, lang, &ret) || (finished(&s) && (ret = thanks_page(req, lang), true))) {
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
        char day[40];
        mg_buf_printf(&b, mg_t(lang, MSG_WELCOME_REVISE), day_text(s.last_day, lang, day, sizeof day));
        mg_buf_puts(&b, "</li>\n");
    }
    mg_buf_puts(&b, "</ul>\n");
    if (submitted_of(&s))
        mg_buf_printf(&b, "<p class=\"done\"><a href=\"/survey/profile\">%s</a></p>\n", mg_t(lang, MSG_SHOW_PROFILE));
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
    if (check_window(req, &s, lang, &ret) || (finished(&s) && (ret = thanks_page(req, lang), true))) {
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

/* The length of the longest prefix of `s` of at most `max` bytes that does
 * not cut a UTF-8 character (form fields are valid UTF-8), so a shortened
 * field echoed in a message stays valid UTF-8. */
static int utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (s[n] != '\0')
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    return (int)n;
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
    if (finished(&s)) {
        ret = thanks_page(req, lang);
        goto done;
    }
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
            snprintf(msg, sizeof msg, "\"%.*s\" is not a question on this page.", utf8_prefix(k, 80), k);
            ret = mg_page_notice(req, 400, lang, mg_t(lang, MSG_ERROR_TITLE), msg);
            goto done;
        }
        if (!mg_score_answer_valid(s.definition, found, req->form.pairs[i].value)) {
            snprintf(msg, sizeof msg, "The answer to \"%.*s\" is not one of its choices.", utf8_prefix(k + 2, 64),
                     k + 2);
            ret = mg_page_notice(req, 400, lang, mg_t(lang, MSG_ERROR_TITLE), msg);
            goto done;
        }
    }

    /* respond.js's autosave only adds answers; a page post also drops the
     * page's answers that were cleared. */
    const char *nav = mg_form_get(&req->form, "nav");
    bool autosave = nav && strcmp(nav, "save") == 0;
    cJSON *set = cJSON_CreateObject();
    cJSON *missing = cJSON_CreateArray();
    struct mg_buf remove = {0};
    mg_buf_puts(&remove, "{");
    const cJSON *item;
    cJSON_ArrayForEach(item, items_of(s.definition)) {
        if (strcmp(str_field(item, "area"), akey) != 0)
            continue;
        char field[80];
        const char *key = str_field(item, "key");
        snprintf(field, sizeof field, "a.%s", key);
        const char *v = mg_form_get(&req->form, field);
        if (v) {
            cJSON_AddStringToObject(set, key, v);
            continue;
        }
        if (!autosave) /* item keys are [a-z0-9_]: no quoting needed */
            mg_buf_printf(&remove, "%s%s", remove.len > 1 ? "," : "", key);
        if (bool_field(item, "required", true))
            cJSON_AddItemToArray(missing, cJSON_CreateString(key));
    }
    mg_buf_puts(&remove, "}");
    enum mg_error err = mg_respond_merge_answers(conn, &s, set, remove.data);
    cJSON_Delete(set);
    mg_buf_free(&remove);
    if (err != MG_OK) {
        cJSON_Delete(missing);
        ret = mg_page_notice(req, 503, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(err));
        goto done;
    }
    bool back = nav && strcmp(nav, "back") == 0;
    if (autosave) {
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

/* ---- review, submit, profile ------------------------------------------- */

static bool submitted_of(const struct mg_rsession *s)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s->draft, "submitted"));
}

/* An anonymous or open session that has submitted holds nothing more:
 * every page of it says thank you. */
static bool finished(const struct mg_rsession *s)
{
    return submitted_of(s) && strcmp(s->mode, "pseudonymous") != 0;
}

static enum MHD_Result thanks_page(struct mg_request *req, enum mg_lang lang)
{
    return mg_page_notice(req, 200, lang, mg_t(lang, MSG_THANKS_TITLE), mg_t(lang, MSG_DONE_TEXT));
}

/* The label of answer `v` to `item`. */
static const char *answer_label(const cJSON *def, const cJSON *item, const char *v, enum mg_lang lang)
{
    if (strcmp(v, "dk") == 0)
        return text_of(dont_know_label(def, item), lang);
    const cJSON *o;
    if (strcmp(str_field(item, "type"), "choice") == 0) {
        cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(item, "options"))
            if (strcmp(str_field(o, "key"), v) == 0)
                return text_of(cJSON_GetObjectItemCaseSensitive(o, "label"), lang);
        return v;
    }
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(scale_of(def, item), "points")) {
        char num[16];
        snprintf(num, sizeof num, "%d", cJSON_GetObjectItemCaseSensitive(o, "value")->valueint);
        if (strcmp(num, v) == 0)
            return text_of(cJSON_GetObjectItemCaseSensitive(o, "label"), lang);
    }
    return v;
}

static enum MHD_Result render_review(struct mg_request *req, struct mg_rsession *s, enum mg_lang lang,
                                     bool remember, unsigned int status)
{
    const cJSON *def = s->definition, *area, *item;
    struct mg_buf b = {0};
    struct mg_token csrf;
    const char *first[1];
    size_t missing = mg_score_unanswered(def, answers_of(s), first, 1);

    mg_page_open(&b, lang, mg_t(lang, MSG_REVIEW_TITLE), "/survey/review");
    if (missing > 0) {
        mg_buf_printf(&b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\">"
                          "<h2>%s</h2><p><a href=\"#q-%s\">", mg_t(lang, MSG_ERROR_SUMMARY), first[0]);
        mg_buf_printf(&b, mg_t(lang, MSG_REVIEW_MISSING), (int)missing);
        mg_buf_puts(&b, "</a></p></div>\n");
    }
    mg_buf_printf(&b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", mg_t(lang, MSG_REVIEW_TITLE),
                  mg_t(lang, MSG_REVIEW_INTRO));
    int n = 0;
    cJSON_ArrayForEach(area, areas_of(def)) {
        n++;
        const char *akey = str_field(area, "key");
        const char *name = text_of(cJSON_GetObjectItemCaseSensitive(area, "name"), lang);
        mg_buf_puts(&b, "<section class=\"review-area\">\n<h2>");
        mg_buf_html(&b, name);
        mg_buf_printf(&b, "</h2>\n<p><a href=\"/survey/page/%d\">%s<span class=\"visually-hidden\">: ", n,
                      mg_t(lang, MSG_CHANGE));
        mg_buf_html(&b, name);
        mg_buf_puts(&b, "</span></a></p>\n<dl class=\"answers\">\n");
        cJSON_ArrayForEach(item, items_of(def)) {
            if (strcmp(str_field(item, "area"), akey) != 0)
                continue;
            const char *key = str_field(item, "key");
            const char *v = answer_for(s, key);
            mg_buf_puts(&b, "<div id=\"q-");
            mg_buf_html(&b, key);
            mg_buf_puts(&b, v ? "\">" : "\" class=\"missing\">");
            mg_buf_puts(&b, "<dt>");
            mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(item, "text"), lang));
            mg_buf_puts(&b, "</dt><dd>");
            if (v)
                mg_buf_html(&b, answer_label(def, item, v, lang));
            else
                mg_buf_printf(&b, "<a href=\"/survey/page/%d#q-%s\"><strong>%s</strong></a>", n, key,
                              mg_t(lang, MSG_NOT_ANSWERED));
            mg_buf_puts(&b, "</dd></div>\n");
        }
        mg_buf_puts(&b, "</dl>\n</section>\n");
    }
    mg_respond_csrf(req->srv->keys, s, &csrf);
    mg_buf_printf(&b, "<form method=\"post\" action=\"/survey/submit\" class=\"submit\">\n"
                      "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", csrf.text);
    if (strcmp(s->mode, "pseudonymous") == 0) {
        mg_buf_puts(&b, "<p>");
        char day[40];
        mg_buf_printf(&b, mg_t(lang, MSG_REVISE_NOTE), day_text(s->last_day, lang, day, sizeof day));
        mg_buf_puts(&b, "</p>\n");
    }
    mg_buf_printf(&b, "<button type=\"submit\" class=\"primary\">%s</button>\n</form>\n", mg_t(lang, MSG_SUBMIT));
    page_overview(&b, s, lang, -1);
    mg_page_close(&b, lang);
    return mg_page_reply(req, status, &b, lang, remember, NULL);
}

enum MHD_Result mg_handle_respond_review(struct mg_request *req)
{
    struct mg_db_conn *conn;
    struct mg_rsession s;
    enum MHD_Result ret;
    bool remember;

    if (load_session(req, &conn, &s, &ret))
        return ret;
    mg_db_release(req->srv->db, conn);
    enum mg_lang lang = lang_for(req, &s, &remember);
    if (check_window(req, &s, lang, &ret))
        ;
    else if (finished(&s))
        ret = thanks_page(req, lang);
    else
        ret = render_review(req, &s, lang, remember, 200);
    mg_respond_free(&s);
    return ret;
}

/* The level object of key `key`. */
static const cJSON *level_of(const cJSON *def, const char *key)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(def, "levels"))
        if (key && strcmp(str_field(l, "key"), key) == 0)
            return l;
    return NULL;
}

static const char *level_name(const cJSON *def, const char *key, enum mg_lang lang)
{
    return text_of(cJSON_GetObjectItemCaseSensitive(level_of(def, key), "name"), lang);
}

static const cJSON *area_def(const cJSON *def, const char *key)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, areas_of(def))
        if (strcmp(str_field(a, "key"), key) == 0)
            return a;
    return NULL;
}

/* Scores are shown as whole numbers, cut rather than rounded, so a shown
 * figure never reaches a threshold its level has not (64.6 shows as 64,
 * not as an "intermediate" 65). */
static int shown(double score) { return (int)floor(score); }

/* A horizontal bar per area, with the staircase's thresholds as lines. The
 * table after it carries the same figures for screen readers. */
static void profile_chart(struct mg_buf *b, const cJSON *def, const struct mg_score *sc, bool individual,
                          enum mg_lang lang, const char *id)
{
    const int label_w = 230, bar_w = 380, row_h = 34, top = 26;
    int rows = 0;
    for (size_t i = 0; i < sc->n_areas; i++)
        rows += sc->areas[i].individual == individual;
    int height = top + rows * row_h + 8;
    mg_buf_printf(b, "<figure class=\"chart\"><svg viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-t\" "
                     "focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"%s-t\">%s</title>\n",
                  label_w + bar_w + 60, height, id, id, mg_t(lang, MSG_PROFILE_CHART));
    /* Thresholds of the staircase. */
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(def, "levels")) {
        double from = cJSON_GetObjectItemCaseSensitive(l, "from")->valuedouble;
        if (from <= 0)
            continue;
        double x = label_w + bar_w * from / 100.0;
        mg_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#595959\" "
                         "stroke-dasharray=\"3 3\"/>", x, x, top - 6, height - 4);
        mg_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">", x,
                      top - 10);
        mg_buf_html(b, text_of(cJSON_GetObjectItemCaseSensitive(l, "name"), lang));
        mg_buf_puts(b, "</text>\n");
    }
    int row = 0;
    for (size_t i = 0; i < sc->n_areas; i++) {
        const struct mg_area_score *as = &sc->areas[i];
        if (as->individual != individual)
            continue;
        int y = top + row * row_h;
        const cJSON *a = area_def(def, as->key);
        mg_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\" fill=\"#1a1a1a\">",
                      label_w - 8, y + 19);
        mg_buf_html(b, text_of(cJSON_GetObjectItemCaseSensitive(a, "name"), lang));
        mg_buf_puts(b, "</text>");
        mg_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" fill=\"#e8eef4\"/>", label_w, y + 4,
                      bar_w);
        if (as->present) {
            mg_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"#1f5f8b\"/>", label_w,
                          y + 4, bar_w * as->score / 100.0);
            mg_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#1a1a1a\">%d</text>",
                          label_w + bar_w + 8, y + 19, shown(as->score));
        } else {
            mg_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#333\">", label_w + 8, y + 19);
            mg_buf_html(b, mg_t(lang, MSG_NO_SCORE));
            mg_buf_puts(b, "</text>");
        }
        mg_buf_puts(b, "\n");
        row++;
    }
    mg_buf_puts(b, "</svg></figure>\n");
}

static void profile_table(struct mg_buf *b, const cJSON *def, const struct mg_score *sc, bool individual,
                          enum mg_lang lang)
{
    mg_buf_printf(b, "<table class=\"profile\"><caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                     "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                  mg_t(lang, MSG_PROFILE_TABLE), mg_t(lang, MSG_AREA), mg_t(lang, MSG_SCORE),
                  mg_t(lang, MSG_LEVEL));
    for (size_t i = 0; i < sc->n_areas; i++) {
        const struct mg_area_score *as = &sc->areas[i];
        if (as->individual != individual)
            continue;
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_buf_html(b, text_of(cJSON_GetObjectItemCaseSensitive(area_def(def, as->key), "name"), lang));
        if (as->present) {
            mg_buf_printf(b, "</th><td class=\"num\">%d</td><td>", shown(as->score));
            mg_buf_html(b, level_name(def, as->level, lang));
            mg_buf_puts(b, "</td></tr>\n");
        } else {
            mg_buf_printf(b, "</th><td colspan=\"2\">%s</td></tr>\n", mg_t(lang, MSG_NO_SCORE));
        }
    }
    mg_buf_puts(b, "</tbody></table>\n");
}

/* Suggestions for the area at its level. */
static void suggestions_for(struct mg_buf *b, const cJSON *def, const struct mg_area_score *as, enum mg_lang lang)
{
    const cJSON *a = area_def(def, as->key);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "suggestions"),
                                                         as->level);
    mg_buf_puts(b, "<section class=\"suggestion\"><h3>");
    mg_buf_html(b, text_of(cJSON_GetObjectItemCaseSensitive(a, "name"), lang));
    mg_buf_puts(b, " <span class=\"level-tag\">");
    mg_buf_html(b, level_name(def, as->level, lang));
    mg_buf_puts(b, "</span></h3>\n<ul>\n");
    const cJSON *t;
    cJSON_ArrayForEach(t, list) {
        mg_buf_puts(b, "<li>");
        mg_buf_html(b, text_of(t, lang));
        mg_buf_puts(b, "</li>\n");
    }
    mg_buf_puts(b, "</ul></section>\n");
}

/* The present areas of one scope, weakest first (at most `max`). */
static size_t weakest(const struct mg_score *sc, bool individual, const struct mg_area_score **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->n_areas; i++) {
        const struct mg_area_score *as = &sc->areas[i];
        if (!as->present || as->individual != individual)
            continue;
        size_t j = n < max ? n++ : max;
        if (j == max && (max == 0 || as->score >= out[max - 1]->score))
            continue;
        if (j == max)
            j = max - 1;
        while (j > 0 && out[j - 1]->score > as->score) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = as;
    }
    return n;
}

static enum MHD_Result render_profile(struct mg_request *req, struct mg_rsession *s, const struct mg_score *sc,
                                      enum mg_lang lang, bool remember, bool once)
{
    const cJSON *def = s->definition;
    struct mg_buf b = {0};
    bool has_org = false;
    for (size_t i = 0; i < sc->n_areas; i++)
        has_org |= !sc->areas[i].individual;

    mg_page_open(&b, lang, mg_t(lang, MSG_PROFILE_TITLE), "/survey/profile");
    mg_buf_printf(&b, "<p class=\"done\" role=\"status\">%s</p>\n", mg_t(lang, MSG_THANKS_TEXT));
    mg_buf_printf(&b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", mg_t(lang, MSG_PROFILE_TITLE),
                  mg_t(lang, MSG_PROFILE_INTRO));
    if (once)
        mg_buf_printf(&b, "<p class=\"note\">%s</p>\n", mg_t(lang, MSG_PROFILE_ANON_NOTE));

    mg_buf_printf(&b, "<section class=\"index\"><h2>%s</h2>\n", mg_t(lang, MSG_INDEX));
    if (sc->has_index) {
        const cJSON *level = level_of(def, sc->level);
        mg_buf_printf(&b, "<p class=\"index-figure\"><strong>%d</strong> / 100</p>\n<p>", shown(sc->index));
        mg_buf_printf(&b, mg_t(lang, MSG_YOUR_LEVEL), "");
        mg_buf_puts(&b, "<strong>");
        mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(level, "name"), lang));
        mg_buf_puts(&b, "</strong>. ");
        mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(level, "description"), lang));
        mg_buf_printf(&b, "</p>\n<p class=\"hint\">%s</p>\n", mg_t(lang, MSG_INDEX_EXPLAINED));
    } else {
        mg_buf_printf(&b, "<p>%s</p>\n", mg_t(lang, MSG_NO_INDEX));
    }
    mg_buf_puts(&b, "</section>\n");

    mg_buf_printf(&b, "<section><h2>%s</h2>\n", mg_t(lang, MSG_PROFILE_CHART));
    profile_chart(&b, def, sc, true, lang, "chart-individual");
    profile_table(&b, def, sc, true, lang);
    mg_buf_puts(&b, "</section>\n");

    const struct mg_area_score *weak[3];
    size_t nweak = weakest(sc, true, weak, 3);
    if (nweak > 0) {
        mg_buf_printf(&b, "<section class=\"suggestions\"><h2>%s</h2>\n<p>%s</p>\n", mg_t(lang, MSG_SUGGESTIONS_TITLE),
                      mg_t(lang, MSG_SUGGESTIONS_INTRO));
        for (size_t i = 0; i < nweak; i++)
            suggestions_for(&b, def, weak[i], lang);
        mg_buf_puts(&b, "</section>\n");
    }

    if (has_org) {
        mg_buf_printf(&b, "<section class=\"org\"><h2>%s</h2>\n<p>%s</p>\n", mg_t(lang, MSG_ORG_TITLE),
                      mg_t(lang, MSG_ORG_INTRO));
        profile_chart(&b, def, sc, false, lang, "chart-org");
        profile_table(&b, def, sc, false, lang);
        const struct mg_area_score *org[1];
        if (weakest(sc, false, org, 1) > 0)
            suggestions_for(&b, def, org[0], lang);
        mg_buf_puts(&b, "</section>\n");
    }

    mg_buf_printf(&b, "<section class=\"staircase\"><h2>%s</h2>\n<ol>\n", mg_t(lang, MSG_STAIRCASE));
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(def, "levels")) {
        bool mine = sc->has_index && strcmp(str_field(l, "key"), sc->level) == 0;
        mg_buf_printf(&b, "<li%s><strong>", mine ? " aria-current=\"step\"" : "");
        mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(l, "name"), lang));
        mg_buf_printf(&b, "</strong> (%.0f–): ", cJSON_GetObjectItemCaseSensitive(l, "from")->valuedouble);
        mg_buf_html(&b, text_of(cJSON_GetObjectItemCaseSensitive(l, "description"), lang));
        mg_buf_puts(&b, "</li>\n");
    }
    mg_buf_puts(&b, "</ol></section>\n");

    mg_buf_printf(&b, "<p class=\"no-print\"><button type=\"button\" id=\"print\" hidden>%s</button></p>\n"
                      "<p class=\"no-print\">%s</p>\n", mg_t(lang, MSG_PRINT), mg_t(lang, MSG_PRINT_HINT));
    if (!once) {
        mg_buf_puts(&b, "<p class=\"no-print\">");
        char day[40];
        mg_buf_printf(&b, mg_t(lang, MSG_REVISE_NOTE), day_text(s->last_day, lang, day, sizeof day));
        mg_buf_printf(&b, " <a href=\"/survey/review\">%s</a></p>\n", mg_t(lang, MSG_CHANGE_ANSWERS));
    }
    mg_page_close(&b, lang);
    return mg_page_reply(req, 200, &b, lang, remember, NULL);
}

enum MHD_Result mg_handle_respond_submit(struct mg_request *req)
{
    struct mg_db_conn *conn;
    struct mg_rsession s;
    struct mg_score sc;
    enum mg_submit_outcome outcome;
    enum MHD_Result ret;
    bool remember;
    char err[300];

    if (load_session(req, &conn, &s, &ret))
        return ret;
    enum mg_lang lang = lang_for(req, &s, &remember);
    if (check_window(req, &s, lang, &ret))
        goto done;
    if (finished(&s)) {
        ret = thanks_page(req, lang);
        goto done;
    }
    if (!csrf_ok(req, &s)) {
        ret = mg_page_notice(req, 403, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_CSRF));
        goto done;
    }
    if (mg_score_unanswered(s.definition, answers_of(&s), NULL, 0) > 0) {
        ret = render_review(req, &s, lang, remember, 422);
        goto done;
    }
    /* The draft was checked page by page; a survey version is immutable,
     * so this only fails on a bug or a tampered database. */
    if (mg_score_compute(s.definition, answers_of(&s), &sc, err, sizeof err) != 0) {
        ret = mg_page_notice(req, 400, lang, mg_t(lang, MSG_ERROR_TITLE), err);
        goto done;
    }
    enum mg_error e = mg_respond_submit(conn, &s, &sc, &outcome);
    if (e == MG_ERR_ROUND_CLOSED)
        ret = mg_page_notice(req, 410, lang, mg_t(lang, MSG_CLOSED_TITLE), mg_t(lang, MSG_CLOSED_TEXT));
    else if (e != MG_OK)
        ret = mg_page_notice(req, 503, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_UNAVAILABLE));
    else if (outcome == MG_SUBMIT_ALREADY)
        ret = thanks_page(req, lang);
    else if (strcmp(s.mode, "pseudonymous") == 0)
        ret = mg_reply_redirect(req, "/survey/profile");
    else
        /* Nothing of the response stays with the session: the profile is
         * shown now, once. */
        ret = render_profile(req, &s, &sc, lang, remember, true);
    mg_score_free(&sc);
done:
    mg_db_release(req->srv->db, conn);
    mg_respond_free(&s);
    return ret;
}

enum MHD_Result mg_handle_respond_profile(struct mg_request *req)
{
    struct mg_db_conn *conn;
    struct mg_rsession s;
    struct mg_score sc;
    enum MHD_Result ret;
    bool remember;
    char err[300];

    if (load_session(req, &conn, &s, &ret))
        return ret;
    mg_db_release(req->srv->db, conn);
    enum mg_lang lang = lang_for(req, &s, &remember);
    if (check_window(req, &s, lang, &ret))
        ;
    else if (finished(&s))
        ret = thanks_page(req, lang);
    else if (!submitted_of(&s))
        ret = mg_reply_redirect(req, "/survey/review");
    else if (mg_score_compute(s.definition, answers_of(&s), &sc, err, sizeof err) != 0)
        ret = mg_page_notice(req, 500, lang, mg_t(lang, MSG_ERROR_TITLE), mg_error_message(MG_ERR_INTERNAL));
    else {
        ret = render_profile(req, &s, &sc, lang, remember, false);
        mg_score_free(&sc);
    }
    mg_respond_free(&s);
    return ret;
}
