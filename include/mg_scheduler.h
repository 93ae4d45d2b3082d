/* mg_scheduler.h: the thread in `mognad serve` that opens and closes rounds
 * on time, makes a series' next round, and applies retention.
 *
 * Every pass runs in one transaction under a transaction-level advisory
 * lock, and every change is a conditional UPDATE or an INSERT guarded by a
 * unique key, so two servers on one database never act twice. */
#ifndef MG_SCHEDULER_H
#define MG_SCHEDULER_H

struct mg_db;
struct mg_db_conn;
struct mg_scheduler;

/* Starts the thread: a pass at once, then every `interval_ms`. NULL when
 * the thread cannot start. */
struct mg_scheduler *mg_scheduler_start(struct mg_db *db, unsigned int interval_ms);
/* Wakes the thread, waits for it to end and frees it. */
void mg_scheduler_stop(struct mg_scheduler *s);

/* One pass at time `now` (ISO 8601). Returns the number of changes made,
 * 0 when another server held the lock, -1 on a database error. */
int mg_scheduler_pass(struct mg_db_conn *conn, const char *now);

/* Folds the aggregates' shard rows into one row per key (mg_agg_compact in
 * sql/007_compact.sql), in its own transaction under its own advisory
 * lock. Returns the number of rows folded (0 also when another server held
 * the lock), -1 on a database error. Every pass of the thread runs it. */
long long mg_scheduler_compact(struct mg_db_conn *conn);

#endif
