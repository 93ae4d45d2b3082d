/* units.c: importing the organisation tree and expected headcounts. */
#include "mg_units.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_buf.h"
#include "mg_csv.h"
#include "mg_db.h"

/* Writers to units wait for the import, so the tree it checked is the
 * tree it changes; readers are not blocked. */
MG_DB_STMT(stmt_units_lock, "LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE");
MG_DB_STMT(stmt_units_all,
           "SELECT u.id, u.code, u.name, COALESCE(p.code, '') FROM units u LEFT JOIN units p ON p.id = u.parent_id");
/* The path's labels are ids, so the id is drawn first. */
MG_DB_STMT(stmt_unit_insert,
           "WITH n AS (SELECT nextval(pg_get_serial_sequence('units', 'id')) AS id), "
           "p AS (SELECT id, path FROM units WHERE code = $3) "
           "INSERT INTO units (id, code, name, parent_id, path) OVERRIDING SYSTEM VALUE "
           "SELECT n.id, $1, $2, (SELECT id FROM p), "
           "COALESCE((SELECT path FROM p) || n.id::text, n.id::text::ltree) FROM n RETURNING id");
MG_DB_STMT(stmt_unit_rename, "UPDATE units SET name = $2 WHERE id = $1::bigint");
/* A second rename on one day replaces that day's name. */
MG_DB_STMT(stmt_unit_name_history,
           "INSERT INTO unit_names (unit_id, name, valid_from) VALUES ($1::bigint, $2, current_date) "
           "ON CONFLICT (unit_id, valid_from) DO UPDATE SET name = EXCLUDED.name");
/* Moves unit $1 under the unit of code $2 (NULL: makes it a root), with
 * its whole subtree: every path that starts with the unit's old path gets
 * the new one instead. */
MG_DB_STMT(stmt_unit_move,
           "WITH u AS (SELECT id, path AS old FROM units WHERE id = $1::bigint), "
           "p AS (SELECT id, path FROM units WHERE code = $2), "
           "np AS (SELECT COALESCE((SELECT path FROM p) || u.id::text, u.id::text::ltree) AS new FROM u) "
           "UPDATE units t SET path = CASE WHEN t.id = u.id THEN np.new "
           "ELSE np.new || subpath(t.path, nlevel(u.old)) END, "
           "parent_id = CASE WHEN t.id = u.id THEN (SELECT id FROM p) ELSE t.parent_id END "
           "FROM u, np WHERE t.path <@ u.old");
/* The tree of round $1 (sql/009_round_tree.sql: the one a closed round
 * closed with; NULL: the live tree), ordered by the names (and codes) of
 * each unit's ancestors from the top, built down the tree. */
MG_DB_STMT(stmt_units_tree,
           "WITH RECURSIVE t AS (SELECT * FROM mg_round_tree($1::bigint)), "
           "k AS (SELECT id, ARRAY[name || chr(1) || code] AS k FROM t WHERE parent_id IS NULL "
           "UNION ALL SELECT c.id, k.k || (c.name || chr(1) || c.code) FROM t c JOIN k ON c.parent_id = k.id) "
           "SELECT u.code, u.name, COALESCE(p.code, ''), nlevel(u.path) FROM t u "
           "LEFT JOIN t p ON p.id = u.parent_id JOIN k ON k.id = u.id ORDER BY k.k");
MG_DB_STMT(stmt_headcount_round,
           "SELECT u.path::text, r.state = 'closed' FROM rounds r LEFT JOIN units u ON u.id = r.root_unit_id "
           "WHERE r.id = $1::bigint FOR UPDATE OF r");
MG_DB_STMT(stmt_headcount_units, "SELECT code, id, ($1::ltree IS NULL OR path <@ $1::ltree) FROM units");
MG_DB_STMT(stmt_headcount_set,
           "INSERT INTO round_units (round_id, unit_id, expected_headcount) VALUES ($1::bigint, $2::bigint, "
           "$3::integer) ON CONFLICT (round_id, unit_id) "
           "DO UPDATE SET expected_headcount = EXCLUDED.expected_headcount");

