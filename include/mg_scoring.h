/* mg_scoring.h: a response's item, area and index scores and levels.
 *
 * The rules are those of surveys/README.md, "Scoring": item scores 0-100
 * on the item's scale (reversed where marked; a choice item's right answer
 * 100, anything else 0), an area score is the mean of its answered items
 * and missing when fewer than half are answered, the maturity index is the
 * weighted mean of the individual areas present, and a level is the last
 * step whose threshold the rounded score reaches. Computed in full
 * precision; item, area and index scores are rounded once, at the end, to
 * three decimals.
 *
 * The definition must have passed the survey validator; answers are the
 * draft's {"item_key": "value"} strings: a scale value ("3"), an option key
 * of a choice item, or "dk" for don't know. */
#ifndef MG_SCORING_H
#define MG_SCORING_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

enum mg_answer_kind {
    MG_ANSWER_NONE,   /* not answered */
    MG_ANSWER_VALUE,  /* a point of the item's scale */
    MG_ANSWER_OPTION, /* an option of a choice item */
    MG_ANSWER_DK,     /* don't know / not relevant */
};

struct mg_item_score {
    const char *key, *area; /* borrowed from the definition */
    enum mg_answer_kind kind;
    int value;              /* MG_ANSWER_VALUE */
    const char *option;     /* MG_ANSWER_OPTION, borrowed */
    bool scored;            /* false when not answered or don't know on a scale */
    double score;           /* rounded, when scored */
};

struct mg_area_score {
    const char *key;        /* borrowed */
    bool individual;        /* scope "individual" */
    double weight;
    int items, answered;
    bool present;           /* at least half of the items answered */
    double score;           /* rounded, when present */
    const char *level;      /* borrowed level key, when present */
};

struct mg_score {
    size_t n_items, n_areas;
    struct mg_item_score *items;
    struct mg_area_score *areas;
    bool has_index;
    double index;           /* rounded, when has_index */
    const char *level;      /* of the index, when has_index */
};

/* Scores `answers` (a JSON object, may lack items) against `def`. Every
 * answer must name an item of the survey and hold a value it accepts;
 * otherwise returns -1 and writes which item and why to `err`. The
 * result borrows strings from `def` and `answers`: keep both alive while
 * it is used. Free with mg_score_free. */
int mg_score_compute(const struct cJSON *def, const struct cJSON *answers, struct mg_score *out,
                     char *err, size_t errlen);
void mg_score_free(struct mg_score *s);

/* The key of the level that `score` reaches in `def`'s staircase. */
const char *mg_score_level(const struct cJSON *def, double score);

/* Rounds to three decimals, half away from zero. */
double mg_score_round(double x);

/* The storage form of a scored response: the payload of
 * mg_store_response (sql/004_submit.sql). Returns a string to free, or
 * NULL when out of memory. */
char *mg_score_payload(const struct mg_score *s);

/* The item of `def` whose key is `key`, or NULL. */
const struct cJSON *mg_score_item(const struct cJSON *def, const char *key);

/* Whether `value` is an answer `item` of `def` accepts: a point of its
 * scale, one of its options, or "dk" where it offers "don't know". The
 * respondent's pages and the paper channel both check answers with it. */
bool mg_score_answer_valid(const struct cJSON *def, const struct cJSON *item, const char *value);

/* The item keys of `def` without an answer in `answers`, in survey order;
 * returns how many there are and stores up to `max` of them. */
size_t mg_score_unanswered(const struct cJSON *def, const struct cJSON *answers, const char **keys,
                           size_t max);

#endif
