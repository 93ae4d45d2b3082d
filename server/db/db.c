/* db.c: connection pool, prepared statements and transactions on libpq. */
#include "mg_db.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mg_log.h"

/* Seconds libpq waits for a connection before giving up. */
#define MG_DB_CONNECT_TIMEOUT "3"
#define MG_DB_TX_TRIES 5

struct mg_db_conn {
    struct mg_db *owner;
    PGconn *pg;
    const struct mg_db_stmt **prepared; /* statements prepared on `pg` */
    size_t nprepared, capprepared;
    bool in_use;
    bool in_tx;
    bool lost;
    char sqlstate[6];
};

/* How far a replica is behind, worked out from the primary's WAL position
 * sampled over time: data on the replica is as old as the newest sample
 * whose position it has replayed. Clocks of the database hosts do not
 * matter (times are this process's monotonic clock), an idle primary does
 * not look like a lagging replica, and a replica cut off from its primary
 * falls behind as the primary moves on. */
#define MG_DB_LAG_SAMPLES 256
#define MG_DB_CHECK_EVERY 1.0      /* seconds between checks */
#define MG_DB_CHECK_DOWN 5.0       /* ... while the replica cannot be reached */

struct lag_sample {
    double at;
    uint64_t lsn;
};

struct replica {
    struct mg_db *pool;
    double max_lag;
    pthread_mutex_t lock;           /* guards everything below */
    bool checking;                  /* one thread checks at a time */
    double checked_at;
    enum mg_db_replica state;
    double lag;                     /* seconds behind, -1 when not known */
    struct lag_sample samples[MG_DB_LAG_SAMPLES];
    size_t nsamples, newest;
};

struct mg_db {
    char *url;
    unsigned int size;
    bool read_only;                 /* a replica's pool: sessions read only */
    struct mg_db_conn *conns;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct replica *replica;        /* reads that may lag, or NULL */
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
    for (unsigned int i = 0; i < db->size; i++)
        db->conns[i].owner = db;
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->freed, NULL);
    return db;
}

struct mg_db *mg_db_open_replica(const char *url, unsigned int size)
{
    struct mg_db *db = mg_db_open(url, size);
    if (db)
        db->read_only = true;
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
    if (db->replica) {
        mg_db_close(db->replica->pool);
        pthread_mutex_destroy(&db->replica->lock);
        free(db->replica);
    }
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
    const char *vals[] = {db->url, MG_DB_CONNECT_TIMEOUT, db->read_only ? "mognad-ro" : "mognad", "UTF8", NULL};

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
    if (db->read_only) {
        /* A replica refuses writes anyway; this also keeps a URL that
         * points at a primary by mistake from ever being written to. */
        PGresult *r = PQexec(c->pg, "SET default_transaction_read_only = on");
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            mg_log(MG_LOG_WARN, "replica session could not be made read-only; not using it");
            disconnect(c);
            return false;
        }
    }
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
    /* A connection from mg_db_acquire_read may come from the replica. */
    db = conn->owner;
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
bool mg_db_conn_replica(const struct mg_db_conn *conn) { return conn->owner->read_only; }
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
    if (conn->in_tx) {
        /* Inside another mg_db_tx: a savepoint, so a failure here undoes
         * only this step (as it would alone), everything commits or rolls
         * back with the outer transaction, and the outer one retries. */
        if ((qs = simple(conn, "SAVEPOINT mg_tx")) != MG_QS_NONE)
            return qs;
        qs = fn(conn, ctx);
        enum mg_qs sq = simple(conn, qs >= 0 ? "RELEASE SAVEPOINT mg_tx" : "ROLLBACK TO SAVEPOINT mg_tx");
        if (qs >= 0)
            return sq == MG_QS_NONE ? qs : sq;
        if (sq == MG_QS_NONE)
            simple(conn, "RELEASE SAVEPOINT mg_tx");
        return qs;
    }
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

