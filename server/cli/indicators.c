/* indicators.c: `mognad indicators`, the JSON of
 * GET /api/v1/rounds/{id}/indicators on the command line (the same code,
 * the same privacy rule). */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_db.h"
#include "mg_indicators.h"

const char mg_cli_indicators_usage[] =
    "Usage: mognad indicators --round ROUND [--unit CODE] [--role staff|manager|all]\n"
    "                         [--depth N]\n\n"
    "Prints the indicators of a round as JSON, exactly as the API's\n"
    "GET /api/v1/rounds/ROUND/indicators gives them: the unit (default: the\n"
    "round's unit) and N levels of units below it (default 1, at most 20),\n"
    "each with its whole subtree and the unit alone, for the role asked\n"
    "(default all). Groups smaller than the round's minimum group size, and\n"
    "groups that would let one be worked out by subtraction, are shown as\n"
    "{\"suppressed\": true, \"reason\": ...} here too. docs/indicators.md\n"
    "describes every field.\n";

int mg_cli_indicators(int argc, char **argv)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                         {"unit", required_argument, NULL, 'u'},
                                         {"role", required_argument, NULL, 'o'},
                                         {"depth", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    struct mg_ind_query q = {NULL, MG_PRIV_ALL, 1, 0};
    const char *round = NULL;
    char *end;
    int ch;

    if (mg_cli_help_requested(argc, argv, mg_cli_indicators_usage))
        return MG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            round = optarg;
            break;
        case 'u':
            if (!*optarg || strlen(optarg) > 64)
                return mg_cli_usage_error("indicators", "--unit: \"%s\" is not a unit code", optarg);
            q.unit_code = optarg;
            break;
        case 'o':
            if (mg_indicators_parse_role(optarg, &q.role) != 0)
                return mg_cli_usage_error("indicators", "--role: must be staff, manager or all, not \"%s\"",
                                          optarg);
            break;
        case 'd': {
            long d = strtol(optarg, &end, 10);
            if (!*optarg || *end || *optarg == '-' || *optarg == '+' || d < 0 || d > MG_IND_MAX_DEPTH)
                return mg_cli_usage_error("indicators", "--depth: must be a whole number from 0 to %d",
                                          MG_IND_MAX_DEPTH);
            q.depth = (int)d;
            break;
        }
        case ':':
            return mg_cli_usage_error("indicators", "%s needs a value", argv[optind - 1]);
        default:
            return mg_cli_usage_error("indicators", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return mg_cli_usage_error("indicators", "unexpected argument '%s'", argv[optind]);
    if (!round)
        return mg_cli_usage_error("indicators", "needs --round ROUND");
    long long id = strtoll(round, &end, 10);
    if (*round < '1' || *round > '9' || *end || id <= 0 || strlen(round) > 18)
        return mg_cli_usage_error("indicators", "--round: \"%s\" is not a round id", round);

    struct mg_db *db = mg_db_open(getenv("DATABASE_URL"), 1);
    struct mg_db_conn *conn = db ? mg_db_acquire(db) : NULL;
    int rc = MG_EXIT_FAIL;
    if (!conn) {
        fprintf(stderr, "mognad indicators: cannot connect to the database (is DATABASE_URL right?)\n");
    } else {
        char msg[256] = "";
        cJSON *body = NULL;
        enum mg_error err = mg_indicators_round(conn, id, &q, &body, msg, sizeof msg);
        if (err == MG_ERR_NOT_FOUND && strcmp(msg, "No such unit.") == 0) {
            fprintf(stderr, "mognad indicators: --unit: there is no unit \"%s\"\n", q.unit_code);
        } else if (err == MG_ERR_NOT_FOUND) {
            fprintf(stderr, "mognad indicators: --round: there is no round %s\n", round);
        } else if (err != MG_OK) {
            fprintf(stderr, "mognad indicators: %s\n", msg[0] ? msg : "the indicators could not be computed");
        } else {
            char *text = cJSON_PrintUnformatted(body);
            if (text && printf("%s\n", text) > 0 && fflush(stdout) == 0)
                rc = MG_EXIT_OK;
            else
                fprintf(stderr, "mognad indicators: could not write the output\n");
            free(text);
        }
        cJSON_Delete(body);
        mg_db_release(db, conn);
    }
    mg_db_close(db);
    return rc;
}
