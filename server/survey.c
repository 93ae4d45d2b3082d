/* survey.c: the survey-definition validator (the rules of surveys/README.md).
 *
 * Pure: bytes in, every problem out as "FILE: $.json.path: problem", in
 * document order. Bounded on any input: nesting is checked before cJSON
 * parses, and errors are capped. */
#include "mg_survey.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_form.h"

#define MAX_DEPTH 16

static const char *const langs[] = {"sv", "nb", "nn", "en"};
static const char *const services[] = {"e_signature", "secure_messaging", "digital_meetings", "strong_auth",
                                       "digital_mail"};

struct ctx {
    const char *file;
    struct mg_survey_errors *errs;
    char path[512];
    size_t plen;
    bool manager;
};

static void add_error(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_error(struct ctx *c, const char *fmt, ...)
{
    c->errs->total++;
    if (c->errs->n >= MG_SURVEY_MAX_ERRORS)
        return;
    char problem[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    size_t need = strlen(c->file) + c->plen + strlen(problem) + 8;
    char *line = malloc(need);
    char **grown = realloc(c->errs->lines, (c->errs->n + 1) * sizeof *grown);
    if (!line || !grown) {
        free(line);
        if (grown)
            c->errs->lines = grown;
        return;
    }
    c->errs->lines = grown;
    snprintf(line, need, "%s: %s: %s", c->file, c->path, problem);
    c->errs->lines[c->errs->n++] = line;
}

/* Path handling: push returns the old length to pop back to. */
static size_t push_field(struct ctx *c, const char *name)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof c->path - c->plen, ".%.60s", name);
    if (n > 0 && c->plen + (size_t)n < sizeof c->path)
        c->plen += (size_t)n;
    return old;
}

static size_t push_index(struct ctx *c, int i)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof c->path - c->plen, "[%d]", i);
    if (n > 0 && c->plen + (size_t)n < sizeof c->path)
        c->plen += (size_t)n;
    return old;
}

static void pop(struct ctx *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

/* A value for a message: quoted and cut to a sane length. */
static const char *shown(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);
    if (n + 3 <= len) {
        snprintf(buf, len, "\"%s\"", s);
    } else {
        /* Cut on a character boundary. */
        size_t cut = len > 8 ? len - 8 : 0;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
        snprintf(buf, len, "\"%.*s...\"", (int)cut, s);
    }
    return buf;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    return "null";
}

/* Checks that object `o` has only fields in `allowed` (NULL-terminated). */
static void only_fields(struct ctx *c, const cJSON *o, const char *const *allowed)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, o) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(f->string, *a) == 0;
        if (!ok) {
            char b[80];
            size_t old = push_field(c, f->string);
            add_error(c, "unknown field %s", shown(f->string, b, sizeof b));
            pop(c, old);
        }
    }
}

/* The field `name` of `o`; reports it missing when `required`. */
static const cJSON *field(struct ctx *c, const cJSON *o, const char *name, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v && required) {
        size_t old = push_field(c, name);
        add_error(c, "required field is missing");
        pop(c, old);
    }
    return v;
}

static bool is_key(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* Checks a key field; returns the key or NULL. */
static const char *check_key(struct ctx *c, const cJSON *o, const char *name, size_t max)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return NULL;
    size_t old = push_field(c, name);
    const char *out = NULL;
    char b[80];
    if (!cJSON_IsString(v))
        add_error(c, "must be a string, not %s", type_name(v));
    else if (!is_key(v->valuestring, max))
        add_error(c, "%s is not a key (a-z first, then a-z, 0-9 or _, at most %zu characters)",
                  shown(v->valuestring, b, sizeof b), max);
    else
        out = v->valuestring;
    pop(c, old);
    return out;
}

/* Checks one of a fixed set of strings; returns the index or -1. */
static int check_enum(struct ctx *c, const cJSON *o, const char *name, const char *const *values, size_t n,
                      const char *expected)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return -1;
    size_t old = push_field(c, name);
    int found = -1;
    char b[80];
    if (!cJSON_IsString(v)) {
        add_error(c, "must be a string, not %s", type_name(v));
    } else {
        for (size_t i = 0; i < n && found < 0; i++)
            if (strcmp(v->valuestring, values[i]) == 0)
                found = (int)i;
        if (found < 0)
            add_error(c, "%s is not %s", shown(v->valuestring, b, sizeof b), expected);
    }
    pop(c, old);
    return found;
}

