/* indicators.c: loads a round's aggregates, rolls them up the unit tree,
 * runs the privacy layer over every measure of the whole round, and
 * writes the indicators, the overview and a series' trend as JSON.
 *
 * Cost: everything read here grows with units x roles x (areas + levels +
 * services), never with responses, except the paired change, which joins
 * two rounds' response rows by pseudonym (and is not in the overview). */
#include "mg_indicators.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_db.h"
#include "mg_log.h"
#include "mg_stats.h"
#include "mg_survey.h"

#define MAX_LEVELS 12
#define MAX_MEASURES 64
#define KEY_MAX 72

/* ---- statements ---------------------------------------------------------- */

MG_DB_STMT(stmt_snapshot, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
MG_DB_STMT(stmt_round,
           "SELECT r.id, r.name, r.mode, r.state, r.min_group_size, r.series_id, r.seq, u.code, "
           "(SELECT p.id FROM rounds p WHERE p.series_id = r.series_id AND p.seq < r.seq "
           " ORDER BY p.seq DESC LIMIT 1) "
           "FROM rounds r LEFT JOIN units u ON u.id = r.root_unit_id WHERE r.id = $1::bigint");
/* A round's own tree (sql/009_round_tree.sql): the one it closed with, or
 * the live tree while it is scheduled or open; $1 NULL: the live tree. */
MG_DB_STMT(stmt_units,
           "SELECT id, code, name, parent_id FROM mg_round_tree($1::bigint) ORDER BY nlevel(path), id");
/* Staff first: its areas and levels come first. */
MG_DB_STMT(stmt_surveys,
           "SELECT rs.survey_id, rs.audience FROM round_surveys rs "
           "WHERE rs.round_id = $1::bigint ORDER BY rs.audience DESC");
/* The aggregates are read row by row, not summed in SQL: once the scheduler
 * has folded the shards (sql/007_compact.sql) a key has one row plus those
 * of recent submissions, and adding them here costs a third of a GROUP BY
 * over numeric sums. Scores come in key order so each key's rows are
 * added exactly (see dec_add) before they become doubles. */
MG_DB_STMT(stmt_agg_responses,
           "SELECT unit_id, role, n, paper FROM agg_responses WHERE round_id = $1::bigint");
MG_DB_STMT(stmt_agg_scores,
           "SELECT unit_id, role, area_key, n, sum, sumsq FROM agg_scores WHERE round_id = $1::bigint "
           "ORDER BY unit_id, role, area_key");
MG_DB_STMT(stmt_agg_levels,
           "SELECT unit_id, role, area_key, level, n FROM agg_levels WHERE round_id = $1::bigint");
MG_DB_STMT(stmt_agg_services,
           "SELECT unit_id, role, service, answered, regular FROM agg_services WHERE round_id = $1::bigint");
MG_DB_STMT(stmt_agg_invited,
           "SELECT unit_id, role, n FROM agg_invited WHERE round_id = $1::bigint");
MG_DB_STMT(stmt_headcounts,
           "SELECT unit_id, expected_headcount FROM round_units "
           "WHERE round_id = $1::bigint AND expected_headcount IS NOT NULL");
MG_DB_STMT(stmt_agg_alpha,
           "SELECT area_key, item_key, sum(n), sum(sum), sum(sumsq) FROM agg_alpha "
           "WHERE round_id = $1::bigint GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2");
/* The paired change is there when both rounds are pseudonymous and pairs
 * were counted (agg_paired, kept as responses arrive: sql/007_compact.sql)
 * or both rounds still hold pseudonyms (a series without any pair yet). */
MG_DB_STMT(stmt_paired_available,
           "SELECT EXISTS (SELECT 1 FROM agg_paired WHERE round_id = $1::bigint) "
           "OR (EXISTS (SELECT 1 FROM responses WHERE round_id = $1::bigint AND pseudonym IS NOT NULL) "
           "AND EXISTS (SELECT 1 FROM responses WHERE round_id = $2::bigint AND pseudonym IS NOT NULL))");
/* Within-person change of the index: the same pseudonym, the same role. */
MG_DB_STMT(stmt_paired,
           "SELECT unit_id, role, n, sum, sumsq FROM agg_paired WHERE round_id = $1::bigint "
           "ORDER BY unit_id, role");
MG_DB_STMT(stmt_series, "SELECT id, name FROM series WHERE id = $1::bigint");
MG_DB_STMT(stmt_series_rounds, "SELECT id FROM rounds WHERE series_id = $1::bigint ORDER BY seq");

/* ---- the unit tree --------------------------------------------------------- */

struct idx {
    int64_t id;
    size_t i;
};

struct tree {
    size_t n;
    int64_t *id;
    char (*code)[KEY_MAX];
    char **name;
    size_t *parent, *first_child, *next_sibling;
    struct idx *by_id;
};

static int cmp_idx(const void *a, const void *b)
{
    const struct idx *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static size_t tree_find(const struct tree *t, int64_t id)
{
    struct idx key = {id, 0};
    const struct idx *f = bsearch(&key, t->by_id, t->n, sizeof key, cmp_idx);
    return f ? f->i : MG_PRIV_NONE;
}

static size_t tree_find_code(const struct tree *t, const char *code)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->code[i], code) == 0)
            return i;
    return MG_PRIV_NONE;
}

static bool tree_below(const struct tree *t, size_t u, size_t anc)
{
    for (size_t x = u; x != MG_PRIV_NONE; x = t->parent[x])
        if (x == anc)
            return true;
    return false;
}

static void tree_free(struct tree *t)
{
    if (t->name)
        for (size_t i = 0; i < t->n; i++)
            free(t->name[i]);
    free(t->id);
    free(t->code);
    free(t->name);
    free(t->parent);
    free(t->first_child);
    free(t->next_sibling);
    free(t->by_id);
    memset(t, 0, sizeof *t);
}

/* Loads the tree round `round_id`'s figures are decided on: the tree it
 * closed with when it is closed, else the live tree (also for
 * `round_id` 0). Figures of two rounds are only ever put side by side
 * through the unit's code (round_retree), never through one shared tree. */
static enum mg_qs tree_load(struct mg_db_conn *conn, int64_t round_id, struct tree *t)
{
    PGresult *res = NULL;
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)round_id);
    const char *params[] = {round_id > 0 ? ids : NULL};
    enum mg_qs qs = mg_db_exec(conn, &stmt_units, 1, params, &res);
    if (qs < 0)
        return qs;
    size_t n = (size_t)PQntuples(res);
    t->n = n;
    t->id = calloc(n + 1, sizeof *t->id);
    t->code = calloc(n + 1, sizeof *t->code);
    t->name = calloc(n + 1, sizeof *t->name);
    t->parent = calloc(n + 1, sizeof *t->parent);
    t->first_child = calloc(n + 1, sizeof *t->first_child);
    t->next_sibling = calloc(n + 1, sizeof *t->next_sibling);
    t->by_id = calloc(n + 1, sizeof *t->by_id);
    if (!t->id || !t->code || !t->name || !t->parent || !t->first_child || !t->next_sibling || !t->by_id)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        t->id[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
        snprintf(t->code[i], KEY_MAX, "%s", PQgetvalue(res, (int)i, 1));
        if (!(t->name[i] = strdup(PQgetvalue(res, (int)i, 2))))
            goto fail;
        t->by_id[i] = (struct idx){t->id[i], i};
        t->first_child[i] = t->next_sibling[i] = MG_PRIV_NONE;
    }
    qsort(t->by_id, n, sizeof *t->by_id, cmp_idx);
    for (size_t i = 0; i < n; i++) {
        t->parent[i] = PQgetisnull(res, (int)i, 3)
                           ? MG_PRIV_NONE
                           : tree_find(t, strtoll(PQgetvalue(res, (int)i, 3), NULL, 10));
        if (t->parent[i] != MG_PRIV_NONE && t->parent[i] >= i) {
            MG_LOG_BUG("unit %s comes before its parent in path order", t->code[i]);
            goto fail;
        }
    }
    /* Children in order of their codes. */
    for (size_t i = n; i-- > 0;) {
        size_t p = t->parent[i];
        if (p == MG_PRIV_NONE)
            continue;
        size_t *link = &t->first_child[p];
        while (*link != MG_PRIV_NONE && strcmp(t->code[*link], t->code[i]) < 0)
            link = &t->next_sibling[*link];
        t->next_sibling[i] = *link;
        *link = i;
    }
    PQclear(res);
    return MG_QS_ROWS;
fail:
    PQclear(res);
    tree_free(t);
    return MG_QS_HARD;
}

/* ---- one round's aggregates -------------------------------------------------- */

/* M_PAPER counts the responses that came in on paper (a count, like
 * M_RESPONSES; the web responses are its other part). */
enum mkind { M_RESPONSES, M_INDEX, M_AREA, M_SERVICE, M_PAPER };

#define NAME_MAX_BYTES 160
static const char *const langs[] = {"sv", "nb", "nn", "en"};

struct measure {
    enum mkind kind;
    char key[KEY_MAX];
    char name[4][NAME_MAX_BYTES]; /* in sv, nb, nn, en (areas and services) */
    bool organisation; /* an organisation area (manager survey) */
    bool applies[2];   /* whether staff, managers are asked it at all */
};

