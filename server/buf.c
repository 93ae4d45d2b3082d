/* buf.c: growable byte buffer with HTML escaping. */
#include "mg_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct mg_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *n = realloc(b->data, cap);
    if (!n) {
        b->oom = true;
        return false;
    }
    b->data = n;
    b->cap = cap;
    return true;
}

void mg_buf_append(struct mg_buf *b, const void *data, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void mg_buf_puts(struct mg_buf *b, const char *s) { mg_buf_append(b, s, strlen(s)); }

void mg_buf_printf(struct mg_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        mg_buf_append(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mg_buf_html(struct mg_buf *b, const char *s)
{
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *rep;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        mg_buf_append(b, run, (size_t)(p - run));
        mg_buf_puts(b, rep);
        run = p + 1;
    }
    mg_buf_puts(b, run);
}

char *mg_buf_steal(struct mg_buf *b)
{
    char *d = b->oom ? NULL : b->data;
    if (b->oom)
        free(b->data);
    if (!b->oom && !d)
        d = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
    return d;
}

void mg_buf_free(struct mg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
