/* mg_form.h: percent-decoding and application/x-www-form-urlencoded parsing. */
#ifndef MG_FORM_H
#define MG_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define MG_FORM_MAX_PAIRS 2000

struct mg_form_pair {
    char *key;
    char *value;
};

struct mg_form {
    struct mg_form_pair *pairs;
    size_t n;
};

/* Decodes `len` bytes of `in` (%XX escapes; '+' as space when
 * `plus_is_space`) into `out`, which holds at least len + 1 bytes, and
 * NUL-terminates it. Fails (-1) on a malformed escape, a NUL byte or
 * invalid UTF-8, so decoded text is always a valid C string of UTF-8.
 * On success stores the decoded length in *outlen (may be NULL). */
int mg_url_decode(const char *in, size_t len, char *out, size_t *outlen,
                  bool plus_is_space);

/* Parses "a=1&b=2" into `form` (which must be zeroed or freed). Empty
 * pieces are skipped; a key without '=' gets an empty value. Returns -1 on
 * bad encoding or more than MG_FORM_MAX_PAIRS pairs, leaving `form` empty.
 * The caller frees with mg_form_free. */
int mg_form_parse(const char *body, size_t len, struct mg_form *form);

/* The first value for `key`, or NULL. */
const char *mg_form_get(const struct mg_form *form, const char *key);

void mg_form_free(struct mg_form *form);

/* True when `s` (of `len` bytes) is valid UTF-8 without overlongs or
 * surrogates. */
bool mg_utf8_valid(const char *s, size_t len);

#endif
