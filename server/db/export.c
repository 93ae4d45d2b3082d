/* export.c (db): research microdata of a round, streamed to a sink.
 *
 * One row per response: its unit (generalised by mg_privacy_generalise so
 * that every unit shown holds at least k respondents of the row's role),
 * role, channel, index and level, each area's score and level, and each
 * item's answer code and score. No pseudonym, no date, no response id.
 * Rows come in the order of the responses' random ids, a page at a time,
 * in one read-only snapshot; memory stays flat however many rows. */
#include "mg_export.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_db.h"
#include "mg_privacy.h"
#include "mg_survey.h"

#define PAGE "2000"

MG_DB_STMT(stmt_md_snapshot, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
/* The round's unit and tree are those of the round's own tree
 * (sql/008_round_tree.sql): the one a closed round closed with. */
MG_DB_STMT(stmt_md_round,
           "SELECT r.name, r.min_group_size, "
           "(SELECT t.code FROM mg_round_tree(r.id) t WHERE t.id = r.root_unit_id) "
           "FROM rounds r WHERE r.id = $1::bigint");
MG_DB_STMT(stmt_md_units,
           "SELECT id, code, name, parent_id FROM mg_round_tree($1::bigint) ORDER BY nlevel(path), id");
/* Staff first: its items come first. */
MG_DB_STMT(stmt_md_surveys,
           "SELECT rs.survey_id FROM round_surveys rs WHERE rs.round_id = $1::bigint ORDER BY rs.audience DESC");
MG_DB_STMT(stmt_md_counts,
           "SELECT unit_id, role, count(*) FROM responses WHERE round_id = $1::bigint GROUP BY 1, 2");
MG_DB_STMT(stmt_md_page,
           "SELECT r.id, r.unit_id, r.role, r.channel, r.index_score, r.level, "
           "(SELECT string_agg(a.item_key || '=' || COALESCE(a.value::text, a.option_key, '') || '=' || "
           "  CASE WHEN a.dont_know THEN 'd' ELSE '' END || '=' || COALESCE(a.score::text, ''), ';') "
           " FROM response_answers a WHERE a.response_id = r.id), "
           "(SELECT string_agg(s.area_key || '=' || s.score::text || '=' || s.level, ';') "
           " FROM response_area_scores s WHERE s.response_id = r.id) "
           "FROM responses r WHERE r.round_id = $1::bigint AND r.id > $2::uuid ORDER BY r.id LIMIT " PAGE);

/* ---- texts ------------------------------------------------------------------ */

enum mtext { M_UNIT, M_UNIT_NAME, M_ROLE, M_CHANNEL, M_INDEX, M_INDEX_LEVEL, M_AREA, M_LEVEL_OF, M_SCORE_OF,
             M_STAFF, M_MANAGER, M_WEB, M_PAPER, M_DK, M_COUNT };

static const char *const mtexts[M_COUNT][4] = {
    [M_UNIT] = {"Enhet (slås ihop uppåt i organisationen tills den har minst %d svarande)",
                "Enhet (slått sammen oppover i organisasjonen til den har minst %d svar)",
                "Eining (slått saman oppover i organisasjonen til ho har minst %d svar)",
                "Unit (merged upwards in the organisation until it has at least %d respondents)"},
    [M_UNIT_NAME] = {"Enhetens namn", "Enhetens navn", "Namnet på eininga", "Unit name"},
    [M_ROLE] = {"Roll", "Rolle", "Rolle", "Role"},
    [M_CHANNEL] = {"Svarssätt", "Svarmåte", "Svarmåte", "Channel"},
    [M_INDEX] = {"Digitalt kompetensindex (0–100)", "Digital kompetanseindeks (0–100)",
                 "Digital kompetanseindeks (0–100)", "Digital competence index (0–100)"},
    [M_INDEX_LEVEL] = {"Nivå, index", "Nivå, indeks", "Nivå, indeks", "Level, index"},
    [M_AREA] = {"%s (0–100)", "%s (0–100)", "%s (0–100)", "%s (0–100)"},
    [M_LEVEL_OF] = {"Nivå: %s", "Nivå: %s", "Nivå: %s", "Level: %s"},
    [M_SCORE_OF] = {"Poäng 0–100: %s", "Poeng 0–100: %s", "Poeng 0–100: %s", "Score 0–100: %s"},
    [M_STAFF] = {"Medarbetare", "Medarbeider", "Medarbeidar", "Staff member"},
    [M_MANAGER] = {"Chef", "Leder", "Leiar", "Manager"},
    [M_WEB] = {"Webb", "Nett", "Nett", "Web"},
    [M_PAPER] = {"Papper", "Papir", "Papir", "Paper"},
    [M_DK] = {"Vet inte", "Vet ikke", "Veit ikkje", "Don't know"},
};

static const char *const lang_keys[] = {"sv", "nb", "nn", "en"};

#define DK_CODE -1.0

/* ---- the description ------------------------------------------------------- */

struct item_map {
    char key[72];
    size_t answer, score; /* variable indexes */
    bool choice;
    char options[16][72]; /* choice: option keys, coded 1.. in order */
    size_t noptions;
};

struct area_map {
    char key[72];
    size_t score, level;
};

struct build {
    struct mg_microdata *md;
    size_t cap_vars, cap_sets;
    struct item_map *items;
    size_t nitems;
    struct area_map *areas;
    size_t nareas;
    char levels[16][72];
    size_t nlevels;
    bool oom;
};

static const char *text_in(const cJSON *text, int lang)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(text, lang_keys[lang]));
    return s ? s : "";
}

