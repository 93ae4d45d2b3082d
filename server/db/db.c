/* db.c: connection pool, prepared statements and transactions on libpq. */
#include "mg_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_log.h"

/* Seconds libpq waits for a connection before giving up. */
#define MG_DB_CONNECT_TIMEOUT "3"
#define MG_DB_TX_TRIES 5

struct mg_db_conn {
    PGconn *pg;
    const struct mg_db_stmt **prepared; /* statements prepared on `pg` */
    size_t nprepared, capprepared;
    bool in_use;
    bool in_tx;
    bool lost;
    char sqlstate[6];
};

struct mg_db {
    char *url;
    unsigned int size;
    struct mg_db_conn *conns;
    pthread_mutex_t lock;
    pthread_cond_t freed;
};

struct mg_db *mg_db_open(const char *url, unsigned int size)
{
    struct mg_db *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    db->size = size ? size : 1;
    db->url = strdup(url ? url : "");
    db->conns = calloc(db->size, sizeof *db->conns);
    if (!db->url || !db->conns) {
        free(db->url);
        free(db->conns);
        free(db);
        return NULL;
    }
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->freed, NULL);
    return db;
}

static void disconnect(struct mg_db_conn *c)
{
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    c->nprepared = 0;
}

void mg_db_close(struct mg_db *db)
{
    if (!db)
        return;
    for (unsigned int i = 0; i < db->size; i++) {
        disconnect(&db->conns[i]);
        free(db->conns[i].prepared);
    }
    pthread_mutex_destroy(&db->lock);
    pthread_cond_destroy(&db->freed);
    free(db->conns);
    free(db->url);
    free(db);
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static bool connect_conn(struct mg_db *db, struct mg_db_conn *c)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", "client_encoding", NULL};
    const char *vals[] = {db->url, MG_DB_CONNECT_TIMEOUT, "mognad", "UTF8", NULL};

    disconnect(c);
    /* expand_dbname lets `dbname` carry a whole URL or key=value string. */
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        const char *msg = c->pg ? PQerrorMessage(c->pg) : "out of memory";
        char first[200];
        snprintf(first, sizeof first, "%s", msg);
        first[strcspn(first, "\n")] = '\0';
        mg_log(MG_LOG_WARN, "database unreachable: %s", first);
        disconnect(c);
        return false;
    }
    PQsetNoticeProcessor(c->pg, quiet_notice, NULL);
    c->lost = false;
    return true;
}

struct mg_db_conn *mg_db_acquire(struct mg_db *db)
{
    struct mg_db_conn *c = NULL;

    pthread_mutex_lock(&db->lock);
    for (;;) {
        /* Prefer a free connection that is already open. */
        for (unsigned int i = 0; i < db->size && !c; i++)
            if (!db->conns[i].in_use && db->conns[i].pg)
                c = &db->conns[i];
        for (unsigned int i = 0; i < db->size && !c; i++)
            if (!db->conns[i].in_use)
                c = &db->conns[i];
        if (c)
            break;
        pthread_cond_wait(&db->freed, &db->lock);
    }
    c->in_use = true;
    pthread_mutex_unlock(&db->lock);

    if ((!c->pg || c->lost || PQstatus(c->pg) != CONNECTION_OK) && !connect_conn(db, c)) {
        mg_db_release(db, c);
        return NULL;
    }
    c->sqlstate[0] = '\0';
    return c;
}

void mg_db_release(struct mg_db *db, struct mg_db_conn *conn)
{
    if (!conn)
        return;
    if (conn->in_tx) {
        /* A caller left a transaction open: roll it back, never reuse it. */
        MG_LOG_BUG("connection released inside a transaction");
        PGresult *r = conn->pg ? PQexec(conn->pg, "ROLLBACK") : NULL;
        PQclear(r);
        conn->in_tx = false;
    }
    pthread_mutex_lock(&db->lock);
    conn->in_use = false;
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->lock);
}

PGconn *mg_db_pg(struct mg_db_conn *conn) { return conn->pg; }
bool mg_db_conn_lost(struct mg_db_conn *conn) { return conn->lost; }
const char *mg_db_last_sqlstate(struct mg_db_conn *conn) { return conn->sqlstate; }

static bool is_prepared(struct mg_db_conn *c, const struct mg_db_stmt *stmt)
{
    for (size_t i = 0; i < c->nprepared; i++)
        if (c->prepared[i] == stmt)
            return true;
    return false;
}

