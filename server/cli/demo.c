/* demo.c: `mognad demo`, a living example in an empty database.
 *
 * It goes through the same code as a real measurement: the units are
 * imported from a CSV file; the series' first round, two years ago, is
 * created, opened, invited from a register, answered and closed on its
 * dates (the process clock is set to them, mg_clock_set); the series'
 * scheduler pass makes last year's round and opens it on its date, and it
 * is invited, answered and closed the same way; then the scheduler makes
 * this year's round and opens it, and about half of its answers come in.
 * Every generated response is scored by scoring.c and stored by
 * mg_store_response, so the aggregates the indicators read are the ones a
 * real round would have. Figures of what people answered are released when
 * a round closes (docs/privacy.md), so it is the two closed rounds that
 * show a trend, the change since the round before and the paired change
 * from the first minute; this year's round shows its counts.
 *
 * The people are generated from a seed: ids demo-00001..., addresses at
 * example.org (RFC 2606), nobody real. Each person has a competence that
 * carries over from one year to the next (so the paired change means
 * something), some people leave and some join between the rounds, units
 * differ, some units improve from one round to the next, the AI area is
 * the weakest (and catching up a little each year), managers score a
 * little higher, and three units are too small to be shown, so suppression
 * is visible too. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mg_auth.h"
#include "mg_buf.h"
#include "mg_cli.h"
#include "mg_clock.h"
#include "mg_config.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_invite.h"
#include "mg_keys.h"
#include "mg_rounds.h"
#include "mg_scheduler.h"
#include "mg_scoring.h"
#include "mg_units.h"

const char mg_cli_demo_usage[] =
    "Usage: mognad demo --units FILE.csv [--links FILE] [--admin LOGIN] [--seed N]\n\n"
    "Fills an EMPTY database with a demonstration, through the same code as a\n"
    "real measurement: the organisation of FILE.csv (code, name, parent_code),\n"
    "a yearly pseudonymous series of three rounds: two years ago and last year,\n"
    "both closed on their own dates with generated responses (so the trend,\n"
    "the change since the round before and the paired change of last year's\n"
    "round are shown), and this year's, opened by the scheduler, with about\n"
    "half of its responses in (its figures come when it closes; until then\n"
    "it shows counts). People leave and join between the rounds. The\n"
    "generated people (demo-00001..., addresses at example.org) are nobody\n"
    "real; the same seed (default 2026) gives the same demo. A few units are\n"
    "too small to be shown, so the privacy rule is visible as well.\n\n"
    "--links FILE   write the personal links of this year's round for those\n"
    "               who have not answered yet as CSV (email,link,language;\n"
    "               mode 0600)\n"
    "--admin LOGIN  create an admin account with a generated password, which\n"
    "               is printed once\n\n"
    "Refuses a database that already holds units or rounds, so it can never\n"
    "mix invented answers into real ones. All or nothing: everything is written\n"
    "in one transaction, and FILE is replaced only once it has committed, so a\n"
    "failed demo leaves the database empty. Needs the surveys loaded (mognad\n"
    "survey load) and the key file (MOGNAD_KEY_FILE).\n";

#define SERIES_NAME "Digital kompetens"
#define DEMO_K 5
/* The rounds of the series: 0 two years ago, 1 last year (both closed),
 * OPEN this year's. */
#define ROUNDS 3
#define OPEN (ROUNDS - 1)

/* ---- a small deterministic random source ------------------------------------ */

