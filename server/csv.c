/* csv.c: the tolerant CSV reader (see mg_csv.h). */
#include "mg_csv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_form.h"

static void add_error(struct mg_csv *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_error(struct mg_csv *c, int line, const char *fmt, ...)
{
    if (c->nerrors >= MG_CSV_MAX_ERRORS)
        return;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char **grown = realloc(c->errors, (c->nerrors + 1) * sizeof *grown);
    if (!grown)
        return;
    c->errors = grown;
    size_t need = strlen(msg) + 32;
    char *e = malloc(need);
    if (!e)
        return;
    snprintf(e, need, "line %d: %s", line, msg);
    c->errors[c->nerrors++] = e;
}

static void buf_putc(struct mg_buf *b, char ch) { mg_buf_append(b, &ch, 1); }

/* One record's fields while it is read. */
struct row {
    char **fields;
    size_t n, cap;
};

static void row_free(struct row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->fields[i]);
    free(r->fields);
    memset(r, 0, sizeof *r);
}

/* Adds a field, trimmed of spaces and tabs outside quotes' content is the
 * caller's business: the field arrives as read. */
static int row_add(struct row *r, const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char **grown = realloc(r->fields, cap * sizeof *grown);
        if (!grown)
            return -1;
        r->fields = grown;
        r->cap = cap;
    }
    char *f = malloc(len + 1);
    if (!f)
        return -1;
    memcpy(f, s, len);
    f[len] = '\0';
    r->fields[r->n++] = f;
    return 0;
}

/* The separator: whichever of ; and , occurs more often in the header
 * line outside quotes (semicolon on a tie, as Nordic Excel writes). */
static char detect_sep(const char *p, const char *end)
{
    size_t semi = 0, comma = 0;
    bool q = false;
    for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
        if (*p == '"')
            q = !q;
        else if (!q && *p == ';')
            semi++;
        else if (!q && *p == ',')
            comma++;
    }
    return comma > semi ? ',' : ';';
}

