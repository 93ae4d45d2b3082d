/* units.c: `mognad units import|list|headcount`, and reading CSV files for
 * the commands that take one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_cli.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_units.h"

const char mg_cli_units_usage[] =
    "Usage: mognad units import FILE.csv\n"
    "       mognad units list [--tree]\n"
    "       mognad units headcount --round ROUND FILE.csv\n\n"
    "import creates or updates the organisation tree from a CSV file with the\n"
    "columns code, name and parent_code (empty for the top). Comma or semicolon,\n"
    "UTF-8 with or without a byte order mark, as Excel saves it (\"CSV UTF-8\").\n"
    "Every bad row is reported as FILE:LINE: problem and then nothing is\n"
    "written. A changed name is a rename (results follow the code; past rounds\n"
    "keep the name the unit had then); a changed parent moves the unit with\n"
    "everything under it. Units not in the file are left as they are, so the\n"
    "same file imported twice changes nothing the second time.\n\n"
    "list prints every unit (code, name, parent, depth) in tree order; --tree\n"
    "draws the tree instead.\n\n"
    "headcount sets how many people each unit has in a round (columns\n"
    "unit_code and headcount), so open rounds have response rates too.\n";

int mg_cli_read_csv(const char *name, const char *path, struct mg_csv *csv)
{
    memset(csv, 0, sizeof *csv);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mognad %s: %s: %s\n", name, path, strerror(errno));
        return -1;
    }
    /* One byte more than the reader accepts, so it can say the file is too large. */
    size_t cap = 1 << 16, len = 0;
    char *data = malloc(cap);
    int rc = -1;
    while (data) {
        len += fread(data + len, 1, cap - len, f);
        if (len < cap || cap > MG_CSV_MAX_BYTES)
            break;
        size_t grow = cap * 2 > MG_CSV_MAX_BYTES + 1 ? MG_CSV_MAX_BYTES + 1 : cap * 2;
        char *grown = realloc(data, grow);
        if (!grown) {
            free(data);
            data = NULL;
        } else {
            data = grown;
            cap = grow;
        }
    }
    if (!data || ferror(f)) {
        fprintf(stderr, "mognad %s: %s: %s\n", name, path, data ? "cannot read the file" : "out of memory");
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    rc = mg_csv_parse(data, len, csv);
    free(data);
    for (size_t i = 0; i < csv->nerrors; i++)
        fprintf(stderr, "%s:%d: %s\n", path, csv->errors[i].line, csv->errors[i].msg);
    if (csv->more_errors)
        fprintf(stderr, "%s: and %zu more problems\n", path, csv->more_errors);
    if (rc != 0)
        fprintf(stderr, "mognad %s: %s: nothing was written\n", name, path);
    return rc;
}

/* Writes `s` left-aligned in `width` characters (UTF-8 aware). */
static void print_padded(const char *s, size_t width)
{
    size_t chars = 0;
    for (const char *p = s; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    fputs(s, stdout);
    for (; chars < width; chars++)
        putchar(' ');
}

static int list_units(struct mg_db_conn *conn, bool tree)
{
    PGresult *res = mg_units_list(conn);
    if (!res) {
        fprintf(stderr, "mognad units: could not read the units\n");
        return MG_EXIT_FAIL;
    }
    int n = PQntuples(res);
    size_t wcode = 4, wname = 4;
    for (int i = 0; i < n; i++) {
        size_t lc = strlen(PQgetvalue(res, i, 0)), ln = 0;
        for (const char *p = PQgetvalue(res, i, 1); *p; p++)
            ln += ((unsigned char)*p & 0xC0) != 0x80;
        wcode = lc > wcode ? lc : wcode;
        wname = ln > wname ? ln : wname;
    }
    if (!tree) {
        print_padded("code", wcode + 2);
        print_padded("name", wname + 2);
        print_padded("parent", wcode + 2);
        puts("depth");
    }
    for (int i = 0; i < n; i++) {
        const char *code = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        int depth = atoi(PQgetvalue(res, i, 3));
        if (tree) {
            for (int d = 1; d < depth; d++)
                fputs("    ", stdout);
            printf("%s (%s)\n", name, code);
        } else {
            print_padded(code, wcode + 2);
            print_padded(name, wname + 2);
            print_padded(PQgetvalue(res, i, 2), wcode + 2);
            printf("%d\n", depth);
        }
    }
    fprintf(stderr, "%d unit%s\n", n, n == 1 ? "" : "s");
    PQclear(res);
    return MG_EXIT_OK;
}

static int parse_round(const char *s, long long *out)
{
    char *end;
    if (*s < '1' || *s > '9')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v <= 0)
        return -1;
    *out = v;
    return 0;
}