/* Appends the problems, sorted, as "FILE:LINE: problem" lines. */
static void problems_write(struct mg_csv_problems *ps, const char *file, struct mg_buf *out)
{
    mg_csv_problems_sort(ps);
    for (size_t i = 0; i < ps->n; i++)
        mg_buf_printf(out, "%s:%d: %s\n", file, ps->v[i].line, ps->v[i].msg);
    if (ps->oom)
        mg_buf_printf(out, "%s: out of memory while checking the file\n", file);
}

/* ---- checks of single values ---------------------------------------------- */

/* The units.code CHECK: ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ */
static bool code_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        bool alnum = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && (n == 0 || (ch != '_' && ch != '.' && ch != '-')))
            return false;
    }
    return n >= 1 && n <= 64;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

/* ---- import ------------------------------------------------------------- */

/* One unit: from the database, the file, or both. */
struct node {
    const char *code;
    int line;                  /* in the file; 0 when only in the database */
    const char *name, *parent; /* as they will be: the file's, else the database's */
    const char *db_name, *db_parent;
    char id[24]; /* "" for a new unit */
    long up;     /* index of the parent node, -1 for a root or an unknown parent */
    int state;   /* cycle search: 0 not seen, 1 on the current path, 2 done */
    int depth;
};

/* An entry before merging: a database unit (line 0) or a file row. */
struct entry {
    const char *code;
    int line;
    size_t index; /* database row or record */
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int node_cmp(const void *a, const void *b)
{
    return strcmp(((const struct node *)a)->code, ((const struct node *)b)->code);
}

static long find(const struct node *nodes, size_t n, const char *code)
{
    struct node key = {.code = code};
    const struct node *hit = bsearch(&key, nodes, n, sizeof *nodes, node_cmp);
    return hit ? hit - nodes : -1;
}

static int order_cmp(const void *a, const void *b)
{
    const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
    if (x->depth != y->depth)
        return x->depth - y->depth;
    return x->line - y->line;
}

struct import_ctx {
    const char *file;
    const struct mg_csv *csv;
    struct mg_units_counts *counts;
    struct mg_buf *problems;
    bool bad; /* the file has problems (not the database) */
};

/* Reports the cycle path[from..n-1] (each unit followed by its parent) on
 * every file row in it, each message starting the chain at its own unit. */
static void report_cycle(struct mg_csv_problems *ps, const struct node *nodes, const long *path, size_t from, size_t n)
{
    size_t len = n - from;
    for (size_t m = 0; m < len; m++) {
        const struct node *x = &nodes[path[from + m]];
        char chain[800];
        size_t used = 0;
        if (!x->line)
            continue;
        chain[0] = '\0';
        for (size_t k = 0; k <= len && used + 1 < sizeof chain; k++) {
            if (k == 8 && len > 8) {
                snprintf(chain + used, sizeof chain - used, " -> ...");
                k = len;
                used = strlen(chain);
            }
            snprintf(chain + used, sizeof chain - used, "%s%s", k ? " -> " : "",
                     nodes[path[from + (m + k) % len]].code);
            used = strlen(chain);
        }
        mg_csv_problem(ps, x->line, "unit %s would be its own ancestor (parent chain %s)", x->code, chain);
    }
}

/* Checks the file against the database's tree; fills `nodes` (sorted by
 * code) and returns how many, or -1 when out of memory. */
static long build_nodes(struct import_ctx *c, PGresult *db, struct node *nodes, struct mg_csv_problems *ps)
{
    const struct mg_csv *csv = c->csv;
    int ci = mg_csv_column(csv, "code"), ni = mg_csv_column(csv, "name"), pi = mg_csv_column(csv, "parent_code");
    size_t ndb = (size_t)PQntuples(db), ne = 0, nn = 0;
    struct entry *entries = calloc(ndb + csv->n + 1, sizeof *entries);
    if (!entries)
        return -1;

    for (size_t i = 0; i < ndb; i++)
        entries[ne++] = (struct entry){PQgetvalue(db, (int)i, 1), 0, i};
    for (size_t r = 0; r < csv->n; r++) {
        const char *code = csv->records[r].fields[ci];
        int line = csv->records[r].line;
        if (!code[0])
            mg_csv_problem(ps, line, "the code is empty");
        else if (!code_ok(code))
            mg_csv_problem(ps, line,
                           "code \"%.80s\" is not a unit code (1 to 64 letters A-Z, digits, '_', '.' or '-', "
                           "starting with a letter or digit)", code);
        else
            entries[ne++] = (struct entry){code, line, r};
    }
    qsort(entries, ne, sizeof *entries, entry_cmp);

    /* One node per code: the database's unit and the code's first row in
     * the file; a later row with the same code is a duplicate. */
    for (size_t i = 0; i < ne;) {
        struct node *n = &nodes[nn++];
        memset(n, 0, sizeof *n);
        n->code = entries[i].code;
        n->up = -1;
        size_t j = i;
        if (entries[j].line == 0) {
            int row = (int)entries[j].index;
            snprintf(n->id, sizeof n->id, "%s", PQgetvalue(db, row, 0));
            n->db_name = n->name = PQgetvalue(db, row, 2);
            n->db_parent = n->parent = PQgetvalue(db, row, 3);
            j++;
        }
        for (; j < ne && strcmp(entries[j].code, n->code) == 0; j++) {
            char *const *f = csv->records[entries[j].index].fields;
            if (n->line) {
                mg_csv_problem(ps, entries[j].line, "code %s appears twice (first on line %d)", n->code, n->line);
                continue;
            }
            n->line = entries[j].line;
            n->name = f[ni];
            n->parent = f[pi];
        }
        i = j;
    }
    free(entries);

    /* Names and parents of the file's rows. */
    for (size_t i = 0; i < nn; i++) {
        struct node *n = &nodes[i];
        if (n->line) {
            if (!n->name[0])
                mg_csv_problem(ps, n->line, "unit %s has an empty name", n->code);
            else if (utf8_chars(n->name) > MG_UNIT_NAME_MAX)
                mg_csv_problem(ps, n->line, "the name of unit %s is longer than %d characters", n->code,
                               MG_UNIT_NAME_MAX);
            else if (has_control(n->name))
                mg_csv_problem(ps, n->line, "the name of unit %s holds a line break or another control character",
                               n->code);
        }
        if (!n->parent[0])
            continue;
        if (strcmp(n->parent, n->code) == 0) {
            mg_csv_problem(ps, n->line, "unit %s cannot be its own parent", n->code);
            continue;
        }
        n->up = find(nodes, nn, n->parent);
        if (n->up < 0 && n->line)
            mg_csv_problem(ps, n->line,
                           "unit %s has an unknown parent \"%.80s\" (neither in the file nor in the database)",
                           n->code, n->parent);
    }

    /* Cycles, among the new parents and the database's: walk up from each
     * unit, marking the path; meeting the path again closes a cycle. */
    long *path = malloc((nn + 1) * sizeof *path);
    if (!path)
        return -1;
    for (size_t i = 0; i < nn; i++) {
        size_t len = 0;
        long j = (long)i;
        while (j >= 0 && nodes[j].state == 0) {
            nodes[j].state = 1;
            path[len++] = j;
            j = nodes[j].up;
        }
        if (j >= 0 && nodes[j].state == 1) {
            size_t from = 0;
            while (path[from] != j)
                from++;
            report_cycle(ps, nodes, path, from, len);
            for (size_t k = from; k < len; k++)
                nodes[path[k]].up = -1; /* so depths below end */
        }
        /* Depths, top down along the path just walked. */
        int depth = j >= 0 && nodes[j].state == 2 ? nodes[j].depth + 1 : 0;
        for (size_t k = len; k-- > 0;) {
            struct node *x = &nodes[path[k]];
            x->state = 2;
            if (x->up < 0)
                depth = 0;
            x->depth = depth++;
        }
    }
    free(path);
    for (size_t i = 0; i < nn; i++)
        if (nodes[i].line && nodes[i].depth >= MG_UNIT_MAX_DEPTH)
            mg_csv_problem(ps, nodes[i].line, "unit %s would be %d levels deep; the tree has at most %d levels",
                           nodes[i].code, nodes[i].depth + 1, MG_UNIT_MAX_DEPTH);
    return (long)nn;
}

static enum mg_qs import_tx(struct mg_db_conn *conn, void *arg)
{
    struct import_ctx *c = arg;
    PGresult *db = NULL;
    struct node *nodes = NULL, **order = NULL;
    struct mg_csv_problems ps = {0};
    enum mg_qs qs;
    cJSON *detail = NULL;