static bool is_integer(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble) &&
           fabs(v->valuedouble) < 1e9;
}

static bool check_int(struct ctx *c, const cJSON *o, const char *name, int min, int *out)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return false;
    size_t old = push_field(c, name);
    bool ok = false;
    if (!is_integer(v))
        add_error(c, "must be an integer, not %s", cJSON_IsNumber(v) ? "a fraction" : type_name(v));
    else if (v->valuedouble < min)
        add_error(c, "must be at least %d", min);
    else {
        *out = (int)v->valuedouble;
        ok = true;
    }
    pop(c, old);
    return ok;
}

/* A text object: exactly sv, nb, nn, en, each a non-empty trimmed string. */
static void check_text_value(struct ctx *c, const cJSON *v)
{
    if (!cJSON_IsObject(v)) {
        add_error(c, "must be a text object with sv, nb, nn and en, not %s", type_name(v));
        return;
    }
    only_fields(c, v, (const char *const[]){"sv", "nb", "nn", "en", NULL});
    for (size_t i = 0; i < 4; i++) {
        const cJSON *t = field(c, v, langs[i], true);
        if (!t)
            continue;
        size_t old = push_field(c, langs[i]);
        size_t n = cJSON_IsString(t) ? strlen(t->valuestring) : 0;
        if (!cJSON_IsString(t))
            add_error(c, "must be a string, not %s", type_name(t));
        else if (n == 0)
            add_error(c, "must not be empty");
        else if (strchr(" \t\r\n", t->valuestring[0]) || strchr(" \t\r\n", t->valuestring[n - 1]))
            add_error(c, "has white space at the start or end");
        pop(c, old);
    }
}

static void check_text(struct ctx *c, const cJSON *o, const char *name, bool required)
{
    const cJSON *v = field(c, o, name, required);
    if (!v)
        return;
    size_t old = push_field(c, name);
    check_text_value(c, v);
    pop(c, old);
}

