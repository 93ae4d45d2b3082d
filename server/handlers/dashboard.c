/* dashboard.c: the HR dashboard's pages (/hr...): login and logout, the
 * rounds, a round's heatmap, a unit's drill-down and a series' trend.
 * Server-rendered HTML that works without JavaScript. Every figure comes
 * from mg_indicators (which applies the privacy rule beneath it); this
 * file only chooses, orders and draws what those answers show. */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_auth.h"
#include "mg_buf.h"
#include "mg_config.h"
#include "mg_dashboard.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_hr.h"
#include "mg_paper.h"
#include "mg_http.h"
#include "mg_i18n.h"
#include "mg_indicators.h"
#include "mg_keys.h"
#include "mg_page.h"
#include "mg_rounds.h"
#include "mg_svg.h"
#include "mg_units.h"

/* The double-submit cookie that guards the login form (there is no
 * session, and so no session CSRF token, before logging in). */
#define LOGIN_COOKIE "mognad_hr_login"

/* ---- small helpers --------------------------------------------------- */

static bool comma(enum mg_lang lang) { return lang != MG_LANG_EN; }

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static bool is_hidden(const cJSON *v)
{
    return cJSON_IsObject(v) && cJSON_IsTrue(get(v, "suppressed"));
}

static bool is_few(const cJSON *v)
{
    const char *r = cJSON_GetStringValue(get(v, "reason"));
    return r && strcmp(r, "fewer_than_k") == 0;
}

/* Hidden until the round closes. */
static bool is_pending(const cJSON *v)
{
    const char *r = cJSON_GetStringValue(get(v, "reason"));
    return r && strcmp(r, "round_open") == 0;
}

static const char *reason_of(const cJSON *v)
{
    return is_few(v) ? "fewer_than_k" : is_pending(v) ? "round_open" : "complementary";
}

/* A number of `o`, or NAN. */
static double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void put_num(struct mg_buf *b, double v, int decimals, enum mg_lang lang)
{
    char s[48];
    mg_svg_number(s, sizeof s, v, decimals, comma(lang));
    mg_buf_puts(b, s);
}

static void put_pct(struct mg_buf *b, double share, enum mg_lang lang)
{
    put_num(b, share * 100, 0, lang);
    mg_buf_puts(b, comma(lang) ? "\xc2\xa0%" : "%");
}

static void put_p(struct mg_buf *b, double p, enum mg_lang lang)
{
    if (isnan(p)) {
        mg_buf_puts(b, "–");
        return;
    }
    if (p < 0.001) {
        mg_buf_puts(b, "&lt;\xc2\xa0");
        put_num(b, 0.001, 3, lang);
        return;
    }
    put_num(b, p, 3, lang);
}

/* "[low, high]" of a ci95 array. */
static bool ci_of(const cJSON *o, double *low, double *high)
{
    const cJSON *ci = get(o, "ci95");
    if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2)
        return false;
    *low = cJSON_GetArrayItem(ci, 0)->valuedouble;
    *high = cJSON_GetArrayItem(ci, 1)->valuedouble;
    return true;
}

static void put_ci(struct mg_buf *b, const cJSON *o, int decimals, enum mg_lang lang)
{
    double lo, hi;
    if (!ci_of(o, &lo, &hi)) {
        mg_buf_puts(b, "–");
        return;
    }
    put_num(b, lo, decimals, lang);
    mg_buf_puts(b, " – ");
    put_num(b, hi, decimals, lang);
}

/* The short note of a hidden figure: "hidden: fewer than 5 responses". */
static void hidden_note(char *out, size_t outlen, const cJSON *v, int k, enum mg_lang lang)
{
    if (is_few(v))
        snprintf(out, outlen, mg_t(lang, MSG_HR_HIDDEN_FEW), k);
    else
        snprintf(out, outlen, "%s", mg_t(lang, is_pending(v) ? MSG_HR_HIDDEN_OPEN : MSG_HR_HIDDEN_COMPL));
}

/* A hidden figure inside a table cell or paragraph. */
static void put_hidden(struct mg_buf *b, const cJSON *v, int k, enum mg_lang lang)
{
    char note[160];
    hidden_note(note, sizeof note, v, k, lang);
    mg_buf_printf(b, "<span class=\"suppressed\" data-reason=\"%s\">", reason_of(v));
    mg_buf_html(b, note);
    mg_buf_puts(b, "</span>");
}

static enum mg_priv_role query_role(struct mg_request *req)
{
    enum mg_priv_role role = MG_PRIV_ALL;
    const char *s = mg_form_get(&req->query, "role");
    if (s && mg_indicators_parse_role(s, &role) != 0)
        role = MG_PRIV_ALL;
    return role;
}

static const char *role_code(enum mg_priv_role role)
{
    return role == MG_PRIV_STAFF ? "staff" : role == MG_PRIV_MANAGER ? "manager" : "all";
}

static int64_t viewer_unit(const struct mg_request *req)
{
    if (req->user.role != MG_ROLE_UNIT_VIEWER)
        return 0;
    return req->user.unit_id > 0 ? req->user.unit_id : -1;
}

/* ---- the unit tree (names and parents only) ---------------------------- */

static int tree_find(PGresult *t, const char *code)
{
    for (int i = 0; t && code && i < PQntuples(t); i++)
        if (strcmp(PQgetvalue(t, i, 0), code) == 0)
            return i;
    return -1;
}

/* True when `code` is `anc` or lies below it. */
static bool tree_under(PGresult *t, const char *code, const char *anc)
{
    for (int guard = 0; code && *code && guard <= MG_UNIT_MAX_DEPTH; guard++) {
        if (strcmp(code, anc) == 0)
            return true;
        int i = tree_find(t, code);
        code = i < 0 ? NULL : PQgetvalue(t, i, 2);
    }
    return false;
}

/* ---- the page shell ------------------------------------------------- */

struct page {
    struct mg_request *req;
    enum mg_lang lang;
    bool remember;
    struct mg_buf b;
};

static void page_begin(struct page *p, struct mg_request *req)
{
    memset(p, 0, sizeof *p);
    p->req = req;
    p->lang = mg_page_lang(req, MG_LANG_SV, &p->remember);
}

/* Opens the page; `self` is its address with its query (for the language
 * links). */
static void page_open(struct page *p, const char *title, const char *self)
{
    struct mg_buf h = {0};
    struct mg_page_opts o = {"/static/css/dashboard.css", NULL, true, true};
    if (p->req->has_user) {
        mg_hr_userbar(&h, p->req, p->lang);
        o.header_html = h.data;
    }
    mg_page_open_with(&p->b, p->lang, title, self, &o);
    mg_buf_free(&h);
}

static enum MHD_Result page_send(struct page *p, unsigned int status, const char *const *cookies)
{
    mg_page_close(&p->b, p->lang);
    return mg_page_reply(p->req, status, &p->b, p->lang, p->remember, cookies);
}

/* A notice page in the dashboard's shell (errors: 403, 404, 503). */
static enum MHD_Result page_notice(struct mg_request *req, unsigned int status, enum mg_msg title,
                                   enum mg_msg text)
{
    struct page p;
    page_begin(&p, req);
    /* The language links go to /hr: the path may name a unit this user
     * must not learn anything about. */
    page_open(&p, mg_t(p.lang, title), "/hr");
    mg_buf_puts(&p.b, "<h1>");
    mg_buf_html(&p.b, mg_t(p.lang, title));
    mg_buf_puts(&p.b, "</h1>\n<p>");
    mg_buf_html(&p.b, mg_t(p.lang, text));
    mg_buf_puts(&p.b, "</p>\n<p><a href=\"/hr\">");
    mg_buf_html(&p.b, mg_t(p.lang, MSG_HR_BACK_TO_ROUNDS));
    mg_buf_puts(&p.b, "</a></p>\n");
    return page_send(&p, status, NULL);
}

/* The page for an error of mg_indicators or the database. The messages
 * are fixed texts: a forbidden page names no unit and no figure. */
static enum MHD_Result page_error(struct mg_request *req, enum mg_error err)
{
    switch (err) {
    case MG_ERR_FORBIDDEN:
        return page_notice(req, 403, MSG_HR_FORBIDDEN_TITLE, MSG_HR_FORBIDDEN_TEXT);
    case MG_ERR_NOT_FOUND:
        return page_notice(req, 404, MSG_HR_NOT_FOUND_TITLE, MSG_HR_NOT_FOUND_TEXT);
    default:
        return page_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    }
}

/* The role filter: a GET form that keeps `keep` (NULL-terminated name,
 * value pairs) as hidden fields. */