/* Sufficient statistics of one measure in one group. For M_RESPONSES n
 * counts responses; for M_SERVICE n counts answers and `regular` those at
 * or above regular use. */
struct msum {
    int64_t n;
    double sum, sumsq;
    int64_t level[MAX_LEVELS];
    int64_t regular;
};

struct alpha_row {
    char area[KEY_MAX], item[KEY_MAX];
    struct mg_moments m;
};

struct round {
    int64_t id, series_id, previous;
    int k, seq;
    char name[256], mode[16], state[16], root_code[KEY_MAX];
    size_t nm, nlevels;
    struct measure m[MAX_MEASURES];
    char levels[MAX_LEVELS][KEY_MAX];
    char level_names[MAX_LEVELS][4][NAME_MAX_BYTES];
    struct msum *atom, *sub;   /* [unit][role 0..1][measure] */
    int64_t *pop, *sub_pop;    /* [unit][role 0..1]: alone, subtree */
    bool *pop_known, *sub_known;
    enum mg_priv_status *st;   /* [measure][unit][kind][role 0..2] */
    struct alpha_row *alpha;
    size_t nalpha;
};

/* Paired change of the index from the round before, within persons. */
struct paired {
    bool available;
    struct msum *atom, *sub;   /* [unit][role 0..1] */
    enum mg_priv_status *st;   /* [unit][kind][role] */
};

static void round_free(struct round *r)
{
    free(r->atom);
    free(r->sub);
    free(r->pop);
    free(r->pop_known);
    free(r->sub_pop);
    free(r->sub_known);
    free(r->st);
    free(r->alpha);
    memset(r, 0, sizeof *r);
}

static void paired_free(struct paired *p)
{
    free(p->atom);
    free(p->sub);
    free(p->st);
    memset(p, 0, sizeof *p);
}

static size_t measure_find(const struct round *r, enum mkind kind, const char *key)
{
    for (size_t i = 0; i < r->nm; i++)
        if (r->m[i].kind == kind && (kind == M_RESPONSES || kind == M_INDEX || strcmp(r->m[i].key, key) == 0))
            return i;
    return MG_PRIV_NONE;
}

/* The base services' names: the survey names each service by its key. */
static const struct {
    const char *key, *name[4];
} service_names[] = {
    {"e_signature", {"E-underskrift", "E-signering", "E-signering", "E-signature"}},
    {"secure_messaging",
     {"Säkra digitala meddelanden", "Sikre digitale meldinger", "Sikre digitale meldingar", "Secure digital messages"}},
    {"digital_meetings", {"Digitala möten", "Digitale møter", "Digitale møte", "Digital meetings"}},
    {"strong_auth", {"E-legitimation", "Elektronisk ID", "Elektronisk ID", "Electronic ID"}},
    {"digital_mail", {"Digital post", "Digital post", "Digital post", "Digital mail"}},
};

/* Copies a text object's four languages into `out` (the key when absent). */
static void names_of(const cJSON *text, const char *key, char out[4][NAME_MAX_BYTES])
{
    for (int l = 0; l < 4; l++) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(text, langs[l]));
        snprintf(out[l], NAME_MAX_BYTES, "%s", v && *v ? v : key);
    }
}

const char *mg_service_name(const char *service, int lang)
{
    for (size_t i = 0; i < sizeof service_names / sizeof service_names[0]; i++)
        if (strcmp(service_names[i].key, service) == 0)
            return service_names[i].name[lang >= 0 && lang < 4 ? lang : 3];
    return NULL;
}

/* A base service's name, from the table (the key when not in it). */
static void service_name(struct measure *m, const char *service)
{
    for (size_t i = 0; i < sizeof service_names / sizeof service_names[0]; i++)
        if (strcmp(service_names[i].key, service) == 0) {
            for (int l = 0; l < 4; l++)
                snprintf(m->name[l], NAME_MAX_BYTES, "%s", service_names[i].name[l]);
            return;
        }
    names_of(NULL, service, m->name);
}

/* Adds a measure, or notes that `role` (-1: both) is asked it too. */
static void measure_add(struct round *r, enum mkind kind, const char *key, bool organisation, int role)
{
    size_t m = measure_find(r, kind, key);
    if (m == MG_PRIV_NONE) {
        if (r->nm >= MAX_MEASURES)
            return;
        m = r->nm++;
        r->m[m].kind = kind;
        snprintf(r->m[m].key, KEY_MAX, "%s", key);
        r->m[m].organisation = organisation;
    }
    for (int x = 0; x < 2; x++)
        if (role < 0 || role == x)
            r->m[m].applies[x] = true;
}

static int role_index(const char *s)
{
    return strcmp(s, "manager") == 0 ? MG_PRIV_MANAGER : MG_PRIV_STAFF;
}

/* Areas, levels and base services of the round's surveys. */
static void read_definitions(struct mg_db_conn *conn, struct round *r, PGresult *res)
{
    measure_add(r, M_RESPONSES, "", false, -1);
    measure_add(r, M_INDEX, "", false, -1);
    for (int row = 0; row < PQntuples(res); row++) {
        cJSON *owned = NULL;
        const cJSON *def = mg_survey_definition(conn, strtoll(PQgetvalue(res, row, 0), NULL, 10), &owned), *x;
        int role = role_index(PQgetvalue(res, row, 1));
        if (!def)
            continue;
        if (r->nlevels == 0)
            cJSON_ArrayForEach(x, cJSON_GetObjectItem(def, "levels")) {
                const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(x, "key"));
                if (key && r->nlevels < MAX_LEVELS) {
                    names_of(cJSON_GetObjectItem(x, "name"), key, r->level_names[r->nlevels]);
                    snprintf(r->levels[r->nlevels++], KEY_MAX, "%s", key);
                }
            }
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(def, "areas")) {
            const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(x, "key"));
            const char *scope = cJSON_GetStringValue(cJSON_GetObjectItem(x, "scope"));
            if (key) {
                measure_add(r, M_AREA, key, scope && strcmp(scope, "organisation") == 0, role);
                size_t m = measure_find(r, M_AREA, key);
                if (m != MG_PRIV_NONE)
                    names_of(cJSON_GetObjectItem(x, "name"), key, r->m[m].name);
            }
        }
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(def, "items")) {
            const char *service = cJSON_GetStringValue(cJSON_GetObjectItem(x, "service"));
            if (service) {
                measure_add(r, M_SERVICE, service, false, role);
                size_t m = measure_find(r, M_SERVICE, service);
                if (m != MG_PRIV_NONE)
                    service_name(&r->m[m], service);
            }
        }
        cJSON_Delete(owned);
    }
    /* Last, so the measures above keep their places (the index is 1). */
    measure_add(r, M_PAPER, "", false, -1);
}

static struct msum *atom_at(const struct round *r, struct msum *base, size_t u, int role, size_t m)
{
    return &base[(u * 2 + (size_t)role) * r->nm + m];
}

static double num(PGresult *res, int row, int col)
{
    return strtod(PQgetvalue(res, row, col), NULL);
}

