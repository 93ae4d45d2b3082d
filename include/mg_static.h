/* mg_static.h: serving files from the web root without escaping it. */
#ifndef MG_STATIC_H
#define MG_STATIC_H

#include <microhttpd.h>
#include <stddef.h>

struct mg_request;

/* Turns the raw URL remainder `raw` ("css/app.css", percent-encoded) into a
 * safe relative path in `out`. Refuses (-1) empty, ".", ".." and hidden
 * segments, encoded '/' or '\\', NUL, bad escapes and invalid UTF-8. */
int mg_static_normalise(const char *raw, char *out, size_t outlen);

/* The Content-Type for a file name, by its extension. */
const char *mg_static_content_type(const char *name);

/* GET /static/{*path}: the file, with ETag, 304 and Cache-Control; 404 for
 * anything outside the web root, symlinks that lead out included. */
enum MHD_Result mg_static_handle(struct mg_request *req);

#endif
