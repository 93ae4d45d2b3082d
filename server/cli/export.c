/* export.c: `mognad export`, the files the dashboard gives, for scheduled
 * reporting: the indicators as CSV, Excel or JSON (privacy rule applied by
 * mg_indicators_round), or research microdata as CSV with a codebook or
 * SPSS .sav (units generalised by the privacy layer). Every export is
 * written to the audit log. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mg_audit.h"
#include "mg_cli.h"
#include "mg_db.h"
#include "mg_export.h"
#include "mg_indicators.h"
#include "mg_rounds.h"

const char mg_cli_export_usage[] =
    "Usage: mognad export --round ROUND --format csv|xlsx|json|sav [--microdata]\n"
    "                     [--unit CODE] [--role staff|manager|all] [--lang sv|nb|nn|en]\n"
    "                     [--semicolon] [--out FILE]\n\n"
    "The indicators of a round, as the dashboard shows them, with hidden cells\n"
    "marked: csv (UTF-8 with BOM; --semicolon for Swedish and Norwegian Excel,\n"
    "which also writes decimal commas), xlsx (one sheet per view) or json (the\n"
    "API's JSON). For the unit (default: the round's) and every unit below it,\n"
    "for the role asked (default all), texts in --lang (default: the round's\n"
    "language).\n\n"
    "--microdata (with csv), or --format sav: research microdata of a closed\n"
    "round instead, one row per response with its answers and scores, no\n"
    "pseudonym, no date and no channel, each row under the smallest unit the\n"
    "indicators show for its role (or, with the role left empty, for all\n"
    "roles), so every unit and role holds at least k rows. --unit and --role\n"
    "select rows of that one placement. The CSV comes with a codebook in\n"
    "FILE.codebook.csv; the .sav file carries variable and value labels.\n\n"
    "--out FILE writes FILE (mode 0600, replaced only when complete); csv and\n"
    "json go to standard output without it, xlsx, sav and microdata need it.\n"
    "Every export is recorded in the audit log.\n";

static int write_error(const char *path)
{
    fprintf(stderr, "mognad export: cannot write %s: %s\n", path, strerror(errno));
    return MG_EXIT_FAIL;
}

/* A temporary file next to `path`, mode 0600; its name goes to `tmp`. */
static FILE *open_tmp(const char *path, char *tmp, size_t len, int *fd_out)
{
    snprintf(tmp, len, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd_out)
        *fd_out = fd;
    if (fd < 0)
        return NULL;
    fchmod(fd, 0600);
    if (fd_out) {
        *fd_out = fd;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
    }
    return f;
}

static int finish(FILE *f, const char *tmp, const char *path, int rc)
{
    if (f && fclose(f) != 0 && rc == 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

struct opts {
    long long round;
    const char *format, *unit, *lang_opt, *out;
    enum mg_priv_role role;
    const char *role_name;
    bool microdata, semicolon;
    int lang;
};

static int audit(struct mg_db_conn *conn, const struct opts *o, size_t rows)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "round", (double)o->round);
    cJSON_AddStringToObject(d, "format", o->format);
    cJSON_AddBoolToObject(d, "microdata", o->microdata);
    if (o->unit)
        cJSON_AddStringToObject(d, "unit", o->unit);
    cJSON_AddStringToObject(d, "role", o->role_name);
    static const char *const langs[] = {"sv", "nb", "nn", "en"};
    cJSON_AddStringToObject(d, "lang", langs[o->lang]);
    if (o->microdata) {
        cJSON_AddNumberToObject(d, "rows", (double)rows);
    }
    int rc = mg_audit(conn, 0, "cli", o->microdata ? "export.microdata" : "export.indicators", d);
    cJSON_Delete(d);
    return rc;
}

