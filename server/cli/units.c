/* units.c: `mognad units import|list|headcount`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_cli.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_survey.h"
#include "mg_units.h"

const char mg_cli_units_usage[] =
    "Usage: mognad units import FILE.csv\n"
    "       mognad units list\n"
    "       mognad units headcount --round ROUND FILE.csv\n\n"
    "import creates or updates the organisation tree from a CSV file with the\n"
    "columns code, name and parent_code (empty for the top). Comma or semicolon,\n"
    "UTF-8 with or without a byte order mark, as Excel saves it. Every bad row is\n"
    "reported with its line number and then nothing is written. A changed name\n"
    "is a rename (results follow the code; the old name is kept for past\n"
    "rounds); a changed parent moves the unit with everything under it. Units\n"
    "not in the file are left as they are.\n\n"
    "headcount sets how many people each unit has for a round (columns\n"
    "unit_code, headcount), so open rounds have response rates too.\n";

MG_DB_STMT(stmt_units_list,
           "SELECT repeat('  ', nlevel(u.path) - 1) || u.code, u.name, COALESCE(p.code, '') "
           "FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.path");

int mg_cli_read_csv(const char *name, const char *path, struct mg_csv *csv)
{
    size_t len;
    char *data = mg_survey_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "mognad %s: %s: cannot read the file\n", name, path);
        memset(csv, 0, sizeof *csv);
        return -1;
    }
    int rc = mg_csv_parse(data, len, csv);
    free(data);
    for (size_t i = 0; i < csv->nerrors; i++)
        fprintf(stderr, "%s:%s\n", path, csv->errors[i] + 5);
    if (rc != 0)
        fprintf(stderr, "mognad %s: %s: nothing was written\n", name, path);
    return rc;
}

static struct mg_db_conn *connect_db(const char *name, struct mg_db **db)
{
    struct mg_db_conn *conn = NULL;
    *db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!*db || !(conn = mg_db_acquire(*db)))
        fprintf(stderr, "mognad %s: cannot connect to the database (is DATABASE_URL right?)\n", name);
    return conn;
}

int mg_cli_units(int argc, char **argv)
{
    if (mg_cli_help_requested(argc, argv, mg_cli_units_usage))
        return MG_EXIT_OK;
    if (argc < 2)
        return mg_cli_usage_error("units", "needs a subcommand: import, list or headcount");
    const char *sub = argv[1], *file = NULL;
    long long round = 0;
    if (strcmp(sub, "import") == 0) {
        if (argc != 3 || argv[2][0] == '-')
            return mg_cli_usage_error("units", "'import' takes one FILE.csv");
        file = argv[2];
    } else if (strcmp(sub, "headcount") == 0) {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--round") == 0 && i + 1 < argc) {
                char *end;
                round = strtoll(argv[++i], &end, 10);
                if (*end || round <= 0)
                    return mg_cli_usage_error("units", "\"%s\" is not a round id", argv[i]);
            } else if (argv[i][0] == '-') {
                return mg_cli_usage_error("units", "unknown option '%s'", argv[i]);
            } else if (file) {
                return mg_cli_usage_error("units", "'headcount' takes one FILE.csv");
            } else {
                file = argv[i];
            }
        }
        if (!round || !file)
            return mg_cli_usage_error("units", "'headcount' needs --round ROUND and FILE.csv");
    } else if (strcmp(sub, "list") == 0) {
        if (argc != 2)
            return mg_cli_usage_error("units", "'list' takes no arguments");
    } else {
        return mg_cli_usage_error("units", "unknown subcommand '%s'", sub);
    }

    struct mg_csv csv = {0};
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    struct mg_buf problems = {0};
    int rc = MG_EXIT_FAIL;
    if (file && mg_cli_read_csv("units", file, &csv) != 0)
        goto done;
    if (!(conn = connect_db("units", &db)))
        goto done;
    if (strcmp(sub, "import") == 0) {
        struct mg_units_counts n;
        if (mg_units_import(conn, file, &csv, &n, &problems) != 0) {
            fprintf(stderr, "%smognad units: nothing was written\n", problems.data ? problems.data : "");
            goto done;
        }
        printf("%zu created, %zu renamed, %zu moved, %zu unchanged; %zu units not in the file left as they are\n",
               n.created, n.renamed, n.moved, n.unchanged, n.untouched);
    } else if (strcmp(sub, "headcount") == 0) {
        long set = mg_units_headcount(conn, file, round, &csv, &problems);
        if (set < 0) {
            fprintf(stderr, "%smognad units: nothing was written\n", problems.data ? problems.data : "");
            goto done;
        }
        printf("expected headcount set for %ld units of round %lld\n", set, round);
    } else {
        PGresult *res = NULL;
        if (mg_db_exec(conn, &stmt_units_list, 0, NULL, &res) < 0) {
            PQclear(res);
            fprintf(stderr, "mognad units: could not read the units\n");
            goto done;
        }
        printf("%-30s %-50s %s\n", "code", "name", "parent");
        for (int i = 0; res && i < PQntuples(res); i++)
            printf("%-30s %-50s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
        PQclear(res);
    }
    rc = MG_EXIT_OK;
done:
    mg_buf_free(&problems);
    mg_csv_free(&csv);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
}
