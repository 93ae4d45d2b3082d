/* survey.c: the survey-definition validator (the rules of surveys/README.md).
 *
 * Pure: bytes in, every problem out as "FILE: $.json.path: problem", in
 * document order. Bounded on any input: the bytes are checked as strict
 * JSON (with a nesting limit) before cJSON parses them, every object and
 * array has a size limit that is checked before any work that is more than
 * linear in it, and only the first MG_SURVEY_MAX_ERRORS problems are kept. */
#include "mg_survey.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A survey nests 6 deep ($.scales.skill.points[0].label is the 6th). */
#define MAX_DEPTH 8
#define MAX_VALUES 100000 /* the manager survey has about 1900 */
#define MAX_FIELDS 64 /* per object; the largest object of a survey has 11 */
#define MAX_LEVELS 20
#define MAX_AREAS 64
#define MAX_ITEMS 500
#define MAX_LANGS 8        /* elements of "languages" looked at */
#define PATH_DEPTH 12      /* path segments kept for sorting (>= MAX_DEPTH + 1) */
#define SHOW_CHARS 48      /* characters of a value quoted in a message */
#define SHOW_SIZE (SHOW_CHARS * 6 + 16)
#define MISSING INT_MAX    /* ordinal of a field that is not there: after its siblings */

static const char *const langs[] = {"sv", "nb", "nn", "en", NULL};
static const char *const services[] = {"e_signature", "secure_messaging", "digital_meetings", "strong_auth",
                                       "digital_mail", NULL};
static const char *const scale_names[] = {"skill", "knowledge", "attitude", "frequency", NULL};
static const int scale_points[] = {4, 4, 5, 5};
static const char *const kinds[] = {"skill", "knowledge", "attitude", NULL};
static const char *const types[] = {"likert", "frequency", "choice", NULL};
enum { KIND_SKILL, KIND_KNOWLEDGE, KIND_ATTITUDE };
enum { TYPE_LIKERT, TYPE_FREQUENCY, TYPE_CHOICE };
enum { SCALE_FREQUENCY = 3 };
enum { AUDIENCE_STAFF, AUDIENCE_MANAGER };

/* One kept problem with its place in the document, for sorting. */
struct problem {
    int ord[PATH_DEPTH]; /* the ordinal of each path segment in its parent */
    int depth;
    size_t seq; /* the order found, for problems at the same place */
    char *line;
};

struct ctx {
    const char *file;
    /* The path being checked: its text, and per segment the node (NULL
     * when missing) and its ordinal among its siblings. */
    char path[4096];
    size_t plen;
    int depth;
    const cJSON *node[PATH_DEPTH + 1];
    int ord[PATH_DEPTH + 1];
    /* Problems: the first MG_SURVEY_MAX_ERRORS in document order. */
    struct problem *kept[MG_SURVEY_MAX_ERRORS];
    size_t nkept, total, seq;
    int audience; /* AUDIENCE_*, or -1 when not known */
};

struct mark {
    size_t plen;
    int depth;
};

/* ---- messages -------------------------------------------------------------- */

/* Writes `s` into `buf` (SHOW_SIZE bytes) as a double-quoted string, escaped
 * so that a message stays on one line, cut after SHOW_CHARS characters. */
static const char *quoted(const char *s, char *buf)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, chars = 0;
    buf[o++] = '"';
    for (; *p; p++) {
        bool lead = (*p & 0xC0) != 0x80;
        if (lead && chars++ == SHOW_CHARS) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (*p == '"' || *p == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7F) {
            o += (size_t)snprintf(buf + o, 7, "\\u%04x", *p);
        } else if (*p == 0xC2 && p[1] == 0x85) { /* U+0085, a line break to some */
            memcpy(buf + o, "\\u0085", 6);
            o += 6;
            p++;
        } else if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) { /* U+2028, U+2029 */
            o += (size_t)snprintf(buf + o, 7, "\\u%04x", p[2] == 0xA8 ? 0x2028 : 0x2029);
            p += 2;
        } else {
            buf[o++] = (char)*p;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    return "null";
}

/* -1, 0 or 1 as problem `a` comes before, with or after `b` in the document
 * (a node's own problems before those of its children). */
