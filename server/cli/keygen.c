/* keygen.c: `mognad keygen FILE`, a new key file with mode 0600, and
 * `mognad keygen --rotate FILE`, a new token key in an existing one. */
#include <stdio.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_keys.h"

const char mg_cli_keygen_usage[] =
    "Usage: mognad keygen FILE\n"
    "       mognad keygen --rotate FILE\n\n"
    "Writes a new key file (mode 0600) with a token key, which makes invitation\n"
    "links, and a pseudonym key, which links a person's responses within a\n"
    "series. Refuses to overwrite an existing file. Keep the file out of the\n"
    "database and its backups; deleting it makes every pseudonym unlinkable and\n"
    "every outstanding link invalid.\n\n"
    "--rotate FILE makes a new token key for the links made from now on and\n"
    "keeps the current one as previous_token_key, so invite, remind and round\n"
    "links go on giving the links already sent for rounds made before; the\n"
    "pseudonym key is kept. Restart every server and keep a copy of the file.\n";

int mg_cli_keygen(int argc, char **argv)
{
    char err[512];

    if (mg_cli_help_requested(argc, argv, mg_cli_keygen_usage))
        return MG_EXIT_OK;
    if (argc >= 2 && strcmp(argv[1], "--rotate") == 0) {
        if (argc != 3)
            return mg_cli_usage_error("keygen", "--rotate needs one FILE");
        if (mg_keys_rotate(argv[2], err, sizeof err) != 0) {
            fprintf(stderr, "mognad keygen: %s\n", err);
            return MG_EXIT_FAIL;
        }
        printf("rotated the token key of %s; the previous one is kept for links already sent\n", argv[2]);
        return MG_EXIT_OK;
    }
    if (argc != 2)
        return mg_cli_usage_error("keygen", argc < 2 ? "needs the FILE to write" : "takes one FILE");
    if (argv[1][0] == '-')
        return mg_cli_usage_error("keygen", "unknown option '%s'", argv[1]);
    if (mg_keys_generate(argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "mognad keygen: %s\n", err);
        return MG_EXIT_FAIL;
    }
    printf("wrote %s\n", argv[1]);
    return MG_EXIT_OK;
}
