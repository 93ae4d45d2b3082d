/* mg_migrate.h: applying the numbered SQL migrations in sql/. */
#ifndef MG_MIGRATE_H
#define MG_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

struct mg_db_conn;

/* Applies every sql/NNN_name.sql in `sql_dir` not yet recorded in
 * schema_migrations, in order, each in its own transaction, under an
 * advisory lock so two processes never migrate at once. Refuses (-1, with
 * the reason in `err`) when an applied file has changed or the database
 * holds a migration this build does not know. Reports each step on `out`
 * (may be NULL). Returns the number applied. */
int mg_migrate(struct mg_db_conn *conn, const char *sql_dir, FILE *out, char *err,
               size_t errlen);

#endif