static int problem_cmp(const struct problem *a, const struct problem *b)
{
    int n = a->depth < b->depth ? a->depth : b->depth;
    for (int i = 0; i < n; i++)
        if (a->ord[i] != b->ord[i])
            return a->ord[i] < b->ord[i] ? -1 : 1;
    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Records a problem at the current path; keeps it when it is among the
 * first MG_SURVEY_MAX_ERRORS in document order. */
static void add_error(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_error(struct ctx *c, const char *fmt, ...)
{
    struct problem key = {.depth = c->depth < PATH_DEPTH ? c->depth : PATH_DEPTH, .seq = c->seq++};
    for (int i = 0; i < key.depth; i++)
        key.ord[i] = c->ord[i + 1];
    c->total++;
    /* Where it goes: after every kept problem that is not after it. */
    size_t lo = 0, hi = c->nkept;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (problem_cmp(c->kept[mid], &key) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == MG_SURVEY_MAX_ERRORS)
        return;
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t need = strlen(c->file) + c->plen + strlen(text) + 5;
    struct problem *p = malloc(sizeof *p);
    if (!p || !(key.line = malloc(need))) {
        free(p);
        return;
    }
    snprintf(key.line, need, "%s: %s: %s", c->file, c->path, text);
    *p = key;
    if (c->nkept == MG_SURVEY_MAX_ERRORS) {
        struct problem *last = c->kept[--c->nkept];
        free(last->line);
        free(last);
    }
    memmove(&c->kept[lo + 1], &c->kept[lo], (c->nkept - lo) * sizeof *c->kept);
    c->kept[lo] = p;
    c->nkept++;
}

/* ---- the path -------------------------------------------------------------- */

static bool plain_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SHOW_CHARS || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return false;
    return true;
}

/* Enters `child` (NULL when it is missing), the `ord`th member of the
 * current node: a field `name`, or the element `ord` when `name` is NULL. */
static struct mark enter(struct ctx *c, const cJSON *child, int ord, const char *name)
{
    struct mark m = {c->plen, c->depth};
    char seg[SHOW_SIZE + 8], b[SHOW_SIZE];
    if (!name)
        snprintf(seg, sizeof seg, "[%d]", ord);
    else if (plain_name(name))
        snprintf(seg, sizeof seg, ".%s", name);
    else
        snprintf(seg, sizeof seg, "[%s]", quoted(name, b));
    size_t n = strlen(seg);
    if (c->plen + n < sizeof c->path) {
        memcpy(c->path + c->plen, seg, n + 1);
        c->plen += n;
    }
    if (++c->depth <= PATH_DEPTH) {
        c->node[c->depth] = child;
        c->ord[c->depth] = ord;
    }
    return m;
}

static const cJSON *current(const struct ctx *c) { return c->depth <= PATH_DEPTH ? c->node[c->depth] : NULL; }

/* Enters the field `name` of the current object, there or not. */
static struct mark enter_field(struct ctx *c, const char *name)
{
    const cJSON *parent = current(c), *f = NULL;
    int i = 0;
    if (cJSON_IsObject(parent))
        for (f = parent->child; f && strcmp(f->string, name) != 0; f = f->next)
            i++;
    return enter(c, f, f ? i : MISSING, name);
}

/* Enters `child`, the `i`th member of the current object or array. */
static struct mark enter_child(struct ctx *c, const cJSON *child, int i)
{
    return enter(c, child, i, child->string);
}

static void leave(struct ctx *c, struct mark m)
{
    c->plen = m.plen;
    c->path[m.plen] = '\0';
    c->depth = m.depth;
}

/* ---- strict JSON ----------------------------------------------------------- */

/* The offset of the first byte that is not part of valid UTF-8 (no
 * overlong forms, no surrogates, nothing above U+10FFFF), or `len`. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (b < 0x80) {
            i++;
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            n = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            n = 2;
            if (b == 0xE0)
                lo = 0xA0;
            else if (b == 0xED)
                hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            n = 3;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F;
        } else {
            return i;
        }
        if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += n + 1;
    }
    return len;
}

struct syn {
    const unsigned char *s;
    size_t len, i;
    int depth;
    long values;
    const char *problem; /* the first one, at offset i */
    bool too_deep;
};

static bool syn_fail(struct syn *p, const char *problem)
{
    p->problem = problem;
    return false;
}

static bool is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

