/* round.c: `mognad round ...` and `mognad series ...` on the rounds module. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_config.h"
#include "mg_db.h"
#include "mg_invite.h"
#include "mg_keys.h"
#include "mg_rounds.h"

const char mg_cli_round_usage[] =
    "Usage: mognad round create --name NAME --opens TIME --closes TIME --mode MODE\n"
    "                           [--k N] [--staff-survey KEY[:VERSION]]\n"
    "                           [--manager-survey KEY[:VERSION]] [--unit CODE]\n"
    "                           [--language sv|nb|nn|en]\n"
    "       mognad round set ROUND [the same options; 'none' drops a survey]\n"
    "       mognad round open ROUND [--reopen] [--closes TIME]\n"
    "       mognad round close ROUND\n"
    "       mognad round list [--json]\n"
    "       mognad round show ROUND [--json]\n"
    "       mognad round links ROUND        (open rounds: one link per unit, as CSV)\n\n"
    "A round is one measurement. MODE is pseudonymous (invitation links, one\n"
    "response per person, revisable until close, linked across the rounds of a\n"
    "series), anonymous (single-use invitation links, nothing linked) or open\n"
    "(one link per unit). K is the minimum group size (default 5, at least 3).\n"
    "TIME is ISO 8601: 2027-03-01 or 2027-03-01T08:00+01:00. Without survey\n"
    "options the latest 'staff' and 'manager' surveys are used. The scheduler in\n"
    "'mognad serve' opens and closes rounds on time; open and close act now.\n"
    "Links start with MOGNAD_PUBLIC_URL (default http://MOGNAD_LISTEN).\n";

const char mg_cli_series_usage[] =
    "Usage: mognad series create --name NAME --every PERIOD --duration LENGTH\n"
    "                            --template ROUND [--pseudonym-retention PERIOD]\n"
    "                            [--response-retention PERIOD]\n"
    "       mognad series list [--json]\n\n"
    "A series repeats a template round: every PERIOD (12months, 1year) a new round\n"
    "is made from the previous one, open for LENGTH (21days, 3weeks). Retention:\n"
    "pseudonyms are removed PERIOD after the last round closed; response rows are\n"
    "deleted PERIOD after their round closed (the aggregates stay).\n";

enum {
    OPT_NAME = 1000, OPT_OPENS, OPT_CLOSES, OPT_MODE, OPT_K, OPT_STAFF, OPT_MANAGER, OPT_UNIT,
    OPT_LANGUAGE, OPT_REOPEN, OPT_JSON, OPT_EVERY, OPT_DURATION, OPT_TEMPLATE, OPT_PRET, OPT_RRET,
};

static const struct option long_opts[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"opens", required_argument, NULL, OPT_OPENS},
    {"closes", required_argument, NULL, OPT_CLOSES},
    {"mode", required_argument, NULL, OPT_MODE},
    {"k", required_argument, NULL, OPT_K},
    {"staff-survey", required_argument, NULL, OPT_STAFF},
    {"manager-survey", required_argument, NULL, OPT_MANAGER},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"language", required_argument, NULL, OPT_LANGUAGE},
    {"reopen", no_argument, NULL, OPT_REOPEN},
    {"json", no_argument, NULL, OPT_JSON},
    {"every", required_argument, NULL, OPT_EVERY},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"pseudonym-retention", required_argument, NULL, OPT_PRET},
    {"response-retention", required_argument, NULL, OPT_RRET},
    {NULL, 0, NULL, 0},
};

struct opts {
    struct mg_round_spec spec;
    struct mg_series_spec series;
    bool reopen, json;
    const char *positional[2];
    int npositional;
    unsigned int seen; /* which OPT_* were given, for rejecting misplaced ones */
};

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    if (!s || *s < '1' || *s > '9')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

