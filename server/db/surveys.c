/* surveys.c: loading validated survey definitions as immutable versions. */
#include "mg_survey.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_db.h"

MG_DB_STMT(stmt_survey_find, "SELECT sha256 FROM surveys WHERE key = $1 AND version = $2::integer");
MG_DB_STMT(stmt_survey_insert,
           "INSERT INTO surveys (key, version, audience, sha256, definition) "
           "VALUES ($1, $2::integer, $3, $4, $5::jsonb) RETURNING id");
MG_DB_STMT(stmt_survey_areas,
           "INSERT INTO survey_areas (survey_id, key, scope, weight, position) "
           "SELECT $1::bigint, a ->> 'key', a ->> 'scope', (a ->> 'weight')::numeric, o - 1 "
           "FROM jsonb_array_elements($2::jsonb -> 'areas') WITH ORDINALITY AS x (a, o)");
MG_DB_STMT(stmt_survey_items,
           "INSERT INTO survey_items (survey_id, key, area_key, type, position) "
           "SELECT $1::bigint, i ->> 'key', i ->> 'area', i ->> 'type', o - 1 "
           "FROM jsonb_array_elements($2::jsonb -> 'items') WITH ORDINALITY AS x (i, o)");

struct load_ctx {
    const char *key, *version, *audience, *sha, *text, *actor;
    enum mg_survey_load_result result;
    char *msg;
    size_t msglen;
};

static enum mg_qs load_tx(struct mg_db_conn *conn, void *arg)
{
    struct load_ctx *c = arg;
    PGresult *res = NULL;
    const char *fp[] = {c->key, c->version};
    enum mg_qs qs = mg_db_exec(conn, &stmt_survey_find, 2, fp, &res);
    if (qs < 0) {
        PQclear(res);
        return qs;
    }
    if (qs == MG_QS_ROWS) {
        const char *have = PQgetvalue(res, 0, 0);
        if (strcmp(have, c->sha) == 0) {
            c->result = MG_SURVEY_UNCHANGED;
        } else {
            snprintf(c->msg, c->msglen,
                     "%s version %s is already loaded from another file (sha256 %.12s..., this file %.12s...); "
                     "a loaded version never changes: raise \"version\" to load the new text",
                     c->key, c->version, have, c->sha);
            qs = MG_QS_HARD;
        }
        PQclear(res);
        return qs == MG_QS_HARD ? qs : MG_QS_NONE;
    }
    PQclear(res);
    const char *ip[] = {c->key, c->version, c->audience, c->sha, c->text};
    if ((qs = mg_db_exec(conn, &stmt_survey_insert, 5, ip, &res)) < 0) {
        PQclear(res);
        /* Another loader got there first: look again. */
        return strcmp(mg_db_last_sqlstate(conn), "23505") == 0 ? MG_QS_SOFT : qs;
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *ap[] = {id, c->text};
    if ((qs = mg_db_exec(conn, &stmt_survey_areas, 2, ap, NULL)) < 0 ||
        (qs = mg_db_exec(conn, &stmt_survey_items, 2, ap, NULL)) < 0)
        return qs;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "survey", c->key);
    cJSON_AddNumberToObject(d, "version", atof(c->version));
    cJSON_AddStringToObject(d, "sha256", c->sha);
    int ar = mg_audit(conn, 0, c->actor, "survey.load", d);
    cJSON_Delete(d);
    if (ar < 0)
        return ar;
    c->result = MG_SURVEY_LOADED;
    return MG_QS_ROWS;
}

int mg_survey_load(struct mg_db_conn *conn, const cJSON *def, const char *data, size_t len, const char *actor,
                   enum mg_survey_load_result *result, char sha256_hex[65], char *msg, size_t msglen)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    char version[24];
    crypto_hash_sha256(hash, (const unsigned char *)data, len);
    sodium_bin2hex(sha256_hex, 65, hash, sizeof hash);
    snprintf(version, sizeof version, "%d", cJSON_GetObjectItemCaseSensitive(def, "version")->valueint);
    char *text = cJSON_PrintUnformatted(def);
    if (!text) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    msg[0] = '\0';
    struct load_ctx c = {cJSON_GetObjectItemCaseSensitive(def, "key")->valuestring, version,
                         cJSON_GetObjectItemCaseSensitive(def, "audience")->valuestring, sha256_hex, text, actor,
                         MG_SURVEY_LOADED, msg, msglen};
    enum mg_qs qs = mg_db_tx(conn, load_tx, &c);
    free(text);
    if (qs < 0) {
        if (!msg[0])
            snprintf(msg, msglen, "the database refused the survey (%s)", mg_db_last_sqlstate(conn));
        return -1;
    }
    *result = c.result;
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Reads a whole file (surveys are small); NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= (size_t)16 << 20) { /* no survey is this large */
            free(buf);
            buf = NULL;
            break;
        }
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
        } else {
            buf = grown;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

char *mg_survey_read_file(const char *path, size_t *len) { return slurp(path, len); }

int mg_survey_load_dir(struct mg_db_conn *conn, const char *dir, const char *actor, void *logp)
{
    FILE *log = logp;
    struct dirent **list;
    int n = scandir(dir, &list, json_file, by_name);
    if (n < 0)
        return -1;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char path[4096], msg[400], sha[65];
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        free(list[i]);
        size_t len;
        char *data = slurp(path, &len);
        struct mg_survey_errors errs;
        cJSON *def = NULL;
        enum mg_survey_load_result result;
        if (!data) {
            if (log)
                fprintf(log, "%s: cannot read the file\n", path);
            failed++;
            continue;
        }
        if (mg_survey_check(path, data, len, &errs, &def) != 0) {
            for (size_t e = 0; log && e < errs.n; e++)
                fprintf(log, "%s\n", errs.lines[e]);
            mg_survey_errors_free(&errs);
            failed++;
        } else if (mg_survey_load(conn, def, data, len, actor, &result, sha, msg, sizeof msg) != 0) {
            if (log)
                fprintf(log, "%s: %s\n", path, msg);
            failed++;
        } else if (log) {
            fprintf(log, "%s %s v%d (sha256 %.12s...)\n", result == MG_SURVEY_LOADED ? "loaded" : "unchanged",
                    cJSON_GetObjectItemCaseSensitive(def, "key")->valuestring,
                    cJSON_GetObjectItemCaseSensitive(def, "version")->valueint, sha);
        }
        cJSON_Delete(def);
        free(data);
    }
    free(list);
    return failed;
}
