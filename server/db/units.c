/* units.c: importing the organisation tree and expected headcounts. */
#include "mg_units.h"

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_buf.h"
#include "mg_csv.h"
#include "mg_db.h"

MG_DB_STMT(stmt_units_lock, "LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE");
MG_DB_STMT(stmt_units_all,
           "SELECT u.id, u.code, u.name, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id");
MG_DB_STMT(stmt_unit_insert,
           "WITH n AS (SELECT nextval(pg_get_serial_sequence('units', 'id')) AS id), "
           "p AS (SELECT id, path FROM units WHERE code = $3) "
           "INSERT INTO units (id, code, name, parent_id, path) OVERRIDING SYSTEM VALUE "
           "SELECT n.id, $1, $2, (SELECT id FROM p), "
           "COALESCE((SELECT path FROM p) || n.id::text, n.id::text::ltree) FROM n RETURNING id");
MG_DB_STMT(stmt_unit_rename, "UPDATE units SET name = $2 WHERE id = $1::bigint");
MG_DB_STMT(stmt_unit_name_history,
           "INSERT INTO unit_names (unit_id, name) VALUES ($1::bigint, $2) "
           "ON CONFLICT (unit_id, valid_from) DO UPDATE SET name = EXCLUDED.name");
/* Moves unit $1 under the unit of code $2 (or to the root), with its subtree. */
MG_DB_STMT(stmt_unit_move,
           "WITH u AS (SELECT id, path AS old FROM units WHERE id = $1::bigint), "
           "p AS (SELECT id, path FROM units WHERE code = $2), "
           "np AS (SELECT COALESCE((SELECT path FROM p) || u.id::text, u.id::text::ltree) AS new FROM u) "
           "UPDATE units t SET path = CASE WHEN t.id = u.id THEN np.new "
           "ELSE np.new || subpath(t.path, nlevel(u.old)) END, "
           "parent_id = CASE WHEN t.id = u.id THEN (SELECT id FROM p) ELSE t.parent_id END "
           "FROM u, np WHERE t.path <@ u.old");
MG_DB_STMT(stmt_headcount_round, "SELECT 1 FROM rounds WHERE id = $1::bigint FOR UPDATE");
MG_DB_STMT(stmt_headcount_unit, "SELECT id FROM units WHERE code = $1");
MG_DB_STMT(stmt_headcount_set,
           "INSERT INTO round_units (round_id, unit_id, expected_headcount) VALUES ($1::bigint, $2::bigint, "
           "$3::integer) ON CONFLICT (round_id, unit_id) DO UPDATE SET expected_headcount = EXCLUDED.expected_headcount");

struct node {
    const char *code, *name, *parent; /* parent code or "" */
    int line;                         /* 0: from the database only */
    char id[24];                      /* from the database, "" when new */
    const char *db_name, *db_parent;
    int depth;
};

static int by_code(const void *a, const void *b)
{
    return strcmp(((const struct node *)a)->code, ((const struct node *)b)->code);
}

static struct node *find(struct node *nodes, size_t n, const char *code)
{
    struct node key = {.code = code};
    return code && *code ? bsearch(&key, nodes, n, sizeof *nodes, by_code) : NULL;
}

static int by_depth(const void *a, const void *b)
{
    const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
    return x->depth != y->depth ? x->depth - y->depth : x->line - y->line;
}

struct import_ctx {
    const char *file;
    const struct mg_csv *csv;
    struct mg_units_counts *counts;
    struct mg_buf *problems;
    bool bad;
};

static enum mg_qs import_tx(struct mg_db_conn *conn, void *arg)
{
    struct import_ctx *c = arg;
    const struct mg_csv *csv = c->csv;
    PGresult *res = NULL;
    enum mg_qs qs;
    struct node *nodes = NULL, **order = NULL;
    size_t nn = 0, nfile = 0;
    regex_t code_re;
    int ci = mg_csv_column(csv, "code"), ni = mg_csv_column(csv, "name"), pi = mg_csv_column(csv, "parent_code");

    memset(c->counts, 0, sizeof *c->counts);
    c->problems->len = 0;
    if (c->problems->data)
        c->problems->data[0] = '\0';
    c->bad = false;
    if ((qs = mg_db_exec(conn, &stmt_units_lock, 0, NULL, NULL)) < 0)
        return qs;
    if ((qs = mg_db_exec(conn, &stmt_units_all, 0, NULL, &res)) < 0)
        return qs;
    size_t ndb = (size_t)PQntuples(res);
    nodes = calloc(ndb + csv->n + 1, sizeof *nodes);
    order = calloc(csv->n + 1, sizeof *order);
    regcomp(&code_re, "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", REG_EXTENDED | REG_NOSUB);
    if (!nodes || !order) {
        qs = MG_QS_HARD;
        goto out;
    }
    for (size_t i = 0; i < ndb; i++) {
        struct node *d = &nodes[nn++];
        d->code = PQgetvalue(res, (int)i, 1);
        snprintf(d->id, sizeof d->id, "%s", PQgetvalue(res, (int)i, 0));
        d->db_name = d->name = PQgetvalue(res, (int)i, 2);
        d->db_parent = d->parent = PQgetvalue(res, (int)i, 3);
    }
    qsort(nodes, nn, sizeof *nodes, by_code);