static int64_t count(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Exact sums of the score columns: values with at most DEC_PLACES
 * decimals (scores are numeric(6, 3), their squares have 6) as integers of
 * millionths. A key's rows are added exactly and the total becomes a
 * double once, the same double PostgreSQL's numeric sum gave. */
#define DEC_PLACES 6
typedef __int128 dec;

static bool dec_add(const char *s, dec *acc)
{
    bool neg = *s == '-';
    dec v = 0;
    int places = -1, digits = 0;

    if (neg || *s == '+')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s; s++) {
        if (*s == '.' && places < 0) {
            places = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            return false;
        if (places == DEC_PLACES) {
            /* Zeros beyond the places (numeric's own scale) change nothing. */
            if (*s != '0')
                return false;
            continue;
        }
        /* 30 digits and 6 places stay far below 2^127. */
        if (++digits > 30)
            return false;
        v = v * 10 + (*s - '0');
        if (places >= 0)
            places++;
    }
    for (places = places < 0 ? 0 : places; places < DEC_PLACES; places++)
        v *= 10;
    *acc += neg ? -v : v;
    return true;
}

static double dec_double(dec v)
{
    char text[64], *p = text + sizeof text;
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;

    *--p = '\0';
    for (int i = 0; i < DEC_PLACES; i++, u /= 10)
        *--p = (char)('0' + (int)(u % 10));
    *--p = '.';
    do {
        *--p = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return strtod(p, NULL);
}

/* The rows from `row` on that share their first `keys` columns (a key's
 * shard rows, in key order) added up: n from column `keys`, the sum and
 * the sum of squares from the two after it, exactly. *next is the first
 * row of the next key. False when a sum has more decimals than DEC_PLACES. */
static bool key_sums(PGresult *res, int row, int keys, int *next, struct msum *out)
{
    int rows = PQntuples(res), end = row + 1;
    dec sum = 0, sumsq = 0;

    memset(out, 0, sizeof *out);
    for (; end < rows; end++) {
        bool same = true;
        for (int k = 0; k < keys && same; k++)
            same = strcmp(PQgetvalue(res, end, k), PQgetvalue(res, row, k)) == 0;
        if (!same)
            break;
    }
    *next = end;
    for (int i = row; i < end; i++) {
        out->n += count(res, i, keys);
        if (!dec_add(PQgetvalue(res, i, keys + 1), &sum) || !dec_add(PQgetvalue(res, i, keys + 2), &sumsq))
            return false;
    }
    /* One row (the usual case once folded): its text is the exact sum. */
    out->sum = end == row + 1 ? num(res, row, keys + 1) : dec_double(sum);
    out->sumsq = end == row + 1 ? num(res, row, keys + 2) : dec_double(sumsq);
    return true;
}

/* Runs `stmt` with the round id; *res holds the rows (or none). */
static enum mg_qs query_round(struct mg_db_conn *conn, const struct mg_db_stmt *stmt, int64_t id,
                              PGresult **res)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    return mg_db_exec(conn, stmt, 1, p, res);
}

static int64_t abs64(int64_t x)
{
    return x < 0 ? -x : x;
}

/* Runs the privacy layer for measure `m` (or the paired change from
 * `prev`, when `pd` is given) and stores the statuses in `st`. Measure 0,
 * the response counts, decides the groups; every other measure shows a
 * cell only where that decision shows its group (a group's size is
 * decided once), and the paired change only where both rounds' decisions
 * do. */
static int suppress(const struct tree *t, int k, const struct round *r, size_t m,
                    const struct paired *pd, const struct round *prev, enum mg_priv_status *st)
{
    size_t n = t->n ? t->n : 1;
    struct mg_priv_mass (*atoms)[2] = calloc(n, sizeof *atoms);
    enum mg_priv_status (*both)[2][3] = NULL;
    const enum mg_priv_status (*groups)[2][3] = m == 0 && !pd ? NULL : (const void *)r->st;
    if (!atoms)
        return -1;
    if (pd) {
        /* The groups shown in both rounds (the first hidden reason wins). */
        if (!(both = calloc(n, sizeof *both))) {
            free(atoms);
            return -1;
        }
        for (size_t i = 0; i < t->n * 6; i++)
            ((enum mg_priv_status *)both)[i] = !mg_privacy_shown(r->st[i])      ? r->st[i]
                                               : !mg_privacy_shown(prev->st[i]) ? prev->st[i]
                                                                                : r->st[i];
        groups = (const void *)both;
    }
    for (size_t u = 0; u < t->n; u++)
        for (int role = 0; role < 2; role++) {
            /* Nobody can have a figure for a question their survey does not
             * ask (managers' areas for staff): such a group is empty. */
            int64_t pop = r->m[m].applies[role] ? r->pop[u * 2 + (size_t)role] : 0;
            if (pd) {
                /* Stayers (the pairs), joiners (this round only) and leavers
                 * (the previous round only) are each a group: "this round
                 * minus last round's cohort" must not leave a few people. */
                int64_t paired = pd->atom[u * 2 + (size_t)role].n;
                int64_t responded = atom_at(r, r->atom, u, role, 0)->n;
                int64_t before = atom_at(prev, prev->atom, u, role, 0)->n;
                atoms[u][role] = (struct mg_priv_mass){paired, pop, abs64(responded - paired),
                                                       abs64(before - paired)};
            } else if (r->m[m].kind == M_PAPER) {
                /* Paper and web answers of a group are each a count that
                 * must be none or at least k (nobody on paper is no figure
                 * about anyone's answers: pop 0). */
                int64_t paper = atom_at(r, r->atom, u, role, m)->n;
                atoms[u][role] = (struct mg_priv_mass){paper, 0, atom_at(r, r->atom, u, role, 0)->n - paper, 0};
            } else {
                atoms[u][role] = (struct mg_priv_mass){atom_at(r, r->atom, u, role, m)->n, pop, 0, 0};
            }
        }
    struct mg_priv_tree tree = {t->n, t->parent};
    int rc = mg_privacy_suppress_within(&tree, k, (const struct mg_priv_mass(*)[2])atoms, groups,
                                        r->m[m].applies, (enum mg_priv_status(*)[2][3])st);
    free(atoms);
    free(both);
    return rc;
}

/* An open (or scheduled) round shows who responded, never a figure of what
 * they answered: figures are released once, when the round has closed, so
 * two reads at different moments cannot be subtracted (docs/privacy.md). */
static bool figures_released(const struct round *r)
{
    return strcmp(r->state, "closed") == 0;
}

static void add_msum(struct msum *into, const struct msum *s)
{
    into->n += s->n;
    into->sum += s->sum;
    into->sumsq += s->sumsq;
    into->regular += s->regular;
    for (size_t l = 0; l < MAX_LEVELS; l++)
        into->level[l] += s->level[l];
}

/* Sums every unit's subtree: children come after their parents. */
static void roll_up(const struct tree *t, struct msum *atom, struct msum *sub, size_t width)
{
    memcpy(sub, atom, t->n * width * sizeof *sub);
    for (size_t u = t->n; u-- > 0;)
        if (t->parent[u] != MG_PRIV_NONE)
            for (size_t i = 0; i < width; i++)
                add_msum(&sub[t->parent[u] * width + i], &sub[u * width + i]);
}

/* How much of a round to load: everything; what the overview shows (no
 * levels, base services or reliability); or the response counts alone. What
 * is not loaded is marked hidden, so it can never be shown. */
enum load { L_FULL, L_OVERVIEW, L_COUNTS };

/* Loads round `id`: MG_QS_NONE when there is no such round. */
static enum mg_qs round_load_what(struct mg_db_conn *conn, const struct tree *t, int64_t id, struct round *r,
                                  enum load what);

static enum mg_qs round_load(struct mg_db_conn *conn, const struct tree *t, int64_t id, struct round *r)
{
    return round_load_what(conn, t, id, r, L_FULL);
}

static enum mg_qs round_load_what(struct mg_db_conn *conn, const struct tree *t, int64_t id, struct round *r,
                                  enum load what)
{
    PGresult *res = NULL;
    enum mg_qs qs;

    memset(r, 0, sizeof *r);
    if ((qs = query_round(conn, &stmt_round, id, &res)) != MG_QS_ROWS) {
        PQclear(res);
        return qs;
    }
    r->id = id;
    snprintf(r->name, sizeof r->name, "%s", PQgetvalue(res, 0, 1));
    snprintf(r->mode, sizeof r->mode, "%s", PQgetvalue(res, 0, 2));
    snprintf(r->state, sizeof r->state, "%s", PQgetvalue(res, 0, 3));
    r->k = atoi(PQgetvalue(res, 0, 4));
    r->series_id = PQgetisnull(res, 0, 5) ? 0 : count(res, 0, 5);
    r->seq = PQgetisnull(res, 0, 6) ? 0 : atoi(PQgetvalue(res, 0, 6));
    snprintf(r->root_code, sizeof r->root_code, "%s", PQgetvalue(res, 0, 7));
    r->previous = PQgetisnull(res, 0, 8) ? 0 : count(res, 0, 8);
    PQclear(res);

    if ((qs = query_round(conn, &stmt_surveys, id, &res)) < 0)
        return qs;
    read_definitions(conn, r, res);
    PQclear(res);
    res = NULL;

    size_t n = t->n ? t->n : 1;
    r->atom = calloc(n * 2 * r->nm, sizeof *r->atom);
    r->sub = calloc(n * 2 * r->nm, sizeof *r->sub);
    r->pop = calloc(n * 2, sizeof *r->pop);
    r->pop_known = calloc(n * 2, sizeof *r->pop_known);
    r->sub_pop = calloc(n * 2, sizeof *r->sub_pop);
    r->sub_known = calloc(n * 2, sizeof *r->sub_known);
    r->st = calloc(r->nm * n * 6, sizeof *r->st);
    if (!r->atom || !r->sub || !r->pop || !r->pop_known || !r->sub_pop || !r->sub_known || !r->st)
        goto fail;

    /* Who could respond: invitations, or the expected headcount in open
     * rounds (staff only: open links lead to the staff survey). */
    bool open = strcmp(r->mode, "open") == 0;
    for (size_t i = 0; i < t->n * 2; i++)
        r->pop_known[i] = !open;
    if ((qs = query_round(conn, open ? &stmt_headcounts : &stmt_agg_invited, id, &res)) < 0)
        goto fail;
    for (int row = 0; row < PQntuples(res); row++) {
        size_t u = tree_find(t, count(res, row, 0));
        if (u == MG_PRIV_NONE)
            continue;
        size_t i = u * 2 + (size_t)(open ? MG_PRIV_STAFF : role_index(PQgetvalue(res, row, 1)));
        r->pop[i] += count(res, row, open ? 1 : 2);
        r->pop_known[i] = true;
    }
    PQclear(res);
    res = NULL;
    memcpy(r->sub_pop, r->pop, t->n * 2 * sizeof *r->pop);
    memcpy(r->sub_known, r->pop_known, t->n * 2 * sizeof *r->pop_known);
    for (size_t u = t->n; u-- > 0;)
        for (size_t i = 0; i < 2 && t->parent[u] != MG_PRIV_NONE; i++) {
            r->sub_pop[t->parent[u] * 2 + i] += r->sub_pop[u * 2 + i];
            r->sub_known[t->parent[u] * 2 + i] |= r->sub_known[u * 2 + i];
        }

    if ((qs = query_round(conn, &stmt_agg_responses, id, &res)) < 0)
        goto fail;
    size_t mp = measure_find(r, M_PAPER, "");
    for (int row = 0; row < PQntuples(res); row++) {
        size_t u = tree_find(t, count(res, row, 0));
        if (u == MG_PRIV_NONE)
            continue;
        atom_at(r, r->atom, u, role_index(PQgetvalue(res, row, 1)), 0)->n += count(res, row, 2);
        if (mp != MG_PRIV_NONE)
            atom_at(r, r->atom, u, role_index(PQgetvalue(res, row, 1)), mp)->n += count(res, row, 3);
    }
    PQclear(res);
    res = NULL;

    if (what == L_COUNTS)
        goto sums_done;
    if ((qs = query_round(conn, &stmt_agg_scores, id, &res)) < 0)
        goto fail;
    for (int row = 0, next; row < PQntuples(res); row = next) {
        struct msum sum;
        if (!key_sums(res, row, 3, &next, &sum)) {
            MG_LOG_BUG("agg_scores of round %lld holds a sum with more than %d decimals", (long long)id, DEC_PLACES);
            qs = MG_QS_HARD;
            goto fail;
        }
        size_t u = tree_find(t, count(res, row, 0));
        const char *area = PQgetvalue(res, row, 2);
        size_t m = strcmp(area, "*") == 0 ? 1 : measure_find(r, M_AREA, area);
        if (u == MG_PRIV_NONE || m == MG_PRIV_NONE || sum.n == 0)
            continue;
        *atom_at(r, r->atom, u, role_index(PQgetvalue(res, row, 1)), m) = sum;
    }
    PQclear(res);
    res = NULL;

    if (what == L_OVERVIEW)
        goto sums_done;
    if ((qs = query_round(conn, &stmt_agg_levels, id, &res)) < 0)
        goto fail;
    for (int row = 0; row < PQntuples(res); row++) {
        size_t u = tree_find(t, count(res, row, 0));
        const char *area = PQgetvalue(res, row, 2), *level = PQgetvalue(res, row, 3);
        size_t m = strcmp(area, "*") == 0 ? 1 : measure_find(r, M_AREA, area), l = 0;
        while (l < r->nlevels && strcmp(r->levels[l], level) != 0)
            l++;
        if (u == MG_PRIV_NONE || m == MG_PRIV_NONE || l == r->nlevels)
            continue;
        atom_at(r, r->atom, u, role_index(PQgetvalue(res, row, 1)), m)->level[l] += count(res, row, 4);
    }
    PQclear(res);
    res = NULL;

    if ((qs = query_round(conn, &stmt_agg_services, id, &res)) < 0)
        goto fail;
    for (int row = 0; row < PQntuples(res); row++) {
        size_t u = tree_find(t, count(res, row, 0));
        size_t m = measure_find(r, M_SERVICE, PQgetvalue(res, row, 2));
        if (u == MG_PRIV_NONE || m == MG_PRIV_NONE)
            continue;
        struct msum *s = atom_at(r, r->atom, u, role_index(PQgetvalue(res, row, 1)), m);
        s->n += count(res, row, 3);
        s->regular += count(res, row, 4);
    }
    PQclear(res);
    res = NULL;

    if ((qs = query_round(conn, &stmt_agg_alpha, id, &res)) < 0)
        goto fail;
    r->nalpha = (size_t)PQntuples(res);
    r->alpha = calloc(r->nalpha + 1, sizeof *r->alpha);
    if (!r->alpha)
        goto fail;
    for (size_t i = 0; i < r->nalpha; i++) {
        snprintf(r->alpha[i].area, KEY_MAX, "%s", PQgetvalue(res, (int)i, 0));
        snprintf(r->alpha[i].item, KEY_MAX, "%s", PQgetvalue(res, (int)i, 1));
        r->alpha[i].m = (struct mg_moments){count(res, (int)i, 2), num(res, (int)i, 3), num(res, (int)i, 4)};
    }
    PQclear(res);
    res = NULL;

sums_done:
    if (!r->alpha && !(r->alpha = calloc(1, sizeof *r->alpha)))
        goto fail;
    roll_up(t, r->atom, r->sub, 2 * r->nm);
    for (size_t m = 0; m < r->nm; m++) {
        if ((what == L_OVERVIEW && r->m[m].kind == M_SERVICE) || (what == L_COUNTS && m != 0)) {
            /* Not loaded: hidden, so nothing unloaded can ever be shown. */
            for (size_t i = 0; i < n * 6; i++)
                r->st[m * n * 6 + i] = MG_PRIV_SMALL;
        } else if (r->m[m].kind != M_RESPONSES && r->m[m].kind != M_PAPER && !figures_released(r)) {
            for (size_t i = 0; i < n * 6; i++)
                r->st[m * n * 6 + i] = MG_PRIV_PENDING;
        } else if (suppress(t, r->k, r, m, NULL, NULL, &r->st[m * n * 6]) != 0) {
            goto fail;
        }
    }
    return MG_QS_ROWS;

fail:
    PQclear(res);
    round_free(r);
    return qs < 0 ? qs : MG_QS_HARD;
}

/* The paired change of `cur` from round `prev_id`, when both rounds are
 * pseudonymous and still hold pseudonyms. */
static enum mg_qs paired_load(struct mg_db_conn *conn, const struct tree *t, const struct round *cur,
                              const struct round *prev, struct paired *pd)
{
    PGresult *res = NULL;
    char a[24], b[24];
    enum mg_qs qs;

    memset(pd, 0, sizeof *pd);
    if (!prev || strcmp(cur->mode, "pseudonymous") != 0 || strcmp(prev->mode, "pseudonymous") != 0)
        return MG_QS_NONE;
    snprintf(a, sizeof a, "%lld", (long long)cur->id);
    snprintf(b, sizeof b, "%lld", (long long)prev->id);
    const char *p[] = {a, b};
    if ((qs = mg_db_exec(conn, &stmt_paired_available, 2, p, &res)) != MG_QS_ROWS) {
        PQclear(res);
        return qs < 0 ? qs : MG_QS_NONE;
    }
    bool linked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    res = NULL;
    if (!linked)
        return MG_QS_NONE;

    size_t n = t->n ? t->n : 1;
    pd->atom = calloc(n * 2, sizeof *pd->atom);
    pd->sub = calloc(n * 2, sizeof *pd->sub);
    pd->st = calloc(n * 6, sizeof *pd->st);
    if (!pd->atom || !pd->sub || !pd->st)
        goto fail;
    if ((qs = mg_db_exec(conn, &stmt_paired, 1, p, &res)) < 0)
        goto fail;
    for (int row = 0, next; row < PQntuples(res); row = next) {
        struct msum sum;
        if (!key_sums(res, row, 2, &next, &sum)) {
            MG_LOG_BUG("agg_paired of round %lld holds a sum with more than %d decimals", (long long)cur->id,
                       DEC_PLACES);
            qs = MG_QS_HARD;
            goto fail;
        }
        size_t u = tree_find(t, count(res, row, 0));
        if (u != MG_PRIV_NONE && sum.n != 0)
            pd->atom[u * 2 + (size_t)role_index(PQgetvalue(res, row, 1))] = sum;
    }
    PQclear(res);
    res = NULL;
    roll_up(t, pd->atom, pd->sub, 2);
    if (!figures_released(cur) || !figures_released(prev)) {
        for (size_t i = 0; i < n * 6; i++)
            pd->st[i] = MG_PRIV_PENDING;
    } else if (suppress(t, cur->k, cur, 0, pd, prev, pd->st) != 0) {
        goto fail;
    }
    pd->available = true;
    return MG_QS_ROWS;
fail:
    PQclear(res);
    paired_free(pd);
    return qs < 0 ? qs : MG_QS_HARD;
}

/* ---- a round beside another, each on its own tree ---------------------------- */

struct code_idx {
    const char *code;
    size_t i;
};

static int cmp_code_idx(const void *a, const void *b)
{
    return strcmp(((const struct code_idx *)a)->code, ((const struct code_idx *)b)->code);
}

/* Re-indexes round `r`, loaded and decided on its own tree `from`, onto
 * tree `to` by unit code, so that it can stand beside a round read on `to`
 * (the change since the previous round). Every unit keeps the sums and
 * the statuses decided on `from`: nothing is decided again on another
 * tree, so a unit that moved since shows what was released for it then. A
 * unit of `to` that `from` lacks had nobody in that round: empty, so a
 * comparison with it is null. Returns -1 when out of memory, with `r`
 * freed. */
static int round_retree(struct round *r, const struct tree *from, const struct tree *to)
{
    size_t n = to->n ? to->n : 1, nm = r->nm, nfrom = from->n ? from->n : 1;
    struct code_idx *idx = calloc(nfrom, sizeof *idx);
    struct msum *atom = calloc(n * 2 * nm, sizeof *atom), *sub = calloc(n * 2 * nm, sizeof *sub);
    int64_t *pop = calloc(n * 2, sizeof *pop), *sub_pop = calloc(n * 2, sizeof *sub_pop);
    bool *pop_known = calloc(n * 2, sizeof *pop_known), *sub_known = calloc(n * 2, sizeof *sub_known);
    enum mg_priv_status *st = calloc(nm * n * 6, sizeof *st);

    if (!idx || !atom || !sub || !pop || !sub_pop || !pop_known || !sub_known || !st) {
        free(idx);
        free(atom);
        free(sub);
        free(pop);
        free(sub_pop);
        free(pop_known);
        free(sub_known);
        free(st);
        round_free(r);
        return -1;
    }
    for (size_t i = 0; i < from->n; i++)
        idx[i] = (struct code_idx){from->code[i], i};
    qsort(idx, from->n, sizeof *idx, cmp_code_idx);
    for (size_t u = 0; u < to->n; u++) {
        struct code_idx key = {to->code[u], 0};
        const struct code_idx *f = from->n ? bsearch(&key, idx, from->n, sizeof key, cmp_code_idx) : NULL;
        for (size_t m = 0; m < nm; m++)
            for (size_t x = 0; x < 6; x++)
                st[(m * n + u) * 6 + x] = f ? r->st[(m * nfrom + f->i) * 6 + x] : MG_PRIV_EMPTY;
        if (!f)
            continue;
        memcpy(&atom[u * 2 * nm], &r->atom[f->i * 2 * nm], 2 * nm * sizeof *atom);
        memcpy(&sub[u * 2 * nm], &r->sub[f->i * 2 * nm], 2 * nm * sizeof *sub);
        for (size_t x = 0; x < 2; x++) {
            pop[u * 2 + x] = r->pop[f->i * 2 + x];
            sub_pop[u * 2 + x] = r->sub_pop[f->i * 2 + x];
            pop_known[u * 2 + x] = r->pop_known[f->i * 2 + x];
            sub_known[u * 2 + x] = r->sub_known[f->i * 2 + x];
        }
    }
    free(idx);
    free(r->atom);
    free(r->sub);
    free(r->pop);
    free(r->sub_pop);
    free(r->pop_known);
    free(r->sub_known);
    free(r->st);
    r->atom = atom;
    r->sub = sub;
    r->pop = pop;
    r->sub_pop = sub_pop;
    r->pop_known = pop_known;
    r->sub_known = sub_known;
    r->st = st;
    return 0;
}

/* Loads round `id` on its own tree and re-indexes it onto `t`. */
static enum mg_qs round_load_beside(struct mg_db_conn *conn, const struct tree *t, int64_t id, struct round *r)
{
    struct tree own = {0};
    enum mg_qs qs = tree_load(conn, id, &own);
    if (qs < 0)
        return qs;
    qs = round_load(conn, &own, id, r);
    if (qs == MG_QS_ROWS && round_retree(r, &own, t) != 0)
        qs = MG_QS_HARD;
    tree_free(&own);
    return qs;
}

/* ---- cells ------------------------------------------------------------------- */

/* The sums of measure `m` over a cell. */
static struct msum cell_sum(const struct round *r, size_t u, int kind, int role, size_t m)
{
    struct msum s = {0};
    struct msum *base = kind == MG_PRIV_ALONE ? r->atom : r->sub;
    for (int x = 0; x < 2; x++)
        if (role == MG_PRIV_ALL || role == x)
            add_msum(&s, atom_at(r, base, u, x, m));
    return s;
}

static enum mg_priv_status cell_status(const struct round *r, size_t nunits, size_t m, size_t u, int kind,
                                       int role)
{
    return r->st[((m * nunits + u) * 2 + (size_t)kind) * 3 + (size_t)role];
}

static cJSON *suppressed(enum mg_priv_status s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "suppressed", true);
    cJSON_AddStringToObject(o, "reason", mg_privacy_reason(s));
    return o;
}