static void role_form(struct page *p, const char *action, enum mg_priv_role role, const char *const *keep)
{
    static const enum mg_msg names[] = {MSG_HR_ROLE_ALL, MSG_HR_ROLE_STAFF, MSG_HR_ROLE_MANAGER};
    static const enum mg_priv_role roles[] = {MG_PRIV_ALL, MG_PRIV_STAFF, MG_PRIV_MANAGER};
    mg_buf_puts(&p->b, "<form class=\"filters\" method=\"get\" action=\"");
    mg_buf_html(&p->b, action);
    mg_buf_puts(&p->b, "\">");
    for (size_t i = 0; keep && keep[i] && keep[i + 1]; i += 2) {
        mg_buf_puts(&p->b, "<input type=\"hidden\" name=\"");
        mg_buf_html(&p->b, keep[i]);
        mg_buf_puts(&p->b, "\" value=\"");
        mg_buf_html(&p->b, keep[i + 1]);
        mg_buf_puts(&p->b, "\">");
    }
    mg_buf_printf(&p->b, "<div><label for=\"role\">%s</label><select id=\"role\" name=\"role\">",
                  mg_t(p->lang, MSG_HR_RESPONDENTS));
    for (size_t i = 0; i < 3; i++)
        mg_buf_printf(&p->b, "<option value=\"%s\"%s>%s</option>", role_code(roles[i]),
                      roles[i] == role ? " selected" : "", mg_t(p->lang, names[i]));
    mg_buf_printf(&p->b, "</select></div><div><button type=\"submit\">%s</button></div></form>\n",
                  mg_t(p->lang, MSG_HR_SHOW));
}

/* The key of hidden figures. */
static void hidden_legend(struct page *p, int k)
{
    char s[400];
    mg_buf_printf(&p->b, "<h2>%s</h2>\n<dl class=\"legend\">\n<dt><span class=\"suppressed\">", mg_t(p->lang, MSG_HR_LEGEND));
    snprintf(s, sizeof s, mg_t(p->lang, MSG_HR_HIDDEN_FEW), k);
    mg_buf_html(&p->b, s);
    mg_buf_puts(&p->b, "</span></dt><dd>");
    snprintf(s, sizeof s, mg_t(p->lang, MSG_HR_LEGEND_FEW), k);
    mg_buf_html(&p->b, s);
    mg_buf_puts(&p->b, "</dd>\n<dt><span class=\"suppressed\">");
    mg_buf_html(&p->b, mg_t(p->lang, MSG_HR_HIDDEN_COMPL));
    mg_buf_puts(&p->b, "</span></dt><dd>");
    mg_buf_html(&p->b, mg_t(p->lang, MSG_HR_LEGEND_COMPL));
    mg_buf_puts(&p->b, "</dd>\n<dt><span class=\"suppressed\">");
    mg_buf_html(&p->b, mg_t(p->lang, MSG_HR_HIDDEN_OPEN));
    mg_buf_puts(&p->b, "</span></dt><dd>");
    mg_buf_html(&p->b, mg_t(p->lang, MSG_HR_LEGEND_OPEN));
    mg_buf_puts(&p->b, "</dd>\n<dt>–</dt><dd>");
    mg_buf_html(&p->b, mg_t(p->lang, MSG_HR_LEGEND_EMPTY));
    mg_buf_puts(&p->b, "</dd>\n</dl>\n");
}

/* ---- login and logout --------------------------------------------------- */

static enum MHD_Result login_page(struct mg_request *req, unsigned int status, const char *problem)
{
    struct page p;
    struct mg_token t;
    char cookie[160];
    page_begin(&p, req);
    mg_keys_random_token(&t);
    snprintf(cookie, sizeof cookie, LOGIN_COOKIE "=%s; Path=/hr; HttpOnly; SameSite=Strict%s", t.text,
             req->secure ? "; Secure" : "");
    page_open(&p, mg_t(p.lang, MSG_HR_LOGIN_TITLE), "/hr/login");
    mg_buf_printf(&p.b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", mg_t(p.lang, MSG_HR_LOGIN_TITLE),
                  mg_t(p.lang, MSG_HR_LOGIN_INTRO));
    if (problem) {
        mg_buf_printf(&p.b, "<div class=\"error-summary\" role=\"alert\"><h2>%s</h2><p>",
                      mg_t(p.lang, MSG_ERROR_SUMMARY));
        mg_buf_html(&p.b, problem);
        mg_buf_puts(&p.b, "</p></div>\n");
    }
    mg_buf_puts(&p.b, "<form class=\"login\" method=\"post\" action=\"/hr/login\">\n"
                      "<input type=\"hidden\" name=\"csrf\" value=\"");
    mg_buf_html(&p.b, t.text);
    mg_buf_printf(&p.b, "\">\n<label for=\"login\">%s</label>\n"
                        "<input id=\"login\" name=\"login\" type=\"text\" autocomplete=\"username\" "
                        "autocapitalize=\"none\" spellcheck=\"false\" required>\n"
                        "<label for=\"password\">%s</label>\n"
                        "<input id=\"password\" name=\"password\" type=\"password\" "
                        "autocomplete=\"current-password\" required>\n"
                        "<div><button class=\"primary\" type=\"submit\">%s</button></div>\n</form>\n",
                  mg_t(p.lang, MSG_HR_LOGIN_NAME), mg_t(p.lang, MSG_HR_PASSWORD), mg_t(p.lang, MSG_HR_LOGIN_TITLE));
    const char *cookies[] = {cookie, NULL};
    enum MHD_Result ret = page_send(&p, status, cookies);
    sodium_memzero(&t, sizeof t);
    sodium_memzero(cookie, sizeof cookie);
    return ret;
}

enum MHD_Result mg_handle_hr_login_form(struct mg_request *req)
{
    if (!req->srv->cfg->local_passwords)
        return page_notice(req, 403, MSG_HR_LOGIN_TITLE, MSG_HR_PASSWORDS_OFF);
    return login_page(req, 200, NULL);
}

/* 303 to `location` setting `cookies` (NULL-terminated). */
static enum MHD_Result redirect_with_cookies(struct mg_request *req, const char *location,
                                             const char *const *cookies)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (size_t i = 0; cookies && cookies[i]; i++)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookies[i]);
    enum MHD_Result ret = mg_reply_response(req, MHD_HTTP_SEE_OTHER, resp, 0);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result mg_handle_hr_login(struct mg_request *req)
{
    const char *login = mg_form_get(&req->form, "login");
    const char *password = mg_form_get(&req->form, "password");
    const char *given = mg_form_get(&req->form, "csrf");
    const char *want = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
    enum mg_lang lang;
    bool remember;
    char client[64], msg[200];
    struct mg_user user;
    struct mg_token token;
    unsigned int retry = 0;

    if (!req->srv->cfg->local_passwords)
        return page_notice(req, 403, MSG_HR_LOGIN_TITLE, MSG_HR_PASSWORDS_OFF);
    lang = mg_page_lang(req, MG_LANG_SV, &remember);
    if (!given || !want || strlen(given) != strlen(want) || strlen(want) < 16 ||
        sodium_memcmp(given, want, strlen(want)) != 0)
        return login_page(req, 403, mg_t(lang, MSG_HR_FORM_EXPIRED));
    if (!login || !*login || !password || !*password)
        return login_page(req, 400, mg_t(lang, MSG_HR_LOGIN_MISSING));
    mg_request_client(req, client, sizeof client);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return page_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    enum mg_error err = mg_auth_login(conn, req->srv->keys, login, password, client, &user, &token, &retry);
    mg_db_release(req->srv->db, conn);
    if (err == MG_ERR_TOO_MANY_ATTEMPTS) {
        snprintf(msg, sizeof msg, mg_t(lang, MSG_HR_LOGIN_WAIT), retry);
        return login_page(req, 429, msg);
    }
    /* The same message for an unknown login and a wrong password. */
    if (err == MG_ERR_UNAUTHORISED)
        return login_page(req, 401, mg_t(lang, MSG_HR_LOGIN_WRONG));
    if (err != MG_OK)
        return page_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    /* The same session cookie as POST /api/v1/session. */
    char session[200], clear[120];
    const char *secure = req->secure ? "; Secure" : "";
    snprintf(session, sizeof session, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", MG_AUTH_COOKIE, token.text,
             secure);
    snprintf(clear, sizeof clear, LOGIN_COOKIE "=; Path=/hr; HttpOnly; SameSite=Strict; Max-Age=0%s", secure);
    const char *cookies[] = {session, clear, NULL};
    enum MHD_Result ret = redirect_with_cookies(req, mg_hr_home(&user), cookies);
    sodium_memzero(&token, sizeof token);
    sodium_memzero(session, sizeof session);
    sodium_memzero(&user.csrf, sizeof user.csrf);
    return ret;
}

/* The dispatcher has checked the session and its CSRF token. */
enum MHD_Result mg_handle_hr_logout(struct mg_request *req)
{
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, MG_AUTH_COOKIE);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return page_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    enum mg_error err = mg_auth_logout(conn, cookie, &req->user);
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK)
        return page_notice(req, 503, MSG_ERROR_TITLE, MSG_HR_UNAVAILABLE);
    char clear[120];
    snprintf(clear, sizeof clear, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", MG_AUTH_COOKIE,
             req->secure ? "; Secure" : "");
    const char *cookies[] = {clear, NULL};
    return redirect_with_cookies(req, "/hr/login", cookies);
}

/* ---- the rounds ------------------------------------------------------- */

enum MHD_Result mg_handle_hr_rounds(struct mg_request *req)
{
    struct page p;
    cJSON *rounds = NULL;
    int64_t viewer = viewer_unit(req);

