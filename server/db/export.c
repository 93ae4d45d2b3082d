/* export.c (db): research microdata of a round, streamed to a sink.
 *
 * One row per response: the unit it is shown under, the role (where it
 * may be shown), index and level, each area's score and level, and each
 * item's answer code and score. No pseudonym, no date, no response id, no
 * channel (paper or web would split a group). Where a row is shown is
 * decided once per round for the whole organisation, from the same
 * decision on respondent groups as the indicators
 * (mg_indicators_groups_load, mg_privacy_microdata_place): every unit and
 * role shown holds a remainder of the shown cells, so no indicator minus
 * the rows placed inside it leaves a small group, and a --unit or role
 * filter only selects rows of that one placement. Only closed rounds.
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
#include "mg_indicators.h"
#include "mg_privacy.h"
#include "mg_survey.h"

#define PAGE "2000"

MG_DB_STMT(stmt_md_snapshot, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
MG_DB_STMT(stmt_md_name, "SELECT name FROM rounds WHERE id = $1::bigint");
MG_DB_STMT(stmt_md_counts,
           "SELECT unit_id, role, count(*) FROM responses WHERE round_id = $1::bigint GROUP BY 1, 2");
/* Staff first: its items come first. */
MG_DB_STMT(stmt_md_surveys,
           "SELECT rs.survey_id FROM round_surveys rs WHERE rs.round_id = $1::bigint ORDER BY rs.audience DESC");
MG_DB_STMT(stmt_md_page,
           "SELECT r.id, r.unit_id, r.role, r.index_score, r.level, "
           "(SELECT string_agg(a.item_key || '=' || COALESCE(a.value::text, a.option_key, '') || '=' || "
           "  CASE WHEN a.dont_know THEN 'd' ELSE '' END || '=' || COALESCE(a.score::text, ''), ';') "
           " FROM response_answers a WHERE a.response_id = r.id), "
           "(SELECT string_agg(s.area_key || '=' || s.score::text || '=' || s.level, ';') "
           " FROM response_area_scores s WHERE s.response_id = r.id) "
           "FROM responses r WHERE r.round_id = $1::bigint AND r.id > $2::uuid ORDER BY r.id LIMIT " PAGE);

/* ---- texts ------------------------------------------------------------------ */

enum mtext { M_UNIT, M_UNIT_NAME, M_ROLE, M_SCOPE, M_INDEX, M_INDEX_LEVEL, M_AREA, M_LEVEL_OF, M_SCORE_OF,
             M_STAFF, M_MANAGER, M_ALONE, M_BELOW, M_DK, M_COUNT };

static const char *const mtexts[M_COUNT][4] = {
    [M_UNIT] = {"Enhet (svaren visas under den minsta enhet som visar minst %d svarande)",
                "Enhet (svarene vises under den minste enheten som viser minst %d svar)",
                "Eining (svara blir viste under den minste eininga som viser minst %d svar)",
                "Unit (answers are shown under the smallest unit that shows at least %d respondents)"},
    [M_UNIT_NAME] = {"Enhetens namn", "Enhetens navn", "Namnet på eininga", "Unit name"},
    [M_ROLE] = {"Roll (tom när rollens grupp är för liten)", "Rolle (tom når gruppen for rollen er for liten)",
                "Rolle (tom når gruppa for rolla er for lita)", "Role (empty where the role's group is too small)"},
    [M_SCOPE] = {"Vad enheten omfattar", "Hva enheten omfatter", "Kva eininga omfattar", "What the unit covers"},
    [M_INDEX] = {"Digitalt kompetensindex (0–100)", "Digital kompetanseindeks (0–100)",
                 "Digital kompetanseindeks (0–100)", "Digital competence index (0–100)"},
    [M_INDEX_LEVEL] = {"Nivå, index", "Nivå, indeks", "Nivå, indeks", "Level, index"},
    [M_AREA] = {"%s (0–100)", "%s (0–100)", "%s (0–100)", "%s (0–100)"},
    [M_LEVEL_OF] = {"Nivå: %s", "Nivå: %s", "Nivå: %s", "Level: %s"},
    [M_SCORE_OF] = {"Poäng 0–100: %s", "Poeng 0–100: %s", "Poeng 0–100: %s", "Score 0–100: %s"},
    [M_STAFF] = {"Medarbetare", "Medarbeider", "Medarbeidar", "Staff member"},
    [M_MANAGER] = {"Chef", "Leder", "Leiar", "Manager"},
    [M_ALONE] = {"Enheten själv", "Enheten selv", "Eininga sjølv", "The unit itself"},
    [M_BELOW] = {"Enheten med enheterna under den", "Enheten med enhetene under den",
                 "Eininga med einingane under ho", "The unit with the units below it"},
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
    v->width = string ? 1 : 0;
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
    enum mg_priv_role role; /* MG_PRIV_ALL, or only rows shown with this role */
    int lang;
    const struct mg_md_sink *sink;
    struct mg_microdata *md;
    enum mg_error err;
    char *msg;
    size_t msglen;
    bool begun; /* the sink has output: a retry would write it twice */
};