static void syn_space(struct syn *p)
{
    while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static bool hex4(const struct syn *p, size_t at, unsigned *out)
{
    if (at + 4 > p->len)
        return false;
    *out = 0;
    for (size_t k = at; k < at + 4; k++) {
        unsigned char h = p->s[k];
        unsigned v = 16;
        if (is_digit(h))
            v = (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v = (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v = (unsigned)(h - 'A' + 10);
        if (v > 15)
            return false;
        *out = *out * 16 + v;
    }
    return true;
}

static bool syn_string(struct syn *p)
{
    p->i++;
    while (p->i < p->len) {
        unsigned char ch = p->s[p->i];
        if (ch == '"') {
            p->i++;
            return true;
        }
        if (ch < 0x20)
            return syn_fail(p, "a control character in a string (write a line break as \\n)");
        if (ch != '\\') {
            p->i++;
            continue;
        }
        if (p->i + 1 >= p->len)
            break;
        ch = p->s[p->i + 1];
        if (ch && strchr("\"\\/bfnrt", ch)) {
            p->i += 2;
            continue;
        }
        unsigned u, low;
        if (ch != 'u')
            return syn_fail(p, "an unknown escape in a string");
        if (!hex4(p, p->i + 2, &u))
            return syn_fail(p, "\\u must be followed by four hex digits");
        if (u == 0)
            return syn_fail(p, "\\u0000 (the NUL character) is not allowed");
        if (u >= 0xDC00 && u <= 0xDFFF)
            return syn_fail(p, "a UTF-16 low surrogate without a high one before it");
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (p->i + 12 > p->len || p->s[p->i + 6] != '\\' || p->s[p->i + 7] != 'u' ||
                !hex4(p, p->i + 8, &low) || low < 0xDC00 || low > 0xDFFF)
                return syn_fail(p, "a UTF-16 high surrogate without a low one after it");
            p->i += 6;
        }
        p->i += 6;
    }
    return syn_fail(p, "the file ends inside a string");
}

static bool syn_number(struct syn *p)
{
    const unsigned char *s = p->s;
    size_t start = p->i;
    if (s[p->i] == '-')
        p->i++;
    if (p->i >= p->len || !is_digit(s[p->i]))
        return syn_fail(p, "a number needs a digit here");
    if (s[p->i] == '0') {
        if (++p->i < p->len && is_digit(s[p->i]))
            return syn_fail(p, "a number must not start with 0");
    } else {
        while (p->i < p->len && is_digit(s[p->i]))
            p->i++;
    }
    if (p->i < p->len && s[p->i] == '.') {
        if (++p->i >= p->len || !is_digit(s[p->i]))
            return syn_fail(p, "a digit must follow the decimal point");
        while (p->i < p->len && is_digit(s[p->i]))
            p->i++;
    }
    if (p->i < p->len && (s[p->i] == 'e' || s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->len && (s[p->i] == '+' || s[p->i] == '-'))
            p->i++;
        if (p->i >= p->len || !is_digit(s[p->i]))
            return syn_fail(p, "an exponent needs a digit here");
        while (p->i < p->len && is_digit(s[p->i]))
            p->i++;
    }
    /* cJSON reads at most 63 characters of a number; no survey needs 40. */
    if (p->i - start > 40) {
        p->i = start;
        return syn_fail(p, "a number of more than 40 characters");
    }
    return true;
}

static bool syn_word(struct syn *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return syn_fail(p, "a value (an object, array, string, number, true, false or null) should be here");
    p->i += n;
    return true;
}

static bool syn_value(struct syn *p);

static bool syn_container(struct syn *p)
{
    bool object = p->s[p->i] == '{';
    unsigned char close = object ? '}' : ']';
    if (++p->depth > MAX_DEPTH) {
        p->too_deep = true;
        return syn_fail(p, "");
    }
    p->i++;
    syn_space(p);
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
        p->depth--;
        return true;
    }
    for (;;) {
        if (object) {
            if (p->i >= p->len)
                break;
            if (p->s[p->i] != '"')
                return syn_fail(p, p->s[p->i] == '\'' ? "a field name takes double quotes"
                                                      : "a field name in double quotes should be here");
            if (!syn_string(p))
                return false;
            syn_space(p);
            if (p->i >= p->len || p->s[p->i] != ':')
                return syn_fail(p, "a colon should follow the field name");
            p->i++;
            syn_space(p);
        }
        if (!syn_value(p))
            return false;
        syn_space(p);
        if (p->i >= p->len)
            break;
        if (p->s[p->i] == close) {
            p->i++;
            p->depth--;
            return true;
        }
        if (p->s[p->i] != ',')
            return syn_fail(p, object ? "a comma or } should be here" : "a comma or ] should be here");
        p->i++;
        syn_space(p);
        if (p->i < p->len && p->s[p->i] == close)
            return syn_fail(p, "a comma must not come before the closing bracket");
    }
    return syn_fail(p, object ? "the file ends inside an object" : "the file ends inside an array");
}

static bool syn_value(struct syn *p)
{
    if (p->i >= p->len)
        return syn_fail(p, "the file ends where a value should be");
    if (++p->values > MAX_VALUES)
        return syn_fail(p, "more than 100000 values; no survey has that many");
    switch (p->s[p->i]) {
    case '{':
    case '[':
        return syn_container(p);
    case '"':
        return syn_string(p);
    case 't':
        return syn_word(p, "true");
    case 'f':
        return syn_word(p, "false");
    case 'n':
        return syn_word(p, "null");
    case '\'':
        return syn_fail(p, "strings take double quotes");
    case '/':
        return syn_fail(p, "JSON has no comments");
    default:
        if (p->s[p->i] == '-' || is_digit(p->s[p->i]))
            return syn_number(p);
        return syn_fail(p, "a value (an object, array, string, number, true, false or null) should be here");
    }
}

/* Line and column (in characters, from 1) of byte `at`. */
static void position(const char *s, size_t at, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (s[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* Checks that the bytes are one strict JSON value (RFC 8259, UTF-8, no
 * byte order mark, no \u0000) nested at most MAX_DEPTH deep. */
static bool strict_json(struct ctx *c, const char *data, size_t len)
{
    size_t line, col, at;
    if (len == 0) {
        add_error(c, "the file is empty");
        return false;
    }
    if (len > MG_SURVEY_MAX_BYTES) {
        add_error(c, "the file is larger than %zu MiB; no survey is that large", MG_SURVEY_MAX_BYTES >> 20);
        return false;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        add_error(c, "the file starts with a byte order mark; save it as UTF-8 without one");
        return false;
    }
    if ((at = utf8_invalid_at((const unsigned char *)data, len)) < len) {
        position(data, at, &line, &col);
        add_error(c, "not valid UTF-8 at line %zu, column %zu; save the file as UTF-8", line, col);
        return false;
    }
    struct syn p = {.s = (const unsigned char *)data, .len = len};
    syn_space(&p);
    bool ok = syn_value(&p);
    if (ok) {
        syn_space(&p);
        if (p.i < len)
            ok = syn_fail(&p, "text follows the JSON value");
    }
    if (ok)
        return true;
    position(data, p.i, &line, &col);
    if (p.too_deep)
        add_error(c, "nested deeper than %d levels at line %zu, column %zu; a survey needs 6", MAX_DEPTH, line,
                  col);
    else
        add_error(c, "not valid JSON at line %zu, column %zu: %s", line, col, p.problem);
    return false;
}

/* Objects of more than MAX_FIELDS fields (after which nothing else is
 * checked: the checks look fields up by name) and fields given twice, at
 * any depth; cJSON keeps both copies of a field as siblings. */
static bool check_structure(struct ctx *c, const cJSON *v)
{
    bool ok = true;
    int i = 0;
    const cJSON *f;
    if (cJSON_IsObject(v)) {
        int n = cJSON_GetArraySize(v);
        if (n > MAX_FIELDS) {
            add_error(c, "has %d fields; no object of a survey has more than %d", n, MAX_FIELDS);
            ok = false;
        }
        cJSON_ArrayForEach(f, v) {
            struct mark m = enter_child(c, f, i);
            char b[SHOW_SIZE];
            for (const cJSON *g = v->child; n <= MAX_FIELDS && g != f; g = g->next)
                if (strcmp(g->string, f->string) == 0) {
                    add_error(c, "field %s is given more than once", quoted(f->string, b));
                    break;
                }
            ok &= check_structure(c, f);
            leave(c, m);
            i++;
        }
    } else if (cJSON_IsArray(v)) {
        cJSON_ArrayForEach(f, v) {
            struct mark m = enter_child(c, f, i++);
            ok &= check_structure(c, f);
            leave(c, m);
        }
    }
    return ok;
}

/* ---- field checks ---------------------------------------------------------- */

static int lookup(const char *s, const char *const *values)
{
    for (int i = 0; values[i]; i++)
        if (strcmp(s, values[i]) == 0)
            return i;
    return -1;
}

/* Reports every field of object `o` not in `allowed` (NULL-terminated). */
static void only_fields(struct ctx *c, const cJSON *o, const char *const *allowed)
{
    const cJSON *f;
    int i = 0;
    char b[SHOW_SIZE];
    cJSON_ArrayForEach(f, o) {
        if (lookup(f->string, allowed) < 0) {
            struct mark m = enter_child(c, f, i);
            add_error(c, "unknown field %s", quoted(f->string, b));
            leave(c, m);
        }
        i++;
    }
}

/* The field `name` of `o` (the current node); reports it when missing and
 * `required`. */
static const cJSON *field(struct ctx *c, const cJSON *o, const char *name, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v && required) {
        struct mark m = enter_field(c, name);
        add_error(c, "required field is missing");
        leave(c, m);
    }
    return v;
}

static bool is_key(const char *s)
{
    if (s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* Checks the key field `name` of `o`; returns the key, or NULL. */
static const char *check_key(struct ctx *c, const cJSON *o, const char *name, size_t max)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return NULL;
    struct mark m = enter_field(c, name);
    const char *out = NULL;
    char b[SHOW_SIZE];
    if (!cJSON_IsString(v))
        add_error(c, "must be a string, not %s", type_name(v));
    else if (!is_key(v->valuestring))
        add_error(c, "%s is not a key (a-z first, then a-z, 0-9 or _)", quoted(v->valuestring, b));
    else if (strlen(v->valuestring) > max)
        add_error(c, "%s is longer than %zu characters", quoted(v->valuestring, b), max);
    else
        out = v->valuestring;
    leave(c, m);
    return out;
}

/* Checks that the field `name` is one of `values`; returns its index or -1. */
static int check_enum(struct ctx *c, const cJSON *o, const char *name, const char *const *values,
                      const char *expected)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return -1;
    struct mark m = enter_field(c, name);
    int found = -1;
    char b[SHOW_SIZE];
    if (!cJSON_IsString(v))
        add_error(c, "must be a string, not %s", type_name(v));
    else if ((found = lookup(v->valuestring, values)) < 0)
        add_error(c, "%s is not %s", quoted(v->valuestring, b), expected);
    leave(c, m);
    return found;
}

/* Checks that the field `name` is an integer from `min` to `max`. */
static bool check_int(struct ctx *c, const cJSON *o, const char *name, int min, int max, int *out)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return false;
    struct mark m = enter_field(c, name);
    bool ok = false;
    if (!cJSON_IsNumber(v))
        add_error(c, "must be an integer, not %s", type_name(v));
    else if (!isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
        add_error(c, "must be an integer, not %g", v->valuedouble);
    else if (v->valuedouble < min)
        add_error(c, "must be at least %d", min);
    else if (v->valuedouble > max)
        add_error(c, "must be at most %d", max);
    else {
        *out = (int)v->valuedouble;
        ok = true;
    }
    leave(c, m);
    return ok;
}

static bool check_bool(struct ctx *c, const cJSON *o, const char *name, bool required, bool *out)
{
    const cJSON *v = field(c, o, name, required);
    if (!v)
        return false;
    if (!cJSON_IsBool(v)) {
        struct mark m = enter_field(c, name);
        add_error(c, "must be true or false, not %s", type_name(v));
        leave(c, m);
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

/* Checks that the field `name` is an array of `min` to `max` elements;
 * returns it when it is. */
static const cJSON *check_array(struct ctx *c, const cJSON *o, const char *name, int min, int max)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return NULL;
    struct mark m = enter_field(c, name);
    int n = cJSON_GetArraySize(v);
    const cJSON *out = NULL;
    if (!cJSON_IsArray(v))
        add_error(c, "must be an array, not %s", type_name(v));
    else if (n < min)
        add_error(c, "must have at least %d element%s, not %d", min, min == 1 ? "" : "s", n);
    else if (n > max)
        add_error(c, "must have at most %d elements, not %d", max, n);
    else
        out = v;
    leave(c, m);
    return out;
}

/* The length of the white-space character at `s` (0 when it is none), for
 * the characters Unicode calls white space. */
static size_t space_at(const unsigned char *s)
{
    if (s[0] == ' ' || (s[0] >= 0x09 && s[0] <= 0x0D) || (s[0] >= 0x1C && s[0] <= 0x1F))
        return 1;
    if (s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 ||
                                         s[2] == 0xAF))
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

/* A text object: exactly sv, nb, nn and en, each a non-empty string without
 * white space at either end. `v` is the current node. */
static void check_text_value(struct ctx *c, const cJSON *v)
{
    char b[SHOW_SIZE];
    if (!cJSON_IsObject(v)) {
        add_error(c, "must be a text object with sv, nb, nn and en, not %s", type_name(v));
        return;
    }
    const cJSON *f;
    int i = 0;
    cJSON_ArrayForEach(f, v) {
        if (lookup(f->string, langs) < 0) {
            struct mark m = enter_child(c, f, i);
            add_error(c, "unknown language %s (a text has exactly sv, nb, nn and en)", quoted(f->string, b));
            leave(c, m);
        }
        i++;
    }
    for (int l = 0; langs[l]; l++) {
        const cJSON *t = field(c, v, langs[l], true);
        if (!t)
            continue;
        struct mark m = enter_field(c, langs[l]);
        if (!cJSON_IsString(t)) {
            add_error(c, "must be a string, not %s", type_name(t));
        } else {
            const unsigned char *s = (const unsigned char *)t->valuestring, *last = s;
            bool blank = true;
            for (const unsigned char *p = s; *p;) {
                size_t w = space_at(p);
                blank &= w > 0;
                last = p;
                p += w ? w : 1;
                while ((*p & 0xC0) == 0x80)
                    p++;
            }
            if (blank)
                add_error(c, "must not be empty");
            else if (space_at(s) || space_at(last))
                add_error(c, "has white space at the start or end");
        }
        leave(c, m);
    }
}

/* The intro is 2 to 4 sentences: counted as the '.', '!' and '?' that end
 * the text or are followed by white space (as tests/lib/check_surveys.py
 * counts them). */
static void check_intro(struct ctx *c, const cJSON *root)
{
    const cJSON *intro = cJSON_GetObjectItemCaseSensitive(root, "intro");
    if (!cJSON_IsObject(intro))
        return;
    struct mark m = enter_field(c, "intro");
    for (int l = 0; langs[l]; l++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(intro, langs[l]);
        if (!cJSON_IsString(t))
            continue;
        int n = 0;
        bool blank = true;
        for (const unsigned char *p = (const unsigned char *)t->valuestring; *p; p++) {
            blank &= space_at(p) > 0;
            n += (*p == '.' || *p == '!' || *p == '?') && (p[1] == '\0' || space_at(p + 1) > 0);
        }
        if (!blank && (n < 2 || n > 4)) {
            struct mark m2 = enter_field(c, langs[l]);
            add_error(c, "must be 2 to 4 sentences, not %d", n);
            leave(c, m2);
        }
    }
    leave(c, m);
}

static void check_text(struct ctx *c, const cJSON *o, const char *name, bool required)
{
    const cJSON *v = field(c, o, name, required);
    if (!v)
        return;
    struct mark m = enter_field(c, name);
    check_text_value(c, v);
    leave(c, m);
}

/* ---- scales ---------------------------------------------------------------- */

static void check_scale(struct ctx *c, const cJSON *s, int which)
{
    if (!cJSON_IsObject(s)) {
        add_error(c, "must be an object, not %s", type_name(s));
        return;
    }
    bool freq = which == SCALE_FREQUENCY;
    const cJSON *f;
    int i = 0;
    char b[SHOW_SIZE];
    cJSON_ArrayForEach(f, s) {
        if (lookup(f->string, (const char *const[]){"points", "dont_know", freq ? "regular_from" : NULL, NULL}) <
            0) {
            struct mark m = enter_child(c, f, i);
            if (strcmp(f->string, "regular_from") == 0)
                add_error(c, "only the frequency scale has regular_from");
            else
                add_error(c, "unknown field %s", quoted(f->string, b));
            leave(c, m);
        }
        i++;
    }
    int values[5], lowest = 0;
    bool values_ok = false;
    const cJSON *points = field(c, s, "points", true);
    if (points) {
        struct mark m = enter_field(c, "points");
        int n = cJSON_GetArraySize(points);
        if (!cJSON_IsArray(points)) {
            add_error(c, "must be an array, not %s", type_name(points));
        } else if (n != scale_points[which]) {
            add_error(c, "the %s scale has %d points, not %d", scale_names[which], scale_points[which], n);
        } else {
            const cJSON *p;
            int last = 0; /* the index after the last valid value */
            values_ok = true;
            i = 0;
            cJSON_ArrayForEach(p, points) {
                struct mark m2 = enter_child(c, p, i);
                int v;
                if (!cJSON_IsObject(p)) {
                    add_error(c, "must be an object, not %s", type_name(p));
                    values_ok = false;
                } else {
                    only_fields(c, p, (const char *const[]){"value", "label", NULL});
                    if (!check_int(c, p, "value", -1000000, 1000000, &v)) {
                        values_ok = false;
                    } else if (last > 0 && v <= values[last - 1]) {
                        struct mark m3 = enter_field(c, "value");
                        add_error(c, "values must increase: %d follows %d", v, values[last - 1]);
                        leave(c, m3);
                        values_ok = false;
                    } else {
                        values[last++] = v;
                    }
                    check_text(c, p, "label", true);
                    /* No two labels alike in one language. */
                    const cJSON *label = cJSON_GetObjectItemCaseSensitive(p, "label");
                    for (int l = 0; langs[l] && cJSON_IsObject(label); l++) {
                        const cJSON *a = cJSON_GetObjectItemCaseSensitive(label, langs[l]);
                        for (int j = 0; j < i && cJSON_IsString(a); j++) {
                            const cJSON *other = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, j),
                                                                                  "label");
                            const cJSON *o = cJSON_GetObjectItemCaseSensitive(other, langs[l]);
                            if (cJSON_IsString(o) && strcmp(a->valuestring, o->valuestring) == 0) {
                                struct mark m3 = enter_field(c, "label");
                                struct mark m4 = enter_field(c, langs[l]);
                                add_error(c, "the same label as point %d", j);
                                leave(c, m4);
                                leave(c, m3);
                                break;
                            }
                        }
                    }
                }
                leave(c, m2);
                i++;
            }
            lowest = last > 0 ? values[0] : 0; /* no valid value: lowest stays unused */
        }
        leave(c, m);
    }
    check_text(c, s, "dont_know", true);
    int r;
    if (freq && check_int(c, s, "regular_from", -1000000, 1000000, &r) && values_ok) {
        bool found = false;
        for (int k = 0; k < scale_points[which]; k++)
            found |= values[k] == r;
        struct mark m = enter_field(c, "regular_from");
        if (!found)
            add_error(c, "%d is not a value of the scale", r);
        else if (r == lowest)
            add_error(c, "must be above the lowest value");
        leave(c, m);
    }
}

static void check_scales(struct ctx *c, const cJSON *root)
{
    const cJSON *sc = field(c, root, "scales", true);
    if (!sc)
        return;
    struct mark m = enter_field(c, "scales");
    if (!cJSON_IsObject(sc)) {
        add_error(c, "must be an object, not %s", type_name(sc));
    } else {
        only_fields(c, sc, scale_names);
        for (int i = 0; scale_names[i]; i++) {
            const cJSON *s = field(c, sc, scale_names[i], true);
            if (!s)
                continue;
            struct mark m2 = enter_field(c, scale_names[i]);
            check_scale(c, s, i);
            leave(c, m2);
        }
    }
    leave(c, m);
}

/* ---- levels, areas, items -------------------------------------------------- */

/* A set of keys, small enough for linear search (bounded by MAX_ITEMS). */
struct names {
    const char *k[MAX_ITEMS];
    int n;
    bool complete; /* every key of the array it came from is in it */
};

static bool names_has(const struct names *s, const char *k)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->k[i], k) == 0)
            return true;
    return false;
}

