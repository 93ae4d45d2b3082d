/* invite.c: `mognad invite` and `mognad remind`: links for a register,
 * as a CSV for mail merge or as mail through sendmail. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mg_audit.h"
#include "mg_buf.h"
#include "mg_cli.h"
#include "mg_config.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_invite.h"
#include "mg_keys.h"

const char mg_cli_invite_usage[] =
    "Usage: mognad invite --round ROUND [--out FILE | --sendmail] [--new-only]\n"
    "                     [--base-url URL] REGISTER.csv\n\n"
    "Makes one personal link per row of the register (columns employee_id,\n"
    "email, unit_code, role = staff|manager, and optionally language =\n"
    "sv|nb|nn|en; empty means the round's language) and writes them as CSV\n"
    "(email,link,language) to FILE (mode 0600) or standard output for mail\n"
    "merge, or with --sendmail hands one message per person, in their\n"
    "language, to sendmail -t (MOGNAD_SENDMAIL, default /usr/sbin/sendmail).\n"
    "The database keeps only a hash of each link, the unit, role and survey:\n"
    "no employee id, e-mail or name. Running it again with the same register\n"
    "is safe: the links are the same, new people are added, and people who\n"
    "moved unit or changed role are updated. --new-only writes or mails only\n"
    "the people this run added. Every bad row is reported as FILE:LINE:\n"
    "problem and then nothing is written. Links start with --base-url or\n"
    "MOGNAD_PUBLIC_URL. Open rounds have unit links instead (mognad round links).\n";

const char mg_cli_remind_usage[] =
    "Usage: mognad remind --round ROUND [--out FILE | --sendmail] [--base-url URL]\n"
    "                     REGISTER.csv\n\n"
    "Makes the links again from the same register (see mognad invite --help)\n"
    "and writes reminders only for those who have not answered yet, in the\n"
    "same two ways as invite. Prints how many were invited, have answered and\n"
    "were reminded, and how many rows of the register were never invited.\n"
    "Changes nothing in the database.\n";

/* sendmail, run without a shell: path -t, the message on standard input. */
struct mailer {
    const char *path;
    pid_t pid;
    int status; /* of the last one that failed, for the message */
};

