/* html.c: error pages in the same accessible shell as the other pages. */
#include "mg_html.h"

#include "mg_buf.h"

char *mg_html_error_page(unsigned int status, const char *message)
{
    struct mg_buf b = {0};

    mg_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    mg_buf_printf(&b, "<title>Error %u · mognad</title>\n", status);
    mg_buf_puts(&b, "<link rel=\"stylesheet\" href=\"/static/css/mognad.css\">\n</head>\n"
                    "<body>\n<main id=\"main\" class=\"page\">\n");
    mg_buf_printf(&b, "<h1>Error %u</h1>\n<p>", status);
    mg_buf_html(&b, message);
    mg_buf_puts(&b, "</p>\n<p><a href=\"/\">Go to the start page</a></p>\n</main>\n</body>\n</html>\n");
    return mg_buf_steal(&b);
}
