/* test_privacy.c: the suppression layer, by example and by attack. The
 * attack: take every cell the layer shows, for every unit, kind and role,
 * as the set of atoms (unit alone x role) it sums over, and check by exact
 * linear algebra that no set of atoms with fewer than k respondents is a
 * combination of shown cells: not a hidden cell, not an atom, not the
 * difference of two cells, and on small trees not any set at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_privacy.h"

#define MAXU 40
#define MAXA (2 * MAXU)
#define NONE MG_PRIV_NONE

/* ---- a small fixture language ------------------------------------------ */

struct world {
    size_t n;
    size_t parent[MAXU];
    struct mg_priv_mass atoms[MAXU][2];
    enum mg_priv_status st[MAXU][2][3];
    int k;
    bool reasons_of_groups; /* hidden cells may carry their group's reason */
};

static void run(struct world *w)
{
    struct mg_priv_tree t = {w->n, w->parent};
    assert_int_equal(mg_privacy_suppress(&t, w->k, (const struct mg_priv_mass(*)[2])w->atoms, w->st), 0);
}

/* Adds unit with `parent`, `staff` and `managers` respondents, and as many
 * invited as responded plus `absent`. */
static size_t unit(struct world *w, size_t parent, int64_t staff, int64_t managers)
{
    size_t u = w->n++;
    w->parent[u] = parent;
    w->atoms[u][0] = (struct mg_priv_mass){staff, staff + 1, 0, 0};
    w->atoms[u][1] = (struct mg_priv_mass){managers, managers + 1, 0, 0};
    return u;
}

static bool shown(const struct world *w, size_t u, int kind, int role)
{
    return mg_privacy_shown(w->st[u][kind][role]);
}

/* ---- exact span membership over GF(p), p = 2^31 - 1 --------------------- *
 * A set in the rational span of 0/1 vectors is in their span modulo p (the
 * denominators are minors far below p here), so "not in the span mod p"
 * proves "not derivable". */

#define P 2147483647LL

struct span {
    size_t dim, rank;
    int64_t rows[6 * MAXU][MAXA];
    size_t pivot[6 * MAXU];
};

static int64_t inv(int64_t a)
{
    int64_t r = 1, e = P - 2;
    a %= P;
    while (e) {
        if (e & 1)
            r = r * a % P;
        a = a * a % P;
        e >>= 1;
    }
    return r;
}

/* Reduces `v` by the basis; returns true when it becomes zero. */
static bool reduce(const struct span *s, int64_t *v)
{
    for (size_t i = 0; i < s->rank; i++) {
        int64_t c = v[s->pivot[i]];
        if (!c)
            continue;
        for (size_t j = 0; j < s->dim; j++)
            v[j] = ((v[j] - c * s->rows[i][j]) % P + P) % P;
    }
    for (size_t j = 0; j < s->dim; j++)
        if (v[j])
            return false;
    return true;
}

static void span_add(struct span *s, const int64_t *vec)
{
    int64_t v[MAXA];
    memcpy(v, vec, s->dim * sizeof *v);
    if (reduce(s, v))
        return;
    size_t p = 0;
    while (!v[p])
        p++;
    int64_t f = inv(v[p]);
    for (size_t j = 0; j < s->dim; j++)
        v[j] = v[j] * f % P;
    /* Keep the basis reduced: clear column p from the earlier rows. */
    for (size_t i = 0; i < s->rank; i++) {
        int64_t c = s->rows[i][p];
        if (c)
            for (size_t j = 0; j < s->dim; j++)
                s->rows[i][j] = ((s->rows[i][j] - c * v[j]) % P + P) % P;
    }
    memcpy(s->rows[s->rank], v, s->dim * sizeof *v);
    s->pivot[s->rank++] = p;
}

static bool in_span(const struct span *s, const int64_t *vec)
{
    int64_t v[MAXA];
    memcpy(v, vec, s->dim * sizeof *v);
    return reduce(s, v);
}

static bool below(const struct world *w, size_t u, size_t anc)
{
    for (size_t x = u; x != NONE; x = w->parent[x])
        if (x == anc)
            return true;
    return false;
}