    memset(c->counts, 0, sizeof *c->counts);
    c->bad = false;
    if ((qs = mg_db_exec(conn, &stmt_units_lock, 0, NULL, NULL)) < 0)
        return qs;
    if ((qs = mg_db_exec(conn, &stmt_units_all, 0, NULL, &db)) < 0)
        return qs;
    size_t ndb = (size_t)PQntuples(db);
    nodes = calloc(ndb + c->csv->n + 1, sizeof *nodes);
    order = calloc(c->csv->n + 1, sizeof *order);
    long nn = nodes && order ? build_nodes(c, db, nodes, &ps) : -1;
    if (nn < 0 || ps.oom) {
        mg_buf_printf(c->problems, "%s: out of memory\n", c->file);
        c->bad = true;
        qs = MG_QS_HARD;
        goto out;
    }
    if (ps.n) {
        problems_write(&ps, c->file, c->problems);
        c->bad = true;
        qs = MG_QS_HARD;
        goto out;
    }

    /* Parents before children: by depth in the new tree. */
    size_t no = 0, nfile = 0;
    for (long i = 0; i < nn; i++)
        if (nodes[i].line)
            order[no++] = &nodes[i];
    nfile = no;
    qsort(order, no, sizeof *order, order_cmp);
    for (size_t i = 0; i < no; i++) {
        struct node *n = order[i];
        PGresult *res = NULL;
        const char *parent = n->parent[0] ? n->parent : NULL;
        if (!n->id[0]) {
            const char *p[] = {n->code, n->name, parent};
            if ((qs = mg_db_exec(conn, &stmt_unit_insert, 3, p, &res)) < 0)
                goto out;
            snprintf(n->id, sizeof n->id, "%s", PQgetvalue(res, 0, 0));
            PQclear(res);
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
            const char *p[] = {n->id, parent};
            if ((qs = mg_db_exec(conn, &stmt_unit_move, 2, p, NULL)) < 0)
                goto out;
            c->counts->moved++;
        }
        if (!renamed && !moved)
            c->counts->unchanged++;
    }
    c->counts->untouched = (size_t)nn - nfile;

