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
/* Gives `conn` back to the pool it came from (`db` or its replica). */
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
 * and must not commit itself. Called inside another mg_db_tx (`mognad demo`
 * makes everything in one), `fn` runs under a savepoint, rolled back to
 * on failure, and the outer transaction commits and retries. */
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

/* ---- a read replica -------------------------------------------------
 *
 * Reads that may be a little behind (dashboard, indicators, exports) can go
 * to a PostgreSQL streaming replica. A replica's pool opens every session
 * read-only. */
struct mg_db *mg_db_open_replica(const char *url, unsigned int size);

/* Hands `replica` (from mg_db_open_replica) to `db`, which closes it with
 * itself. mg_db_acquire_read then uses it while it is at most `max_lag_s`
 * seconds behind `db` (checked at most once a second, so reads can be up to
 * a second older than that). -1 when out of memory (replica closed). */
int mg_db_set_replica(struct mg_db *db, struct mg_db *replica, unsigned int max_lag_s);

enum mg_db_replica {
    MG_DB_REPLICA_NONE,        /* none configured */
    MG_DB_REPLICA_CURRENT,     /* within the limit: reads go there */
    MG_DB_REPLICA_BEHIND,      /* over the limit, or not known yet */
    MG_DB_REPLICA_UNREACHABLE, /* cannot connect or query */
    MG_DB_REPLICA_NOT_STANDBY, /* answers, but is not in recovery */
};

/* The replica's state, checking it first when the last check is a second
 * old; *lag_s (when not NULL) gets the seconds behind, -1 when not known. */
enum mg_db_replica mg_db_replica_state(struct mg_db *db, double *lag_s);
const char *mg_db_replica_name(enum mg_db_replica state);

/* A connection for reads that may lag: from the replica while it is
 * current, otherwise (or when it cannot be reached) from `db`. Release it
 * with mg_db_release like any other. Never write through it. */
struct mg_db_conn *mg_db_acquire_read(struct mg_db *db);

/* True when `conn` came from the replica. */
bool mg_db_conn_replica(const struct mg_db_conn *conn);

#endif
