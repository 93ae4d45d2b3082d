/* pages.c: the start page. */
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_handlers.h"
#include "mg_http.h"

enum MHD_Result mg_handle_home(struct mg_request *req)
{
    struct mg_buf b = {0};
    enum MHD_Result ret;

    mg_buf_puts(&b,
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>mognad</title>\n"
                "<link rel=\"stylesheet\" href=\"/static/css/mognad.css\">\n</head>\n<body>\n"
                "<main id=\"main\" class=\"page\">\n<h1>mognad</h1>\n"
                "<p>Digital competence and maturity survey. To answer a survey, open the "
                "link in your invitation.</p>\n</main>\n</body>\n</html>\n");
    char *page = mg_buf_steal(&b);
    if (!page)
        return MHD_NO;
    ret = mg_reply_buffer(req, 200, "text/html; charset=utf-8", page, strlen(page));
    free(page);
    return ret;
}
