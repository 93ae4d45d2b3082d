/* mg_http.h: the HTTP core: daemon, request state, dispatch and replies. */
#ifndef MG_HTTP_H
#define MG_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mg_audit.h"
#include "mg_auth.h"
#include "mg_error.h"
#include "mg_form.h"
#include "mg_router.h"

struct cJSON;
struct mg_config;
struct mg_db;
struct mg_keys;

/* What a running server shares with its handlers. */
struct mg_server {
    const struct mg_config *cfg;
    struct mg_db *db;
    const struct mg_keys *keys;
    struct MHD_Daemon *daemon;
    char *web_root_real;        /* realpath of cfg->web_root, or NULL */
    unsigned short port;        /* the port actually bound */
    volatile int active;        /* requests between first call and completion */
    volatile int connections;   /* open connections (MOGNAD_MAX_CONNECTIONS) */
};

/* The file of a multipart/form-data body (the first part with a file
 * name). Its bytes may be personal data (an HR register): never logged,
 * wiped before they are freed. */
struct mg_upload {
    char *data;                 /* NUL-terminated; NULL when no file came */
    size_t len, cap;
    bool present;               /* a part with a non-empty file name came */
};

/* One request, from libmicrohttpd's first call to its completion callback. */
struct mg_request {
    struct mg_server *srv;
    struct MHD_Connection *conn;
    const char *method;         /* owned by libmicrohttpd */
    char *path;                 /* raw path, not percent-decoded */
    const struct mg_route *route;
    struct mg_params params;    /* decoded path parameters */
    struct mg_form query;       /* decoded query string */
    struct mg_form form;        /* decoded form body */
    struct cJSON *json;         /* parsed JSON body, or NULL */
    char *body;
    size_t body_len, body_cap;
    bool body_too_large;
    struct MHD_PostProcessor *pp; /* multipart routes only, until dispatch */
    struct mg_upload upload;    /* multipart routes: the uploaded file */
    size_t body_seen;           /* raw multipart bytes, for the limit */
    bool bad_multipart;         /* malformed or over the field limits */
    bool bad_query;             /* the query string did not decode */
    bool html;                  /* errors as HTML pages rather than JSON */
    bool replied;
    unsigned int status;
    uint64_t bytes;
    struct timespec started;
    struct mg_user user;        /* the HR user, on routes that need one */
    bool has_user;
    /* Set once per request from the TCP peer (see MOGNAD_TRUSTED_PROXIES). */
    bool peer_trusted;          /* the peer is a trusted reverse proxy */
    bool secure;                /* cookies get Secure (TLS proxy or X-Forwarded-Proto) */
    char client[64];            /* the client address (forwarded when trusted); never logged */
    char set_cookie[200];       /* a session cookie made by single sign-on, sent with the reply */
};

/* Starts the daemon described by `srv->cfg`; 0 on success. */
int mg_http_start(struct mg_server *srv);
/* Stops accepting, waits up to `grace_seconds` for requests in flight,
 * then closes every connection. */
void mg_http_stop(struct mg_server *srv, unsigned int grace_seconds);

/* The request's HR user as the actor of an audit log entry. */
static inline struct mg_actor mg_request_actor(const struct mg_request *req)
{
    return (struct mg_actor){req->user.id, req->user.login};
}

/* Replies. Each queues exactly one response with the security headers,
 * records status and size for the access log and returns MHD_YES unless
 * libmicrohttpd could not queue it. */

/* JSON reply; takes ownership of `body`. */
enum MHD_Result mg_reply_json(struct mg_request *req, unsigned int status,
                              struct cJSON *body);
/* The error shape {"error":{"code","message"[,"field"]}} (or an HTML error
 * page for browser routes). `message` NULL uses the default for `err`;
 * `field` names the offending input, or NULL. */
enum MHD_Result mg_reply_error(struct mg_request *req, enum mg_error err,
                               const char *message, const char *field);
/* Any body, copied; `content_type` required. */
enum MHD_Result mg_reply_buffer(struct mg_request *req, unsigned int status,
                                const char *content_type, const void *buf,
                                size_t len);
/* Queues `resp` after adding the security headers; `resp` stays owned by
 * the caller (destroy it after this call). */
enum MHD_Result mg_reply_response(struct mg_request *req, unsigned int status,
                                  struct MHD_Response *resp, uint64_t bytes);
/* 303 See Other to `location`. */
enum MHD_Result mg_reply_redirect(struct mg_request *req, const char *location);

/* A request header, or NULL. */
const char *mg_request_header(struct mg_request *req, const char *name);

/* The client's address as text (for throttling; never stored in clear):
 * the TCP peer, or when that is a trusted proxy the client it names in
 * X-Forwarded-For. */
void mg_request_client(struct mg_request *req, char *out, size_t outlen);

/* The HR login a trusted proxy asserts in MOGNAD_SSO_HEADER, or NULL (no
 * header configured, the peer is not a trusted proxy, or no header). */
const char *mg_request_sso_login(struct mg_request *req);

/* Adds the headers every response carries. */
void mg_http_add_security_headers(struct MHD_Response *resp);

#endif