int mg_csv_parse(const char *data, size_t len, struct mg_csv *c)
{
    memset(c, 0, sizeof *c);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (memchr(data, '\0', len)) {
        add_error(c, 1, "the file holds a NUL byte; is it really a CSV text file?");
        return -1;
    }
    if (!mg_utf8_valid(data, len)) {
        /* Find the line for the message. */
        int line = 1;
        size_t good = 0;
        for (size_t i = 1; i <= len; i++)
            if (mg_utf8_valid(data, i))
                good = i;
        for (size_t i = 0; i < good; i++)
            line += data[i] == '\n';
        add_error(c, line, "the text is not UTF-8 (save the file as \"CSV UTF-8\")");
        return -1;
    }
    const char *p = data, *end = data + len;
    c->sep = detect_sep(p, end);
    struct mg_buf field = {0};
    struct row row = {0};
    int line = 1, start_line = 1;
    bool header_done = false, failed = false;

    while (p <= end && !failed) {
        /* Skip blank lines between records. */
        if (row.n == 0 && p < end && (*p == '\n' || *p == '\r')) {
            if (*p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
            p++;
            line++;
            continue;
        }
        if (p == end && row.n == 0)
            break;
        start_line = row.n == 0 ? line : start_line;
        /* One field. */
        field.len = 0;
        if (field.data)
            field.data[0] = '\0';
        bool quoted = false;
        const char *q = p;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (q < end && *q == '"') {
            quoted = true;
            p = q + 1;
            for (;;) {
                if (p >= end) {
                    add_error(c, start_line, "a quoted field is never closed");
                    failed = true;
                    break;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        buf_putc(&field, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    line++;
                buf_putc(&field, *p++);
            }
            if (failed)
                break;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < end && *p != c->sep && *p != '\n' && *p != '\r') {
                add_error(c, line, "text after a closing quote (a quote inside a field is written \"\")");
                failed = true;
                break;
            }
        } else {
            while (p < end && *p != c->sep && *p != '\n' && *p != '\r') {
                if (*p == '"') {
                    add_error(c, line, "a quote inside an unquoted field (quote the field and double the quote)");
                    failed = true;
                    break;
                }
                buf_putc(&field, *p++);
            }
            if (failed)
                break;
        }
        if (field.oom || field.len > MG_CSV_MAX_FIELD) {
            add_error(c, start_line, "a field is longer than %d bytes", MG_CSV_MAX_FIELD);
            failed = true;
            break;
        }
        (void)quoted;
        if (row_add(&row, field.data ? field.data : "", field.len) != 0) {
            failed = true;
            break;
        }
        if (p < end && *p == c->sep) {
            p++;
            continue;
        }
        /* End of record: a line break or the end of the data. */
        if (p < end) {
            if (*p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
            p++;
            line++;
        } else {
            p++; /* past the end: the loop stops */
        }
        if (!header_done) {
            c->header = row.fields;
            c->ncols = row.n;
            memset(&row, 0, sizeof row);
            for (size_t i = 0; i < c->ncols; i++)
                for (char *s = c->header[i]; *s; s++)
                    *s = (char)tolower((unsigned char)*s);
            header_done = true;
            continue;
        }
        /* A line of only separators counts as blank. */
        bool empty = true;
        for (size_t i = 0; i < row.n && empty; i++)
            empty = row.fields[i][0] == '\0';
        if (empty) {
            row_free(&row);
            continue;
        }
        if (row.n != c->ncols) {
            add_error(c, start_line, "%zu fields, but the header has %zu (is the separator '%c' right?)", row.n,
                      c->ncols, c->sep);
            row_free(&row);
            continue;
        }
        if (c->n >= MG_CSV_MAX_RECORDS) {
            add_error(c, start_line, "more than %d records", MG_CSV_MAX_RECORDS);
            row_free(&row);
            failed = true;
            break;
        }
        if (c->n % 256 == 0) {
            struct mg_csv_record *grown = realloc(c->records, (c->n + 256) * sizeof *grown);
            if (!grown) {
                row_free(&row);
                failed = true;
                break;
            }
            c->records = grown;
        }
        c->records[c->n].line = start_line;
        c->records[c->n].fields = row.fields;
        c->n++;
        memset(&row, 0, sizeof row);
    }
    row_free(&row);
    mg_buf_free(&field);
    if (!header_done && !failed)
        add_error(c, 1, "the file is empty: it needs a header line naming the columns");
    return c->nerrors > 0 || failed ? -1 : 0;
}

void mg_csv_free(struct mg_csv *c)
{
    for (size_t i = 0; i < c->ncols; i++)
        free(c->header ? c->header[i] : NULL);
    free(c->header);
    for (size_t r = 0; r < c->n; r++) {
        for (size_t i = 0; i < c->ncols; i++)
            free(c->records[r].fields[i]);
        free(c->records[r].fields);
    }
    free(c->records);
    for (size_t i = 0; i < c->nerrors; i++)
        free(c->errors[i]);
    free(c->errors);
    memset(c, 0, sizeof *c);
}

int mg_csv_column(const struct mg_csv *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->header[i], name) == 0)
            return (int)i;
    return -1;
}

int mg_csv_columns(const struct mg_csv *c, const char *const *required, const char *const *optional,
                   char *msg, size_t msglen)
{
    for (const char *const *r = required; *r; r++) {
        if (mg_csv_column(c, *r) < 0) {
            snprintf(msg, msglen, "line 1: the header has no column \"%s\" (columns needed: ", *r);
            for (const char *const *a = required; *a; a++)
                snprintf(msg + strlen(msg), msglen - strlen(msg), "%s%s", a == required ? "" : ", ", *a);
            snprintf(msg + strlen(msg), msglen - strlen(msg), ")");
            return -1;
        }
    }
    for (size_t i = 0; i < c->ncols; i++) {
        bool known = false;
        for (const char *const *r = required; *r && !known; r++)
            known = strcmp(*r, c->header[i]) == 0;
        for (const char *const *o = optional; o && *o && !known; o++)
            known = strcmp(*o, c->header[i]) == 0;
        for (size_t j = 0; j < i && known; j++)
            if (strcmp(c->header[j], c->header[i]) == 0) {
                snprintf(msg, msglen, "line 1: the column \"%.60s\" appears twice", c->header[i]);
                return -1;
            }
        if (!known) {
            snprintf(msg, msglen, "line 1: unknown column \"%.60s\"", c->header[i]);
            return -1;
        }
    }
    return 0;
}