/* The atoms of a cell as a 0/1 vector (atom 2u + role). */
static void cell_vec(const struct world *w, size_t u, int kind, int role, int64_t *v)
{
    memset(v, 0, 2 * w->n * sizeof *v);
    for (size_t x = 0; x < w->n; x++) {
        bool in = kind == MG_PRIV_ALONE ? x == u : below(w, x, u);
        if (!in)
            continue;
        if (role != MG_PRIV_MANAGER)
            v[2 * x] = 1;
        if (role != MG_PRIV_STAFF)
            v[2 * x + 1] = 1;
    }
}

static struct mg_priv_mass vec_mass(const struct world *w, const int64_t *v)
{
    struct mg_priv_mass m = {0, 0, 0, 0};
    for (size_t a = 0; a < 2 * w->n; a++)
        if (v[a]) {
            m.n += w->atoms[a / 2][a % 2].n;
            m.pop += w->atoms[a / 2][a % 2].pop;
            m.extra += w->atoms[a / 2][a % 2].extra;
            m.extra2 += w->atoms[a / 2][a % 2].extra2;
        }
    return m;
}

static bool nonzero(const int64_t *v, size_t dim)
{
    for (size_t i = 0; i < dim; i++)
        if (v[i])
            return true;
    return false;
}

/* Checks what every caller could see: returns the number of problems and
 * prints each. */
static int attack_with(const struct world *w, bool exhaustive, int64_t (*more)[MAXA], size_t nmore);

static int attack(const struct world *w, bool exhaustive)
{
    return attack_with(w, exhaustive, NULL, 0);
}

/* The same, when `more` sets of atoms are known too (microdata). */
static int attack_with(const struct world *w, bool exhaustive, int64_t (*more)[MAXA], size_t nmore)
{
    static struct span s;
    int64_t v[MAXA], x[MAXA];
    int problems = 0;

    memset(&s, 0, sizeof s);
    s.dim = 2 * w->n;
    for (size_t i = 0; i < nmore; i++)
        span_add(&s, more[i]);
    for (size_t u = 0; u < w->n; u++)
        for (int kind = 0; kind < 2; kind++)
            for (int role = 0; role < 3; role++) {
                cell_vec(w, u, kind, role, v);
                struct mg_priv_mass m = vec_mass(w, v);
                enum mg_priv_status st = w->st[u][kind][role];
                /* Shown cells are valid; hidden ones say why rightly. */
                if (mg_privacy_shown(st) && !mg_privacy_valid(&m, w->k)) {
                    printf("unit %zu kind %d role %d shown with n=%lld\n", u, kind, role, (long long)m.n);
                    problems++;
                }
                if (!w->reasons_of_groups && (st == MG_PRIV_SMALL) == mg_privacy_valid(&m, w->k)) {
                    printf("unit %zu kind %d role %d: wrong reason\n", u, kind, role);
                    problems++;
                }
                if (st == MG_PRIV_EMPTY && (m.n || m.pop)) {
                    printf("unit %zu kind %d role %d: empty but not\n", u, kind, role);
                    problems++;
                }
                if (mg_privacy_shown(st))
                    span_add(&s, v);
            }
    /* Every small cell, every small atom, every small difference of two
     * cells (nested, any kinds and roles) must be out of reach. */
    static int64_t cells[6 * MAXU][MAXA];
    size_t ncells = 0;
    for (size_t u = 0; u < w->n; u++)
        for (int kind = 0; kind < 2; kind++)
            for (int role = 0; role < 3; role++)
                cell_vec(w, u, kind, role, cells[ncells++]);
    for (size_t i = 0; i < ncells; i++)
        for (size_t j = 0; j <= ncells; j++) {
            bool subset = true;
            for (size_t a = 0; a < s.dim; a++) {
                int64_t minus = j < ncells ? cells[j][a] : 0;
                if (minus && !cells[i][a])
                    subset = false;
                x[a] = cells[i][a] - minus;
            }
            if (!subset || !nonzero(x, s.dim))
                continue;
            struct mg_priv_mass m = vec_mass(w, x);
            if (!mg_privacy_valid(&m, w->k) && in_span(&s, x)) {
                printf("derivable: cell %zu minus cell %zu, n=%lld\n", i, j, (long long)m.n);
                problems++;
            }
        }
    for (size_t a = 0; a < s.dim; a++) {
        memset(x, 0, s.dim * sizeof *x);
        x[a] = 1;
        struct mg_priv_mass m = vec_mass(w, x);
        if (!mg_privacy_valid(&m, w->k) && in_span(&s, x)) {
            printf("derivable atom %zu, n=%lld\n", a, (long long)m.n);
            problems++;
        }
    }
    /* On small trees: every set of atoms at all. */
    if (exhaustive && s.dim <= 16) {
        for (uint32_t bits = 1; bits < (1u << s.dim); bits++) {
            for (size_t a = 0; a < s.dim; a++)
                x[a] = (bits >> a) & 1;
            struct mg_priv_mass m = vec_mass(w, x);
            if (!mg_privacy_valid(&m, w->k) && in_span(&s, x)) {
                printf("derivable set 0x%x, n=%lld\n", bits, (long long)m.n);
                problems++;
            }
        }
    }
    return problems;
}