static cJSON *pair(double a, double b)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(a));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(b));
    return arr;
}

static struct mg_moments moments_of(const struct msum *s)
{
    return (struct mg_moments){s->n, s->sum, s->sumsq};
}

/* Mean, sd, CI and (for scores) the staircase of a shown cell. */
static cJSON *summary_json(const struct round *r, const struct msum *s, bool brief)
{
    cJSON *o = cJSON_CreateObject();
    struct mg_moments mm = moments_of(s);
    struct mg_summary sum = mg_stats_summary(&mm);
    cJSON_AddNumberToObject(o, "n", (double)s->n);
    if (sum.has_mean)
        cJSON_AddNumberToObject(o, "mean", sum.mean);
    if (brief)
        return o;
    if (sum.has_sd)
        cJSON_AddNumberToObject(o, "sd", sum.sd);
    if (sum.has_ci)
        cJSON_AddItemToObject(o, "ci95", pair(sum.ci_low, sum.ci_high));
    if (s->n > 0 && r->nlevels > 0) {
        cJSON *lv = cJSON_AddObjectToObject(o, "levels");
        for (size_t l = 0; l < r->nlevels; l++)
            cJSON_AddNumberToObject(lv, r->levels[l], (double)s->level[l] / (double)s->n);
    }
    return o;
}

