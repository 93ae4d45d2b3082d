/* fuzz_csv.c: the CSV reader (mg_csv_parse) and the header checks for the
 * two kinds of file HR imports: units and registers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_csv.h"
#include "mg_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const units_required[] = {"code", "name", "parent_code", NULL};
static const char *const register_required[] = {"employee_id", "email", "unit_code", "role", NULL};
static const char *const register_optional[] = {"language", NULL};
static const char *const headcount_required[] = {"unit_code", "headcount", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_csv csv;
    char msg[512];
    int rc = mg_csv_parse((const char *)data, size, &csv);

    if (rc == 0 && csv.nerrors != 0)
        abort();
    if (csv.nerrors > MG_CSV_MAX_ERRORS)
        abort();
    /* Every kept field is a valid UTF-8 C string; touch them all so ASan
     * sees any bad pointer. */
    for (size_t c = 0; c < csv.ncols; c++)
        if (!mg_utf8_valid(csv.header[c], strlen(csv.header[c])))
            abort();
    for (size_t r = 0; r < csv.n; r++)
        for (size_t c = 0; c < csv.ncols; c++) {
            const char *f = csv.records[r].fields[c];
            size_t fl = strlen(f);
            if (fl > MG_CSV_MAX_FIELD || !mg_utf8_valid(f, fl))
                abort();
        }
    for (size_t e = 0; e < csv.nerrors; e++)
        if (!csv.errors[e].msg || csv.errors[e].line < 1)
            abort();

    if (csv.ncols > 0) {
        (void)mg_csv_columns(&csv, units_required, NULL, msg, sizeof msg);
        (void)mg_csv_columns(&csv, register_required, register_optional, msg, sizeof msg);
        (void)mg_csv_columns(&csv, headcount_required, NULL, msg, sizeof msg);
        (void)mg_csv_columns(&csv, units_required, NULL, msg, 1);
        (void)mg_csv_column(&csv, "code");
        (void)mg_csv_column(&csv, "employee_id");
        (void)mg_csv_column(&csv, "language");
    }

    /* The problem list the importers build from the records. */
    struct mg_csv_problems p = {0};
    for (size_t r = 0; r < csv.n && r < 300; r++)
        mg_csv_problem(&p, csv.records[r].line, "row %zu: %s", r,
                       csv.ncols ? csv.records[r].fields[0] : "");
    mg_csv_problems_sort(&p);
    for (size_t i = 1; i < p.n; i++)
        if (p.v[i - 1].line > p.v[i].line)
            abort();
    mg_csv_problems_free(&p);
    mg_csv_free(&csv);
    return 0;
}
