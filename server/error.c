/* error.c: the table from error codes to HTTP statuses and messages. */
#include "mg_error.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mg_form.h"

struct error_entry {
    enum mg_error err;
    unsigned int status;
    const char *code;
    const char *message;
};

static const struct error_entry errors[] = {
    {MG_OK, 200, "ok", "OK"},
    {MG_ERR_NOT_FOUND, 404, "not_found", "Nothing is found at this address."},
    {MG_ERR_METHOD_NOT_ALLOWED, 405, "method_not_allowed",
     "This method is not allowed here."},
    {MG_ERR_BODY_TOO_LARGE, 413, "body_too_large", "The request body is too large."},
    {MG_ERR_URI_TOO_LONG, 414, "uri_too_long", "The address is too long."},
    {MG_ERR_BAD_JSON, 400, "bad_json", "The body is not valid JSON."},
    {MG_ERR_BAD_FORM, 400, "bad_form", "The form data could not be read."},
    {MG_ERR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type",
     "This content type is not accepted here."},
    {MG_ERR_INVALID_INPUT, 400, "invalid_input", "The input is not valid."},
    {MG_ERR_INTERNAL, 500, "internal", "Something went wrong on our side."},
    {MG_ERR_UNAVAILABLE, 503, "unavailable",
     "The service is temporarily unavailable. Please try again shortly."},
    {MG_ERR_SURVEY_INVALID, 400, "survey_invalid", "The survey definition is not valid."},
    {MG_ERR_ANSWER_INVALID, 400, "answer_invalid", "An answer is not valid."},
    {MG_ERR_UNAUTHORISED, 401, "unauthorised", "Please log in."},
    {MG_ERR_FORBIDDEN, 403, "forbidden", "You do not have access to this."},
    {MG_ERR_CSRF, 403, "csrf", "The form has expired. Please reload the page and try again."},
    {MG_ERR_TOO_MANY_ATTEMPTS, 429, "too_many_attempts",
     "Too many attempts. Please wait a moment and try again."},
    {MG_ERR_ROUND_CLOSED, 410, "round_closed", "This survey round has closed."},
    {MG_ERR_ROUND_NOT_OPEN, 409, "round_not_open", "This survey round is not open yet."},
    {MG_ERR_CONFLICT, 409, "conflict", "The request conflicts with the current state."},
    {MG_ERR_ROUND_NOT_CLOSED, 409, "round_not_closed",
     "Figures of what people answered are released when the round closes."},
    {MG_ERR_DB, 500, "internal", "Something went wrong on our side."},
};

static const struct error_entry *find(enum mg_error err)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].err == err)
            return &errors[i];
    return NULL;
}

unsigned int mg_error_status(enum mg_error err)
{
    const struct error_entry *e = find(err);
    return e ? e->status : 500;
}

const char *mg_error_code(enum mg_error err)
{
    const struct error_entry *e = find(err);
    return e ? e->code : "internal";
}

const char *mg_error_message(enum mg_error err)
{
    const struct error_entry *e = find(err);
    return e ? e->message : "Something went wrong on our side.";
}

/* Adds `s` as a string, shortened to valid UTF-8: a message built with
 * snprintf around a client's value may end in a cut character. */
static cJSON *add_utf8(cJSON *o, const char *key, const char *s)
{
    size_t len = strlen(s);
    if (mg_utf8_valid(s, len))
        return cJSON_AddStringToObject(o, key, s);
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    for (int cut = 0; cut < 4 && len > 0 && !mg_utf8_valid(copy, len); cut++)
        copy[--len] = '\0';
    cJSON *item = cJSON_AddStringToObject(o, key, mg_utf8_valid(copy, len) ? copy : "");
    free(copy);
    return item;
}

cJSON *mg_error_json(enum mg_error err, const char *message, const char *field)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(root, "error");

    if (!e || !cJSON_AddStringToObject(e, "code", mg_error_code(err)) ||
        !add_utf8(e, "message", message ? message : mg_error_message(err)) ||
        (field && !add_utf8(e, "field", field))) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