static cJSON *measure_json(const struct round *r, size_t nunits, size_t u, int kind, int role, size_t m,
                           bool brief)
{
    enum mg_priv_status st = cell_status(r, nunits, m, u, kind, role);
    if (!mg_privacy_shown(st))
        return suppressed(st);
    struct msum s = cell_sum(r, u, kind, role, m);
    if (r->m[m].kind == M_SERVICE) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "n", (double)s.n);
        if (s.n > 0)
            cJSON_AddNumberToObject(o, "regular", (double)s.regular / (double)s.n);
        return o;
    }
    return summary_json(r, &s, brief);
}

static cJSON *welch_json(const struct mg_welch *w)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "difference", w->diff);
    cJSON_AddItemToObject(o, "ci95", pair(w->ci_low, w->ci_high));
    cJSON_AddNumberToObject(o, "df", w->df);
    if (w->has_p)
        cJSON_AddNumberToObject(o, "p", w->p);
    else
        cJSON_AddNullToObject(o, "p");
    return o;
}

/* Two shown, non-empty groups compared with Welch's test, or why not. */
static cJSON *compare(const struct round *ra, size_t nunits, size_t ma, size_t ua, int kind_a, int role_a,
                      const struct round *rb, size_t mb, size_t ub, int kind_b, int role_b)
{
    enum mg_priv_status sa = cell_status(ra, nunits, ma, ua, kind_a, role_a);
    enum mg_priv_status sb = cell_status(rb, nunits, mb, ub, kind_b, role_b);
    if (!mg_privacy_shown(sb))
        return suppressed(sb);
    if (!mg_privacy_shown(sa))
        return suppressed(sa);
    struct msum a = cell_sum(ra, ua, kind_a, role_a, ma), b = cell_sum(rb, ub, kind_b, role_b, mb);
    struct mg_moments x = moments_of(&a), y = moments_of(&b);
    struct mg_welch w = mg_stats_welch(&x, &y);
    return w.ok ? welch_json(&w) : cJSON_CreateNull();
}

static void add_counts(cJSON *o, const struct round *r, size_t nunits, size_t u, int kind, int role)
{
    enum mg_priv_status st = cell_status(r, nunits, 0, u, kind, role);
    if (!mg_privacy_shown(st)) {
        cJSON_AddItemToObject(o, "responded", suppressed(st));
        cJSON_AddItemToObject(o, "invited", suppressed(st));
        cJSON_AddItemToObject(o, "response_rate", suppressed(st));
        if (measure_find(r, M_PAPER, "") != MG_PRIV_NONE)
            cJSON_AddItemToObject(o, "paper", suppressed(st));
        return;
    }
    struct msum s = cell_sum(r, u, kind, role, 0);
    const int64_t *pop = kind == MG_PRIV_ALONE ? r->pop : r->sub_pop;
    const bool *pk = kind == MG_PRIV_ALONE ? r->pop_known : r->sub_known;
    int64_t invited = 0;
    bool known = false;
    for (int rr = 0; rr < 2; rr++)
        if (role == MG_PRIV_ALL || role == rr) {
            invited += pop[u * 2 + (size_t)rr];
            known = known || pk[u * 2 + (size_t)rr];
        }
    cJSON_AddNumberToObject(o, "responded", (double)s.n);
    if (known)
        cJSON_AddNumberToObject(o, "invited", (double)invited);
    else
        cJSON_AddNullToObject(o, "invited");
    if (known && invited > 0)
        cJSON_AddNumberToObject(o, "response_rate", (double)s.n / (double)invited);
    else
        cJSON_AddNullToObject(o, "response_rate");
    /* How many of them came in on paper. */
    size_t mp = measure_find(r, M_PAPER, "");
    if (mp == MG_PRIV_NONE)
        return;
    enum mg_priv_status ps = cell_status(r, nunits, mp, u, kind, role);
    if (mg_privacy_shown(ps))
        cJSON_AddNumberToObject(o, "paper", (double)cell_sum(r, u, kind, role, mp).n);
    else
        cJSON_AddItemToObject(o, "paper", suppressed(ps));
}

