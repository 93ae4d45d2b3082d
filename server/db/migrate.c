/* migrate.c: forward-only, checksummed, idempotent schema migrations. */
#include "mg_migrate.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mg_db.h"

/* Key of the advisory lock held while migrating ("mognad" in ASCII). */
#define MIGRATE_LOCK "120015609864292"

MG_DB_STMT(stmt_lock, "SELECT pg_advisory_lock($1::bigint)");
MG_DB_STMT(stmt_unlock, "SELECT pg_advisory_unlock($1::bigint)");
MG_DB_STMT(stmt_applied, "SELECT version, checksum FROM schema_migrations ORDER BY version");
MG_DB_STMT(stmt_record,
           "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)");

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),"
    " applied_at timestamptz NOT NULL DEFAULT now())";

struct migration {
    char *file;   /* "001_core.sql" */
    char version[4];
};

static int cmp_migration(const void *a, const void *b)
{
    return strcmp(((const struct migration *)a)->file, ((const struct migration *)b)->file);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
            if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            } else {
                buf[n] = '\0';
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return buf;
}

static void sha256_hex(const char *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static bool exec_script(PGconn *pg, const char *sql, char *err, size_t errlen, const char *file)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
    if (!ok) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(err, errlen, "%s: %s", file, msg);
    }
    PQclear(r);
    return ok;
}

int mg_migrate(struct mg_db_conn *conn, const char *sql_dir, FILE *out, char *err,
               size_t errlen)
{
    PGconn *pg = mg_db_pg(conn);
    const char *lockp[] = {MIGRATE_LOCK};
    struct migration *list = NULL;
    size_t n = 0, cap = 0;
    PGresult *applied = NULL;
    DIR *dir = NULL;
    regex_t re;
    bool locked = false;
    int result = -1, count = 0;

    err[0] = '\0';
    if (regcomp(&re, "^[0-9]{3}_[a-z0-9_]+\\.sql$", REG_EXTENDED | REG_NOSUB) != 0) {
        snprintf(err, errlen, "internal error compiling a pattern");
        return -1;
    }
    dir = opendir(sql_dir);
    if (!dir) {
        snprintf(err, errlen, "%s: %s", sql_dir, strerror(errno));
        goto cleanup;
    }
    for (struct dirent *de; (de = readdir(dir));) {
        if (regexec(&re, de->d_name, 0, NULL, 0) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct migration *nl = realloc(list, cap * sizeof *nl);
            if (!nl)
                goto oom;
            list = nl;
        }
        list[n].file = strdup(de->d_name);
        if (!list[n].file)
            goto oom;
        memcpy(list[n].version, de->d_name, 3);
        list[n].version[3] = '\0';
        n++;
    }
    qsort(list, n, sizeof *list, cmp_migration);
    for (size_t i = 1; i < n; i++)
        if (strcmp(list[i].version, list[i - 1].version) == 0) {
            snprintf(err, errlen, "%s/%s: version %s is used by %s too", sql_dir, list[i].file,
                     list[i].version, list[i - 1].file);
            goto cleanup;
        }

    if (mg_db_exec(conn, &stmt_lock, 1, lockp, NULL) < 0) {
        snprintf(err, errlen, "cannot take the migration lock: %s", PQerrorMessage(pg));
        goto cleanup;
    }
    locked = true;
    if (!exec_script(pg, create_table, err, errlen, "schema_migrations"))
        goto cleanup;
    if (mg_db_exec(conn, &stmt_applied, 0, NULL, &applied) < 0) {
        snprintf(err, errlen, "cannot read schema_migrations");
        goto cleanup;
    }

    /* Every applied migration must still be here, unchanged. */
    for (int row = 0; row < PQntuples(applied); row++) {
        const char *v = PQgetvalue(applied, row, 0);
        bool known = false;
        for (size_t i = 0; i < n; i++)
            if (strcmp(list[i].version, v) == 0)
                known = true;
        if (!known) {
            snprintf(err, errlen,
                     "the database has migration %s, which %s does not hold: it was made by a "
                     "newer mognad; run that version",
                     v, sql_dir);
            goto cleanup;
        }
    }

    for (size_t i = 0; i < n; i++) {
        char path[4096], hex[65];
        size_t len = 0;
        const char *applied_sum = NULL;

        snprintf(path, sizeof path, "%s/%s", sql_dir, list[i].file);
        char *sql = read_file(path, &len);
        if (!sql) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            goto cleanup;
        }
        sha256_hex(sql, len, hex);
        for (int row = 0; row < PQntuples(applied); row++)
            if (strcmp(PQgetvalue(applied, row, 0), list[i].version) == 0)
                applied_sum = PQgetvalue(applied, row, 1);
        if (applied_sum) {
            free(sql);
            if (strcmp(applied_sum, hex) != 0) {
                snprintf(err, errlen,
                         "%s has changed since it was applied (checksum %.12s… now, %.12s… "
                         "then); migrations are forward-only: restore the file and add a new "
                         "migration instead",
                         path, hex, applied_sum);
                goto cleanup;
            }
            continue;
        }

        char name[256];
        snprintf(name, sizeof name, "%s", list[i].file + 4);
        name[strlen(name) - 4] = '\0';
        const char *params[] = {list[i].version, name, hex};
        bool ok = exec_script(pg, "BEGIN", err, errlen, path) &&
                  exec_script(pg, sql, err, errlen, path) &&
                  mg_db_exec(conn, &stmt_record, 3, params, NULL) >= 0 &&
                  exec_script(pg, "COMMIT", err, errlen, path);
        free(sql);
        if (!ok) {
            PGresult *r = PQexec(pg, "ROLLBACK");
            PQclear(r);
            if (!err[0])
                snprintf(err, errlen, "%s: could not record the migration", path);
            goto cleanup;
        }
        if (out)
            fprintf(out, "applied %s\n", list[i].file);
        count++;
    }
    result = count;
    goto cleanup;

oom:
    snprintf(err, errlen, "out of memory");
cleanup:
    if (locked)
        mg_db_exec(conn, &stmt_unlock, 1, lockp, NULL);
    PQclear(applied);
    if (dir)
        closedir(dir);
    for (size_t i = 0; i < n; i++)
        free(list[i].file);
    free(list);
    regfree(&re);
    return result;
}