    /* The file's rows over the database's units. */
    for (size_t r = 0; r < csv->n; r++) {
        const struct mg_csv_record *rec = &csv->records[r];
        const char *code = rec->fields[ci], *name = rec->fields[ni], *parent = rec->fields[pi];
        int line = rec->line;
        if (regexec(&code_re, code, 0, NULL, 0) != 0) {
            mg_buf_printf(c->problems, "%s:%d: code \"%.80s\" is not a unit code (letters, digits, _ . -; at most "
                                       "64, starting with a letter or digit)\n", c->file, line, code);
            continue;
        }
        if (!name[0]) {
            mg_buf_printf(c->problems, "%s:%d: unit %s has an empty name\n", c->file, line, code);
            continue;
        }
        if (strlen(name) > 200) {
            mg_buf_printf(c->problems, "%s:%d: the name of unit %s is longer than 200 characters\n", c->file, line,
                          code);
            continue;
        }
        if (strcmp(parent, code) == 0) {
            mg_buf_printf(c->problems, "%s:%d: unit %s cannot be its own parent\n", c->file, line, code);
            continue;
        }
        struct node *n = find(nodes, nn, code);
        if (n && n->line) {
            mg_buf_printf(c->problems, "%s:%d: code %s appears twice (first on line %d)\n", c->file, line, code,
                          n->line);
            continue;
        }
        if (!n) {
            /* A new unit: keep the array sorted. */
            struct node add = {.code = code};
            size_t at = 0;
            while (at < nn && strcmp(nodes[at].code, code) < 0)
                at++;
            memmove(&nodes[at + 1], &nodes[at], (nn - at) * sizeof *nodes);
            nodes[at] = add;
            nn++;
            n = &nodes[at];
        }
        n->name = name;
        n->parent = parent;
        n->line = line;
        nfile++;
    }
    /* Parents exist; no cycles. Depth for the order of writing. */
    for (size_t i = 0; i < nn; i++) {
        struct node *n = &nodes[i];
        if (!n->line)
            continue;
        if (n->parent[0] && !find(nodes, nn, n->parent)) {
            mg_buf_printf(c->problems, "%s:%d: unit %s has an unknown parent \"%.80s\"\n", c->file, n->line,
                          n->code, n->parent);
            c->bad = true;
            continue;
        }
        int depth = 0;
        bool cycle = false;
        const struct node *up = n;
        while (up && up->parent[0] && !cycle) {
            up = find(nodes, nn, up->parent);
            depth++;
            cycle = up == n || depth > (int)nn;
        }
        if (cycle) {
            mg_buf_printf(c->problems, "%s:%d: unit %s would be its own ancestor (the parents make a cycle)\n",
                          c->file, n->line, n->code);
            c->bad = true;
            continue;
        }
        n->depth = depth;
    }
    if (c->problems->len > 0) {
        c->bad = true;
        qs = MG_QS_HARD;
        goto out;
    }
    size_t no = 0;
    for (size_t i = 0; i < nn; i++)
        if (nodes[i].line)
            order[no++] = &nodes[i];
    qsort(order, no, sizeof *order, by_depth);

    for (size_t i = 0; i < no; i++) {
        struct node *n = order[i];
        PGresult *r2 = NULL;
        if (!n->id[0]) {
            const char *p[] = {n->code, n->name, n->parent[0] ? n->parent : NULL};
            if ((qs = mg_db_exec(conn, &stmt_unit_insert, 3, p, &r2)) < 0)
                goto out;
            snprintf(n->id, sizeof n->id, "%s", PQgetvalue(r2, 0, 0));
            PQclear(r2);
            const char *h[] = {n->id, n->name};
            if ((qs = mg_db_exec(conn, &stmt_unit_name_history, 2, h, NULL)) < 0)
                goto out;
            c->counts->created++;
            continue;
        }
        bool renamed = strcmp(n->name, n->db_name) != 0;
        bool moved = strcmp(n->parent, n->db_parent) != 0;
        if (renamed) {
            const char *p[] = {n->id, n->name};
            if ((qs = mg_db_exec(conn, &stmt_unit_rename, 2, p, NULL)) < 0 ||
                (qs = mg_db_exec(conn, &stmt_unit_name_history, 2, p, NULL)) < 0)
                goto out;
            c->counts->renamed++;
        }
        if (moved) {
            const char *p[] = {n->id, n->parent[0] ? n->parent : NULL};
            if ((qs = mg_db_exec(conn, &stmt_unit_move, 2, p, NULL)) < 0)
                goto out;
            c->counts->moved++;
        }
        if (!renamed && !moved)
            c->counts->unchanged++;
    }
    c->counts->untouched = nn - nfile;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "created", (double)c->counts->created);
    cJSON_AddNumberToObject(d, "renamed", (double)c->counts->renamed);
    cJSON_AddNumberToObject(d, "moved", (double)c->counts->moved);
    qs = mg_audit(conn, 0, "cli", "units.import", d);
    cJSON_Delete(d);
    if (qs >= 0)
        qs = MG_QS_ROWS;