struct rng {
    uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static double runif(struct rng *r)
{
    return (double)(rnext(r) >> 11) * 0x1.0p-53;
}

static double rnorm(struct rng *r)
{
    double u = runif(r), v = runif(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* ---- the generated organisation ---------------------------------------------- */

struct dunit {
    int64_t id;
    char code[72];
    bool leaf;
    double effect;  /* how this unit stands, in score points */
    double improve[ROUNDS - 1]; /* how much it moved after each round */
    double share;   /* the share of its people who answer */
};

struct person {
    char id[32], email[48];
    size_t unit;
    bool manager;
    double ability;
    int first, last; /* the rounds they were here: joined in, left after */
    bool answered[ROUNDS];
};

struct demo {
    struct rng rng;
    struct dunit *units;
    size_t nunits;
    struct person *people;
    size_t npeople;
    int64_t series, round[ROUNDS];
    size_t responded[ROUNDS], invited[ROUNDS];
    char msg[512];
};

/* Where each area stands on average in round `which`, in score points from
 * the middle: the picture a baseline measurement typically gives, with AI
 * the weakest area and catching up a little every year. */
static double area_offset(const char *area, int which)
{
    static const struct {
        const char *key;
        double offset;
    } table[] = {{"information", 8},    {"communication", 12}, {"content", 3},
                 {"safety", -2},        {"problem_solving", 0}, {"base_services", 5},
                 {"ai", -18},           {"confidence", 6},      {"leading_change", -4},
                 {"org_capability", -8}, {"org_legacy", -10}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].key, area) == 0)
            return table[i].offset + (strcmp(area, "ai") == 0 ? 3.0 * which : 0.0);
    return 0;
}

MG_DB_STMT(stmt_demo_empty, "SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM rounds)");
MG_DB_STMT(stmt_demo_units,
           "SELECT u.id, u.code, NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) "
           "FROM units u ORDER BY nlevel(u.path), u.code");
MG_DB_STMT(stmt_demo_surveys,
           "SELECT rs.audience, rs.survey_id, s.definition::text FROM round_surveys rs "
           "JOIN surveys s ON s.id = rs.survey_id WHERE rs.round_id = $1::bigint");
MG_DB_STMT(stmt_demo_store,
           "SELECT mg_store_response($1::bigint, $2::bigint, $3::bigint, $4, $5::bytea, 'web', $6::jsonb)");
MG_DB_STMT(stmt_demo_complete,
           "UPDATE invitations SET status = 'completed' WHERE round_id = $1::bigint AND pseudonym = $2::bytea");
MG_DB_STMT(stmt_demo_day, "UPDATE responses SET submitted_on = $2::date WHERE round_id = $1::bigint");
/* A round the scheduler made: its id, name, window and the day its
 * answers are dated (its first week). */
MG_DB_STMT(stmt_demo_round,
           "SELECT id, name, to_char(opens_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
           "to_char(closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
           "to_char((opens_at + interval '6 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
           "FROM rounds WHERE series_id = $1::bigint AND seq = $2::int");

static bool load_units(struct mg_db_conn *conn, struct demo *d)
{
    PGresult *res = NULL;
    if (mg_db_exec(conn, &stmt_demo_units, 0, NULL, &res) < 0) {
        PQclear(res);
        return false;
    }
    d->nunits = (size_t)PQntuples(res);
    d->units = calloc(d->nunits ? d->nunits : 1, sizeof *d->units);
    if (!d->units) {
        PQclear(res);
        return false;
    }
    size_t leaves = 0;
    for (size_t i = 0; i < d->nunits; i++) {
        struct dunit *u = &d->units[i];
        u->id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
        snprintf(u->code, sizeof u->code, "%s", PQgetvalue(res, (int)i, 1));
        u->leaf = strcmp(PQgetvalue(res, (int)i, 2), "t") == 0;
        u->effect = 6.0 * rnorm(&d->rng);
        /* About a third of the units improve clearly after the first
         * round (their action plans worked), the rest stay about where they
         * were; after the second round, see make_people. */
        u->improve[0] = runif(&d->rng) < 0.35 ? 6.0 + 3.0 * runif(&d->rng) : 1.0 * rnorm(&d->rng);
        u->share = 0.45 + 0.45 * runif(&d->rng);
        leaves += u->leaf;
    }
    PQclear(res);
    return leaves > 0;
}

/* Staff and managers per unit: most units 8 to 35 people, every ninth
 * unit without children only 3 staff and a manager (too few to show). */
static bool make_people(struct demo *d)
{
    size_t cap = d->nunits * 40 + 64, leaf_no = 0;
    d->people = calloc(cap, sizeof *d->people);
    if (!d->people)
        return false;
    for (size_t u = 0; u < d->nunits; u++) {
        size_t staff, managers;
        if (d->units[u].leaf) {
            bool small = leaf_no++ % 9 == 4;
            staff = small ? 3 : 8 + (size_t)(rnext(&d->rng) % 28);
            managers = small ? 1 : 1 + (staff > 22);
        } else {
            staff = 2 + (size_t)(rnext(&d->rng) % 5);
            managers = 1;
        }
        for (size_t i = 0; i < staff + managers && d->npeople < cap; i++) {
            struct person *p = &d->people[d->npeople];
            size_t no = d->npeople + 1;
            snprintf(p->id, sizeof p->id, "demo-%05zu", no);
            snprintf(p->email, sizeof p->email, "demo-%05zu@example.org", no);
            p->unit = u;
            p->manager = i >= staff;
            p->ability = 12.0 * rnorm(&d->rng) + (p->manager ? 5.0 : 0.0);
            /* Most were there two years ago and still are; some joined
             * last year or this year, some left after one of the closed
             * rounds. */
            double x = runif(&d->rng);
            p->first = x < 0.04 ? 1 : x < 0.08 ? 2 : 0;
            p->last = x >= 0.08 && x < 0.13 ? 0 : x >= 0.13 && x < 0.18 ? 1 : ROUNDS - 1;
            d->npeople++;
        }
    }
    /* Drawn after the people, so a seed gives the organisation it gave
     * when the demo had two rounds: after the second round fewer units
     * improve clearly, the others a little. */
    for (size_t u = 0; u < d->nunits; u++)
        d->units[u].improve[1] =
            runif(&d->rng) < 0.25 ? 4.0 + 4.0 * runif(&d->rng) : 0.5 + 1.0 * rnorm(&d->rng);
    return true;
}

/* ---- answers ------------------------------------------------------------------ */

static int scale_points(const cJSON *def, const cJSON *item, const cJSON **points)
{
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(def, "scales"),
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "scale")));
    *points = cJSON_GetObjectItemCaseSensitive(scale, "points");
    return cJSON_GetArraySize(*points);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* One person's answers to `def`, as the form would send them. */