static char *fmt_dup(const char *fmt, const char *arg)
{
    char buf[1024];
    snprintf(buf, sizeof buf, fmt, arg);
    return strdup(buf);
}

static size_t add_var(struct build *b, const char *name, char *label, bool string, int labels, int decimals,
                      bool dk)
{
    struct mg_microdata *md = b->md;
    if (md->nvars == b->cap_vars) {
        size_t cap = b->cap_vars ? 2 * b->cap_vars : 64;
        struct mg_md_var *v = realloc(md->vars, cap * sizeof *v);
        if (!v) {
            b->oom = true;
            free(label);
            return 0;
        }
        md->vars = v;
        b->cap_vars = cap;
    }
    struct mg_md_var *v = &md->vars[md->nvars];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    v->label = label;
    b->oom |= !label;
    v->string = string;
    v->labels = labels;
    v->decimals = decimals;
    v->has_missing = dk;
    v->missing = DK_CODE;
    return md->nvars++;
}

static int add_set(struct build *b, const char *name)
{
    struct mg_microdata *md = b->md;
    if (md->nsets == b->cap_sets) {
        size_t cap = b->cap_sets ? 2 * b->cap_sets : 16;
        struct mg_md_labels *s = realloc(md->sets, cap * sizeof *s);
        if (!s) {
            b->oom = true;
            return -1;
        }
        md->sets = s;
        b->cap_sets = cap;
    }
    struct mg_md_labels *s = &md->sets[md->nsets];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return (int)md->nsets++;
}

static void add_label(struct build *b, int set, double value, const char *text)
{
    if (set < 0)
        return;
    struct mg_md_labels *s = &b->md->sets[set];
    struct mg_md_label *v = realloc(s->v, (s->n + 1) * sizeof *v);
    if (!v) {
        b->oom = true;
        return;
    }
    s->v = v;
    v[s->n].value = value;
    v[s->n].text = strdup(text);
    b->oom |= !v[s->n].text;
    if (v[s->n].text)
        s->n++;
}

static struct item_map *find_item(struct build *b, const char *key)
{
    for (size_t i = 0; i < b->nitems; i++)
        if (strcmp(b->items[i].key, key) == 0)
            return &b->items[i];
    return NULL;
}

static struct area_map *find_area(struct build *b, const char *key)
{
    for (size_t i = 0; i < b->nareas; i++)
        if (strcmp(b->areas[i].key, key) == 0)
            return &b->areas[i];
    return NULL;
}

