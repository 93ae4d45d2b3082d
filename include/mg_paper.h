/* mg_paper.h: the paper channel: what a registrar needs to type in a
 * filled-in paper questionnaire, and storing it with channel 'paper'.
 * Nothing here counts responses: the registrar sees no count of any kind,
 * so typed-in answers cannot be steered by the figures (docs/privacy.md).
 *
 * A paper response is stored exactly like a web submission of the same
 * round (open rounds directly, anonymous rounds through anonymous_queue),
 * never with a pseudonym, an invitation or the registrar who typed it in.
 * Pseudonymous rounds take no paper responses: each of their responses
 * belongs to one invitation. */
#ifndef MG_PAPER_H
#define MG_PAPER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mg_error.h"
#include "mg_keys.h"

struct mg_db_conn;
struct mg_score;

struct mg_paper_round {
    int64_t id;
    char name[256];
    char mode[16];
    bool accepting;                      /* open, and before its closing time */
    int k;
    int64_t staff_survey, manager_survey; /* 0: the round has none for that role */
};

/* Round `round_id`; MG_ERR_NOT_FOUND or MG_ERR_UNAVAILABLE. */
enum mg_error mg_paper_round(struct mg_db_conn *conn, int64_t round_id, struct mg_paper_round *out);

/* The units of the round's part of the tree in tree order: code, name,
 * depth (1 for the top). NULL on a database error; PQclear it. */
PGresult *mg_paper_units(struct mg_db_conn *conn, int64_t round_id);

/* The rounds that take paper responses now (open, before their closing
 * time, not pseudonymous), closing soonest first: id, name, mode,
 * closes_at. NULL on a database error; PQclear it. */
PGresult *mg_paper_open_rounds(struct mg_db_conn *conn);

/* A new one-time token for a paper entry form of round `round_id`, shown
 * in HR session `session` (mg_user.session): stored as its hash, bound to
 * both; the form posts it back to mg_paper_store. MG_ERR_UNAVAILABLE when
 * it could not be stored. */
enum mg_error mg_paper_form_token(struct mg_db_conn *conn, int64_t round_id, const struct mg_token_hash *session,
                                  struct mg_token *out);

/* Stores one paper response to round `round_id` for unit `unit_code` and
 * role `role` ("staff" | "manager"), scored as `score`, and audits it
 * (action response.paper; the detail names round, unit and role, never an
 * answer) for HR user `user_id` / `actor`, in one transaction, using up
 * `form_token` (of mg_paper_form_token, for this round and `session`).
 * Sets *queued when it waits in the anonymous queue. Errors:
 * MG_ERR_NOT_FOUND (no such round), MG_ERR_CONFLICT (a pseudonymous round;
 * or `msg` "stored": this form's response was stored already, nothing is
 * stored again), MG_ERR_CSRF (a token this session was not given for this
 * round), MG_ERR_ROUND_CLOSED, MG_ERR_INVALID_INPUT (unit outside the
 * round, or no survey for the role; `msg` says which), MG_ERR_UNAVAILABLE. */
enum mg_error mg_paper_store(struct mg_db_conn *conn, int64_t round_id, const char *unit_code,
                             const char *role, const struct mg_score *score, int64_t user_id,
                             const char *actor, const char *form_token, const struct mg_token_hash *session,
                             bool *queued, char *msg, size_t msglen);

#endif
