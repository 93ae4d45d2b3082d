/* csv.c: the tolerant CSV reader (see mg_csv.h). */
#include "mg_csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of one parse. Field text goes to one arena of len + 2 bytes
 * allocated up front: a field never takes more room than its raw bytes plus
 * the separator or line break after it (quotes are dropped, "" becomes ",
 * CRLF inside quotes becomes LF), except the last field of a file without a
 * final line break, which needs one byte more. So pointers into the arena
 * stay valid and the memory used is bounded by the input's size. */
struct parser {
    const char *p, *end;
    int line;
    char sep;
    struct mg_csv *c;
    char *text;
    size_t tlen, tcap;
    size_t *offs; /* start of each stored field in `text`, header first */
    size_t noffs, capoffs;
    bool oom;
};

enum rec { REC_OK, REC_BLANK, REC_BAD, REC_FATAL, REC_EOF };

static void add_error(struct mg_csv *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_error(struct mg_csv *c, int line, const char *fmt, ...)
{
    if (c->nerrors >= MG_CSV_MAX_ERRORS) {
        c->more_errors++;
        return;
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->errors) {
        c->errors = calloc(MG_CSV_MAX_ERRORS, sizeof *c->errors);
        if (!c->errors) {
            c->more_errors++;
            return;
        }
    }
    char *copy = strdup(msg);
    if (!copy) {
        c->more_errors++;
        return;
    }
    c->errors[c->nerrors].line = line;
    c->errors[c->nerrors].msg = copy;
    c->errors[c->nerrors].seq_ = c->nerrors;
    c->nerrors++;
}

/* The offset of the first byte that is not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid) or is NUL, or
 * `len` when there is none. */
static size_t first_bad_byte(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        if (b == 0)
            return i;
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t extra;
        uint32_t cp, min;
        if (b >= 0xC2 && b <= 0xDF) {
            extra = 1;
            cp = b & 0x1F;
            min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            extra = 2;
            cp = b & 0x0F;
            min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            extra = 3;
            cp = b & 0x07;
            min = 0x10000;
        } else {
            return i;
        }
        if (len - i <= extra)
            return i;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += extra + 1;
    }
    return len;
}

/* The physical line of byte `upto` (LF, CRLF and a lone CR each end a line). */
static int line_of(const char *s, size_t upto)
{
    int line = 1;
    for (size_t i = 0; i < upto; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= upto || s[i + 1] != '\n')))
            line++;
    return line;
}

static bool is_newline(char ch) { return ch == '\n' || ch == '\r'; }