static bool check_bool(struct ctx *c, const cJSON *o, const char *name, bool required, bool *out)
{
    const cJSON *v = field(c, o, name, required);
    if (!v)
        return false;
    if (!cJSON_IsBool(v)) {
        size_t old = push_field(c, name);
        add_error(c, "must be true or false, not %s", type_name(v));
        pop(c, old);
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

static const cJSON *check_array(struct ctx *c, const cJSON *o, const char *name, int min, int max)
{
    const cJSON *v = field(c, o, name, true);
    if (!v)
        return NULL;
    size_t old = push_field(c, name);
    int n = cJSON_GetArraySize(v);
    const cJSON *out = NULL;
    if (!cJSON_IsArray(v))
        add_error(c, "must be an array, not %s", type_name(v));
    else if (n < min)
        add_error(c, "must have at least %d element%s", min, min == 1 ? "" : "s");
    else if (max > 0 && n > max)
        add_error(c, "must have at most %d elements", max);
    else
        out = v;
    pop(c, old);
    return out;
}

/* ---- scales ---------------------------------------------------------------- */

struct scale_info {
    int lowest;
    int values[8];
    int n;
    bool ok;
};

static const char *const scale_names[] = {"skill", "knowledge", "attitude", "frequency", NULL};
static const int scale_points[] = {4, 4, 5, 5};

static void check_scale(struct ctx *c, const cJSON *s, int which, struct scale_info *info)
{
    const char *fields_freq[] = {"points", "dont_know", "regular_from", NULL};
    const char *fields[] = {"points", "dont_know", NULL};
    if (!cJSON_IsObject(s)) {
        add_error(c, "must be an object, not %s", type_name(s));
        return;
    }
    bool freq = which == 3;
    only_fields(c, s, freq ? fields_freq : fields);
    check_text(c, s, "dont_know", true);
    const cJSON *points = field(c, s, "points", true);
    if (points) {
        size_t old = push_field(c, "points");
        if (!cJSON_IsArray(points)) {
            add_error(c, "must be an array, not %s", type_name(points));
        } else if (cJSON_GetArraySize(points) != scale_points[which]) {
            add_error(c, "the %s scale has %d points, not %d", scale_names[which], scale_points[which],
                      cJSON_GetArraySize(points));
        } else {
            info->ok = true;
            int i = 0;
            const cJSON *p;
            cJSON_ArrayForEach(p, points) {
                size_t o2 = push_index(c, i);
                if (!cJSON_IsObject(p)) {
                    add_error(c, "must be an object, not %s", type_name(p));
                    info->ok = false;
                } else {
                    only_fields(c, p, (const char *const[]){"value", "label", NULL});
                    int v;
                    if (check_int(c, p, "value", -1000000, &v)) {
                        if (i > 0 && info->ok && v <= info->values[i - 1]) {
                            size_t o3 = push_field(c, "value");
                            add_error(c, "values must increase: %d follows %d", v, info->values[i - 1]);
                            pop(c, o3);
                            info->ok = false;
                        }
                        info->values[i] = v;
                    } else {
                        info->ok = false;
                    }
                    check_text(c, p, "label", true);
                    /* No two labels alike in one language. */
                    const cJSON *label = cJSON_GetObjectItemCaseSensitive(p, "label");
                    for (int j = 0; j < i && cJSON_IsObject(label); j++) {
                        const cJSON *other = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, j),
                                                                              "label");
                        for (size_t l = 0; l < 4; l++) {
                            const cJSON *a = cJSON_GetObjectItemCaseSensitive(label, langs[l]);
                            const cJSON *b = cJSON_GetObjectItemCaseSensitive(other, langs[l]);
                            if (cJSON_IsString(a) && cJSON_IsString(b) && strcmp(a->valuestring, b->valuestring) == 0) {
                                size_t o3 = push_field(c, "label");
                                size_t o4 = push_field(c, langs[l]);
                                add_error(c, "the same label as point %d", j);
                                pop(c, o4);
                                pop(c, o3);
                            }
                        }
                    }
                }
                pop(c, o2);
                i++;
            }
            info->n = i;
            info->lowest = info->values[0];
        }
        pop(c, old);
    }
    if (freq) {
        int r;
        if (check_int(c, s, "regular_from", -1000000, &r) && info->ok) {
            bool found = false;
            for (int i = 0; i < info->n; i++)
                found |= info->values[i] == r;
            size_t old = push_field(c, "regular_from");
            if (!found)
                add_error(c, "%d is not a value of the scale", r);
            else if (r == info->lowest)
                add_error(c, "must be above the lowest value");
            pop(c, old);
        }
    }
}

/* ---- the whole file -------------------------------------------------------- */

struct names {
    const char *k[512];
    int n;
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
    if (s->n < (int)(sizeof s->k / sizeof s->k[0]))
        s->k[s->n++] = k;
}

static void check_levels(struct ctx *c, const cJSON *root, struct names *levels)
{
    const cJSON *arr = check_array(c, root, "levels", 1, 20);
    if (!arr)
        return;
    size_t old = push_field(c, "levels");
    int i = 0;
    double prev = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, arr) {
        size_t o2 = push_index(c, i);
        if (!cJSON_IsObject(l)) {
            add_error(c, "must be an object, not %s", type_name(l));
        } else {
            only_fields(c, l, (const char *const[]){"key", "from", "name", "description", NULL});
            const char *k = check_key(c, l, "key", 40);
            char b[80];
            if (k && names_has(levels, k)) {
                size_t o3 = push_field(c, "key");
                add_error(c, "level %s is defined twice", shown(k, b, sizeof b));
                pop(c, o3);
            } else if (k) {
                names_add(levels, k);
            }
            const cJSON *from = field(c, l, "from", true);
            if (from) {
                size_t o3 = push_field(c, "from");
                if (!cJSON_IsNumber(from) || !isfinite(from->valuedouble))
                    add_error(c, "must be a number, not %s", type_name(from));
                else if (i == 0 && from->valuedouble != 0)
                    add_error(c, "the first level must start from 0");
                else if (i > 0 && from->valuedouble <= prev)
                    add_error(c, "thresholds must increase: %g follows %g", from->valuedouble, prev);
                else if (from->valuedouble >= 100)
                    add_error(c, "must be below 100");
                if (cJSON_IsNumber(from))
                    prev = from->valuedouble;
                pop(c, o3);
            }
            check_text(c, l, "name", true);
            check_text(c, l, "description", true);
        }
        pop(c, o2);
        i++;
    }
    pop(c, old);
}