int mg_cli_units(int argc, char **argv)
{
    if (mg_cli_help_requested(argc, argv, mg_cli_units_usage))
        return MG_EXIT_OK;
    if (argc < 2)
        return mg_cli_usage_error("units", "needs a subcommand: import, list or headcount");
    const char *sub = argv[1], *file = NULL;
    long long round = 0;
    bool tree = false;
    if (strcmp(sub, "import") == 0) {
        if (argc != 3 || argv[2][0] == '-')
            return mg_cli_usage_error("units", "'import' takes one FILE.csv");
        file = argv[2];
    } else if (strcmp(sub, "headcount") == 0) {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--round") == 0 || strncmp(argv[i], "--round=", 8) == 0) {
                const char *v = argv[i][7] == '=' ? argv[i] + 8 : i + 1 < argc ? argv[++i] : NULL;
                if (!v)
                    return mg_cli_usage_error("units", "--round needs a value");
                if (parse_round(v, &round) != 0)
                    return mg_cli_usage_error("units", "\"%s\" is not a round id", v);
            } else if (argv[i][0] == '-') {
                return mg_cli_usage_error("units", "unknown option '%s'", argv[i]);
            } else if (file) {
                return mg_cli_usage_error("units", "'headcount' takes one FILE.csv");
            } else {
                file = argv[i];
            }
        }
        if (!round || !file)
            return mg_cli_usage_error("units", "'headcount' needs --round ROUND and FILE.csv");
    } else if (strcmp(sub, "list") == 0) {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--tree") == 0)
                tree = true;
            else
                return mg_cli_usage_error("units", "'list' takes only --tree, not '%s'", argv[i]);
        }
    } else {
        return mg_cli_usage_error("units", "unknown subcommand '%s'", sub);
    }

    struct mg_csv csv = {0};
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    struct mg_buf problems = {0};
    int rc = MG_EXIT_FAIL;
    if (file && mg_cli_read_csv("units", file, &csv) != 0)
        goto done;
    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad units: cannot connect to the database (is DATABASE_URL right?)\n");
        goto done;
    }
    if (strcmp(sub, "import") == 0) {
        struct mg_units_counts n;
        if (mg_units_import(conn, file, &csv, &n, &problems) != 0) {
            fprintf(stderr, "%smognad units: %s: nothing was written\n", problems.data ? problems.data : "", file);
            goto done;
        }
        printf("%zu created, %zu renamed, %zu moved, %zu unchanged; %zu unit%s not in the file left as %s\n",
               n.created, n.renamed, n.moved, n.unchanged, n.untouched, n.untouched == 1 ? "" : "s",
               n.untouched == 1 ? "it was" : "they were");
    } else if (strcmp(sub, "headcount") == 0) {
        long set = mg_units_headcount(conn, file, round, &csv, &problems);
        if (set < 0) {
            fprintf(stderr, "%smognad units: %s: nothing was written\n", problems.data ? problems.data : "", file);
            goto done;
        }
        printf("expected headcount set for %ld unit%s of round %lld\n", set, set == 1 ? "" : "s", round);
    } else {
        if (list_units(conn, tree) != MG_EXIT_OK)
            goto done;
    }
    rc = MG_EXIT_OK;
done:
    mg_buf_free(&problems);
    mg_csv_free(&csv);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
}
