/* common.c: help and usage errors shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "mg_cli.h"
#include "mg_keys.h"

bool mg_cli_help_requested(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return true;
        }
    }
    return false;
}

int mg_cli_usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mognad %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'mognad %s --help')\n", name);
    return MG_EXIT_USAGE;
}

int mg_cli_load_keys(const char *name, struct mg_keys *keys)
{
    const char *path = getenv("MOGNAD_KEY_FILE");
    char err[512];

    if (!path || !*path)
        path = "var/mognad.key";
    if (mg_keys_load(path, keys, err, sizeof err) != 0) {
        fprintf(stderr, "mognad %s: %s\n", name, err);
        return -1;
    }
    return 0;
}