    detail = cJSON_CreateObject();
    if (!detail) {
        qs = MG_QS_HARD;
        goto out;
    }
    cJSON_AddNumberToObject(detail, "rows", (double)nfile);
    cJSON_AddNumberToObject(detail, "created", (double)c->counts->created);
    cJSON_AddNumberToObject(detail, "renamed", (double)c->counts->renamed);
    cJSON_AddNumberToObject(detail, "moved", (double)c->counts->moved);
    cJSON_AddNumberToObject(detail, "unchanged", (double)c->counts->unchanged);
    cJSON_AddNumberToObject(detail, "not_in_file", (double)c->counts->untouched);
    qs = mg_audit(conn, 0, "cli", "units.import", detail);
    if (qs >= 0)
        qs = MG_QS_ROWS;
out:
    cJSON_Delete(detail);
    mg_csv_problems_free(&ps);
    free(order);
    free(nodes);
    PQclear(db);
    return qs;
}

int mg_units_import(struct mg_db_conn *conn, const char *file, const struct mg_csv *csv,
                    struct mg_units_counts *counts, struct mg_buf *problems)
{
    char msg[600];
    if (mg_csv_columns(csv, (const char *const[]){"code", "name", "parent_code", NULL}, NULL, msg, sizeof msg) != 0) {
        mg_buf_printf(problems, "%s:%d: %s\n", file, csv->header_line, msg);
        return -1;
    }
    struct import_ctx c = {file, csv, counts, problems, false};
    size_t mark = problems->len;
    if (mg_db_tx(conn, import_tx, &c) < 0) {
        if (!c.bad) {
            /* Only the last attempt's messages count. */
            problems->len = mark;
            if (problems->data)
                problems->data[mark] = '\0';
            mg_buf_printf(problems, "%s: the database refused the import (%s)\n", file,
                          mg_db_conn_lost(conn) ? "the connection was lost" : mg_db_last_sqlstate(conn));
        }
        return -1;
    }
    return 0;
}

/* ---- expected headcounts ------------------------------------------------- */

struct unit_ref {
    const char *code;
    const char *id;
    bool in_scope;
};

static int unit_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const struct unit_ref *)a)->code, ((const struct unit_ref *)b)->code);
}