out:
    regfree(&code_re);
    free(order);
    free(nodes);
    PQclear(res);
    return qs;
}

int mg_units_import(struct mg_db_conn *conn, const char *file, const struct mg_csv *csv,
                    struct mg_units_counts *counts, struct mg_buf *problems)
{
    char msg[200];
    if (mg_csv_columns(csv, (const char *const[]){"code", "name", "parent_code", NULL}, NULL, msg, sizeof msg) != 0) {
        mg_buf_printf(problems, "%s:%s\n", file, msg + 5);
        return -1;
    }
    struct import_ctx c = {file, csv, counts, problems, false};
    if (mg_db_tx(conn, import_tx, &c) < 0) {
        if (!c.bad)
            mg_buf_printf(problems, "%s: the database refused the import (%s); nothing was written\n", file,
                          mg_db_last_sqlstate(conn));
        return -1;
    }
    return 0;
}

struct headcount_ctx {
    const char *file;
    const char *round;
    const struct mg_csv *csv;
    struct mg_buf *problems;
    long set;
    bool bad;
};

static enum mg_qs headcount_tx(struct mg_db_conn *conn, void *arg)
{
    struct headcount_ctx *c = arg;
    const struct mg_csv *csv = c->csv;
    int ui = mg_csv_column(csv, "unit_code"), hi = mg_csv_column(csv, "headcount");
    PGresult *res = NULL;
    const char *rp[] = {c->round};
    enum mg_qs qs = mg_db_exec(conn, &stmt_headcount_round, 1, rp, NULL);
    c->set = 0;
    if (qs == MG_QS_NONE) {
        mg_buf_printf(c->problems, "%s: round %s does not exist\n", c->file, c->round);
        c->bad = true;
        return MG_QS_HARD;
    }
    if (qs < 0)
        return qs;
    char (*ids)[24] = calloc(csv->n + 1, sizeof *ids);
    if (!ids)
        return MG_QS_HARD;
    for (size_t r = 0; r < csv->n; r++) {
        const char *code = csv->records[r].fields[ui], *count = csv->records[r].fields[hi];
        int line = csv->records[r].line;
        char *end;
        long v = strtol(count, &end, 10);
        if (!count[0] || *end || v < 0 || v > 10000000) {
            mg_buf_printf(c->problems, "%s:%d: headcount \"%.40s\" is not a whole number of at least 0\n", c->file,
                          line, count);
            c->bad = true;
        }
        const char *up[] = {code};
        if ((qs = mg_db_exec(conn, &stmt_headcount_unit, 1, up, &res)) < 0) {
            free(ids);
            return qs;
        }
        if (qs == MG_QS_NONE) {
            mg_buf_printf(c->problems, "%s:%d: unknown unit code \"%.80s\"\n", c->file, line, code);
            c->bad = true;
        } else {
            snprintf(ids[r], sizeof ids[r], "%s", PQgetvalue(res, 0, 0));
        }
        PQclear(res);
        res = NULL;
        for (size_t j = 0; j < r; j++)
            if (strcmp(csv->records[j].fields[ui], code) == 0) {
                mg_buf_printf(c->problems, "%s:%d: unit %s appears twice (first on line %d)\n", c->file, line,
                              code, csv->records[j].line);
                c->bad = true;
                break;
            }
    }
    if (c->bad) {
        free(ids);
        return MG_QS_HARD;
    }
    for (size_t r = 0; r < csv->n; r++) {
        const char *p[] = {c->round, ids[r], csv->records[r].fields[hi]};
        if ((qs = mg_db_exec(conn, &stmt_headcount_set, 3, p, NULL)) < 0) {
            free(ids);
            return qs;
        }
        c->set++;
    }
    free(ids);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "round", atof(c->round));
    cJSON_AddNumberToObject(d, "units", (double)c->set);
    qs = mg_audit(conn, 0, "cli", "round.headcount", d);
    cJSON_Delete(d);
    return qs < 0 ? qs : MG_QS_ROWS;
}

long mg_units_headcount(struct mg_db_conn *conn, const char *file, int64_t round_id, const struct mg_csv *csv,
                        struct mg_buf *problems)
{
    char msg[200], round[24];
    if (mg_csv_columns(csv, (const char *const[]){"unit_code", "headcount", NULL}, NULL, msg, sizeof msg) != 0) {
        mg_buf_printf(problems, "%s:%s\n", file, msg + 5);
        return -1;
    }
    snprintf(round, sizeof round, "%lld", (long long)round_id);
    struct headcount_ctx c = {file, round, csv, problems, 0, false};
    if (mg_db_tx(conn, headcount_tx, &c) < 0) {
        if (!c.bad)
            mg_buf_printf(problems, "%s: the database refused the headcounts; nothing was written\n", file);
        return -1;
    }
    return c.set;
}
