/* mg_audit.h: the append-only audit log of HR and scheduler actions. */
#ifndef MG_AUDIT_H
#define MG_AUDIT_H

#include <stdint.h>

struct cJSON;
struct mg_db_conn;

/* Appends one entry inside the caller's transaction. `user_id` 0 means no
 * HR user (the command line or the scheduler); `actor` names who acted
 * ("cli", "scheduler", a login); `detail` (may be NULL) is not freed and
 * must never hold a secret. Returns MG_QS_* as from mg_db_exec. */
int mg_audit(struct mg_db_conn *conn, int64_t user_id, const char *actor, const char *action,
             const struct cJSON *detail);

#endif