static enum mg_qs fail(struct export_ctx *c, enum mg_error err, const char *msg, enum mg_qs qs)
{
    c->err = err;
    snprintf(c->msg, c->msglen, "%s", msg);
    return qs < 0 && !c->begun ? qs : MG_QS_HARD;
}

/* Is unit `x` in the subtree of `top` (MG_PRIV_NONE: everything)? */
static bool in_scope(const struct mg_ind_groups *g, size_t x, size_t top)
{
    while (top != MG_PRIV_NONE && x != MG_PRIV_NONE && x != top)
        x = g->parent[x];
    return top == MG_PRIV_NONE || x == top;
}

static size_t unit_index(const struct mg_ind_groups *g, int64_t id)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->unit_id[i] == id)
            return i;
    return MG_PRIV_NONE;
}

static size_t unit_by_code(const struct mg_ind_groups *g, const char *code)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->code[i], code) == 0)
            return i;
    return MG_PRIV_NONE;
}

/* Where each unit's respondents of each role are shown (decided once for
 * the round): the label unit, its kind, whether the role is shown; and
 * whether the row is in the file at all (the label inside the scope, and
 * the role asked for). */
struct place {
    size_t label;
    enum mg_priv_kind kind;
    bool role_shown, in_file;
};

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
    /* cells[2] (role) and cells[3] (scope) come from the row's place. */
    if (!PQgetisnull(res, row, 3))
        cells[4] = strtod(PQgetvalue(res, row, 3), NULL);
    for (size_t l = 0; !PQgetisnull(res, row, 4) && l < b->nlevels; l++)
        if (strcmp(b->levels[l], PQgetvalue(res, row, 4)) == 0)
            cells[5] = (double)(l + 1);

    /* key=value=d=score;... */
    char *s = PQgetvalue(res, row, 5), *save = NULL;
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
    s = PQgetvalue(res, row, 6);
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
    struct mg_ind_groups g = {0};
    struct place (*place)[2] = NULL;
    PGresult *res = NULL;
    double *cells = NULL;
    char round[24], after[40] = "00000000-0000-0000-0000-000000000000";
    enum mg_qs qs;

    mg_microdata_free(md);
    md->lang = c->lang;
    c->err = MG_OK;
    snprintf(round, sizeof round, "%lld", (long long)c->round_id);
    const char *rp[] = {round};
    if ((qs = mg_db_exec(conn, &stmt_md_snapshot, 0, NULL, NULL)) < 0)
        return fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
    /* The round's decision on its groups, in this snapshot. */
    if ((qs = mg_indicators_groups_load(conn, c->round_id, &g)) != MG_QS_ROWS) {
        return qs < 0             ? fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs)
               : qs == MG_QS_NONE ? fail(c, MG_ERR_NOT_FOUND, "No such round.", MG_QS_HARD)
                                  : fail(c, MG_ERR_INTERNAL, "the unit tree could not be read", MG_QS_HARD);
    }
    if (strcmp(g.state, "closed") != 0) {
        qs = fail(c, MG_ERR_ROUND_NOT_CLOSED,
                  "the round has not closed: microdata, like every figure of what people answered, is "
                  "released once it has closed", MG_QS_HARD);
        goto out;
    }
    md->k = g.k;
    if ((qs = mg_db_exec(conn, &stmt_md_name, 1, rp, &res)) != MG_QS_ROWS) {
        qs = fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs < 0 ? qs : MG_QS_HARD);
        goto out;
    }
    snprintf(md->round_name, sizeof md->round_name, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;

    /* The scope: the unit asked for, else the round's unit, else all. */
    const char *top_code = c->unit_code ? c->unit_code : (*g.root_code ? g.root_code : NULL);
    size_t top = top_code ? unit_by_code(&g, top_code) : MG_PRIV_NONE;
    if (top_code && top == MG_PRIV_NONE) {
        qs = fail(c, MG_ERR_NOT_FOUND, "No such unit.", MG_QS_HARD);
        goto out;
    }
    if (!(place = calloc(g.n ? g.n : 1, sizeof *place))) {
        qs = fail(c, MG_ERR_INTERNAL, "out of memory", MG_QS_HARD);
        goto out;
    }
    struct mg_priv_tree tree = {g.n, g.parent};
    for (size_t u = 0; u < g.n; u++)
        for (int r = 0; r < 2; r++) {
            struct place *p = &place[u][r];
            p->in_file = mg_privacy_microdata_place(&tree, (const enum mg_priv_status(*)[2][3])g.st, u,
                                                    (enum mg_priv_role)r, &p->label, &p->kind, &p->role_shown) &&
                         in_scope(&g, p->label, top) &&
                         (c->role == MG_PRIV_ALL || (p->role_shown && (int)c->role == r));
        }

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
    set = add_set(&b, "ls_scope");
    add_label(&b, set, 1, mtexts[M_ALONE][lang]);
    add_label(&b, set, 2, mtexts[M_BELOW][lang]);
    add_var(&b, "unit_scope", strdup(mtexts[M_SCOPE][lang]), false, set, 0, false);
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

    /* How many rows the file will hold (an SPSS header states it). */
    if ((qs = mg_db_exec(conn, &stmt_md_counts, 1, rp, &res)) < 0) {
        fail(c, MG_ERR_UNAVAILABLE, "the database is unavailable", qs);
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        size_t x = unit_index(&g, strtoll(PQgetvalue(res, i, 0), NULL, 10));
        if (x == MG_PRIV_NONE || !place[x][role_of(PQgetvalue(res, i, 1))].in_file)
            continue;
        md->nrows += (size_t)strtoll(PQgetvalue(res, i, 2), NULL, 10);
        /* The string columns are as wide as their longest value, which a
         * .sav file must know before the first row. */
        size_t l = place[x][role_of(PQgetvalue(res, i, 1))].label, wc = strlen(g.code[l]), wn = strlen(g.name[l]);
        md->vars[0].width = wc > md->vars[0].width ? wc : md->vars[0].width;
        md->vars[1].width = wn > md->vars[1].width ? wn : md->vars[1].width;
    }
    PQclear(res);
    res = NULL;

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
            size_t x = unit_index(&g, strtoll(PQgetvalue(res, i, 1), NULL, 10));
            int r = role_of(PQgetvalue(res, i, 2));
            if (x == MG_PRIV_NONE || !place[x][r].in_file)
                continue;
            const struct place *p = &place[x][r];
            fill_row(&b, res, i, cells);
            cells[2] = p->role_shown ? r + 1 : NAN;
            cells[3] = p->kind == MG_PRIV_ALONE ? 1 : 2;
            if (written++ >= md->nrows ||
                c->sink->row(c->sink->ctx, md, cells, g.code[p->label], g.name[p->label]) != 0) {
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
    free(place);
    free(b.items);
    free(b.areas);
    mg_indicators_groups_free(&g);
    return qs;
}

enum mg_error mg_microdata_export(struct mg_db_conn *conn, int64_t round_id, const char *unit_code,
                                  enum mg_priv_role role, int lang, const struct mg_md_sink *sink,
                                  struct mg_microdata *md, char *msg, size_t msglen)
{
    struct export_ctx c = {round_id, unit_code, role, lang < 0 || lang > 3 ? 3 : lang, sink, md, MG_OK, msg,
                           msglen, false};
    memset(md, 0, sizeof *md);
    enum mg_qs qs = mg_db_tx(conn, export_tx, &c);
    if (qs < 0 && c.err == MG_OK) {
        c.err = MG_ERR_UNAVAILABLE;
        snprintf(msg, msglen, "the database is unavailable");
    }
    return qs < 0 ? c.err : MG_OK;
}
