/* echo.c: a test-only route that reports how the HTTP core parsed a body. */
#include <cjson/cJSON.h>

#include "mg_handlers.h"
#include "mg_http.h"

enum MHD_Result mg_handle_test_echo(struct mg_request *req)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *form = cJSON_AddObjectToObject(out, "form");
    cJSON *query = cJSON_AddObjectToObject(out, "query");

    for (size_t i = 0; i < req->form.n; i++)
        cJSON_AddStringToObject(form, req->form.pairs[i].key, req->form.pairs[i].value);
    for (size_t i = 0; i < req->query.n; i++)
        cJSON_AddStringToObject(query, req->query.pairs[i].key, req->query.pairs[i].value);
    if (req->json)
        cJSON_AddItemToObject(out, "json", cJSON_Duplicate(req->json, 1));
    cJSON_AddNumberToObject(out, "body_bytes", (double)req->body_len);
    const char *p = mg_params_get(&req->params, "name");
    if (p)
        cJSON_AddStringToObject(out, "name", p);
    return mg_reply_json(req, 200, out);
}
