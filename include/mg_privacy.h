/* mg_privacy.h: the one suppression layer. Every path that returns
 * aggregates (API, CLI, exports) asks it which cells may be shown; it is
 * pure (no I/O) so it can be tested with attacks and properties.
 *
 * The model. Respondents fall into atoms: a unit (alone) and a role
 * (staff or manager). A cell is a unit's subtree or the unit alone, for
 * staff, managers or all; its figures are sums over its atoms. For one
 * measure (responses, the index, an area, a base service, the paired
 * change) mg_privacy_suppress decides, for the whole round at once, which
 * cells are shown, so that whatever combination of cells a caller fetches,
 * no sum over a set of atoms with fewer than k respondents can be worked
 * out from them by adding and subtracting. docs/indicators.md explains the
 * rule and why the construction below guarantees it. */
#ifndef MG_PRIVACY_H
#define MG_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_PRIV_NONE SIZE_MAX

enum mg_priv_role { MG_PRIV_STAFF = 0, MG_PRIV_MANAGER = 1, MG_PRIV_ALL = 2 };
enum mg_priv_kind { MG_PRIV_SUBTREE = 0, MG_PRIV_ALONE = 1 };

/* What a group holds, for the rule: `n` respondents (for the measure),
 * `pop` people who could have responded (invited, or the expected
 * headcount), and `extra` and `extra2`, further counts that must not be
 * revealed below k either (for paired change: this round's respondents
 * without a pair, the joiners, and the previous round's, the leavers),
 * else 0. */
struct mg_priv_mass {
    int64_t n, pop, extra, extra2;
};

enum mg_priv_status {
    MG_PRIV_SHOWN,         /* at least k respondents: shown */
    MG_PRIV_EMPTY,         /* nobody could respond and nobody did: shown as empty */
    MG_PRIV_SMALL,         /* fewer than k: hidden (primary) */
    MG_PRIV_COMPLEMENTARY, /* hidden so that a small group cannot be derived */
    MG_PRIV_PENDING,       /* an open round's figure: shown once the round has closed */
};

/* The unit tree: `n` units, `parent[i]` the index of unit i's parent or
 * MG_PRIV_NONE; every parent comes before its children (parent[i] < i). */
struct mg_priv_tree {
    size_t n;
    const size_t *parent;
};

/* A group may be shown, or be the remainder of a shown cell: at least k
 * respondents, or nobody at all who could have responded; and `extra` is
 * 0 or at least k. */
bool mg_privacy_valid(const struct mg_priv_mass *m, int k);

/* Decides every cell of one measure. `atoms[u][r]` is unit u's own mass
 * for role r (MG_PRIV_STAFF, MG_PRIV_MANAGER); `out[u][kind][role]`
 * receives the status of each cell (for a unit without children the two
 * kinds are the same cell and get the same status). Returns 0, or -1 when
 * the tree is malformed, k is below 1 or memory runs out. */
int mg_privacy_suppress(const struct mg_priv_tree *tree, int k,
                        const struct mg_priv_mass (*atoms)[2],
                        enum mg_priv_status (*out)[2][3]);

/* The same for a measure that may show a cell only where the round's
 * decision on who responded (`groups`, from mg_privacy_suppress on the
 * response counts) shows that group: a group's size is decided once, so
 * no measure shows an n, or anything n follows from, of a group whose
 * "responded" is hidden. `applies[r]` says whether role r answers the
 * measure at all; a measure only one role answers shows its "all" cell
 * only where that role's group is shown. A cell the decision hides keeps
 * the decision's status (and so its reason). `groups` may be NULL. */
int mg_privacy_suppress_within(const struct mg_priv_tree *tree, int k,
                               const struct mg_priv_mass (*atoms)[2],
                               const enum mg_priv_status (*groups)[2][3], const bool applies[2],
                               enum mg_priv_status (*out)[2][3]);

/* Where research microdata places the respondents of unit `u` in role
 * `role`, consistently with the round's decision `groups` (from
 * mg_privacy_suppress on the response counts): the smallest cell shown
 * for that role (its unit in *label, its kind in *kind, and *role_shown
 * true), else the smallest cell shown for all roles together (*role_shown
 * false: the row's role is left out), else nowhere (returns false). So
 * the rows under one label and role are exactly a remainder of the
 * decision's shown cells, and every shown cell is a union of such row
 * sets: no figure minus the rows placed inside it leaves anyone over. */
bool mg_privacy_microdata_place(const struct mg_priv_tree *tree, const enum mg_priv_status (*groups)[2][3],
                                size_t u, enum mg_priv_role role, size_t *label, enum mg_priv_kind *kind,
                                bool *role_shown);

/* Microdata (one row per response) for one role: the unit each unit's
 * respondents are shown under, so that every unit that appears holds at
 * least k rows. `n[u]` is how many respondents unit u has itself. Rows
 * travel up the tree until they reach a unit whose gathered rows number
 * at least k: that unit is their label (the unit itself when it has k
 * alone). Rows that would reach the top with fewer than k join the
 * smallest group directly below the top instead (that group is then
 * labelled with the top unit). `label[u]` receives the label of unit u's
 * rows, or MG_PRIV_NONE when u has none or when the whole tree has fewer
 * than k (nothing can be shown). Returns 0, or -1 when the tree is
 * malformed, k is below 1 or memory runs out. */
int mg_privacy_generalise(const struct mg_priv_tree *tree, int k, const int64_t *n, size_t *label);

/* True for MG_PRIV_SHOWN and MG_PRIV_EMPTY. */
bool mg_privacy_shown(enum mg_priv_status s);
/* The stable reason code of a hidden cell ("fewer_than_k",
 * "complementary", "round_open"), or NULL for a shown one. */
const char *mg_privacy_reason(enum mg_priv_status s);

#endif
