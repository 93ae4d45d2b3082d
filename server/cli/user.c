/* user.c: `mognad user add|passwd|disable|enable|list`, HR accounts. */
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mg_auth.h"
#include "mg_cli.h"
#include "mg_db.h"

const char mg_cli_user_usage[] =
    "Usage: mognad user add --role admin|analyst|unit-viewer|registrar [--unit CODE] LOGIN\n"
    "       mognad user passwd LOGIN\n"
    "       mognad user disable LOGIN | enable LOGIN\n"
    "       mognad user list [--json]\n\n"
    "HR accounts. The password (at least 12 characters) is read from the terminal\n"
    "without echo, twice, or as one line from standard input when that is not a\n"
    "terminal. Passwords are stored as argon2id hashes. A unit-viewer sees the\n"
    "results of their unit's subtree only. A registrar types in paper\n"
    "questionnaires of open rounds and sees no figure and no count; analysts\n"
    "and admins cannot type them in. passwd and disable end the user's sessions.\n";

/* Reads a password into `buf` without echo; -1 on end of input. */
static int read_password(const char *prompt, char *buf, size_t len)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO);

    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *r = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!r)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int get_new_password(char *pw, size_t len)
{
    char again[MG_AUTH_MAX_PASSWORD + 2];
    if (read_password("New password: ", pw, len) != 0) {
        fprintf(stderr, "mognad user: no password given\n");
        return -1;
    }
    if (isatty(STDIN_FILENO)) {
        int same = read_password("Again: ", again, sizeof again) == 0 &&
                   strlen(again) == strlen(pw) && sodium_memcmp(again, pw, strlen(pw)) == 0;
        sodium_memzero(again, sizeof again);
        if (!same) {
            fprintf(stderr, "mognad user: the passwords differ\n");
            return -1;
        }
    }
    return 0;
}

int mg_cli_user(int argc, char **argv)
{
    const char *role = NULL, *unit = NULL, *login = NULL;
    bool json = false;
    struct mg_db *db = NULL;
    struct mg_db_conn *conn = NULL;
    char pw[MG_AUTH_MAX_PASSWORD + 2], msg[512];
    int rc = MG_EXIT_FAIL;

    if (mg_cli_help_requested(argc, argv, mg_cli_user_usage))
        return MG_EXIT_OK;
    if (argc < 2)
        return mg_cli_usage_error("user", "needs a subcommand: add, passwd, disable, enable or list");
    const char *sub = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc)
            unit = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-')
            return mg_cli_usage_error("user", "unknown option '%s'", argv[i]);
        else if (!login)
            login = argv[i];
        else
            return mg_cli_usage_error("user", "unexpected argument '%s'", argv[i]);
    }
    bool is_list = strcmp(sub, "list") == 0;
    if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 && strcmp(sub, "disable") != 0 &&
        strcmp(sub, "enable") != 0 && !is_list)
        return mg_cli_usage_error("user", "unknown subcommand '%s'", sub);
    if (!is_list && !login)
        return mg_cli_usage_error("user", "'%s' needs a LOGIN", sub);
    if (is_list && login)
        return mg_cli_usage_error("user", "'list' takes no LOGIN");
    if ((role || unit) && strcmp(sub, "add") != 0)
        return mg_cli_usage_error("user", "only 'add' takes --role and --unit");
    if (strcmp(sub, "add") == 0 && !role)
        return mg_cli_usage_error("user", "'add' needs --role admin, analyst, unit-viewer or registrar");

    db = mg_db_open(getenv("DATABASE_URL"), 1);
    if (!db || !(conn = mg_db_acquire(db))) {
        fprintf(stderr, "mognad user: cannot connect to the database (is DATABASE_URL right?)\n");
        goto cleanup;
    }
    enum mg_error err = MG_OK;
    if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0) {
        if (strcmp(sub, "add") == 0 && mg_role_parse(role) == MG_ROLE_NONE) {
            fprintf(stderr, "mognad user: role: must be admin, analyst, unit-viewer or registrar\n");
            goto cleanup;
        }
        if (get_new_password(pw, sizeof pw) != 0)
            goto cleanup;
        err = strcmp(sub, "add") == 0
                  ? mg_auth_user_add(conn, login, mg_role_parse(role), unit, pw, msg, sizeof msg)
                  : mg_auth_user_passwd(conn, login, pw, msg, sizeof msg);
        if (err == MG_OK)
            printf(strcmp(sub, "add") == 0 ? "added %s\n" : "changed the password of %s\n", login);
    } else if (!is_list) {
        bool disable = strcmp(sub, "disable") == 0;
        err = mg_auth_user_disable(conn, login, disable, msg, sizeof msg);
        if (err == MG_OK)
            printf("%s %s\n", disable ? "disabled" : "enabled", login);
    } else {
        cJSON *list = mg_auth_user_list(conn);
        if (!list) {
            err = MG_ERR_DB;
            snprintf(msg, sizeof msg, "could not read the users");
        } else if (json) {
            char *s = cJSON_Print(list);
            puts(s ? s : "[]");
            free(s);
        } else {
            const cJSON *u;
            printf("%-30s %-12s %-16s %s\n", "login", "role", "unit", "state");
            cJSON_ArrayForEach(u, list) {
                const cJSON *un = cJSON_GetObjectItem(u, "unit");
                printf("%-30s %-12s %-16s %s\n", cJSON_GetObjectItem(u, "login")->valuestring,
                       cJSON_GetObjectItem(u, "role")->valuestring,
                       cJSON_IsString(un) ? un->valuestring : "-",
                       cJSON_IsTrue(cJSON_GetObjectItem(u, "disabled")) ? "disabled" : "active");
            }
        }
        cJSON_Delete(list);
    }
    if (err != MG_OK) {
        fprintf(stderr, "mognad user: %s\n", msg);
        goto cleanup;
    }
    rc = MG_EXIT_OK;

cleanup:
    sodium_memzero(pw, sizeof pw);
    if (conn)
        mg_db_release(db, conn);
    mg_db_close(db);
    return rc;
}
