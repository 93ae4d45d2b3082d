/* mg_survey.h: survey definitions: the validator and the loader.
 *
 * The format is specified in surveys/README.md. The validator is pure
 * (bytes in, error lines out, no I/O) so it can be fuzzed; the loader
 * stores validated files as immutable versions with the SHA-256 of their
 * bytes. */
#ifndef MG_SURVEY_H
#define MG_SURVEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;
struct mg_db_conn;

/* At most this many problems are listed per file; the rest are counted. */
#define MG_SURVEY_MAX_ERRORS 200
/* No survey file is larger than this (the standard ones are ~120 KB). */
#define MG_SURVEY_MAX_BYTES ((size_t)2 << 20)

struct mg_survey_errors {
    /* "FILE: $.json.path: problem", in document order; when more than
     * MG_SURVEY_MAX_ERRORS were found, the first MG_SURVEY_MAX_ERRORS
     * followed by one line "FILE: ... and N more problems". */
    char **lines;
    size_t n;     /* lines */
    size_t total; /* problems found, listed or not */
};

/* Validates `len` bytes of `data` as a survey definition, naming it `file`
 * in messages. Returns 0 when valid (and, when `def` is not NULL, the
 * parsed definition in *def, which the caller frees with cJSON_Delete), or
 * -1 with every problem in `errs` (*def NULL). Either way the caller frees
 * `errs` with mg_survey_errors_free. Never reads beyond `len`; `data` need
 * not be NUL-terminated. */
int mg_survey_check(const char *file, const char *data, size_t len, struct mg_survey_errors *errs,
                    struct cJSON **def);
void mg_survey_errors_free(struct mg_survey_errors *errs);

enum mg_survey_load_result {
    MG_SURVEY_LOADED,    /* stored as a new version */
    MG_SURVEY_UNCHANGED, /* the same bytes were loaded before */
};

/* One validated file to load. The caller fills `name`, `data`, `len` and
 * `def` (from mg_survey_check); mg_survey_load fills `result` and `sha256`
 * (lowercase hex). */
struct mg_survey_file {
    const char *name;
    const char *data;
    size_t len;
    const struct cJSON *def;
    enum mg_survey_load_result result;
    char sha256[65];
};

/* Stores `n` validated files in one transaction: for each file not loaded
 * before, a row in surveys, its survey_areas and survey_items, and an
 * audit_log row by `actor`. Returns 0, or -1 with nothing stored and `msg`
 * naming the file and the reason, for instance a different file already
 * loaded under the same key and version. Safe to run concurrently with
 * itself: a load that loses the race finds the other's rows. */
int mg_survey_load(struct mg_db_conn *conn, struct mg_survey_file *files, size_t n, const char *actor,
                   char *msg, size_t msglen);

/* Reads a whole file of at most 16 MiB. Returns a buffer to free(), or NULL
 * with errno set (EFBIG when the file is larger). */
char *mg_survey_read_file(const char *path, size_t *len);

/* Reads and validates every *.json file of `dir` (in name order) and, when
 * all are valid, loads them as mg_survey_load does (all or none): for the
 * first-run seeding from MOGNAD_DATA_DIR/surveys. Prints one "loaded|
 * unchanged KEY vN (sha256 ...)" line per file to `out` and the problems to
 * `err` (either may be NULL). Returns 0 when every file was loaded or
 * unchanged, the number of files that could not be read or are not valid,
 * 1 when loading failed, or -1 when `dir` cannot be read. */
int mg_survey_load_dir(struct mg_db_conn *conn, const char *dir, const char *actor, FILE *out, FILE *err);

/* The parsed definition of survey version `id`, from a process-wide cache
 * (survey versions are immutable): read it, never change or free it. In
 * the rare case the cache is full, *owned is set to a copy the caller
 * frees with cJSON_Delete. NULL when there is no such survey or the
 * database fails. Thread-safe. */
const struct cJSON *mg_survey_definition(struct mg_db_conn *conn, int64_t id, struct cJSON **owned);

/* Frees the cache (at the end of mognad serve, for leak checkers). */
void mg_survey_cache_clear(void);

#endif
