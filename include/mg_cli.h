/* mg_cli.h: the subcommands of the mognad program. */
#ifndef MG_CLI_H
#define MG_CLI_H

#include <stdbool.h>

/* Exit statuses shared by every subcommand. */
#define MG_EXIT_OK 0
#define MG_EXIT_FAIL 1  /* the command ran and failed (bad file, database) */
#define MG_EXIT_USAGE 2 /* unknown command or option, missing argument */

struct mg_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full help text printed by `mognad NAME --help` */
};

/* When argv holds -h or --help, prints `usage` to stdout and returns true. */
bool mg_cli_help_requested(int argc, char **argv, const char *usage);
/* Prints "mognad NAME: message" and a hint to stderr; returns MG_EXIT_USAGE. */
int mg_cli_usage_error(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct mg_keys;
struct mg_csv;
/* Reads and parses a CSV file for command NAME; prints every problem as
 * FILE:LINE: problem. Returns 0, or -1 (free `csv` either way). */
int mg_cli_read_csv(const char *name, const char *path, struct mg_csv *csv);
/* Loads the key file named by MOGNAD_KEY_FILE (default var/mognad.key);
 * on failure prints "mognad NAME: reason" and returns -1. */
int mg_cli_load_keys(const char *name, struct mg_keys *keys);

int mg_cli_serve(int argc, char **argv);
int mg_cli_migrate(int argc, char **argv);
int mg_cli_keygen(int argc, char **argv);
int mg_cli_round(int argc, char **argv);
int mg_cli_series(int argc, char **argv);
int mg_cli_user(int argc, char **argv);
int mg_cli_units(int argc, char **argv);
int mg_cli_invite(int argc, char **argv);
int mg_cli_remind(int argc, char **argv);
int mg_cli_survey(int argc, char **argv);
int mg_cli_indicators(int argc, char **argv);
int mg_cli_anonymise(int argc, char **argv);
int mg_cli_demo(int argc, char **argv);
int mg_cli_export(int argc, char **argv);
int mg_cli_audit(int argc, char **argv);

extern const char mg_cli_serve_usage[];
extern const char mg_cli_migrate_usage[];
extern const char mg_cli_keygen_usage[];
extern const char mg_cli_round_usage[];
extern const char mg_cli_series_usage[];
extern const char mg_cli_user_usage[];
extern const char mg_cli_units_usage[];
extern const char mg_cli_invite_usage[];
extern const char mg_cli_remind_usage[];
extern const char mg_cli_survey_usage[];
extern const char mg_cli_indicators_usage[];
extern const char mg_cli_anonymise_usage[];
extern const char mg_cli_demo_usage[];
extern const char mg_cli_export_usage[];
extern const char mg_cli_audit_usage[];

#endif