static cJSON *make_answers(const cJSON *def, double level, int which, struct rng *r)
{
    cJSON *answers = cJSON_CreateObject(), *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(def, "items")) {
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "key"));
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "type"));
        const char *area = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "area"));
        if (!key || !type || !area)
            continue;
        double s = 50.0 + level + area_offset(area, which) + 15.0 * rnorm(r);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "dont_know")) && runif(r) < 0.04) {
            cJSON_AddStringToObject(answers, key, "dk");
            continue;
        }
        if (strcmp(type, "choice") == 0) {
            const char *correct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "correct"));
            const cJSON *options = cJSON_GetObjectItemCaseSensitive(item, "options");
            int n = cJSON_GetArraySize(options);
            const char *pick = correct;
            if (n > 1 && runif(r) > 0.1 + 0.85 * clamp01(s / 100.0)) {
                int j = (int)(rnext(r) % (uint64_t)n);
                pick = cJSON_GetStringValue(
                    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(options, j), "key"));
            }
            if (pick)
                cJSON_AddStringToObject(answers, key, pick);
            continue;
        }
        const cJSON *points;
        int n = scale_points(def, item, &points);
        if (n < 2)
            continue;
        int i = (int)lround(clamp01(s / 100.0) * (n - 1));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "reverse")))
            i = n - 1 - i;
        char v[24];
        snprintf(v, sizeof v, "%d",
                 cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, i), "value")->valueint);
        cJSON_AddStringToObject(answers, key, v);
    }
    return answers;
}

/* ---- one round's responses, in one transaction --------------------------------- */

struct respond_ctx {
    struct demo *d;
    const struct mg_keys *keys;
    int which;        /* the round: 0 two years ago ... OPEN this year */
    double share;     /* of each unit's share */
    const char *day;  /* the day responses are dated, or NULL for today */
};

