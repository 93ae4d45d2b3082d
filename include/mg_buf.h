/* mg_buf.h: a growable byte buffer for building pages and files. */
#ifndef MG_BUF_H
#define MG_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* Start zeroed. On allocation failure `oom` is set and further appends do
 * nothing, so callers check once at the end. */
struct mg_buf {
    char *data; /* NUL-terminated while not oom */
    size_t len;
    size_t cap;
    bool oom;
};

void mg_buf_append(struct mg_buf *b, const void *data, size_t len);
void mg_buf_puts(struct mg_buf *b, const char *s);
void mg_buf_printf(struct mg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends `s` with &, <, >, " and ' escaped for HTML text and attributes. */
void mg_buf_html(struct mg_buf *b, const char *s);
/* Hands the data to the caller (free with free()), or NULL on oom; the
 * buffer is left empty. */
char *mg_buf_steal(struct mg_buf *b);
void mg_buf_free(struct mg_buf *b);

#endif