static void names_add(struct names *s, const char *k)
{
    if (s->n < MAX_ITEMS)
        s->k[s->n++] = k;
}

/* Adds key `k` (when valid) to `set`; reports it when it is there already. */
static void unique_key(struct ctx *c, struct names *set, const char *k, const char *what)
{
    char b[SHOW_SIZE];
    if (!k) {
        set->complete = false;
    } else if (names_has(set, k)) {
        struct mark m = enter_field(c, "key");
        add_error(c, "%s %s is defined twice", what, quoted(k, b));
        leave(c, m);
    } else {
        names_add(set, k);
    }
}

static void check_levels(struct ctx *c, const cJSON *root, struct names *levels)
{
    const cJSON *arr = check_array(c, root, "levels", 1, MAX_LEVELS);
    if (!arr)
        return;
    struct mark m = enter_field(c, "levels");
    int i = 0;
    double prev = 0;
    bool have_prev = false;
    const cJSON *l;
    levels->complete = true;
    cJSON_ArrayForEach(l, arr) {
        struct mark m2 = enter_child(c, l, i);
        if (!cJSON_IsObject(l)) {
            add_error(c, "must be an object, not %s", type_name(l));
            levels->complete = false;
        } else {
            only_fields(c, l, (const char *const[]){"key", "from", "name", "description", NULL});
            unique_key(c, levels, check_key(c, l, "key", 40), "level");
            const cJSON *from = field(c, l, "from", true);
            if (from) {
                struct mark m3 = enter_field(c, "from");
                double v = from->valuedouble;
                if (!cJSON_IsNumber(from)) {
                    add_error(c, "must be a number, not %s", type_name(from));
                } else if (i == 0 && v != 0) {
                    add_error(c, "the first level must start from 0");
                } else if (!(v >= 0 && v < 100)) {
                    add_error(c, "must be at least 0 and below 100");
                } else if (have_prev && v <= prev) {
                    add_error(c, "thresholds must increase: %g follows %g", v, prev);
                } else {
                    prev = v;
                    have_prev = true;
                }
                leave(c, m3);
            }
            check_text(c, l, "name", true);
            check_text(c, l, "description", true);
        }
        leave(c, m2);
        i++;
    }
    leave(c, m);
}