/* Steps over the line break at ps->p (CRLF counts as one). */
static void skip_newline(struct parser *ps)
{
    if (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
        ps->p++;
    ps->p++;
    ps->line++;
}

/* After a problem inside a record: the rest of the physical line is dropped
 * so that reading goes on with the next line. */
static void skip_line(struct parser *ps)
{
    while (ps->p < ps->end && !is_newline(*ps->p))
        ps->p++;
    if (ps->p < ps->end)
        skip_newline(ps);
}

static void put(struct parser *ps, char ch)
{
    if (ps->tlen + 1 >= ps->tcap) { /* cannot happen (see struct parser) */
        ps->oom = true;
        return;
    }
    ps->text[ps->tlen++] = ch;
}

static bool push_offset(struct parser *ps, size_t off)
{
    if (ps->noffs == ps->capoffs) {
        size_t cap = ps->capoffs ? ps->capoffs * 2 : 64;
        size_t *grown = realloc(ps->offs, cap * sizeof *grown);
        if (!grown) {
            ps->oom = true;
            return false;
        }
        ps->offs = grown;
        ps->capoffs = cap;
    }
    ps->offs[ps->noffs++] = off;
    return true;
}

/* Reads one record starting at ps->p into the arena; *nfields gets the
 * number of fields it has (stored only up to MG_CSV_MAX_COLUMNS). On
 * REC_BAD the problem is recorded and the caller rolls the arena back. */
static enum rec read_record(struct parser *ps, int *start_line, size_t *nfields)
{
    struct mg_csv *c = ps->c;
    bool bad = false, too_long = false, too_many = false, blank = true;

    *start_line = ps->line;
    *nfields = 0;
    if (ps->p >= ps->end)
        return REC_EOF;
    for (;;) {
        size_t start = ps->tlen, raw = 0;
        bool store = *nfields < MG_CSV_MAX_COLUMNS;

        if (!store && !too_many) {
            add_error(c, *start_line, "more than %d fields in one record", MG_CSV_MAX_COLUMNS);
            too_many = bad = true;
        }
        while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
            ps->p++;
        if (ps->p < ps->end && *ps->p == '"') {
            int quote_line = ps->line;
            ps->p++;
            for (;;) {
                if (ps->p >= ps->end) {
                    add_error(c, quote_line, "the quote that opens a field here is never closed");
                    return REC_FATAL;
                }
                char ch = *ps->p;
                if (ch == '"') {
                    if (ps->p + 1 < ps->end && ps->p[1] == '"') {
                        ps->p += 2;
                    } else {
                        ps->p++;
                        break;
                    }
                } else if (is_newline(ch)) {
                    skip_newline(ps);
                    ch = '\n';
                } else {
                    ps->p++;
                }
                if (++raw > MG_CSV_MAX_FIELD)
                    too_long = true;
                else if (store)
                    put(ps, ch);
            }
            while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
                ps->p++;
            if (ps->p < ps->end && *ps->p != ps->sep && !is_newline(*ps->p)) {
                add_error(c, ps->line, "text after the closing quote of a field (a quote inside a quoted field "
                                       "is written twice: \"\")");
                skip_line(ps);
                return REC_BAD;
            }
        } else {
            while (ps->p < ps->end && *ps->p != ps->sep && !is_newline(*ps->p)) {
                if (*ps->p == '"') {
                    add_error(c, ps->line, "a quote inside a field that does not start with one (quote the whole "
                                           "field and write the quote twice: \"5\"\" screen\")");
                    skip_line(ps);
                    return REC_BAD;
                }
                if (++raw > MG_CSV_MAX_FIELD)
                    too_long = true;
                else if (store)
                    put(ps, *ps->p);
                ps->p++;
            }
        }
        if (store) {
            /* Trim trailing spaces and tabs (leading ones were skipped,
             * quoted content included, so " x " and x read the same). */
            size_t s = start;
            while (s < ps->tlen && (ps->text[s] == ' ' || ps->text[s] == '\t'))
                s++;
            if (s > start) {
                memmove(ps->text + start, ps->text + s, ps->tlen - s);
                ps->tlen -= s - start;
            }
            while (ps->tlen > start && (ps->text[ps->tlen - 1] == ' ' || ps->text[ps->tlen - 1] == '\t'))
                ps->tlen--;
            if (ps->tlen > start)
                blank = false;
            put(ps, '\0');
            if (!push_offset(ps, start))
                return REC_FATAL;
        }
        (*nfields)++;
        if (ps->p < ps->end && *ps->p == ps->sep) {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end)
            skip_newline(ps);
        break;
    }
    if (ps->oom)
        return REC_FATAL;
    if (too_long) {
        add_error(c, *start_line, "a field is longer than %d bytes", MG_CSV_MAX_FIELD);
        bad = true;
    }
    if (bad)
        return REC_BAD;
    return blank ? REC_BLANK : REC_OK;
}

/* The separator: whichever of ';' and ',' occurs more often outside quotes
 * in the first line that holds anything else (semicolon on a tie, as Nordic
 * Excel writes). */
static char detect_sep(const char *p, const char *end)
{
    for (;;) {
        size_t semi = 0, comma = 0;
        bool quoted = false, content = false;
        for (; p < end && (quoted || !is_newline(*p)); p++) {
            if (*p == '"') {
                quoted = !quoted;
                content = true;
            } else if (!quoted && *p == ';') {
                semi++;
            } else if (!quoted && *p == ',') {
                comma++;
            } else if (*p != ' ' && *p != '\t') {
                content = true;
            }
        }
        if (content || p >= end)
            return comma > semi ? ',' : ';';
        p++;
    }
}

int mg_csv_parse(const char *data, size_t len, struct mg_csv *c)
{
    struct parser ps = {0};
    int rc = -1;

    memset(c, 0, sizeof *c);
    c->sep = ';';
    if (len > MG_CSV_MAX_BYTES) {
        add_error(c, 1, "the file is larger than %zu MiB", MG_CSV_MAX_BYTES >> 20);
        return -1;
    }
    if (len >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') || (data[0] == '\xFE' && data[1] == '\xFF'))) {
        add_error(c, 1, "the file is UTF-16 (Excel's \"Unicode Text\"); save it as \"CSV UTF-8\"");
        return -1;
    }
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
        add_error(c, 1, "this is a ZIP file (an Excel workbook?), not CSV; save it as \"CSV UTF-8\"");
        return -1;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    size_t bad = first_bad_byte((const unsigned char *)data, len);
    if (bad < len) {
        if (data[bad] == '\0')
            add_error(c, line_of(data, bad), "a NUL byte: is this really a CSV text file?");
        else
            add_error(c, line_of(data, bad),
                      "byte 0x%02X is not UTF-8; save the file as \"CSV UTF-8\" (Excel) or convert it to UTF-8",
                      (unsigned char)data[bad]);
        return -1;
    }

    ps.p = data;
    ps.end = data + len;
    ps.line = 1;
    ps.c = c;
    ps.tcap = len + 2;
    ps.text = malloc(ps.tcap);
    if (!ps.text)
        goto oom;
    /* Excel's "sep=;" line names the separator. */
    if (len >= 5 && strncmp(data, "sep=", 4) == 0 && (data[4] == ';' || data[4] == ',')) {
        const char *q = data + 5;
        while (q < ps.end && (*q == ' ' || *q == '\t'))
            q++;
        if (q >= ps.end || is_newline(*q)) {
            ps.sep = data[4];
            ps.p = q;
            if (ps.p < ps.end)
                skip_newline(&ps);
        }
    }
    if (!ps.sep)
        ps.sep = detect_sep(ps.p, ps.end);
    c->sep = ps.sep;

    /* The header: the first record that is not blank. */
    for (;;) {
        size_t mark_t = ps.tlen, mark_o = ps.noffs, nf;
        int line;
        enum rec r = read_record(&ps, &line, &nf);
        if (r == REC_BLANK) {
            ps.tlen = mark_t;
            ps.noffs = mark_o;
            continue;
        }
        if (r == REC_EOF) {
            add_error(c, 1, "the file is empty: it needs a header line naming the columns");
            goto out;
        }
        if (r != REC_OK) {
            if (ps.oom)
                goto oom;
            goto out; /* without a header nothing else can be read */
        }
        c->ncols = nf;
        c->header_line = line;
        for (size_t i = 0; i < ps.noffs; i++)
            for (char *s = ps.text + ps.offs[i]; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                    *s = (char)(*s - 'A' + 'a');
        break;
    }

    size_t cap = 0;
    for (;;) {
        size_t mark_t = ps.tlen, mark_o = ps.noffs, nf;
        int line;
        enum rec r = read_record(&ps, &line, &nf);
        if (r == REC_EOF)
            break;
        if (r == REC_FATAL) {
            if (ps.oom)
                goto oom;
            goto out;
        }
        if (r == REC_OK && nf != c->ncols) {
            add_error(c, line, "%zu field%s where the header has %zu (is '%c' the separator on every line?)", nf,
                      nf == 1 ? "" : "s", c->ncols, ps.sep);
            r = REC_BAD;
        }
        if (r != REC_OK) {
            ps.tlen = mark_t;
            ps.noffs = mark_o;
            continue;
        }
        if (c->n >= MG_CSV_MAX_RECORDS) {
            add_error(c, line, "more than %d records", MG_CSV_MAX_RECORDS);
            goto out;
        }
        if (c->n == cap) {
            cap = cap ? cap * 2 : 64;
            struct mg_csv_record *grown = realloc(c->records, cap * sizeof *grown);
            if (!grown)
                goto oom;
            c->records = grown;
        }
        c->records[c->n].line = line;
        c->records[c->n].fields = NULL;
        c->n++;
    }

    /* The pointers, now that the arena is complete. */
    c->cells_ = malloc((c->n + 1) * c->ncols * sizeof *c->cells_);
    if (!c->cells_)
        goto oom;
    for (size_t i = 0; i < ps.noffs; i++)
        c->cells_[i] = ps.text + ps.offs[i];
    c->header = c->cells_;
    for (size_t r = 0; r < c->n; r++)
        c->records[r].fields = c->cells_ + (r + 1) * c->ncols;
    c->text_ = ps.text;
    ps.text = NULL;
    rc = c->nerrors || c->more_errors ? -1 : 0;
    goto out;

oom:
    add_error(c, ps.line, "out of memory while reading the file");
    rc = -1;
out:
    if (rc != 0 || !c->cells_) {
        /* Keep the errors; drop what was read. */
        free(c->records);
        free(c->cells_);
        c->records = NULL;
        c->cells_ = NULL;
        c->header = NULL;
        c->n = c->ncols = 0;
        rc = -1;
    }
    free(ps.text);
    free(ps.offs);
    return rc;
}

void mg_csv_free(struct mg_csv *c)
{
    for (size_t i = 0; i < c->nerrors; i++)
        free(c->errors[i].msg);
    free(c->errors);
    free(c->records);
    free(c->cells_);
    free(c->text_);
    memset(c, 0, sizeof *c);
}

int mg_csv_column(const struct mg_csv *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->header[i], name) == 0)
            return (int)i;
    return -1;
}

