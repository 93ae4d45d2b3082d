/* http.c: the libmicrohttpd daemon, request lifecycle, dispatch and replies. */
#include "mg_http.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mg_config.h"
#include "mg_db.h"
#include "mg_hr.h"
#include "mg_html.h"
#include "mg_json.h"
#include "mg_log.h"
#include "mg_page.h"
#include "mg_proxy.h"
#include "mg_rounds.h"

/* Longest raw path accepted before answering 414. */
#define MG_HTTP_MAX_URL 2048
/* Deepest JSON nesting accepted in a request body. */
#define MG_HTTP_MAX_JSON_DEPTH 32

static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void mg_http_add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=(), interest-cohort=()");
}

const char *mg_request_header(struct mg_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

enum MHD_Result mg_reply_response(struct mg_request *req, unsigned int status,
                                  struct MHD_Response *resp, uint64_t bytes)
{
    mg_http_add_security_headers(resp);
    if (req->set_cookie[0]) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, req->set_cookie);
        sodium_memzero(req->set_cookie, sizeof req->set_cookie);
    }
    req->replied = true;
    req->status = status;
    req->bytes = bytes;
    return MHD_queue_response(req->conn, status, resp);
}

enum MHD_Result mg_reply_buffer(struct mg_request *req, unsigned int status,
                                const char *content_type, const void *buf,
                                size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (!MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
    ret = mg_reply_response(req, status, resp, len);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result mg_reply_json(struct mg_request *req, unsigned int status,
                              cJSON *body)
{
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    enum MHD_Result ret;

    cJSON_Delete(body);
    if (!text) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"Something went wrong on our side.\"}}";
        return mg_reply_buffer(req, 500, "application/json", oom, sizeof oom - 1);
    }
    ret = mg_reply_buffer(req, status, "application/json", text, strlen(text));
    free(text);
    return ret;
}

enum MHD_Result mg_reply_error(struct mg_request *req, enum mg_error err,
                               const char *message, const char *field)
{
    unsigned int status = mg_error_status(err);

    if (!message)
        message = mg_error_message(err);
    if (req->html) {
        char *page = mg_html_error_page(status, message);
        enum MHD_Result ret;
        if (!page)
            return MHD_NO;
        ret = mg_reply_buffer(req, status, "text/html; charset=utf-8", page, strlen(page));
        free(page);
        return ret;
    }

    return mg_reply_json(req, status, mg_error_json(err, message, field));
}

enum MHD_Result mg_reply_redirect(struct mg_request *req, const char *location)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    ret = mg_reply_response(req, MHD_HTTP_SEE_OTHER, resp, 0);
    MHD_destroy_response(resp);
    return ret;
}

/* libmicrohttpd would percent-decode the path before we see it, turning
 * "%2f" into a separator and "%00" into an early end. Keep it raw; the
 * router decodes each segment itself. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    struct mg_request *req = cls;
    (void)kind;
    size_t klen = strlen(key), vlen = value ? strlen(value) : 0;
    char *k = malloc(klen + 1), *v = malloc(vlen + 1);
    struct mg_form_pair *np;

    if (!k || !v || mg_url_decode(key, klen, k, NULL, true) != 0 ||
        mg_url_decode(value ? value : "", vlen, v, NULL, true) != 0 ||
        req->query.n >= MG_FORM_MAX_PAIRS ||
        !(np = realloc(req->query.pairs, (req->query.n + 1) * sizeof *np))) {
        free(k);
        free(v);
        req->bad_query = true;
        return MHD_NO; /* stops the iteration; the caller answers 400 */
    }
    req->query.pairs = np;
    np[req->query.n].key = k;
    np[req->query.n].value = v;
    req->query.n++;
    return MHD_YES;
}

/* Content-Type without parameters, compared case-insensitively. */
static bool content_type_is(struct mg_request *req, const char *type)
{
    const char *ct = mg_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t tl = strlen(type);
    return ct && strncasecmp(ct, type, tl) == 0 &&
           (ct[tl] == '\0' || ct[tl] == ';' || ct[tl] == ' ');
}