/* Parses argv into `o`; returns -1 after printing a usage error. */
static int parse(const char *name, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    opterr = 0;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, ":", long_opts, NULL);
        if (c == -1)
            break;
        if (c == '?') {
            mg_cli_usage_error(name, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
        if (c == ':') {
            mg_cli_usage_error(name, "option '%s' needs a value", argv[optind - 1]);
            return -1;
        }
        o->seen |= 1u << (c - OPT_NAME);
        switch (c) {
        case OPT_NAME: o->spec.name = o->series.name = optarg; break;
        case OPT_OPENS: o->spec.opens = optarg; break;
        case OPT_CLOSES: o->spec.closes = optarg; break;
        case OPT_MODE: o->spec.mode = optarg; break;
        case OPT_K: {
            char *end;
            long k = strtol(optarg, &end, 10);
            if (*end || end == optarg || k < 3 || k > 1000) {
                mg_cli_usage_error(name, "--k: the minimum group size must be a number of at least 3");
                return -1;
            }
            o->spec.k = (int)k;
            break;
        }
        case OPT_STAFF: o->spec.staff_survey = optarg; break;
        case OPT_MANAGER: o->spec.manager_survey = optarg; break;
        case OPT_UNIT: o->spec.unit_code = optarg; break;
        case OPT_LANGUAGE: o->spec.language = optarg; break;
        case OPT_REOPEN: o->reopen = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_EVERY: o->series.every = optarg; break;
        case OPT_DURATION: o->series.duration = optarg; break;
        case OPT_TEMPLATE:
            if (parse_id(optarg, &o->series.template_round) != 0) {
                mg_cli_usage_error(name, "--template: \"%s\" is not a round id", optarg);
                return -1;
            }
            break;
        case OPT_PRET: o->series.pseudonym_retention = optarg; break;
        case OPT_RRET: o->series.response_retention = optarg; break;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->npositional == 2) {
            mg_cli_usage_error(name, "unexpected argument '%s'", argv[i]);
            return -1;
        }
        o->positional[o->npositional++] = argv[i];
    }
    return 0;
}

/* Allows only the options in `allowed` (a mask of 1 << (OPT_x - OPT_NAME)). */
static int only(const char *name, const struct opts *o, unsigned int allowed, const char *sub)
{
    unsigned int extra = o->seen & ~allowed;
    if (!extra)
        return 0;
    for (int i = 0; long_opts[i].name; i++)
        if (extra & (1u << (long_opts[i].val - OPT_NAME))) {
            mg_cli_usage_error(name, "'%s' does not take --%s", sub, long_opts[i].name);
            return -1;
        }
    return -1;
}

#define BIT(x) (1u << ((x) - OPT_NAME))
#define SPEC_OPTS                                                                                  \
    (BIT(OPT_NAME) | BIT(OPT_OPENS) | BIT(OPT_CLOSES) | BIT(OPT_MODE) | BIT(OPT_K) |              \
     BIT(OPT_STAFF) | BIT(OPT_MANAGER) | BIT(OPT_UNIT) | BIT(OPT_LANGUAGE))

static void print_json(const cJSON *j)
{
    char *s = cJSON_Print(j);
    if (s)
        puts(s);
    free(s);
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "-";
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The columns of `mognad round list`: each as wide as its header or its
 * widest value (the name, last, is not padded). */
enum { COL_ID, COL_STATE, COL_MODE, COL_OPENS, COL_CLOSES, COL_INVITED, COL_RESPONDED, COL_NAME, NCOLS };

static void round_cells(const cJSON *r, char cells[NCOLS][1024])
{
    snprintf(cells[COL_ID], 1024, "%.0f", num(r, "id"));
    snprintf(cells[COL_STATE], 1024, "%s", str(r, "state"));
    snprintf(cells[COL_MODE], 1024, "%s", str(r, "mode"));
    snprintf(cells[COL_OPENS], 1024, "%s", str(r, "opens_at"));
    snprintf(cells[COL_CLOSES], 1024, "%s", str(r, "closes_at"));
    snprintf(cells[COL_INVITED], 1024, "%.0f", num(r, "invited"));
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "responded")))
        snprintf(cells[COL_RESPONDED], 1024, "%.0f", num(r, "responded"));
    else
        snprintf(cells[COL_RESPONDED], 1024, "<%.0f", num(r, "k")); /* hidden: fewer than k */
    snprintf(cells[COL_NAME], 1024, "%s", str(r, "name"));
}

static void print_round_row(char cells[NCOLS][1024], const int *w)
{
    printf("%*s  %-*s %-*s %-*s %-*s %*s %*s  %s\n", w[COL_ID], cells[COL_ID], w[COL_STATE], cells[COL_STATE],
           w[COL_MODE], cells[COL_MODE], w[COL_OPENS], cells[COL_OPENS], w[COL_CLOSES], cells[COL_CLOSES],
           w[COL_INVITED], cells[COL_INVITED], w[COL_RESPONDED], cells[COL_RESPONDED], cells[COL_NAME]);
}

