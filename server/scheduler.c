/* scheduler.c: timed round transitions, series repetition and retention. */
#include "mg_scheduler.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mg_audit.h"
#include "mg_clock.h"
#include "mg_db.h"
#include "mg_log.h"

/* Advisory lock key of the scheduler pass (an arbitrary constant). */
#define SCHEDULER_LOCK "30795426001970276"
/* ... and of the aggregate compaction ("mgcompa" in ASCII). */
#define COMPACT_LOCK "30794449230327905"

MG_DB_STMT(stmt_try_lock, "SELECT pg_try_advisory_xact_lock($1::bigint)");
MG_DB_STMT(stmt_compact, "SELECT mg_agg_compact()");
MG_DB_STMT(stmt_open_due,
           "UPDATE rounds SET state = 'open' WHERE state = 'scheduled' "
           "AND opens_at <= $1::timestamptz AND closes_at > $1::timestamptz RETURNING id, name");
MG_DB_STMT(stmt_close_due,
           "UPDATE rounds SET state = 'closed' WHERE state = 'open' "
           "AND closes_at <= $1::timestamptz RETURNING id, name");
/* For each live series whose latest round has closed, or whose window
 * passed while it never opened (the server was down; HR decides about that
 * round): the next window that has not ended yet, so windows missed during
 * downtime are skipped rather than opened late. */
MG_DB_STMT(stmt_series_due,
           "WITH latest AS (SELECT DISTINCT ON (series_id) * FROM rounds "
           "  WHERE series_id IS NOT NULL ORDER BY series_id, seq DESC) "
           "SELECT l.id, l.series_id, l.seq + 1, s.name, "
           "  l.opens_at + make_interval(months => s.every_months * n.n), "
           "  l.opens_at + make_interval(months => s.every_months * n.n, days => s.duration_days) "
           "FROM latest l JOIN series s ON s.id = l.series_id "
           "CROSS JOIN LATERAL (SELECT min(g) AS n FROM generate_series(1, 1200) g "
           "  WHERE l.opens_at + make_interval(months => s.every_months * g, days => s.duration_days) "
           "        > $1::timestamptz) n "
           "WHERE (l.state = 'closed' OR (l.state = 'scheduled' AND l.closes_at <= $1::timestamptz)) "
           "AND s.anonymised_on IS NULL AND n.n IS NOT NULL");
MG_DB_STMT(stmt_series_next_insert,
           "INSERT INTO rounds (name, series_id, seq, mode, min_group_size, opens_at, closes_at, "
           "  default_language, root_unit_id) "
           "SELECT $2 || ' ' || to_char($4::timestamptz, 'YYYY-MM'), series_id, $3::int, mode, "
           "  min_group_size, $4::timestamptz, $5::timestamptz, default_language, root_unit_id "
           "FROM rounds WHERE id = $1::bigint "
           "ON CONFLICT (series_id, seq) DO NOTHING RETURNING id");
MG_DB_STMT(stmt_series_next_surveys,
           "INSERT INTO round_surveys (round_id, audience, survey_id) "
           "SELECT $2::bigint, audience, survey_id FROM round_surveys WHERE round_id = $1::bigint");
MG_DB_STMT(stmt_series_next_units,
           "INSERT INTO round_units (round_id, unit_id, expected_headcount) "
           "SELECT $2::bigint, unit_id, expected_headcount FROM round_units WHERE round_id = $1::bigint");
/* Pseudonym retention: the latest round of the series closed long enough
 * ago. Returns the series and how many pseudonyms were removed. */
MG_DB_STMT(stmt_retention_pseudonyms,
           "WITH due AS (SELECT s.id FROM series s WHERE s.pseudonym_retention_months IS NOT NULL "
           "  AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.series_id = s.id AND r.state <> 'closed') "
           "  AND (SELECT max(closes_at) FROM rounds r WHERE r.series_id = s.id) "
           "      + make_interval(months => s.pseudonym_retention_months) <= $1::timestamptz), "
           "inv AS (UPDATE invitations i SET pseudonym = NULL FROM rounds r, due "
           "  WHERE i.round_id = r.id AND r.series_id = due.id AND i.pseudonym IS NOT NULL), "
           "resp AS (UPDATE responses p SET pseudonym = NULL FROM rounds r, due "
           "  WHERE p.round_id = r.id AND r.series_id = due.id AND p.pseudonym IS NOT NULL "
           "  RETURNING r.series_id) "
           "SELECT series_id, count(*) FROM resp GROUP BY series_id");