struct area_seen {
    const char *key;
    bool individual;
    int items;
    int index;
};

static void check_suggestions(struct ctx *c, const cJSON *a, const struct names *levels)
{
    const cJSON *s = field(c, a, "suggestions", true);
    if (!s)
        return;
    size_t old = push_field(c, "suggestions");
    if (!cJSON_IsObject(s)) {
        add_error(c, "must be an object with one field per level, not %s", type_name(s));
        pop(c, old);
        return;
    }
    const cJSON *f;
    char b[80];
    cJSON_ArrayForEach(f, s) {
        size_t o2 = push_field(c, f->string);
        if (!names_has(levels, f->string)) {
            add_error(c, "%s is not a level", shown(f->string, b, sizeof b));
        } else if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) < 1 || cJSON_GetArraySize(f) > 3) {
            add_error(c, "must be an array of 1 to 3 texts");
        } else {
            int i = 0;
            const cJSON *t;
            cJSON_ArrayForEach(t, f) {
                size_t o3 = push_index(c, i++);
                check_text_value(c, t);
                pop(c, o3);
            }
        }
        pop(c, o2);
    }
    for (int i = 0; i < levels->n; i++)
        if (!cJSON_GetObjectItemCaseSensitive(s, levels->k[i]))
            add_error(c, "no suggestions for level %s", shown(levels->k[i], b, sizeof b));
    pop(c, old);
}

static int check_areas(struct ctx *c, const cJSON *root, const struct names *levels, struct area_seen *seen,
                       int max)
{
    const cJSON *arr = check_array(c, root, "areas", 1, max);
    if (!arr)
        return 0;
    size_t old = push_field(c, "areas");
    int i = 0, n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, arr) {
        size_t o2 = push_index(c, i);
        if (!cJSON_IsObject(a)) {
            add_error(c, "must be an object, not %s", type_name(a));
        } else {
            only_fields(c, a, (const char *const[]){"key", "scope", "weight", "name", "description", "suggestions",
                                                    NULL});
            const char *k = check_key(c, a, "key", 40);
            char b[80];
            bool dup = false;
            for (int j = 0; k && j < n; j++)
                dup |= strcmp(seen[j].key, k) == 0;
            if (dup) {
                size_t o3 = push_field(c, "key");
                add_error(c, "area %s is defined twice", shown(k, b, sizeof b));
                pop(c, o3);
            }
            int scope = check_enum(c, a, "scope", (const char *const[]){"individual", "organisation"}, 2,
                                   "\"individual\" or \"organisation\"");
            if (scope == 1 && !c->manager) {
                size_t o3 = push_field(c, "scope");
                add_error(c, "organisation areas are for manager surveys only");
                pop(c, o3);
            }
            const cJSON *w = field(c, a, "weight", true);
            if (w && (!cJSON_IsNumber(w) || !isfinite(w->valuedouble) || w->valuedouble <= 0)) {
                size_t o3 = push_field(c, "weight");
                add_error(c, "must be a number above 0");
                pop(c, o3);
            }
            check_text(c, a, "name", true);
            check_text(c, a, "description", true);
            check_suggestions(c, a, levels);
            if (k && !dup)
                seen[n++] = (struct area_seen){k, scope == 0, 0, i};
        }
        pop(c, o2);
        i++;
    }
    pop(c, old);
    return n;
}

