/* static.c: static files from the web root, with ETag and no way out. */
#include "mg_static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mg_form.h"
#include "mg_http.h"
#include "mg_log.h"

int mg_static_normalise(const char *raw, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = raw;

    if (!raw || !*raw)
        return -1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t sl = slash ? (size_t)(slash - p) : strlen(p);
        char seg[256];
        size_t dl;

        if (sl == 0 || sl >= sizeof seg)
            return -1;
        if (mg_url_decode(p, sl, seg, &dl, false) != 0)
            return -1;
        if (seg[0] == '.' || strchr(seg, '/') || strchr(seg, '\\'))
            return -1;
        if (o + dl + 2 > outlen)
            return -1;
        if (o)
            out[o++] = '/';
        memcpy(out + o, seg, dl);
        o += dl;
        p += sl;
        if (*p == '/') {
            p++;
            if (*p == '\0')
                return -1; /* trailing slash: a directory */
        }
    }
    out[o] = '\0';
    return 0;
}

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".csv", "text/csv; charset=utf-8"},
    {".pdf", "application/pdf"},
    {".map", "application/json"},
};

const char *mg_static_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

enum MHD_Result mg_static_handle(struct mg_request *req)
{
    const char *raw = mg_params_get(&req->params, "path");
    const char *root = req->srv->web_root_real;
    char rel[PATH_MAX];
    char joined[PATH_MAX * 2];
    char *real = NULL;
    int fd = -1;
    struct stat st;
    enum MHD_Result ret;

    if (!root || !raw || mg_static_normalise(raw, rel, sizeof rel) != 0)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, NULL, NULL);

    snprintf(joined, sizeof joined, "%s/%s", root, rel);
    real = realpath(joined, NULL);
    size_t rootlen = strlen(root);
    if (!real || strncmp(real, root, rootlen) != 0 || real[rootlen] != '/') {
        free(real);
        return mg_reply_error(req, MG_ERR_NOT_FOUND, NULL, NULL);
    }
    fd = open(real, O_RDONLY | O_CLOEXEC);
    free(real);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return mg_reply_error(req, MG_ERR_NOT_FOUND, NULL, NULL);
    }

    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st.st_mtim.tv_nsec);

    const char *inm = mg_request_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *resp;
    unsigned int status;
    uint64_t bytes;
    if (inm && strstr(inm, etag)) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
        bytes = 0;
    } else {
        /* libmicrohttpd owns and closes `fd` from here on. */
        resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        if (!resp)
            close(fd);
        status = MHD_HTTP_OK;
        bytes = (uint64_t)st.st_size;
    }
    if (!resp)
        return mg_reply_error(req, MG_ERR_INTERNAL, NULL, NULL);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    /* Assets carry no content hash in their names, so browsers revalidate
     * every time; the 304 keeps that cheap. */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (status == MHD_HTTP_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                mg_static_content_type(rel));
    ret = mg_reply_response(req, status, resp, bytes);
    MHD_destroy_response(resp);
    return ret;
}
