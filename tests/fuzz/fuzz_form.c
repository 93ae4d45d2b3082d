/* fuzz_form.c: percent-decoding (mg_url_decode), form bodies
 * (mg_form_parse) and the UTF-8 check (mg_utf8_valid). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char *out = malloc(size + 1);
    size_t outlen;

    if (!out)
        return 0;
    (void)mg_utf8_valid(in, size);
    for (int plus = 0; plus < 2; plus++) {
        if (mg_url_decode(in, size, out, &outlen, plus) == 0) {
            /* The promise: a valid C string of UTF-8, never longer. */
            if (outlen > size || out[outlen] != '\0' || strlen(out) != outlen ||
                !mg_utf8_valid(out, outlen))
                abort();
        }
    }
    free(out);

    struct mg_form form = {0};
    if (mg_form_parse(in, size, &form) == 0) {
        if (form.n > MG_FORM_MAX_PAIRS)
            abort();
        for (size_t i = 0; i < form.n; i++) {
            const char *k = form.pairs[i].key, *v = form.pairs[i].value;
            if (!k || !v || !mg_utf8_valid(k, strlen(k)) || !mg_utf8_valid(v, strlen(v)))
                abort();
        }
        if (form.n > 0 && !mg_form_get(&form, form.pairs[0].key))
            abort();
        (void)mg_form_get(&form, "csrf");
        (void)mg_form_get(&form, "");
    } else if (form.n != 0 || form.pairs != NULL) {
        abort(); /* "leaving `form` empty" */
    }
    mg_form_free(&form);
    return 0;
}