/* Shown figures add up: every relation whose cells are all shown holds
 * with the numbers the cells would show. */
static int add_up(const struct world *w)
{
    int problems = 0;
    int64_t v[MAXA];
    for (size_t u = 0; u < w->n; u++)
        for (int kind = 0; kind < 2; kind++) {
            int64_t n[3];
            for (int role = 0; role < 3; role++) {
                cell_vec(w, u, kind, role, v);
                n[role] = vec_mass(w, v).n;
            }
            if (shown(w, u, kind, 0) && shown(w, u, kind, 1) && !shown(w, u, kind, 2)) {
                printf("unit %zu: both roles shown but not all\n", u);
                problems++;
            }
            if (shown(w, u, kind, 0) && shown(w, u, kind, 1) && n[0] + n[1] != n[2])
                problems++;
            if (shown(w, u, kind, 0) != shown(w, u, kind, 1)) {
                printf("unit %zu kind %d: one role shown without the other\n", u, kind);
                problems++;
            }
        }
    for (size_t u = 0; u < w->n; u++)
        for (int role = 0; role < 3; role++) {
            bool all = shown(w, u, MG_PRIV_SUBTREE, role) && shown(w, u, MG_PRIV_ALONE, role);
            int64_t sum = 0, total;
            cell_vec(w, u, MG_PRIV_SUBTREE, role, v);
            total = vec_mass(w, v).n;
            cell_vec(w, u, MG_PRIV_ALONE, role, v);
            sum = vec_mass(w, v).n;
            bool leaf = true;
            for (size_t c = 0; c < w->n; c++)
                if (w->parent[c] == u) {
                    leaf = false;
                    all = all && shown(w, c, MG_PRIV_SUBTREE, role);
                    cell_vec(w, c, MG_PRIV_SUBTREE, role, v);
                    sum += vec_mass(w, v).n;
                }
            if (all && !leaf && sum != total)
                problems++;
            if (leaf && w->st[u][0][role] != w->st[u][1][role]) {
                printf("leaf %zu: alone and subtree differ\n", u);
                problems++;
            }
        }
    return problems;
}

/* ---- examples ---------------------------------------------------------- */

static void test_suppress_small_group_and_its_last_sibling(void **state)
{
    (void)state;
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 0, 0);
    size_t a = unit(&w, root, 10, 0);
    size_t b = unit(&w, root, 12, 0);
    size_t c = unit(&w, root, 2, 0);
    w.atoms[root][0] = w.atoms[root][1] = (struct mg_priv_mass){0, 0, 0, 0};
    run(&w);
    assert_int_equal(w.st[c][0][MG_PRIV_ALL], MG_PRIV_SMALL);
    assert_string_equal(mg_privacy_reason(w.st[c][0][MG_PRIV_ALL]), "fewer_than_k");
    /* Root minus a minus b would give c: the smaller of a and b goes too. */
    assert_int_equal(w.st[root][0][MG_PRIV_ALL], MG_PRIV_SHOWN);
    assert_int_equal(w.st[a][0][MG_PRIV_ALL], MG_PRIV_COMPLEMENTARY);
    assert_string_equal(mg_privacy_reason(w.st[a][0][MG_PRIV_ALL]), "complementary");
    assert_int_equal(w.st[b][0][MG_PRIV_ALL], MG_PRIV_SHOWN);
    /* Nobody can be invited to the root alone: it is empty, and shown. */
    assert_int_equal(w.st[root][MG_PRIV_ALONE][MG_PRIV_ALL], MG_PRIV_EMPTY);
    assert_int_equal(attack(&w, true), 0);
}

