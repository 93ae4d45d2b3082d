/* surveys.c: loading validated survey definitions as immutable versions. */
#include "mg_survey.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
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

/* What one file needs in SQL, prepared before the transaction. */
struct prepared {
    const char *key, *audience;
    char version[24];
    char *definition; /* the parsed definition as JSON text */
};

struct load_ctx {
    struct mg_survey_file *files;
    struct prepared *prep;
    size_t n;
    const char *actor;
    char *msg;
    size_t msglen;
};

static enum mg_qs load_one(struct mg_db_conn *conn, struct load_ctx *c, size_t i)
{
    struct mg_survey_file *f = &c->files[i];
    struct prepared *p = &c->prep[i];
    PGresult *res = NULL;
    const char *fp[] = {p->key, p->version};
    enum mg_qs qs = mg_db_exec(conn, &stmt_survey_find, 2, fp, &res);
    if (qs < 0)
        return qs;
    if (qs == MG_QS_ROWS) {
        const char *have = PQgetvalue(res, 0, 0);
        if (strcmp(have, f->sha256) == 0) {
            f->result = MG_SURVEY_UNCHANGED;
            qs = MG_QS_NONE;
        } else {
            snprintf(c->msg, c->msglen,
                     "%s: %s version %s is already loaded from another file (sha256 %.12s..., this file "
                     "%.12s...); a loaded version never changes: raise \"version\" to load the new text",
                     f->name, p->key, p->version, have, f->sha256);
            qs = MG_QS_HARD;
        }
        PQclear(res);
        return qs;
    }
    PQclear(res);
    const char *ip[] = {p->key, p->version, p->audience, f->sha256, p->definition};
    if ((qs = mg_db_exec(conn, &stmt_survey_insert, 5, ip, &res)) < 0) {
        /* A concurrent load inserted the same key and version first; the
         * retried transaction finds its row. */
        return strcmp(mg_db_last_sqlstate(conn), "23505") == 0 ? MG_QS_SOFT : qs;
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *ap[] = {id, p->definition};
    if ((qs = mg_db_exec(conn, &stmt_survey_areas, 2, ap, NULL)) < 0 ||
        (qs = mg_db_exec(conn, &stmt_survey_items, 2, ap, NULL)) < 0)
        return qs;
    cJSON *detail = cJSON_CreateObject();
    if (!detail || !cJSON_AddStringToObject(detail, "survey", p->key) ||
        !cJSON_AddNumberToObject(detail, "version", atof(p->version)) ||
        !cJSON_AddStringToObject(detail, "sha256", f->sha256)) {
        cJSON_Delete(detail);
        return MG_QS_HARD;
    }
    qs = mg_audit(conn, 0, c->actor, "survey.load", detail);
    cJSON_Delete(detail);
    if (qs < 0)
        return qs;
    f->result = MG_SURVEY_LOADED;
    return MG_QS_ROWS;
}

static enum mg_qs load_tx(struct mg_db_conn *conn, void *arg)
{
    struct load_ctx *c = arg;
    c->msg[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        enum mg_qs qs = load_one(conn, c, i);
        if (qs < 0)
            return qs;
    }
    return MG_QS_ROWS;
}

int mg_survey_load(struct mg_db_conn *conn, struct mg_survey_file *files, size_t n, const char *actor,
                   char *msg, size_t msglen)
{
    struct prepared *prep = calloc(n ? n : 1, sizeof *prep);
    int rc = -1;
    msg[0] = '\0';
    if (!prep) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct mg_survey_file *f = &files[i];
        unsigned char hash[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(hash, (const unsigned char *)f->data, f->len);
        sodium_bin2hex(f->sha256, sizeof f->sha256, hash, sizeof hash);
        prep[i].key = cJSON_GetObjectItemCaseSensitive(f->def, "key")->valuestring;
        prep[i].audience = cJSON_GetObjectItemCaseSensitive(f->def, "audience")->valuestring;
        snprintf(prep[i].version, sizeof prep[i].version, "%d",
                 cJSON_GetObjectItemCaseSensitive(f->def, "version")->valueint);
        if (!(prep[i].definition = cJSON_PrintUnformatted(f->def))) {
            snprintf(msg, msglen, "out of memory");
            goto cleanup;
        }
        /* Two files of one load under the same key and version. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(prep[j].key, prep[i].key) == 0 && strcmp(prep[j].version, prep[i].version) == 0 &&
                strcmp(files[j].sha256, f->sha256) != 0) {
                snprintf(msg, msglen,
                         "%s: %s version %s is also in %s, with other content (sha256 %.12s... and %.12s...); "
                         "raise \"version\" in one of them",
                         f->name, prep[i].key, prep[i].version, files[j].name, files[j].sha256, f->sha256);
                goto cleanup;
            }
    }
    struct load_ctx c = {files, prep, n, actor, msg, msglen};
    if (mg_db_tx(conn, load_tx, &c) < 0) {
        if (!msg[0])
            snprintf(msg, msglen, "the database refused the surveys (SQLSTATE %s)", mg_db_last_sqlstate(conn));
        goto cleanup;
    }
    rc = 0;
cleanup:
    for (size_t i = 0; i < n; i++)
        free(prep[i].definition);
    free(prep);
    return rc;
}

char *mg_survey_read_file(const char *path, size_t *len)
{
    const size_t limit = (size_t)16 << 20;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 65536, n = 0;
    int err = 0;
    *len = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap || !buf) {
            if (buf && cap >= limit) {
                err = EFBIG;
                break;
            }
            char *grown = realloc(buf, buf ? cap *= 2 : cap);
            if (!grown) {
                err = ENOMEM;
                break;
            }
            buf = grown;
        }
        errno = 0;
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    *len = n;
    return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int json_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int mg_survey_load_dir(struct mg_db_conn *conn, const char *dir, const char *actor, FILE *out, FILE *err)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, json_file, by_name);
    if (n < 0)
        return -1;
    struct mg_survey_file *files = calloc(n ? (size_t)n : 1, sizeof *files);
    char **paths = calloc(n ? (size_t)n : 1, sizeof *paths);
    char **datas = calloc(n ? (size_t)n : 1, sizeof *datas);
    cJSON **defs = calloc(n ? (size_t)n : 1, sizeof *defs);
    int failed = 0;
    if (!files || !paths || !datas || !defs) {
        failed = n ? n : 1;
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        size_t plen = strlen(dir) + strlen(list[i]->d_name) + 2, len = 0;
        struct mg_survey_errors errs;
        if (!(paths[i] = malloc(plen))) {
            failed++;
            continue;
        }
        snprintf(paths[i], plen, "%s/%s", dir, list[i]->d_name);
        if (!(datas[i] = mg_survey_read_file(paths[i], &len))) {
            if (err)
                fprintf(err, "%s: cannot read the file: %s\n", paths[i], strerror(errno));
            failed++;
            continue;
        }
        if (mg_survey_check(paths[i], datas[i], len, &errs, &defs[i]) != 0) {
            for (size_t e = 0; err && e < errs.n; e++)
                fprintf(err, "%s\n", errs.lines[e]);
            failed++;
        }
        mg_survey_errors_free(&errs);
        files[i] = (struct mg_survey_file){.name = paths[i], .data = datas[i], .len = len, .def = defs[i]};
    }
    if (failed) {
        if (err)
            fprintf(err, "%s: nothing loaded\n", dir);
        goto cleanup;
    }
    char msg[600];
    if (mg_survey_load(conn, files, (size_t)n, actor, msg, sizeof msg) != 0) {
        if (err)
            fprintf(err, "%s\n", msg);
        failed = 1;
        goto cleanup;
    }
    for (int i = 0; out && i < n; i++)
        fprintf(out, "%s %s v%d (sha256 %.12s...)\n", files[i].result == MG_SURVEY_LOADED ? "loaded" : "unchanged",
                cJSON_GetObjectItemCaseSensitive(defs[i], "key")->valuestring,
                cJSON_GetObjectItemCaseSensitive(defs[i], "version")->valueint, files[i].sha256);
cleanup:
    for (int i = 0; i < n; i++) {
        if (paths)
            free(paths[i]);
        if (datas)
            free(datas[i]);
        if (defs)
            cJSON_Delete(defs[i]);
        free(list[i]);
    }
    free(list);
    free(files);
    free(paths);
    free(datas);
    free(defs);
    return failed;
}