void mg_request_client(struct mg_request *req, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", req->client[0] ? req->client : "-");
}

/* The client address, whether the peer is a trusted proxy, and whether
 * cookies are Secure: X-Forwarded-For and X-Forwarded-Proto count only when
 * the TCP peer is in MOGNAD_TRUSTED_PROXIES. */
static void resolve_peer(struct mg_request *req)
{
    const struct mg_config *cfg = req->srv->cfg;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(req->client, sizeof req->client, "-");
    req->secure = cfg->tls_proxy;
    if (!ci || !ci->client_addr)
        return;
    req->peer_trusted = mg_proxy_match_sockaddr(cfg->trusted_proxies, cfg->n_trusted_proxies,
                                                ci->client_addr, req->client, sizeof req->client);
    if (!req->peer_trusted)
        return;
    const char *xff = mg_request_header(req, "X-Forwarded-For");
    if (xff)
        mg_proxy_forwarded_client(cfg->trusted_proxies, cfg->n_trusted_proxies, xff, req->client,
                                  sizeof req->client);
    const char *proto = mg_request_header(req, "X-Forwarded-Proto");
    if (proto && strcasecmp(proto, "https") == 0)
        req->secure = true;
}

const char *mg_request_sso_login(struct mg_request *req)
{
    if (!req->peer_trusted || !req->srv->cfg->sso_header[0])
        return NULL;
    const char *v = mg_request_header(req, req->srv->cfg->sso_header);
    return v && *v ? v : NULL;
}

/* A session for the user a trusted proxy names, its cookie sent with the
 * reply; MG_ERR_UNAUTHORISED when no enabled user has that login. */
static enum mg_error sso_session(struct mg_request *req, struct mg_db_conn *conn, const char *login)
{
    struct mg_token token;
    enum mg_error err = mg_auth_sso(conn, login, &req->user, &token);
    if (err == MG_OK)
        snprintf(req->set_cookie, sizeof req->set_cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                 MG_AUTH_COOKIE, token.text, req->secure ? "; Secure" : "");
    sodium_memzero(&token, sizeof token);
    return err;
}

/* The lowest role of the viewer < analyst < admin ladder a route admits,
 * from its flags; MG_ROLE_REGISTRAR for a registrar-only route
 * (MG_ROUTE_PAPER alone); MG_ROLE_NONE when it needs no HR user. */
static enum mg_role route_role(unsigned int flags)
{
    if (flags & MG_ROUTE_ADMIN)
        return MG_ROLE_ADMIN;
    if (flags & MG_ROUTE_ANALYST)
        return MG_ROLE_ANALYST;
    if (flags & MG_ROUTE_VIEWER)
        return MG_ROLE_UNIT_VIEWER;
    if (flags & MG_ROUTE_PAPER)
        return MG_ROLE_REGISTRAR;
    return MG_ROLE_NONE;
}

/* Whether `role` may call a route with `flags`: the registrar only routes
 * flagged MG_ROUTE_PAPER, everyone else the ladder's test. */
static bool route_admits(unsigned int flags, enum mg_role role)
{
    if (role == MG_ROLE_REGISTRAR)
        return (flags & MG_ROUTE_PAPER) != 0;
    enum mg_role need = route_role(flags);
    return need != MG_ROLE_REGISTRAR && need != MG_ROLE_NONE && role >= need;
}

/* Session, role and CSRF checks for routes that need an HR user. Returns
 * true when it answered (401, 403, 503). */
