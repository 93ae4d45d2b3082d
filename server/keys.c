/* keys.c: key file handling and keyed derivation of tokens and pseudonyms. */
#include "mg_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char header[] =
    "# mognad key file. Keep it secret and out of the database and its backups.\n"
    "# token_key makes invitation links; pseudonym_key links a person's responses\n"
    "# within a series. Deleting pseudonym_key makes all pseudonyms unlinkable.\n";

int mg_keys_generate(const char *path, char *err, size_t errlen)
{
    struct mg_keys keys;
    char hex_t[MG_KEY_BYTES * 2 + 1], hex_p[MG_KEY_BYTES * 2 + 1];
    char buf[512];
    int fd;

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium could not be initialised");
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            snprintf(err, errlen, "%s already exists; a key file is never overwritten "
                                  "(move it away first if you really mean to replace it)", path);
        else
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    randombytes_buf(keys.token.k, sizeof keys.token.k);
    randombytes_buf(keys.pseudonym.k, sizeof keys.pseudonym.k);
    sodium_bin2hex(hex_t, sizeof hex_t, keys.token.k, sizeof keys.token.k);
    sodium_bin2hex(hex_p, sizeof hex_p, keys.pseudonym.k, sizeof keys.pseudonym.k);
    int n = snprintf(buf, sizeof buf, "%stoken_key=%s\npseudonym_key=%s\n", header, hex_t, hex_p);
    bool ok = fchmod(fd, 0600) == 0 && write(fd, buf, (size_t)n) == n && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(hex_t, sizeof hex_t);
    sodium_memzero(hex_p, sizeof hex_p);
    mg_keys_wipe(&keys);
    if (!ok) {
        unlink(path);
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        return -1;
    }
    return 0;
}

int mg_keys_rotate(const char *path, char *err, size_t errlen)
{
    struct mg_keys keys;
    unsigned char fresh[MG_KEY_BYTES];
    char hex[MG_KEY_BYTES * 2 + 1], tmp[4096], buf[2048];
    size_t len = 0;
    int fd = -1, rc = -1;

    if (mg_keys_load(path, &keys, err, errlen) != 0)
        return -1;
    if (snprintf(tmp, sizeof tmp, "%s.rotate", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        goto cleanup;
    }
    do
        randombytes_buf(fresh, sizeof fresh);
    while (sodium_memcmp(fresh, keys.pseudonym.k, sizeof fresh) == 0);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s", header);
    sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "token_key=%s\n", hex);
    /* Previous keys, newest first: the one current until now, then the
     * earlier ones, the oldest dropped beyond the limit. */
    sodium_bin2hex(hex, sizeof hex, keys.token.k, sizeof keys.token.k);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "previous_token_key=%s\n", hex);
    for (size_t i = 0; i < keys.n_previous && i + 1 < MG_KEYS_MAX_PREVIOUS; i++) {
        sodium_bin2hex(hex, sizeof hex, keys.previous[i].k, sizeof keys.previous[i].k);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "previous_token_key=%s\n", hex);
    }
    sodium_bin2hex(hex, sizeof hex, keys.pseudonym.k, sizeof keys.pseudonym.k);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "pseudonym_key=%s\n", hex);

    unlink(tmp); /* a leftover of an interrupted rotation */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (fchmod(fd, 0600) != 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0 ||
        close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(hex, sizeof hex);
    sodium_memzero(fresh, sizeof fresh);
    mg_keys_wipe(&keys);
    return rc;
}

static int parse_key(const char *hex, unsigned char out[MG_KEY_BYTES])
{
    size_t bin_len = 0;
    const char *end;
    if (strlen(hex) != MG_KEY_BYTES * 2)
        return -1;
    if (sodium_hex2bin(out, MG_KEY_BYTES, hex, MG_KEY_BYTES * 2, NULL, &bin_len, &end) != 0 ||
        bin_len != MG_KEY_BYTES || *end)
        return -1;
    return 0;
}

int mg_keys_load(const char *path, struct mg_keys *keys, char *err, size_t errlen)
{
    struct stat st;
    char line[256];
    bool have_t = false, have_p = false;
    int lineno = 0, rc = -1;
    FILE *f = NULL;

    memset(keys, 0, sizeof *keys);
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium could not be initialised");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "key file %s is missing; create one with 'mognad keygen %s' "
                                  "(or set MOGNAD_KEY_FILE)", path, path);
        else
            snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "key file %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen, "key file %s can be read by others (mode %03o); fix with 'chmod 600 %s'",
                 path, (unsigned)(st.st_mode & 0777), path);
        close(fd);
        return -1;
    }
    f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *eq = strchr(line, '=');
        int bad = 1;
        if (eq) {
            *eq = '\0';
            if (strcmp(line, "token_key") == 0 && !have_t) {
                bad = parse_key(eq + 1, keys->token.k);
                have_t = !bad;
            } else if (strcmp(line, "pseudonym_key") == 0 && !have_p) {
                bad = parse_key(eq + 1, keys->pseudonym.k);
                have_p = !bad;
            } else if (strcmp(line, "previous_token_key") == 0 &&
                       keys->n_previous < MG_KEYS_MAX_PREVIOUS) {
                bad = parse_key(eq + 1, keys->previous[keys->n_previous].k);
                keys->n_previous += !bad;
            }
        }
        if (bad) {
            snprintf(err, errlen, "key file %s, line %d: expected token_key=<64 hex digits> or "
                                  "pseudonym_key=<64 hex digits>, once each (and up to %d "
                                  "previous_token_key=<64 hex digits>)", path, lineno, MG_KEYS_MAX_PREVIOUS);
            goto cleanup;
        }
    }
    if (!have_t || !have_p) {
        snprintf(err, errlen, "key file %s: %s is missing", path,
                 !have_t ? "token_key" : "pseudonym_key");
        goto cleanup;
    }
    if (sodium_memcmp(keys->token.k, keys->pseudonym.k, MG_KEY_BYTES) == 0) {
        snprintf(err, errlen, "key file %s: the two keys must differ", path);
        goto cleanup;
    }
    rc = 0;

