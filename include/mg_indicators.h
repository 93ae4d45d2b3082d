/* mg_indicators.h: the indicators of a round, its overview and a series'
 * trend, as JSON: aggregates loaded from sql/003_indicators.sql's tables,
 * rolled up the unit tree, computed by mg_stats and filtered by
 * mg_privacy for the whole round before anything is returned. The API
 * (handlers/api_indicators.c) and `mognad indicators` both call these, so
 * they cannot differ. Fields are documented in docs/indicators.md. */
#ifndef MG_INDICATORS_H
#define MG_INDICATORS_H

#include <stddef.h>
#include <stdint.h>

#include "mg_db.h"
#include "mg_error.h"
#include "mg_privacy.h"

struct cJSON;
struct mg_db_conn;

#define MG_IND_MAX_DEPTH 20

struct mg_ind_query {
    const char *unit_code;  /* NULL: the round's unit (or the caller's, for a unit-viewer) */
    enum mg_priv_role role; /* MG_PRIV_STAFF, MG_PRIV_MANAGER or MG_PRIV_ALL */
    int depth;              /* levels of children under the unit, 0..MG_IND_MAX_DEPTH */
    int64_t viewer_unit;    /* > 0: the caller may see only this unit's subtree */
};

/* Parses "staff", "manager" or "all"; -1 for anything else. */
int mg_indicators_parse_role(const char *s, enum mg_priv_role *role);

/* The indicators of round `round_id` for the unit of `q` and `q->depth`
 * levels below it. On MG_OK *out is the body (caller frees with
 * cJSON_Delete); otherwise `msg` says why: MG_ERR_NOT_FOUND (no such round
 * or unit), MG_ERR_FORBIDDEN (a unit outside the viewer's subtree, or one
 * that does not exist: a viewer learns nothing about other units),
 * MG_ERR_UNAVAILABLE or MG_ERR_DB. */
enum mg_error mg_indicators_round(struct mg_db_conn *conn, int64_t round_id,
                                  const struct mg_ind_query *q, struct cJSON **out, char *msg,
                                  size_t msglen);

/* The response counts alone of the unit mg_indicators_round would start at
 * (the round's, or the viewer's): {"round", "role", "units": [{"code",
 * "name", "subtree", "alone"}]}, each cell holding "responded", "invited"
 * and "response_rate" exactly as mg_indicators_round gives them (the
 * privacy rule decides per measure, so the counts' cells are the same).
 * q->unit_code and q->depth are not used. For the rounds list: it loads no
 * scores. Errors as for mg_indicators_round. */
enum mg_error mg_indicators_counts(struct mg_db_conn *conn, int64_t round_id,
                                   const struct mg_ind_query *q, struct cJSON **out, char *msg,
                                   size_t msglen);

/* Every unit (of the viewer's subtree) x every area: mean and n of the
 * subtree, and the index, for role `q->role`; q->unit_code and q->depth
 * are not used. Errors as for mg_indicators_round. */
enum mg_error mg_indicators_overview(struct mg_db_conn *conn, int64_t round_id,
                                     const struct mg_ind_query *q, struct cJSON **out, char *msg,
                                     size_t msglen);

/* Each round of series `series_id` for the unit of `q` (its subtree):
 * responses, index and areas, and the change from the round before with
 * the paired change where pseudonyms allow. q->depth is not used. */
enum mg_error mg_indicators_trend(struct mg_db_conn *conn, int64_t series_id,
                                  const struct mg_ind_query *q, struct cJSON **out, char *msg,
                                  size_t msglen);

/* A round's decision on its respondent groups (the response counts of
 * every unit alone and with its subtree, per role), for research
 * microdata: the same decision the indicators make, over the same tree.
 * Units come parents first; `st[u][kind][role]`. */
struct mg_ind_groups {
    size_t n;
    int64_t *unit_id;
    char **code, **name;
    size_t *parent;
    enum mg_priv_status (*st)[2][3];
    int k;
    char state[16];
    char root_code[72]; /* the round's unit, "" for the whole organisation */
};

/* Loads the decision of round `round_id` inside the caller's transaction:
 * MG_QS_ROWS, MG_QS_NONE (no such round) or an error. Free with
 * mg_indicators_groups_free. */
enum mg_qs mg_indicators_groups_load(struct mg_db_conn *conn, int64_t round_id, struct mg_ind_groups *g);
void mg_indicators_groups_free(struct mg_ind_groups *g);

/* The name of base service `service` (e_signature, ...) in language
 * `lang` (0 sv, 1 nb, 2 nn, 3 en), or NULL for an unknown service. */
const char *mg_service_name(const char *service, int lang);

#endif