/* The session and role part of check_user; true when a reply was queued. */
static bool check_session(struct mg_request *req, enum MHD_Result *ret)
{
    enum mg_role need = route_role(req->route->flags);
    if (need == MG_ROLE_NONE || req->has_user)
        return false;
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, MG_AUTH_COOKIE);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    enum mg_error err = MG_ERR_UNAVAILABLE;
    if (conn) {
        err = mg_auth_session(conn, cookie, &req->user);
        const char *sso = mg_request_sso_login(req);
        /* Single sign-on: the proxy's word decides who this is. */
        if (sso && (err == MG_ERR_UNAUTHORISED || (err == MG_OK && strcmp(req->user.login, sso) != 0)))
            err = sso_session(req, conn, sso);
        mg_db_release(req->srv->db, conn);
    }
    if (err == MG_ERR_UNAUTHORISED && (req->route->flags & MG_ROUTE_HTML)) {
        /* A browser page (the HR dashboard) sends the visitor to log in. */
        *ret = mg_reply_redirect(req, "/hr/login");
        return true;
    }
    if (err != MG_OK) {
        *ret = mg_reply_error(req, err, NULL, NULL);
        return true;
    }
    req->has_user = true;
    if (!route_admits(req->route->flags, req->user.role)) {
        /* A registrar's way into the dashboard (a bookmark, single
         * sign-on) leads to the paper entry it may do. */
        if (req->user.role == MG_ROLE_REGISTRAR && strcmp(req->route->pattern, "/hr") == 0) {
            *ret = mg_reply_redirect(req, "/hr/paper");
            return true;
        }
        *ret = mg_reply_error(req, MG_ERR_FORBIDDEN, NULL, NULL);
        return true;
    }
    return false;
}

/* The round or series the path names must be one the user may see
 * (mg_round_visible: the one rule for every such route). A refusal names
 * nothing of it: the API's JSON error, the dashboard's notice page.
 * Analysts and admins see every round; an unknown id is left to the
 * handler's 404. True when a reply was queued. */
static bool check_scope(struct mg_request *req, enum MHD_Result *ret)
{
    unsigned int flags = req->route->flags;
    if (!(flags & (MG_ROUTE_ROUND | MG_ROUTE_SERIES)) || req->user.role != MG_ROLE_UNIT_VIEWER)
        return false;
    int64_t id = mg_params_id(&req->params, "id");
    int64_t viewer = req->user.unit_id > 0 ? req->user.unit_id : -1;
    enum mg_error err = MG_ERR_UNAVAILABLE;
    if (!id)
        return false;
    /* The primary: a round created moments ago may not be on a replica. */
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (conn) {
        err = (flags & MG_ROUTE_SERIES) ? mg_series_visible(conn, id, viewer) : mg_round_visible(conn, id, viewer);
        mg_db_release(req->srv->db, conn);
    }
    if (err == MG_OK || err == MG_ERR_NOT_FOUND)
        return false;
    if (req->html) {
        bool remember;
        enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
        *ret = mg_hr_notice(req, mg_error_status(err), lang,
                            err == MG_ERR_FORBIDDEN ? MSG_HR_FORBIDDEN_TITLE : MSG_ERROR_TITLE,
                            mg_t(lang, err == MG_ERR_FORBIDDEN ? MSG_HR_FORBIDDEN_TEXT : MSG_HR_UNAVAILABLE));
    } else {
        *ret = mg_reply_error(req, err, NULL, NULL);
    }
    return true;
}

static bool check_user(struct mg_request *req, enum MHD_Result *ret)
{
    if (route_role(req->route->flags) == MG_ROLE_NONE)
        return false;
    if (check_session(req, ret))
        return true;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        const char *given = mg_request_header(req, "X-CSRF-Token");
        if (!given)
            given = mg_form_get(&req->form, "csrf");
        size_t want = strlen(req->user.csrf.text);
        if (!given || strlen(given) != want ||
            sodium_memcmp(given, req->user.csrf.text, want) != 0) {
            *ret = mg_reply_error(req, MG_ERR_CSRF, NULL, NULL);
            return true;
        }
    }
    return check_scope(req, ret);
}

/* ---- multipart/form-data (routes flagged MG_ROUTE_MULTIPART) ----------
 * libmicrohttpd's post processor parses the body as it arrives: the first
 * part with a file name goes to req->upload, the other parts become
 * req->form fields (so the CSRF check reads "csrf" as for urlencoded
 * forms). The whole raw body counts against MOGNAD_MAX_UPLOAD. */

