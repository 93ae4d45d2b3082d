/* audit.c: `mognad audit`: reads the audit log, newest first. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_cli.h"
#include "mg_db.h"

const char mg_cli_audit_usage[] =
    "Usage: mognad audit [--since YYYY-MM-DD] [--action PREFIX] [--limit N] [--json]\n\n"
    "Prints the audit log, newest first: logins and failed logins, exports,\n"
    "round, series, invitation and user changes, by the dashboard, the API,\n"
    "the command line and the scheduler. --since keeps entries from that day\n"
    "on (UTC), --action those whose action starts with PREFIX (login, round.,\n"
    "export), --limit prints at most N (default 100, at most 100000). One line\n"
    "per entry: time, actor, action and detail as JSON, separated by tabs; or\n"
    "with --json one JSON array. Entries never hold passwords, tokens, links\n"
    "or register data.\n";

int mg_cli_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, NULL, 's'},
                                         {"action", required_argument, NULL, 'a'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    struct mg_audit_query q = {NULL, NULL, 100, 0};
    bool json = false;
    int ch;

    if (mg_cli_help_requested(argc, argv, mg_cli_audit_usage))
        return MG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 's':
            if (!mg_audit_date_ok(optarg))
                return mg_cli_usage_error("audit", "--since: \"%s\" is not a date such as 2027-03-01", optarg);
            q.since = optarg;
            break;
        case 'a':
            if (!mg_audit_action_ok(optarg))
                return mg_cli_usage_error("audit", "--action: \"%s\" is not the start of an action name "
                                                   "(lower-case letters, '.' and '_')", optarg);
            q.action = optarg;
            break;
        case 'l':
            errno = 0;
            q.limit = strtol(optarg, &end, 10);
            if (errno || *end || q.limit < 1 || q.limit > 100000)
                return mg_cli_usage_error("audit", "--limit: must be a whole number from 1 to 100000");
            break;
        case 'j': json = true; break;
        case ':': return mg_cli_usage_error("audit", "%s needs a value", argv[optind - 1]);
        default: return mg_cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return mg_cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);

    int rc = MG_EXIT_FAIL;
    cJSON *list = NULL;
    struct mg_db_conn *conn = NULL;
    struct mg_db *db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad audit: cannot connect to the database (is DATABASE_URL right?)\n");
        goto done;
    }
    if (!(list = mg_audit_list(conn, &q))) {
        fprintf(stderr, "mognad audit: a database error occurred (is --since a real date?)\n");
        goto done;
    }
    if (json) {
        char *text = cJSON_Print(list);
        if (!text)
            goto done;
        puts(text);
        free(text);
    } else {
        const cJSON *e;
        cJSON_ArrayForEach(e, list) {
            char *detail = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(e, "detail"));
            printf("%s\t%s\t%s\t%s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "at")),
                   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "actor")),
                   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "action")), detail ? detail : "{}");
            free(detail);
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mognad audit: cannot write to standard output\n");
        goto done;
    }
    rc = MG_EXIT_OK;
done:
    cJSON_Delete(list);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
}
