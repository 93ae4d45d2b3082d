/* mg_json.h: reading request bodies: field types, unknown fields. */
#ifndef MG_JSON_H
#define MG_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* Parses a request body of `len` bytes at `body`, which must be followed by
 * a NUL (body[len] == '\0'), as one JSON value: valid UTF-8, no other NUL,
 * nested at most `max_depth` deep (checked before cJSON recurses), nothing
 * after the value. Returns the value, which the caller frees with
 * cJSON_Delete, or NULL. Pure, so it can be fuzzed. */
struct cJSON *mg_json_parse_body(const char *body, size_t len, int max_depth);

/* When `obj` is a JSON object whose keys are all in the NULL-terminated
 * `allowed`, returns NULL; otherwise the offending key ("" when `obj` is
 * not an object). */
const char *mg_json_unknown_field(const struct cJSON *obj, const char *const *allowed);

/* *out = the string at `key`, or NULL when absent or null. Returns -1 when
 * present with another type. */
int mg_json_string(const struct cJSON *obj, const char *key, const char **out);
/* *out = the integer at `key` (absent or null: *present false). Returns -1
 * for a non-integer or one outside [min, max]. */
int mg_json_int(const struct cJSON *obj, const char *key, long min, long max, long *out,
                bool *present);
/* *out = the boolean at `key` (absent: unchanged). -1 for another type. */
int mg_json_bool(const struct cJSON *obj, const char *key, bool *out);

#endif