static void check_items(struct ctx *c, const cJSON *root, struct area_seen *areas, int nareas,
                        const struct scale_info *scales)
{
    const cJSON *arr = check_array(c, root, "items", 1, 500);
    if (!arr)
        return;
    size_t old = push_field(c, "items");
    struct names keys = {0}, used_services = {0};
    const char *types[] = {"likert", "frequency", "choice"};
    const char *kinds[] = {"skill", "knowledge", "attitude"};
    int i = 0;
    const cJSON *it;
    char b[80];
    cJSON_ArrayForEach(it, arr) {
        size_t o2 = push_index(c, i++);
        if (!cJSON_IsObject(it)) {
            add_error(c, "must be an object, not %s", type_name(it));
            pop(c, o2);
            continue;
        }
        int type = check_enum(c, it, "type", types, 3, "\"likert\", \"frequency\" or \"choice\"");
        static const char *const likert_f[] = {"key", "area", "type", "kind", "text", "help", "dont_know",
                                               "reverse", "scale", NULL};
        static const char *const freq_f[] = {"key", "area", "type", "kind", "text", "help", "dont_know",
                                             "scale", "service", NULL};
        static const char *const choice_f[] = {"key", "area", "type", "kind", "text", "help", "dont_know",
                                               "options", "correct", NULL};
        const char *const *allowed = type == 1 ? freq_f : type == 2 ? choice_f : likert_f;
        if (type < 0) {
            static const char *const any_f[] = {"key", "area", "type", "kind", "text", "help", "dont_know",
                                                "reverse", "scale", "service", "options", "correct", NULL};
            only_fields(c, it, any_f);
        } else {
            /* Fields of another type say so, not just "unknown". */
            const cJSON *f;
            cJSON_ArrayForEach(f, it) {
                bool ok = false;
                for (const char *const *a = allowed; *a && !ok; a++)
                    ok = strcmp(f->string, *a) == 0;
                if (ok)
                    continue;
                size_t o3 = push_field(c, f->string);
                if (strcmp(f->string, "reverse") == 0)
                    add_error(c, "only likert items can be reversed");
                else if (!strcmp(f->string, "scale") || !strcmp(f->string, "service") ||
                         !strcmp(f->string, "options") || !strcmp(f->string, "correct"))
                    add_error(c, "not a field of %s items", types[type]);
                else
                    add_error(c, "unknown field %s", shown(f->string, b, sizeof b));
                pop(c, o3);
            }
        }
        const char *key = check_key(c, it, "key", 64);
        if (key && names_has(&keys, key)) {
            size_t o3 = push_field(c, "key");
            add_error(c, "item %s is defined twice", shown(key, b, sizeof b));
            pop(c, o3);
        } else if (key) {
            names_add(&keys, key);
        }
        const char *area = check_key(c, it, "area", 40);
        if (area) {
            bool found = false;
            for (int j = 0; j < nareas; j++)
                if (strcmp(areas[j].key, area) == 0) {
                    areas[j].items++;
                    found = true;
                }
            if (!found) {
                size_t o3 = push_field(c, "area");
                add_error(c, "unknown area %s", shown(area, b, sizeof b));
                pop(c, o3);
            }
        }
        int kind = check_enum(c, it, "kind", kinds, 3, "\"skill\", \"knowledge\" or \"attitude\"");
        check_text(c, it, "text", true);
        check_text(c, it, "help", false);
        bool dk = false, rev = false;
        check_bool(c, it, "dont_know", true, &dk);
        check_bool(c, it, "reverse", false, &rev);
        if (type == 0) {
            const cJSON *scale = field(c, it, "scale", true);
            if (scale) {
                size_t o3 = push_field(c, "scale");
                if (!cJSON_IsString(scale))
                    add_error(c, "must be a string, not %s", type_name(scale));
                else if (kind >= 0 && strcmp(scale->valuestring, kinds[kind]) != 0)
                    add_error(c, "a %s statement uses the %s scale, not %s", kinds[kind], kinds[kind],
                              shown(scale->valuestring, b, sizeof b));
                pop(c, o3);
            }
            if (kind == 1 && dk) {
                size_t o3 = push_field(c, "dont_know");
                add_error(c, "must be false for a knowledge statement: its lowest point already says so");
                pop(c, o3);
            }
        } else if (type == 1) {
            if (kind >= 0 && kind != 0) {
                size_t o3 = push_field(c, "kind");
                add_error(c, "frequency items are of kind \"skill\"");
                pop(c, o3);
            }
            const cJSON *scale = field(c, it, "scale", true);
            if (scale && (!cJSON_IsString(scale) || strcmp(scale->valuestring, "frequency") != 0)) {
                size_t o3 = push_field(c, "scale");
                add_error(c, "frequency items use the frequency scale");
                pop(c, o3);
            }
            int svc = check_enum(c, it, "service", services, 5,
                                 "a base service (e_signature, secure_messaging, digital_meetings, strong_auth, "
                                 "digital_mail)");
            if (svc >= 0 && names_has(&used_services, services[svc])) {
                size_t o3 = push_field(c, "service");
                add_error(c, "service \"%s\" is asked twice", services[svc]);
                pop(c, o3);
            } else if (svc >= 0) {
                names_add(&used_services, services[svc]);
            }
            (void)scales;
        } else if (type == 2) {
            if (kind >= 0 && kind != 1) {
                size_t o3 = push_field(c, "kind");
                add_error(c, "choice items are of kind \"knowledge\"");
                pop(c, o3);
            }
            const cJSON *opts = check_array(c, it, "options", 3, 4);
            struct names okeys = {0};
            if (opts) {
                size_t o3 = push_field(c, "options");
                int j = 0;
                const cJSON *o;
                cJSON_ArrayForEach(o, opts) {
                    size_t o4 = push_index(c, j++);
                    if (!cJSON_IsObject(o)) {
                        add_error(c, "must be an object, not %s", type_name(o));
                    } else {
                        only_fields(c, o, (const char *const[]){"key", "label", NULL});
                        const char *ok = check_key(c, o, "key", 64);
                        if (ok && (names_has(&okeys, ok) || strcmp(ok, "dk") == 0)) {
                            size_t o5 = push_field(c, "key");
                            add_error(c, strcmp(ok, "dk") == 0 ? "\"dk\" is reserved for don't know"
                                                               : "option %s is defined twice",
                                      shown(ok, b, sizeof b));
                            pop(c, o5);
                        } else if (ok) {
                            names_add(&okeys, ok);
                        }
                        check_text(c, o, "label", true);
                    }
                    pop(c, o4);
                }
                pop(c, o3);
            }
            const cJSON *correct = field(c, it, "correct", true);
            if (correct) {
                size_t o3 = push_field(c, "correct");
                if (!cJSON_IsString(correct))
                    add_error(c, "must be a string, not %s", type_name(correct));
                else if (opts && !names_has(&okeys, correct->valuestring))
                    add_error(c, "%s is not one of the options", shown(correct->valuestring, b, sizeof b));
                pop(c, o3);
            }
        }
        pop(c, o2);
    }
    pop(c, old);
}