struct row_ref {
    const char *code;
    int line;
};

static int row_ref_cmp(const void *a, const void *b)
{
    const struct row_ref *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : x->line - y->line;
}

struct headcount_ctx {
    const char *file;
    const char *round;
    const struct mg_csv *csv;
    struct mg_buf *problems;
    long set;
    bool bad;
};

/* A headcount: digits only, at most 10 000 000. Returns -1 when bad. */
static long parse_headcount(const char *s)
{
    long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 10000000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v > 10000000 ? -1 : v;
}

static enum mg_qs headcount_tx(struct mg_db_conn *conn, void *arg)
{
    struct headcount_ctx *c = arg;
    const struct mg_csv *csv = c->csv;
    int ui = mg_csv_column(csv, "unit_code"), hi = mg_csv_column(csv, "headcount");
    PGresult *round = NULL, *units = NULL;
    struct unit_ref *refs = NULL;
    struct row_ref *rows = NULL;
    const struct unit_ref **row_unit = NULL;
    struct mg_csv_problems ps = {0};
    enum mg_qs qs;
    cJSON *detail = NULL;

    c->set = 0;
    c->bad = false;
    const char *rp[] = {c->round};
    qs = mg_db_exec(conn, &stmt_headcount_round, 1, rp, &round);
    if (qs == MG_QS_NONE) {
        mg_buf_printf(c->problems, "%s: round %s does not exist\n", c->file, c->round);
        c->bad = true;
        qs = MG_QS_HARD;
        goto out;
    }
    if (qs < 0)
        goto out;
    if (strcmp(PQgetvalue(round, 0, 1), "t") == 0) {
        /* Its response rates were released when it closed (docs/privacy.md). */
        mg_buf_printf(c->problems, "%s: round %s is closed; its expected headcounts no longer change\n", c->file,
                      c->round);
        c->bad = true;
        qs = MG_QS_HARD;
        goto out;
    }
    const char *sp[] = {PQgetisnull(round, 0, 0) ? NULL : PQgetvalue(round, 0, 0)};
    if ((qs = mg_db_exec(conn, &stmt_headcount_units, 1, sp, &units)) < 0)
        goto out;
    size_t nunits = (size_t)PQntuples(units);
    refs = calloc(nunits + 1, sizeof *refs);
    rows = calloc(csv->n + 1, sizeof *rows);
    row_unit = calloc(csv->n + 1, sizeof *row_unit);
    if (!refs || !rows || !row_unit) {
        qs = MG_QS_HARD;
        goto out;
    }
    for (size_t i = 0; i < nunits; i++)
        refs[i] = (struct unit_ref){PQgetvalue(units, (int)i, 0), PQgetvalue(units, (int)i, 1),
                                    strcmp(PQgetvalue(units, (int)i, 2), "t") == 0};
    qsort(refs, nunits, sizeof *refs, unit_ref_cmp);