static FILE *open_sendmail(void *ctx)
{
    struct mailer *m = ctx;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return NULL;
    m->pid = fork();
    if (m->pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (m->pid == 0) {
        if (dup2(fds[0], STDIN_FILENO) < 0)
            _exit(127);
        execl(m->path, m->path, "-t", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    FILE *f = fdopen(fds[1], "w");
    if (!f) {
        close(fds[1]);
        waitpid(m->pid, NULL, 0);
    }
    return f;
}

static int close_sendmail(FILE *f, void *ctx)
{
    struct mailer *m = ctx;
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    int status = 0;
    while (waitpid(m->pid, &status, 0) < 0)
        if (errno != EINTR) {
            status = -1;
            break;
        }
    if (status != 0)
        m->status = status;
    return bad || status != 0 ? -1 : 0;
}

static bool base_url_ok(const char *v)
{
    return (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) && strlen(v) <= 200 &&
           !strpbrk(v, " \t\r\n\"<>");
}

static int run(const char *name, int argc, char **argv, bool remind)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"sendmail", no_argument, NULL, 's'},
                                         {"base-url", required_argument, NULL, 'b'},
                                         {"new-only", no_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *base_opt = NULL, *file = NULL;
    bool sendmail = false, new_only = false;
    long long round = 0;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'r':
            errno = 0;
            round = strtoll(optarg, &end, 10);
            if (*optarg < '1' || *optarg > '9' || *end || errno || round <= 0)
                return mg_cli_usage_error(name, "\"%s\" is not a round id", optarg);
            break;
        case 'o': out_path = optarg; break;
        case 's': sendmail = true; break;
        case 'b': base_opt = optarg; break;
        case 'n':
            if (remind)
                return mg_cli_usage_error(name, "unknown option '--new-only'");
            new_only = true;
            break;
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
    if (base_opt && !base_url_ok(base_opt))
        return mg_cli_usage_error(name, "--base-url: \"%s\" is not an http:// or https:// address", base_opt);

    struct mg_csv csv = {0};
    struct mg_keys keys;
    struct mg_config cfg;
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    struct mg_invitee *rows = NULL;
    struct mg_buf problems = {0};
    struct mailer mailer = {0};
    FILE *out = NULL;
    char *tmp_path = NULL, *base = NULL;
    bool have_keys = false;
    int rc = MG_EXIT_FAIL;
    char cerr[256], msg[1024];

    if (mg_config_load(&cfg, (mg_config_getenv)getenv, cerr, sizeof cerr) != 0) {
        fprintf(stderr, "mognad %s: %s\n", name, cerr);
        return MG_EXIT_FAIL;
    }
    base = strdup(base_opt ? base_opt : cfg.public_url);
    if (!base)
        goto done;
    for (size_t len = strlen(base); len && base[len - 1] == '/';)
        base[--len] = '\0';
    if (mg_cli_read_csv(name, file, &csv) != 0)
        goto done;
    if (!(rows = mg_invite_rows_from_csv(&csv, msg, sizeof msg))) {
        fprintf(stderr, "%s:%d: %s\nmognad %s: %s: nothing was written\n", file, csv.header_line, msg, name, file);
        goto done;
    }

    if (sendmail) {
        mailer.path = getenv("MOGNAD_SENDMAIL");
        if (!mailer.path || !*mailer.path)
            mailer.path = "/usr/sbin/sendmail";
        if (access(mailer.path, X_OK) != 0) {
            fprintf(stderr, "mognad %s: cannot run %s (%s); install a mail transfer agent or set "
                            "MOGNAD_SENDMAIL\n", name, mailer.path, strerror(errno));
            goto done;
        }
        signal(SIGPIPE, SIG_IGN); /* a sendmail that exits early is reported, not fatal */
    } else if (out_path) {
        /* The links are secrets: a private temporary file beside FILE,
         * renamed over it only when everything was written. */
        size_t len = strlen(out_path) + sizeof ".tmp-XXXXXX";
        tmp_path = malloc(len);
        if (!tmp_path)
            goto done;
        snprintf(tmp_path, len, "%s.tmp-XXXXXX", out_path);
        int fd = mkstemp(tmp_path);
        if (fd < 0 || !(out = fdopen(fd, "w"))) {
            fprintf(stderr, "mognad %s: cannot write %s: %s\n", name, out_path, strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlink(tmp_path);
            }
            free(tmp_path);
            tmp_path = NULL;
            goto done;
        }
    } else {
        out = stdout;
    }

    if (mg_cli_load_keys(name, &keys) != 0)
        goto done;
    have_keys = true;
    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad %s: cannot connect to the database (is DATABASE_URL right?)\n", name);
        goto done;
    }
    struct mg_invite_out o = {.csv = sendmail ? NULL : out,
                              .open_mail = sendmail ? open_sendmail : NULL,
                              .close_mail = close_sendmail,
                              .mail_ctx = &mailer,
                              .base_url = base,
                              .new_only = new_only};
    struct mg_invite_counts n;
    int r = remind ? mg_invite_remind(conn, &keys, round, file, rows, csv.n, &o, &n, &problems, msg, sizeof msg)
                   : mg_invite_run(conn, &keys, round, file, rows, csv.n, &o, &n, &problems, msg, sizeof msg);
    if (r != 0) {
        if (problems.data)
            fputs(problems.data, stderr);
        if (msg[0])
            fprintf(stderr, "mognad %s: %s\n", name, msg);
        if (mailer.status)
            fprintf(stderr, "mognad %s: %s exited with status %d\n", name, mailer.path,
                    WIFEXITED(mailer.status) ? WEXITSTATUS(mailer.status) : -1);
        if (problems.data)
            fprintf(stderr, "mognad %s: %s: nothing was written\n", name, file);
        goto done;
    }
    if (out && out != stdout) {
        int bad = fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0;
        bad |= fclose(out) != 0;
        out = NULL;
        if (bad || rename(tmp_path, out_path) != 0) {
            fprintf(stderr, "mognad %s: cannot write %s: %s (the invitations are stored; run again to "
                            "write the links)\n", name, out_path, strerror(errno));
            goto done;
        }
        free(tmp_path);
        tmp_path = NULL;
    } else if (out == stdout && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "mognad %s: cannot write the links to standard output\n", name);
        goto done;
    }
    if (remind) {
        /* The same entry as a reminder file from the dashboard. */
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "round", (double)round);
        cJSON_AddNumberToObject(d, "invited", (double)n.invited);
        cJSON_AddNumberToObject(d, "completed", (double)n.completed);
        cJSON_AddNumberToObject(d, "reminded", (double)n.reminded);
        int aq = d ? mg_audit(conn, 0, "cli", "round.remind", d) : -1;
        cJSON_Delete(d);
        if (aq < 0) {
            fprintf(stderr, "mognad %s: the reminders were written, but the audit log entry could not be "
                            "stored\n", name);
            goto done;
        }
        fprintf(stderr, "%zu invited, %zu answered, %zu reminded", n.invited, n.completed, n.reminded);
        if (n.unknown)
            fprintf(stderr, "; %zu row%s of the register %s never invited (mognad invite makes %s links)",
                    n.unknown, n.unknown == 1 ? "" : "s", n.unknown == 1 ? "was" : "were",
                    n.unknown == 1 ? "its" : "their");
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "%zu invited (%zu new, %zu changed unit or role), %zu answered already", n.invited,
                n.created, n.updated, n.completed);
        if (new_only)
            fprintf(stderr, "; links written for the %zu new", n.created);
        if (n.elsewhere == 1)
            fprintf(stderr, "; 1 earlier invitation of round %lld is for someone not in this register "
                            "(left as it is)", round);
        else if (n.elsewhere)
            fprintf(stderr, "; %zu earlier invitations of round %lld are for people not in this register "
                            "(left as they are)", n.elsewhere, round);
        fputc('\n', stderr);
    }
    rc = MG_EXIT_OK;
done:
    if (out && out != stdout)
        fclose(out);
    if (tmp_path) {
        unlink(tmp_path);
        free(tmp_path);
    }
    free(base);
    free(rows);
    mg_buf_free(&problems);
    mg_csv_free(&csv);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    if (have_keys)
        mg_keys_wipe(&keys);
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