static enum mg_qs respond_tx(struct mg_db_conn *conn, void *arg)
{
    struct respond_ctx *c = arg;
    struct demo *d = c->d;
    PGresult *res = NULL;
    char round[24], scope[40];
    cJSON *defs[2] = {NULL, NULL};
    char survey[2][24] = {"", ""};
    enum mg_qs qs;

    snprintf(round, sizeof round, "%lld", (long long)d->round[c->which]);
    snprintf(scope, sizeof scope, "series:%lld", (long long)d->series);
    const char *rp[] = {round};
    if ((qs = mg_db_exec(conn, &stmt_demo_surveys, 1, rp, &res)) < 0)
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        int a = strcmp(PQgetvalue(res, i, 0), "manager") == 0;
        snprintf(survey[a], sizeof survey[a], "%s", PQgetvalue(res, i, 1));
        defs[a] = cJSON_Parse(PQgetvalue(res, i, 2));
    }
    PQclear(res);
    res = NULL;

    d->responded[c->which] = 0;
    for (size_t i = 0; i < d->npeople; i++) {
        struct person *p = &d->people[i];
        bool present = p->first <= c->which && c->which <= p->last;
        int a = p->manager ? 1 : 0;
        p->answered[c->which] = false;
        if (!present || !defs[a] || runif(&d->rng) >= d->units[p->unit].share * c->share)
            continue;
        double level = p->ability + d->units[p->unit].effect + (c->which > 0 ? 2.0 * rnorm(&d->rng) : 0.0);
        for (int j = 0; j < c->which; j++)
            level += d->units[p->unit].improve[j];
        cJSON *answers = make_answers(defs[a], level, c->which, &d->rng);
        struct mg_score score;
        char err[256];
        if (!answers || mg_score_compute(defs[a], answers, &score, err, sizeof err) != 0) {
            snprintf(d->msg, sizeof d->msg, "a generated response did not score: %s", err);
            cJSON_Delete(answers);
            qs = MG_QS_HARD;
            goto out;
        }
        char *payload = mg_score_payload(&score);
        mg_score_free(&score);
        cJSON_Delete(answers);
        if (!payload) {
            qs = MG_QS_HARD;
            goto out;
        }
        struct mg_pseudonym ps;
        char hex[2 + 2 * sizeof ps.h + 1], unit[24];
        mg_keys_pseudonym(c->keys, scope, p->id, &ps);
        memcpy(hex, "\\x", 2);
        sodium_bin2hex(hex + 2, sizeof hex - 2, ps.h, sizeof ps.h);
        snprintf(unit, sizeof unit, "%lld", (long long)d->units[p->unit].id);
        const char *sp[] = {round, survey[a], unit, p->manager ? "manager" : "staff", hex, payload};
        qs = mg_db_exec(conn, &stmt_demo_store, 6, sp, NULL);
        free(payload);
        const char *cp[] = {round, hex};
        if (qs < 0 || (qs = mg_db_exec(conn, &stmt_demo_complete, 2, cp, NULL)) < 0)
            goto out;
        p->answered[c->which] = true;
        d->responded[c->which]++;
    }
    if (c->day) {
        const char *dp[] = {round, c->day};
        if ((qs = mg_db_exec(conn, &stmt_demo_day, 2, dp, NULL)) < 0)
            goto out;
    }
    qs = MG_QS_ROWS;
out:
    PQclear(res);
    cJSON_Delete(defs[0]);
    cJSON_Delete(defs[1]);
    return qs;
}

/* ---- invitations ------------------------------------------------------------ */

static bool invite(struct mg_db_conn *conn, const struct mg_keys *keys, struct demo *d, int which,
                   const char *base_url, FILE *links)
{
    struct mg_invitee *rows = calloc(d->npeople ? d->npeople : 1, sizeof *rows);
    struct mg_buf problems = {0};
    struct mg_invite_counts counts = {0};
    size_t n = 0;
    if (!rows)
        return false;
    for (size_t i = 0; i < d->npeople; i++) {
        const struct person *p = &d->people[i];
        if (which < p->first || which > p->last)
            continue;
        rows[n] = (struct mg_invitee){p->id, p->email, d->units[p->unit].code,
                                      p->manager ? "manager" : "staff", NULL, (int)n + 2};
        n++;
    }
    struct mg_invite_out out = {.csv = links, .base_url = base_url};
    int rc = mg_invite_run(conn, keys, d->round[which], "demo register", rows, n, &out, &counts, &problems,
                           d->msg, sizeof d->msg);
    if (rc != 0 && problems.len)
        snprintf(d->msg, sizeof d->msg, "%.*s", (int)problems.len, problems.data);
    d->invited[which] = counts.invited;
    mg_buf_free(&problems);
    free(rows);
    return rc == 0;
}