static void test_suppress_hides_a_child_when_the_unit_alone_is_small(void **state)
{
    (void)state;
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 3, 0); /* three people directly in the root */
    size_t a = unit(&w, root, 20, 0);
    size_t b = unit(&w, root, 8, 0);
    run(&w);
    assert_int_equal(w.st[root][MG_PRIV_ALONE][MG_PRIV_ALL], MG_PRIV_SMALL);
    assert_int_equal(w.st[root][MG_PRIV_SUBTREE][MG_PRIV_ALL], MG_PRIV_SHOWN);
    assert_int_equal(w.st[b][0][MG_PRIV_ALL], MG_PRIV_COMPLEMENTARY);
    assert_int_equal(w.st[a][0][MG_PRIV_ALL], MG_PRIV_SHOWN);
    assert_int_equal(attack(&w, true), 0);
}

static void test_one_manager_hides_staff_but_not_all(void **state)
{
    (void)state;
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 0, 6);
    size_t a = unit(&w, root, 12, 1);
    size_t b = unit(&w, root, 9, 1);
    run(&w);
    /* all minus staff would give the one manager. */
    assert_int_equal(w.st[a][0][MG_PRIV_ALL], MG_PRIV_SHOWN);
    assert_int_equal(w.st[a][0][MG_PRIV_STAFF], MG_PRIV_COMPLEMENTARY);
    assert_int_equal(w.st[a][0][MG_PRIV_MANAGER], MG_PRIV_SMALL);
    assert_int_equal(w.st[b][0][MG_PRIV_STAFF], MG_PRIV_COMPLEMENTARY);
    /* The organisation as a whole has 21 staff and 8 managers: split. */
    assert_int_equal(w.st[root][0][MG_PRIV_STAFF], MG_PRIV_SHOWN);
    assert_int_equal(w.st[root][0][MG_PRIV_MANAGER], MG_PRIV_SHOWN);
    assert_int_equal(attack(&w, true), 0);
}

static void test_managers_of_a_subtree_cannot_be_had_by_difference(void **state)
{
    (void)state;
    /* Root split (staff 30, managers 9); the root alone holds 6 managers
     * and nobody else; children have 1-2 managers each. Staff of the root
     * minus staff of children would be fine, but managers of the root
     * minus the root alone leaves the children's 3 managers. */
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 0, 6);
    unit(&w, root, 15, 2);
    unit(&w, root, 15, 1);
    run(&w);
    assert_int_equal(attack(&w, true), 0);
    assert_int_equal(add_up(&w), 0);
    /* Managers of the root alone (6) and of the whole root (9) are not
     * both shown: the difference is the children's 3 managers. */
    assert_false(shown(&w, root, MG_PRIV_ALONE, MG_PRIV_MANAGER) && shown(&w, root, MG_PRIV_SUBTREE, MG_PRIV_MANAGER));
}

static void test_nobody_invited_is_empty_but_nobody_answering_is_hidden(void **state)
{
    (void)state;
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 0, 0);
    size_t a = unit(&w, root, 7, 0);
    size_t b = unit(&w, root, 8, 0);
    w.atoms[root][0] = w.atoms[root][1] = (struct mg_priv_mass){0, 0, 0, 0};
    w.atoms[a][1] = (struct mg_priv_mass){0, 1, 0, 0}; /* a manager invited, silent */
    w.atoms[b][1] = (struct mg_priv_mass){0, 0, 0, 0}; /* no manager at all */
    run(&w);
    assert_int_equal(w.st[b][0][MG_PRIV_MANAGER], MG_PRIV_EMPTY);
    assert_int_equal(w.st[b][0][MG_PRIV_STAFF], MG_PRIV_SHOWN);
    assert_int_equal(w.st[a][0][MG_PRIV_MANAGER], MG_PRIV_SMALL);
    assert_int_equal(w.st[a][0][MG_PRIV_STAFF], MG_PRIV_COMPLEMENTARY);
    assert_int_equal(w.st[a][0][MG_PRIV_ALL], MG_PRIV_SHOWN);
    assert_int_equal(attack(&w, true), 0);
}

