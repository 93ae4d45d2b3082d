/* anonymise.c: `mognad anonymise --series S`, removing the pseudonyms of a
 * finished series so its responses can no longer be linked to each other
 * or recomputed from a register. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_cli.h"
#include "mg_db.h"

const char mg_cli_anonymise_usage[] =
    "Usage: mognad anonymise --series SERIES\n\n"
    "Removes the pseudonyms of every response and invitation of a finished\n"
    "series (every round closed) and the respondent sessions of its rounds, and\n"
    "stops the series: no further round is made from it. Afterwards nobody,\n"
    "holding the key file or not, can tell which responses of the series came\n"
    "from the same person. Aggregates and indicators stay exactly as they were;\n"
    "the paired within-person change of the series is no longer available.\n"
    "Deleting the key file has the same effect for every series at once.\n";

MG_DB_STMT(stmt_series_lock,
           "SELECT anonymised_on IS NOT NULL, "
           "(SELECT count(*) FROM rounds r WHERE r.series_id = s.id AND r.state <> 'closed') "
           "FROM series s WHERE s.id = $1::bigint FOR UPDATE");
MG_DB_STMT(stmt_anon_responses,
           "UPDATE responses p SET pseudonym = NULL FROM rounds r "
           "WHERE p.round_id = r.id AND r.series_id = $1::bigint AND p.pseudonym IS NOT NULL");
MG_DB_STMT(stmt_anon_invitations,
           "UPDATE invitations i SET pseudonym = NULL FROM rounds r "
           "WHERE i.round_id = r.id AND r.series_id = $1::bigint AND i.pseudonym IS NOT NULL");
MG_DB_STMT(stmt_anon_sessions,
           "DELETE FROM respondent_sessions s USING rounds r "
           "WHERE s.round_id = r.id AND r.series_id = $1::bigint");
MG_DB_STMT(stmt_anon_mark, "UPDATE series SET anonymised_on = current_date WHERE id = $1::bigint");

struct anon_ctx {
    const char *series;
    long long responses, invitations, sessions;
    char msg[200];
};

static long long affected(PGresult *res)
{
    return res ? atoll(PQcmdTuples(res)) : 0;
}

static enum mg_qs anonymise_tx(struct mg_db_conn *conn, void *arg)
{
    struct anon_ctx *c = arg;
    const char *p[] = {c->series};
    PGresult *res = NULL;
    enum mg_qs qs = mg_db_exec(conn, &stmt_series_lock, 1, p, &res);
    if (qs != MG_QS_ROWS) {
        if (qs == MG_QS_NONE)
            snprintf(c->msg, sizeof c->msg, "there is no series %s", c->series);
        PQclear(res);
        return qs == MG_QS_SOFT ? qs : MG_QS_HARD;
    }
    bool done = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    long long unfinished = atoll(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (unfinished > 0 && !done) {
        snprintf(c->msg, sizeof c->msg,
                 "series %s is not finished: %lld of its rounds are scheduled or open; close them "
                 "first (mognad round close)", c->series, unfinished);
        return MG_QS_HARD;
    }
    const struct mg_db_stmt *steps[] = {&stmt_anon_responses, &stmt_anon_invitations, &stmt_anon_sessions};
    long long *counts[] = {&c->responses, &c->invitations, &c->sessions};
    for (size_t i = 0; i < 3; i++) {
        if ((qs = mg_db_exec(conn, steps[i], 1, p, &res)) < 0) {
            PQclear(res);
            return qs;
        }
        *counts[i] = affected(res);
        PQclear(res);
    }
    if (!done && (qs = mg_db_exec(conn, &stmt_anon_mark, 1, p, NULL)) < 0)
        return qs;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "series", atof(c->series));
    cJSON_AddNumberToObject(d, "pseudonyms_removed", (double)c->responses);
    int ar = mg_audit(conn, 0, "cli", "series.anonymise", d);
    cJSON_Delete(d);
    return ar < 0 ? ar : MG_QS_ROWS;
}

int mg_cli_anonymise(int argc, char **argv)
{
    static const struct option opts[] = {{"series", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    const char *series = NULL;
    int ch;

    if (mg_cli_help_requested(argc, argv, mg_cli_anonymise_usage))
        return MG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == 's')
            series = optarg;
        else if (ch == ':')
            return mg_cli_usage_error("anonymise", "--series needs a value");
        else
            return mg_cli_usage_error("anonymise", "unknown option '%s'", argv[optind - 1]);
    }
    if (optind < argc)
        return mg_cli_usage_error("anonymise", "unexpected argument '%s'", argv[optind]);
    if (!series)
        return mg_cli_usage_error("anonymise", "needs --series SERIES");
    char *end;
    long long id = strtoll(series, &end, 10);
    if (*series < '1' || *series > '9' || *end || id <= 0)
        return mg_cli_usage_error("anonymise", "\"%s\" is not a series id", series);

    struct mg_db *db = mg_db_open(getenv("DATABASE_URL"), 1);
    struct mg_db_conn *conn = db ? mg_db_acquire(db) : NULL;
    int rc = MG_EXIT_FAIL;
    if (!conn) {
        fprintf(stderr, "mognad anonymise: cannot connect to the database (is DATABASE_URL right?)\n");
    } else {
        struct anon_ctx c = {series, 0, 0, 0, ""};
        if (mg_db_tx(conn, anonymise_tx, &c) < 0) {
            fprintf(stderr, "mognad anonymise: %s\n", c.msg[0] ? c.msg : "the database refused the change");
        } else {
            printf("series %s anonymised: %lld response pseudonyms and %lld invitation pseudonyms "
                   "removed, %lld respondent sessions ended\n",
                   series, c.responses, c.invitations, c.sessions);
            rc = MG_EXIT_OK;
        }
        mg_db_release(db, conn);
    }
    mg_db_close(db);
    return rc;
}