static int export_indicators(struct mg_db_conn *conn, const struct opts *o)
{
    struct mg_ind_query q = {o->unit, o->role, MG_IND_MAX_DEPTH, 0};
    cJSON *ind = NULL;
    char msg[256] = "", tmp[4096];
    enum mg_error err = mg_indicators_round(conn, o->round, &q, &ind, msg, sizeof msg);
    if (err == MG_ERR_NOT_FOUND && strcmp(msg, "No such unit.") == 0) {
        fprintf(stderr, "mognad export: --unit: there is no unit \"%s\"\n", o->unit);
        return MG_EXIT_FAIL;
    }
    if (err == MG_ERR_NOT_FOUND) {
        fprintf(stderr, "mognad export: --round: there is no round %lld\n", o->round);
        return MG_EXIT_FAIL;
    }
    if (err != MG_OK) {
        fprintf(stderr, "mognad export: %s\n", msg[0] ? msg : "the indicators could not be computed");
        return MG_EXIT_FAIL;
    }
    int rc = 0;
    if (strcmp(o->format, "xlsx") == 0) {
        int fd;
        char e[512] = "";
        open_tmp(o->out, tmp, sizeof tmp, &fd);
        if (fd < 0) {
            cJSON_Delete(ind);
            return write_error(o->out);
        }
        close(fd);
        rc = mg_export_indicators_xlsx(tmp, ind, o->lang, e, sizeof e);
        if (finish(NULL, tmp, o->out, rc) != 0) {
            cJSON_Delete(ind);
            fprintf(stderr, "mognad export: %s\n", e[0] ? e : "cannot write the workbook");
            return MG_EXIT_FAIL;
        }
        chmod(o->out, 0600);
    } else {
        FILE *f = o->out ? open_tmp(o->out, tmp, sizeof tmp, NULL) : stdout;
        if (!f) {
            cJSON_Delete(ind);
            return write_error(o->out);
        }
        if (strcmp(o->format, "csv") == 0) {
            rc = mg_export_indicators_csv(f, ind, o->lang, o->semicolon);
        } else {
            char *text = cJSON_PrintUnformatted(ind);
            rc = text && fprintf(f, "%s\n", text) > 0 ? 0 : -1;
            free(text);
        }
        if (o->out ? finish(f, tmp, o->out, rc) != 0 : (rc != 0 || fflush(stdout) != 0)) {
            cJSON_Delete(ind);
            return write_error(o->out ? o->out : "standard output");
        }
    }
    cJSON_Delete(ind);
    if (audit(conn, o, 0) < 0) {
        fprintf(stderr, "mognad export: the export was written but could not be recorded in the audit log\n");
        return MG_EXIT_FAIL;
    }
    return MG_EXIT_OK;
}

static int export_microdata(struct mg_db_conn *conn, const struct opts *o)
{
    struct mg_microdata md;
    struct mg_md_sink sink;
    char msg[256] = "", tmp[4096], cb_path[4096], cb_tmp[4096];
    enum mg_error err;
    bool sav = strcmp(o->format, "sav") == 0;
    struct mg_md_sav s = {.path = tmp};
    struct mg_md_csv c = {NULL, NULL, o->semicolon};
    int fd;

    if (sav) {
        open_tmp(o->out, tmp, sizeof tmp, &fd);
        if (fd < 0)
            return write_error(o->out);
        close(fd);
        mg_md_sav_sink(&s, &sink);
    } else {
        snprintf(cb_path, sizeof cb_path, "%s.codebook.csv", o->out);
        c.data = open_tmp(o->out, tmp, sizeof tmp, NULL);
        c.codebook = c.data ? open_tmp(cb_path, cb_tmp, sizeof cb_tmp, NULL) : NULL;
        if (!c.data || !c.codebook) {
            if (c.data)
                finish(c.data, tmp, o->out, -1);
            return write_error(o->out);
        }
        mg_md_csv_sink(&c, &sink);
    }
    err = mg_microdata_export(conn, o->round, o->unit, o->role, o->lang, &sink, &md, msg, sizeof msg);
    int rc = err == MG_OK ? 0 : -1;
    if (sav) {
        mg_md_sav_close(&s, rc != 0);
        if (rc == 0 && rename(tmp, o->out) != 0)
            rc = -1;
    } else {
        int r1 = finish(c.data, tmp, o->out, rc);
        int r2 = finish(c.codebook, cb_tmp, cb_path, rc == 0 ? r1 : -1);
        if (rc == 0 && (r1 != 0 || r2 != 0))
            rc = -1;
    }
    size_t rows = md.nrows;
    mg_microdata_free(&md);
    if (err == MG_ERR_NOT_FOUND) {
        if (strcmp(msg, "No such unit.") == 0)
            fprintf(stderr, "mognad export: --unit: there is no unit \"%s\"\n", o->unit);
        else
            fprintf(stderr, "mognad export: --round: there is no round %lld\n", o->round);
        return MG_EXIT_FAIL;
    }
    if (rc != 0) {
        fprintf(stderr, "mognad export: %s\n",
                err != MG_OK ? msg : sav && s.err[0] ? s.err : "cannot write the file");
        return MG_EXIT_FAIL;
    }
    if (audit(conn, o, rows) < 0) {
        fprintf(stderr, "mognad export: the export was written but could not be recorded in the audit log\n");
        return MG_EXIT_FAIL;
    }
    fprintf(stderr, "mognad export: %zu responses written to %s%s%s", rows, o->out, sav ? "" : " and ",
            sav ? "" : cb_path);
    fputc('\n', stderr);
    return MG_EXIT_OK;
}

