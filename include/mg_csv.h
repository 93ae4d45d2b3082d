/* mg_csv.h: the tolerant CSV reader for files HR exports from Excel or an
 * HR system: UTF-8 with or without a byte order mark, comma or semicolon
 * (the Swedish and Norwegian Excel default), RFC 4180 quotes, CRLF or LF,
 * blank lines skipped, a header line naming the columns.
 *
 * Pure: bytes in, records out, so it can be fuzzed. */
#ifndef MG_CSV_H
#define MG_CSV_H

#include <stddef.h>

#define MG_CSV_MAX_FIELD 4096      /* bytes in one field */
#define MG_CSV_MAX_RECORDS 1000000
#define MG_CSV_MAX_ERRORS 100

struct mg_csv_record {
    int line;      /* the physical line where the record starts */
    char **fields; /* ncols of them, trimmed of surrounding spaces */
};

struct mg_csv {
    char sep;            /* ',' or ';' */
    size_t ncols;
    char **header;       /* lower-cased, trimmed */
    struct mg_csv_record *records;
    size_t n;
    char **errors;       /* "line N: problem", at most MG_CSV_MAX_ERRORS */
    size_t nerrors;
};

/* Parses `len` bytes. Returns 0 when the file is well formed, -1 with
 * every structural problem in `errors` (bad UTF-8, an unterminated quote,
 * a record with the wrong number of fields...). Free with mg_csv_free
 * either way. */
int mg_csv_parse(const char *data, size_t len, struct mg_csv *out);
void mg_csv_free(struct mg_csv *csv);

/* The index of column `name`, or -1. */
int mg_csv_column(const struct mg_csv *csv, const char *name);

/* Checks that every name in `required` (NULL-terminated) is a column and
 * that every column is in `required` or `optional`; writes the problem to
 * `msg` and returns -1 otherwise. */
int mg_csv_columns(const struct mg_csv *csv, const char *const *required, const char *const *optional,
                   char *msg, size_t msglen);

#endif