/* Text fields of a multipart form: few and short. */
#define MG_HTTP_MAX_MULTIPART_FIELDS (64 * 1024)

/* Appends `size` bytes to `*buf` (NUL-terminated); false when out of memory. */
static bool grow_append(char **buf, size_t *len, size_t *cap, const char *data, size_t size)
{
    if (*len + size + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + size + 1)
            c *= 2;
        char *nb = malloc(c);
        if (!nb)
            return false;
        if (*buf) {
            memcpy(nb, *buf, *len);
            sodium_memzero(*buf, *cap); /* may hold an uploaded register */
            free(*buf);
        }
        *buf = nb;
        *cap = c;
    }
    if (size)
        memcpy(*buf + *len, data, size);
    *len += size;
    (*buf)[*len] = '\0';
    return true;
}

/* True when the request began more than MOGNAD_BODY_TIMEOUT seconds ago. */
static bool body_overdue(const struct mg_request *req)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec - req->started.tv_sec > (time_t)req->srv->cfg->body_timeout;
}

static enum MHD_Result on_multipart(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *filename, const char *content_type,
                                    const char *transfer_encoding, const char *data, uint64_t off,
                                    size_t size)
{
    struct mg_request *req = cls;
    (void)kind, (void)content_type, (void)transfer_encoding;

    if (filename) {
        if (!filename[0])
            return MHD_YES; /* a file input left empty: no file chosen */
        /* A second file with content makes the request ambiguous. */
        if (off == 0 && req->upload.len > 0) {
            req->bad_multipart = true;
            return MHD_NO;
        }
        req->upload.present = true;
        if (!grow_append(&req->upload.data, &req->upload.len, &req->upload.cap, data ? data : "", size))
            return MHD_NO;
        return MHD_YES;
    }
    /* A text field; its value may come in several pieces (off > 0). */
    size_t total = 0;
    for (size_t i = 0; i < req->form.n; i++)
        total += strlen(req->form.pairs[i].key) + strlen(req->form.pairs[i].value);
    if (total + size + strlen(key) > MG_HTTP_MAX_MULTIPART_FIELDS || (size && memchr(data, '\0', size))) {
        req->bad_multipart = true;
        return MHD_NO;
    }
    struct mg_form_pair *last = req->form.n ? &req->form.pairs[req->form.n - 1] : NULL;
    if (off > 0 && last && strcmp(last->key, key) == 0) {
        size_t vl = strlen(last->value);
        char *nv = realloc(last->value, vl + size + 1);
        if (!nv)
            return MHD_NO;
        if (size)
            memcpy(nv + vl, data, size);
        nv[vl + size] = '\0';
        last->value = nv;
        return MHD_YES;
    }
    struct mg_form_pair *np;
    if (req->form.n >= MG_FORM_MAX_PAIRS ||
        !(np = realloc(req->form.pairs, (req->form.n + 1) * sizeof *np))) {
        req->bad_multipart = true;
        return MHD_NO;
    }
    req->form.pairs = np;
    np[req->form.n].key = strdup(key);
    np[req->form.n].value = malloc(size + 1);
    if (!np[req->form.n].key || !np[req->form.n].value) {
        free(np[req->form.n].key);
        free(np[req->form.n].value);
        return MHD_NO;
    }
    if (size)
        memcpy(np[req->form.n].value, data, size);
    np[req->form.n].value[size] = '\0';
    req->form.n++;
    return MHD_YES;
}

/* Finishes the multipart body: false when it was malformed. */
static bool finish_multipart(struct mg_request *req)
{
    bool ok = MHD_destroy_post_processor(req->pp) == MHD_YES && !req->bad_multipart;
    req->pp = NULL;
    for (size_t i = 0; ok && i < req->form.n; i++)
        ok = mg_utf8_valid(req->form.pairs[i].key, strlen(req->form.pairs[i].key)) &&
             mg_utf8_valid(req->form.pairs[i].value, strlen(req->form.pairs[i].value));
    return ok;
}