/* The variables of one survey definition that are not there yet. */
static void add_definition(struct build *b, const cJSON *def, int lang)
{
    const cJSON *x;
    char name[80];
    if (b->nlevels == 0)
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(def, "levels")) {
            const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "key"));
            if (key && b->nlevels < 16) {
                snprintf(b->levels[b->nlevels], sizeof b->levels[0], "%s", key);
                add_label(b, 2, (double)++b->nlevels, text_in(cJSON_GetObjectItemCaseSensitive(x, "name"), lang));
            }
        }
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(def, "areas")) {
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "key"));
        if (!key || find_area(b, key))
            continue;
        struct area_map *a = realloc(b->areas, (b->nareas + 1) * sizeof *a);
        if (!a) {
            b->oom = true;
            return;
        }
        b->areas = a;
        a = &b->areas[b->nareas++];
        snprintf(a->key, sizeof a->key, "%s", key);
        const char *area_name = text_in(cJSON_GetObjectItemCaseSensitive(x, "name"), lang);
        snprintf(name, sizeof name, "a_%s", key);
        a->score = add_var(b, name, fmt_dup(mtexts[M_AREA][lang], area_name), false, -1, 3, false);
        snprintf(name, sizeof name, "l_%s", key);
        a->level = add_var(b, name, fmt_dup(mtexts[M_LEVEL_OF][lang], area_name), false, 2, 0, false);
    }
    const cJSON *scales = cJSON_GetObjectItemCaseSensitive(def, "scales");
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(def, "items")) {
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "key"));
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "type"));
        if (!key || !type || find_item(b, key))
            continue;
        struct item_map *it = realloc(b->items, (b->nitems + 1) * sizeof *it);
        if (!it) {
            b->oom = true;
            return;
        }
        b->items = it;
        it = &b->items[b->nitems++];
        memset(it, 0, sizeof *it);
        snprintf(it->key, sizeof it->key, "%s", key);
        bool dk = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "dont_know"));
        const char *text = text_in(cJSON_GetObjectItemCaseSensitive(x, "text"), lang);
        snprintf(name, sizeof name, "ls_%s", key);
        int set = add_set(b, name);
        if (strcmp(type, "choice") == 0) {
            const cJSON *o;
            it->choice = true;
            cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(x, "options")) {
                const char *ok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "key"));
                if (!ok || it->noptions >= 16)
                    continue;
                snprintf(it->options[it->noptions++], sizeof it->options[0], "%s", ok);
                add_label(b, set, (double)it->noptions, text_in(cJSON_GetObjectItemCaseSensitive(o, "label"), lang));
            }
            if (dk)
                add_label(b, set, DK_CODE, mtexts[M_DK][lang]);
        } else {
            const cJSON *scale = cJSON_GetObjectItemCaseSensitive(
                scales, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "scale")));
            const cJSON *p;
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(scale, "points")) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "value");
                if (cJSON_IsNumber(v))
                    add_label(b, set, v->valuedouble, text_in(cJSON_GetObjectItemCaseSensitive(p, "label"), lang));
            }
            if (dk) {
                const char *t = text_in(cJSON_GetObjectItemCaseSensitive(scale, "dont_know"), lang);
                add_label(b, set, DK_CODE, *t ? t : mtexts[M_DK][lang]);
            }
        }
        it->answer = add_var(b, key, strdup(text), false, set, 0, dk);
        snprintf(name, sizeof name, "s_%s", key);
        it->score = add_var(b, name, fmt_dup(mtexts[M_SCORE_OF][lang], text), false, -1, 3, false);
    }
}

/* ---- the export ---------------------------------------------------------------- */

struct export_ctx {
    int64_t round_id;
    const char *unit_code;
    int lang;
    const struct mg_md_sink *sink;
    struct mg_microdata *md;
    enum mg_error err;
    char *msg;
    size_t msglen;
    bool begun; /* the sink has output: a retry would write it twice */
};

struct units {
    size_t n;
    int64_t *id;
    char **code, **name;
    size_t *parent;      /* within the scope, MG_PRIV_NONE at its top */
    size_t *label[2];    /* per role: the unit each unit's rows are shown under */
    int64_t *count[2];
};

static void units_free(struct units *u)
{
    for (size_t i = 0; i < u->n; i++) {
        if (u->code)
            free(u->code[i]);
        if (u->name)
            free(u->name[i]);
    }
    free(u->id);
    free(u->code);
    free(u->name);
    free(u->parent);
    for (int r = 0; r < 2; r++) {
        free(u->label[r]);
        free(u->count[r]);
    }
    memset(u, 0, sizeof *u);
}

static size_t unit_index(const struct units *u, int64_t id)
{
    /* Ids come sorted by level, not by id: a linear scan is fine for a
     * tree of a few thousand units, and done once per unit or page row. */
    for (size_t i = 0; i < u->n; i++)
        if (u->id[i] == id)
            return i;
    return MG_PRIV_NONE;
}

static enum mg_qs fail(struct export_ctx *c, enum mg_error err, const char *msg, enum mg_qs qs)
{
    c->err = err;
    snprintf(c->msg, c->msglen, "%s", msg);
    return qs < 0 && !c->begun ? qs : MG_QS_HARD;
}