static cJSON *paired_json(const struct paired *pd, size_t nunits, size_t u, int kind, int role)
{
    if (!pd || !pd->available)
        return cJSON_CreateNull();
    enum mg_priv_status st = pd->st[(u * 2 + (size_t)kind) * 3 + (size_t)role];
    if (!mg_privacy_shown(st))
        return suppressed(st);
    struct msum s = {0};
    const struct msum *base = kind == MG_PRIV_ALONE ? pd->atom : pd->sub;
    for (int x = 0; x < 2; x++)
        if (role == MG_PRIV_ALL || role == x)
            add_msum(&s, &base[u * 2 + (size_t)x]);
    (void)nunits;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)s.n);
    struct mg_moments d = moments_of(&s);
    double p;
    bool has_p;
    struct mg_summary sm = mg_stats_paired(&d, &p, &has_p);
    if (sm.has_mean)
        cJSON_AddNumberToObject(o, "mean_change", sm.mean);
    if (sm.has_sd)
        cJSON_AddNumberToObject(o, "sd", sm.sd);
    if (sm.has_ci)
        cJSON_AddItemToObject(o, "ci95", pair(sm.ci_low, sm.ci_high));
    if (has_p)
        cJSON_AddNumberToObject(o, "p", p);
    return o;
}

/* The change of every score measure of `cur` since `prev`. */
static cJSON *change_json(const struct round *cur, const struct round *prev, size_t nunits, size_t u,
                          int kind, int role)
{
    if (!prev)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "previous_round", (double)prev->id);
    cJSON *areas = NULL;
    for (size_t m = 1; m < cur->nm; m++) {
        if (cur->m[m].kind != M_INDEX && cur->m[m].kind != M_AREA)
            continue;
        size_t pm = measure_find(prev, cur->m[m].kind, cur->m[m].key);
        cJSON *c = pm == MG_PRIV_NONE ? cJSON_CreateNull()
                                      : compare(prev, nunits, pm, u, kind, role, cur, m, u, kind, role);
        if (cur->m[m].kind == M_INDEX) {
            cJSON_AddItemToObject(o, "index", c);
        } else {
            if (!areas)
                areas = cJSON_AddObjectToObject(o, "areas");
            cJSON_AddItemToObject(areas, cur->m[m].key, c);
        }
    }
    return o;
}

/* Everything about one cell. */
static cJSON *cell_json(const struct tree *t, const struct round *r, const struct round *prev,
                        const struct paired *pd, size_t u, int kind, int role)
{
    size_t nunits = t->n;
    cJSON *o = cJSON_CreateObject();
    add_counts(o, r, nunits, u, kind, role);
    cJSON *areas = NULL, *services = NULL, *gap = cJSON_CreateObject(), *gap_areas = NULL;
    for (size_t m = 1; m < r->nm; m++) {
        cJSON *v = measure_json(r, nunits, u, kind, role, m, false);
        switch (r->m[m].kind) {
        case M_RESPONSES:
        case M_PAPER: /* with the counts */
            cJSON_Delete(v);
            continue;
        case M_INDEX:
            cJSON_AddItemToObject(o, "index", v);
            break;
        case M_AREA:
            if (!areas)
                areas = cJSON_AddObjectToObject(o, "areas");
            cJSON_AddItemToObject(areas, r->m[m].key, v);
            break;
        case M_SERVICE:
            if (!services)
                services = cJSON_AddObjectToObject(o, "services");
            cJSON_AddItemToObject(services, r->m[m].key, v);
            continue;
        }
        /* Managers minus staff, in the same cell. */
        cJSON *g = compare(r, nunits, m, u, kind, MG_PRIV_STAFF, r, m, u, kind, MG_PRIV_MANAGER);
        if (r->m[m].kind == M_INDEX) {
            cJSON_AddItemToObject(gap, "index", g);
        } else {
            if (!gap_areas)
                gap_areas = cJSON_AddObjectToObject(gap, "areas");
            cJSON_AddItemToObject(gap_areas, r->m[m].key, g);
        }
    }
    cJSON_AddItemToObject(o, "gap", gap);
    cJSON_AddItemToObject(o, "change", change_json(r, prev, nunits, u, kind, role));
    cJSON_AddItemToObject(o, "paired", paired_json(pd, nunits, u, kind, role));
    return o;
}

static cJSON *round_header(const struct round *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddStringToObject(o, "mode", r->mode);
    cJSON_AddStringToObject(o, "state", r->state);
    cJSON_AddNumberToObject(o, "k", r->k);
    if (r->series_id) {
        cJSON_AddNumberToObject(o, "series", (double)r->series_id);
        cJSON_AddNumberToObject(o, "seq", r->seq);
    } else {
        cJSON_AddNullToObject(o, "series");
        cJSON_AddNullToObject(o, "seq");
    }
    if (r->previous)
        cJSON_AddNumberToObject(o, "previous_round", (double)r->previous);
    else
        cJSON_AddNullToObject(o, "previous_round");
    return o;
}

static void add_dimensions(cJSON *body, const struct round *r)
{
    cJSON *areas = cJSON_AddArrayToObject(body, "areas");
    cJSON *services = cJSON_AddArrayToObject(body, "services");
    cJSON *levels = cJSON_AddArrayToObject(body, "levels");
    for (size_t m = 0; m < r->nm; m++) {
        if (r->m[m].kind == M_AREA) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "key", r->m[m].key);
            cJSON_AddStringToObject(a, "scope", r->m[m].organisation ? "organisation" : "individual");
            cJSON_AddItemToArray(areas, a);
        } else if (r->m[m].kind == M_SERVICE) {
            cJSON_AddItemToArray(services, cJSON_CreateString(r->m[m].key));
        }
    }
    for (size_t l = 0; l < r->nlevels; l++)
        cJSON_AddItemToArray(levels, cJSON_CreateString(r->levels[l]));
    /* Names in the four languages, for pages and exports. */
    cJSON *names = cJSON_AddObjectToObject(body, "names");
    cJSON *na = cJSON_AddObjectToObject(names, "areas"), *ns = cJSON_AddObjectToObject(names, "services");
    cJSON *nl = cJSON_AddObjectToObject(names, "levels");
    for (size_t m = 0; m < r->nm; m++) {
        if (r->m[m].kind != M_AREA && r->m[m].kind != M_SERVICE)
            continue;
        cJSON *o = cJSON_AddObjectToObject(r->m[m].kind == M_AREA ? na : ns, r->m[m].key);
        for (int l = 0; l < 4; l++)
            cJSON_AddStringToObject(o, langs[l], r->m[m].name[l]);
    }
    for (size_t l = 0; l < r->nlevels; l++) {
        cJSON *o = cJSON_AddObjectToObject(nl, r->levels[l]);
        for (int x = 0; x < 4; x++)
            cJSON_AddStringToObject(o, langs[x], r->level_names[l][x]);
    }
}

/* Cronbach's alpha per area over the whole round, pooling the surveys
 * (the manager survey repeats the staff items); an area whose items were
 * not answered by the same cases in every survey has no alpha. */
static cJSON *reliability_json(const struct round *r)
{
    cJSON *o = cJSON_CreateObject();
    size_t i = 0;
    while (i < r->nalpha) {
        size_t j = i, nitems = 0;
        struct mg_moments total = {0}, items[64];
        bool consistent = true;
        while (j < r->nalpha && strcmp(r->alpha[j].area, r->alpha[i].area) == 0) {
            if (strcmp(r->alpha[j].item, "*") == 0)
                total = r->alpha[j].m;
            else if (nitems < 64)
                items[nitems++] = r->alpha[j].m;
            else
                consistent = false;
            j++;
        }
        for (size_t x = 0; x < nitems; x++)
            /* cppcheck-suppress uninitvar ; items[0..nitems) were all written above */
            consistent = consistent && items[x].n == total.n;
        cJSON *a;
        if (!figures_released(r)) {
            a = suppressed(MG_PRIV_PENDING);
        } else if (total.n < r->k) {
            a = suppressed(MG_PRIV_SMALL);
        } else {
            a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "n", (double)total.n);
            cJSON_AddNumberToObject(a, "items", (double)nitems);
            struct mg_alpha al = consistent ? mg_stats_alpha(nitems, items, &total) : (struct mg_alpha){0};
            if (al.ok)
                cJSON_AddNumberToObject(a, "alpha", al.alpha);
            else
                cJSON_AddNullToObject(a, "alpha");
        }
        cJSON_AddItemToObject(o, r->alpha[i].area, a);
        i = j;
    }
    return o;
}

/* ---- requests ------------------------------------------------------------- */

enum what { W_ROUND, W_OVERVIEW, W_TREND, W_COUNTS };

struct ctx {
    enum what what;
    int64_t id;
    const struct mg_ind_query *q;
    cJSON *out;
    enum mg_error err;
    char *msg;
    size_t msglen;
};

static enum mg_qs fail(struct ctx *c, enum mg_error err, const char *msg)
{
    c->err = err;
    snprintf(c->msg, c->msglen, "%s", msg);
    return MG_QS_HARD;
}

static enum mg_qs db_fail(struct ctx *c, enum mg_qs qs)
{
    c->err = MG_ERR_UNAVAILABLE;
    snprintf(c->msg, c->msglen, "the database is unavailable");
    return qs == MG_QS_SOFT ? MG_QS_SOFT : MG_QS_HARD;
}

/* The unit the query is about: the one asked for, else the viewer's, else
 * the round's; MG_PRIV_NONE (with `all_roots`) for a whole organisation
 * with several top units. */