/* The largest body the route takes. */
static size_t body_limit(const struct mg_request *req)
{
    return req->route && (req->route->flags & MG_ROUTE_MULTIPART) ? req->srv->cfg->max_upload
                                                                   : req->srv->cfg->max_body;
}

/* Parses the body by Content-Type and the route's flags, then runs the
 * handler. Every client error is answered here. */
static enum MHD_Result dispatch(struct mg_request *req)
{
    enum MHD_Result ret;
    if (req->body_too_large)
        return mg_reply_error(req, MG_ERR_BODY_TOO_LARGE, NULL, NULL);

    if (req->pp) {
        if (!finish_multipart(req))
            return mg_reply_error(req, MG_ERR_BAD_FORM, NULL, NULL);
    } else if (req->body_len > 0) {
        unsigned int flags = req->route->flags;
        if ((flags & MG_ROUTE_JSON_BODY) && content_type_is(req, "application/json")) {
            req->json = mg_json_parse_body(req->body, req->body_len, MG_HTTP_MAX_JSON_DEPTH);
            if (!req->json)
                return mg_reply_error(req, MG_ERR_BAD_JSON, NULL, NULL);
        } else if ((flags & MG_ROUTE_FORM_BODY) &&
                   content_type_is(req, "application/x-www-form-urlencoded")) {
            if (mg_form_parse(req->body, req->body_len, &req->form) != 0)
                return mg_reply_error(req, MG_ERR_BAD_FORM, NULL, NULL);
        } else {
            return mg_reply_error(req, MG_ERR_UNSUPPORTED_MEDIA_TYPE, NULL, NULL);
        }
    } else if ((req->route->flags & MG_ROUTE_JSON_BODY) &&
               !(req->route->flags & MG_ROUTE_FORM_BODY) &&
               strcmp(req->method, "POST") == 0) {
        return mg_reply_error(req, MG_ERR_BAD_JSON, "The request needs a JSON body.", NULL);
    }
    if (check_user(req, &ret))
        return ret;
    return req->route->handler(req);
}

/* Routes and checks what can be checked before any body arrives. Returns
 * true when a reply was already queued. */