static void check_root(struct ctx *c, const cJSON *root)
{
    if (!cJSON_IsObject(root)) {
        add_error(c, "a survey is an object, not %s", type_name(root));
        return;
    }
    only_fields(c, root, (const char *const[]){"key", "version", "audience", "languages", "title", "intro",
                                               "minutes", "scales", "levels", "areas", "items", NULL});
    check_key(c, root, "key", 40);
    int n;
    check_int(c, root, "version", 1, &n);
    int audience = check_enum(c, root, "audience", (const char *const[]){"staff", "manager"}, 2,
                              "\"staff\" or \"manager\"");
    c->manager = audience == 1;
    const cJSON *ls = check_array(c, root, "languages", 4, 4);
    if (ls) {
        size_t old = push_field(c, "languages");
        bool have[4] = {false};
        int i = 0;
        const cJSON *l;
        char b[80];
        cJSON_ArrayForEach(l, ls) {
            size_t o2 = push_index(c, i++);
            int which = -1;
            for (int j = 0; j < 4 && cJSON_IsString(l); j++)
                if (strcmp(l->valuestring, langs[j]) == 0)
                    which = j;
            if (which < 0)
                add_error(c, "%s is not sv, nb, nn or en",
                          cJSON_IsString(l) ? shown(l->valuestring, b, sizeof b) : type_name(l));
            else if (have[which])
                add_error(c, "\"%s\" is listed twice", langs[which]);
            else
                have[which] = true;
            pop(c, o2);
        }
        pop(c, old);
    }
    check_text(c, root, "title", true);
    check_text(c, root, "intro", true);
    check_int(c, root, "minutes", 1, &n);

    struct scale_info scales[4];
    memset(scales, 0, sizeof scales);
    const cJSON *sc = field(c, root, "scales", true);
    if (sc) {
        size_t old = push_field(c, "scales");
        if (!cJSON_IsObject(sc)) {
            add_error(c, "must be an object, not %s", type_name(sc));
        } else {
            only_fields(c, sc, scale_names);
            for (int i = 0; i < 4; i++) {
                const cJSON *s = field(c, sc, scale_names[i], true);
                if (!s)
                    continue;
                size_t o2 = push_field(c, scale_names[i]);
                check_scale(c, s, i, &scales[i]);
                pop(c, o2);
            }
        }
        pop(c, old);
    }

    struct names levels = {0};
    check_levels(c, root, &levels);
    struct area_seen areas[64];
    int nareas = check_areas(c, root, &levels, areas, 64);
    check_items(c, root, areas, nareas, scales);

    bool individual = false;
    for (int i = 0; i < nareas; i++) {
        individual |= areas[i].individual;
        if (areas[i].items == 0) {
            size_t old = push_field(c, "areas");
            size_t o2 = push_index(c, areas[i].index);
            add_error(c, "area \"%s\" has no items", areas[i].key);
            pop(c, o2);
            pop(c, old);
        }
    }
    if (nareas > 0 && !individual) {
        size_t old = push_field(c, "areas");
        add_error(c, "at least one area must be of scope \"individual\"");
        pop(c, old);
    }
}

