/* form.c: percent-decoding, UTF-8 checking and urlencoded form parsing. */
#include "mg_form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool mg_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t extra;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mg_url_decode(const char *in, size_t len, char *out, size_t *outlen,
                  bool plus_is_space)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi, lo;
            if (len - i < 3)
                return -1;
            hi = hexval(in[i + 1]);
            lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    if (!mg_utf8_valid(out, o))
        return -1;
    if (outlen)
        *outlen = o;
    return 0;
}

void mg_form_free(struct mg_form *form)
{
    for (size_t i = 0; i < form->n; i++) {
        free(form->pairs[i].key);
        free(form->pairs[i].value);
    }
    free(form->pairs);
    form->pairs = NULL;
    form->n = 0;
}

static char *decode_piece(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    if (mg_url_decode(s, len, out, NULL, true) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

int mg_form_parse(const char *body, size_t len, struct mg_form *form)
{
    size_t cap = 0;
    size_t i = 0;

    form->pairs = NULL;
    form->n = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && body[i] != '&')
            i++;
        size_t plen = i - start;
        i++; /* skip '&' */
        if (plen == 0)
            continue;

        const char *piece = body + start;
        const char *eq = memchr(piece, '=', plen);
        size_t klen = eq ? (size_t)(eq - piece) : plen;

        if (form->n == MG_FORM_MAX_PAIRS)
            goto fail;
        if (form->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct mg_form_pair *np = realloc(form->pairs, ncap * sizeof *np);
            if (!np)
                goto fail;
            form->pairs = np;
            cap = ncap;
        }
        char *key = decode_piece(piece, klen);
        char *value = eq ? decode_piece(eq + 1, plen - klen - 1) : strdup("");
        if (!key || !value) {
            free(key);
            free(value);
            goto fail;
        }
        form->pairs[form->n].key = key;
        form->pairs[form->n].value = value;
        form->n++;
    }
    return 0;

fail:
    mg_form_free(form);
    return -1;
}

const char *mg_form_get(const struct mg_form *form, const char *key)
{
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->pairs[i].key, key) == 0)
            return form->pairs[i].value;
    return NULL;
}