static bool first_call(struct mg_request *req, const char *url, enum MHD_Result *ret)
{
    char allow[64];
    const char *cl;

    req->html = strncmp(url, "/api/", 5) != 0 && strcmp(url, "/healthz") != 0;
    if (strlen(url) > MG_HTTP_MAX_URL) {
        *ret = mg_reply_error(req, MG_ERR_URI_TOO_LONG, NULL, NULL);
        return true;
    }
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_query, req);
    if (req->bad_query) {
        *ret = mg_reply_error(req, MG_ERR_BAD_FORM, NULL, NULL);
        return true;
    }

    switch (mg_router_match(mg_routes, mg_routes_count, req->method, url, &req->route,
                            &req->params, allow, sizeof allow)) {
    case MG_ROUTE_FOUND:
        break;
    case MG_ROUTE_NOT_FOUND:
        *ret = mg_reply_error(req, MG_ERR_NOT_FOUND, NULL, NULL);
        return true;
    case MG_ROUTE_METHOD_NOT_ALLOWED: {
        static const char body[] =
            "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"This method is not allowed here.\"}}";
        /* Browser routes get the HTML error page, the API the JSON shape. */
        char *page = req->html ? mg_html_error_page(405, mg_error_message(MG_ERR_METHOD_NOT_ALLOWED)) : NULL;
        size_t len = page ? strlen(page) : sizeof body - 1;
        struct MHD_Response *resp =
            (req->html && !page) ? NULL
            : MHD_create_response_from_buffer(len, page ? (void *)page : (void *)body,
                                              page ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
        free(page);
        if (!resp) {
            *ret = MHD_NO;
            return true;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                req->html ? "text/html; charset=utf-8" : "application/json");
        *ret = mg_reply_response(req, MHD_HTTP_METHOD_NOT_ALLOWED, resp, len);
        MHD_destroy_response(resp);
        return true;
    }
    }
    if (req->route->flags & MG_ROUTE_HTML)
        req->html = true;

    cl = mg_request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || n > body_limit(req)) {
            *ret = mg_reply_error(req, MG_ERR_BODY_TOO_LARGE, NULL, NULL);
            return true;
        }
    }
    if ((req->route->flags & MG_ROUTE_MULTIPART) && content_type_is(req, "multipart/form-data")) {
        /* Uploads are large: only a signed-in user with the route's role
         * may make the server hold one (the CSRF token, a form field, is
         * checked once the body is in). */
        if (check_session(req, ret))
            return true;
        /* NULL when the Content-Type has no usable boundary. */
        req->pp = MHD_create_post_processor(req->conn, 64 * 1024, on_multipart, req);
        if (!req->pp) {
            *ret = mg_reply_error(req, MG_ERR_BAD_FORM, NULL, NULL);
            return true;
        }
    }
    return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct mg_server *srv = cls;
    struct mg_request *req = *con_cls;
    enum MHD_Result ret = MHD_YES;
    (void)version;

    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        __atomic_add_fetch(&srv->active, 1, __ATOMIC_SEQ_CST);
        clock_gettime(CLOCK_MONOTONIC, &req->started);
        req->srv = srv;
        req->conn = conn;
        req->method = method;
        req->path = strdup(url);
        if (!req->path)
            return MHD_NO;
        resolve_peer(req);
        if (first_call(req, url, &ret))
            return ret;
        return MHD_YES;
    }

    if (req->replied) {
        /* An early error was queued; discard whatever body still arrives. */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        /* Every byte resets the idle timeout, so a body trickled in a byte
         * at a time would hold the connection for ever: the whole body
         * gets MOGNAD_BODY_TIMEOUT seconds. */
        if (body_overdue(req)) {
            mg_log_client("closed a connection whose request body took over %u s", srv->cfg->body_timeout);
            return MHD_NO;
        }
        if (req->body_too_large)
            return MHD_YES;
        if (req->pp) {
            /* Multipart: parsed as it arrives, nothing buffered raw. A
             * malformed body is answered 400 at dispatch. */
            req->body_seen += n;
            if (req->body_seen > body_limit(req))
                req->body_too_large = true;
            else if (!req->bad_multipart &&
                     MHD_post_process(req->pp, upload_data, n) != MHD_YES)
                req->bad_multipart = true;
            return MHD_YES;
        }
        if (req->body_len + n > srv->cfg->max_body) {
            req->body_too_large = true;
            free(req->body);
            req->body = NULL;
            req->body_len = req->body_cap = 0;
            return MHD_YES;
        }
        if (req->body_len + n + 1 > req->body_cap) {
            size_t cap = req->body_cap ? req->body_cap : 4096;
            while (cap < req->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(req->body, cap);
            if (!nb)
                return MHD_NO;
            req->body = nb;
            req->body_cap = cap;
        }
        memcpy(req->body + req->body_len, upload_data, n);
        req->body_len += n;
        req->body[req->body_len] = '\0';
        return MHD_YES;
    }

    return dispatch(req);
}