static bool resolve_unit(struct ctx *c, const struct tree *t, const char *round_root, size_t *unit)
{
    const struct mg_ind_query *q = c->q;
    size_t viewer = q->viewer_unit > 0 ? tree_find(t, q->viewer_unit) : MG_PRIV_NONE;
    if (q->viewer_unit > 0 && viewer == MG_PRIV_NONE) {
        fail(c, MG_ERR_FORBIDDEN, "You may not see this unit.");
        return false;
    }
    if (q->unit_code) {
        *unit = tree_find_code(t, q->unit_code);
        if (viewer != MG_PRIV_NONE && (*unit == MG_PRIV_NONE || !tree_below(t, *unit, viewer))) {
            fail(c, MG_ERR_FORBIDDEN, "You may not see this unit.");
            return false;
        }
        if (*unit == MG_PRIV_NONE) {
            fail(c, MG_ERR_NOT_FOUND, "No such unit.");
            return false;
        }
        return true;
    }
    *unit = round_root && *round_root ? tree_find_code(t, round_root) : MG_PRIV_NONE;
    /* A viewer starts at the round's unit when it lies in their subtree,
     * else at their own unit. */
    if (viewer != MG_PRIV_NONE && (*unit == MG_PRIV_NONE || !tree_below(t, *unit, viewer)))
        *unit = viewer;
    return true;
}

/* Appends `u` and its descendants down to `depth` levels, depth first. */
static void add_units(cJSON *list, const struct tree *t, const struct round *r, const struct round *prev,
                      const struct paired *pd, size_t u, int level, int depth, int role)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", t->code[u]);
    cJSON_AddStringToObject(o, "name", t->name[u]);
    if (t->parent[u] != MG_PRIV_NONE)
        cJSON_AddStringToObject(o, "parent", t->code[t->parent[u]]);
    else
        cJSON_AddNullToObject(o, "parent");
    cJSON_AddNumberToObject(o, "depth", level);
    cJSON_AddBoolToObject(o, "has_children", t->first_child[u] != MG_PRIV_NONE);
    cJSON_AddItemToObject(o, "subtree", cell_json(t, r, prev, pd, u, MG_PRIV_SUBTREE, role));
    cJSON_AddItemToObject(o, "alone", cell_json(t, r, prev, pd, u, MG_PRIV_ALONE, role));
    cJSON_AddItemToArray(list, o);
    if (level >= depth)
        return;
    for (size_t c = t->first_child[u]; c != MG_PRIV_NONE; c = t->next_sibling[c])
        add_units(list, t, r, prev, pd, c, level + 1, depth, role);
}

static const char *role_name(int role)
{
    return role == MG_PRIV_STAFF ? "staff" : role == MG_PRIV_MANAGER ? "manager" : "all";
}

static enum mg_qs build_round(struct mg_db_conn *conn, struct ctx *c, const struct tree *t)
{
    struct round r, prev;
    struct paired pd;
    bool has_prev = false;
    enum mg_qs qs = round_load(conn, t, c->id, &r);
    size_t unit;

    if (qs == MG_QS_NONE)
        return fail(c, MG_ERR_NOT_FOUND, "No such round.");
    if (qs < 0)
        return db_fail(c, qs);
    memset(&pd, 0, sizeof pd);
    if (!resolve_unit(c, t, r.root_code, &unit)) {
        round_free(&r);
        return MG_QS_HARD;
    }
    if (r.previous) {
        if ((qs = round_load_beside(conn, t, r.previous, &prev)) < 0) {
            round_free(&r);
            return db_fail(c, qs);
        }
        has_prev = qs == MG_QS_ROWS;
    }
    if ((qs = paired_load(conn, t, &r, has_prev ? &prev : NULL, &pd)) < 0) {
        round_free(&r);
        if (has_prev)
            round_free(&prev);
        return db_fail(c, qs);
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "round", round_header(&r));
    cJSON_AddStringToObject(body, "role", role_name(c->q->role));
    cJSON_AddNumberToObject(body, "depth", c->q->depth);
    add_dimensions(body, &r);
    cJSON_AddItemToObject(body, "reliability", reliability_json(&r));
    cJSON *list = cJSON_AddArrayToObject(body, "units");
    if (unit != MG_PRIV_NONE) {
        add_units(list, t, &r, has_prev ? &prev : NULL, &pd, unit, 0, c->q->depth, c->q->role);
    } else {
        for (size_t u = 0; u < t->n; u++)
            if (t->parent[u] == MG_PRIV_NONE)
                add_units(list, t, &r, has_prev ? &prev : NULL, &pd, u, 0, c->q->depth, c->q->role);
    }
    c->out = body;
    round_free(&r);
    if (has_prev)
        round_free(&prev);
    paired_free(&pd);
    return MG_QS_ROWS;
}

static enum mg_qs build_overview(struct mg_db_conn *conn, struct ctx *c, const struct tree *t)
{
    struct round r;
    enum mg_qs qs = round_load_what(conn, t, c->id, &r, L_OVERVIEW);
    size_t viewer = MG_PRIV_NONE;

    if (qs == MG_QS_NONE)
        return fail(c, MG_ERR_NOT_FOUND, "No such round.");
    if (qs < 0)
        return db_fail(c, qs);
    if (c->q->viewer_unit > 0 && (viewer = tree_find(t, c->q->viewer_unit)) == MG_PRIV_NONE) {
        round_free(&r);
        return fail(c, MG_ERR_FORBIDDEN, "You may not see this unit.");
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "round", round_header(&r));
    cJSON_AddStringToObject(body, "role", role_name(c->q->role));
    add_dimensions(body, &r);
    cJSON *list = cJSON_AddArrayToObject(body, "units");
    for (size_t u = 0; u < t->n; u++) {
        if (viewer != MG_PRIV_NONE && !tree_below(t, u, viewer))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", t->code[u]);
        cJSON_AddStringToObject(o, "name", t->name[u]);
        if (t->parent[u] != MG_PRIV_NONE)
            cJSON_AddStringToObject(o, "parent", t->code[t->parent[u]]);
        else
            cJSON_AddNullToObject(o, "parent");
        enum mg_priv_status st = cell_status(&r, t->n, 0, u, MG_PRIV_SUBTREE, c->q->role);
        if (mg_privacy_shown(st))
            cJSON_AddNumberToObject(o, "responded",
                                    (double)cell_sum(&r, u, MG_PRIV_SUBTREE, c->q->role, 0).n);
        else
            cJSON_AddItemToObject(o, "responded", suppressed(st));
        cJSON *areas = NULL;
        for (size_t m = 1; m < r.nm; m++) {
            if (r.m[m].kind == M_INDEX) {
                cJSON_AddItemToObject(o, "index", measure_json(&r, t->n, u, MG_PRIV_SUBTREE, c->q->role, m, true));
            } else if (r.m[m].kind == M_AREA) {
                if (!areas)
                    areas = cJSON_AddObjectToObject(o, "areas");
                cJSON_AddItemToObject(areas, r.m[m].key,
                                      measure_json(&r, t->n, u, MG_PRIV_SUBTREE, c->q->role, m, true));
            }
        }
        cJSON_AddItemToArray(list, o);
    }
    c->out = body;
    round_free(&r);
    return MG_QS_ROWS;
}

static enum mg_qs build_trend(struct mg_db_conn *conn, struct ctx *c, const struct tree *t)
{
    PGresult *res = NULL;
    char ids[24];
    enum mg_qs qs;
    size_t unit;

