/* mg_survey.h: survey definitions: the validator and the loader.
 *
 * The format is specified in surveys/README.md. The validator is pure
 * (bytes in, error lines out) so it can be fuzzed; the loader stores a
 * validated file as an immutable version with the SHA-256 of its bytes. */
#ifndef MG_SURVEY_H
#define MG_SURVEY_H

#include <stddef.h>

struct cJSON;
struct mg_db_conn;

/* At most this many errors are kept per file; the rest are counted. */
#define MG_SURVEY_MAX_ERRORS 200

struct mg_survey_errors {
    char **lines;  /* "FILE: $.path: problem" */
    size_t n;      /* kept */
    size_t total;  /* found, kept or not */
};

/* Validates `len` bytes of `data` as a survey definition named `file` in
 * messages. Returns 0 when valid (and, when `def` is not NULL, the parsed
 * definition, to free with cJSON_Delete), or -1 with every problem found
 * in `errs` (free with mg_survey_errors_free). */
int mg_survey_check(const char *file, const char *data, size_t len, struct mg_survey_errors *errs,
                    struct cJSON **def);
void mg_survey_errors_free(struct mg_survey_errors *errs);

enum mg_survey_load_result {
    MG_SURVEY_LOADED,    /* a new version */
    MG_SURVEY_UNCHANGED, /* the same bytes were loaded before */
};

/* Stores a validated definition (`data`, `len` are the file's bytes) in
 * one transaction: surveys, survey_areas, survey_items, and an audit row.
 * Returns 0 with `*result` and the hash in `sha256_hex` (65 bytes), or -1
 * with `msg` set, for instance when another file was loaded under the same
 * key and version. */
int mg_survey_load(struct mg_db_conn *conn, const struct cJSON *def, const char *data, size_t len,
                   const char *actor, enum mg_survey_load_result *result, char sha256_hex[65],
                   char *msg, size_t msglen);

/* Reads a survey file whole (at most 16 MiB); NULL when it cannot. */
char *mg_survey_read_file(const char *path, size_t *len);

/* Validates and loads every *.json file of `dir` (in name order); prints
 * one line per file to `log` when not NULL. Returns the number of files
 * that failed (0 when all were loaded or unchanged), or -1 when the
 * directory cannot be read. */
int mg_survey_load_dir(struct mg_db_conn *conn, const char *dir, const char *actor, void *log);

#endif