/* Writes the access-log line and frees the request. The path of a route
 * whose URL holds a secret (an invitation token) is replaced by its
 * pattern; unknown paths are cut and stripped of control bytes. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct mg_server *srv = cls;
    struct mg_request *req = *con_cls;
    struct timespec now;
    char path[160];
    (void)conn;

    if (!req)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - req->started.tv_sec) * 1e3 +
                (double)(now.tv_nsec - req->started.tv_nsec) / 1e6;

    const char *shown = req->route && (req->route->flags & MG_ROUTE_SECRET)
                            ? req->route->pattern
                            : (req->path ? req->path : "-");
    size_t o = 0;
    for (const char *p = shown; *p && o < sizeof path - 4; p++)
        path[o++] = ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"') ? '?' : *p;
    if (strlen(shown) > o)
        path[o++] = '.', path[o++] = '.', path[o++] = '.';
    path[o] = '\0';

    mg_log(MG_LOG_INFO, "access \"%s %s\" %u %llu %.1fms%s", req->method, path,
           req->replied ? req->status : 0, (unsigned long long)req->bytes, ms,
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");

    free(req->path);
    free(req->body);
    if (req->pp)
        MHD_destroy_post_processor(req->pp);
    if (req->upload.data) {
        sodium_memzero(req->upload.data, req->upload.cap);
        free(req->upload.data);
    }
    mg_form_free(&req->query);
    mg_form_free(&req->form);
    cJSON_Delete(req->json);
    free(req);
    *con_cls = NULL;
    __atomic_sub_fetch(&srv->active, 1, __ATOMIC_SEQ_CST);
}

/* Counts open connections for accept_policy. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct mg_server *srv = cls;
    (void)conn;
    (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        __atomic_add_fetch(&srv->connections, 1, __ATOMIC_SEQ_CST);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        __atomic_sub_fetch(&srv->connections, 1, __ATOMIC_SEQ_CST);
}

/* Refuses a connection beyond MOGNAD_MAX_CONNECTIONS by closing it at
 * once. libmicrohttpd's own limit instead stops accepting, so the clients
 * beyond it hang in the listen backlog; it stays as a backstop a little
 * above ours (workers accepting at the same instant may each pass). */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct mg_server *srv = cls;
    (void)addr;
    (void)addrlen;
    if ((unsigned int)__atomic_load_n(&srv->connections, __ATOMIC_SEQ_CST) < srv->cfg->max_connections)
        return MHD_YES;
    MG_LOG_CLIENT("connection limit (MOGNAD_MAX_CONNECTIONS=%u) reached: connection refused",
                  srv->cfg->max_connections);
    return MHD_NO;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    (void)cls;
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    mg_log(MG_LOG_WARN, "libmicrohttpd: %s", buf);
}

int mg_http_start(struct mg_server *srv)
{
    const struct mg_config *cfg = srv->cfg;
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned int flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;

    memset(&ss, 0, sizeof ss);
    if (strchr(cfg->listen_host, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(cfg->listen_port);
        inet_pton(AF_INET6, cfg->listen_host, &a->sin6_addr);
        sslen = sizeof *a;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(cfg->listen_port);
        inet_pton(AF_INET, cfg->listen_host, &a->sin_addr);
        sslen = sizeof *a;
    }
    (void)sslen;

    srv->web_root_real = cfg->web_root ? realpath(cfg->web_root, NULL) : NULL;
    if (!srv->web_root_real)
        mg_log(MG_LOG_WARN, "web root %s not found; static files will answer 404",
               cfg->web_root ? cfg->web_root : "(unset)");

    srv->daemon = MHD_start_daemon(
        flags, cfg->listen_port, accept_policy, srv, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections + cfg->threads,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_client,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
        MHD_OPTION_END);
    if (!srv->daemon) {
        mg_log(MG_LOG_ERROR, "cannot listen on %s port %u: %s", cfg->listen_host,
               cfg->listen_port, strerror(errno));
        free(srv->web_root_real);
        srv->web_root_real = NULL;
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->listen_port;
    return 0;
}

void mg_http_stop(struct mg_server *srv, unsigned int grace_seconds)
{
    if (!srv->daemon)
        return;
    /* Stop accepting; let requests in flight finish before closing. The
     * listen socket is closed only after MHD_stop_daemon: each worker of
     * the epoll thread pool takes it out of its own epoll set when it next
     * wakes, and a socket closed before that makes MHD abort ("Failed to
     * remove listen FD from epoll set", seen under ASan at SIGTERM). */
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    for (unsigned int i = 0; i < grace_seconds * 20; i++) {
        if (__atomic_load_n(&srv->active, __ATOMIC_SEQ_CST) == 0)
            break;
        usleep(50 * 1000);
    }
    MHD_stop_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    srv->daemon = NULL;
    free(srv->web_root_real);
    srv->web_root_real = NULL;
}
