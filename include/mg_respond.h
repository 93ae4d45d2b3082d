/* mg_respond.h: respondent sessions: exchanging a link for a cookie,
 * keeping the draft, and storing the submitted response.
 *
 * A session knows its round, unit, role and survey, and the draft; never
 * a name, an address or a time finer than a day. */
#ifndef MG_RESPOND_H
#define MG_RESPOND_H

#include <stdbool.h>
#include <stdint.h>

#include "mg_error.h"
#include "mg_keys.h"

struct cJSON;
struct mg_db_conn;

#define MG_RESPOND_COOKIE "mognad_r"
/* A cookie without a secret, SameSite=Lax, that survives the cross-site
 * navigation from a mail client; it only tells /survey that a session
 * cookie is waiting for a same-site request. */
#define MG_RESPOND_MARKER "mognad_rs"

struct mg_rsession {
    struct mg_token_hash hash;
    int64_t round_id, unit_id, survey_id, invitation_id; /* invitation 0: open link */
    char role[8];
    char mode[16];
    char round_state[16];
    bool accepting;        /* open, and before its closing time */
    bool not_yet_open;
    /* YYYY-MM-DD: the day the round opens and the last day answers are
     * taken (the day before a close at midnight). */
    char opens_on[16], last_day[16];
    int k;
    char language[4];      /* the round's default */
    struct cJSON *draft;   /* {"answers": {...}, "submitted": bool}; owned */
    const struct cJSON *definition; /* the survey definition (mg_survey_definition); never changed */
    struct cJSON *definition_owned; /* set when the definition is this session's own copy */
};

/* Exchanges invitation token `token` (from /s/<token>) for a new session
 * whose cookie is written to `cookie`. MG_ERR_NOT_FOUND for an unknown
 * token, MG_ERR_ROUND_CLOSED after close, MG_ERR_CONFLICT when an
 * anonymous invitation was already used. A pseudonymous respondent who
 * answered before gets their answers back in the draft. */
enum mg_error mg_respond_start_invitation(struct mg_db_conn *conn, const char *token,
                                          struct mg_token *cookie);
/* The same for an open round's unit link (/o/<token>). */
enum mg_error mg_respond_start_open(struct mg_db_conn *conn, const char *token,
                                    struct mg_token *cookie);

/* Loads the session of cookie value `cookie`; MG_ERR_UNAUTHORISED when
 * there is none. The caller frees with mg_respond_free. */
enum mg_error mg_respond_load(struct mg_db_conn *conn, const char *cookie, struct mg_rsession *s);
void mg_respond_free(struct mg_rsession *s);

/* Merges answers into the stored draft in one statement, so requests of
 * the same session (a page post and respond.js's autosave) never undo each
 * other: the items in `remove` (a text[] literal such as {a,b}, or NULL)
 * are dropped, then those of `set` (a JSON object of item -> answer) are
 * written. `s->draft` becomes the stored result. */
enum mg_error mg_respond_merge_answers(struct mg_db_conn *conn, struct mg_rsession *s,
                                       const struct cJSON *set, const char *remove);

/* Stores `s->draft`. */
enum mg_error mg_respond_save_draft(struct mg_db_conn *conn, const struct mg_rsession *s);

struct mg_score;

enum mg_submit_outcome {
    MG_SUBMIT_STORED,  /* a new response */
    MG_SUBMIT_REVISED, /* pseudonymous: replaced the person's earlier response */
    MG_SUBMIT_ALREADY, /* anonymous or open: this session has submitted already */
};

/* Stores the response of session `s`, scored as `score`, in one
 * transaction: pseudonymous rounds replace the person's earlier response
 * (found by pseudonym) and keep the answers in the draft for revision;
 * anonymous rounds mark the invitation completed and queue the response
 * for a shuffled batch (sql/004_submit.sql); open rounds store it. In
 * anonymous and open rounds the draft's answers are then erased, so the
 * session no longer holds anything of the response. MG_ERR_ROUND_CLOSED
 * when the round no longer accepts answers, MG_ERR_UNAUTHORISED when the
 * session is gone. */
enum mg_error mg_respond_submit(struct mg_db_conn *conn, struct mg_rsession *s,
                                const struct mg_score *score, enum mg_submit_outcome *outcome);

/* Moves queued anonymous responses of round `round_id` into responses
 * when at least `min` wait (sql/004_submit.sql); returns how many, or -1. */
int mg_respond_flush_anonymous(struct mg_db_conn *conn, int64_t round_id, int min);

/* The per-session form token against cross-site form posts: a keyed hash
 * of the session, so nothing more is stored. */
void mg_respond_csrf(const struct mg_keys *keys, const struct mg_rsession *s, struct mg_token *out);

#endif