/* Appends to a message buffer, never past its end. */
static void cat(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void cat(char *msg, size_t msglen, const char *fmt, ...)
{
    size_t used = strlen(msg);
    if (used + 1 >= msglen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + used, msglen - used, fmt, ap);
    va_end(ap);
}

/* Appends a column name, cut at 40 bytes on a character boundary. */
static void cat_name(char *msg, size_t msglen, const char *name)
{
    size_t n = strlen(name);
    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    cat(msg, msglen, "\"%.*s%s\"", (int)n, name, name[n] ? "..." : "");
}

static bool listed(const char *const *names, const char *name)
{
    for (; names && *names; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

int mg_csv_columns(const struct mg_csv *c, const char *const *required, const char *const *optional,
                   char *msg, size_t msglen)
{
    char missing[300] = "", unknown[300] = "", twice[300] = "", nameless[100] = "";

    if (msglen == 0)
        return -1;
    msg[0] = '\0';
    for (const char *const *r = required; *r; r++)
        if (mg_csv_column(c, *r) < 0) {
            cat(missing, sizeof missing, "%s", missing[0] ? ", " : "");
            cat_name(missing, sizeof missing, *r);
        }
    for (size_t i = 0; i < c->ncols; i++) {
        const char *h = c->header[i];
        if (!h[0]) {
            for (size_t r = 0; r < c->n && !nameless[0]; r++)
                if (c->records[r].fields[i][0])
                    snprintf(nameless, sizeof nameless, "column %zu has no name in the header but a value on line %d",
                             i + 1, c->records[r].line);
            continue;
        }
        if (!listed(required, h) && !listed(optional, h)) {
            cat(unknown, sizeof unknown, "%s", unknown[0] ? ", " : "");
            cat_name(unknown, sizeof unknown, h);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->header[j], h) == 0) {
                cat(twice, sizeof twice, "%s", twice[0] ? ", " : "");
                cat_name(twice, sizeof twice, h);
                break;
            }
    }
    if (missing[0])
        cat(msg, msglen, "the header has no column %s", missing);
    if (unknown[0])
        cat(msg, msglen, "%sunknown column %s", msg[0] ? "; " : "", unknown);
    if (twice[0])
        cat(msg, msglen, "%stwice in the header: %s", msg[0] ? "; " : "", twice);
    if (nameless[0])
        cat(msg, msglen, "%s%s", msg[0] ? "; " : "", nameless);
    if (!msg[0])
        return 0;
    cat(msg, msglen, " (the columns are ");
    for (const char *const *r = required; *r; r++)
        cat(msg, msglen, "%s%s", r == required ? "" : ", ", *r);
    for (const char *const *o = optional; o && *o; o++)
        cat(msg, msglen, "%s%s", o == optional ? " and optionally " : ", ", *o);
    cat(msg, msglen, ")");
    return -1;
}

void mg_csv_problem(struct mg_csv_problems *p, int line, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        struct mg_csv_error *grown = realloc(p->v, cap * sizeof *grown);
        if (!grown) {
            p->oom = true;
            return;
        }
        p->v = grown;
        p->cap = cap;
    }
    char *copy = strdup(text);
    if (!copy) {
        p->oom = true;
        return;
    }
    p->v[p->n].line = line;
    p->v[p->n].msg = copy; /* owned by p->v from here */
    p->v[p->n].seq_ = p->n;
    p->n++;
}

static int problem_cmp(const void *a, const void *b)
{
    const struct mg_csv_error *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq_ < y->seq_ ? -1 : x->seq_ > y->seq_;
}

void mg_csv_problems_sort(struct mg_csv_problems *p)
{
    if (p->n > 1)
        qsort(p->v, p->n, sizeof *p->v, problem_cmp);
}

void mg_csv_problems_free(struct mg_csv_problems *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].msg);
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* ---- writing -------------------------------------------------------------- */

void mg_csv_write_field(FILE *f, const char *s)
{
    if (!s || !*s)
        return;
    bool formula = strchr("=+-@\t\r", s[0]) != NULL;
    if (!formula && !strpbrk(s, ",;\"\r\n") && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
