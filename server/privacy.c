/* privacy.c: primary and complementary suppression of one measure over
 * the unit tree and the roles, for a whole round at once.
 *
 * Cells form a forest: S(u), unit u with its subtree, has as children
 * A(u), the unit alone (only when u has children: for a leaf the two are
 * the same set), and S(c) of each child unit c. Shown cells of one role
 * layer form a laminar family, and what can be derived from a laminar
 * family by adding and subtracting is exactly the sums over its
 * remainders: each shown cell minus the largest shown cells inside it.
 * So a layer is safe when every remainder is valid (mg_privacy_valid).
 *
 * Roles: a cell shows either nothing, or "all" only, or all three of
 * staff, managers and all ("split"). The remainders of the "all" layer
 * must be valid for all roles together; the remainders of the split cells
 * (a subfamily of the shown "all" cells) must be valid for staff and for
 * managers separately. Then any set of atoms reachable by combining cells
 * of all three layers is a union of valid pieces (see docs/indicators.md),
 * so it is either empty or holds at least k respondents.
 *
 * Each layer is made safe in one bottom-up pass: a shown cell whose
 * remainder is not valid first hides the smallest shown cell inside it
 * whose remainder makes it valid, and hides itself when none does (its
 * remainder then joins its parent's, which is checked later in the pass). */
#include "mg_privacy.h"

#include <stdlib.h>

bool mg_privacy_valid(const struct mg_priv_mass *m, int k)
{
    bool n_ok = m->n >= k || (m->n == 0 && m->pop == 0);
    bool extra_ok = (m->extra == 0 || m->extra >= k) && (m->extra2 == 0 || m->extra2 >= k);
    return n_ok && extra_ok;
}

bool mg_privacy_shown(enum mg_priv_status s)
{
    return s == MG_PRIV_SHOWN || s == MG_PRIV_EMPTY;
}

const char *mg_privacy_reason(enum mg_priv_status s)
{
    switch (s) {
    case MG_PRIV_SHOWN:
    case MG_PRIV_EMPTY:
        return NULL;
    case MG_PRIV_SMALL:
        return "fewer_than_k";
    case MG_PRIV_COMPLEMENTARY:
        return "complementary";
    case MG_PRIV_PENDING:
        return "round_open";
    }
    return "complementary";
}

static bool is_empty(const struct mg_priv_mass *m)
{
    return m->n == 0 && m->pop == 0 && m->extra == 0 && m->extra2 == 0;
}

static void mass_add(struct mg_priv_mass *into, const struct mg_priv_mass *m)
{
    into->n += m->n;
    into->pop += m->pop;
    into->extra += m->extra;
    into->extra2 += m->extra2;
}

/* The cell forest: node 2u is S(u), node 2u + 1 is A(u). */
struct forest {
    size_t nodes;
    size_t *parent, *first_child, *next_sibling;
    bool *exists;
    struct mg_priv_mass (*mass)[3]; /* per node: staff, managers, all */
    struct mg_priv_mass (*own)[3];  /* atoms held directly, not by a child node */
    struct mg_priv_mass (*rem)[3];  /* remainder in the layer being made safe */
};

/* One layer: which roles its remainders are checked for, and which nodes
 * it shows. */
struct layer {
    const enum mg_priv_role *roles;
    size_t nroles;
    bool *shown;
};

static bool rem_valid(const struct forest *f, const struct layer *l, size_t node,
                      const struct mg_priv_mass (*plus)[3], int k)
{
    for (size_t i = 0; i < l->nroles; i++) {
        struct mg_priv_mass m = f->rem[node][l->roles[i]];
        if (plus)
            mass_add(&m, &(*plus)[l->roles[i]]);
        if (!mg_privacy_valid(&m, k))
            return false;
    }
    return true;
}

/* The smallest shown cell inside `node` (not below another shown one)
 * whose remainder would make `node`'s valid; MG_PRIV_NONE when none. */
static size_t find_candidate(const struct forest *f, const struct layer *l, size_t node, int k,
                             size_t *stack)
{
    size_t best = MG_PRIV_NONE, top = 0;
    for (size_t c = f->first_child[node]; c != MG_PRIV_NONE; c = f->next_sibling[c])
        stack[top++] = c;
    while (top > 0) {
        size_t y = stack[--top];
        if (!l->shown[y]) {
            for (size_t c = f->first_child[y]; c != MG_PRIV_NONE; c = f->next_sibling[c])
                stack[top++] = c;
            continue;
        }
        if (!rem_valid(f, l, node, (const struct mg_priv_mass(*)[3])&f->rem[y], k))
            continue;
        if (best == MG_PRIV_NONE || f->mass[y][MG_PRIV_ALL].n < f->mass[best][MG_PRIV_ALL].n ||
            /* cppcheck-suppress arrayIndexThenCheck ; `y < best` breaks ties, it is no bounds check */
            (f->mass[y][MG_PRIV_ALL].n == f->mass[best][MG_PRIV_ALL].n && y < best))
            best = y;
    }
    return best;
}

