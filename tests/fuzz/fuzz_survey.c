/* fuzz_survey.c: the survey validator (mg_survey_check) on arbitrary bytes,
 * and the scoring of an empty response for every definition it accepts. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_scoring.h"
#include "mg_survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_survey_errors errs = {0};
    cJSON *def = NULL;
    /* libFuzzer's buffer is exactly `size` bytes: ASan catches any read past
     * the end, which the validator promises never to do. */
    int rc = mg_survey_check("fuzz.json", (const char *)data, size, &errs, &def);

    if (rc == 0) {
        if (!def || errs.n != 0)
            abort();
        cJSON *answers = cJSON_CreateObject();
        struct mg_score sc;
        char err[256];
        if (answers && mg_score_compute(def, answers, &sc, err, sizeof err) == 0) {
            free(mg_score_payload(&sc));
            mg_score_free(&sc);
        }
        const char *keys[8];
        (void)mg_score_unanswered(def, answers, keys, 8);
        (void)mg_score_level(def, 0.0);
        (void)mg_score_level(def, 100.0);
        cJSON_Delete(answers);
    } else {
        if (def || errs.total == 0 || errs.n == 0)
            abort();
        for (size_t i = 0; i < errs.n; i++)
            if (!errs.lines[i] || strncmp(errs.lines[i], "fuzz.json: ", 11) != 0)
                abort();
    }
    cJSON_Delete(def);
    mg_survey_errors_free(&errs);
    return 0;
}
