/* mg_page.h: the HTML shell of browser pages: language, header with the
 * language switch, footer with the accessibility statement. */
#ifndef MG_PAGE_H
#define MG_PAGE_H

#include <microhttpd.h>
#include <stdbool.h>

#include "mg_i18n.h"

struct mg_buf;
struct mg_request;

/* The page language: ?lang=, else the mognad_lang cookie, else
 * Accept-Language, else `fallback`. Sets *from_query when ?lang= chose it
 * (the reply then remembers it in a cookie). */
enum mg_lang mg_page_lang(struct mg_request *req, enum mg_lang fallback, bool *from_query);

/* Whether the visitor has chosen a language already (the mognad_lang
 * cookie holds one). */
bool mg_page_lang_chosen(struct mg_request *req);
/* The Set-Cookie value remembering `lang` as the visitor's language. */
void mg_page_lang_cookie(const struct mg_request *req, enum mg_lang lang, char *out, size_t outlen);

/* Opens the document: <html lang>, <title>, styles, the skip link, the
 * header with the language switch linking to `path` in each language. */
void mg_page_open(struct mg_buf *b, enum mg_lang lang, const char *title, const char *path);
/* What a page may add to the shell (all optional). */
struct mg_page_opts {
    const char *stylesheet;  /* a second stylesheet's URL */
    const char *header_html; /* markup for the header bar, after the language switch (trusted) */
    bool no_script;          /* leave out respond.js */
    bool wide;               /* a wider layout, for tables */
};

/* mg_page_open with `opts` (NULL: as mg_page_open). `path` may hold a
 * query string; the language links keep it. */
void mg_page_open_with(struct mg_buf *b, enum mg_lang lang, const char *title, const char *path,
                       const struct mg_page_opts *opts);
/* Closes <main>, adds the footer and closes the document. */
void mg_page_close(struct mg_buf *b, enum mg_lang lang);

/* Sends the page in `b` (freed) with `status`; remembers the language in
 * a cookie when `remember` is set; `extra_cookies` (NULL or up to 3
 * Set-Cookie values) are added. */
enum MHD_Result mg_page_reply(struct mg_request *req, unsigned int status, struct mg_buf *b,
                              enum mg_lang lang, bool remember, const char *const *extra_cookies);

/* A whole page with a heading and a paragraph, for errors and notices. */
enum MHD_Result mg_page_notice(struct mg_request *req, unsigned int status, enum mg_lang lang,
                               const char *title, const char *text);

#endif
