/* stubs.c: the replies server/static.c names but fuzz_router never calls,
 * so the route table links without the daemon. The handlers of the route
 * table get stubs generated from server/routes.o (fuzz.mk), so a new route
 * needs no change here. Calling a stub is a bug in a target: it aborts. */
#include <stdlib.h>

#include "mg_http.h"

enum MHD_Result mg_reply_error(struct mg_request *req, enum mg_error err, const char *message,
                               const char *field)
{
    (void)req, (void)err, (void)message, (void)field;
    abort();
}

enum MHD_Result mg_reply_response(struct mg_request *req, unsigned int status,
                                  struct MHD_Response *resp, uint64_t bytes)
{
    (void)req, (void)status, (void)resp, (void)bytes;
    abort();
}

const char *mg_request_header(struct mg_request *req, const char *name)
{
    (void)req, (void)name;
    abort();
}