/* ---- the read replica ------------------------------------------------- */

/* The flush position: what a standby can have received. With
 * synchronous_commit on, every acknowledged commit is at or before it; with
 * it off, commits can be ahead of it by the WAL writer's delay. */
MG_DB_STMT(stmt_primary_lsn, "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::text");
MG_DB_STMT(stmt_replica_lsn, "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text");

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool read_lsn(const PGresult *r, int col, uint64_t *out)
{
    char *end;

    if (PQntuples(r) != 1 || PQgetisnull(r, 0, col))
        return false;
    const char *v = PQgetvalue(r, 0, col);
    if (*v < '0' || *v > '9')
        return false;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end)
        return false;
    *out = (uint64_t)n;
    return true;
}

int mg_db_set_replica(struct mg_db *db, struct mg_db *pool, unsigned int max_lag_s)
{
    struct replica *rp = pool ? calloc(1, sizeof *rp) : NULL;
    if (!rp) {
        mg_db_close(pool);
        return -1;
    }
    rp->pool = pool;
    rp->max_lag = max_lag_s;
    rp->checked_at = -1e9;
    rp->state = MG_DB_REPLICA_BEHIND; /* until the first check says otherwise */
    pthread_mutex_init(&rp->lock, NULL);
    db->replica = rp;
    return 0;
}

const char *mg_db_replica_name(enum mg_db_replica state)
{
    switch (state) {
    case MG_DB_REPLICA_NONE:
        return "none";
    case MG_DB_REPLICA_CURRENT:
        return "current";
    case MG_DB_REPLICA_BEHIND:
        return "behind";
    case MG_DB_REPLICA_UNREACHABLE:
        return "unreachable";
    case MG_DB_REPLICA_NOT_STANDBY:
        return "not_standby";
    }
    return "none";
}

/* Logs a change of verdict; called with rp->lock held. */
static void replica_verdict(struct replica *rp, enum mg_db_replica state, double lag, bool known)
{
    enum mg_db_replica was = rp->state;
    bool first = rp->checked_at < 0;

    rp->state = state;
    rp->lag = known ? lag : -1;
    if (state == was && !first)
        return;
    switch (state) {
    case MG_DB_REPLICA_CURRENT:
        mg_log(MG_LOG_INFO, "read replica in use (%.1f s behind, limit %.0f s)", lag, rp->max_lag);
        break;
    case MG_DB_REPLICA_BEHIND:
        if (known)
            mg_log(MG_LOG_WARN, "read replica %.1f s behind (limit %.0f s): reads go to the primary", lag,
                   rp->max_lag);
        else
            mg_log(MG_LOG_WARN, "read replica behind by an unknown time (limit %.0f s): reads go to the primary",
                   rp->max_lag);
        break;
    case MG_DB_REPLICA_UNREACHABLE:
        mg_log(MG_LOG_WARN, "read replica cannot be reached: reads go to the primary");
        break;
    case MG_DB_REPLICA_NOT_STANDBY:
        mg_log(MG_LOG_WARN, "MOGNAD_DATABASE_URL_RO is not a standby in recovery: reads go to the primary");
        break;
    case MG_DB_REPLICA_NONE:
        break;
    }
}

/* One check: the primary's WAL position first, then what the replica has
 * replayed, so "replayed >= position" means the replica holds everything
 * committed before the check began. */
