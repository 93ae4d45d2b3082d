/* api_session.c: HR login, the current session and logout. */
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "mg_auth.h"
#include "mg_config.h"
#include "mg_db.h"
#include "mg_handlers.h"
#include "mg_http.h"
#include "mg_json.h"

static cJSON *user_json(const struct mg_user *u)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "login", u->login);
    cJSON_AddStringToObject(o, "role", mg_role_name(u->role));
    if (u->unit_code[0])
        cJSON_AddStringToObject(o, "unit", u->unit_code);
    else
        cJSON_AddNullToObject(o, "unit");
    cJSON_AddStringToObject(o, "csrf_token", u->csrf.text);
    return o;
}

/* Sets or clears the session cookie on a JSON reply. */
static enum MHD_Result reply_with_cookie(struct mg_request *req, unsigned int status, cJSON *body,
                                         const char *token)
{
    char *text = cJSON_PrintUnformatted(body);
    char cookie[200];
    cJSON_Delete(body);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        cJSON_free(text);
        return MHD_NO;
    }
    const char *secure = req->secure ? "; Secure" : "";
    if (token)
        snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                 MG_AUTH_COOKIE, token, secure);
    else
        snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                 MG_AUTH_COOKIE, secure);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    sodium_memzero(cookie, sizeof cookie);
    enum MHD_Result ret = mg_reply_response(req, status, resp, 0);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result mg_handle_session_create(struct mg_request *req)
{
    static const char *const allowed[] = {"login", "password", NULL};
    const char *login, *password, *bad;
    char client[64];
    struct mg_user user;
    struct mg_token token;
    unsigned int retry = 0;

    if (!req->srv->cfg->local_passwords)
        return mg_reply_error(req, MG_ERR_FORBIDDEN,
                              "Password login is switched off here; sign in through your "
                              "organisation's single sign-on.", NULL);
    if ((bad = mg_json_unknown_field(req->json, allowed)))
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "Unknown field.", bad);
    if (mg_json_string(req->json, "login", &login) || !login)
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "A login is required.", "login");
    if (mg_json_string(req->json, "password", &password) || !password)
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "A password is required.", "password");
    mg_request_client(req, client, sizeof client);

    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = mg_auth_login(conn, req->srv->keys, login, password, client, &user, &token, &retry);
    mg_db_release(req->srv->db, conn);
    if (err == MG_ERR_TOO_MANY_ATTEMPTS) {
        char after[16];
        snprintf(after, sizeof after, "%u", retry);
        cJSON *body = mg_error_json(err, NULL, NULL);
        char *text = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        struct MHD_Response *resp =
            text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
        if (!resp) {
            cJSON_free(text);
            return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        enum MHD_Result ret = mg_reply_response(req, 429, resp, 0);
        MHD_destroy_response(resp);
        return ret;
    }
    if (err == MG_ERR_UNAUTHORISED)
        return mg_reply_error(req, err, "The login or the password is wrong.", NULL);
    if (err != MG_OK)
        return mg_reply_error(req, err, NULL, NULL);
    enum MHD_Result ret = reply_with_cookie(req, 201, user_json(&user), token.text);
    sodium_memzero(&token, sizeof token);
    sodium_memzero(&user.csrf, sizeof user.csrf);
    return ret;
}

enum MHD_Result mg_handle_session_get(struct mg_request *req)
{
    return mg_reply_json(req, 200, user_json(&req->user));
}

enum MHD_Result mg_handle_session_delete(struct mg_request *req)
{
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, MG_AUTH_COOKIE);
    struct mg_db_conn *conn = mg_db_acquire(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = mg_auth_logout(conn, cookie, &req->user);
    mg_db_release(req->srv->db, conn);
    if (err != MG_OK)
        return mg_reply_error(req, err, NULL, NULL);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddBoolToObject(body, "logged_out", true);
    return reply_with_cookie(req, 200, body, NULL);
}