static void print_round_list(const cJSON *list)
{
    static const char *const head[NCOLS] = {"id", "state", "mode", "opens", "closes", "inv.", "resp.", "name"};
    char cells[NCOLS][1024];
    int w[NCOLS];
    const cJSON *r;
    for (int c = 0; c < NCOLS; c++) {
        snprintf(cells[c], sizeof cells[c], "%s", head[c]);
        w[c] = (int)strlen(head[c]);
    }
    cJSON_ArrayForEach(r, list) {
        char row[NCOLS][1024];
        round_cells(r, row);
        for (int c = 0; c < NCOLS; c++)
            if ((int)strlen(row[c]) > w[c])
                w[c] = (int)strlen(row[c]);
    }
    print_round_row(cells, w);
    cJSON_ArrayForEach(r, list) {
        round_cells(r, cells);
        print_round_row(cells, w);
    }
}

static int report(const char *name, const char *msg)
{
    fprintf(stderr, "mognad %s: %s\n", name, msg);
    return MG_EXIT_FAIL;
}

int mg_cli_round(int argc, char **argv)
{
    struct opts o;
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    char msg[512];
    int rc = MG_EXIT_FAIL;
    int64_t id = 0;

    if (mg_cli_help_requested(argc, argv, mg_cli_round_usage))
        return MG_EXIT_OK;
    if (argc < 2)
        return mg_cli_usage_error("round", "needs a subcommand: create, set, open, close, list or show");
    const char *sub = argv[1];
    if (parse("round", argc - 1, argv + 1, &o) != 0)
        return MG_EXIT_USAGE;

    bool needs_id = strcmp(sub, "set") == 0 || strcmp(sub, "open") == 0 ||
                    strcmp(sub, "close") == 0 || strcmp(sub, "show") == 0 ||
                    strcmp(sub, "links") == 0;
    if (strcmp(sub, "create") == 0) {
        if (only("round", &o, SPEC_OPTS, sub) || o.npositional)
            return o.npositional ? mg_cli_usage_error("round", "'create' takes no ROUND") : MG_EXIT_USAGE;
    } else if (strcmp(sub, "set") == 0) {
        if (only("round", &o, SPEC_OPTS, sub))
            return MG_EXIT_USAGE;
    } else if (strcmp(sub, "open") == 0) {
        if (only("round", &o, BIT(OPT_REOPEN) | BIT(OPT_CLOSES), sub))
            return MG_EXIT_USAGE;
    } else if (strcmp(sub, "close") == 0 || strcmp(sub, "links") == 0) {
        if (only("round", &o, 0, sub))
            return MG_EXIT_USAGE;
    } else if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0) {
        if (only("round", &o, BIT(OPT_JSON), sub))
            return MG_EXIT_USAGE;
        if (strcmp(sub, "list") == 0 && o.npositional)
            return mg_cli_usage_error("round", "'list' takes no ROUND");
    } else {
        return mg_cli_usage_error("round", "unknown subcommand '%s'", sub);
    }
    if (needs_id) {
        if (o.npositional != 1)
            return mg_cli_usage_error("round", "'%s' needs one ROUND id", sub);
        if (parse_id(o.positional[0], &id) != 0)
            return mg_cli_usage_error("round", "\"%s\" is not a round id", o.positional[0]);
    }

    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad round: cannot connect to the database (is DATABASE_URL right?)\n");
        goto cleanup;
    }

    enum mg_error err = MG_OK;
    if (strcmp(sub, "links") == 0) {
        struct mg_keys keys;
        struct mg_config cfg;
        char cerr[256];
        if (mg_config_load(&cfg, (mg_config_getenv)getenv, cerr, sizeof cerr) != 0) {
            fprintf(stderr, "mognad round: %s\n", cerr);
            goto cleanup;
        }
        if (mg_cli_load_keys("round", &keys) != 0) {
            mg_config_free(&cfg);
            goto cleanup;
        }
        int lr = mg_invite_open_links(conn, &keys, id, cfg.public_url, stdout, msg, sizeof msg);
        mg_keys_wipe(&keys);
        mg_config_free(&cfg);
        if (lr != 0)
            err = MG_ERR_INVALID_INPUT;
    } else if (strcmp(sub, "create") == 0) {
        err = mg_round_create(conn, &o.spec, MG_ACTOR("cli"), &id, msg, sizeof msg);
        if (err == MG_OK)
            printf("created round %lld\n", (long long)id);
    } else if (strcmp(sub, "set") == 0) {
        err = mg_round_update(conn, id, &o.spec, MG_ACTOR("cli"), msg, sizeof msg);
        if (err == MG_OK)
            printf("updated round %lld\n", (long long)id);
    } else if (strcmp(sub, "open") == 0 || strcmp(sub, "close") == 0) {
        bool open = strcmp(sub, "open") == 0;
        err = mg_round_transition(conn, id, open ? MG_ROUND_OPEN : MG_ROUND_CLOSE, o.reopen,
                                  o.spec.closes, MG_ACTOR("cli"), msg, sizeof msg);
        if (err == MG_OK)
            printf("%s round %lld\n", open ? "opened" : "closed", (long long)id);
    } else if (strcmp(sub, "list") == 0) {
        cJSON *list = mg_round_list(conn);
        if (!list) {
            err = MG_ERR_DB;
            snprintf(msg, sizeof msg, "could not read the rounds");
        } else if (o.json) {
            print_json(list);
        } else {
            print_round_list(list);
        }
        cJSON_Delete(list);
    } else {
        cJSON *r = mg_round_get(conn, id, &err);
        if (!r) {
            snprintf(msg, sizeof msg, err == MG_ERR_NOT_FOUND ? "round %lld does not exist"
                                                              : "could not read round %lld",
                     (long long)id);
        } else {
            print_json(r);
        }
        cJSON_Delete(r);
    }
    rc = err == MG_OK ? MG_EXIT_OK : report("round", msg);