struct area_seen {
    const char *key;
    int scope; /* 0 individual, 1 organisation, -1 not valid */
    int items;
    int index;
};

static void check_suggestions(struct ctx *c, const cJSON *a, const struct names *levels)
{
    const cJSON *s = field(c, a, "suggestions", true);
    if (!s)
        return;
    struct mark m = enter_field(c, "suggestions");
    if (!cJSON_IsObject(s)) {
        add_error(c, "must be an object with one field per level, not %s", type_name(s));
        leave(c, m);
        return;
    }
    const cJSON *f;
    int i = 0;
    char b[SHOW_SIZE];
    cJSON_ArrayForEach(f, s) {
        struct mark m2 = enter_child(c, f, i++);
        int n = cJSON_GetArraySize(f);
        if (levels->complete && !names_has(levels, f->string)) {
            add_error(c, "%s is not a level", quoted(f->string, b));
        } else if (!cJSON_IsArray(f)) {
            add_error(c, "must be an array of 1 to 3 texts, not %s", type_name(f));
        } else if (n < 1 || n > 3) {
            add_error(c, "must have 1 to 3 suggestions, not %d", n);
        } else {
            int j = 0;
            const cJSON *t;
            cJSON_ArrayForEach(t, f) {
                struct mark m3 = enter_child(c, t, j++);
                check_text_value(c, t);
                leave(c, m3);
            }
        }
        leave(c, m2);
    }
    for (int l = 0; l < levels->n; l++)
        if (!cJSON_GetObjectItemCaseSensitive(s, levels->k[l])) {
            struct mark m2 = enter_field(c, levels->k[l]);
            add_error(c, "required field is missing: every level has suggestions");
            leave(c, m2);
        }
    leave(c, m);
}

