/* http_limit.c: the HTTP limit for the benchmark. A minimal libmicrohttpd
 * server with mognad serve's daemon settings (server/http.c: internal
 * polling thread, epoll, thread pool of MOGNAD_THREADS, connection limit,
 * timeout) that answers every request with a fixed body of BYTES bytes,
 * made per request as mognad makes its replies (MHD_RESPMEM_MUST_COPY).
 *
 *   http_limit PORT BYTES [THREADS]      runs until SIGTERM/SIGINT */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *body;
static size_t body_len;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload_data;
    if (*req_cls == NULL) { /* first call: headers only */
        *req_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: http_limit PORT BYTES [THREADS]\n");
        return 2;
    }
    unsigned port = (unsigned)strtoul(argv[1], NULL, 10);
    body_len = strtoul(argv[2], NULL, 10);
    unsigned threads = argc == 4 ? (unsigned)strtoul(argv[3], NULL, 10) : 4;
    body = malloc(body_len + 1);
    if (!body)
        return 1;
    for (size_t i = 0; i < body_len; i++)
        body[i] = (char)('a' + i % 26);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC, (uint16_t)port, NULL,
        NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 512u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "http_limit: cannot listen on port %u\n", port);
        return 1;
    }
    while (!stop)
        pause();
    MHD_stop_daemon(d);
    free(body);
    return 0;
}
