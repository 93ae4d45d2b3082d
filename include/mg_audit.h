/* mg_audit.h: the append-only audit log of HR and scheduler actions. */
#ifndef MG_AUDIT_H
#define MG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct mg_db_conn;

/* Who acts, for the audit log: an HR user (user_id > 0, name their login)
 * or a program (user_id 0, name "cli", "scheduler", "demo"). */
struct mg_actor {
    int64_t user_id;
    const char *name;
};
#define MG_ACTOR(name) ((struct mg_actor){0, (name)})

/* Appends one entry inside the caller's transaction. `user_id` 0 means no
 * HR user (the command line or the scheduler); `actor` names who acted
 * ("cli", "scheduler", a login); `detail` (may be NULL) is not freed and
 * must never hold a secret. Returns MG_QS_* as from mg_db_exec. */
int mg_audit(struct mg_db_conn *conn, int64_t user_id, const char *actor, const char *action,
             const struct cJSON *detail);

/* What to read from the log: entries on or after `since` (YYYY-MM-DD, UTC;
 * NULL for all) whose action starts with `action` (NULL for all), newest
 * first, `limit` of them after skipping `offset`. */
struct mg_audit_query {
    const char *since;
    const char *action;
    long limit;
    long offset;
};

/* True when `s` is a date YYYY-MM-DD (the shape only; the database checks
 * the calendar). */
bool mg_audit_date_ok(const char *s);
/* True when `s` could start an action name ([a-z_.], at most 64 bytes). */
bool mg_audit_action_ok(const char *s);

/* The entries as a JSON array of {"id", "at" (ISO 8601 UTC), "user"
 * (login or null), "actor", "action", "detail"}; NULL on a database error
 * (a date the calendar lacks is one: check with mg_audit_date_ok first).
 * Caller frees with cJSON_Delete. */
struct cJSON *mg_audit_list(struct mg_db_conn *conn, const struct mg_audit_query *q);

#endif