static void test_paired_change_hides_few_unpaired_respondents(void **state)
{
    (void)state;
    /* n: respondents with a pair; extra: respondents without one. */
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 0, 0);
    size_t a = unit(&w, root, 9, 0);
    size_t b = unit(&w, root, 12, 0);
    w.atoms[root][0] = w.atoms[root][1] = (struct mg_priv_mass){0, 0, 0, 0};
    w.atoms[a][0].extra = 2;  /* two new people in a: hidden */
    w.atoms[b][0].extra = 5;
    w.atoms[b][1].pop = 0;
    w.atoms[a][1].pop = 0;
    run(&w);
    assert_int_equal(w.st[a][0][MG_PRIV_ALL], MG_PRIV_SMALL);
    /* Root: 21 paired and 7 unpaired is fine, but root minus b would
     * give a's two unpaired: b goes. */
    assert_int_equal(w.st[root][0][MG_PRIV_ALL], MG_PRIV_SHOWN);
    assert_int_equal(w.st[b][0][MG_PRIV_ALL], MG_PRIV_COMPLEMENTARY);
    assert_int_equal(attack(&w, true), 0);
}

static void test_malformed_tree_is_refused(void **state)
{
    (void)state;
    size_t parent[2] = {1, NONE};
    struct mg_priv_mass atoms[2][2] = {{{0}}};
    enum mg_priv_status st[2][2][3];
    struct mg_priv_tree t = {2, parent};
    assert_int_equal(mg_privacy_suppress(&t, 5, (const struct mg_priv_mass(*)[2])atoms, st), -1);
    size_t ok[1] = {NONE};
    struct mg_priv_tree t1 = {1, ok};
    assert_int_equal(mg_privacy_suppress(&t1, 0, (const struct mg_priv_mass(*)[2])atoms, st), -1);
}

/* ---- the property test --------------------------------------------------- */

static uint64_t rng = 0x6d6f676e6164ULL; /* fixed seed: "mognad" */

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t pick_count(int k)
{
    switch (next() % 6) {
    case 0:
        return 0;
    case 1:
    case 2:
        return 1 + (int64_t)(next() % (uint64_t)(k - 1)); /* small */
    case 3:
        return k + (int64_t)(next() % 3);
    default:
        return (int64_t)(next() % (uint64_t)(4 * k));
    }
}

static void random_world(struct world *w, size_t max_units, bool paired)
{
    memset(w, 0, sizeof *w);
    w->k = 3 + (int)(next() % 4);
    w->n = 1 + next() % max_units;
    for (size_t u = 0; u < w->n; u++) {
        w->parent[u] = u == 0 ? NONE : (size_t)(next() % u);
        if (u > 0 && next() % 8 == 0)
            w->parent[u] = NONE; /* a second top-level unit now and then */
        for (int r = 0; r < 2; r++) {
            int64_t n = r == 1 && next() % 2 ? (int64_t)(next() % 3) : pick_count(w->k);
            int64_t pop = n + (next() % 3 == 0 ? 0 : (int64_t)(next() % 4));
            if (n == 0 && next() % 2)
                pop = 0;
            int64_t extra = paired && next() % 2 ? (int64_t)(next() % (uint64_t)(2 * w->k)) : 0;
            int64_t extra2 = paired && next() % 2 ? (int64_t)(next() % (uint64_t)(2 * w->k)) : 0;
            w->atoms[u][r] = (struct mg_priv_mass){n, pop, extra, extra2};
        }
    }
}

