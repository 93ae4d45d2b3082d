/* survey.c: `mognad survey check|load|list`. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_db.h"
#include "mg_survey.h"

const char mg_cli_survey_usage[] =
    "Usage: mognad survey check FILE...\n"
    "       mognad survey load FILE...\n"
    "       mognad survey load --dir DIR\n"
    "       mognad survey list\n\n"
    "check  validates survey definitions (the format of surveys/README.md)\n"
    "       without a database. Every problem goes to stderr as\n"
    "       FILE: $.json.path: problem; each valid file gets a line\n"
    "       FILE: ok (KEY vN, A areas, I items) on stdout.\n"
    "load   validates every file first and loads none when one fails; then\n"
    "       stores them in one transaction, each as an immutable version with\n"
    "       the SHA-256 of its bytes. Loading the same file again changes\n"
    "       nothing (\"unchanged\"); a different file under a key and version\n"
    "       already loaded is refused: raise its \"version\".\n"
    "       With --dir, loads every *.json file of DIR the same way (for\n"
    "       instance $MOGNAD_DATA_DIR/surveys).\n"
    "list   shows the loaded versions.\n\n"
    "Exit status: 0 when every file passed (or was loaded), 1 otherwise,\n"
    "2 on a usage error. load and list connect to DATABASE_URL.\n";

MG_DB_STMT(stmt_survey_list,
           "SELECT v.id, v.key, v.version, v.audience, left(v.sha256, 12), v.loaded_on, "
           "(SELECT count(*) FROM survey_areas a WHERE a.survey_id = v.id), "
           "(SELECT count(*) FROM survey_items i WHERE i.survey_id = v.id) "
           "FROM surveys v ORDER BY v.key, v.version");

struct input {
    char *data;
    cJSON *def;
};

/* Reads and validates every file; prints the problems, and an ok line per
 * valid file unless `quiet`. Returns how many files failed. */
static int check_all(struct mg_survey_file *files, struct input *in, int n, bool quiet)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        struct mg_survey_errors errs;
        if (!(in[i].data = mg_survey_read_file(files[i].name, &files[i].len))) {
            fprintf(stderr, "%s: cannot read the file: %s\n", files[i].name,
                    errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
            failed++;
            continue;
        }
        files[i].data = in[i].data;
        if (mg_survey_check(files[i].name, in[i].data, files[i].len, &errs, &in[i].def) != 0) {
            for (size_t e = 0; e < errs.n; e++)
                fprintf(stderr, "%s\n", errs.lines[e]);
            failed++;
        } else if (!quiet) {
            const cJSON *d = in[i].def;
            printf("%s: ok (%s v%d, %d areas, %d items)\n", files[i].name,
                   cJSON_GetObjectItemCaseSensitive(d, "key")->valuestring,
                   cJSON_GetObjectItemCaseSensitive(d, "version")->valueint,
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "areas")),
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "items")));
        }
        mg_survey_errors_free(&errs);
        files[i].def = in[i].def;
    }
    return failed;
}

static int list(struct mg_db_conn *conn)
{
    PGresult *res = NULL;
    if (mg_db_exec(conn, &stmt_survey_list, 0, NULL, &res) < 0) {
        fprintf(stderr, "mognad survey: cannot read the surveys (SQLSTATE %s)\n", mg_db_last_sqlstate(conn));
        return MG_EXIT_FAIL;
    }
    printf("%5s  %-12s %7s  %-8s %5s %5s  %-15s  %s\n", "id", "key", "version", "audience", "areas", "items",
           "sha256", "loaded");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%5s  %-12s %7s  %-8s %5s %5s  %-12s...  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 6), PQgetvalue(res, i, 7),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
    PQclear(res);
    return MG_EXIT_OK;
}

static int load_dir(const char *dir)
{
    struct mg_db *db = mg_db_open(getenv("DATABASE_URL"), 1);
    struct mg_db_conn *conn = db ? mg_db_acquire(db) : NULL;
    int rc = MG_EXIT_FAIL, failed;
    if (!conn) {
        fprintf(stderr, "mognad survey: cannot connect to the database (is DATABASE_URL right?)\n");
    } else if ((failed = mg_survey_load_dir(conn, dir, "cli", stdout, stderr)) < 0) {
        fprintf(stderr, "mognad survey: cannot read the directory %s: %s\n", dir, strerror(errno));
    } else {
        rc = failed ? MG_EXIT_FAIL : MG_EXIT_OK;
    }
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
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
    if (load && argc > 2 && strcmp(argv[2], "--dir") == 0) {
        if (argc != 4)
            return mg_cli_usage_error("survey", "'load --dir' needs one DIR");
        return load_dir(argv[3]);
    }
    /* FILE arguments; "--" ends the options, so a file may start with '-'. */
    int first = 2;
    if (first < argc && strcmp(argv[first], "--") == 0)
        first++;
    else
        for (int i = first; i < argc; i++)
            if (argv[i][0] == '-' && argv[i][1] != '\0')
                return mg_cli_usage_error("survey", "unknown option '%s'", argv[i]);
    int n = argc - first;
    if ((check || load) && n < 1)
        return mg_cli_usage_error("survey", "'%s' needs at least one FILE", sub);
    if (!check && !load && argc > 2)
        return mg_cli_usage_error("survey", "'list' takes no arguments");

    int rc = MG_EXIT_FAIL;
    struct mg_survey_file *files = calloc(n > 0 ? (size_t)n : 1, sizeof *files);
    struct input *in = calloc(n > 0 ? (size_t)n : 1, sizeof *in);
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    char msg[600];
    if (!files || !in) {
        fprintf(stderr, "mognad survey: out of memory\n");
        goto done;
    }
    for (int i = 0; i < n; i++)
        files[i].name = argv[first + i];

    if (check) {
        rc = check_all(files, in, n, false) ? MG_EXIT_FAIL : MG_EXIT_OK;
        goto done;
    }
    if (load && check_all(files, in, n, true) != 0) {
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
    if (mg_survey_load(conn, files, (size_t)n, "cli", msg, sizeof msg) != 0) {
        fprintf(stderr, "%s\nmognad survey: nothing loaded\n", msg);
        goto done;
    }
    for (int i = 0; i < n; i++)
        printf("%s %s v%d (sha256 %.12s...)\n", files[i].result == MG_SURVEY_LOADED ? "loaded" : "unchanged",
               cJSON_GetObjectItemCaseSensitive(in[i].def, "key")->valuestring,
               cJSON_GetObjectItemCaseSensitive(in[i].def, "version")->valueint, files[i].sha256);
    rc = MG_EXIT_OK;
done:
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    for (int i = 0; in && i < n; i++) {
        free(in[i].data);
        cJSON_Delete(in[i].def);
    }
    free(in);
    free(files);
    return rc;
}
