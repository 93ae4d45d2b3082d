/* mg_units.h: the organisation tree, imported from CSV (code, name,
 * parent_code), and expected headcounts per unit and round. */
#ifndef MG_UNITS_H
#define MG_UNITS_H

#include <stddef.h>
#include <stdint.h>

struct mg_buf;
struct mg_csv;
struct mg_db_conn;
struct pg_result;

/* The longest unit name, in characters (the units.name CHECK). */
#define MG_UNIT_NAME_MAX 200
/* The deepest tree accepted (an organisation has a handful of levels;
 * this only stops a runaway parent chain). */
#define MG_UNIT_MAX_DEPTH 32

struct mg_units_counts {
    size_t created, renamed, moved, unchanged;
    size_t untouched; /* in the database but not in the file: left alone */
};

/* Creates or updates the tree from `csv` (columns code, name, parent_code)
 * in one transaction. Every problem (a bad code, an empty, long or
 * multi-line name, a code twice in the file, an unknown parent, a parent
 * chain that makes a cycle, also through units already in the database,
 * a unit deeper than MG_UNIT_MAX_DEPTH)
 * is appended to `problems` as a "FILE:LINE: problem\n" line, in line
 * order, and then nothing is written. New units are inserted parents
 * first; a changed name is a rename (units.name, and unit_names gets the
 * name from today, so reports of past rounds keep the old one); a changed
 * parent moves the unit with its whole subtree (ltree paths rewritten).
 * Units not in the file are left as they are. An audit_log row records
 * the counts. Returns 0, or -1 (problems, or a database failure described
 * in `problems`). */
int mg_units_import(struct mg_db_conn *conn, const char *file, const struct mg_csv *csv,
                    struct mg_units_counts *counts, struct mg_buf *problems);

/* Sets round `round_id`'s expected headcount per unit from `csv` (columns
 * unit_code, headcount: a whole number from 0), inserting or updating
 * round_units, all or nothing, problems as above (an unknown unit, a unit
 * outside the round's part of the tree, a unit twice, a bad number).
 * Returns the number of units set, or -1. */
long mg_units_headcount(struct mg_db_conn *conn, const char *file, int64_t round_id, const struct mg_csv *csv,
                        struct mg_buf *problems);

/* Every unit in tree order (siblings by name): columns code, name, parent
 * code ("" for a root), depth (1 for a root). Returns the result (free it
 * with PQclear), or NULL on a database failure. */
struct pg_result *mg_units_list(struct mg_db_conn *conn);

/* The same for the tree of round `round_id`: the tree it closed with when
 * it is closed (sql/008_round_tree.sql), else the live tree (also for
 * `round_id` 0 or an unknown round). */
struct pg_result *mg_units_list_round(struct mg_db_conn *conn, int64_t round_id);

#endif
