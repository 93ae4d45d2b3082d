/* gen_pool.c: a pool of distinct generated responses to one survey, each
 * scored by the real scoring code (server/scoring.c), written as COPY text
 * for the benchmark's data generator (tests/bench/gen.sql replicates them).
 *
 *   gen_pool SURVEY.json ROLE N SEED FIRST_PID
 *
 * One line per response: pid, role, the answers as the draft holds them
 * ({"item": "value"}), and the payload mg_store_response takes
 * (mg_score_payload). Answers follow demo.c's model: a person's level,
 * an area offset and noise, mapped onto each item's scale. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_scoring.h"

static uint64_t rs;

static uint64_t rnext(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 0x2545F4914F6CDD1DULL;
}

static double runif(void) { return (double)(rnext() >> 11) * 0x1.0p-53; }

static double rnorm(void)
{
    double u = runif(), v = runif();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

static const char *str(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static cJSON *make_answers(const cJSON *def, double level, double *area_off, const cJSON *areas)
{
    cJSON *answers = cJSON_CreateObject(), *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(def, "items")) {
        const char *key = str(item, "key"), *type = str(item, "type"), *area = str(item, "area");
        if (!key || !type || !area)
            continue;
        double off = 0;
        int ai = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, areas) {
            if (str(a, "key") && strcmp(str(a, "key"), area) == 0)
                off = area_off[ai];
            ai++;
        }
        double s = 50.0 + level + off + 15.0 * rnorm();
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "dont_know")) && runif() < 0.04) {
            cJSON_AddStringToObject(answers, key, "dk");
            continue;
        }
        if (strcmp(type, "choice") == 0) {
            const cJSON *options = cJSON_GetObjectItemCaseSensitive(item, "options");
            int n = cJSON_GetArraySize(options);
            const char *pick = str(item, "correct");
            if (n > 1 && runif() > 0.1 + 0.85 * clamp01(s / 100.0))
                pick = str(cJSON_GetArrayItem(options, (int)(rnext() % (uint64_t)n)), "key");
            if (pick)
                cJSON_AddStringToObject(answers, key, pick);
            continue;
        }
        const cJSON *scale = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(def, "scales"),
                                                              str(item, "scale"));
        const cJSON *points = cJSON_GetObjectItemCaseSensitive(scale, "points");
        int n = cJSON_GetArraySize(points);
        if (n < 2)
            continue;
        int i = (int)lround(clamp01(s / 100.0) * (n - 1));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "reverse")))
            i = n - 1 - i;
        char v[24];
        snprintf(v, sizeof v, "%d", cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, i), "value")->valueint);
        cJSON_AddStringToObject(answers, key, v);
    }
    return answers;
}

/* COPY text: backslash, tab and newline escaped. */
static void copy_field(const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", stdout);
        else if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else
            putchar(*s);
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: gen_pool SURVEY.json ROLE N SEED FIRST_PID\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char buf[4 << 20];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    cJSON *def = cJSON_Parse(buf);
    if (!def) {
        fprintf(stderr, "gen_pool: %s is not JSON\n", argv[1]);
        return 1;
    }
    long n = strtol(argv[3], NULL, 10), first = strtol(argv[5], NULL, 10);
    rs = strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
    const cJSON *areas = cJSON_GetObjectItemCaseSensitive(def, "areas");
    int na = cJSON_GetArraySize(areas);
    double *area_off = calloc((size_t)na + 1, sizeof *area_off);
    for (int i = 0; i < na; i++)
        area_off[i] = 10.0 * rnorm(); /* where each area stands */
    for (long k = 0; k < n; k++) {
        double level = 14.0 * rnorm();
        cJSON *answers = make_answers(def, level, area_off, areas);
        struct mg_score sc;
        char err[256];
        if (mg_score_compute(def, answers, &sc, err, sizeof err) != 0) {
            fprintf(stderr, "gen_pool: a generated response did not score: %s\n", err);
            return 1;
        }
        char *payload = mg_score_payload(&sc);
        char *ans = cJSON_PrintUnformatted(answers);
        if (!payload || !ans)
            return 1;
        printf("%ld\t%s\t", first + k, argv[2]);
        copy_field(ans);
        putchar('\t');
        copy_field(payload);
        putchar('\n');
        free(payload);
        free(ans);
        mg_score_free(&sc);
        cJSON_Delete(answers);
    }
    free(area_off);
    cJSON_Delete(def);
    return fflush(stdout) == 0 ? 0 : 1;
}
