/* fuzz_header.c: what the server itself makes of cookies and headers
 * (libmicrohttpd splits them): the session and respondent cookie tokens
 * (mg_keys_token_hash: base64url of 32 bytes), the language cookie
 * (mg_lang_parse) and Accept-Language (mg_lang_negotiate). The input is
 * used whole for each, as a C string (headers hold no NUL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mg_i18n.h"
#include "mg_keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct mg_token_hash h;
    enum mg_lang lang;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    if (mg_keys_token_hash(s, &h) == 0) {
        /* Only the canonical text of a token is accepted: re-encoding the
         * bytes gives the same text back. */
        unsigned char bin[MG_TOKEN_BYTES];
        char again[MG_TOKEN_TEXT];
        size_t bl;
        if (strlen(s) != MG_TOKEN_TEXT - 1 ||
            sodium_base642bin(bin, sizeof bin, s, strlen(s), NULL, &bl, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            bl != sizeof bin)
            abort();
        sodium_bin2base64(again, sizeof again, bin, sizeof bin,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        if (strcmp(again, s) != 0)
            abort();
    }
    if (mg_lang_parse(s, &lang) && strcmp(mg_lang_code(lang), s) != 0)
        abort();
    lang = mg_lang_negotiate(s, MG_LANG_SV);
    if (lang >= MG_LANG_COUNT)
        abort();
    lang = mg_lang_negotiate(s, MG_LANG_EN);
    if (lang >= MG_LANG_COUNT)
        abort();
    free(s);
    return 0;
}
