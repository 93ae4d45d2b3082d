/* keygen.c: `mognad keygen FILE`, a new key file with mode 0600. */
#include <stdio.h>

#include "mg_cli.h"
#include "mg_keys.h"

const char mg_cli_keygen_usage[] =
    "Usage: mognad keygen FILE\n\n"
    "Writes a new key file (mode 0600) with a token key, which makes invitation\n"
    "links, and a pseudonym key, which links a person's responses within a\n"
    "series. Refuses to overwrite an existing file. Keep the file out of the\n"
    "database and its backups; deleting it makes every pseudonym unlinkable and\n"
    "every outstanding link invalid.\n";

int mg_cli_keygen(int argc, char **argv)
{
    char err[512];

    if (mg_cli_help_requested(argc, argv, mg_cli_keygen_usage))
        return MG_EXIT_OK;
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