/* Makes one layer safe; `order` lists the nodes children first. */
static void make_safe(struct forest *f, struct layer *l, const size_t *order, size_t norder, int k,
                      size_t *stack)
{
    for (size_t i = 0; i < norder; i++) {
        size_t node = order[i];
        for (int r = 0; r < 3; r++)
            f->rem[node][r] = f->own[node][r];
        for (size_t c = f->first_child[node]; c != MG_PRIV_NONE; c = f->next_sibling[c])
            if (!l->shown[c])
                for (int r = 0; r < 3; r++)
                    mass_add(&f->rem[node][r], &f->rem[c][r]);
        if (!l->shown[node] || rem_valid(f, l, node, NULL, k))
            continue;
        size_t y = find_candidate(f, l, node, k, stack);
        if (y == MG_PRIV_NONE) {
            l->shown[node] = false;
            continue;
        }
        /* Hide y: its remainder joins every hidden cell above it up to
         * `node`, and `node` itself. */
        l->shown[y] = false;
        for (size_t x = f->parent[y];; x = f->parent[x]) {
            for (int r = 0; r < 3; r++)
                mass_add(&f->rem[x][r], &f->rem[y][r]);
            if (x == node)
                break;
        }
    }
}

static enum mg_priv_status status_of(const struct mg_priv_mass *m, bool shown, int k)
{
    if (shown)
        return is_empty(m) ? MG_PRIV_EMPTY : MG_PRIV_SHOWN;
    return mg_privacy_valid(m, k) ? MG_PRIV_COMPLEMENTARY : MG_PRIV_SMALL;
}

int mg_privacy_suppress(const struct mg_priv_tree *tree, int k,
                        const struct mg_priv_mass (*atoms)[2],
                        enum mg_priv_status (*out)[2][3])
{
    static const bool both[2] = {true, true};
    return mg_privacy_suppress_within(tree, k, atoms, NULL, both, out);
}

/* Node `node` of the forest as (unit, kind). */
static void node_cell(const struct forest *f, size_t node, size_t *u, int *kind)
{
    *u = node / 2;
    *kind = node % 2 == 1 && f->exists[node] ? MG_PRIV_ALONE : MG_PRIV_SUBTREE;
}

/* May the decision `groups` let a measure show `node` for `role`? */
static bool allowed(const struct forest *f, const enum mg_priv_status (*groups)[2][3], const bool applies[2],
                    size_t node, int role)
{
    if (!groups)
        return true;
    size_t u;
    int kind;
    node_cell(f, node, &u, &kind);
    /* The "all" cell of a measure one role answers is that role's group. */
    if (role == MG_PRIV_ALL && applies[MG_PRIV_STAFF] != applies[MG_PRIV_MANAGER])
        role = applies[MG_PRIV_STAFF] ? MG_PRIV_STAFF : MG_PRIV_MANAGER;
    return mg_privacy_shown(groups[u][kind][role]);
}

int mg_privacy_suppress_within(const struct mg_priv_tree *tree, int k,
                               const struct mg_priv_mass (*atoms)[2],
                               const enum mg_priv_status (*groups)[2][3], const bool applies[2],
                               enum mg_priv_status (*out)[2][3])
{
    static const enum mg_priv_role all_roles[] = {MG_PRIV_ALL};
    static const enum mg_priv_role split_roles[] = {MG_PRIV_STAFF, MG_PRIV_MANAGER};
    struct forest f = {0};
    size_t n = tree->n, *order = NULL, *stack = NULL, norder = 0;
    bool *shown_all = NULL, *shown_split = NULL;
    int rc = -1;

    if (k < 1)
        return -1;
    for (size_t u = 0; u < n; u++)
        if (tree->parent[u] != MG_PRIV_NONE && tree->parent[u] >= u)
            return -1;
    if (n == 0)
        return 0;
    f.nodes = 2 * n;
    f.parent = malloc(f.nodes * sizeof *f.parent);
    f.first_child = malloc(f.nodes * sizeof *f.first_child);
    f.next_sibling = malloc(f.nodes * sizeof *f.next_sibling);
    f.exists = calloc(f.nodes, sizeof *f.exists);
    f.mass = calloc(f.nodes, sizeof *f.mass);
    f.own = calloc(f.nodes, sizeof *f.own);
    f.rem = calloc(f.nodes, sizeof *f.rem);
    order = malloc(f.nodes * sizeof *order);
    stack = malloc(f.nodes * sizeof *stack);
    shown_all = calloc(f.nodes, sizeof *shown_all);
    shown_split = calloc(f.nodes, sizeof *shown_split);
    if (!f.parent || !f.first_child || !f.next_sibling || !f.exists || !f.mass || !f.own ||
        !f.rem || !order || !stack || !shown_all || !shown_split)
        goto cleanup;