    if (viewer < 0)
        return page_error(req, MG_ERR_FORBIDDEN);
    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return page_error(req, MG_ERR_UNAVAILABLE);
    rounds = mg_round_list(conn);
    if (!rounds) {
        mg_db_release(req->srv->db, conn);
        return page_error(req, MG_ERR_UNAVAILABLE);
    }
    page_begin(&p, req);
    page_open(&p, mg_t(p.lang, MSG_HR_ROUNDS_TITLE), "/hr");
    mg_buf_printf(&p.b, "<h1>%s</h1>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_ROUNDS_TITLE), mg_t(p.lang, MSG_HR_ROUNDS_INTRO));
    struct mg_buf rows = {0};
    size_t shown = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rounds) {
        int64_t id = (int64_t)num(r, "id");
        /* The rule every route that names a round follows. */
        enum mg_error seen = mg_round_visible(conn, id, viewer);
        if (seen == MG_ERR_FORBIDDEN || seen == MG_ERR_NOT_FOUND)
            continue;
        int k = (int)num(r, "k");
        struct mg_ind_query q = {NULL, MG_PRIV_ALL, 0, viewer};
        cJSON *ind = NULL;
        char msg[128];
        /* One figure per round: the counts alone, not every indicator. */
        enum mg_error err = seen != MG_OK ? seen : mg_indicators_counts(conn, id, &q, &ind, msg, sizeof msg);
        if (err == MG_ERR_FORBIDDEN || err == MG_ERR_NOT_FOUND)
            continue;
        if (err != MG_OK) {
            mg_buf_free(&rows);
            mg_buf_free(&p.b);
            mg_db_release(req->srv->db, conn);
                cJSON_Delete(rounds);
            return page_error(req, err);
        }
        const cJSON *unit = cJSON_GetArrayItem(get(ind, "units"), 0);
        const cJSON *cell = get(unit, "subtree");
        mg_buf_printf(&rows, "<tr data-round=\"%lld\"><th scope=\"row\"><a href=\"/hr/rounds/%lld\">", (long long)id,
                      (long long)id);
        mg_buf_html(&rows, cJSON_GetStringValue(get(r, "name")));
        mg_buf_printf(&rows, "</a></th><td>%s</td><td>%s</td><td>", mg_t(p.lang, mg_hr_mode_msg(cJSON_GetStringValue(get(r, "mode")))),
                      mg_t(p.lang, mg_hr_state_msg(cJSON_GetStringValue(get(r, "state")))));
        mg_hr_put_date(&rows, cJSON_GetStringValue(get(r, "opens_at")));
        mg_buf_puts(&rows, "</td><td>");
        mg_hr_put_date(&rows, cJSON_GetStringValue(get(r, "closes_at")));
        mg_buf_puts(&rows, "</td><td>");
        if (unit) {
            mg_buf_printf(&rows, "<a href=\"/hr/rounds/%lld/units/", (long long)id);
            mg_buf_html(&rows, cJSON_GetStringValue(get(unit, "code")));
            mg_buf_puts(&rows, "\">");
            mg_buf_html(&rows, cJSON_GetStringValue(get(unit, "name")));
            mg_buf_puts(&rows, "</a>");
        }
        mg_buf_puts(&rows, "</td><td class=\"num rate\">");
        const cJSON *rate = get(cell, "response_rate");
        if (is_hidden(rate))
            put_hidden(&rows, rate, k, p.lang);
        else if (cJSON_IsNumber(rate))
            put_pct(&rows, rate->valuedouble, p.lang);
        else
            mg_buf_puts(&rows, "–");
        mg_buf_puts(&rows, "</td></tr>\n");
        cJSON_Delete(ind);
        shown++;
    }
    mg_db_release(req->srv->db, conn);
    if (shown == 0) {
        mg_buf_printf(&p.b, "<p>%s</p>\n", mg_t(p.lang, MSG_HR_NO_ROUNDS));
    } else {
        mg_buf_printf(&p.b, "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data rounds\">\n<caption>%s</caption>\n"
                            "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HR_ROUNDS_TITLE), mg_t(p.lang, MSG_HR_NAME), mg_t(p.lang, MSG_HR_MODE),
                      mg_t(p.lang, MSG_HR_STATE), mg_t(p.lang, MSG_HR_OPENS), mg_t(p.lang, MSG_HR_CLOSES),
                      mg_t(p.lang, MSG_HR_UNIT), mg_t(p.lang, MSG_HR_RATE));
        mg_buf_append(&p.b, rows.data ? rows.data : "", rows.len);
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
    }
    mg_buf_free(&rows);
    cJSON_Delete(rounds);
    return page_send(&p, 200, NULL);
}

/* ---- a round's heatmap -------------------------------------------------- */

struct hrow {
    const cJSON *unit;
    int depth;
    size_t pos;     /* tree order */
    bool hidden;    /* the sort column's figure is hidden or empty */
    double key;     /* its value */
};

struct sort_ctx {
    bool by_name;
    bool desc;
};

static int hrow_cmp(const void *a, const void *b, void *arg)
{
    const struct hrow *x = a, *y = b;
    const struct sort_ctx *c = arg;
    int r = 0;
    if (c->by_name) {
        r = strcoll(cJSON_GetStringValue(get(x->unit, "name")), cJSON_GetStringValue(get(y->unit, "name")));
    } else {
        /* Hidden and empty figures last, whatever the direction. */
        if (x->hidden != y->hidden)
            return x->hidden ? 1 : -1;
        if (!x->hidden)
            r = x->key < y->key ? -1 : x->key > y->key ? 1 : 0;
    }
    if (c->desc)
        r = -r;
    return r ? r : (x->pos < y->pos ? -1 : x->pos > y->pos ? 1 : 0);
}

/* The figure of column `col` ("responded", "index" or an area key) of an
 * overview unit. */
static const cJSON *column_value(const cJSON *unit, const char *col)
{
    if (strcmp(col, "responded") == 0)
        return get(unit, "responded");
    if (strcmp(col, "index") == 0)
        return get(unit, "index");
    return get(get(unit, "areas"), col);
}

static bool figure_of(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (is_hidden(v) || !cJSON_IsNumber(get(v, "mean")))
        return false;
    *out = num(v, "mean");
    return true;
}

