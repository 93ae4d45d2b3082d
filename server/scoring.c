/* scoring.c: item, area and index scores of one response (surveys/README.md). */
#include "mg_scoring.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool bool_of(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

double mg_score_round(double x)
{
    /* Scores are ratios of small integers, so a true tie at the third
     * decimal can land a hair below .5 in binary; the nudge (far below any
     * real difference between two scores) puts it back on its side. */
    double scaled = x * 1000.0;
    return round(scaled + copysign(1e-6, scaled)) / 1000.0;
}

const char *mg_score_level(const cJSON *def, double score)
{
    const char *level = NULL;
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(def, "levels")) {
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(l, "from");
        if (cJSON_IsNumber(from) && score >= from->valuedouble)
            level = str_of(l, "key");
    }
    return level ? level : "";
}

/* The lowest and highest value of the item's scale. */
static bool scale_range(const cJSON *def, const cJSON *item, int *lo, int *hi, const cJSON **points)
{
    const cJSON *scales = cJSON_GetObjectItemCaseSensitive(def, "scales");
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(scales, str_of(item, "scale"));
    *points = cJSON_GetObjectItemCaseSensitive(scale, "points");
    int n = cJSON_GetArraySize(*points);
    if (n < 2)
        return false;
    *lo = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(*points, 0), "value")->valueint;
    *hi = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(*points, n - 1), "value")->valueint;
    return *hi > *lo;
}

/* Reads one answer into `is`; false (with `err`) when it does not fit. */
static bool read_answer(const cJSON *def, const cJSON *item, const char *v, struct mg_item_score *is,
                        double *raw, char *err, size_t errlen)
{
    bool choice = strcmp(str_of(item, "type"), "choice") == 0;
    if (strcmp(v, "dk") == 0) {
        if (!bool_of(item, "dont_know")) {
            snprintf(err, errlen, "%s: \"don't know\" is not an answer to this item", is->key);
            return false;
        }
        is->kind = MG_ANSWER_DK;
        /* Not knowing a knowledge question's answer is not knowing it. */
        is->scored = choice;
        *raw = 0;
        return true;
    }
    if (choice) {
        const cJSON *opt;
        cJSON_ArrayForEach(opt, cJSON_GetObjectItemCaseSensitive(item, "options")) {
            if (strcmp(str_of(opt, "key"), v) == 0) {
                is->kind = MG_ANSWER_OPTION;
                is->option = str_of(opt, "key");
                is->scored = true;
                *raw = strcmp(v, str_of(item, "correct")) == 0 ? 100.0 : 0.0;
                return true;
            }
        }
        snprintf(err, errlen, "%s: \"%.40s\" is not one of the item's options", is->key, v);
        return false;
    }
    int lo, hi;
    const cJSON *points, *pt;
    if (!scale_range(def, item, &lo, &hi, &points)) {
        snprintf(err, errlen, "%s: the item has no usable scale", is->key);
        return false;
    }
    char *end;
    long value = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || value < lo || value > hi)
        goto bad;
    cJSON_ArrayForEach(pt, points) {
        if (cJSON_GetObjectItemCaseSensitive(pt, "value")->valueint == value) {
            is->kind = MG_ANSWER_VALUE;
            is->value = (int)value;
            is->scored = true;
            *raw = 100.0 * (double)(value - lo) / (double)(hi - lo);
            if (bool_of(item, "reverse"))
                *raw = 100.0 - *raw;
            return true;
        }
    }
bad:
    snprintf(err, errlen, "%s: \"%.40s\" is not a point of the item's scale", is->key, v);
    return false;
}