static void property(size_t cases, size_t max_units, bool paired, bool exhaustive)
{
    static struct world w;
    size_t shown_cells = 0, hidden_cells = 0;
    for (size_t c = 0; c < cases; c++) {
        random_world(&w, max_units, paired);
        run(&w);
        int problems = attack(&w, exhaustive) + add_up(&w);
        if (problems) {
            printf("case %zu: k=%d, %zu units:\n", c, w.k, w.n);
            for (size_t u = 0; u < w.n; u++)
                printf("  unit %zu parent %zd staff %lld/%lld/%lld managers %lld/%lld/%lld\n", u,
                       w.parent[u] == NONE ? (ssize_t)-1 : (ssize_t)w.parent[u],
                       (long long)w.atoms[u][0].n, (long long)w.atoms[u][0].pop,
                       (long long)w.atoms[u][0].extra, (long long)w.atoms[u][1].n,
                       (long long)w.atoms[u][1].pop, (long long)w.atoms[u][1].extra);
            fail_msg("%d problems", problems);
        }
        for (size_t u = 0; u < w.n; u++)
            for (int kind = 0; kind < 2; kind++)
                for (int role = 0; role < 3; role++)
                    *(mg_privacy_shown(w.st[u][kind][role]) ? &shown_cells : &hidden_cells) += 1;
    }
    /* The test means something only if both outcomes occur often. */
    assert_true(shown_cells > cases && hidden_cells > cases);
}

static void test_property_small_trees_every_set_is_safe(void **state)
{
    (void)state;
    property(3000, 8, false, true);
}

static void test_property_larger_trees_no_small_cell_or_difference_derivable(void **state)
{
    (void)state;
    property(400, MAXU, false, false);
}

static void test_property_paired_counts(void **state)
{
    (void)state;
    property(2000, 8, true, true);
}


static void test_paired_change_hides_few_leavers(void **state)
{
    (void)state;
    /* The attack: a unit with 6 respondents last round, 5 this
     * round, all 5 of them pairs: the one who left follows from the two
     * rounds and the paired change. extra2 counts leavers. */
    struct world w = {.k = 5};
    size_t root = unit(&w, NONE, 0, 0);
    size_t a = unit(&w, root, 5, 0);
    size_t b = unit(&w, root, 20, 0);
    w.atoms[root][0] = w.atoms[root][1] = (struct mg_priv_mass){0, 0, 0, 0};
    w.atoms[a][0].extra2 = 1;
    w.atoms[a][1].pop = w.atoms[b][1].pop = 0;
    run(&w);
    assert_int_equal(w.st[a][0][MG_PRIV_ALL], MG_PRIV_SMALL);
    /* The whole holds the leaver too: with it and b shown, a would follow. */
    assert_false(shown(&w, root, 0, MG_PRIV_ALL) && shown(&w, b, 0, MG_PRIV_ALL));
    assert_int_equal(attack(&w, true), 0);
}

/* ---- one decision on the groups, every measure within it ------------------ */

static void test_a_measure_shows_no_group_the_counts_hide(void **state)
{
    (void)state;
    /* One manager in a unit of 26 staff: "all" is shown, the managers are
     * not. A managers-only area must not show its n (the managers' count)
     * for that unit, though 1 manager >= nothing else would stop it. */
    struct world w = {.k = 3};
    size_t root = unit(&w, NONE, 0, 0);
    size_t a = unit(&w, root, 26, 1);
    size_t b = unit(&w, root, 10, 4);
    run(&w);
    assert_true(shown(&w, a, 0, MG_PRIV_ALL) && !shown(&w, a, 0, MG_PRIV_MANAGER));
    /* The area: managers only (staff are not asked), 3 managers of b and
     * the 1 of a answered it, and a's manager counts as a group of 1. */
    struct mg_priv_mass area[3][2] = {{{0, 0, 0, 0}, {0, 0, 0, 0}},
                                      {{0, 0, 0, 0}, {1, 1, 0, 0}},
                                      {{0, 0, 0, 0}, {4, 4, 0, 0}}};
    static const bool managers_only[2] = {false, true};
    enum mg_priv_status st[3][2][3];
    struct mg_priv_tree t = {w.n, w.parent};
    assert_int_equal(mg_privacy_suppress_within(&t, w.k, (const struct mg_priv_mass(*)[2])area,
                                                (const enum mg_priv_status(*)[2][3])w.st, managers_only, st),
                     0);
    assert_false(mg_privacy_shown(st[a][0][MG_PRIV_ALL]));
    assert_int_equal(st[a][0][MG_PRIV_ALL], w.st[a][0][MG_PRIV_MANAGER]); /* the group's reason */
    /* b's managers are hidden too (else the whole minus b gives a's one),
     * so its area is; the whole organisation's managers are shown. */
    assert_int_equal(st[b][0][MG_PRIV_ALL], w.st[b][0][MG_PRIV_MANAGER]);
    assert_true(shown(&w, root, 0, MG_PRIV_MANAGER) && mg_privacy_shown(st[root][0][MG_PRIV_ALL]));
}