    for (size_t r = 0; r < csv->n; r++) {
        const char *code = csv->records[r].fields[ui], *count = csv->records[r].fields[hi];
        int line = csv->records[r].line;
        rows[r] = (struct row_ref){code, line};
        struct unit_ref key = {.code = code};
        const struct unit_ref *u = bsearch(&key, refs, nunits, sizeof *refs, unit_ref_cmp);
        if (!u)
            mg_csv_problem(&ps, line, "unknown unit code \"%.80s\"", code);
        else if (!u->in_scope)
            mg_csv_problem(&ps, line, "unit %s is outside the part of the organisation round %s covers", code,
                           c->round);
        else
            row_unit[r] = u;
        if (parse_headcount(count) < 0)
            mg_csv_problem(&ps, line, "headcount \"%.40s\" is not a whole number from 0 to 10000000", count);
    }
    qsort(rows, csv->n, sizeof *rows, row_ref_cmp);
    for (size_t r = 1; r < csv->n; r++)
        if (strcmp(rows[r].code, rows[r - 1].code) == 0) {
            size_t first = r - 1;
            while (first > 0 && strcmp(rows[first - 1].code, rows[r].code) == 0)
                first--;
            mg_csv_problem(&ps, rows[r].line, "unit %.80s appears twice (first on line %d)", rows[r].code,
                           rows[first].line);
        }
    if (ps.n || ps.oom) {
        problems_write(&ps, c->file, c->problems);
        c->bad = true;
        qs = MG_QS_HARD;
        goto out;
    }
    for (size_t r = 0; r < csv->n; r++) {
        const char *p[] = {c->round, row_unit[r]->id, csv->records[r].fields[hi]};
        if ((qs = mg_db_exec(conn, &stmt_headcount_set, 3, p, NULL)) < 0)
            goto out;
        c->set++;
    }
    detail = cJSON_CreateObject();
    if (!detail) {
        qs = MG_QS_HARD;
        goto out;
    }
    cJSON_AddNumberToObject(detail, "round", atof(c->round));
    cJSON_AddNumberToObject(detail, "units", (double)c->set);
    qs = mg_audit(conn, 0, "cli", "round.headcount", detail);
    if (qs >= 0)
        qs = MG_QS_ROWS;
out:
    cJSON_Delete(detail);
    mg_csv_problems_free(&ps);
    free(row_unit);
    free(rows);
    free(refs);
    PQclear(units);
    PQclear(round);
    return qs;
}

long mg_units_headcount(struct mg_db_conn *conn, const char *file, int64_t round_id, const struct mg_csv *csv,
                        struct mg_buf *problems)
{
    char msg[600], round[24];
    if (mg_csv_columns(csv, (const char *const[]){"unit_code", "headcount", NULL}, NULL, msg, sizeof msg) != 0) {
        mg_buf_printf(problems, "%s:%d: %s\n", file, csv->header_line, msg);
        return -1;
    }
    snprintf(round, sizeof round, "%lld", (long long)round_id);
    struct headcount_ctx c = {file, round, csv, problems, 0, false};
    size_t mark = problems->len;
    if (mg_db_tx(conn, headcount_tx, &c) < 0) {
        if (!c.bad) {
            problems->len = mark;
            if (problems->data)
                problems->data[mark] = '\0';
            mg_buf_printf(problems, "%s: the database refused the headcounts (%s)\n", file,
                          mg_db_conn_lost(conn) ? "the connection was lost" : mg_db_last_sqlstate(conn));
        }
        return -1;
    }
    return c.set;
}

struct pg_result *mg_units_list_round(struct mg_db_conn *conn, int64_t round_id)
{
    PGresult *res = NULL;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)round_id);
    const char *params[] = {round_id > 0 ? id : NULL};
    if (mg_db_exec(conn, &stmt_units_tree, 1, params, &res) < 0)
        return NULL;
    return res;
}

struct pg_result *mg_units_list(struct mg_db_conn *conn)
{
    return mg_units_list_round(conn, 0);
}
