/* main.c: the table of subcommands and nothing else. */
#include <stdio.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_config.h"

static const struct mg_cli_command commands[] = {
    {"serve", mg_cli_serve, "run the HTTP server and the round scheduler", mg_cli_serve_usage},
    {"migrate", mg_cli_migrate, "apply the SQL migrations in sql/", mg_cli_migrate_usage},
    {"round", mg_cli_round, "create, change, open, close and list rounds", mg_cli_round_usage},
    {"series", mg_cli_series, "schedule repeat measurements from a template round", mg_cli_series_usage},
    {"user", mg_cli_user, "add, change and list HR accounts", mg_cli_user_usage},
    {"units", mg_cli_units, "import the organisation tree and expected headcounts", mg_cli_units_usage},
    {"invite", mg_cli_invite, "make invitation links for a round from an HR register", mg_cli_invite_usage},
    {"remind", mg_cli_remind, "make reminders for those who have not answered", mg_cli_remind_usage},
    {"survey", mg_cli_survey, "check and load survey definitions", mg_cli_survey_usage},
    {"indicators", mg_cli_indicators, "print a round's indicators as JSON, privacy rule applied",
     mg_cli_indicators_usage},
    {"export", mg_cli_export, "export indicators (csv, xlsx, json) or research microdata (csv, sav)",
     mg_cli_export_usage},
    {"audit", mg_cli_audit, "print the audit log, newest first", mg_cli_audit_usage},
    {"anonymise", mg_cli_anonymise, "remove the pseudonyms of a finished series", mg_cli_anonymise_usage},
    {"demo", mg_cli_demo, "fill an empty database with a demonstration organisation and rounds",
     mg_cli_demo_usage},
    {"keygen", mg_cli_keygen, "write a new key file for links and pseudonyms", mg_cli_keygen_usage},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: mognad COMMAND [OPTIONS]\n"
               "       mognad --help | --version\n\n"
               "mognad measures staff's digital competence and the organisation's digital\n"
               "maturity, and shows HR aggregated indicators per department.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'mognad COMMAND --help' for a command's options.\n\n%s", mg_config_help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MG_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return MG_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("mognad %s\n", MG_VERSION);
        return MG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (argv[1][0] == '-')
        fprintf(stderr, "mognad: unknown option '%s' (see 'mognad --help')\n", argv[1]);
    else
        fprintf(stderr, "mognad: unknown command '%s' (see 'mognad --help')\n", argv[1]);
    return MG_EXIT_USAGE;
}