/* Returns the number of areas with a valid, unique key in `seen`, or -1
 * when the areas array itself is not usable. */
static int check_areas(struct ctx *c, const cJSON *root, const struct names *levels, struct area_seen *seen)
{
    const cJSON *arr = check_array(c, root, "areas", 1, MAX_AREAS);
    if (!arr)
        return -1;
    struct mark m = enter_field(c, "areas");
    int i = 0, n = 0;
    const cJSON *a;
    struct names keys = {.complete = true};
    cJSON_ArrayForEach(a, arr) {
        struct mark m2 = enter_child(c, a, i);
        if (!cJSON_IsObject(a)) {
            add_error(c, "must be an object, not %s", type_name(a));
        } else {
            only_fields(c, a,
                        (const char *const[]){"key", "scope", "weight", "name", "description", "suggestions", NULL});
            const char *k = check_key(c, a, "key", 40);
            int before = keys.n;
            unique_key(c, &keys, k, "area");
            int scope = check_enum(c, a, "scope", (const char *const[]){"individual", "organisation", NULL},
                                   "\"individual\" or \"organisation\"");
            if (scope == 1 && c->audience == AUDIENCE_STAFF) {
                struct mark m3 = enter_field(c, "scope");
                add_error(c, "organisation areas are for manager surveys only");
                leave(c, m3);
            }
            const cJSON *w = field(c, a, "weight", true);
            if (w && (!cJSON_IsNumber(w) || !(w->valuedouble > 0) || !isfinite(w->valuedouble))) {
                struct mark m3 = enter_field(c, "weight");
                if (cJSON_IsNumber(w))
                    add_error(c, "must be a number above 0, not %g", w->valuedouble);
                else
                    add_error(c, "must be a number above 0, not %s", type_name(w));
                leave(c, m3);
            }
            check_text(c, a, "name", true);
            check_text(c, a, "description", true);
            check_suggestions(c, a, levels);
            if (keys.n > before)
                seen[n++] = (struct area_seen){k, scope, 0, i};
        }
        leave(c, m2);
        i++;
    }
    leave(c, m);
    return n;
}