/* Loads the units of the scope (the subtree of `top`, or all) in the
 * tree of round `round` (its decimal id). */
static enum mg_qs load_units(struct mg_db_conn *conn, struct export_ctx *c, const char *round, const char *top,
                             struct units *u)
{
    PGresult *res = NULL;
    const char *params[] = {round};
    enum mg_qs qs = mg_db_exec(conn, &stmt_md_units, 1, params, &res);
    if (qs < 0)
        return fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
    size_t n = (size_t)PQntuples(res), all_top = MG_PRIV_NONE;
    int64_t *ids = calloc(n + 1, sizeof *ids);
    size_t *parent = calloc(n + 1, sizeof *parent);
    bool *in = calloc(n + 1, sizeof *in);
    if (!ids || !parent || !in) {
        qs = fail(c, MG_ERR_INTERNAL, "out of memory", MG_QS_HARD);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
        parent[i] = MG_PRIV_NONE;
        if (!PQgetisnull(res, (int)i, 3)) {
            int64_t p = strtoll(PQgetvalue(res, (int)i, 3), NULL, 10);
            for (size_t j = 0; j < i; j++)
                if (ids[j] == p)
                    parent[i] = j;
        }
        if (top && strcmp(PQgetvalue(res, (int)i, 1), top) == 0)
            all_top = i;
    }
    if (top && all_top == MG_PRIV_NONE) {
        qs = fail(c, MG_ERR_NOT_FOUND, "No such unit.", MG_QS_HARD);
        goto out;
    }
    /* In the scope: the top and everything below it (parents come first). */
    for (size_t i = 0; i < n; i++)
        in[i] = !top || i == all_top || (parent[i] != MG_PRIV_NONE && in[parent[i]] && i != all_top);
    size_t m = 0, *map = calloc(n + 1, sizeof *map);
    u->id = calloc(n + 1, sizeof *u->id);
    u->code = calloc(n + 1, sizeof *u->code);
    u->name = calloc(n + 1, sizeof *u->name);
    u->parent = calloc(n + 1, sizeof *u->parent);
    for (int r = 0; r < 2; r++) {
        u->label[r] = calloc(n + 1, sizeof *u->label[r]);
        u->count[r] = calloc(n + 1, sizeof *u->count[r]);
    }
    if (!map || !u->id || !u->code || !u->name || !u->parent || !u->label[0] || !u->label[1] || !u->count[0] ||
        !u->count[1]) {
        free(map);
        qs = fail(c, MG_ERR_INTERNAL, "out of memory", MG_QS_HARD);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!in[i])
            continue;
        map[i] = m;
        u->id[m] = ids[i];
        u->code[m] = strdup(PQgetvalue(res, (int)i, 1));
        u->name[m] = strdup(PQgetvalue(res, (int)i, 2));
        u->parent[m] = i == all_top || parent[i] == MG_PRIV_NONE ? MG_PRIV_NONE : map[parent[i]];
        u->n = ++m;
        if (!u->code[m - 1] || !u->name[m - 1]) {
            free(map);
            qs = fail(c, MG_ERR_INTERNAL, "out of memory", MG_QS_HARD);
            goto out;
        }
    }
    free(map);
    qs = MG_QS_ROWS;
out:
    free(ids);
    free(parent);
    free(in);
    PQclear(res);
    return qs;
}

static int role_of(const char *s)
{
    return strcmp(s, "manager") == 0 ? 1 : 0;
}