/* Keeps the lines of the links CSV of people who have not answered,
 * writing them to `f` from its start. */
static bool write_links(FILE *f, const char *csv, const struct demo *d, size_t *written)
{
    *written = 0;
    if (fseek(f, 0, SEEK_SET) != 0 || ftruncate(fileno(f), 0) != 0)
        return false;
    const char *line = csv;
    bool header = true;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        unsigned long no = 0;
        bool keep = header;
        if (!header && sscanf(line, "demo-%5lu@", &no) == 1 && no >= 1 && no <= d->npeople)
            keep = !d->people[no - 1].answered[OPEN];
        if (keep) {
            fwrite(line, 1, len, f);
            *written += !header;
        }
        header = false;
        line += len;
    }
    return fflush(f) == 0 && fsync(fileno(f)) == 0;
}

/* ---- the whole demo ----------------------------------------------------------- */

static void iso(time_t t, char *out, size_t len, const char *fmt)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, fmt, &tm);
}

static bool random_password(char *out, size_t len)
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    if (len < 21)
        return false;
    for (size_t i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[20] = '\0';
    return true;
}

/* What the demo's one transaction needs and what it leaves for the lines
 * printed after the commit. */
struct demo_ctx {
    const struct mg_keys *keys;
    const char *units_path, *admin, *base_url;
    uint64_t seed;
    const struct mg_csv *csv;
    FILE *links;       /* the links file being written, or NULL */
    struct demo d;
    char name[ROUNDS - 1][96]; /* the closed rounds' */
    size_t written;    /* lines in the links file */
    char password[32]; /* the admin's */
    bool not_empty;
    struct mg_buf problems;
};

static void demo_reset(struct demo_ctx *c)
{
    free(c->d.units);
    free(c->d.people);
    memset(&c->d, 0, sizeof c->d);
    c->d.rng.s = c->seed * 0x9E3779B97F4A7C15ULL + 1;
    mg_buf_free(&c->problems);
    sodium_memzero(c->password, sizeof c->password);
    c->not_empty = false;
}

/* One scheduler pass at `at` (NULL: now), with the process clock there. */
static bool scheduler_at(struct mg_db_conn *conn, struct demo *d, const char *at)
{
    char now[40];
    mg_clock_set(at);
    mg_clock_now(now, sizeof now);
    if (mg_scheduler_pass(conn, now) < 0) {
        snprintf(d->msg, sizeof d->msg, "the scheduler pass at %s failed", now);
        return false;
    }
    return true;
}

/* The round the scheduler made as round `which` of the series: its id in
 * d->round[which], its name, window and the day its answers are dated. */
static bool series_round(struct mg_db_conn *conn, struct demo *d, int which, char name[96], char opens[40],
                         char closes[40], char day[16])
{
    char sid[24], seq[16];
    PGresult *res = NULL;
    snprintf(sid, sizeof sid, "%lld", (long long)d->series);
    snprintf(seq, sizeof seq, "%d", which + 1);
    const char *p[] = {sid, seq};
    if (mg_db_exec(conn, &stmt_demo_round, 2, p, &res) != MG_QS_ROWS) {
        snprintf(d->msg, sizeof d->msg, "the scheduler did not make round %d of the series", which + 1);
        PQclear(res);
        return false;
    }
    d->round[which] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(name, 96, "%s", PQgetvalue(res, 0, 1));
    snprintf(opens, 40, "%s", PQgetvalue(res, 0, 2));
    snprintf(closes, 40, "%s", PQgetvalue(res, 0, 3));
    snprintf(day, 16, "%s", PQgetvalue(res, 0, 4));
    PQclear(res);
    return true;
}

