/* mg_html.h: the HTML shell shared by browser pages and error pages. */
#ifndef MG_HTML_H
#define MG_HTML_H

/* A complete, self-contained error page for `status` showing `message`.
 * Caller frees with free(); NULL when out of memory. */
char *mg_html_error_page(unsigned int status, const char *message);

#endif