static void test_property_measures_within_the_groups(void **state)
{
    (void)state;
    static struct world w, m;
    for (int c = 0; c < 1500; c++) {
        random_world(&w, 10, false);
        run(&w);
        /* A measure: some of each group answered it; one role or both. */
        m = w;
        m.reasons_of_groups = true;
        bool applies[2] = {true, true};
        if (next() % 3 == 0)
            applies[next() % 2] = false;
        for (size_t u = 0; u < w.n; u++)
            for (int r = 0; r < 2; r++) {
                struct mg_priv_mass *a = &m.atoms[u][r];
                a->n = applies[r] && a->n ? a->n - (int64_t)(next() % 2) * (int64_t)(next() % (uint64_t)a->n) : 0;
                a->pop = applies[r] ? a->pop : 0;
            }
        struct mg_priv_tree t = {m.n, m.parent};
        assert_int_equal(mg_privacy_suppress_within(&t, m.k, (const struct mg_priv_mass(*)[2])m.atoms,
                                                    (const enum mg_priv_status(*)[2][3])w.st, applies, m.st),
                         0);
        int problems = attack(&m, true);
        for (size_t u = 0; u < w.n; u++)
            for (int kind = 0; kind < 2; kind++)
                for (int r = 0; r < 3; r++) {
                    if (!mg_privacy_shown(m.st[u][kind][r]))
                        continue;
                    int g = r == MG_PRIV_ALL && applies[0] != applies[1] ? (applies[0] ? 0 : 1) : r;
                    if (!mg_privacy_shown(w.st[u][kind][g])) {
                        printf("case %d: unit %zu kind %d role %d shown, its group is not\n", c, u, kind, r);
                        problems++;
                    }
                }
        if (problems)
            fail_msg("%d problems", problems);
    }
}

/* ---- microdata placement --------------------------------------------------- */

/* The sets of atoms the microdata rows reveal: one per (label, kind,
 * role shown or not, role). Returns how many; checks each holds k. */
static size_t microdata_groups(const struct world *w, int64_t (*sets)[MAXA], int *problems)
{
    struct mg_priv_tree t = {w->n, w->parent};
    size_t nsets = 0;
    size_t key[MAXA][4];
    for (size_t u = 0; u < w->n; u++)
        for (int r = 0; r < 2; r++) {
            /* Atoms without respondents too: a label's rows are known to
             * come from its whole remainder, silent atoms included. */
            size_t label;
            enum mg_priv_kind kind;
            bool role_shown;
            if (!mg_privacy_microdata_place(&t, (const enum mg_priv_status(*)[2][3])w->st, u,
                                            (enum mg_priv_role)r, &label, &kind, &role_shown))
                continue;
            /* The label is the unit itself or one above it, and a shown cell. */
            if (!below(w, u, label) || !mg_privacy_shown(w->st[label][kind][role_shown ? r : MG_PRIV_ALL])) {
                printf("unit %zu role %d placed under %zu, not a shown cell above it\n", u, r, label);
                (*problems)++;
            }
            size_t k4[4] = {label, (size_t)kind, role_shown, role_shown ? (size_t)r : 2};
            size_t i = 0;
            while (i < nsets && memcmp(key[i], k4, sizeof k4) != 0)
                i++;
            if (i == nsets) {
                memcpy(key[nsets], k4, sizeof k4);
                memset(sets[nsets], 0, sizeof sets[nsets]);
                nsets++;
            }
            sets[i][2 * u + (size_t)r] = 1;
        }
    for (size_t i = 0; i < nsets; i++) {
        struct mg_priv_mass m = vec_mass(w, sets[i]);
        if (!mg_privacy_valid(&m, w->k)) {
            printf("microdata group under unit %zu holds %lld rows\n", key[i][0], (long long)m.n);
            (*problems)++;
        }
    }
    return nsets;
}