cleanup:
    sodium_memzero(line, sizeof line);
    fclose(f);
    if (rc != 0)
        mg_keys_wipe(keys);
    return rc;
}

void mg_keys_wipe(struct mg_keys *keys) { sodium_memzero(keys, sizeof *keys); }

static void encode(const unsigned char bin[MG_TOKEN_BYTES], struct mg_token *out)
{
    sodium_bin2base64(out->text, sizeof out->text, bin, MG_TOKEN_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void put_be64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8)
        p[i] = (unsigned char)(u & 0xff);
}

static void invitation_token(const unsigned char key[MG_KEY_BYTES], int64_t round_id,
                             const char *employee_id, struct mg_token *out)
{
    crypto_generichash_state st;
    unsigned char id[8], bin[MG_TOKEN_BYTES];

    put_be64(id, round_id);
    crypto_generichash_init(&st, key, MG_KEY_BYTES, sizeof bin);
    crypto_generichash_update(&st, (const unsigned char *)"mognad-invitation", 18);
    crypto_generichash_update(&st, id, sizeof id);
    crypto_generichash_update(&st, (const unsigned char *)employee_id, strlen(employee_id));
    crypto_generichash_final(&st, bin, sizeof bin);
    encode(bin, out);
    sodium_memzero(bin, sizeof bin);
}

void mg_keys_invitation_token(const struct mg_keys *keys, int64_t round_id,
                              const char *employee_id, struct mg_token *out)
{
    invitation_token(keys->token.k, round_id, employee_id, out);
}

void mg_keys_invitation_token_previous(const struct mg_keys *keys, size_t i, int64_t round_id,
                                       const char *employee_id, struct mg_token *out)
{
    invitation_token(keys->previous[i].k, round_id, employee_id, out);
}

static void open_token(const unsigned char key[MG_KEY_BYTES], int64_t round_id, int64_t unit_id,
                       struct mg_token *out)
{
    crypto_generichash_state st;
    unsigned char ids[16], bin[MG_TOKEN_BYTES];

    put_be64(ids, round_id);
    put_be64(ids + 8, unit_id);
    crypto_generichash_init(&st, key, MG_KEY_BYTES, sizeof bin);
    crypto_generichash_update(&st, (const unsigned char *)"mognad-open-link", 17);
    crypto_generichash_update(&st, ids, sizeof ids);
    crypto_generichash_final(&st, bin, sizeof bin);
    encode(bin, out);
    sodium_memzero(bin, sizeof bin);
}

void mg_keys_open_token(const struct mg_keys *keys, int64_t round_id, int64_t unit_id,
                        struct mg_token *out)
{
    open_token(keys->token.k, round_id, unit_id, out);
}

void mg_keys_open_token_previous(const struct mg_keys *keys, size_t i, int64_t round_id,
                                 int64_t unit_id, struct mg_token *out)
{
    open_token(keys->previous[i].k, round_id, unit_id, out);
}

void mg_keys_pseudonym(const struct mg_keys *keys, const char *scope, const char *employee_id,
                       struct mg_pseudonym *out)
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, keys->pseudonym.k, MG_KEY_BYTES, sizeof out->h);
    crypto_generichash_update(&st, (const unsigned char *)"mognad-pseudonym", 17);
    /* Length-prefix the scope so ("a", "bc") and ("ab", "c") differ. */
    unsigned char len = (unsigned char)strlen(scope);
    crypto_generichash_update(&st, &len, 1);
    crypto_generichash_update(&st, (const unsigned char *)scope, len);
    crypto_generichash_update(&st, (const unsigned char *)employee_id, strlen(employee_id));
    crypto_generichash_final(&st, out->h, sizeof out->h);
}

int mg_keys_token_hash(const char *text, struct mg_token_hash *out)
{
    unsigned char bin[MG_TOKEN_BYTES];
    size_t bin_len = 0;
    const char *end;

    /* libsodium 1.0.18 decodes some bytes outside the alphabet (0xC1 as
     * '_'), so another spelling of a token would pass: check it first. */
    if (!text || strlen(text) != MG_TOKEN_TEXT - 1 ||
        strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
            MG_TOKEN_TEXT - 1)
        return -1;
    if (sodium_base642bin(bin, sizeof bin, text, MG_TOKEN_TEXT - 1, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        bin_len != sizeof bin || *end)
        return -1;
    crypto_generichash(out->h, sizeof out->h, bin, sizeof bin,
                       (const unsigned char *)"mognad-token-hash", 17);
    sodium_memzero(bin, sizeof bin);
    return 0;
}

void mg_keys_random_token(struct mg_token *out)
{
    unsigned char bin[MG_TOKEN_BYTES];
    randombytes_buf(bin, sizeof bin);
    encode(bin, out);
    sodium_memzero(bin, sizeof bin);
}
