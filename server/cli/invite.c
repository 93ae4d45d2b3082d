/* invite.c: `mognad invite` and `mognad remind`: links for a register,
 * as a CSV for mail merge or as mail through sendmail. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_config.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_invite.h"
#include "mg_keys.h"

const char mg_cli_invite_usage[] =
    "Usage: mognad invite --round ROUND [--out FILE] [--sendmail] [--base-url URL] REGISTER.csv\n\n"
    "Makes one personal link per row of the register (columns employee_id,\n"
    "email, unit_code, role = staff|manager, and optionally language =\n"
    "sv|nb|nn|en) and writes them as CSV (email,link,language) to FILE or\n"
    "standard output for mail merge, or with --sendmail hands one message per\n"
    "person to sendmail -t (MOGNAD_SENDMAIL, default /usr/sbin/sendmail). The\n"
    "database keeps only a hash of each link, the unit, role and survey: no\n"
    "employee id, e-mail or name. Running it again with the same register is\n"
    "safe: the links are the same, new people are added, and people who moved\n"
    "unit or changed role are updated. Every bad row is reported by line and\n"
    "then nothing is written. Links start with --base-url or MOGNAD_PUBLIC_URL.\n";

const char mg_cli_remind_usage[] =
    "Usage: mognad remind --round ROUND [--out FILE] [--sendmail] [--base-url URL] REGISTER.csv\n\n"
    "Makes the links again from the same register and writes reminders only\n"
    "for those who have not answered yet, in the same two ways as invite.\n"
    "Prints how many were invited, have answered and were reminded.\n";

static FILE *open_sendmail(void *ctx)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s -t", (const char *)ctx);
    return popen(cmd, "w");
}

static int close_sendmail(FILE *f, void *ctx)
{
    (void)ctx;
    return pclose(f) == 0 ? 0 : -1;
}

static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    size_t n = strlen(s);
    if (!at || at == s || !at[1] || strchr(at + 1, '@') || n > 254 || !strchr(at + 1, '.'))
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("<>,;:\"()[]\\", *p))
            return false;
    return at[strlen(at) - 1] != '.';
}

static int run(const char *name, int argc, char **argv, bool remind)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                          {"out", required_argument, NULL, 'o'},
                                          {"sendmail", no_argument, NULL, 's'},
                                          {"base-url", required_argument, NULL, 'b'},
                                          {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *base = NULL, *file = NULL;
    bool sendmail = false;
    long long round = 0;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'r':
            round = strtoll(optarg, &end, 10);
            if (*end || round <= 0)
                return mg_cli_usage_error(name, "\"%s\" is not a round id", optarg);
            break;
        case 'o': out_path = optarg; break;
        case 's': sendmail = true; break;
        case 'b': base = optarg; break;
        case ':': return mg_cli_usage_error(name, "%s needs a value", argv[optind - 1]);
        default: return mg_cli_usage_error(name, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mg_cli_usage_error(name, "needs one REGISTER.csv");
    file = argv[optind];
    if (!round)
        return mg_cli_usage_error(name, "needs --round ROUND");
    if (sendmail && out_path)
        return mg_cli_usage_error(name, "--out and --sendmail exclude each other");

    struct mg_csv csv = {0};
    struct mg_keys keys;
    struct mg_config cfg;
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    struct mg_invitee *rows = NULL;
    FILE *out = NULL;
    bool have_keys = false, have_cfg = false;
    int rc = MG_EXIT_FAIL;
    char cerr[256], msg[8192];

    if (mg_config_load(&cfg, (mg_config_getenv)getenv, cerr, sizeof cerr) != 0) {
        fprintf(stderr, "mognad %s: %s\n", name, cerr);
        return MG_EXIT_FAIL;
    }
    have_cfg = true;
    if (mg_cli_read_csv(name, file, &csv) != 0)
        goto done;
    if (mg_csv_columns(&csv, (const char *const[]){"employee_id", "email", "unit_code", "role", NULL},
                       (const char *const[]){"language", NULL}, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s:%s\nmognad %s: nothing was written\n", file, msg + 5, name);
        goto done;
    }
    int ei = mg_csv_column(&csv, "employee_id"), mi = mg_csv_column(&csv, "email"),
        ui = mg_csv_column(&csv, "unit_code"), ri = mg_csv_column(&csv, "role"), li = mg_csv_column(&csv, "language");
    rows = calloc(csv.n ? csv.n : 1, sizeof *rows);
    if (!rows)
        goto done;
    size_t bad = 0;
    for (size_t i = 0; i < csv.n; i++) {
        char **f = csv.records[i].fields;
        int line = csv.records[i].line;
        const char *lang = li >= 0 && f[li][0] ? f[li] : NULL;
        rows[i] = (struct mg_invitee){f[ei], f[mi], f[ui], f[ri], lang, line};
        const char *problem = NULL;
        if (!f[ei][0] || strlen(f[ei]) > 200)
            problem = "the employee id is empty or longer than 200 characters";
        else if (!email_ok(f[mi]))
            problem = "the e-mail address is not valid";
        else if (!f[ui][0])
            problem = "the unit code is empty";
        else if (strcmp(f[ri], "staff") != 0 && strcmp(f[ri], "manager") != 0)
            problem = "the role must be staff or manager";
        else if (lang && strcmp(lang, "sv") && strcmp(lang, "nb") && strcmp(lang, "nn") && strcmp(lang, "en"))
            problem = "the language must be sv, nb, nn or en";
        for (size_t j = 0; !problem && j < i; j++)
            if (strcmp(csv.records[j].fields[ei], f[ei]) == 0) {
                fprintf(stderr, "%s:%d: employee id already on line %d\n", file, line, csv.records[j].line);
                bad++;
                break;
            }
        if (problem) {
            /* The row's values are personal data: named by line only. */
            fprintf(stderr, "%s:%d: %s\n", file, line, problem);
            bad++;
        }
    }
    if (bad) {
        fprintf(stderr, "mognad %s: %zu bad row(s); nothing was written\n", name, bad);
        goto done;
    }
    if (mg_cli_load_keys(name, &keys) != 0)
        goto done;
    have_keys = true;
    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad %s: cannot connect to the database (is DATABASE_URL right?)\n", name);
        goto done;
    }
    const char *sendmail_path = getenv("MOGNAD_SENDMAIL");
    if (!sendmail_path || !*sendmail_path)
        sendmail_path = "/usr/sbin/sendmail";
    if (!sendmail) {
        out = out_path ? fopen(out_path, "w") : stdout;
        if (!out) {
            fprintf(stderr, "mognad %s: cannot write %s\n", name, out_path);
            goto done;
        }
        fputs("email,link,language\r\n", out);
    }
    struct mg_invite_out o = {.csv = sendmail ? NULL : out,
                              .open_mail = sendmail ? open_sendmail : NULL,
                              .close_mail = close_sendmail,
                              .mail_ctx = (void *)sendmail_path,
                              .base_url = base ? base : cfg.public_url};
    struct mg_invite_counts n;
    int r = remind ? mg_invite_remind(conn, &keys, round, rows, csv.n, &o, &n, msg, sizeof msg)
                   : mg_invite_run(conn, &keys, round, rows, csv.n, &o, &n, msg, sizeof msg);
    if (r != 0) {
        fprintf(stderr, "mognad %s: %s: %s\n", name, file, msg);
        goto done;
    }
    if (remind)
        fprintf(stderr, "%zu invited, %zu answered, %zu reminded; %zu rows of the register were never invited\n",
                n.invited, n.completed, n.reminded, n.unknown);
    else
        fprintf(stderr, "%zu invited (%zu new, %zu changed unit or role), %zu answered already\n", n.invited,
                n.created, n.updated, n.completed);
    rc = MG_EXIT_OK;
done:
    if (out && out != stdout && fclose(out) != 0)
        rc = MG_EXIT_FAIL;
    else if (out == stdout)
        fflush(stdout);
    free(rows);
    mg_csv_free(&csv);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    if (have_keys)
        mg_keys_wipe(&keys);
    if (have_cfg)
        mg_config_free(&cfg);
    return rc;
}

int mg_cli_invite(int argc, char **argv)
{
    if (mg_cli_help_requested(argc, argv, mg_cli_invite_usage))
        return MG_EXIT_OK;
    return run("invite", argc, argv, false);
}

int mg_cli_remind(int argc, char **argv)
{
    if (mg_cli_help_requested(argc, argv, mg_cli_remind_usage))
        return MG_EXIT_OK;
    return run("remind", argc, argv, true);
}
