/* mg_rounds.h: creating, changing, opening and closing rounds and series.
 *
 * The command line and the JSON API share these functions. Each returns
 * MG_OK or an error whose code maps to an HTTP status, with a message for
 * people in `msg` ("closes: must be after opens"). */
#ifndef MG_ROUNDS_H
#define MG_ROUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mg_audit.h"
#include "mg_error.h"

struct cJSON;
struct mg_db_conn;

/* What a round is made of. NULL fields (0 for k) mean the default on
 * create and "unchanged" on update. */
struct mg_round_spec {
    const char *name;
    const char *opens;          /* ISO 8601: 2027-03-01 or 2027-03-01T08:00[:00][Z|+01:00] */
    const char *closes;
    const char *mode;           /* pseudonymous | anonymous | open */
    const char *language;       /* sv | nb | nn | en: invitations' default */
    const char *unit_code;      /* the part of the tree the round covers */
    const char *staff_survey;   /* "key" or "key:version"; "none" drops it on update */
    const char *manager_survey;
    int k;                      /* minimum group size, >= 3; default 5 */
};

struct mg_series_spec {
    const char *name;
    const char *every;               /* "12months", "1year", "6 months" */
    const char *duration;            /* "21days", "3weeks" */
    int64_t template_round;          /* becomes the series' first round */
    const char *pseudonym_retention; /* "6months"; NULL keeps pseudonyms */
    const char *response_retention;  /* "5years"; NULL keeps responses */
};

enum mg_round_action { MG_ROUND_OPEN, MG_ROUND_CLOSE };

/* Pure checks, exposed for tests. Each returns NULL when `s` is fine or a
 * description of what is wrong. */
const char *mg_round_check_time(const char *s);
const char *mg_round_check_mode(const char *s);
const char *mg_round_check_language(const char *s);
/* Parses "12months", "1 year", "2years" into months; -1 when not such. */
int mg_parse_months(const char *s);
/* Parses "21days", "3 weeks", "1day" into days; -1 when not such. */
int mg_parse_days(const char *s);

enum mg_error mg_round_create(struct mg_db_conn *conn, const struct mg_round_spec *spec,
                              struct mg_actor actor, int64_t *id, char *msg, size_t msglen);
enum mg_error mg_round_update(struct mg_db_conn *conn, int64_t id,
                              const struct mg_round_spec *spec, struct mg_actor actor, char *msg,
                              size_t msglen);
/* Opens or closes round `id` now. A closed round reopens only with
 * `reopen`, and when its closing time has passed only with a new `closes`. */
enum mg_error mg_round_transition(struct mg_db_conn *conn, int64_t id,
                                  enum mg_round_action action, bool reopen,
                                  const char *closes, struct mg_actor actor, char *msg,
                                  size_t msglen);
/* The rounds as a JSON array, newest first; NULL on a database error. */
struct cJSON *mg_round_list(struct mg_db_conn *conn);
/* One round with its surveys and counts; *err is MG_ERR_NOT_FOUND when it
 * does not exist. Caller frees with cJSON_Delete. */
struct cJSON *mg_round_get(struct mg_db_conn *conn, int64_t id, enum mg_error *err);

/* The one rule of who may see a round, for every route that names one
 * (the dispatcher checks routes flagged MG_ROUTE_ROUND or MG_ROUTE_SERIES,
 * the rounds list filters with it). `viewer_unit` 0 is a user who sees
 * every round (an analyst or admin); > 0 a unit-viewer of that unit, who
 * sees a round when its part of the tree and their unit's subtree overlap
 * (a round of the whole organisation, of their unit or of a unit above or
 * below it), never one of another branch; < 0 sees none. MG_OK,
 * MG_ERR_FORBIDDEN, MG_ERR_NOT_FOUND (no such round) or MG_ERR_UNAVAILABLE. */
enum mg_error mg_round_visible(struct mg_db_conn *conn, int64_t round_id, int64_t viewer_unit);
/* A series by the same rule: its trend names every round of it, so the
 * viewer must be allowed to see each of them. */
enum mg_error mg_series_visible(struct mg_db_conn *conn, int64_t series_id, int64_t viewer_unit);

enum mg_error mg_series_create(struct mg_db_conn *conn, const struct mg_series_spec *spec,
                               struct mg_actor actor, int64_t *id, char *msg, size_t msglen);
struct cJSON *mg_series_list(struct mg_db_conn *conn);

#endif