static void replica_check(struct mg_db *db, struct replica *rp)
{
    PGresult *r = NULL;
    uint64_t position = 0, replayed = 0;
    bool have_position = false, reached = false, standby = false, have_replayed = false;
    double at = monotonic();

    struct mg_db_conn *c = mg_db_acquire(db);
    if (c) {
        if (mg_db_exec(c, &stmt_primary_lsn, 0, NULL, &r) == MG_QS_ROWS)
            have_position = read_lsn(r, 0, &position);
        PQclear(r);
        r = NULL;
        mg_db_release(db, c);
    }
    c = mg_db_acquire(rp->pool);
    if (c) {
        if (mg_db_exec(c, &stmt_replica_lsn, 0, NULL, &r) == MG_QS_ROWS) {
            reached = true;
            standby = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
            have_replayed = standby && read_lsn(r, 1, &replayed);
        }
        PQclear(r);
        mg_db_release(rp->pool, c);
    }

    pthread_mutex_lock(&rp->lock);
    if (!reached) {
        replica_verdict(rp, MG_DB_REPLICA_UNREACHABLE, 0, false);
    } else if (!standby) {
        replica_verdict(rp, MG_DB_REPLICA_NOT_STANDBY, 0, false);
    } else if (have_position) {
        /* Keep a sample every second, or sparser for long limits, so the
         * samples reach back about four limits. */
        double spacing = rp->max_lag / (MG_DB_LAG_SAMPLES / 4.0);
        if (spacing < MG_DB_CHECK_EVERY)
            spacing = MG_DB_CHECK_EVERY;
        if (rp->nsamples == 0 || at - rp->samples[rp->newest].at >= spacing) {
            rp->newest = rp->nsamples == 0 ? 0 : (rp->newest + 1) % MG_DB_LAG_SAMPLES;
            rp->samples[rp->newest] = (struct lag_sample){at, position};
            if (rp->nsamples < MG_DB_LAG_SAMPLES)
                rp->nsamples++;
        }
        if (have_replayed && replayed >= position) {
            replica_verdict(rp, MG_DB_REPLICA_CURRENT, 0, true);
        } else {
            /* As old as the newest sample the replica has replayed. */
            bool found = false;
            double lag = 0;
            for (size_t k = 0; have_replayed && k < rp->nsamples && !found; k++) {
                const struct lag_sample *s =
                    &rp->samples[(rp->newest + MG_DB_LAG_SAMPLES - k) % MG_DB_LAG_SAMPLES];
                if (s->lsn <= replayed) {
                    found = true;
                    lag = at - s->at;
                }
            }
            if (found && lag <= rp->max_lag)
                replica_verdict(rp, MG_DB_REPLICA_CURRENT, lag, true);
            else
                replica_verdict(rp, MG_DB_REPLICA_BEHIND, lag, found);
        }
    }
    /* Without the primary's position the verdict stays as it was: the
     * primary being down fails every request anyway. */
    rp->checked_at = at;
    rp->checking = false;
    pthread_mutex_unlock(&rp->lock);
}

enum mg_db_replica mg_db_replica_state(struct mg_db *db, double *lag_s)
{
    struct replica *rp = db->replica;
    enum mg_db_replica state;

    if (!rp)
        return MG_DB_REPLICA_NONE;
    double now = monotonic();
    pthread_mutex_lock(&rp->lock);
    double every = rp->state == MG_DB_REPLICA_UNREACHABLE ? MG_DB_CHECK_DOWN : MG_DB_CHECK_EVERY;
    bool due = !rp->checking && now - rp->checked_at >= every;
    if (due)
        rp->checking = true;
    pthread_mutex_unlock(&rp->lock);
    if (due)
        replica_check(db, rp);
    pthread_mutex_lock(&rp->lock);
    state = rp->state;
    if (lag_s)
        *lag_s = rp->lag;
    pthread_mutex_unlock(&rp->lock);
    return state;
}

struct mg_db_conn *mg_db_acquire_read(struct mg_db *db)
{
    if (db->replica && mg_db_replica_state(db, NULL) == MG_DB_REPLICA_CURRENT) {
        struct mg_db_conn *c = mg_db_acquire(db->replica->pool);
        if (c)
            return c;
        pthread_mutex_lock(&db->replica->lock);
        replica_verdict(db->replica, MG_DB_REPLICA_UNREACHABLE, 0, false);
        db->replica->checked_at = monotonic();
        pthread_mutex_unlock(&db->replica->lock);
    }
    return mg_db_acquire(db);
}