static void check_item_fields(struct ctx *c, const cJSON *it, int type)
{
    static const char *const common[] = {"key", "area", "type", "kind", "text", "help", "dont_know", NULL};
    static const char *const by_type[][4] = {{"scale", "reverse", NULL, NULL},
                                            {"scale", "service", NULL, NULL},
                                            {"options", "correct", NULL, NULL}};
    static const char *const any[] = {"scale", "reverse", "service", "options", "correct", NULL};
    const cJSON *f;
    int i = 0;
    char b[SHOW_SIZE];
    cJSON_ArrayForEach(f, it) {
        bool ok = lookup(f->string, common) >= 0 || lookup(f->string, type >= 0 ? by_type[type] : any) >= 0;
        if (!ok) {
            struct mark m = enter_child(c, f, i);
            if (strcmp(f->string, "reverse") == 0)
                add_error(c, "only likert items can be reversed");
            else if (lookup(f->string, any) >= 0)
                add_error(c, "not a field of %s items", types[type]);
            else
                add_error(c, "unknown field %s", quoted(f->string, b));
            leave(c, m);
        }
        i++;
    }
}

static void check_choice(struct ctx *c, const cJSON *it)
{
    const cJSON *opts = check_array(c, it, "options", 3, 4);
    struct names okeys = {.complete = opts != NULL};
    char b[SHOW_SIZE];
    if (opts) {
        struct mark m = enter_field(c, "options");
        int j = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, opts) {
            struct mark m2 = enter_child(c, o, j++);
            if (!cJSON_IsObject(o)) {
                add_error(c, "must be an object, not %s", type_name(o));
                okeys.complete = false;
            } else {
                only_fields(c, o, (const char *const[]){"key", "label", NULL});
                const char *k = check_key(c, o, "key", 64);
                if (k && strcmp(k, "dk") == 0) {
                    struct mark m3 = enter_field(c, "key");
                    add_error(c, "\"dk\" is the answer \"don't know\"; give the option another key");
                    leave(c, m3);
                } else {
                    unique_key(c, &okeys, k, "option");
                }
                check_text(c, o, "label", true);
            }
            leave(c, m2);
        }
        leave(c, m);
    }
    const cJSON *correct = field(c, it, "correct", true);
    if (correct) {
        struct mark m = enter_field(c, "correct");
        if (!cJSON_IsString(correct))
            add_error(c, "must be a string, not %s", type_name(correct));
        else if (okeys.complete && !names_has(&okeys, correct->valuestring))
            add_error(c, "%s is not one of the options", quoted(correct->valuestring, b));
        leave(c, m);
    }
}

/* Checks the items; counts each area's items in `areas`. Returns false
 * when the items array itself is not usable. */
static bool check_items(struct ctx *c, const cJSON *root, struct area_seen *areas, int nareas)
{
    const cJSON *arr = check_array(c, root, "items", 1, MAX_ITEMS);
    if (!arr)
        return false;
    struct mark m = enter_field(c, "items");
    struct names keys = {.complete = true}, used = {.complete = true};
    int i = 0;
    const cJSON *it;
    char b[SHOW_SIZE];
    cJSON_ArrayForEach(it, arr) {
        struct mark m2 = enter_child(c, it, i++);
        if (!cJSON_IsObject(it)) {
            add_error(c, "must be an object, not %s", type_name(it));
            leave(c, m2);
            continue;
        }
        int type = check_enum(c, it, "type", types, "\"likert\", \"frequency\" or \"choice\"");
        check_item_fields(c, it, type);
        unique_key(c, &keys, check_key(c, it, "key", 64), "item");
        const char *area = check_key(c, it, "area", 40);
        if (area && nareas >= 0) {
            int j = 0;
            while (j < nareas && strcmp(areas[j].key, area) != 0)
                j++;
            if (j < nareas) {
                areas[j].items++;
            } else {
                struct mark m3 = enter_field(c, "area");
                add_error(c, "unknown area %s", quoted(area, b));
                leave(c, m3);
            }
        }
        int kind = check_enum(c, it, "kind", kinds, "\"skill\", \"knowledge\" or \"attitude\"");
        check_text(c, it, "text", true);
        check_text(c, it, "help", false);
        bool dk = false, rev = false;
        check_bool(c, it, "dont_know", true, &dk);
        if (type == TYPE_LIKERT)
            check_bool(c, it, "reverse", false, &rev);

        const cJSON *scale = type == TYPE_CHOICE ? NULL : field(c, it, "scale", type >= 0);
        struct mark m3 = enter_field(c, "scale");
        if (scale && !cJSON_IsString(scale)) {
            add_error(c, "must be a string, not %s", type_name(scale));
        } else if (scale && type == TYPE_LIKERT) {
            if (kind >= 0 && strcmp(scale->valuestring, kinds[kind]) != 0)
                add_error(c, "a %s statement uses the %s scale, not %s", kinds[kind], kinds[kind],
                          quoted(scale->valuestring, b));
            else if (kind < 0 && lookup(scale->valuestring, kinds) < 0)
                add_error(c, "%s is not a likert scale (skill, knowledge or attitude)",
                          quoted(scale->valuestring, b));
        } else if (scale && type == TYPE_FREQUENCY && strcmp(scale->valuestring, "frequency") != 0) {
            add_error(c, "frequency items use the frequency scale, not %s", quoted(scale->valuestring, b));
        }
        leave(c, m3);

        if (type == TYPE_LIKERT && kind == KIND_KNOWLEDGE && dk) {
            m3 = enter_field(c, "dont_know");
            add_error(c, "must be false for a knowledge statement: its lowest point already says "
                         "\"I do not know this\"");
            leave(c, m3);
        } else if (type == TYPE_FREQUENCY) {
            if (kind >= 0 && kind != KIND_SKILL) {
                m3 = enter_field(c, "kind");
                add_error(c, "frequency items are of kind \"skill\"");
                leave(c, m3);
            }
            int svc = check_enum(c, it, "service", services,
                                 "a base service (e_signature, secure_messaging, digital_meetings, strong_auth or "
                                 "digital_mail)");
            if (svc >= 0 && names_has(&used, services[svc])) {
                m3 = enter_field(c, "service");
                add_error(c, "service \"%s\" is asked twice", services[svc]);
                leave(c, m3);
            } else if (svc >= 0) {
                names_add(&used, services[svc]);
            }
        } else if (type == TYPE_CHOICE) {
            if (kind >= 0 && kind != KIND_KNOWLEDGE) {
                m3 = enter_field(c, "kind");
                add_error(c, "choice items are of kind \"knowledge\"");
                leave(c, m3);
            }
            check_choice(c, it);
        }
        leave(c, m2);
    }
    leave(c, m);
    return true;
}