/* An open round of the past, `which`, on its own dates: everyone there
 * then is invited and answers (dated `day`), and it closes at `closes`. */
static bool closed_round(struct mg_db_conn *conn, struct demo_ctx *c, int which, const char *opens,
                         const char *closes, const char *day)
{
    struct demo *d = &c->d;
    mg_clock_set(opens);
    if (!invite(conn, c->keys, d, which, c->base_url, NULL))
        return false;
    struct respond_ctx r = {d, c->keys, which, 1.0, day};
    if (mg_db_tx(conn, respond_tx, &r) < 0)
        return false;
    mg_clock_set(closes);
    return mg_round_transition(conn, d->round[which], MG_ROUND_CLOSE, false, NULL, MG_ACTOR("demo"), d->msg,
                               sizeof d->msg) == MG_OK;
}

/* The whole demo in one transaction: units, the three rounds, their answers, the
 * links file's content and the admin account, or nothing at all (a full
 * disk, an unwritable links file or a killed process leave the database as
 * empty as it was, so the next start can make the demo again). The steps
 * run the same library calls as a real measurement; their own transactions
 * become savepoints inside this one (mg_db_tx). */
static enum mg_qs demo_tx(struct mg_db_conn *conn, void *arg)
{
    struct demo_ctx *c = arg;
    struct demo *d = &c->d;
    PGresult *res = NULL;
    char *links_csv = NULL;
    size_t links_len = 0;
    FILE *links = NULL;
    struct mg_units_counts ucounts = {0};
    enum mg_qs qs = MG_QS_HARD;

    demo_reset(c); /* a retried transaction starts over */
    if ((qs = mg_db_exec(conn, &stmt_demo_empty, 0, NULL, &res)) < 0) {
        snprintf(d->msg, sizeof d->msg, "cannot read the database");
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
        c->not_empty = true;
        qs = MG_QS_HARD;
        goto out;
    }
    PQclear(res);
    res = NULL;
    qs = MG_QS_HARD;

    if (mg_units_import(conn, c->units_path, c->csv, &ucounts, &c->problems) != 0) {
        if (!c->problems.len)
            snprintf(d->msg, sizeof d->msg, "the units of %s could not be imported", c->units_path);
        goto out;
    }
    if (!load_units(conn, d) || !make_people(d)) {
        snprintf(d->msg, sizeof d->msg, "%s has no units to put people in", c->units_path);
        goto out;
    }

    /* The series' first round: opened 385 + 365 days ago at 07:00, open
     * three weeks. The scheduler makes the next ones a year apart. */
    time_t now = time(NULL), d0 = now - (time_t)(385 + 365) * 86400;
    d0 -= d0 % 86400;
    d0 += 7 * 3600;
    time_t c0 = d0 + 21 * 86400 + 8 * 3600;
    char opens[40], closes[40], before[40], day[16], root[72];
    iso(d0, opens, sizeof opens, "%Y-%m-%dT%H:%M:%SZ");
    iso(c0, closes, sizeof closes, "%Y-%m-%dT%H:%M:%SZ");
    iso(d0 - 86400, before, sizeof before, "%Y-%m-%dT%H:%M:%SZ");
    iso(d0 + 6 * 86400, day, sizeof day, "%Y-%m-%d");
    iso(d0, c->name[0], sizeof c->name[0], SERIES_NAME " %Y-%m");
    snprintf(root, sizeof root, "%s", d->units[0].code);

    mg_clock_set(before);
    struct mg_round_spec spec = {.name = c->name[0], .opens = opens, .closes = closes, .mode = "pseudonymous",
                                 .language = "sv", .unit_code = root, .k = DEMO_K};
    if (mg_round_create(conn, &spec, MG_ACTOR("demo"), &d->round[0], d->msg, sizeof d->msg) != MG_OK)
        goto out;
    struct mg_series_spec sspec = {.name = SERIES_NAME, .every = "12months", .duration = "6weeks",
                                   .template_round = d->round[0]};
    if (mg_series_create(conn, &sspec, MG_ACTOR("demo"), &d->series, d->msg, sizeof d->msg) != MG_OK)
        goto out;
    mg_clock_set(opens);
    if (mg_round_transition(conn, d->round[0], MG_ROUND_OPEN, false, NULL, MG_ACTOR("demo"), d->msg,
                            sizeof d->msg) != MG_OK)
        goto out;
    if (!closed_round(conn, c, 0, opens, closes, day))
        goto out;