/* Duplicate fields at any depth (cJSON keeps both as siblings). */
static void check_duplicates(struct ctx *c, const cJSON *v)
{
    if (cJSON_IsObject(v)) {
        if (cJSON_GetArraySize(v) > 1000) {
            add_error(c, "has more than 1000 fields");
            return;
        }
        const cJSON *f;
        cJSON_ArrayForEach(f, v) {
            for (const cJSON *g = v->child; g != f; g = g->next) {
                if (strcmp(g->string, f->string) == 0) {
                    char b[80];
                    add_error(c, "field %s appears more than once", shown(f->string, b, sizeof b));
                    break;
                }
            }
            size_t old = push_field(c, f->string);
            check_duplicates(c, f);
            pop(c, old);
        }
    } else if (cJSON_IsArray(v)) {
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            size_t old = push_index(c, i++);
            check_duplicates(c, e);
            pop(c, old);
        }
    }
}

/* The deepest nesting of brackets outside strings; stops counting early. */
static int nesting(const char *s, size_t len)
{
    int depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > max)
                max = depth;
            if (max > MAX_DEPTH)
                return max;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return max;
}

int mg_survey_check(const char *file, const char *data, size_t len, struct mg_survey_errors *errs, cJSON **def)
{
    struct ctx c = {.file = file, .errs = errs, .path = "$", .plen = 1};
    memset(errs, 0, sizeof *errs);
    if (def)
        *def = NULL;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        add_error(&c, "the file starts with a byte order mark; save it as UTF-8 without one");
        return -1;
    }
    if (memchr(data, '\0', len) || !mg_utf8_valid(data, len)) {
        add_error(&c, "the file is not valid UTF-8 text");
        return -1;
    }
    if (nesting(data, len) > MAX_DEPTH) {
        add_error(&c, "nested deeper than %d levels", MAX_DEPTH);
        return -1;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
    if (!root) {
        size_t at = end && end >= data ? (size_t)(end - data) : 0;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at && i < len; i++) {
            if (data[i] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
                col++;
            }
        }
        add_error(&c, "not valid JSON (at line %zu, column %zu)", line, col);
        return -1;
    }
    /* Only white space may follow the value. */
    for (const char *p = end; p && p < data + len; p++) {
        if (!strchr(" \t\r\n", *p)) {
            add_error(&c, "text follows the JSON value");
            cJSON_Delete(root);
            return -1;
        }
    }
    check_duplicates(&c, root);
    check_root(&c, root);
    if (errs->total > 0) {
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