/* Response retention: rows of rounds that closed long enough ago are
 * deleted; the aggregates (sql/003_indicators.sql) stay, so the indicators
 * of those rounds do not change. */
MG_DB_STMT(stmt_retention_responses,
           "WITH due AS (SELECT r.id, r.series_id FROM rounds r JOIN series s ON s.id = r.series_id "
           "  WHERE s.response_retention_months IS NOT NULL AND r.state = 'closed' "
           "  AND r.closes_at + make_interval(months => s.response_retention_months) <= $1::timestamptz), "
           "del AS (DELETE FROM responses p USING due WHERE p.round_id = due.id RETURNING due.series_id) "
           "SELECT series_id, count(*) FROM del GROUP BY series_id");

/* Anonymous responses move from the queue in shuffled batches: while the
 * round is open only once a batch is large (so a batch never narrows down
 * whose it is), everything once it has closed. Only web responses count
 * towards a large batch (mg_flush_anonymous, sql/010_registrar.sql): paper
 * entries typed in by HR go out with the next batch that qualifies. */
MG_DB_STMT(stmt_flush_anonymous_due,
           "SELECT q.round_id, mg_flush_anonymous(q.round_id, CASE WHEN r.state = 'open' "
           "THEN greatest(r.min_group_size, 10) ELSE 1 END) "
           "FROM (SELECT DISTINCT round_id FROM anonymous_queue) q JOIN rounds r ON r.id = q.round_id");

static void audit_ids(struct mg_db_conn *conn, PGresult *res, const char *action, int *changes)
{
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "round", atof(PQgetvalue(res, i, 0)));
        mg_audit(conn, 0, "scheduler", action, d);
        cJSON_Delete(d);
        mg_log(MG_LOG_INFO, "scheduler: %s round %s (%s)",
               strcmp(action, "round.open") == 0 ? "opened" : "closed", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1));
        (*changes)++;
    }
}

struct pass_ctx {
    const char *now;
    int changes;
};

static enum mg_qs pass_tx(struct mg_db_conn *conn, void *arg)
{
    struct pass_ctx *p = arg;
    const char *lock[] = {SCHEDULER_LOCK};
    const char *now[] = {p->now};
    PGresult *res = NULL;
    enum mg_qs qs;