/* The heading of a sortable column: a link that sorts by it. */
static void sort_head(struct page *p, int64_t id, enum mg_priv_role role, const char *col, const char *label,
                      const char *sort, bool desc, bool numeric)
{
    bool current = sort && strcmp(sort, col) == 0;
    bool next_desc = current ? !desc : numeric;
    mg_buf_printf(&p->b, "<th scope=\"col\"%s%s>", numeric ? " class=\"num\"" : "",
                  current ? (desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "");
    mg_buf_printf(&p->b, "<a href=\"/hr/rounds/%lld?role=%s&amp;sort=", (long long)id, role_code(role));
    mg_buf_html(&p->b, col);
    mg_buf_printf(&p->b, "&amp;dir=%s\">", next_desc ? "desc" : "asc");
    mg_buf_html(&p->b, label);
    if (current)
        mg_buf_puts(&p->b, desc ? " <span aria-hidden=\"true\">\xe2\x96\xbc</span>" : " <span aria-hidden=\"true\">\xe2\x96\xb2</span>");
    mg_buf_puts(&p->b, "</a></th>");
}

static void heat_cell(struct page *p, const cJSON *unit, const char *col, int k)
{
    const cJSON *v = column_value(unit, col);
    const char *code = cJSON_GetStringValue(get(unit, "code"));
    double x;
    mg_buf_puts(&p->b, "<td data-unit=\"");
    mg_buf_html(&p->b, code);
    mg_buf_puts(&p->b, "\" data-col=\"");
    mg_buf_html(&p->b, col);
    if (is_hidden(v)) {
        mg_buf_printf(&p->b, "\" class=\"cell suppressed\" data-reason=\"%s\">", reason_of(v));
        mg_buf_html(&p->b, mg_t(p->lang, MSG_HR_HIDDEN));
        mg_buf_printf(&p->b, " <span class=\"why\">(%s)</span></td>", is_few(v) ? "a" : is_pending(v) ? "c" : "b");
        (void)k;
        return;
    }
    if (!figure_of(v, &x)) {
        mg_buf_puts(&p->b, "\" class=\"cell empty\">–</td>");
        return;
    }
    if (strcmp(col, "responded") == 0) {
        mg_buf_printf(&p->b, "\" class=\"cell count\" data-value=\"%.0f\">%.0f</td>", x, x);
        return;
    }
    mg_buf_printf(&p->b, "\" class=\"cell heat-%d\" data-value=\"%.6f\">", mg_svg_heat_step(x), x);
    put_num(&p->b, x, 1, p->lang);
    mg_buf_puts(&p->b, "</td>");
}

enum MHD_Result mg_handle_hr_round(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id"), viewer = viewer_unit(req);
    enum mg_priv_role role = query_role(req);
    const char *sort = mg_form_get(&req->query, "sort");
    const char *dir = mg_form_get(&req->query, "dir");
    cJSON *round = NULL, *body = NULL, *labels = NULL;
    PGresult *tree = NULL;
    enum mg_error err;
    char msg[128];

    if (!id)
        return page_error(req, MG_ERR_NOT_FOUND);
    if (viewer < 0)
        return page_error(req, MG_ERR_FORBIDDEN);
    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return page_error(req, MG_ERR_UNAVAILABLE);
    round = mg_hr_round_get(req, &conn, id, &err);
    if (!conn)
        return page_error(req, err);
    if (round && !(tree = mg_units_list_round(conn, id)))
        err = MG_ERR_UNAVAILABLE;
    /* Whether this user may see the round at all: the dispatcher checked
     * (MG_ROUTE_ROUND, mg_round_visible). */
    if (err == MG_OK) {
        struct mg_ind_query q = {NULL, role, 0, viewer};
        err = mg_indicators_overview(conn, id, &q, &body, msg, sizeof msg);
    }
    struct page p;
    page_begin(&p, req);
    if (err == MG_OK && !(labels = mg_dashboard_labels(conn, id, mg_lang_code(p.lang))))
        err = MG_ERR_UNAVAILABLE;
    /* The round's surveys, for the blank paper questionnaires. */
    struct mg_paper_round paper = {0};
    if (err == MG_OK && req->user.role >= MG_ROLE_ANALYST && mg_paper_round(conn, id, &paper) != MG_OK)
        err = MG_ERR_UNAVAILABLE;
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK) {
        cJSON_Delete(round);
        cJSON_Delete(body);
        PQclear(tree);
        return page_error(req, err);
    }

    const char *root = cJSON_GetStringValue(get(round, "unit"));
    const char *rname = cJSON_GetStringValue(get(round, "name"));
    int k = (int)num(get(body, "round"), "k");
    const cJSON *areas = get(body, "areas");
    int nareas = cJSON_GetArraySize(areas);

    /* The rows: the round's part of the tree (of the viewer's subtree,
     * which the overview already keeps to), with depths. */
    const cJSON *units = get(body, "units");
    int nunits = cJSON_GetArraySize(units);
    struct hrow *rows = calloc((size_t)(nunits ? nunits : 1), sizeof *rows);
    size_t n = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, units) {
        const char *code = cJSON_GetStringValue(get(u, "code"));
        if (!rows || (root && !tree_under(tree, code, root)))
            continue;
        const char *parent = cJSON_GetStringValue(get(u, "parent"));
        int depth = 0;
        for (size_t j = n; parent && j-- > 0;)
            if (strcmp(cJSON_GetStringValue(get(rows[j].unit, "code")), parent) == 0) {
                depth = rows[j].depth + 1;
                break;
            }
        rows[n].unit = u;
        rows[n].depth = depth;
        rows[n].pos = n;
        n++;
    }
    /* Tree order, depth first (the overview lists units level by level):
     * each unit followed by its children, in the overview's order. */
    if (rows && n > 1) {
        struct hrow *dfs = calloc(n, sizeof *dfs);
        size_t *stack = calloc(n, sizeof *stack), top = 0, m = 0;
        bool *done = calloc(n, sizeof *done);
        if (dfs && stack && done) {
            for (size_t r = 0; r < n; r++) {
                if (rows[r].depth != 0 || done[r])
                    continue;
                stack[top++] = r;
                while (top > 0) {
                    size_t x = stack[--top];
                    if (done[x])
                        continue;
                    done[x] = true;
                    dfs[m] = rows[x];
                    dfs[m].pos = m;
                    m++;
                    const char *xc = cJSON_GetStringValue(get(rows[x].unit, "code"));
                    /* Push children in reverse so the first comes out first. */
                    for (size_t c = n; c-- > 0;) {
                        const char *pc = cJSON_GetStringValue(get(rows[c].unit, "parent"));
                        if (!done[c] && pc && strcmp(pc, xc) == 0 && top < n)
                            stack[top++] = c;
                    }
                }
            }
            for (size_t r = 0; r < n; r++)
                if (!done[r]) {
                    dfs[m] = rows[r];
                    dfs[m].pos = m;
                    m++;
                }
            memcpy(rows, dfs, n * sizeof *rows);
        }
        free(dfs);
        free(stack);
        free(done);
    }
    /* The sort column must be one of the table's. */
    bool known = sort && (strcmp(sort, "name") == 0 || strcmp(sort, "index") == 0 || strcmp(sort, "responded") == 0);
    for (int a = 0; sort && !known && a < nareas; a++)
        known = strcmp(sort, cJSON_GetStringValue(get(cJSON_GetArrayItem(areas, a), "key"))) == 0;
    if (!known)
        sort = NULL;
    struct sort_ctx sc = {sort && strcmp(sort, "name") == 0, false};
    sc.desc = dir ? strcmp(dir, "desc") == 0 : (sort && !sc.by_name);
    if (sort && rows) {
        for (size_t i = 0; i < n; i++)
            rows[i].hidden = sc.by_name ? false : !figure_of(column_value(rows[i].unit, sort), &rows[i].key);
        qsort_r(rows, n, sizeof *rows, hrow_cmp, &sc);
    }

    char self[256], title[300];
    snprintf(self, sizeof self, "/hr/rounds/%lld?role=%s%s%s%s%s", (long long)id, role_code(role),
             sort ? "&sort=" : "", sort ? sort : "", sort ? "&dir=" : "", sort ? (sc.desc ? "desc" : "asc") : "");
    snprintf(title, sizeof title, "%s: %s", mg_t(p.lang, MSG_HR_OVERVIEW), rname);
    page_open(&p, title, self);
    mg_buf_printf(&p.b, "<nav class=\"breadcrumbs\" aria-label=\"%s\"><ol><li><a href=\"/hr\">%s</a></li>"
                        "<li><a href=\"/hr/rounds/%lld\" aria-current=\"page\">",
                  mg_t(p.lang, MSG_HR_BREADCRUMBS), mg_t(p.lang, MSG_HR_BACK_TO_ROUNDS), (long long)id);
    mg_buf_html(&p.b, rname);
    mg_buf_printf(&p.b, "</a></li></ol></nav>\n<h1>%s: ", mg_t(p.lang, MSG_HR_OVERVIEW));
    mg_buf_html(&p.b, rname);
    mg_buf_printf(&p.b, "</h1>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_OVERVIEW_INTRO));
    char hint[200];
    snprintf(hint, sizeof hint, mg_t(p.lang, MSG_HR_DOWNLOAD_HINT), k);
    mg_buf_printf(&p.b, "<p class=\"note\">%s</p>\n", hint);
    const char *keep[] = {sort ? "sort" : NULL, sort, "dir", sc.desc ? "desc" : "asc", NULL};
    char base[48];
    snprintf(base, sizeof base, "/hr/rounds/%lld", (long long)id);
    role_form(&p, base, role, sort ? keep : NULL);
    bool closed = strcmp(cJSON_GetStringValue(get(get(body, "round"), "state")) ?: "", "closed") == 0;
    if (!closed)
        mg_buf_printf(&p.b, "<p class=\"note\" id=\"round-open-note\">%s</p>\n", mg_t(p.lang, MSG_HR_LEGEND_OPEN));
    int64_t blank[2] = {paper.staff_survey, paper.manager_survey};
    mg_hr_download_links(&p.b, p.lang, id, NULL, role_code(role), req->user.role >= MG_ROLE_ADMIN,
                         req->user.role >= MG_ROLE_ANALYST ? blank : NULL, closed, k);
    if (cJSON_IsNumber(get(get(body, "round"), "series")))
        mg_buf_printf(&p.b, "<p><a href=\"/hr/series/%lld/trend?role=%s\">%s</a></p>\n",
                      (long long)num(get(body, "round"), "series"), role_code(role), mg_t(p.lang, MSG_HR_TREND));

    mg_buf_printf(&p.b, "<p id=\"sort-hint\">%s", mg_t(p.lang, MSG_HR_SORT_HINT));
    if (sort)
        mg_buf_printf(&p.b, " <a href=\"/hr/rounds/%lld?role=%s\">%s</a>", (long long)id, role_code(role),
                      mg_t(p.lang, MSG_HR_TREE_ORDER));
    mg_buf_puts(&p.b, "</p>\n<div class=\"table-wrap\" tabindex=\"0\"><table class=\"heatmap\" aria-describedby=\"sort-hint\">\n<caption>");
    mg_buf_html(&p.b, title);
    mg_buf_puts(&p.b, "</caption>\n<thead><tr>");
    sort_head(&p, id, role, "name", mg_t(p.lang, MSG_HR_UNIT), sort, sc.desc, false);
    sort_head(&p, id, role, "responded", mg_t(p.lang, MSG_HR_RESPONDED), sort, sc.desc, true);
    sort_head(&p, id, role, "index", mg_t(p.lang, MSG_INDEX), sort, sc.desc, true);
    const cJSON *a;
    cJSON_ArrayForEach(a, areas) {
        const char *key = cJSON_GetStringValue(get(a, "key"));
        const char *label = cJSON_GetStringValue(get(get(labels, "areas"), key));
        sort_head(&p, id, role, key, label ? label : key, sort, sc.desc, true);
    }
    mg_buf_puts(&p.b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const cJSON *unit = rows[i].unit;
        const char *code = cJSON_GetStringValue(get(unit, "code"));
        int d = sort ? 0 : rows[i].depth > 6 ? 6 : rows[i].depth;
        mg_buf_puts(&p.b, "<tr data-unit=\"");
        mg_buf_html(&p.b, code);
        mg_buf_printf(&p.b, "\"><th scope=\"row\" class=\"unit d%d\"><a href=\"/hr/rounds/%lld/units/", d, (long long)id);
        mg_buf_html(&p.b, code);
        mg_buf_printf(&p.b, "?role=%s\">", role_code(role));
        mg_buf_html(&p.b, cJSON_GetStringValue(get(unit, "name")));
        mg_buf_puts(&p.b, "</a></th>");
        heat_cell(&p, unit, "responded", k);
        heat_cell(&p, unit, "index", k);
        cJSON_ArrayForEach(a, areas)
            heat_cell(&p, unit, cJSON_GetStringValue(get(a, "key")), k);
        mg_buf_puts(&p.b, "</tr>\n");
    }
    mg_buf_puts(&p.b, "</tbody></table></div>\n");

    /* The colour scale. */
    mg_buf_printf(&p.b, "<h2>%s</h2>\n<ul class=\"scale\">", mg_t(p.lang, MSG_HR_SCALE));
    for (int s = 0; s < MG_SVG_HEAT_STEPS; s++) {
        double lo = 100.0 * s / MG_SVG_HEAT_STEPS, hi = 100.0 * (s + 1) / MG_SVG_HEAT_STEPS;
        mg_buf_printf(&p.b, "<li class=\"heat-%d\">", s);
        put_num(&p.b, lo, 1, p.lang);
        mg_buf_puts(&p.b, "–");
        put_num(&p.b, hi, 1, p.lang);
        mg_buf_puts(&p.b, "</li>");
    }
    mg_buf_puts(&p.b, "</ul>\n");
    hidden_legend(&p, k);
    mg_buf_puts(&p.b, "<p>(a) ");
    {
        char s[200];
        snprintf(s, sizeof s, mg_t(p.lang, MSG_HR_HIDDEN_FEW), k);
        mg_buf_html(&p.b, s);
    }
    mg_buf_puts(&p.b, ". (b) ");
    mg_buf_html(&p.b, mg_t(p.lang, MSG_HR_HIDDEN_COMPL));
    mg_buf_puts(&p.b, ". (c) ");
    mg_buf_html(&p.b, mg_t(p.lang, MSG_HR_HIDDEN_OPEN));
    mg_buf_puts(&p.b, ".</p>\n");

    free(rows);
    cJSON_Delete(round);
    cJSON_Delete(body);
    cJSON_Delete(labels);
    PQclear(tree);
    return page_send(&p, 200, NULL);
}

