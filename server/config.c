/* config.c: parsing and validating the MOGNAD_* environment. */
#include "mg_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MG_DATADIR
#define MG_DATADIR "/usr/local/share/mognad"
#endif

const char mg_config_help[] =
    "Environment:\n"
    "  MOGNAD_LISTEN           address:port to listen on (default " MG_CONFIG_DEFAULT_LISTEN ")\n"
    "  DATABASE_URL            PostgreSQL connection string (default: libpq's PG* variables)\n"
    "  MOGNAD_KEY_FILE         key file made by 'mognad keygen' (default var/mognad.key)\n"
    "  MOGNAD_DATA_DIR         directory with sql/, surveys/ and web/; unset, the first of:\n"
    "                          ../share/mognad beside the binary's directory (an install),\n"
    "                          the source tree (a binary in build/), " MG_DATADIR "\n"
    "  MOGNAD_WEB_ROOT         static files (default MOGNAD_DATA_DIR/web)\n"
    "  MOGNAD_THREADS          HTTP worker threads (default 4)\n"
    "  MOGNAD_MAX_BODY         largest request body in bytes (default 1048576)\n"
    "  MOGNAD_MAX_UPLOAD       largest file upload (an HR register) in bytes (default 16777216)\n"
    "  MOGNAD_MAX_CONNECTIONS  open connections accepted at once (default 512)\n"
    "  MOGNAD_MAX_PER_CLIENT   open connections from one IP address (default 64; behind a\n"
    "                          reverse proxy every client is the proxy: raise it there)\n"
    "  MOGNAD_TIMEOUT          seconds before an idle connection is closed (default 30)\n"
    "  MOGNAD_BODY_TIMEOUT     seconds a request body may take in all, however slowly it\n"
    "                          trickles in; then the connection is closed (default 120)\n"
    "  MOGNAD_SCHEDULER_INTERVAL_MS  pause between scheduler passes (default 15000)\n"
    "  MOGNAD_TLS_PROXY        1 when behind a TLS reverse proxy: cookies get Secure\n"
    "  MOGNAD_TRUSTED_PROXIES  comma-separated addresses/CIDRs of reverse proxies whose\n"
    "                          X-Forwarded-For/-Proto are believed (default none)\n"
    "  MOGNAD_SSO_HEADER       header naming the HR user's login, set by a trusted proxy\n"
    "                          after single sign-on, e.g. X-Remote-User (default off)\n"
    "  MOGNAD_LOCAL_PASSWORDS  0 switches HR password login off (default 1)\n"
    "  MOGNAD_DATABASE_URL_RO  streaming replica for dashboard, indicator and export reads\n"
    "                          (default none: every read goes to DATABASE_URL)\n"
    "  MOGNAD_REPLICA_MAX_LAG  seconds the replica may be behind before reads go to the\n"
    "                          primary instead (default 30, 0 to 86400)\n"
    "  MOGNAD_PUBLIC_URL       base of links in invitations (default http://MOGNAD_LISTEN)\n"
    "  MOGNAD_ACCESSIBILITY_CONTACT  where the accessibility statement sends reports\n"
    "  MOGNAD_SENDMAIL         program for invite/remind --sendmail (default /usr/sbin/sendmail)\n";

int mg_config_parse_listen(const char *s, char *host, size_t hostlen,
                           unsigned short *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    unsigned char buf[sizeof(struct in6_addr)];

    if (!s || !*s)
        return -1;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return -1;
        h = s + 1;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1)
        return -1;

    const char *p = colon + 1;
    if (*p < '0' || *p > '9')
        return -1;
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (errno || *end || v < 0 || v > 65535)
        return -1;
    *port = (unsigned short)v;
    return 0;
}

/* Parses a positive decimal number within [min, max]; 0 on success. */
static int parse_uint(const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether `dir` holds sql/, the mark of a data directory. */
static int has_sql(const char *dir)
{
    char probe[PATH_MAX + 64];
    int n = snprintf(probe, sizeof probe, "%s/sql", dir);
    return n > 0 && (size_t)n < sizeof probe && is_dir(probe);
}

char *mg_config_default_data_dir(void)
{
    const char *env = getenv("MOGNAD_DATA_DIR");
    if (env && *env)
        return strdup(env);

    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash && slash != exe) {
            *slash = '\0';
            /* exe is now the binary's directory. An installed binary
             * (PREFIX/bin or PREFIX/sbin) finds PREFIX/share/mognad beside
             * it, so a staged (DESTDIR) or moved install uses its own data. */
            char rel[PATH_MAX + 32];
            snprintf(rel, sizeof rel, "%s/../share/mognad", exe);
            if (has_sql(rel)) {
                char *real = realpath(rel, NULL);
                return real ? real : strdup(rel);
            }
            /* build/mognad or build/asan/mognad: the source tree is one or
             * two levels up. */
            for (int up = 0; up < 2; up++) {
                slash = strrchr(exe, '/');
                if (!slash || slash == exe)
                    break;
                *slash = '\0';
                if (has_sql(exe))
                    return strdup(exe);
            }
        }
    }
    return strdup(MG_DATADIR);
}