    for (size_t i = 0; i < f.nodes; i++)
        f.parent[i] = f.first_child[i] = f.next_sibling[i] = MG_PRIV_NONE;
    /* Which units have children: those get an A node. */
    for (size_t u = 0; u < n; u++)
        f.exists[2 * u] = true;
    for (size_t u = 0; u < n; u++)
        if (tree->parent[u] != MG_PRIV_NONE)
            f.exists[2 * tree->parent[u] + 1] = true;
    /* Links, own atoms and masses: children before parents. */
    for (size_t u = n; u-- > 0;) {
        size_t s = 2 * u, a = 2 * u + 1;
        struct mg_priv_mass own[3] = {atoms[u][0], atoms[u][1], atoms[u][0]};
        mass_add(&own[MG_PRIV_ALL], &atoms[u][1]);
        size_t holder = f.exists[a] ? a : s;
        for (int r = 0; r < 3; r++) {
            f.own[holder][r] = own[r];
            mass_add(&f.mass[holder][r], &own[r]);
        }
        if (f.exists[a]) {
            f.parent[a] = s;
            f.next_sibling[a] = f.first_child[s];
            f.first_child[s] = a;
            for (int r = 0; r < 3; r++)
                mass_add(&f.mass[s][r], &f.mass[a][r]);
            order[norder++] = a;
        }
        order[norder++] = s;
        if (tree->parent[u] != MG_PRIV_NONE) {
            size_t ps = 2 * tree->parent[u];
            f.parent[s] = ps;
            f.next_sibling[s] = f.first_child[ps];
            f.first_child[ps] = s;
            for (int r = 0; r < 3; r++)
                mass_add(&f.mass[ps][r], &f.mass[s][r]);
        }
    }
    /* Links were pushed at the front: that puts siblings in unit order,
     * with the A node last. Order does not change what is safe, only which
     * of two equal candidates is taken, and that stays deterministic. */

    /* Primary suppression and the "all" layer. */
    for (size_t i = 0; i < f.nodes; i++)
        shown_all[i] = f.exists[i] && mg_privacy_valid(&f.mass[i][MG_PRIV_ALL], k) &&
                       allowed(&f, groups, applies, i, MG_PRIV_ALL);
    struct layer all = {all_roles, 1, shown_all};
    make_safe(&f, &all, order, norder, k, stack);

    /* The split layer, among the cells the "all" layer shows. */
    for (size_t i = 0; i < f.nodes; i++)
        shown_split[i] = shown_all[i] && mg_privacy_valid(&f.mass[i][MG_PRIV_STAFF], k) &&
                         mg_privacy_valid(&f.mass[i][MG_PRIV_MANAGER], k) &&
                         allowed(&f, groups, applies, i, MG_PRIV_STAFF) &&
                         allowed(&f, groups, applies, i, MG_PRIV_MANAGER);
    struct layer split = {split_roles, 2, shown_split};
    make_safe(&f, &split, order, norder, k, stack);

    for (size_t u = 0; u < n; u++) {
        for (int kind = 0; kind < 2; kind++) {
            size_t node = kind == MG_PRIV_ALONE && f.exists[2 * u + 1] ? 2 * u + 1 : 2 * u;
            for (int r = 0; r < 3; r++) {
                bool shown = r == MG_PRIV_ALL ? shown_all[node] : shown_split[node];
                if (!shown && !allowed(&f, groups, applies, node, r)) {
                    /* Hidden by the decision on the group: its reason. */
                    int g = r == MG_PRIV_ALL && applies[MG_PRIV_STAFF] != applies[MG_PRIV_MANAGER]
                                ? (applies[MG_PRIV_STAFF] ? MG_PRIV_STAFF : MG_PRIV_MANAGER)
                                : r;
                    out[u][kind][r] = groups[u][kind][g];
                    continue;
                }
                out[u][kind][r] = status_of(&f.mass[node][r], shown, k);
            }
        }
    }
    rc = 0;

cleanup:
    free(f.parent);
    free(f.first_child);
    free(f.next_sibling);
    free(f.exists);
    free(f.mass);
    free(f.own);
    free(f.rem);
    free(order);
    free(stack);
    free(shown_all);
    free(shown_split);
    return rc;
}

/* ---- microdata ------------------------------------------------------------ */

bool mg_privacy_microdata_place(const struct mg_priv_tree *tree, const enum mg_priv_status (*groups)[2][3],
                                size_t u, enum mg_priv_role role, size_t *label, enum mg_priv_kind *kind,
                                bool *role_shown)
{
    if (u >= tree->n)
        return false;
    /* A unit's own respondents are in A(u) (when it has children), then in
     * S(u), then in the subtree of each unit above it: smallest first. */
    bool has_children = false;
    for (size_t c = u + 1; c < tree->n && !has_children; c++)
        has_children = tree->parent[c] == u;
    for (int pass = 0; pass < 2; pass++) {
        enum mg_priv_role r = pass == 0 ? role : MG_PRIV_ALL;
        for (size_t x = u; x != MG_PRIV_NONE; x = tree->parent[x]) {
            if (x == u && has_children && groups[x][MG_PRIV_ALONE][r] == MG_PRIV_SHOWN) {
                *label = x, *kind = MG_PRIV_ALONE, *role_shown = pass == 0;
                return true;
            }
            if (groups[x][MG_PRIV_SUBTREE][r] == MG_PRIV_SHOWN) {
                *label = x, *kind = has_children || x != u ? MG_PRIV_SUBTREE : MG_PRIV_ALONE;
                *role_shown = pass == 0;
                return true;
            }
        }
    }
    return false;
}