/* ---- a unit's drill-down ------------------------------------------------ */

/* The name of area `key` (or the index, for NULL). */
static const char *area_label(const cJSON *labels, const char *key, enum mg_lang lang)
{
    if (!key)
        return mg_t(lang, MSG_INDEX);
    const char *s = cJSON_GetStringValue(get(get(labels, "areas"), key));
    return s ? s : key;
}

/* One measure's row of the interval chart. `note` receives the text of a
 * hidden or empty figure. */
static void interval_row(struct mg_svg_interval *row, const char *label, const cJSON *v, const char *mean_key,
                         int k, enum mg_lang lang, char *note, size_t notelen)
{
    memset(row, 0, sizeof *row);
    row->label = label;
    if (is_hidden(v)) {
        hidden_note(note, notelen, v, k, lang);
        row->note = note;
        return;
    }
    if (!cJSON_IsNumber(get(v, mean_key))) {
        snprintf(note, notelen, "%s", mg_t(lang, MSG_HR_NOT_AVAILABLE));
        row->note = note;
        return;
    }
    row->shown = true;
    row->value = num(v, mean_key);
    row->has_ci = ci_of(v, &row->low, &row->high);
}

/* A comparison (gap or change) as table cells: difference, CI, p,
 * significant. */
static void comparison_cells(struct page *p, const cJSON *v, int k)
{
    if (is_hidden(v)) {
        mg_buf_puts(&p->b, "<td colspan=\"4\">");
        put_hidden(&p->b, v, k, p->lang);
        mg_buf_puts(&p->b, "</td>");
        return;
    }
    if (!cJSON_IsNumber(get(v, "difference"))) {
        mg_buf_printf(&p->b, "<td colspan=\"4\">%s</td>", mg_t(p->lang, MSG_HR_NOT_AVAILABLE));
        return;
    }
    double pv = num(v, "p");
    mg_buf_puts(&p->b, "<td class=\"num diff\">");
    put_num(&p->b, num(v, "difference"), 1, p->lang);
    mg_buf_puts(&p->b, "</td><td class=\"num\">");
    put_ci(&p->b, v, 1, p->lang);
    mg_buf_puts(&p->b, "</td><td class=\"num\">");
    put_p(&p->b, pv, p->lang);
    mg_buf_printf(&p->b, "</td><td%s>%s</td>", !isnan(pv) && pv < 0.05 ? " class=\"yes\"" : "",
                  mg_t(p->lang, !isnan(pv) && pv < 0.05 ? MSG_HR_YES : MSG_HR_NO));
}

static void comparison_head(struct page *p, const char *caption)
{
    mg_buf_puts(&p->b, "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data\"><caption>");
    mg_buf_html(&p->b, caption);
    mg_buf_printf(&p->b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                         "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">p</th>"
                         "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                  mg_t(p->lang, MSG_AREA), mg_t(p->lang, MSG_HR_DIFFERENCE), mg_t(p->lang, MSG_HR_CI),
                  mg_t(p->lang, MSG_HR_SIGNIFICANT));
}

/* The index and every area of a comparison object ({index, areas}). */
static void comparison_rows(struct page *p, const cJSON *cmp, const cJSON *areas, const cJSON *labels, int k,
                            const char *section)
{
    mg_buf_printf(&p->b, "<tr data-%s=\"index\"><th scope=\"row\">%s</th>", section, mg_t(p->lang, MSG_INDEX));
    comparison_cells(p, get(cmp, "index"), k);
    mg_buf_puts(&p->b, "</tr>\n");
    const cJSON *a;
    cJSON_ArrayForEach(a, areas) {
        const char *key = cJSON_GetStringValue(get(a, "key"));
        const cJSON *v = get(get(cmp, "areas"), key);
        if (!v)
            continue;
        mg_buf_printf(&p->b, "<tr data-%s=\"", section);
        mg_buf_html(&p->b, key);
        mg_buf_puts(&p->b, "\"><th scope=\"row\">");
        mg_buf_html(&p->b, area_label(labels, key, p->lang));
        mg_buf_puts(&p->b, "</th>");
        comparison_cells(p, v, k);
        mg_buf_puts(&p->b, "</tr>\n");
    }
}

/* A figure of the key figures list. */
static void key_figure(struct page *p, const char *name, const char *label, const cJSON *v, bool share, int k)
{
    mg_buf_printf(&p->b, "<li data-figure=\"%s\">", name);
    mg_buf_html(&p->b, label);
    mg_buf_puts(&p->b, " <strong>");
    if (is_hidden(v))
        put_hidden(&p->b, v, k, p->lang);
    else if (!cJSON_IsNumber(v))
        mg_buf_puts(&p->b, "–");
    else if (share)
        put_pct(&p->b, v->valuedouble, p->lang);
    else
        put_num(&p->b, v->valuedouble, 0, p->lang);
    mg_buf_puts(&p->b, "</strong></li>\n");
}