/* Classifies a failed result and remembers its SQLSTATE. */
static enum mg_qs failure(struct mg_db_conn *c, PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    if (PQstatus(c->pg) != CONNECTION_OK) {
        c->lost = true;
        mg_log(MG_LOG_WARN, "database connection lost during %s", what);
        return MG_QS_HARD;
    }
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return MG_QS_SOFT;
    /* Constraint violations (class 23) come from racing clients and data
     * exceptions (class 22) from values a client gave, such as a 13th
     * month; the caller decides whether they are a client error. Other
     * failures are our bugs. */
    if (!state || (strncmp(state, "23", 2) != 0 && strncmp(state, "22", 2) != 0)) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->pg));
        msg[strcspn(msg, "\n")] = '\0';
        MG_LOG_BUG("statement %s failed: %s (%s)", what, msg, state ? state : "-");
    }
    return MG_QS_HARD;
}

static enum mg_qs exec_once(struct mg_db_conn *c, const struct mg_db_stmt *stmt, int n,
                            const char *const *params, PGresult **res)
{
    PGresult *r;

    if (!is_prepared(c, stmt)) {
        r = PQprepare(c->pg, stmt->name, stmt->sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            enum mg_qs qs = failure(c, r, stmt->name);
            PQclear(r);
            return qs;
        }
        PQclear(r);
        if (c->nprepared == c->capprepared) {
            size_t cap = c->capprepared ? c->capprepared * 2 : 32;
            const struct mg_db_stmt **np = realloc(c->prepared, cap * sizeof *np);
            if (!np)
                return MG_QS_HARD;
            c->prepared = np;
            c->capprepared = cap;
        }
        c->prepared[c->nprepared++] = stmt;
    }

    r = PQexecPrepared(c->pg, stmt->name, n, params, NULL, NULL, 0);
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK: {
        const char *affected = PQcmdTuples(r);
        bool rows = PQntuples(r) > 0 || (affected[0] && strcmp(affected, "0") != 0);
        if (res)
            *res = r;
        else
            PQclear(r);
        return rows ? MG_QS_ROWS : MG_QS_NONE;
    }
    default: {
        enum mg_qs qs = failure(c, r, stmt->name);
        PQclear(r);
        return qs;
    }
    }
}

enum mg_qs mg_db_exec(struct mg_db_conn *conn, const struct mg_db_stmt *stmt, int n,
                      const char *const *params, PGresult **res)
{
    enum mg_qs qs;

    if (res)
        *res = NULL;
    if (!conn->pg)
        return MG_QS_HARD;
    conn->sqlstate[0] = '\0';
    qs = exec_once(conn, stmt, n, params, res);
    if (qs == MG_QS_HARD && conn->lost && !conn->in_tx) {
        /* The server restarted since this connection was opened. */
        PQreset(conn->pg);
        conn->nprepared = 0;
        if (PQstatus(conn->pg) == CONNECTION_OK) {
            conn->lost = false;
            qs = exec_once(conn, stmt, n, params, res);
        }
    }
    return qs;
}

static enum mg_qs simple(struct mg_db_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->pg, sql);
    enum mg_qs qs = PQresultStatus(r) == PGRES_COMMAND_OK ? MG_QS_NONE : failure(c, r, sql);
    PQclear(r);
    return qs;
}

enum mg_qs mg_db_tx(struct mg_db_conn *conn, mg_db_tx_fn fn, void *ctx)
{
    enum mg_qs qs = MG_QS_HARD;

    if (!conn->pg)
        return MG_QS_HARD;
    for (int attempt = 0; attempt < MG_DB_TX_TRIES; attempt++) {
        qs = simple(conn, "BEGIN");
        if (qs == MG_QS_HARD && conn->lost && attempt == 0) {
            /* The server restarted since this connection was opened. */
            PQreset(conn->pg);
            conn->nprepared = 0;
            if (PQstatus(conn->pg) != CONNECTION_OK)
                return MG_QS_HARD;
            conn->lost = false;
            qs = simple(conn, "BEGIN");
        }
        if (qs != MG_QS_NONE)
            return qs;
        conn->in_tx = true;
        qs = fn(conn, ctx);
        if (qs >= 0) {
            enum mg_qs cq = simple(conn, "COMMIT");
            conn->in_tx = false;
            if (cq == MG_QS_NONE)
                return qs;
            qs = cq;
        } else {
            PGresult *r = PQexec(conn->pg, "ROLLBACK");
            PQclear(r);
            conn->in_tx = false;
        }
        if (qs != MG_QS_SOFT)
            return qs;
    }
    return qs;
}