int mg_config_load(struct mg_config *cfg, mg_config_getenv get, char *err,
                   size_t errlen)
{
    const char *v;
    unsigned long n;

    memset(cfg, 0, sizeof *cfg);

    v = get("MOGNAD_LISTEN");
    if (!v || !*v)
        v = MG_CONFIG_DEFAULT_LISTEN;
    if (mg_config_parse_listen(v, cfg->listen_host, sizeof cfg->listen_host,
                               &cfg->listen_port) != 0) {
        snprintf(err, errlen,
                 "MOGNAD_LISTEN: \"%s\" is not an address:port such as 127.0.0.1:8080 or [::1]:8080",
                 v);
        return -1;
    }

    cfg->threads = MG_CONFIG_DEFAULT_THREADS;
    v = get("MOGNAD_THREADS");
    if (v && *v) {
        if (parse_uint(v, 1, 256, &n) != 0) {
            snprintf(err, errlen, "MOGNAD_THREADS: \"%s\" is not a number from 1 to 256", v);
            return -1;
        }
        cfg->threads = (unsigned int)n;
    }

    cfg->max_body = MG_CONFIG_DEFAULT_MAX_BODY;
    v = get("MOGNAD_MAX_BODY");
    if (v && *v) {
        if (parse_uint(v, 1024, 1024UL * 1024 * 1024, &n) != 0) {
            snprintf(err, errlen,
                     "MOGNAD_MAX_BODY: \"%s\" is not a byte count from 1024 to 1073741824", v);
            return -1;
        }
        cfg->max_body = n;
    }

    /* File uploads (routes flagged MG_ROUTE_MULTIPART: HR registers) have
     * their own, larger limit; every other route keeps max_body. */
    cfg->max_upload = MG_CONFIG_DEFAULT_MAX_UPLOAD;
    v = get("MOGNAD_MAX_UPLOAD");
    if (v && *v) {
        if (parse_uint(v, 1024, 1024UL * 1024 * 1024, &n) != 0) {
            snprintf(err, errlen,
                     "MOGNAD_MAX_UPLOAD: \"%s\" is not a byte count from 1024 to 1073741824", v);
            return -1;
        }
        cfg->max_upload = n;
    }

    cfg->max_connections = MG_CONFIG_DEFAULT_MAX_CONNECTIONS;
    v = get("MOGNAD_MAX_CONNECTIONS");
    if (v && *v) {
        if (parse_uint(v, 1, 100000, &n) != 0) {
            snprintf(err, errlen,
                     "MOGNAD_MAX_CONNECTIONS: \"%s\" is not a number from 1 to 100000", v);
            return -1;
        }
        cfg->max_connections = (unsigned int)n;
    }

    cfg->max_per_client = MG_CONFIG_DEFAULT_MAX_PER_CLIENT;
    v = get("MOGNAD_MAX_PER_CLIENT");
    if (v && *v) {
        if (parse_uint(v, 1, 100000, &n) != 0) {
            snprintf(err, errlen,
                     "MOGNAD_MAX_PER_CLIENT: \"%s\" is not a number from 1 to 100000", v);
            return -1;
        }
        cfg->max_per_client = (unsigned int)n;
    }

    cfg->timeout = MG_CONFIG_DEFAULT_TIMEOUT;
    v = get("MOGNAD_TIMEOUT");
    if (v && *v) {
        if (parse_uint(v, 1, 3600, &n) != 0) {
            snprintf(err, errlen, "MOGNAD_TIMEOUT: \"%s\" is not a number of seconds from 1 to 3600", v);
            return -1;
        }
        cfg->timeout = (unsigned int)n;
    }

    cfg->body_timeout = MG_CONFIG_DEFAULT_BODY_TIMEOUT;
    v = get("MOGNAD_BODY_TIMEOUT");
    if (v && *v) {
        if (parse_uint(v, 1, 86400, &n) != 0) {
            snprintf(err, errlen, "MOGNAD_BODY_TIMEOUT: \"%s\" is not a number of seconds from 1 to 86400", v);
            return -1;
        }
        cfg->body_timeout = (unsigned int)n;
    }

    cfg->scheduler_ms = MG_CONFIG_DEFAULT_SCHEDULER_MS;
    v = get("MOGNAD_SCHEDULER_INTERVAL_MS");
    if (v && *v) {
        if (parse_uint(v, 50, 3600000, &n) != 0) {
            snprintf(err, errlen,
                     "MOGNAD_SCHEDULER_INTERVAL_MS: \"%s\" is not a number of milliseconds from 50 to 3600000", v);
            return -1;
        }
        cfg->scheduler_ms = (unsigned int)n;
    }

    cfg->replica_max_lag = MG_CONFIG_DEFAULT_REPLICA_MAX_LAG;
    v = get("MOGNAD_REPLICA_MAX_LAG");
    if (v && *v) {
        if (parse_uint(v, 0, 86400, &n) != 0) {
            snprintf(err, errlen, "MOGNAD_REPLICA_MAX_LAG: \"%s\" is not a number of seconds from 0 to 86400", v);
            return -1;
        }
        cfg->replica_max_lag = (unsigned int)n;
    }

    v = get("MOGNAD_TLS_PROXY");
    if (v && *v) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            snprintf(err, errlen, "MOGNAD_TLS_PROXY: \"%s\" must be 0 or 1", v);
            return -1;
        }
        cfg->tls_proxy = strcmp(v, "1") == 0;
    }

    v = get("MOGNAD_TRUSTED_PROXIES");
    if (v && *v) {
        char bad[80] = "";
        if (mg_proxy_parse_list(v, cfg->trusted_proxies, MG_PROXY_MAX, &cfg->n_trusted_proxies, bad,
                                sizeof bad) != 0) {
            snprintf(err, errlen,
                     "MOGNAD_TRUSTED_PROXIES: \"%s\" is not an address or network such as 10.0.0.5, "
                     "10.0.0.0/8 or fd00::/8 (at most %d, comma-separated)", bad, MG_PROXY_MAX);
            return -1;
        }
    }

    v = get("MOGNAD_SSO_HEADER");
    if (v && *v) {
        size_t len = strlen(v);
        if (len >= sizeof cfg->sso_header || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                       "0123456789-") != len ||
            strncasecmp(v, "X-Forwarded-", 12) == 0 || strcasecmp(v, "Cookie") == 0 ||
            strcasecmp(v, "Host") == 0) {
            snprintf(err, errlen, "MOGNAD_SSO_HEADER: \"%s\" is not a header name such as X-Remote-User "
                                  "(letters, digits and -, at most 64)", v);
            return -1;
        }
        if (cfg->n_trusted_proxies == 0) {
            snprintf(err, errlen, "MOGNAD_SSO_HEADER: needs MOGNAD_TRUSTED_PROXIES (the header is "
                                  "believed only from a trusted proxy)");
            return -1;
        }
        memcpy(cfg->sso_header, v, len + 1);
    }

    cfg->local_passwords = true;
    v = get("MOGNAD_LOCAL_PASSWORDS");
    if (v && *v) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            snprintf(err, errlen, "MOGNAD_LOCAL_PASSWORDS: \"%s\" must be 0 or 1", v);
            return -1;
        }
        cfg->local_passwords = strcmp(v, "1") == 0;
        if (!cfg->local_passwords && !cfg->sso_header[0]) {
            snprintf(err, errlen, "MOGNAD_LOCAL_PASSWORDS: 0 needs MOGNAD_SSO_HEADER (otherwise "
                                  "nobody could log in to the HR pages)");
            return -1;
        }
    }

    v = get("DATABASE_URL");
    if (v && *v)
        cfg->database_url = strdup(v);

    v = get("MOGNAD_PUBLIC_URL");
    if (v && *v) {
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || strlen(v) > 200 ||
            strpbrk(v, " \t\r\n\"<>")) {
            snprintf(err, errlen, "MOGNAD_PUBLIC_URL: \"%s\" is not an http:// or https:// address", v);
            free(cfg->database_url);
            cfg->database_url = NULL;
            return -1;
        }
        cfg->public_url = strdup(v);
        size_t len = cfg->public_url ? strlen(cfg->public_url) : 0;
        while (len && cfg->public_url[len - 1] == '/')
            cfg->public_url[--len] = '\0';
    } else {
        char buf[128];
        if (strchr(cfg->listen_host, ':'))
            snprintf(buf, sizeof buf, "http://[%s]:%u", cfg->listen_host, cfg->listen_port);
        else
            snprintf(buf, sizeof buf, "http://%s:%u", cfg->listen_host, cfg->listen_port);
        cfg->public_url = strdup(buf);
    }

    v = get("MOGNAD_KEY_FILE");
    cfg->key_file = strdup(v && *v ? v : "var/mognad.key");

    v = get("MOGNAD_DATA_DIR");
    cfg->data_dir = v && *v ? strdup(v) : mg_config_default_data_dir();

    v = get("MOGNAD_WEB_ROOT");
    if (v && *v) {
        cfg->web_root = strdup(v);
    } else if (cfg->data_dir) {
        size_t len = strlen(cfg->data_dir) + sizeof "/web";
        cfg->web_root = malloc(len);
        if (cfg->web_root)
            snprintf(cfg->web_root, len, "%s/web", cfg->data_dir);
    }

    v = get("MOGNAD_DATABASE_URL_RO");
    if (v && *v && !(cfg->database_url_ro = strdup(v))) {
        mg_config_free(cfg);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (!cfg->key_file || !cfg->data_dir || !cfg->web_root || !cfg->public_url ||
        (v = get("DATABASE_URL"), v && *v && !cfg->database_url)) {
        mg_config_free(cfg);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void mg_config_free(struct mg_config *cfg)
{
    free(cfg->database_url);
    free(cfg->key_file);
    free(cfg->data_dir);
    free(cfg->web_root);
    free(cfg->public_url);
    free(cfg->database_url_ro);
    cfg->database_url_ro = NULL;
    cfg->database_url = cfg->key_file = cfg->data_dir = cfg->web_root = cfg->public_url = NULL;
}