static void check_languages(struct ctx *c, const cJSON *root)
{
    const cJSON *ls = field(c, root, "languages", true);
    if (!ls)
        return;
    struct mark m = enter_field(c, "languages");
    int n = cJSON_GetArraySize(ls);
    if (!cJSON_IsArray(ls)) {
        add_error(c, "must be an array, not %s", type_name(ls));
    } else if (n > MAX_LANGS) {
        add_error(c, "must list exactly \"sv\", \"nb\", \"nn\" and \"en\", not %d languages", n);
    } else {
        bool have[4] = {false};
        int i = 0;
        const cJSON *l;
        char b[SHOW_SIZE];
        cJSON_ArrayForEach(l, ls) {
            struct mark m2 = enter_child(c, l, i++);
            int which = cJSON_IsString(l) ? lookup(l->valuestring, langs) : -1;
            if (!cJSON_IsString(l))
                add_error(c, "must be a string, not %s", type_name(l));
            else if (which < 0)
                add_error(c, "%s is not \"sv\", \"nb\", \"nn\" or \"en\"", quoted(l->valuestring, b));
            else if (have[which])
                add_error(c, "\"%s\" is listed twice", langs[which]);
            else
                have[which] = true;
            leave(c, m2);
        }
        for (int l2 = 0; l2 < 4; l2++)
            if (!have[l2])
                add_error(c, "\"%s\" is missing: every survey is in sv, nb, nn and en", langs[l2]);
    }
    leave(c, m);
}

static void check_root(struct ctx *c, const cJSON *root)
{
    if (!cJSON_IsObject(root)) {
        add_error(c, "a survey is an object, not %s", type_name(root));
        return;
    }
    only_fields(c, root,
                (const char *const[]){"key", "version", "audience", "languages", "title", "intro", "minutes",
                                      "scales", "levels", "areas", "items", NULL});
    int n;
    check_key(c, root, "key", 40);
    check_int(c, root, "version", 1, INT_MAX, &n);
    c->audience = check_enum(c, root, "audience", (const char *const[]){"staff", "manager", NULL},
                             "\"staff\" or \"manager\"");
    check_languages(c, root);
    check_text(c, root, "title", true);
    check_text(c, root, "intro", true);
    check_intro(c, root);
    check_int(c, root, "minutes", 1, INT_MAX, &n);
    check_scales(c, root);

    struct names levels = {0};
    struct area_seen areas[MAX_AREAS];
    check_levels(c, root, &levels);
    int nareas = check_areas(c, root, &levels, areas);
    bool items_ok = check_items(c, root, areas, nareas);

    bool individual = false, scopes_ok = true;
    struct mark m = enter_field(c, "areas");
    for (int i = 0; i < nareas; i++) {
        individual |= areas[i].scope == 0;
        scopes_ok &= areas[i].scope >= 0;
        if (items_ok && areas[i].items == 0) {
            struct mark m2 = enter_child(c, cJSON_GetArrayItem(current(c), areas[i].index), areas[i].index);
            add_error(c, "area \"%s\" has no items", areas[i].key);
            leave(c, m2);
        }
    }
    if (nareas > 0 && scopes_ok && !individual)
        add_error(c, "at least one area must be of scope \"individual\"");
    leave(c, m);
}

/* ---- the entry points ------------------------------------------------------ */

int mg_survey_check(const char *file, const char *data, size_t len, struct mg_survey_errors *errs, cJSON **def)
{
    struct ctx c = {.file = file ? file : "-", .path = "$", .plen = 1, .audience = -1};
    cJSON *root = NULL;
    memset(errs, 0, sizeof *errs);
    if (def)
        *def = NULL;

    if (strict_json(&c, data, len)) {
        /* cJSON gets a terminated copy: the strict pass leaves no NUL in it. */
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, data, len);
            copy[len] = '\0';
            root = cJSON_ParseWithLength(copy, len);
            free(copy);
        }
        c.node[0] = root;
        if (!root)
            add_error(&c, "cannot be read as JSON (out of memory?)");
        else if (check_structure(&c, root))
            check_root(&c, root);
    }

    /* Hand the kept lines over, with a last line for the rest. */
    errs->total = c.total;
    if (c.total > 0 && (errs->lines = calloc(c.nkept + 1, sizeof *errs->lines))) {
        for (size_t i = 0; i < c.nkept; i++) {
            errs->lines[errs->n++] = c.kept[i]->line;
            free(c.kept[i]);
        }
        if (c.total > c.nkept) {
            size_t need = strlen(c.file) + 64;
            char *line = malloc(need);
            if (line) {
                snprintf(line, need, "%s: ... and %zu more problems", c.file, c.total - c.nkept);
                errs->lines[errs->n++] = line;
            }
        }
    } else {
        for (size_t i = 0; i < c.nkept; i++) {
            free(c.kept[i]->line);
            free(c.kept[i]);
        }
    }
    if (c.total > 0) {
        cJSON_Delete(root);
        return -1;
    }
    if (def)
        *def = root;
    else
        cJSON_Delete(root);
    return 0;
}

void mg_survey_errors_free(struct mg_survey_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        free(errs->lines[i]);
    free(errs->lines);
    memset(errs, 0, sizeof *errs);
}