/* Fills `cells` from one page row. */
static void fill_row(struct build *b, PGresult *res, int row, double *cells)
{
    struct mg_microdata *md = b->md;
    for (size_t v = 0; v < md->nvars; v++)
        cells[v] = NAN;
    cells[2] = role_of(PQgetvalue(res, row, 2)) + 1;
    cells[3] = strcmp(PQgetvalue(res, row, 3), "paper") == 0 ? 2 : 1;
    if (!PQgetisnull(res, row, 4))
        cells[4] = strtod(PQgetvalue(res, row, 4), NULL);
    for (size_t l = 0; !PQgetisnull(res, row, 5) && l < b->nlevels; l++)
        if (strcmp(b->levels[l], PQgetvalue(res, row, 5)) == 0)
            cells[5] = (double)(l + 1);

    /* key=value=d=score;... */
    char *s = PQgetvalue(res, row, 6), *save = NULL;
    for (char *tok = strtok_r(s, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *f[4] = {tok, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            f[i] = f[i - 1] ? strchr(f[i - 1], '=') : NULL;
            if (f[i])
                *f[i]++ = '\0';
        }
        struct item_map *it = find_item(b, f[0]);
        if (!it || !f[3])
            continue;
        if (*f[2] == 'd') {
            cells[it->answer] = DK_CODE;
        } else if (it->choice) {
            for (size_t o = 0; o < it->noptions; o++)
                if (strcmp(it->options[o], f[1]) == 0)
                    cells[it->answer] = (double)(o + 1);
        } else if (*f[1]) {
            cells[it->answer] = strtod(f[1], NULL);
        }
        if (*f[3])
            cells[it->score] = strtod(f[3], NULL);
    }
    /* area=score=level;... */
    s = PQgetvalue(res, row, 7);
    for (char *tok = strtok_r(s, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *score = strchr(tok, '='), *level = score ? strchr(score + 1, '=') : NULL;
        if (!level)
            continue;
        *score++ = '\0';
        *level++ = '\0';
        struct area_map *a = find_area(b, tok);
        if (!a)
            continue;
        cells[a->score] = strtod(score, NULL);
        for (size_t l = 0; l < b->nlevels; l++)
            if (strcmp(b->levels[l], level) == 0)
                cells[a->level] = (double)(l + 1);
    }
}

static enum mg_qs export_tx(struct mg_db_conn *conn, void *arg)
{
    struct export_ctx *c = arg;
    struct mg_microdata *md = c->md;
    struct build b = {.md = md};
    struct units u = {0};
    PGresult *res = NULL;
    double *cells = NULL;
    char round[24], root[72] = "", after[40] = "00000000-0000-0000-0000-000000000000";
    enum mg_qs qs;

    mg_microdata_free(md);
    md->lang = c->lang;
    c->err = MG_OK;
    snprintf(round, sizeof round, "%lld", (long long)c->round_id);
    const char *rp[] = {round};
    if ((qs = mg_db_exec(conn, &stmt_md_snapshot, 0, NULL, NULL)) < 0)
        return fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
    if ((qs = mg_db_exec(conn, &stmt_md_round, 1, rp, &res)) != MG_QS_ROWS) {
        PQclear(res);
        return qs < 0 ? fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs)
                      : fail(c, MG_ERR_NOT_FOUND, "No such round.", MG_QS_HARD);
    }
    snprintf(md->round_name, sizeof md->round_name, "%s", PQgetvalue(res, 0, 0));
    md->k = atoi(PQgetvalue(res, 0, 1));
    snprintf(root, sizeof root, "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    res = NULL;
    if ((qs = load_units(conn, c, round, c->unit_code ? c->unit_code : (*root ? root : NULL), &u)) < 0 ||
        qs == MG_QS_HARD)
        goto out;

    /* The description: fixed variables, then each survey's. */
    int lang = c->lang;
    char label[512];
    snprintf(label, sizeof label, mtexts[M_UNIT][lang], md->k);
    add_var(&b, "unit", strdup(label), true, -1, 0, false);
    add_var(&b, "unit_name", strdup(mtexts[M_UNIT_NAME][lang]), true, -1, 0, false);
    int set = add_set(&b, "ls_role");
    add_label(&b, set, 1, mtexts[M_STAFF][lang]);
    add_label(&b, set, 2, mtexts[M_MANAGER][lang]);
    add_var(&b, "role", strdup(mtexts[M_ROLE][lang]), false, set, 0, false);
    set = add_set(&b, "ls_channel");
    add_label(&b, set, 1, mtexts[M_WEB][lang]);
    add_label(&b, set, 2, mtexts[M_PAPER][lang]);
    add_var(&b, "channel", strdup(mtexts[M_CHANNEL][lang]), false, set, 0, false);
    add_set(&b, "ls_level"); /* set 2: filled from the first survey's levels */
    add_var(&b, "index", strdup(mtexts[M_INDEX][lang]), false, -1, 3, false);
    add_var(&b, "index_level", strdup(mtexts[M_INDEX_LEVEL][lang]), false, 2, 0, false);
    if ((qs = mg_db_exec(conn, &stmt_md_surveys, 1, rp, &res)) < 0) {
        fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *owned = NULL;
        const cJSON *def = mg_survey_definition(conn, strtoll(PQgetvalue(res, i, 0), NULL, 10), &owned);
        if (def)
            add_definition(&b, def, lang);
        cJSON_Delete(owned);
    }
    PQclear(res);
    res = NULL;
    if (b.oom) {
        qs = fail(c, MG_ERR_INTERNAL, "out of memory", MG_QS_HARD);
        goto out;
    }

    /* Who is shown under which unit. */
    if ((qs = mg_db_exec(conn, &stmt_md_counts, 1, rp, &res)) < 0) {
        fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
        goto out;
    }
    int64_t total = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        size_t x = unit_index(&u, strtoll(PQgetvalue(res, i, 0), NULL, 10));
        if (x != MG_PRIV_NONE) {
            u.count[role_of(PQgetvalue(res, i, 1))][x] += strtoll(PQgetvalue(res, i, 2), NULL, 10);
            total += strtoll(PQgetvalue(res, i, 2), NULL, 10);
        }
    }
    PQclear(res);
    res = NULL;
    struct mg_priv_tree tree = {u.n, u.parent};
    for (int r = 0; r < 2; r++) {
        if (mg_privacy_generalise(&tree, md->k, u.count[r], u.label[r]) != 0) {
            qs = fail(c, MG_ERR_INTERNAL, "the unit tree is malformed", MG_QS_HARD);
            goto out;
        }
        for (size_t i = 0; i < u.n; i++)
            if (u.label[r][i] != MG_PRIV_NONE)
                md->nrows += (size_t)u.count[r][i];
    }
    md->withheld = (size_t)total - md->nrows;

    c->begun = true;
    if (c->sink->begin(c->sink->ctx, md) != 0) {
        qs = fail(c, MG_ERR_INTERNAL, "the file could not be written", MG_QS_HARD);
        goto out;
    }
    cells = malloc(md->nvars * sizeof *cells);
    if (!cells) {
        qs = fail(c, MG_ERR_INTERNAL, "out of memory", MG_QS_HARD);
        goto out;
    }
    size_t written = 0;
    for (;;) {
        const char *pp[] = {round, after};
        if ((qs = mg_db_exec(conn, &stmt_md_page, 2, pp, &res)) < 0) {
            fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
            goto out;
        }
        int rows = PQntuples(res);
        for (int i = 0; i < rows; i++) {
            size_t x = unit_index(&u, strtoll(PQgetvalue(res, i, 1), NULL, 10));
            int r = role_of(PQgetvalue(res, i, 2));
            if (x == MG_PRIV_NONE || u.label[r][x] == MG_PRIV_NONE)
                continue;
            fill_row(&b, res, i, cells);
            size_t l = u.label[r][x];
            if (written++ >= md->nrows ||
                c->sink->row(c->sink->ctx, md, cells, u.code[l], u.name[l]) != 0) {
                qs = fail(c, MG_ERR_INTERNAL, "the file could not be written", MG_QS_HARD);
                goto out;
            }
        }
        if (rows > 0)
            snprintf(after, sizeof after, "%s", PQgetvalue(res, rows - 1, 0));
        PQclear(res);
        res = NULL;
        if (rows < atoi(PAGE))
            break;
    }
    if (written != md->nrows || c->sink->end(c->sink->ctx, md) != 0) {
        qs = fail(c, MG_ERR_INTERNAL, "the file could not be written", MG_QS_HARD);
        goto out;
    }
    qs = MG_QS_ROWS;
out:
    PQclear(res);
    free(cells);
    free(b.items);
    free(b.areas);
    units_free(&u);
    return qs;
}

enum mg_error mg_microdata_export(struct mg_db_conn *conn, int64_t round_id, const char *unit_code, int lang,
                                  const struct mg_md_sink *sink, struct mg_microdata *md, char *msg,
                                  size_t msglen)
{
    struct export_ctx c = {round_id, unit_code, lang < 0 || lang > 3 ? 3 : lang, sink, md, MG_OK, msg, msglen,
                           false};
    memset(md, 0, sizeof *md);
    enum mg_qs qs = mg_db_tx(conn, export_tx, &c);
    if (qs < 0 && c.err == MG_OK) {
        c.err = MG_ERR_UNAVAILABLE;
        snprintf(msg, msglen, "the database is unavailable");
    }
    return qs < 0 ? c.err : MG_OK;
}
