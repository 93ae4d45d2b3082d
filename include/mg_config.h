/* mg_config.h: server configuration read from MOGNAD_* environment variables. */
#ifndef MG_CONFIG_H
#define MG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mg_proxy.h"

#define MG_CONFIG_DEFAULT_LISTEN "127.0.0.1:8080"
#define MG_CONFIG_DEFAULT_THREADS 4
#define MG_CONFIG_DEFAULT_MAX_BODY (1024 * 1024)
#define MG_CONFIG_DEFAULT_MAX_UPLOAD (16 * 1024 * 1024)
#define MG_CONFIG_DEFAULT_MAX_CONNECTIONS 512
#define MG_CONFIG_DEFAULT_MAX_PER_CLIENT 64
#define MG_CONFIG_DEFAULT_TIMEOUT 30
#define MG_CONFIG_DEFAULT_BODY_TIMEOUT 120
#define MG_CONFIG_DEFAULT_SCHEDULER_MS 15000
#define MG_CONFIG_DEFAULT_REPLICA_MAX_LAG 30

struct mg_config {
    char listen_host[64];       /* numeric IPv4 or IPv6 address */
    unsigned short listen_port; /* 0 lets the kernel choose */
    char *database_url;         /* NULL: libpq's own defaults (PGHOST, ...) */
    char *key_file;             /* MOGNAD_KEY_FILE */
    char *data_dir;             /* holds sql/, surveys/ and web/ */
    char *web_root;             /* static files; default data_dir/web */
    unsigned int threads;       /* worker threads of the HTTP server */
    size_t max_body;            /* largest request body accepted, bytes */
    size_t max_upload;          /* largest multipart body (file upload), bytes */
    unsigned int max_connections;
    unsigned int max_per_client; /* open connections from one IP address */
    unsigned int timeout;       /* idle connection timeout, seconds */
    unsigned int body_timeout;  /* a request body's whole time, seconds */
    unsigned int scheduler_ms;  /* pause between scheduler passes */
    bool tls_proxy;             /* behind a TLS proxy: cookies are Secure */
    char *public_url;           /* base of links in invitations */
    /* MOGNAD_TRUSTED_PROXIES: peers whose X-Forwarded-* (and SSO header)
     * are believed; none by default. */
    struct mg_proxy_net trusted_proxies[MG_PROXY_MAX];
    size_t n_trusted_proxies;
    char sso_header[65];        /* MOGNAD_SSO_HEADER, "" when off */
    bool local_passwords;       /* MOGNAD_LOCAL_PASSWORDS (default 1) */
    char *database_url_ro;      /* MOGNAD_DATABASE_URL_RO, NULL when unset */
    unsigned int replica_max_lag; /* MOGNAD_REPLICA_MAX_LAG, seconds */
};

/* A function like getenv(3); tests pass their own. */
typedef const char *(*mg_config_getenv)(const char *name);

/* Fills `cfg` from the environment read through `get`. On a bad value
 * writes "VARIABLE: problem" to `err` and returns -1; `cfg` then holds
 * nothing to free. On success the caller frees with mg_config_free. */
int mg_config_load(struct mg_config *cfg, mg_config_getenv get, char *err,
                   size_t errlen);

void mg_config_free(struct mg_config *cfg);

/* Splits "host:port" or "[v6]:port" into `host` and `port`; 0 on success. */
int mg_config_parse_listen(const char *s, char *host, size_t hostlen,
                           unsigned short *port);

/* The directory holding sql/, surveys/ and web/, the first of:
 * MOGNAD_DATA_DIR; BINDIR/../share/mognad beside the running binary when it
 * has sql/ (an installed or DESTDIR-staged binary); the source tree one or
 * two levels above the binary when it has sql/ (build/mognad,
 * build/asan/mognad); the compiled-in MG_DATADIR ($(PREFIX)/share/mognad
 * of the Makefile). Caller frees. */
char *mg_config_default_data_dir(void);

/* The help text listing every variable with its default. */
extern const char mg_config_help[];

#endif