int mg_score_compute(const cJSON *def, const cJSON *answers, struct mg_score *out, char *err,
                     size_t errlen)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(def, "items");
    const cJSON *areas = cJSON_GetObjectItemCaseSensitive(def, "areas");
    const cJSON *a, *item;

    memset(out, 0, sizeof *out);
    err[0] = '\0';
    /* Only an object has keys; an array's elements have none (NULL). */
    if (answers && !cJSON_IsObject(answers)) {
        snprintf(err, errlen, "the answers must be a JSON object");
        return -1;
    }
    /* Every answer must belong to an item of this survey. */
    cJSON_ArrayForEach(a, answers) {
        bool known = false;
        cJSON_ArrayForEach(item, items) if (strcmp(str_of(item, "key"), a->string) == 0) known = true;
        if (!known) {
            snprintf(err, errlen, "%.64s: not an item of this survey", a->string);
            return -1;
        }
        if (!cJSON_IsString(a)) {
            snprintf(err, errlen, "%.64s: the answer must be a string", a->string);
            return -1;
        }
    }

    out->n_items = (size_t)cJSON_GetArraySize(items);
    out->n_areas = (size_t)cJSON_GetArraySize(areas);
    out->items = calloc(out->n_items ? out->n_items : 1, sizeof *out->items);
    out->areas = calloc(out->n_areas ? out->n_areas : 1, sizeof *out->areas);
    double *raw = calloc(out->n_items ? out->n_items : 1, sizeof *raw);
    double *area_raw = calloc(out->n_areas ? out->n_areas : 1, sizeof *area_raw);
    if (!out->items || !out->areas || !raw || !area_raw) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    size_t i = 0;
    cJSON_ArrayForEach(item, items) {
        struct mg_item_score *is = &out->items[i];
        is->key = str_of(item, "key");
        is->area = str_of(item, "area");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(answers, is->key);
        if (v && !read_answer(def, item, v->valuestring, is, &raw[i], err, errlen))
            goto fail;
        if (is->scored)
            is->score = mg_score_round(raw[i]);
        i++;
    }

    size_t j = 0;
    double wsum = 0, wtotal = 0;
    cJSON_ArrayForEach(a, areas) {
        struct mg_area_score *as = &out->areas[j];
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(a, "weight");
        as->key = str_of(a, "key");
        as->individual = strcmp(str_of(a, "scope"), "individual") == 0;
        as->weight = cJSON_IsNumber(w) ? w->valuedouble : 1.0;
        double sum = 0;
        for (i = 0; i < out->n_items; i++) {
            if (strcmp(out->items[i].area, as->key) != 0)
                continue;
            as->items++;
            if (out->items[i].scored) {
                as->answered++;
                sum += raw[i];
            }
        }
        /* Missing when fewer than half of the items are answered. */
        as->present = as->answered > 0 && 2 * as->answered >= as->items;
        if (as->present) {
            area_raw[j] = sum / as->answered;
            as->score = mg_score_round(area_raw[j]);
            as->level = mg_score_level(def, as->score);
            if (as->individual) {
                wsum += as->weight * area_raw[j];
                wtotal += as->weight;
            }
        }
        j++;
    }
    if (wtotal > 0) {
        out->has_index = true;
        out->index = mg_score_round(wsum / wtotal);
        out->level = mg_score_level(def, out->index);
    }
    free(raw);
    free(area_raw);
    return 0;

fail:
    free(raw);
    free(area_raw);
    mg_score_free(out);
    return -1;
}

void mg_score_free(struct mg_score *s)
{
    free(s->items);
    free(s->areas);
    memset(s, 0, sizeof *s);
}

const cJSON *mg_score_item(const cJSON *def, const char *key)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(def, "items"))
        if (key && strcmp(str_of(item, "key"), key) == 0)
            return item;
    return NULL;
}

bool mg_score_answer_valid(const cJSON *def, const cJSON *item, const char *value)
{
    if (strcmp(value, "dk") == 0)
        return bool_of(item, "dont_know");
    if (strcmp(str_of(item, "type"), "choice") == 0) {
        const cJSON *opt;
        cJSON_ArrayForEach(opt, cJSON_GetObjectItemCaseSensitive(item, "options"))
            if (strcmp(str_of(opt, "key"), value) == 0)
                return true;
        return false;
    }
    const cJSON *scales = cJSON_GetObjectItemCaseSensitive(def, "scales");
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(scales, str_of(item, "scale"));
    const cJSON *pt;
    cJSON_ArrayForEach(pt, cJSON_GetObjectItemCaseSensitive(scale, "points")) {
        char v[16];
        snprintf(v, sizeof v, "%d", cJSON_GetObjectItemCaseSensitive(pt, "value")->valueint);
        if (strcmp(v, value) == 0)
            return true;
    }
    return false;
}

size_t mg_score_unanswered(const cJSON *def, const cJSON *answers, const char **keys, size_t max)
{
    size_t n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(def, "items")) {
        const char *key = str_of(item, "key");
        if (cJSON_GetObjectItemCaseSensitive(answers, key))
            continue;
        if (n < max)
            keys[n] = key;
        n++;
    }
    return n;
}

char *mg_score_payload(const struct mg_score *s)
{
    cJSON *p = cJSON_CreateObject();
    if (s->has_index) {
        cJSON_AddNumberToObject(p, "index", s->index);
        cJSON_AddStringToObject(p, "level", s->level);
    } else {
        cJSON_AddNullToObject(p, "index");
        cJSON_AddNullToObject(p, "level");
    }
    cJSON *answers = cJSON_AddArrayToObject(p, "answers");
    for (size_t i = 0; i < s->n_items; i++) {
        const struct mg_item_score *is = &s->items[i];
        if (is->kind == MG_ANSWER_NONE)
            continue;
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "item", is->key);
        if (is->kind == MG_ANSWER_VALUE)
            cJSON_AddNumberToObject(a, "value", is->value);
        else if (is->kind == MG_ANSWER_OPTION)
            cJSON_AddStringToObject(a, "option", is->option);
        else
            cJSON_AddTrueToObject(a, "dk");
        if (is->scored)
            cJSON_AddNumberToObject(a, "score", is->score);
        else
            cJSON_AddNullToObject(a, "score");
        cJSON_AddItemToArray(answers, a);
    }
    cJSON *areas = cJSON_AddArrayToObject(p, "areas");
    for (size_t i = 0; i < s->n_areas; i++) {
        const struct mg_area_score *as = &s->areas[i];
        if (!as->present)
            continue;
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "area", as->key);
        cJSON_AddNumberToObject(a, "score", as->score);
        cJSON_AddStringToObject(a, "level", as->level);
        cJSON_AddItemToArray(areas, a);
    }
    char *text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    return text;
}