    /* Last year's round: made by the scheduler when the first closed, and
     * opened by it on its date, as in service; then answered and closed on
     * its own dates like the first. */
    if (!scheduler_at(conn, d, closes) || !series_round(conn, d, 1, c->name[1], opens, closes, day) ||
        !scheduler_at(conn, d, opens) || !closed_round(conn, c, 1, opens, closes, day))
        goto out;

    /* This year's round: made and opened by the scheduler, now. */
    for (int pass = 0; pass < 2; pass++)
        if (!scheduler_at(conn, d, NULL))
            goto out;
    char name[96];
    if (!series_round(conn, d, OPEN, name, opens, closes, day))
        goto out;
    links = open_memstream(&links_csv, &links_len);
    if (!links || !invite(conn, c->keys, d, OPEN, c->base_url, links))
        goto out;
    fclose(links);
    links = NULL;
    struct respond_ctx r = {d, c->keys, OPEN, 0.6, NULL};
    if (mg_db_tx(conn, respond_tx, &r) < 0)
        goto out;

    if (c->links && !write_links(c->links, links_csv ? links_csv : "", d, &c->written)) {
        snprintf(d->msg, sizeof d->msg, "cannot write the links: %s", strerror(errno));
        goto out;
    }
    if (c->admin) {
        char msg[256] = "";
        if (!random_password(c->password, sizeof c->password) ||
            mg_auth_user_add(conn, c->admin, MG_ROLE_ADMIN, NULL, c->password, msg, sizeof msg) != MG_OK) {
            snprintf(d->msg, sizeof d->msg, "cannot create the admin account: %s", msg);
            goto out;
        }
    }
    qs = MG_QS_ROWS;
out:
    mg_clock_set(NULL);
    if (links)
        fclose(links);
    free(links_csv);
    PQclear(res);
    return qs;
}