cleanup:
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
}

int mg_cli_series(int argc, char **argv)
{
    struct opts o;
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    char msg[512];
    int rc = MG_EXIT_FAIL;

    if (mg_cli_help_requested(argc, argv, mg_cli_series_usage))
        return MG_EXIT_OK;
    if (argc < 2)
        return mg_cli_usage_error("series", "needs a subcommand: create or list");
    const char *sub = argv[1];
    if (parse("series", argc - 1, argv + 1, &o) != 0)
        return MG_EXIT_USAGE;
    if (o.npositional)
        return mg_cli_usage_error("series", "unexpected argument '%s'", o.positional[0]);
    if (strcmp(sub, "create") == 0) {
        if (only("series", &o, BIT(OPT_NAME) | BIT(OPT_EVERY) | BIT(OPT_DURATION) |
                                    BIT(OPT_TEMPLATE) | BIT(OPT_PRET) | BIT(OPT_RRET), sub))
            return MG_EXIT_USAGE;
    } else if (strcmp(sub, "list") == 0) {
        if (only("series", &o, BIT(OPT_JSON), sub))
            return MG_EXIT_USAGE;
    } else {
        return mg_cli_usage_error("series", "unknown subcommand '%s'", sub);
    }

    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad series: cannot connect to the database (is DATABASE_URL right?)\n");
        goto cleanup;
    }
    if (strcmp(sub, "create") == 0) {
        int64_t id;
        enum mg_error err = mg_series_create(conn, &o.series, MG_ACTOR("cli"), &id, msg, sizeof msg);
        if (err != MG_OK) {
            rc = report("series", msg);
            goto cleanup;
        }
        printf("created series %lld\n", (long long)id);
    } else {
        cJSON *list = mg_series_list(conn);
        if (!list) {
            fprintf(stderr, "mognad series: could not read the series\n");
            goto cleanup;
        }
        if (o.json) {
            print_json(list);
        } else {
            printf("%5s  %-8s %-8s %-9s %6s  %s\n", "id", "every", "duration", "template", "rounds", "name");
            const cJSON *s;
            cJSON_ArrayForEach(s, list)
                printf("%5.0f  %3.0f mon. %4.0f d.  %8.0f %6.0f  %s\n", num(s, "id"), num(s, "every_months"),
                       num(s, "duration_days"), num(s, "template_round"), num(s, "rounds"), str(s, "name"));
        }
        cJSON_Delete(list);
    }
    rc = MG_EXIT_OK;

cleanup:
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
}
