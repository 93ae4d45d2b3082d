/* mg_export.h: what leaves the system as files.
 *
 * Indicators are exported from the JSON that mg_indicators_round builds,
 * with the privacy rule already applied (a hidden cell has no number to
 * export): CSV (UTF-8 with BOM, RFC 4180; with `semicolon` the separator
 * is ';' and the decimal mark ',' as Swedish and Norwegian Excel expect),
 * an Excel workbook with one sheet per view (libxlsxwriter), or the JSON.
 *
 * Research microdata is one row per response with its answers and scores,
 * no pseudonym, no date and no channel, each row placed under a unit (and
 * a role) by mg_privacy_microdata_place from the round's one decision on
 * its respondent groups, so that every unit and role shown holds at least
 * k rows and no indicator minus the rows inside it leaves fewer; closed
 * rounds only; rows in random order. As CSV with a codebook, or as an SPSS
 * .sav file with variable and value labels (libreadstat). */
#ifndef MG_EXPORT_H
#define MG_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mg_error.h"
#include "mg_privacy.h"

struct cJSON;
struct mg_db_conn;

/* Index of a language: 0 sv, 1 nb, 2 nn, 3 en; -1 for anything else. */
int mg_export_lang(const char *s);

/* The indicators JSON (every unit to the depth wanted) as CSV: one row
 * per unit, for its whole subtree. Returns 0, or -1 on a write error. */
int mg_export_indicators_csv(FILE *f, const struct cJSON *ind, int lang, bool semicolon);

/* The same as an Excel workbook at `path`: overview, areas with CI,
 * levels, base services, managers and staff, change, reliability and a
 * sheet saying what the figures and the hidden cells mean. */
int mg_export_indicators_xlsx(const char *path, const struct cJSON *ind, int lang, char *err, size_t errlen);

/* ---- research microdata ------------------------------------------------ */

struct mg_md_label {
    double value;
    char *text;
};

struct mg_md_labels {
    char name[40];
    size_t n;
    struct mg_md_label *v;
};

struct mg_md_var {
    char name[65];      /* SPSS-safe: a letter, then letters, digits, _ */
    char *label;
    bool string;        /* the unit code and name; else numeric */
    size_t width;       /* strings: bytes of the longest value in the file (at least 1) */
    int labels;         /* index into `sets`, or -1 */
    bool has_missing;   /* `missing` is a user-missing code ("don't know") */
    double missing;
    int decimals;
};

/* What a microdata file holds, apart from its rows. */
struct mg_microdata {
    size_t nvars, nsets;
    struct mg_md_var *vars;   /* vars[0] unit code, vars[1] unit name (strings) */
    struct mg_md_labels *sets;
    size_t nrows;             /* rows that will be written */
    char round_name[256];
    int k, lang;
};

void mg_microdata_free(struct mg_microdata *md);

/* Where the rows go: begin once (md complete, nrows known), then one call
 * per row (`cells` holds nvars values, NAN for none; the two strings are
 * the unit's code and name), then end. Each returns 0, or -1 to stop. */
struct mg_md_sink {
    int (*begin)(void *ctx, const struct mg_microdata *md);
    int (*row)(void *ctx, const struct mg_microdata *md, const double *cells, const char *code,
               const char *name);
    int (*end)(void *ctx, const struct mg_microdata *md);
    void *ctx;
};

/* Streams the microdata of closed round `round_id` (the rows placed in
 * the subtree of `unit_code` when not NULL, and only rows shown with role
 * `role` unless it is MG_PRIV_ALL) to `sink`, labels in language `lang`
 * (0 sv .. 3 en), in
 * one consistent snapshot, rows in the order of the responses' random ids
 * (which carries nothing about time or person). `md` receives the
 * description (free with mg_microdata_free). Errors: MG_ERR_NOT_FOUND (no
 * such round or unit), MG_ERR_ROUND_NOT_CLOSED (the round has not closed),
 * MG_ERR_UNAVAILABLE, MG_ERR_DB, or MG_ERR_INTERNAL
 * when the sink failed; `msg` says which. */
enum mg_error mg_microdata_export(struct mg_db_conn *conn, int64_t round_id, const char *unit_code,
                                  enum mg_priv_role role, int lang, const struct mg_md_sink *sink,
                                  struct mg_microdata *md, char *msg, size_t msglen);

/* Sinks: CSV rows (UTF-8 with BOM; codes, not labels) to `data`, and at
 * the end the codebook to `codebook` (every variable with its label and
 * every code with its meaning); or an SPSS .sav file. */
struct mg_md_csv {
    FILE *data, *codebook;
    bool semicolon;
};
void mg_md_csv_sink(struct mg_md_csv *c, struct mg_md_sink *sink);

struct mg_md_sav {
    const char *path;
    int fd;
    void *writer, *vars, *sets; /* libreadstat's */
    char err[256];
};
void mg_md_sav_sink(struct mg_md_sav *s, struct mg_md_sink *sink);
/* Frees what the .sav sink holds and closes the file (removed when
 * `failed`). Call it after mg_microdata_export, whatever it returned. */
void mg_md_sav_close(struct mg_md_sav *s, bool failed);

#endif
