/* fuzz_json.c: request bodies as the dispatcher parses them
 * (mg_json_parse_body), read the way the API handlers read them
 * (mg_json_*), and answers objects scored (mg_score_compute) against the
 * real surveys/staff.json, loaded and validated once at start.
 *
 * The survey file is $MOGNAD_FUZZ_SURVEY, or surveys/staff.json of the
 * source tree the target was built from. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_json.h"
#include "mg_scoring.h"
#include "mg_survey.h"

#ifndef MG_FUZZ_SURVEY
#define MG_FUZZ_SURVEY "surveys/staff.json"
#endif
#define FUZZ_MAX_JSON_DEPTH 32 /* MG_HTTP_MAX_JSON_DEPTH in server/http.c */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *staff;

/* The whole file at `path`, or NULL. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = getenv("MOGNAD_FUZZ_SURVEY");
    struct mg_survey_errors errs = {0};
    size_t len;
    char *text;

    (void)argc, (void)argv;
    if (!path)
        path = MG_FUZZ_SURVEY;
    text = read_file(path, &len);
    if (!text || mg_survey_check(path, text, len, &errs, &staff) != 0) {
        fprintf(stderr, "fuzz_json: cannot load the survey %s\n", path);
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.lines[i]);
        exit(1);
    }
    mg_survey_errors_free(&errs);
    free(text);
    return 0;
}

/* What the API handlers do with a body: api_rounds.c (read_spec, open,
 * close, series), api_session.c (login). */
static void read_like_handlers(const cJSON *json)
{
    static const char *const round_fields[] = {"name", "opens", "closes", "mode", "language", "unit",
                                               "staff_survey", "manager_survey", "k", NULL};
    static const char *const open_fields[] = {"reopen", "closes", NULL};
    static const char *const series_fields[] = {"name", "every", "duration", "template",
                                                "pseudonym_retention", "response_retention", NULL};
    static const char *const login_fields[] = {"login", "password", NULL};
    static const char *const none[] = {NULL};
    const char *s;
    long l;
    bool b, present;

    (void)mg_json_unknown_field(json, round_fields);
    (void)mg_json_unknown_field(json, open_fields);
    (void)mg_json_unknown_field(json, series_fields);
    (void)mg_json_unknown_field(json, login_fields);
    (void)mg_json_unknown_field(json, none);
    for (const char *const *f = round_fields; *f; f++)
        if (mg_json_string(json, *f, &s) == 0 && s && strlen(s) > (size_t)1 << 30)
            abort();
    if (mg_json_int(json, "k", 3, 1000, &l, &present) == 0 && present && (l < 3 || l > 1000))
        abort();
    if (mg_json_int(json, "template", 1, 1L << 53, &l, &present) == 0 && present &&
        (l < 1 || l > 1L << 53))
        abort();
    (void)mg_json_bool(json, "reopen", &b);
}

static void score(const cJSON *answers)
{
    struct mg_score sc;
    char err[256];
    const char *keys[16];

    if (mg_score_compute(staff, answers, &sc, err, sizeof err) == 0) {
        if (sc.has_index && (sc.index < 0.0 || sc.index > 100.0 || !sc.level))
            abort();
        for (size_t i = 0; i < sc.n_areas; i++)
            if (sc.areas[i].present && (sc.areas[i].score < 0.0 || sc.areas[i].score > 100.0))
                abort();
        free(mg_score_payload(&sc));
        mg_score_free(&sc);
    } else if (strnlen(err, sizeof err) == sizeof err) {
        abort();
    }
    (void)mg_score_unanswered(staff, answers, keys, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The dispatcher hands over a NUL-terminated body. */
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';

    cJSON *json = mg_json_parse_body(body, size, FUZZ_MAX_JSON_DEPTH);
    if (json) {
        read_like_handlers(json);
        score(json); /* the body as an answers object */
        /* and as a draft, {"answers": {...}}, as respond.c keeps it */
        score(cJSON_GetObjectItemCaseSensitive(json, "answers"));
        cJSON_Delete(json);
    }
    free(body);
    return 0;
}
