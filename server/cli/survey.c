/* survey.c: `mognad survey check|load|list`. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_db.h"
#include "mg_survey.h"

const char mg_cli_survey_usage[] =
    "Usage: mognad survey check FILE...\n"
    "       mognad survey load FILE...\n"
    "       mognad survey list\n\n"
    "check validates survey definitions (the format of surveys/README.md) without\n"
    "a database and prints every problem as FILE: $.json.path: problem; exit 1\n"
    "when any file has one. load validates every file first and loads none when\n"
    "one fails; each file is stored as an immutable version with the SHA-256 of\n"
    "its bytes. Loading the same file again changes nothing; a different file\n"
    "under a version already loaded is refused: raise its \"version\".\n";

MG_DB_STMT(stmt_survey_list,
           "SELECT v.id, v.key, v.version, v.audience, left(v.sha256, 12), v.loaded_on, "
           "(SELECT count(*) FROM survey_areas a WHERE a.survey_id = v.id), "
           "(SELECT count(*) FROM survey_items i WHERE i.survey_id = v.id) "
           "FROM surveys v ORDER BY v.key, v.version");

struct file {
    const char *path;
    char *data;
    size_t len;
    cJSON *def;
};

/* Reads and validates every file; prints problems; returns how many failed. */
static int check_all(struct file *files, int n, bool quiet_ok)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        struct mg_survey_errors errs;
        files[i].data = mg_survey_read_file(files[i].path, &files[i].len);
        if (!files[i].data) {
            fprintf(stderr, "%s: cannot read the file\n", files[i].path);
            failed++;
            continue;
        }
        if (mg_survey_check(files[i].path, files[i].data, files[i].len, &errs, &files[i].def) != 0) {
            for (size_t e = 0; e < errs.n; e++)
                fprintf(stderr, "%s\n", errs.lines[e]);
            if (errs.total > errs.n)
                fprintf(stderr, "%s: ... and %zu more problems\n", files[i].path, errs.total - errs.n);
            mg_survey_errors_free(&errs);
            failed++;
        } else if (!quiet_ok) {
            const cJSON *d = files[i].def;
            printf("%s: ok (%s v%d, %d areas, %d items)\n", files[i].path,
                   cJSON_GetObjectItemCaseSensitive(d, "key")->valuestring,
                   cJSON_GetObjectItemCaseSensitive(d, "version")->valueint,
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "areas")),
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "items")));
        }
    }
    return failed;
}

static int list(struct mg_db_conn *conn)
{
    PGresult *res = NULL;
    if (mg_db_exec(conn, &stmt_survey_list, 0, NULL, &res) < 0) {
        PQclear(res);
        fprintf(stderr, "mognad survey: could not read the surveys\n");
        return MG_EXIT_FAIL;
    }
    printf("%5s  %-12s %7s  %-8s %-6s %-6s %-15s %s\n", "id", "key", "version", "audience", "areas", "items",
           "sha256", "loaded");
    for (int i = 0; res && i < PQntuples(res); i++)
        printf("%5s  %-12s %7s  %-8s %-6s %-6s %-15s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 6), PQgetvalue(res, i, 7),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
    PQclear(res);
    return MG_EXIT_OK;
}

int mg_cli_survey(int argc, char **argv)
{
    if (mg_cli_help_requested(argc, argv, mg_cli_survey_usage))
        return MG_EXIT_OK;
    if (argc < 2)
        return mg_cli_usage_error("survey", "needs a subcommand: check, load or list");
    const char *sub = argv[1];
    bool check = strcmp(sub, "check") == 0, load = strcmp(sub, "load") == 0;
    if (!check && !load && strcmp(sub, "list") != 0)
        return mg_cli_usage_error("survey", "unknown subcommand '%s'", sub);
    for (int i = 2; i < argc; i++)
        if (argv[i][0] == '-')
            return mg_cli_usage_error("survey", "unknown option '%s'", argv[i]);
    if ((check || load) && argc < 3)
        return mg_cli_usage_error("survey", "'%s' needs at least one FILE", sub);
    if (!check && !load && argc > 2)
        return mg_cli_usage_error("survey", "'list' takes no arguments");

    int n = argc - 2, rc = MG_EXIT_FAIL;
    struct file *files = calloc(n > 0 ? (size_t)n : 1, sizeof *files);
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    if (!files)
        return MG_EXIT_FAIL;
    for (int i = 0; i < n; i++)
        files[i].path = argv[i + 2];

    if (check) {
        rc = check_all(files, n, false) ? MG_EXIT_FAIL : MG_EXIT_OK;
        goto done;
    }
    if (load && check_all(files, n, true) != 0) {
        fprintf(stderr, "mognad survey: nothing loaded\n");
        goto done;
    }
    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad survey: cannot connect to the database (is DATABASE_URL right?)\n");
        goto done;
    }
    if (!load) {
        rc = list(conn);
        goto done;
    }
    rc = MG_EXIT_OK;
    for (int i = 0; i < n; i++) {
        char sha[65], msg[400];
        enum mg_survey_load_result result;
        if (mg_survey_load(conn, files[i].def, files[i].data, files[i].len, "cli", &result, sha, msg,
                           sizeof msg) != 0) {
            fprintf(stderr, "%s: %s\n", files[i].path, msg);
            rc = MG_EXIT_FAIL;
            continue;
        }
        printf("%s %s v%d (sha256 %.12s...)\n", result == MG_SURVEY_LOADED ? "loaded" : "unchanged",
               cJSON_GetObjectItemCaseSensitive(files[i].def, "key")->valuestring,
               cJSON_GetObjectItemCaseSensitive(files[i].def, "version")->valueint, sha);
    }
done:
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    for (int i = 0; i < n; i++) {
        free(files[i].data);
        cJSON_Delete(files[i].def);
    }
    free(files);
    return rc;
}