static int run_demo(struct mg_db_conn *conn, const struct mg_keys *keys, const char *units_path,
                    const char *links_path, const char *admin, uint64_t seed, const char *base_url)
{
    struct mg_csv csv = {0};
    struct demo_ctx c = {.keys = keys, .units_path = units_path, .admin = admin, .base_url = base_url,
                         .seed = seed, .csv = &csv};
    char *tmp = NULL;
    int rc = MG_EXIT_FAIL;

    if (mg_cli_read_csv("demo", units_path, &csv) != 0)
        goto out;
    /* The links go to a new file beside FILE first, made before anything is
     * written to the database (an unwritable place stops the demo there),
     * and take FILE's name only once the database has committed. */
    if (links_path) {
        size_t n = strlen(links_path) + sizeof ".XXXXXX";
        int fd = -1;
        if ((tmp = malloc(n)) != NULL) {
            snprintf(tmp, n, "%s.XXXXXX", links_path);
            fd = mkostemp(tmp, O_CLOEXEC);
        }
        if (fd < 0 || !(c.links = fdopen(fd, "w"))) {
            fprintf(stderr, "mognad demo: cannot write %s: %s; nothing was written\n", links_path,
                    strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlink(tmp);
            }
            free(tmp);
            tmp = NULL;
            goto out;
        }
    }

    if (mg_db_tx(conn, demo_tx, &c) < 0) {
        if (c.not_empty)
            fprintf(stderr, "mognad demo: the database already holds units or rounds; the demo is only made "
                            "in an empty database\n");
        else if (c.problems.len)
            fprintf(stderr, "%.*s", (int)c.problems.len, c.problems.data);
        else
            fprintf(stderr, "mognad demo: %s; nothing was written\n",
                    c.d.msg[0] ? c.d.msg : "the database refused a step");
        goto out;
    }
    if (c.links) {
        FILE *f = c.links;
        c.links = NULL;
        if (fclose(f) != 0 || rename(tmp, links_path) != 0) {
            fprintf(stderr, "mognad demo: the demo is in the database, but its links could not be put in %s: "
                            "%s (they are in %s)\n",
                    links_path, strerror(errno), tmp);
            free(tmp);
            tmp = NULL;
            goto out;
        }
        free(tmp);
        tmp = NULL;
    }

    struct demo *d = &c.d;
    printf("demo: %zu units from %s, %zu people (demo-00001..., nobody real)\n", d->nunits, units_path,
           d->npeople);
    /* Tests and scripts read the first `round N "` (the most recent closed
     * round) and `round N open`; the first round's line comes after. */
    printf("demo: series %lld \"%s\": round %lld \"%s\" closed, %zu of %zu answered; round %lld open, "
           "%zu of %zu answered so far\n",
           (long long)d->series, SERIES_NAME, (long long)d->round[OPEN - 1], c.name[OPEN - 1],
           d->responded[OPEN - 1], d->invited[OPEN - 1], (long long)d->round[OPEN], d->responded[OPEN],
           d->invited[OPEN]);
    printf("demo: the series began a year earlier with round %lld (%s), closed, %zu of %zu answered\n",
           (long long)d->round[0], c.name[0], d->responded[0], d->invited[0]);
    if (links_path)
        printf("demo: the links of the %zu who have not answered round %lld yet are in %s\n", c.written,
               (long long)d->round[OPEN], links_path);
    if (admin)
        printf("demo: admin account \"%s\", password %s (shown only now; change it with mognad user "
               "passwd %s)\n",
               admin, c.password, admin);
    rc = MG_EXIT_OK;

out:
    if (c.links) {
        fclose(c.links);
        unlink(tmp);
    }
    free(tmp);
    sodium_memzero(c.password, sizeof c.password);
    mg_buf_free(&c.problems);
    free(c.d.units);
    free(c.d.people);
    mg_csv_free(&csv);
    return rc;
}

int mg_cli_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"units", required_argument, NULL, 'u'},
                                         {"links", required_argument, NULL, 'l'},
                                         {"admin", required_argument, NULL, 'a'},
                                         {"seed", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    const char *units = NULL, *links = NULL, *admin = NULL;
    uint64_t seed = 2026;
    int ch;

    if (mg_cli_help_requested(argc, argv, mg_cli_demo_usage))
        return MG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            units = optarg;
            break;
        case 'l':
            links = optarg;
            break;
        case 'a':
            admin = optarg;
            break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (!*optarg || *end || *optarg == '-' || errno)
                return mg_cli_usage_error("demo", "--seed: \"%s\" is not a whole number", optarg);
            seed = v;
            break;
        }
        case ':':
            return mg_cli_usage_error("demo", "%s needs a value", argv[optind - 1]);
        default:
            return mg_cli_usage_error("demo", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return mg_cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);
    if (!units)
        return mg_cli_usage_error("demo", "needs --units FILE.csv");

    struct mg_config cfg;
    char cerr[256];
    if (mg_config_load(&cfg, (mg_config_getenv)getenv, cerr, sizeof cerr) != 0) {
        fprintf(stderr, "mognad demo: %s\n", cerr);
        return MG_EXIT_FAIL;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "mognad demo: libsodium failed to start\n");
        return MG_EXIT_FAIL;
    }
    struct mg_keys keys;
    if (mg_cli_load_keys("demo", &keys) != 0)
        return MG_EXIT_FAIL;
    struct mg_db *db = mg_db_open(getenv("DATABASE_URL"), 1);
    struct mg_db_conn *conn = db ? mg_db_acquire(db) : NULL;
    int rc = MG_EXIT_FAIL;
    if (!conn)
        fprintf(stderr, "mognad demo: cannot connect to the database (is DATABASE_URL right?)\n");
    else
        rc = run_demo(conn, &keys, units, links, admin, seed, cfg.public_url);
    mg_config_free(&cfg);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    mg_keys_wipe(&keys);
    return rc;
}