int mg_cli_export(int argc, char **argv)
{
    static const struct option longopts[] = {{"round", required_argument, NULL, 'r'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"unit", required_argument, NULL, 'u'},
                                             {"role", required_argument, NULL, 'o'},
                                             {"lang", required_argument, NULL, 'l'},
                                             {"out", required_argument, NULL, 'w'},
                                             {"microdata", no_argument, NULL, 'm'},
                                             {"semicolon", no_argument, NULL, 's'},
                                             {NULL, 0, NULL, 0}};
    struct opts o = {.role = MG_PRIV_ALL, .role_name = "all", .lang = -1};
    const char *round = NULL;
    int ch;

    if (mg_cli_help_requested(argc, argv, mg_cli_export_usage))
        return MG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            round = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "xlsx") != 0 && strcmp(optarg, "json") != 0 &&
                strcmp(optarg, "sav") != 0)
                return mg_cli_usage_error("export", "--format: must be csv, xlsx, json or sav, not \"%s\"",
                                          optarg);
            o.format = optarg;
            break;
        case 'u':
            if (!*optarg || strlen(optarg) > 64)
                return mg_cli_usage_error("export", "--unit: \"%s\" is not a unit code", optarg);
            o.unit = optarg;
            break;
        case 'o':
            if (mg_indicators_parse_role(optarg, &o.role) != 0)
                return mg_cli_usage_error("export", "--role: must be staff, manager or all, not \"%s\"", optarg);
            o.role_name = optarg;
            break;
        case 'l':
            if ((o.lang = mg_export_lang(optarg)) < 0)
                return mg_cli_usage_error("export", "--lang: must be sv, nb, nn or en, not \"%s\"", optarg);
            break;
        case 'w':
            if (!*optarg)
                return mg_cli_usage_error("export", "--out: needs a file name");
            o.out = optarg;
            break;
        case 'm':
            o.microdata = true;
            break;
        case 's':
            o.semicolon = true;
            break;
        case ':':
            return mg_cli_usage_error("export", "%s needs a value", argv[optind - 1]);
        default:
            return mg_cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return mg_cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (!round)
        return mg_cli_usage_error("export", "needs --round ROUND");
    char *end;
    o.round = strtoll(round, &end, 10);
    if (*round < '1' || *round > '9' || *end || o.round <= 0 || strlen(round) > 18)
        return mg_cli_usage_error("export", "--round: \"%s\" is not a round id", round);
    if (!o.format)
        return mg_cli_usage_error("export", "needs --format csv|xlsx|json|sav");
    if (strcmp(o.format, "sav") == 0)
        o.microdata = true;
    if (o.microdata && strcmp(o.format, "csv") != 0 && strcmp(o.format, "sav") != 0)
        return mg_cli_usage_error("export", "--microdata: only as csv or sav, not %s", o.format);
    if (!o.out && (o.microdata || strcmp(o.format, "xlsx") == 0))
        return mg_cli_usage_error("export", "--out FILE is needed for %s", o.microdata ? "microdata" : "xlsx");
    if (o.semicolon && strcmp(o.format, "csv") != 0)
        return mg_cli_usage_error("export", "--semicolon: only for csv");

    struct mg_db *db = mg_db_open(getenv("DATABASE_URL"), 1);
    struct mg_db_conn *conn = db ? mg_db_acquire(db) : NULL;
    int rc = MG_EXIT_FAIL;
    if (!conn) {
        fprintf(stderr, "mognad export: cannot connect to the database (is DATABASE_URL right?)\n");
    } else {
        if (o.lang < 0) {
            enum mg_error e = MG_OK;
            cJSON *r = mg_round_get(conn, o.round, &e);
            o.lang = mg_export_lang(cJSON_GetStringValue(cJSON_GetObjectItem(r, "language")));
            if (o.lang < 0)
                o.lang = 3;
            cJSON_Delete(r);
        }
        rc = o.microdata ? export_microdata(conn, &o) : export_indicators(conn, &o);
        mg_db_release(db, conn);
    }
    mg_db_close(db);
    return rc;
}
