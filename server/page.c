/* page.c: the shared HTML shell of respondent pages. */
#include "mg_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_config.h"
#include "mg_http.h"

#define LANG_COOKIE "mognad_lang"

enum mg_lang mg_page_lang(struct mg_request *req, enum mg_lang fallback, bool *from_query)
{
    enum mg_lang lang;
    *from_query = false;
    if (mg_lang_parse(mg_form_get(&req->query, "lang"), &lang)) {
        *from_query = true;
        return lang;
    }
    if (mg_lang_parse(MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, LANG_COOKIE), &lang))
        return lang;
    return mg_lang_negotiate(mg_request_header(req, "Accept-Language"), fallback);
}

bool mg_page_lang_chosen(struct mg_request *req)
{
    enum mg_lang lang;
    return mg_lang_parse(MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, LANG_COOKIE), &lang);
}

void mg_page_lang_cookie(const struct mg_request *req, enum mg_lang lang, char *out, size_t outlen)
{
    snprintf(out, outlen, LANG_COOKIE "=%s; Path=/; SameSite=Lax; Max-Age=31536000%s", mg_lang_code(lang),
             req->secure ? "; Secure" : "");
}

void mg_page_open(struct mg_buf *b, enum mg_lang lang, const char *title, const char *path)
{
    mg_page_open_with(b, lang, title, path, NULL);
}

void mg_page_open_with(struct mg_buf *b, enum mg_lang lang, const char *title, const char *path,
                       const struct mg_page_opts *opts)
{
    mg_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                  mg_lang_code(lang));
    mg_buf_html(b, title);
    mg_buf_puts(b, " – ");
    mg_buf_html(b, mg_t(lang, MSG_SITE_NAME));
    mg_buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/css/mognad.css\">\n");
    if (opts && opts->stylesheet)
        mg_buf_printf(b, "<link rel=\"stylesheet\" href=\"%s\">\n", opts->stylesheet);
    if (!opts || !opts->no_script)
        mg_buf_puts(b, "<script src=\"/static/js/respond.js\" defer></script>\n");
    mg_buf_puts(b, "</head>\n<body>\n");
    mg_buf_printf(b, "<a class=\"skip\" href=\"#main\">%s</a>\n", mg_t(lang, MSG_SKIP_TO_CONTENT));
    mg_buf_printf(b, "<header class=\"site\"><div class=\"bar%s\"><span class=\"brand\">",
                  opts && opts->wide ? " wide" : "");
    mg_buf_html(b, mg_t(lang, MSG_SITE_NAME));
    mg_buf_printf(b, "</span>\n<nav aria-label=\"%s\"><ul class=\"langs\">", mg_t(lang, MSG_LANGUAGE));
    /* `path` may carry a query string (a dashboard's filters): keep it. */
    const char *sep = strchr(path, '?') ? "&" : "?";
    for (int l = 0; l < MG_LANG_COUNT; l++) {
        mg_buf_puts(b, "<li><a href=\"");
        mg_buf_html(b, path);
        mg_buf_printf(b, "%slang=%s\" lang=\"%s\" hreflang=\"%s\"%s>%s</a></li>", sep[0] == '&' ? "&amp;" : "?",
                      mg_lang_code(l), mg_lang_code(l), mg_lang_code(l),
                      l == (int)lang ? " aria-current=\"true\"" : "", mg_lang_name(l));
    }
    mg_buf_puts(b, "</ul></nav>");
    if (opts && opts->header_html)
        mg_buf_puts(b, opts->header_html);
    mg_buf_printf(b, "</div></header>\n<main id=\"main\" class=\"page%s\">\n", opts && opts->wide ? " wide" : "");
}

void mg_page_close(struct mg_buf *b, enum mg_lang lang)
{
    mg_buf_printf(b, "</main>\n<footer class=\"site\"><p><a href=\"/accessibility?lang=%s\">%s</a></p></footer>\n"
                     "</body>\n</html>\n",
                  mg_lang_code(lang), mg_t(lang, MSG_ACCESSIBILITY));
}

enum MHD_Result mg_page_reply(struct mg_request *req, unsigned int status, struct mg_buf *b,
                              enum mg_lang lang, bool remember, const char *const *extra_cookies)
{
    char *page = mg_buf_steal(b);
    if (!page)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(page), page, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(page);
        return MHD_NO;
    }
    size_t len = strlen(page);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "Content-Language", mg_lang_code(lang));
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
    if (remember) {
        char cookie[96];
        mg_page_lang_cookie(req, lang, cookie, sizeof cookie);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    }
    for (int i = 0; extra_cookies && i < 3 && extra_cookies[i]; i++)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, extra_cookies[i]);
    enum MHD_Result ret = mg_reply_response(req, status, resp, len);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result mg_page_notice(struct mg_request *req, unsigned int status, enum mg_lang lang,
                               const char *title, const char *text)
{
    struct mg_buf b = {0};
    mg_page_open(&b, lang, title, req->path);
    mg_buf_puts(&b, "<h1>");
    mg_buf_html(&b, title);
    mg_buf_puts(&b, "</h1>\n<p>");
    mg_buf_html(&b, text);
    mg_buf_puts(&b, "</p>\n");
    mg_page_close(&b, lang);
    return mg_page_reply(req, status, &b, lang, false, NULL);
}
