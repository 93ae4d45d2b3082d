/* mg_csv.h: the tolerant CSV reader for files HR exports from Excel or an
 * HR system: UTF-8 with or without a byte order mark, comma or semicolon
 * (the Swedish and Norwegian Excel default, detected from the header line;
 * Excel's "sep=;" first line is understood too), RFC 4180 quotes ("" for a
 * quote; separators and line breaks inside quotes), CRLF, LF or CR line
 * ends, blank lines skipped, a header line naming the columns.
 *
 * Pure: bytes in, records out, no I/O and no global state, so it can be
 * fuzzed (it depends on nothing but the C library). Beside it, the one
 * function that writes a text field of every CSV the product writes. */
#ifndef MG_CSV_H
#define MG_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MG_CSV_MAX_BYTES ((size_t)32 << 20) /* the whole file */
#define MG_CSV_MAX_FIELD 4096               /* bytes in one field */
#define MG_CSV_MAX_COLUMNS 64               /* fields in one record */
#define MG_CSV_MAX_RECORDS 1000000
#define MG_CSV_MAX_ERRORS 100 /* kept; more are only counted */

struct mg_csv_record {
    int line;      /* the physical line where the record starts */
    char **fields; /* ncols of them, without the quotes, trimmed of
                    * surrounding spaces and tabs; line breaks inside a
                    * quoted field are "\n" */
};

struct mg_csv_error {
    int line; /* physical line of the problem (1 = the first line) */
    char *msg;
    size_t seq_; /* order of finding, so problems on one line keep it */
};

struct mg_csv {
    char sep;        /* ',' or ';' */
    int header_line; /* the line of the header, for messages about columns */
    size_t ncols;
    char **header; /* lower-cased (ASCII), trimmed */
    struct mg_csv_record *records;
    size_t n;
    struct mg_csv_error *errors; /* in line order, at most MG_CSV_MAX_ERRORS */
    size_t nerrors;
    size_t more_errors; /* problems found beyond MG_CSV_MAX_ERRORS */
    /* The storage behind header, records and fields. */
    char *text_;
    char **cells_;
};

/* Parses `len` bytes of `data` into `out`. Returns 0 when the file is well
 * formed, -1 with every problem found in `errors`: invalid UTF-8 or a NUL
 * byte (the first one; the rest of the file is not read), an unterminated
 * quote (reading stops there), a stray quote or text after a closing
 * quote, a field longer than MG_CSV_MAX_FIELD, a record whose number of
 * fields differs from the header's, no header, too large a file. Records
 * with a problem are left out of `records`. Free with mg_csv_free either
 * way. */
int mg_csv_parse(const char *data, size_t len, struct mg_csv *out);
void mg_csv_free(struct mg_csv *csv);

/* The index of column `name` (lower case), or -1. */
int mg_csv_column(const struct mg_csv *csv, const char *name);

/* Checks the header: every name in `required` (NULL-terminated) must be a
 * column, every column must be in `required` or `optional` (may be NULL),
 * no column may appear twice. A column with an empty name is accepted
 * when it is empty on every record (Excel writes such trailing columns).
 * Returns 0, or -1 with one sentence naming every missing, unknown and
 * repeated column in `msg` (the line is csv->header_line). */
int mg_csv_columns(const struct mg_csv *csv, const char *const *required, const char *const *optional,
                   char *msg, size_t msglen);

/* Problems found in the records by the code that uses them (an unknown
 * unit, a duplicate...), collected in any order and reported by line.
 * Start zeroed. */
struct mg_csv_problems {
    struct mg_csv_error *v;
    size_t n, cap;
    bool oom; /* a problem could not be kept */
};

void mg_csv_problem(struct mg_csv_problems *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sorts the problems by line; problems on one line stay in the order they
 * were found. */
void mg_csv_problems_sort(struct mg_csv_problems *p);
void mg_csv_problems_free(struct mg_csv_problems *p);

/* Writes the text `s` (NULL writes nothing) as one field to `f`, quoted
 * when it holds a comma, a semicolon, a quote or a line break or starts or
 * ends with a space, so one file reads right with either separator. A text
 * a spreadsheet would take for a formula, one starting with =, +, -, @, a
 * tab or a carriage return, is written as a quoted text with a ' before it
 * (OWASP's rule against CSV injection): a unit named "=HYPERLINK(...)"
 * reads as "'=HYPERLINK(...)" and runs nothing. Numbers are not texts:
 * write them with fputs, so -3.5 stays a number. Errors show in ferror. */
void mg_csv_write_field(FILE *f, const char *s);

#endif
