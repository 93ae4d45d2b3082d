/* mg_db.h: PostgreSQL access: a small connection pool, named prepared
 * statements, a status with four outcomes and a retrying transaction helper. */
#ifndef MG_DB_H
#define MG_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Outcome of a database call. Switch over it without `default:`. */
enum mg_qs {
    MG_QS_HARD = -2, /* broken connection, bug, constraint: do not retry */
    MG_QS_SOFT = -1, /* serialisation failure or deadlock: retry */
    MG_QS_NONE = 0,  /* succeeded, no rows */
    MG_QS_ROWS = 1,  /* succeeded with rows (or rows changed) */
};

/* A statement with its SQL beside it; values only ever as $n parameters.
 * Declare with MG_DB_STMT so the name is unique per statement. */
struct mg_db_stmt {
    const char *name;
    const char *sql;
};
#define MG_DB_STMT(var, text) static const struct mg_db_stmt var = {#var "@" __FILE__, text}

struct mg_db;
struct mg_db_conn;

/* A pool of up to `size` connections to `url` (NULL: libpq defaults).
 * Connections open lazily; the pool is usable while the database is down.
 * Returns NULL only when out of memory. Free with mg_db_close. */
struct mg_db *mg_db_open(const char *url, unsigned int size);
void mg_db_close(struct mg_db *db);

/* Takes a connection, waiting while all are busy, (re)connecting when the
 * one taken is not connected. NULL when the database cannot be reached:
 * answer 503. Give it back with mg_db_release. */
struct mg_db_conn *mg_db_acquire(struct mg_db *db);
void mg_db_release(struct mg_db *db, struct mg_db_conn *conn);

/* Runs `stmt` with `n` text parameters (NULL for SQL NULL), preparing it on
 * this connection the first time. On MG_QS_ROWS and MG_QS_NONE, *res (when
 * `res` is not NULL) holds the result, which the caller frees with PQclear;
 * otherwise *res is NULL. Outside a transaction, a connection found broken
 * is re-established and the statement tried once more. */
enum mg_qs mg_db_exec(struct mg_db_conn *conn, const struct mg_db_stmt *stmt,
                      int n, const char *const *params, PGresult **res);

/* Runs `fn` inside BEGIN ... COMMIT, retrying it (up to 5 times) when it or
 * the commit fails softly; rolls back on any failure. `fn` returns MG_QS_*
 * and must not commit itself. */
typedef enum mg_qs (*mg_db_tx_fn)(struct mg_db_conn *conn, void *ctx);
enum mg_qs mg_db_tx(struct mg_db_conn *conn, mg_db_tx_fn fn, void *ctx);

/* The underlying connection, for code that must run plain SQL scripts
 * (migrations) or COPY. */
PGconn *mg_db_pg(struct mg_db_conn *conn);

/* True when the last failure on `conn` was a lost connection. */
bool mg_db_conn_lost(struct mg_db_conn *conn);

/* SQLSTATE of the last failure on `conn`, or "" (for mapping constraint
 * violations to client errors). */
const char *mg_db_last_sqlstate(struct mg_db_conn *conn);

#endif
