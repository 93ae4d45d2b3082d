/* mg_keys.h: the key file, and the tokens and pseudonyms derived from it.
 *
 * Two independent 32-byte keys: the token key makes invitation and open
 * links (so they can be recomputed from the register, never stored), the
 * pseudonym key makes the keyed hash that links a person's responses
 * within a series. Deleting the pseudonym key unlinks everything. */
#ifndef MG_KEYS_H
#define MG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define MG_KEY_BYTES 32
#define MG_TOKEN_BYTES 32
/* base64url without padding of MG_TOKEN_BYTES, plus NUL. */
#define MG_TOKEN_TEXT 44

/* Distinct types so a pseudonym can never be passed where a token hash is
 * expected; compare with sodium_memcmp, wipe with sodium_memzero. */
struct mg_token_key { unsigned char k[MG_KEY_BYTES]; };
struct mg_pseudonym_key { unsigned char k[MG_KEY_BYTES]; };
struct mg_token { char text[MG_TOKEN_TEXT]; };
struct mg_token_hash { unsigned char h[32]; };
struct mg_pseudonym { unsigned char h[32]; };

/* Token keys kept after `mognad keygen --rotate`, newest first. */
#define MG_KEYS_MAX_PREVIOUS 8

struct mg_keys {
    struct mg_token_key token;           /* makes every new link */
    struct mg_pseudonym_key pseudonym;   /* never rotated (pairing in a series) */
    struct mg_token_key previous[MG_KEYS_MAX_PREVIOUS]; /* previous_token_key lines */
    size_t n_previous;
};

/* Writes a new key file at `path` with fresh random keys, mode 0600;
 * refuses (-1, reason in `err`) when the file exists. */
int mg_keys_generate(const char *path, char *err, size_t errlen);

/* Reads `path`. Refuses (-1, with the fix in `err`) a missing file, a file
 * readable or writable by group or others, or a malformed one. */
int mg_keys_load(const char *path, struct mg_keys *keys, char *err, size_t errlen);

/* Rotates the token key of the key file at `path`: a new random token key
 * becomes current, the current one the newest previous_token_key (at most
 * MG_KEYS_MAX_PREVIOUS kept; the oldest beyond that is dropped), the
 * pseudonym key stays. Written to a new file renamed over `path`. */
int mg_keys_rotate(const char *path, char *err, size_t errlen);

/* Wipes the keys from memory. */
void mg_keys_wipe(struct mg_keys *keys);

/* The invitation token of `employee_id` in round `round_id`. */
void mg_keys_invitation_token(const struct mg_keys *keys, int64_t round_id,
                              const char *employee_id, struct mg_token *out);
/* The same under previous token key `i` (< keys->n_previous): the link a
 * person was sent before a rotation. */
void mg_keys_invitation_token_previous(const struct mg_keys *keys, size_t i, int64_t round_id,
                                       const char *employee_id, struct mg_token *out);
/* The open link token of unit `unit_id` in round `round_id`. */
void mg_keys_open_token(const struct mg_keys *keys, int64_t round_id, int64_t unit_id,
                        struct mg_token *out);
/* The same under previous token key `i` (< keys->n_previous). */
void mg_keys_open_token_previous(const struct mg_keys *keys, size_t i, int64_t round_id,
                                 int64_t unit_id, struct mg_token *out);
/* The pseudonym of `employee_id` within `scope` ("series:12" or
 * "round:34"): stable across the rounds of one series, unrelated between
 * series. */
void mg_keys_pseudonym(const struct mg_keys *keys, const char *scope, const char *employee_id,
                       struct mg_pseudonym *out);

/* The hash stored for a token (what the database knows of a link).
 * Returns -1 when `text` is not a well-formed token. */
int mg_keys_token_hash(const char *text, struct mg_token_hash *out);

/* A fresh random token (respondent and HR session cookies). */
void mg_keys_random_token(struct mg_token *out);

#endif