static void test_microdata_places_one_manager_with_the_staff_above(void **state)
{
    (void)state;
    /* The attack: EKO-INK shows n = 27 for all (26 staff and one
     * manager). Rows of its staff labelled EKO-INK would give the manager
     * by subtraction: they go where both roles are shown, or lose the role. */
    struct world w = {.k = 5};
    size_t eko = unit(&w, NONE, 3, 6);
    size_t ink = unit(&w, eko, 26, 1);
    size_t other = unit(&w, eko, 30, 5);
    run(&w);
    assert_true(shown(&w, ink, 0, MG_PRIV_ALL) && !shown(&w, ink, 0, MG_PRIV_STAFF));
    struct mg_priv_tree t = {w.n, w.parent};
    size_t label;
    enum mg_priv_kind kind;
    bool role_shown;
    assert_true(mg_privacy_microdata_place(&t, (const enum mg_priv_status(*)[2][3])w.st, ink, MG_PRIV_STAFF,
                                           &label, &kind, &role_shown));
    assert_true(label != ink || !role_shown);
    static int64_t sets[MAXA][MAXA];
    int problems = 0;
    size_t n = microdata_groups(&w, sets, &problems);
    assert_int_equal(problems, 0);
    assert_int_equal(attack_with(&w, true, sets, n), 0);
    (void)other;
}

static void test_property_microdata_adds_nothing_derivable(void **state)
{
    (void)state;
    static struct world w;
    static int64_t sets[MAXA][MAXA];
    size_t rows = 0, placed = 0;
    for (int c = 0; c < 2500; c++) {
        random_world(&w, c % 2 ? 8 : 20, false);
        run(&w);
        int problems = 0;
        size_t n = microdata_groups(&w, sets, &problems);
        problems += attack_with(&w, c % 2, sets, n);
        if (problems) {
            printf("case %d: k=%d, %zu units\n", c, w.k, w.n);
            for (size_t u = 0; u < w.n; u++)
                printf("  unit %zu parent %zd staff %lld/%lld managers %lld/%lld\n", u,
                       w.parent[u] == NONE ? (ssize_t)-1 : (ssize_t)w.parent[u], (long long)w.atoms[u][0].n,
                       (long long)w.atoms[u][0].pop, (long long)w.atoms[u][1].n, (long long)w.atoms[u][1].pop);
            fail_msg("%d problems", problems);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < 2 * w.n; a++)
                placed += sets[i][a] ? (size_t)w.atoms[a / 2][a % 2].n : 0;
        for (size_t a = 0; a < 2 * w.n; a++)
            rows += (size_t)w.atoms[a / 2][a % 2].n;
    }
    /* Most rows are released: the test means something. */
    assert_true(placed * 2 > rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suppress_small_group_and_its_last_sibling),
        cmocka_unit_test(test_suppress_hides_a_child_when_the_unit_alone_is_small),
        cmocka_unit_test(test_one_manager_hides_staff_but_not_all),
        cmocka_unit_test(test_managers_of_a_subtree_cannot_be_had_by_difference),
        cmocka_unit_test(test_nobody_invited_is_empty_but_nobody_answering_is_hidden),
        cmocka_unit_test(test_paired_change_hides_few_unpaired_respondents),
        cmocka_unit_test(test_malformed_tree_is_refused),
        cmocka_unit_test(test_property_small_trees_every_set_is_safe),
        cmocka_unit_test(test_property_larger_trees_no_small_cell_or_difference_derivable),
        cmocka_unit_test(test_property_paired_counts),
        cmocka_unit_test(test_paired_change_hides_few_leavers),
        cmocka_unit_test(test_a_measure_shows_no_group_the_counts_hide),
        cmocka_unit_test(test_property_measures_within_the_groups),
        cmocka_unit_test(test_microdata_places_one_manager_with_the_staff_above),
        cmocka_unit_test(test_property_microdata_adds_nothing_derivable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