enum MHD_Result mg_handle_hr_unit(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id"), viewer = viewer_unit(req);
    enum mg_priv_role role = query_role(req);
    const char *code = mg_params_get(&req->params, "code");
    cJSON *round = NULL, *body = NULL, *labels = NULL;
    PGresult *tree = NULL;
    enum mg_error err;
    char msg[128];
    struct page p;

    if (!id || !code)
        return page_error(req, MG_ERR_NOT_FOUND);
    if (viewer < 0)
        return page_error(req, MG_ERR_FORBIDDEN);
    page_begin(&p, req);
    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return page_error(req, MG_ERR_UNAVAILABLE);
    round = mg_hr_round_get(req, &conn, id, &err);
    if (!conn)
        return page_error(req, err);
    if (round && !(tree = mg_units_list_round(conn, id)))
        err = MG_ERR_UNAVAILABLE;
    if (err == MG_OK) {
        struct mg_ind_query q = {code, role, 1, viewer};
        err = mg_indicators_round(conn, id, &q, &body, msg, sizeof msg);
    }
    if (err == MG_OK && !(labels = mg_dashboard_labels(conn, id, mg_lang_code(p.lang))))
        err = MG_ERR_UNAVAILABLE;
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK) {
        cJSON_Delete(round);
        cJSON_Delete(body);
        PQclear(tree);
        return page_error(req, err);
    }

    const cJSON *hdr = get(body, "round");
    const cJSON *unit = cJSON_GetArrayItem(get(body, "units"), 0);
    const cJSON *cell = get(unit, "subtree");
    const cJSON *areas = get(body, "areas");
    const char *uname = cJSON_GetStringValue(get(unit, "name"));
    const char *rname = cJSON_GetStringValue(get(hdr, "name"));
    const char *root = cJSON_GetStringValue(get(round, "unit"));
    int k = (int)num(hdr, "k");
    const char *rc = role_code(role);
    char self[300], title[400];
    snprintf(self, sizeof self, "/hr/rounds/%lld/units/%s?role=%s", (long long)id, code, rc);
    snprintf(title, sizeof title, "%s – %s", uname, rname);
    page_open(&p, title, self);

    /* Breadcrumbs: the rounds, the round, then the unit's ancestors down
     * from the round's unit (a unit-viewer: from their own unit). */
    mg_buf_printf(&p.b, "<nav class=\"breadcrumbs\" aria-label=\"%s\"><ol><li><a href=\"/hr\">%s</a></li>"
                        "<li><a href=\"/hr/rounds/%lld?role=%s\">",
                  mg_t(p.lang, MSG_HR_BREADCRUMBS), mg_t(p.lang, MSG_HR_BACK_TO_ROUNDS), (long long)id, rc);
    mg_buf_html(&p.b, rname);
    mg_buf_puts(&p.b, "</a></li>");
    {
        const char *chain[MG_UNIT_MAX_DEPTH + 1];
        int nchain = 0;
        const char *stop = viewer > 0 ? req->user.unit_code : root;
        int i = tree_find(tree, code);
        const char *c = i >= 0 ? PQgetvalue(tree, i, 2) : NULL;
        bool reached = strcmp(code, stop ? stop : "") == 0;
        while (!reached && c && *c && nchain <= MG_UNIT_MAX_DEPTH) {
            chain[nchain++] = c;
            if (stop && strcmp(c, stop) == 0)
                break;
            i = tree_find(tree, c);
            c = i >= 0 ? PQgetvalue(tree, i, 2) : NULL;
        }
        for (int j = nchain; j-- > 0;) {
            int t = tree_find(tree, chain[j]);
            mg_buf_printf(&p.b, "<li><a href=\"/hr/rounds/%lld/units/", (long long)id);
            mg_buf_html(&p.b, chain[j]);
            mg_buf_printf(&p.b, "?role=%s\">", rc);
            mg_buf_html(&p.b, t >= 0 ? PQgetvalue(tree, t, 1) : chain[j]);
            mg_buf_puts(&p.b, "</a></li>");
        }
    }
    mg_buf_puts(&p.b, "<li><a href=\"");
    mg_buf_html(&p.b, self);
    mg_buf_puts(&p.b, "\" aria-current=\"page\">");
    mg_buf_html(&p.b, uname);
    mg_buf_puts(&p.b, "</a></li></ol></nav>\n<h1>");
    mg_buf_html(&p.b, uname);
    mg_buf_puts(&p.b, "</h1>\n<p class=\"lead\">");
    mg_buf_html(&p.b, rname);
    mg_buf_puts(&p.b, "</p>\n");
    char base[200];
    snprintf(base, sizeof base, "/hr/rounds/%lld/units/%s", (long long)id, code);
    role_form(&p, base, role, NULL);
    mg_hr_download_links(&p.b, p.lang, id, code, rc, req->user.role >= MG_ROLE_ADMIN, NULL,
                         strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(round, "state")) ?: "",
                                "closed") == 0,
                         k);

    /* Key figures. */
    const cJSON *index = get(cell, "index");
    mg_buf_puts(&p.b, "<ul class=\"figures\">\n");
    key_figure(&p, "responded", mg_t(p.lang, MSG_HR_RESPONDED), get(cell, "responded"), false, k);
    key_figure(&p, "invited", mg_t(p.lang, MSG_HR_INVITED), get(cell, "invited"), false, k);
    key_figure(&p, "response_rate", mg_t(p.lang, MSG_HR_RATE), get(cell, "response_rate"), true, k);
    key_figure(&p, "paper", mg_t(p.lang, MSG_HR_PAPER_COUNT), get(cell, "paper"), false, k);
    mg_buf_puts(&p.b, "<li data-figure=\"index\">");
    mg_buf_html(&p.b, mg_t(p.lang, MSG_INDEX));
    mg_buf_puts(&p.b, " <strong>");
    if (is_hidden(index)) {
        put_hidden(&p.b, index, k, p.lang);
    } else if (cJSON_IsNumber(get(index, "mean"))) {
        put_num(&p.b, num(index, "mean"), 1, p.lang);
        mg_buf_printf(&p.b, "</strong> <span>%s: ", mg_t(p.lang, MSG_HR_CI));
        put_ci(&p.b, index, 1, p.lang);
        mg_buf_puts(&p.b, "</span><strong>");
    } else {
        mg_buf_puts(&p.b, "–");
    }
    mg_buf_puts(&p.b, "</strong></li>\n</ul>\n");

    /* Means per area with their intervals. */
    int nareas = cJSON_GetArraySize(areas);
    size_t nrows = (size_t)nareas + 1;
    struct mg_svg_interval *rows = calloc(nrows, sizeof *rows);
    struct mg_svg_stack *stacks = calloc(nrows, sizeof *stacks);
    char (*notes)[160] = calloc(nrows * 2, sizeof *notes);
    const char *parts[MG_SVG_MAX_PARTS];
    size_t nparts = 0;
    const cJSON *lv;
    cJSON_ArrayForEach(lv, get(body, "levels")) {
        if (nparts < MG_SVG_MAX_PARTS) {
            const char *key = cJSON_GetStringValue(lv);
            const char *name = cJSON_GetStringValue(get(get(labels, "levels"), key));
            parts[nparts++] = name ? name : key;
        }
    }
    const struct mg_svg_style st = {comma(p.lang), 1};
    if (rows && stacks && notes) {
        for (size_t r = 0; r < nrows; r++) {
            const char *key = r == 0 ? NULL : cJSON_GetStringValue(get(cJSON_GetArrayItem(areas, (int)r - 1), "key"));
            const cJSON *v = r == 0 ? index : get(get(cell, "areas"), key);
            interval_row(&rows[r], area_label(labels, key, p.lang), v, "mean", k, p.lang, notes[r], sizeof notes[r]);
            stacks[r].label = rows[r].label;
            stacks[r].shown = rows[r].shown && cJSON_IsObject(get(v, "levels"));
            stacks[r].note = rows[r].note ? rows[r].note : mg_t(p.lang, MSG_HR_NOT_AVAILABLE);
            size_t li = 0;
            cJSON_ArrayForEach(lv, get(body, "levels")) {
                if (li < MG_SVG_MAX_PARTS)
                    stacks[r].share[li++] = num(get(v, "levels"), cJSON_GetStringValue(lv));
            }
        }
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_AREA_MEANS), mg_t(p.lang, MSG_HR_AREA_MEANS_DESC));
        mg_svg_interval_chart(&p.b, "means", mg_t(p.lang, MSG_HR_AREA_MEANS), mg_t(p.lang, MSG_HR_AREA_MEANS_DESC),
                              rows, nrows, 0, 100, &st);
        mg_buf_printf(&p.b, "<details><summary>%s</summary><div class=\"table-wrap\" tabindex=\"0\"><table class=\"data means\">"
                            "<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">n</th>"
                            "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HR_SHOW_TABLE), mg_t(p.lang, MSG_HR_AREA_MEANS), mg_t(p.lang, MSG_AREA),
                      mg_t(p.lang, MSG_HR_MEAN), mg_t(p.lang, MSG_HR_CI));
        for (size_t r = 0; r < nrows; r++) {
            const char *key = r == 0 ? "index" : cJSON_GetStringValue(get(cJSON_GetArrayItem(areas, (int)r - 1), "key"));
            const cJSON *v = r == 0 ? index : get(get(cell, "areas"), key);
            mg_buf_puts(&p.b, "<tr data-area=\"");
            mg_buf_html(&p.b, key);
            mg_buf_puts(&p.b, "\"><th scope=\"row\">");
            mg_buf_html(&p.b, rows[r].label);
            mg_buf_puts(&p.b, "</th>");
            if (is_hidden(v)) {
                mg_buf_puts(&p.b, "<td colspan=\"3\">");
                put_hidden(&p.b, v, k, p.lang);
                mg_buf_puts(&p.b, "</td></tr>\n");
                continue;
            }
            mg_buf_puts(&p.b, "<td class=\"num\">");
            if (cJSON_IsNumber(get(v, "n")))
                put_num(&p.b, num(v, "n"), 0, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num mean\">");
            if (rows[r].shown)
                put_num(&p.b, rows[r].value, 1, p.lang);
            else
                mg_buf_puts(&p.b, "–");
            mg_buf_puts(&p.b, "</td><td class=\"num\">");
            put_ci(&p.b, v, 1, p.lang);
            mg_buf_puts(&p.b, "</td></tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div></details>\n");

        /* The staircase. */
        const struct mg_svg_style pst = {comma(p.lang), 0};
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_DISTRIBUTION), mg_t(p.lang, MSG_HR_DISTRIBUTION_DESC));
        mg_svg_stacked_chart(&p.b, "levels", mg_t(p.lang, MSG_HR_DISTRIBUTION), mg_t(p.lang, MSG_HR_DISTRIBUTION_DESC),
                             parts, nparts, stacks, nrows, &pst);
        mg_buf_printf(&p.b, "<details><summary>%s</summary><div class=\"table-wrap\" tabindex=\"0\"><table class=\"data\">"
                            "<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>",
                      mg_t(p.lang, MSG_HR_SHOW_TABLE), mg_t(p.lang, MSG_HR_DISTRIBUTION), mg_t(p.lang, MSG_AREA));
        for (size_t l = 0; l < nparts; l++) {
            mg_buf_puts(&p.b, "<th scope=\"col\" class=\"num\">");
            mg_buf_html(&p.b, parts[l]);
            mg_buf_puts(&p.b, "</th>");
        }
        mg_buf_puts(&p.b, "</tr></thead>\n<tbody>\n");
        for (size_t r = 0; r < nrows; r++) {
            mg_buf_puts(&p.b, "<tr><th scope=\"row\">");
            mg_buf_html(&p.b, stacks[r].label);
            mg_buf_puts(&p.b, "</th>");
            if (!stacks[r].shown) {
                mg_buf_printf(&p.b, "<td colspan=\"%zu\">", nparts ? nparts : 1);
                mg_buf_html(&p.b, stacks[r].note);
                mg_buf_puts(&p.b, "</td></tr>\n");
                continue;
            }
            for (size_t l = 0; l < nparts; l++) {
                mg_buf_puts(&p.b, "<td class=\"num\">");
                put_pct(&p.b, stacks[r].share[l], p.lang);
                mg_buf_puts(&p.b, "</td>");
            }
            mg_buf_puts(&p.b, "</tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div></details>\n");

        /* The manager-staff gap. */
        const cJSON *gap = get(cell, "gap");
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_GAP), mg_t(p.lang, MSG_HR_GAP_DESC));
        if (cJSON_IsObject(gap)) {
            for (size_t r = 0; r < nrows; r++) {
                const char *key = r == 0 ? NULL : cJSON_GetStringValue(get(cJSON_GetArrayItem(areas, (int)r - 1), "key"));
                const cJSON *v = r == 0 ? get(gap, "index") : get(get(gap, "areas"), key);
                interval_row(&rows[r], area_label(labels, key, p.lang), v, "difference", k, p.lang, notes[nrows + r],
                             sizeof notes[nrows + r]);
            }
            mg_svg_interval_chart(&p.b, "gap", mg_t(p.lang, MSG_HR_GAP), mg_t(p.lang, MSG_HR_GAP_DESC), rows, nrows,
                                  -50, 50, &st);
            comparison_head(&p, mg_t(p.lang, MSG_HR_GAP));
            comparison_rows(&p, gap, areas, labels, k, "gap");
            mg_buf_puts(&p.b, "</tbody></table></div>\n");
        } else {
            mg_buf_printf(&p.b, "<p>%s</p>\n", mg_t(p.lang, MSG_HR_NOT_AVAILABLE));
        }
    }
    free(rows);
    free(stacks);
    free(notes);

    /* Base services. */
    const cJSON *services = get(cell, "services");
    if (cJSON_GetArraySize(services) > 0) {
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data services\"><caption>%s</caption>\n"
                            "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                            "<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HR_SERVICES), mg_t(p.lang, MSG_HR_SERVICES_DESC), mg_t(p.lang, MSG_HR_SERVICE),
                      mg_t(p.lang, MSG_HR_ANSWERED), mg_t(p.lang, MSG_HR_REGULAR));
        const cJSON *sv;
        cJSON_ArrayForEach(sv, services) {
            const char *name = cJSON_GetStringValue(get(get(labels, "services"), sv->string));
            mg_buf_puts(&p.b, "<tr data-service=\"");
            mg_buf_html(&p.b, sv->string);
            mg_buf_puts(&p.b, "\"><th scope=\"row\">");
            mg_buf_html(&p.b, name ? name : sv->string);
            mg_buf_puts(&p.b, "</th>");
            if (is_hidden(sv)) {
                mg_buf_puts(&p.b, "<td colspan=\"2\">");
                put_hidden(&p.b, sv, k, p.lang);
                mg_buf_puts(&p.b, "</td>");
            } else {
                mg_buf_puts(&p.b, "<td class=\"num\">");
                put_num(&p.b, num(sv, "n"), 0, p.lang);
                mg_buf_puts(&p.b, "</td><td class=\"num\">");
                if (cJSON_IsNumber(get(sv, "regular")))
                    put_pct(&p.b, num(sv, "regular"), p.lang);
                else
                    mg_buf_puts(&p.b, "–");
                mg_buf_puts(&p.b, "</td>");
            }
            mg_buf_puts(&p.b, "</tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
    }

    /* Change since the previous round, and the paired change. */
    const cJSON *change = get(cell, "change");
    mg_buf_printf(&p.b, "<h2>%s</h2>\n", mg_t(p.lang, MSG_HR_CHANGE));
    if (!cJSON_IsObject(change)) {
        mg_buf_printf(&p.b, "<p class=\"no-previous\">%s</p>\n", mg_t(p.lang, MSG_HR_NO_PREVIOUS));
    } else {
        mg_buf_printf(&p.b, "<p>%s</p>\n", mg_t(p.lang, MSG_HR_CHANGE_DESC));
        comparison_head(&p, mg_t(p.lang, MSG_HR_CHANGE));
        comparison_rows(&p, change, areas, labels, k, "change");
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
        const cJSON *paired = get(cell, "paired");
        mg_buf_printf(&p.b, "<h3>%s</h3>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_PAIRED), mg_t(p.lang, MSG_HR_PAIRED_DESC));
        if (is_hidden(paired)) {
            mg_buf_puts(&p.b, "<p class=\"paired\">");
            put_hidden(&p.b, paired, k, p.lang);
            mg_buf_puts(&p.b, "</p>\n");
        } else if (!cJSON_IsObject(paired) || !cJSON_IsNumber(get(paired, "mean_change"))) {
            mg_buf_printf(&p.b, "<p class=\"paired\">%s</p>\n", mg_t(p.lang, MSG_HR_NOT_AVAILABLE));
        } else {
            double pv = num(paired, "p");
            mg_buf_printf(&p.b, "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data paired\"><caption>%s</caption>\n"
                                "<thead><tr><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                                "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">p</th>"
                                "<th scope=\"col\">%s</th></tr></thead>\n<tbody><tr><td class=\"num\">",
                          mg_t(p.lang, MSG_HR_PAIRED), mg_t(p.lang, MSG_HR_PAIRS), mg_t(p.lang, MSG_HR_DIFFERENCE),
                          mg_t(p.lang, MSG_HR_CI), mg_t(p.lang, MSG_HR_SIGNIFICANT));
            put_num(&p.b, num(paired, "n"), 0, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num diff\">");
            put_num(&p.b, num(paired, "mean_change"), 1, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num\">");
            put_ci(&p.b, paired, 1, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num\">");
            put_p(&p.b, pv, p.lang);
            mg_buf_printf(&p.b, "</td><td>%s</td></tr></tbody></table></div>\n",
                          mg_t(p.lang, !isnan(pv) && pv < 0.05 ? MSG_HR_YES : MSG_HR_NO));
        }
    }
    if (cJSON_IsNumber(get(hdr, "series"))) {
        mg_buf_printf(&p.b, "<p><a href=\"/hr/series/%lld/trend?unit=", (long long)num(hdr, "series"));
        mg_buf_html(&p.b, code);
        mg_buf_printf(&p.b, "&amp;role=%s\">%s</a></p>\n", rc, mg_t(p.lang, MSG_HR_TREND));
    }

    /* Reliability, for the whole round. */
    const cJSON *rel = get(body, "reliability");
    if (cJSON_GetArraySize(rel) > 0) {
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<p>%s</p>\n<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data reliability\">"
                            "<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                            "<th scope=\"col\" class=\"num\">n</th><th scope=\"col\" class=\"num\">alfa</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HR_RELIABILITY), mg_t(p.lang, MSG_HR_RELIABILITY_DESC), mg_t(p.lang, MSG_HR_RELIABILITY),
                      mg_t(p.lang, MSG_AREA), mg_t(p.lang, MSG_HR_ITEMS));
        const cJSON *ra;
        cJSON_ArrayForEach(ra, rel) {
            mg_buf_puts(&p.b, "<tr data-area=\"");
            mg_buf_html(&p.b, ra->string);
            mg_buf_puts(&p.b, "\"><th scope=\"row\">");
            mg_buf_html(&p.b, area_label(labels, ra->string, p.lang));
            mg_buf_puts(&p.b, "</th><td class=\"num\">");
            if (is_hidden(ra)) {
                put_hidden(&p.b, ra, k, p.lang);
                mg_buf_puts(&p.b, "</td><td></td><td></td></tr>\n");
                continue;
            }
            put_num(&p.b, num(ra, "items"), 0, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num\">");
            put_num(&p.b, num(ra, "n"), 0, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num alpha\">");
            if (cJSON_IsNumber(get(ra, "alpha")))
                put_num(&p.b, num(ra, "alpha"), 2, p.lang);
            else
                mg_buf_puts(&p.b, "–");
            mg_buf_puts(&p.b, "</td></tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
    }

    /* Sub-units. */
    if (cJSON_GetArraySize(get(body, "units")) > 1) {
        mg_buf_printf(&p.b, "<h2>%s</h2>\n<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data children\"><caption>%s</caption>\n"
                            "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                            "<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                      mg_t(p.lang, MSG_HR_SUBUNITS), mg_t(p.lang, MSG_HR_SUBUNITS), mg_t(p.lang, MSG_HR_UNIT),
                      mg_t(p.lang, MSG_HR_RESPONDED), mg_t(p.lang, MSG_INDEX));
        const cJSON *child;
        int i = 0;
        cJSON_ArrayForEach(child, get(body, "units")) {
            if (i++ == 0)
                continue;
            const char *ccode = cJSON_GetStringValue(get(child, "code"));
            const cJSON *cc = get(child, "subtree");
            mg_buf_puts(&p.b, "<tr data-unit=\"");
            mg_buf_html(&p.b, ccode);
            mg_buf_printf(&p.b, "\"><th scope=\"row\"><a href=\"/hr/rounds/%lld/units/", (long long)id);
            mg_buf_html(&p.b, ccode);
            mg_buf_printf(&p.b, "?role=%s\">", rc);
            mg_buf_html(&p.b, cJSON_GetStringValue(get(child, "name")));
            mg_buf_puts(&p.b, "</a></th><td class=\"num\">");
            const cJSON *resp = get(cc, "responded");
            if (is_hidden(resp))
                put_hidden(&p.b, resp, k, p.lang);
            else
                put_num(&p.b, num(cc, "responded"), 0, p.lang);
            mg_buf_puts(&p.b, "</td><td class=\"num\">");
            const cJSON *ci = get(cc, "index");
            if (is_hidden(ci))
                put_hidden(&p.b, ci, k, p.lang);
            else if (cJSON_IsNumber(get(ci, "mean")))
                put_num(&p.b, num(ci, "mean"), 1, p.lang);
            else
                mg_buf_puts(&p.b, "–");
            mg_buf_puts(&p.b, "</td></tr>\n");
        }
        mg_buf_puts(&p.b, "</tbody></table></div>\n");
    }
    hidden_legend(&p, k);

    cJSON_Delete(round);
    cJSON_Delete(body);
    cJSON_Delete(labels);
    PQclear(tree);
    return page_send(&p, 200, NULL);
}

/* ---- a series' trend -------------------------------------------------- */

enum MHD_Result mg_handle_hr_trend(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id"), viewer = viewer_unit(req);
    enum mg_priv_role role = query_role(req);
    const char *code = mg_form_get(&req->query, "unit");
    cJSON *body = NULL;
    PGresult *tree = NULL;
    enum mg_error err = MG_OK;
    char msg[128];
    struct page p;

    if (!id)
        return page_error(req, MG_ERR_NOT_FOUND);
    if (viewer < 0)
        return page_error(req, MG_ERR_FORBIDDEN);
    if (code && (!*code || strlen(code) > 64))
        code = NULL;
    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return page_error(req, MG_ERR_UNAVAILABLE);
    struct mg_ind_query q = {code, role, 0, viewer};
    err = mg_indicators_trend(conn, id, &q, &body, msg, sizeof msg);
    if (mg_hr_ask_primary(req, conn, err)) {
        if (!(conn = mg_db_acquire(req->srv->db)))
            return page_error(req, MG_ERR_UNAVAILABLE);
        err = mg_indicators_trend(conn, id, &q, &body, msg, sizeof msg);
    }
    if (err == MG_OK && !(tree = mg_units_list(conn)))
        err = MG_ERR_UNAVAILABLE;
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK) {
        cJSON_Delete(body);
        return page_error(req, err);
    }
    page_begin(&p, req);
    const char *ucode = cJSON_GetStringValue(get(body, "unit"));
    int t = tree_find(tree, ucode);
    const char *uname = t >= 0 ? PQgetvalue(tree, t, 1) : (ucode ? ucode : "");
    const char *sname = cJSON_GetStringValue(get(get(body, "series"), "name"));
    const char *rc = role_code(role);
    char self[300], title[400];
    snprintf(self, sizeof self, "/hr/series/%lld/trend?unit=%s&role=%s", (long long)id, ucode ? ucode : "", rc);
    snprintf(title, sizeof title, mg_t(p.lang, MSG_HR_SERIES_TREND), uname);
    page_open(&p, title, self);
    mg_buf_printf(&p.b, "<nav class=\"breadcrumbs\" aria-label=\"%s\"><ol><li><a href=\"/hr\">%s</a></li>"
                        "<li><a href=\"",
                  mg_t(p.lang, MSG_HR_BREADCRUMBS), mg_t(p.lang, MSG_HR_BACK_TO_ROUNDS));
    mg_buf_html(&p.b, self);
    mg_buf_puts(&p.b, "\" aria-current=\"page\">");
    mg_buf_html(&p.b, title);
    mg_buf_puts(&p.b, "</a></li></ol></nav>\n<h1>");
    mg_buf_html(&p.b, title);
    mg_buf_puts(&p.b, "</h1>\n<p class=\"lead\">");
    mg_buf_html(&p.b, sname ? sname : "");
    mg_buf_puts(&p.b, "</p>\n");
    char base[64];
    snprintf(base, sizeof base, "/hr/series/%lld/trend", (long long)id);
    const char *keep[] = {"unit", ucode ? ucode : "", NULL};
    role_form(&p, base, role, keep);

    const cJSON *list = get(body, "rounds");
    size_t n = (size_t)cJSON_GetArraySize(list);
    struct mg_svg_interval *pts = calloc(n ? n : 1, sizeof *pts);
    char (*notes)[160] = calloc(n ? n : 1, sizeof *notes);
    int k = 5;
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, list) {
        const cJSON *r = get(e, "round");
        k = (int)num(r, "k");
        if (pts && notes)
            interval_row(&pts[i], cJSON_GetStringValue(get(r, "name")), get(get(e, "indicators"), "index"), "mean", k,
                         p.lang, notes[i], sizeof notes[i]);
        i++;
    }
    const struct mg_svg_style st = {comma(p.lang), 1};
    mg_buf_printf(&p.b, "<h2>%s</h2>\n<p>%s</p>\n", mg_t(p.lang, MSG_HR_TREND), mg_t(p.lang, MSG_HR_TREND_DESC));
    if (pts && notes && n > 0)
        mg_svg_trend_chart(&p.b, "trend", title, mg_t(p.lang, MSG_HR_TREND_DESC), pts, n, 0, 100, &st);
    free(pts);
    free(notes);

    mg_buf_printf(&p.b, "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"data trend\"><caption>%s</caption>\n<thead><tr>"
                        "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                        "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                        "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">p</th><th scope=\"col\">%s</th>"
                        "<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
                  mg_t(p.lang, MSG_HR_TREND), mg_t(p.lang, MSG_HR_ROUND), mg_t(p.lang, MSG_HR_RESPONDED),
                  mg_t(p.lang, MSG_INDEX), mg_t(p.lang, MSG_HR_CI), mg_t(p.lang, MSG_HR_DIFFERENCE), mg_t(p.lang, MSG_HR_CI),
                  mg_t(p.lang, MSG_HR_SIGNIFICANT), mg_t(p.lang, MSG_HR_PAIRED));
    cJSON_ArrayForEach(e, list) {
        const cJSON *r = get(e, "round"), *cell = get(e, "indicators");
        const cJSON *index = get(cell, "index"), *resp = get(cell, "responded");
        const cJSON *change = get(cell, "change"), *paired = get(cell, "paired");
        int64_t rid = (int64_t)num(r, "id");
        if (!cJSON_IsObject(cell)) {
            /* The unit is not in this round's tree (created after it
             * closed, or then outside the viewer's unit): nothing to show. */
            mg_buf_printf(&p.b, "<tr data-round=\"%lld\"><th scope=\"row\">", (long long)rid);
            mg_buf_html(&p.b, cJSON_GetStringValue(get(r, "name")));
            mg_buf_printf(&p.b, "</th><td colspan=\"7\">%s</td></tr>\n", mg_t(p.lang, MSG_HR_NOT_AVAILABLE));
            continue;
        }
        mg_buf_printf(&p.b, "<tr data-round=\"%lld\"><th scope=\"row\"><a href=\"/hr/rounds/%lld/units/", (long long)rid,
                      (long long)rid);
        mg_buf_html(&p.b, ucode ? ucode : "");
        mg_buf_printf(&p.b, "?role=%s\">", rc);
        mg_buf_html(&p.b, cJSON_GetStringValue(get(r, "name")));
        mg_buf_puts(&p.b, "</a></th><td class=\"num\">");
        if (is_hidden(resp))
            put_hidden(&p.b, resp, k, p.lang);
        else
            put_num(&p.b, num(cell, "responded"), 0, p.lang);
        mg_buf_puts(&p.b, "</td>");
        if (is_hidden(index)) {
            mg_buf_puts(&p.b, "<td colspan=\"2\">");
            put_hidden(&p.b, index, k, p.lang);
            mg_buf_puts(&p.b, "</td>");
        } else {
            mg_buf_puts(&p.b, "<td class=\"num mean\">");
            if (cJSON_IsNumber(get(index, "mean")))
                put_num(&p.b, num(index, "mean"), 1, p.lang);
            else
                mg_buf_puts(&p.b, "–");
            mg_buf_puts(&p.b, "</td><td class=\"num\">");
            put_ci(&p.b, index, 1, p.lang);
            mg_buf_puts(&p.b, "</td>");
        }
        if (cJSON_IsObject(change))
            comparison_cells(&p, get(change, "index"), k);
        else
            mg_buf_printf(&p.b, "<td colspan=\"4\">%s</td>", mg_t(p.lang, MSG_HR_NOT_AVAILABLE));
        mg_buf_puts(&p.b, "<td class=\"num\">");
        if (is_hidden(paired))
            put_hidden(&p.b, paired, k, p.lang);
        else if (cJSON_IsNumber(get(paired, "mean_change"))) {
            put_num(&p.b, num(paired, "mean_change"), 1, p.lang);
            mg_buf_puts(&p.b, " (n = ");
            put_num(&p.b, num(paired, "n"), 0, p.lang);
            mg_buf_puts(&p.b, ", p = ");
            put_p(&p.b, num(paired, "p"), p.lang);
            mg_buf_puts(&p.b, ")");
        } else
            mg_buf_puts(&p.b, "–");
        mg_buf_puts(&p.b, "</td></tr>\n");
    }
    mg_buf_puts(&p.b, "</tbody></table></div>\n");
    hidden_legend(&p, k);
    cJSON_Delete(body);
    PQclear(tree);
    return page_send(&p, 200, NULL);
}