    p->changes = 0;
    qs = mg_db_exec(conn, &stmt_try_lock, 1, lock, &res);
    if (qs < 0)
        return qs;
    bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!got)
        return MG_QS_NONE; /* another server is on it */

    /* Close before open so a round whose window is over never reopens. */
    if ((qs = mg_db_exec(conn, &stmt_close_due, 1, now, &res)) < 0)
        return qs;
    audit_ids(conn, res, "round.close", &p->changes);
    PQclear(res);
    if ((qs = mg_db_exec(conn, &stmt_open_due, 1, now, &res)) < 0)
        return qs;
    audit_ids(conn, res, "round.open", &p->changes);
    PQclear(res);

    if ((qs = mg_db_exec(conn, &stmt_series_due, 1, now, &res)) < 0)
        return qs;
    for (int i = 0; i < PQntuples(res); i++) {
        PGresult *ins = NULL;
        const char *prev = PQgetvalue(res, i, 0);
        const char *ip[] = {prev, PQgetvalue(res, i, 3), PQgetvalue(res, i, 2),
                            PQgetvalue(res, i, 4), PQgetvalue(res, i, 5)};
        qs = mg_db_exec(conn, &stmt_series_next_insert, 5, ip, &ins);
        if (qs < 0) {
            PQclear(res);
            return qs;
        }
        if (qs == MG_QS_ROWS) {
            char next[24];
            snprintf(next, sizeof next, "%s", PQgetvalue(ins, 0, 0));
            const char *cp[] = {prev, next};
            if ((qs = mg_db_exec(conn, &stmt_series_next_surveys, 2, cp, NULL)) < 0 ||
                (qs = mg_db_exec(conn, &stmt_series_next_units, 2, cp, NULL)) < 0) {
                PQclear(ins);
                PQclear(res);
                return qs;
            }
            cJSON *d = cJSON_CreateObject();
            cJSON_AddNumberToObject(d, "round", atof(next));
            cJSON_AddNumberToObject(d, "series", atof(PQgetvalue(res, i, 1)));
            cJSON_AddNumberToObject(d, "seq", atof(PQgetvalue(res, i, 2)));
            mg_audit(conn, 0, "scheduler", "round.create", d);
            cJSON_Delete(d);
            mg_log(MG_LOG_INFO, "scheduler: created round %s of series %s, opening %s", next,
                   PQgetvalue(res, i, 1), PQgetvalue(res, i, 4));
            p->changes++;
        }
        PQclear(ins);
    }
    PQclear(res);

    if ((qs = mg_db_exec(conn, &stmt_flush_anonymous_due, 0, NULL, &res)) < 0)
        return qs;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(PQgetvalue(res, i, 1), "0") == 0)
            continue;
        mg_log(MG_LOG_INFO, "scheduler: stored a batch of %s anonymous responses of round %s",
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
        p->changes++;
    }
    PQclear(res);

    if ((qs = mg_db_exec(conn, &stmt_retention_responses, 1, now, &res)) < 0)
        return qs;
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "series", atof(PQgetvalue(res, i, 0)));
        cJSON_AddNumberToObject(d, "responses_deleted", atof(PQgetvalue(res, i, 1)));
        mg_audit(conn, 0, "scheduler", "retention.responses", d);
        cJSON_Delete(d);
        mg_log(MG_LOG_INFO, "scheduler: retention deleted %s responses of series %s (aggregates kept)",
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
        p->changes++;
    }
    PQclear(res);

    if ((qs = mg_db_exec(conn, &stmt_retention_pseudonyms, 1, now, &res)) < 0)
        return qs;
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "series", atof(PQgetvalue(res, i, 0)));
        cJSON_AddNumberToObject(d, "pseudonyms_removed", atof(PQgetvalue(res, i, 1)));
        mg_audit(conn, 0, "scheduler", "retention.pseudonyms", d);
        cJSON_Delete(d);
        mg_log(MG_LOG_INFO, "scheduler: retention removed %s pseudonyms of series %s",
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
        p->changes++;
    }
    PQclear(res);
    return MG_QS_ROWS;
}

int mg_scheduler_pass(struct mg_db_conn *conn, const char *now)
{
    struct pass_ctx p = {now, 0};
    if (mg_db_tx(conn, pass_tx, &p) < 0)
        return -1;
    return p.changes;
}

static enum mg_qs compact_tx(struct mg_db_conn *conn, void *arg)
{
    long long *folded = arg;
    const char *lock[] = {COMPACT_LOCK};
    PGresult *res = NULL;
    enum mg_qs qs = mg_db_exec(conn, &stmt_try_lock, 1, lock, &res);

    *folded = 0;
    if (qs < 0)
        return qs;
    bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!got)
        return MG_QS_NONE;
    if ((qs = mg_db_exec(conn, &stmt_compact, 0, NULL, &res)) < 0)
        return qs;
    *folded = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return MG_QS_ROWS;
}

long long mg_scheduler_compact(struct mg_db_conn *conn)
{
    long long folded = 0;
    if (mg_db_tx(conn, compact_tx, &folded) < 0)
        return -1;
    return folded;
}

struct mg_scheduler {
    struct mg_db *db;
    unsigned int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

static void *run(void *arg)
{
    struct mg_scheduler *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        pthread_mutex_unlock(&s->lock);
        struct mg_db_conn *conn = mg_db_acquire(s->db);
        if (conn) {
            char now[40];
            mg_clock_now(now, sizeof now);
            if (mg_scheduler_pass(conn, now) < 0)
                mg_log(MG_LOG_WARN, "scheduler: pass failed; retrying at the next interval");
            /* Its own transaction: the rows it folds stay locked only as
             * long as the folding takes. */
            if (mg_scheduler_compact(conn) < 0)
                mg_log(MG_LOG_WARN, "scheduler: folding the aggregates failed; retrying at the next interval");
            mg_db_release(s->db, conn);
        }
        pthread_mutex_lock(&s->lock);
        if (s->stopping)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->interval_ms / 1000;
        until.tv_nsec += (long)(s->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct mg_scheduler *mg_scheduler_start(struct mg_db *db, unsigned int interval_ms)
{
    struct mg_scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->db = db;
    s->interval_ms = interval_ms ? interval_ms : 1000;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        free(s);
        return NULL;
    }
    return s;
}

void mg_scheduler_stop(struct mg_scheduler *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
