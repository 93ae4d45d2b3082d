/* mg_error.h: the one error enum, its HTTP status and its message key. */
#ifndef MG_ERROR_H
#define MG_ERROR_H

/* Ranges per area: 1xx generic, 2xx survey, 3xx auth, 4xx round, 5xx db.
 * The code string (mg_error_code) is the stable name clients see. */
enum mg_error {
    MG_OK = 0,
    /* generic */
    MG_ERR_NOT_FOUND = 100,
    MG_ERR_METHOD_NOT_ALLOWED,
    MG_ERR_BODY_TOO_LARGE,
    MG_ERR_URI_TOO_LONG,
    MG_ERR_BAD_JSON,
    MG_ERR_BAD_FORM,
    MG_ERR_UNSUPPORTED_MEDIA_TYPE,
    MG_ERR_INVALID_INPUT,
    MG_ERR_INTERNAL,
    MG_ERR_UNAVAILABLE,
    /* survey */
    MG_ERR_SURVEY_INVALID = 200,
    MG_ERR_ANSWER_INVALID,
    /* auth */
    MG_ERR_UNAUTHORISED = 300,
    MG_ERR_FORBIDDEN,
    MG_ERR_CSRF,
    MG_ERR_TOO_MANY_ATTEMPTS,
    /* round */
    MG_ERR_ROUND_CLOSED = 400,
    MG_ERR_ROUND_NOT_OPEN,
    MG_ERR_CONFLICT,
    MG_ERR_ROUND_NOT_CLOSED, /* figures of what people answered wait for the close */
    /* db */
    MG_ERR_DB = 500,
};

/* HTTP status for `err` (500 for an unknown value). */
unsigned int mg_error_status(enum mg_error err);
/* Stable machine-readable name, e.g. "not_found". */
const char *mg_error_code(enum mg_error err);
/* Default English message shown when the caller gives none. */
const char *mg_error_message(enum mg_error err);

struct cJSON;
/* The error body {"error":{"code","message"[,"field"]}}; `message` NULL
 * uses the default. Caller frees with cJSON_Delete; NULL when out of memory. */
struct cJSON *mg_error_json(enum mg_error err, const char *message, const char *field);

#endif
