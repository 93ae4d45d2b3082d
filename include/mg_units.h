/* mg_units.h: the organisation tree, imported from CSV (code, name,
 * parent_code), and expected headcounts per unit and round. */
#ifndef MG_UNITS_H
#define MG_UNITS_H

#include <stddef.h>
#include <stdint.h>

struct mg_buf;
struct mg_csv;
struct mg_db_conn;

struct mg_units_counts {
    size_t created, renamed, moved, unchanged, untouched; /* untouched: in the database, not in the file */
};

/* Creates or updates the tree from `csv` in one transaction. Every bad row
 * (bad code, empty or long name, duplicate code, unknown parent, a cycle)
 * is written to `problems` as "FILE:LINE: problem" lines, and then nothing
 * is written. Renames keep the old name in unit_names; moves rewrite the
 * paths of the whole subtree. Returns 0, or -1. */
int mg_units_import(struct mg_db_conn *conn, const char *file, const struct mg_csv *csv,
                    struct mg_units_counts *counts, struct mg_buf *problems);

/* Sets round `round_id`'s expected headcount per unit from `csv`
 * (unit_code, headcount), all or nothing, problems as above. Returns the
 * number of units set, or -1. */
long mg_units_headcount(struct mg_db_conn *conn, const char *file, int64_t round_id, const struct mg_csv *csv,
                        struct mg_buf *problems);

#endif
