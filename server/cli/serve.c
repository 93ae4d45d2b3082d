/* serve.c: `mognad serve`, the HTTP server until SIGTERM or SIGINT. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_cli.h"
#include "mg_survey.h"
#include "mg_config.h"
#include "mg_db.h"
#include "mg_http.h"
#include "mg_keys.h"
#include "mg_log.h"
#include "mg_router.h"
#include "mg_scheduler.h"

const char mg_cli_serve_usage[] =
    "Usage: mognad serve\n\n"
    "Serves the respondent pages, the HR dashboard and the JSON API on\n"
    "MOGNAD_LISTEN until SIGTERM or SIGINT, then lets requests in flight finish\n"
    "and exits 0. Configuration comes from the environment:\n\n";

/* Seconds requests in flight get to finish after SIGTERM. */
#define MG_SERVE_GRACE 10

int mg_cli_serve(int argc, char **argv)
{
    struct mg_config cfg;
    struct mg_server srv;
    char err[512];
    sigset_t set;
    int sig = 0;

    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(mg_cli_serve_usage, stdout);
        fputs(mg_config_help, stdout);
        return MG_EXIT_OK;
    }
    if (argc > 1)
        return mg_cli_usage_error("serve", "unexpected argument '%s'", argv[1]);
    if (mg_config_load(&cfg, (mg_config_getenv)getenv, err, sizeof err) != 0) {
        fprintf(stderr, "mognad serve: %s\n", err);
        return MG_EXIT_USAGE;
    }
    static struct mg_keys keys;
    if (mg_keys_load(cfg.key_file, &keys, err, sizeof err) != 0) {
        fprintf(stderr, "mognad serve: %s\n", err);
        mg_config_free(&cfg);
        return MG_EXIT_FAIL;
    }
    const char *test_routes = getenv("MOGNAD_TEST_ROUTES");
    mg_router_test_routes = test_routes && strcmp(test_routes, "1") == 0;

    /* Handle SIGINT and SIGTERM here only: block them before any thread
     * starts so every thread inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* glibc gives every thread that allocates its own malloc arena; with a
     * worker pool, the scheduler and libpq that multiplied the resident
     * memory under load (78 MB peak in make bench) for no speed gain. */
    mallopt(M_ARENA_MAX, 2);

    memset(&srv, 0, sizeof srv);
    srv.cfg = &cfg;
    srv.keys = &keys;
    srv.db = mg_db_open(cfg.database_url, cfg.threads + 2);
    if (srv.db && cfg.database_url_ro &&
        mg_db_set_replica(srv.db, mg_db_open_replica(cfg.database_url_ro, cfg.threads + 1),
                          cfg.replica_max_lag) != 0) {
        mg_db_close(srv.db);
        srv.db = NULL;
    }
    if (!srv.db || mg_http_start(&srv) != 0) {
        mg_db_close(srv.db);
        mg_keys_wipe(&keys);
        mg_config_free(&cfg);
        return MG_EXIT_FAIL;
    }
    if (strchr(cfg.listen_host, ':'))
        mg_log(MG_LOG_INFO, "listening on http://[%s]:%u/", cfg.listen_host, srv.port);
    else
        mg_log(MG_LOG_INFO, "listening on http://%s:%u/", cfg.listen_host, srv.port);

    struct mg_scheduler *sched = mg_scheduler_start(srv.db, cfg.scheduler_ms);
    if (!sched)
        mg_log(MG_LOG_ERROR, "the scheduler could not start; rounds will not open or close on time");

    sigwait(&set, &sig);
    mg_log(MG_LOG_INFO, "%s received, finishing requests in flight",
           sig == SIGTERM ? "SIGTERM" : "SIGINT");
    mg_scheduler_stop(sched);
    mg_http_stop(&srv, MG_SERVE_GRACE);
    mg_db_close(srv.db);
    mg_survey_cache_clear();
    mg_keys_wipe(&keys);
    mg_config_free(&cfg);
    mg_log(MG_LOG_INFO, "stopped");
    return MG_EXIT_OK;
}
