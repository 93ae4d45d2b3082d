/* migrate.c: `mognad migrate`, bringing the database schema up to date. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_config.h"
#include "mg_db.h"
#include "mg_migrate.h"

const char mg_cli_migrate_usage[] =
    "Usage: mognad migrate [--sql-dir DIR]\n\n"
    "Applies the numbered migrations (NNN_name.sql) not yet applied to the\n"
    "database in DATABASE_URL, in order, each in its own transaction. Refuses\n"
    "to run when an applied file has changed since. Running it again is a no-op.\n\n"
    "  --sql-dir DIR   migrations to apply (default: MOGNAD_DATA_DIR/sql)\n";

int mg_cli_migrate(int argc, char **argv)
{
    const char *sql_dir = NULL;
    char *data_dir = NULL, *owned = NULL;
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    char err[1024];
    int rc = MG_EXIT_FAIL;

    if (mg_cli_help_requested(argc, argv, mg_cli_migrate_usage))
        return MG_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sql-dir") == 0 && i + 1 < argc)
            sql_dir = argv[++i];
        else if (strcmp(argv[i], "--sql-dir") == 0)
            return mg_cli_usage_error("migrate", "--sql-dir needs a directory");
        else
            return mg_cli_usage_error("migrate", "unexpected argument '%s'", argv[i]);
    }
    if (!sql_dir) {
        data_dir = mg_config_default_data_dir();
        size_t len = strlen(data_dir) + sizeof "/sql";
        owned = malloc(len);
        if (!owned)
            goto cleanup;
        snprintf(owned, len, "%s/sql", data_dir);
        sql_dir = owned;
    }

    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad migrate: cannot connect to the database (is DATABASE_URL right?)\n");
        goto cleanup;
    }
    int n = mg_migrate(conn, sql_dir, stdout, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "mognad migrate: %s\n", err);
        goto cleanup;
    }
    printf(n ? "%d migration(s) applied\n" : "database is up to date\n", n);
    rc = MG_EXIT_OK;

cleanup:
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    free(owned);
    free(data_dir);
    return rc;
}