    snprintf(ids, sizeof ids, "%lld", (long long)c->id);
    const char *p[] = {ids};
    if ((qs = mg_db_exec(conn, &stmt_series, 1, p, &res)) != MG_QS_ROWS) {
        PQclear(res);
        return qs == MG_QS_NONE ? fail(c, MG_ERR_NOT_FOUND, "No such series.") : db_fail(c, qs);
    }
    cJSON *body = cJSON_CreateObject();
    cJSON *series = cJSON_AddObjectToObject(body, "series");
    cJSON_AddNumberToObject(series, "id", (double)c->id);
    cJSON_AddStringToObject(series, "name", PQgetvalue(res, 0, 1));
    PQclear(res);
    res = NULL;
    if ((qs = mg_db_exec(conn, &stmt_series_rounds, 1, p, &res)) < 0) {
        cJSON_Delete(body);
        return db_fail(c, qs);
    }
    if (!resolve_unit(c, t, NULL, &unit)) {
        PQclear(res);
        cJSON_Delete(body);
        return MG_QS_HARD;
    }
    if (unit == MG_PRIV_NONE) {
        /* No unit given: the first top unit of the organisation. */
        for (size_t u = 0; u < t->n && unit == MG_PRIV_NONE; u++)
            if (t->parent[u] == MG_PRIV_NONE)
                unit = u;
    }
    const char *code = unit == MG_PRIV_NONE ? "" : t->code[unit];
    cJSON_AddStringToObject(body, "unit", code);
    cJSON_AddStringToObject(body, "role", role_name(c->q->role));
    cJSON *list = cJSON_AddArrayToObject(body, "rounds");
    /* Each round on its own tree (`ctree`), the one before it re-indexed
     * onto that tree by code for the change. */
    struct round prev, cur;
    struct tree ptree = {0}, ctree = {0};
    bool has_prev = false;
    for (int row = 0; row < PQntuples(res) && unit != MG_PRIV_NONE; row++) {
        struct paired pd;
        int64_t rid = count(res, row, 0);
        if ((qs = tree_load(conn, rid, &ctree)) < 0)
            break;
        if ((qs = round_load(conn, &ctree, rid, &cur)) != MG_QS_ROWS) {
            tree_free(&ctree);
            break;
        }
        if (has_prev && round_retree(&prev, &ptree, &ctree) != 0) {
            has_prev = false;
            round_free(&cur);
            tree_free(&ctree);
            qs = MG_QS_HARD;
            break;
        }
        if ((qs = paired_load(conn, &ctree, &cur, has_prev ? &prev : NULL, &pd)) < 0) {
            round_free(&cur);
            tree_free(&ctree);
            break;
        }
        /* The unit in this round's tree: absent (null) when the round's
         * tree lacks its code or, for a unit-viewer, has it outside their
         * unit. */
        size_t u = tree_find_code(&ctree, code);
        if (u != MG_PRIV_NONE && c->q->viewer_unit > 0) {
            size_t v = tree_find(&ctree, c->q->viewer_unit);
            if (v == MG_PRIV_NONE || !tree_below(&ctree, u, v))
                u = MG_PRIV_NONE;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "round", round_header(&cur));
        if (u == MG_PRIV_NONE)
            cJSON_AddNullToObject(o, "indicators");
        else
            cJSON_AddItemToObject(o, "indicators", cell_json(&ctree, &cur, has_prev ? &prev : NULL, &pd, u,
                                                             MG_PRIV_SUBTREE, c->q->role));
        cJSON_AddItemToArray(list, o);
        paired_free(&pd);
        if (has_prev)
            round_free(&prev);
        tree_free(&ptree);
        prev = cur;
        ptree = ctree;
        memset(&ctree, 0, sizeof ctree);
        has_prev = true;
        qs = MG_QS_ROWS;
    }
    if (has_prev)
        round_free(&prev);
    tree_free(&ptree);
    PQclear(res);
    if (qs < 0) {
        cJSON_Delete(body);
        return db_fail(c, qs);
    }
    c->out = body;
    return MG_QS_ROWS;
}

/* The unit of the query (the round's, or the viewer's) with its response
 * counts only: the rounds list's one figure, without loading the rest. */
static enum mg_qs build_counts(struct mg_db_conn *conn, struct ctx *c, const struct tree *t)
{
    struct round r;
    size_t unit;
    enum mg_qs qs = round_load_what(conn, t, c->id, &r, L_COUNTS);

    if (qs == MG_QS_NONE)
        return fail(c, MG_ERR_NOT_FOUND, "No such round.");
    if (qs < 0)
        return db_fail(c, qs);
    if (!resolve_unit(c, t, r.root_code, &unit)) {
        round_free(&r);
        return MG_QS_HARD;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "round", round_header(&r));
    cJSON_AddStringToObject(body, "role", role_name(c->q->role));
    cJSON *list = cJSON_AddArrayToObject(body, "units");
    for (size_t u = 0; u < t->n; u++) {
        if (unit != MG_PRIV_NONE ? u != unit : t->parent[u] != MG_PRIV_NONE)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", t->code[u]);
        cJSON_AddStringToObject(o, "name", t->name[u]);
        add_counts(cJSON_AddObjectToObject(o, "subtree"), &r, t->n, u, MG_PRIV_SUBTREE, c->q->role);
        add_counts(cJSON_AddObjectToObject(o, "alone"), &r, t->n, u, MG_PRIV_ALONE, c->q->role);
        cJSON_AddItemToArray(list, o);
    }
    c->out = body;
    round_free(&r);
    return MG_QS_ROWS;
}

static enum mg_qs run_tx(struct mg_db_conn *conn, void *arg)
{
    struct ctx *c = arg;
    struct tree t = {0};
    enum mg_qs qs;

    cJSON_Delete(c->out);
    c->out = NULL;
    c->err = MG_OK;
    if ((qs = mg_db_exec(conn, &stmt_snapshot, 0, NULL, NULL)) < 0)
        return db_fail(c, qs);
    /* A round is read on its own tree (the one it closed with); a series'
     * trend finds its unit in the live tree and reads each round on its
     * own (build_trend). */
    if ((qs = tree_load(conn, c->what == W_TREND ? 0 : c->id, &t)) < 0)
        return db_fail(c, qs);
    switch (c->what) {
    case W_ROUND:
        qs = build_round(conn, c, &t);
        break;
    case W_OVERVIEW:
        qs = build_overview(conn, c, &t);
        break;
    case W_TREND:
        qs = build_trend(conn, c, &t);
        break;
    case W_COUNTS:
        qs = build_counts(conn, c, &t);
        break;
    }
    tree_free(&t);
    return qs;
}

static enum mg_error run(struct mg_db_conn *conn, struct ctx *c, cJSON **out)
{
    enum mg_qs qs = mg_db_tx(conn, run_tx, c);
    if (qs < 0 || !c->out) {
        cJSON_Delete(c->out);
        *out = NULL;
        if (c->err == MG_OK) {
            c->err = MG_ERR_DB;
            snprintf(c->msg, c->msglen, "the indicators could not be computed");
        }
        return c->err;
    }
    *out = c->out;
    return MG_OK;
}

enum mg_qs mg_indicators_groups_load(struct mg_db_conn *conn, int64_t round_id, struct mg_ind_groups *g)
{
    struct tree t = {0};
    struct round r;
    enum mg_qs qs;

    memset(g, 0, sizeof *g);
    /* The round's own tree: the one a closed round closed with. */
    if ((qs = tree_load(conn, round_id, &t)) < 0 || qs == MG_QS_HARD)
        return qs;
    if ((qs = round_load_what(conn, &t, round_id, &r, L_COUNTS)) != MG_QS_ROWS) {
        tree_free(&t);
        return qs;
    }
    size_t n = t.n ? t.n : 1;
    g->unit_id = calloc(n, sizeof *g->unit_id);
    g->code = calloc(n, sizeof *g->code);
    g->name = calloc(n, sizeof *g->name);
    g->parent = calloc(n, sizeof *g->parent);
    g->st = calloc(n, sizeof *g->st);
    if (!g->unit_id || !g->code || !g->name || !g->parent || !g->st)
        goto oom;
    for (size_t u = 0; u < t.n; u++) {
        g->unit_id[u] = t.id[u];
        g->parent[u] = t.parent[u];
        g->code[u] = strdup(t.code[u]);
        g->name[u] = t.name[u];
        t.name[u] = NULL; /* moved */
        g->n = u + 1;
        if (!g->code[u])
            goto oom;
        for (int kind = 0; kind < 2; kind++)
            for (int role = 0; role < 3; role++)
                g->st[u][kind][role] = cell_status(&r, t.n, 0, u, kind, role);
    }
    g->k = r.k;
    snprintf(g->state, sizeof g->state, "%s", r.state);
    snprintf(g->root_code, sizeof g->root_code, "%s", r.root_code);
    round_free(&r);
    tree_free(&t);
    return MG_QS_ROWS;
oom:
    round_free(&r);
    tree_free(&t);
    mg_indicators_groups_free(g);
    return MG_QS_HARD;
}

void mg_indicators_groups_free(struct mg_ind_groups *g)
{
    for (size_t u = 0; u < g->n; u++) {
        if (g->code)
            free(g->code[u]);
        if (g->name)
            free(g->name[u]);
    }
    free(g->unit_id);
    free(g->code);
    free(g->name);
    free(g->parent);
    free(g->st);
    memset(g, 0, sizeof *g);
}

int mg_indicators_parse_role(const char *s, enum mg_priv_role *role)
{
    if (!s)
        return -1;
    if (strcmp(s, "staff") == 0)
        *role = MG_PRIV_STAFF;
    else if (strcmp(s, "manager") == 0)
        *role = MG_PRIV_MANAGER;
    else if (strcmp(s, "all") == 0)
        *role = MG_PRIV_ALL;
    else
        return -1;
    return 0;
}

enum mg_error mg_indicators_round(struct mg_db_conn *conn, int64_t round_id,
                                  const struct mg_ind_query *q, cJSON **out, char *msg, size_t msglen)
{
    struct ctx c = {W_ROUND, round_id, q, NULL, MG_OK, msg, msglen};
    return run(conn, &c, out);
}

enum mg_error mg_indicators_counts(struct mg_db_conn *conn, int64_t round_id,
                                   const struct mg_ind_query *q, cJSON **out, char *msg, size_t msglen)
{
    struct ctx c = {W_COUNTS, round_id, q, NULL, MG_OK, msg, msglen};
    return run(conn, &c, out);
}

enum mg_error mg_indicators_overview(struct mg_db_conn *conn, int64_t round_id,
                                     const struct mg_ind_query *q, cJSON **out, char *msg, size_t msglen)
{
    struct ctx c = {W_OVERVIEW, round_id, q, NULL, MG_OK, msg, msglen};
    return run(conn, &c, out);
}

enum mg_error mg_indicators_trend(struct mg_db_conn *conn, int64_t series_id,
                                  const struct mg_ind_query *q, cJSON **out, char *msg, size_t msglen)
{
    struct ctx c = {W_TREND, series_id, q, NULL, MG_OK, msg, msglen};
    return run(conn, &c, out);
}
