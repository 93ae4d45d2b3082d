/* hr_export.c: the dashboard's downloads: a round's indicators (CSV,
 * CSV for Swedish and Norwegian Excel, Excel, JSON) and, for admins, the
 * research microdata (CSV, its codebook, SPSS .sav). The files come from
 * the same functions as `mognad export` (mg_indicators_round and
 * mg_microdata_export, so the privacy layer is beneath them) and every
 * download is written to the audit log with the user's id. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mg_audit.h"
#include "mg_auth.h"
#include "mg_db.h"
#include "mg_export.h"
#include "mg_handlers.h"
#include "mg_hr.h"
#include "mg_http.h"
#include "mg_indicators.h"
#include "mg_page.h"
#include "mg_rounds.h"

/* A new empty file of our own (mode 0600) in the temporary directory;
 * its name goes to `path`. Returns its descriptor, or -1. */
static int temp_file(char *path, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, len, "%s/mognad-export-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0)
        fchmod(fd, 0600);
    return fd;
}

/* Sends the file open at `fd` as an attachment named `name`; the response
 * owns `fd` from here (libmicrohttpd closes it). */
static enum MHD_Result send_file(struct mg_request *req, int fd, const char *type, const char *name)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return mg_reply_error(req, MG_ERR_INTERNAL, NULL, NULL);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "Content-Disposition", disp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = mg_reply_response(req, MHD_HTTP_OK, resp, (uint64_t)st.st_size);
    MHD_destroy_response(resp);
    return ret;
}

/* The language of a download: ?lang=, the page's cookie, the browser's,
 * and else the round's. */
static int download_lang(struct mg_request *req, const cJSON *round)
{
    bool from_query;
    int fallback = mg_export_lang(cJSON_GetStringValue(cJSON_GetObjectItem(round, "language")));
    enum mg_lang l = mg_page_lang(req, fallback < 0 ? MG_LANG_SV : (enum mg_lang)fallback, &from_query);
    return (int)l;
}

static const char *const lang_codes[] = {"sv", "nb", "nn", "en"};

static enum MHD_Result fail(struct mg_request *req, enum mg_error err)
{
    return mg_reply_error(req,
                          err == MG_ERR_NOT_FOUND || err == MG_ERR_FORBIDDEN || err == MG_ERR_ROUND_NOT_CLOSED
                              ? err
                              : MG_ERR_UNAVAILABLE,
                          NULL, NULL);
}

/* The audit entry of a download: the data may have come from the read
 * replica, the entry always goes to the primary. */
static int audit(struct mg_request *req, struct mg_db_conn *conn, const char *action, const cJSON *detail)
{
    if (!mg_db_conn_replica(conn))
        return mg_audit(conn, req->user.id, req->user.login, action, detail);
    struct mg_db_conn *primary = mg_db_acquire(req->srv->db);
    if (!primary)
        return -1;
    int qs = mg_audit(primary, req->user.id, req->user.login, action, detail);
    mg_db_release(req->srv->db, primary);
    return qs;
}

enum MHD_Result mg_handle_hr_export(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    const char *format = mg_form_get(&req->query, "format");
    const char *unit = mg_form_get(&req->query, "unit");
    const char *role_s = mg_form_get(&req->query, "role");
    enum mg_priv_role role = MG_PRIV_ALL;
    bool semicolon = false;

    if (!id)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, NULL, NULL);
    if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "csv-excel") != 0 && strcmp(format, "xlsx") != 0 &&
                    strcmp(format, "json") != 0))
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "format: must be csv, csv-excel, xlsx or json", "format");
    if (unit && (!*unit || strlen(unit) > 64 || strspn(unit, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                             "0123456789_.-") != strlen(unit)))
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "unit: not a unit code", "unit");
    if (!role_s)
        role_s = "all";
    if (mg_indicators_parse_role(role_s, &role) != 0)
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "role: must be staff, manager or all", "role");
    if (strcmp(format, "csv-excel") == 0)
        semicolon = true;
    int64_t viewer = 0;
    if (req->user.role == MG_ROLE_UNIT_VIEWER) {
        if (req->user.unit_id <= 0)
            return mg_reply_error(req, MG_ERR_FORBIDDEN, NULL, NULL);
        viewer = req->user.unit_id;
    }

    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = MG_OK;
    cJSON *round = mg_hr_round_get(req, &conn, id, &err), *ind = NULL;
    char msg[256] = "", path[4096] = "";
    int fd = -1, rc = -1;
    enum MHD_Result ret;
    if (!round) {
        ret = fail(req, err);
        goto done;
    }
    int lang = download_lang(req, round);
    struct mg_ind_query q = {unit, role, MG_IND_MAX_DEPTH, viewer};
    if ((err = mg_indicators_round(conn, id, &q, &ind, msg, sizeof msg)) != MG_OK) {
        ret = fail(req, err);
        goto done;
    }
    if ((fd = temp_file(path, sizeof path)) < 0) {
        ret = mg_reply_error(req, MG_ERR_INTERNAL, NULL, NULL);
        goto done;
    }
    const char *ext = "csv", *type = "text/csv; charset=utf-8";
    if (strcmp(format, "xlsx") == 0) {
        char e[512] = "";
        rc = mg_export_indicators_xlsx(path, ind, lang, e, sizeof e);
        ext = "xlsx";
        type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        close(fd);
        fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0)
            rc = -1;
    } else {
        FILE *f = fdopen(dup(fd), "w");
        if (f) {
            if (strcmp(format, "json") == 0) {
                char *text = cJSON_PrintUnformatted(ind);
                rc = text && fprintf(f, "%s\n", text) > 0 ? 0 : -1;
                free(text);
                ext = "json";
                type = "application/json";
            } else {
                rc = mg_export_indicators_csv(f, ind, lang, semicolon);
            }
            if (fclose(f) != 0)
                rc = -1;
        }
    }
    unlink(path);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        ret = mg_reply_error(req, MG_ERR_INTERNAL, NULL, NULL);
        goto done;
    }

    /* The same detail as `mognad export`, under the user's id. */
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "round", (double)id);
    cJSON_AddStringToObject(d, "format", strcmp(format, "csv-excel") == 0 ? "csv" : format);
    cJSON_AddBoolToObject(d, "microdata", false);
    if (semicolon)
        cJSON_AddBoolToObject(d, "semicolon", true);
    if (unit)
        cJSON_AddStringToObject(d, "unit", unit);
    cJSON_AddStringToObject(d, "role", role_s);
    cJSON_AddStringToObject(d, "lang", lang_codes[lang]);
    cJSON_AddStringToObject(d, "via", "dashboard");
    int qs = audit(req, conn, "export.indicators", d);
    cJSON_Delete(d);
    if (qs < 0) {
        close(fd);
        ret = mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
        goto done;
    }
    char name[160];
    const char *ucode = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ind, "round"), "unit"));
    if (!unit && !ucode)
        ucode = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(ind, "units"), 0), "code"));
    snprintf(name, sizeof name, "round-%lld-%s-%s-%s%s.%s", (long long)id, unit ? unit : ucode ? ucode : "all",
             role_s, lang_codes[lang], semicolon ? "-semicolon" : "", ext);
    ret = send_file(req, fd, type, name);

done:
    mg_db_release(req->srv->db, conn);
    cJSON_Delete(round);
    cJSON_Delete(ind);
    return ret;
}

enum MHD_Result mg_handle_hr_microdata(struct mg_request *req)
{
    int64_t id = mg_params_id(&req->params, "id");
    const char *format = mg_form_get(&req->query, "format");
    if (!id)
        return mg_reply_error(req, MG_ERR_NOT_FOUND, NULL, NULL);
    if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "codebook") != 0 && strcmp(format, "sav") != 0))
        return mg_reply_error(req, MG_ERR_INVALID_INPUT, "format: must be csv, codebook or sav", "format");
    bool sav = strcmp(format, "sav") == 0, codebook = strcmp(format, "codebook") == 0;

    struct mg_db_conn *conn = mg_db_acquire_read(req->srv->db);
    if (!conn)
        return mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
    enum mg_error err = MG_OK;
    cJSON *round = mg_hr_round_get(req, &conn, id, &err);
    char msg[256] = "", path[4096] = "";
    int fd = -1;
    enum MHD_Result ret;
    struct mg_microdata md;
    struct mg_md_sink sink;
    struct mg_md_sav s = {.path = path};
    struct mg_md_csv c = {NULL, NULL, false};
    memset(&md, 0, sizeof md);
    if (!round) {
        ret = fail(req, err);
        goto done;
    }
    int lang = download_lang(req, round);
    if ((fd = temp_file(path, sizeof path)) < 0) {
        ret = mg_reply_error(req, MG_ERR_INTERNAL, NULL, NULL);
        goto done;
    }
    int rc;
    if (sav) {
        close(fd);
        fd = -1;
        mg_md_sav_sink(&s, &sink);
        err = mg_microdata_export(conn, id, NULL, MG_PRIV_ALL, lang, &sink, &md, msg, sizeof msg);
        rc = err == MG_OK ? 0 : -1;
        mg_md_sav_close(&s, rc != 0);
        if (rc == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            rc = -1;
    } else {
        /* The file asked for is ours; the other part goes nowhere. */
        FILE *mine = fdopen(dup(fd), "w"), *other = fopen("/dev/null", "w");
        c.data = codebook ? other : mine;
        c.codebook = codebook ? mine : other;
        if (mine && other) {
            mg_md_csv_sink(&c, &sink);
            err = mg_microdata_export(conn, id, NULL, MG_PRIV_ALL, lang, &sink, &md, msg, sizeof msg);
            rc = err == MG_OK ? 0 : -1;
        } else {
            err = MG_ERR_INTERNAL;
            rc = -1;
        }
        if (mine && fclose(mine) != 0)
            rc = -1;
        if (other)
            fclose(other);
    }
    unlink(path);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        ret = err == MG_ERR_NOT_FOUND || err == MG_ERR_ROUND_NOT_CLOSED ? fail(req, err)
                                                                        : mg_reply_error(req, MG_ERR_INTERNAL, NULL, NULL);
        goto done;
    }
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "round", (double)id);
    cJSON_AddStringToObject(d, "format", sav ? "sav" : "csv");
    cJSON_AddBoolToObject(d, "microdata", true);
    if (codebook)
        cJSON_AddBoolToObject(d, "codebook", true);
    cJSON_AddStringToObject(d, "role", "all");
    cJSON_AddStringToObject(d, "lang", lang_codes[lang]);
    cJSON_AddNumberToObject(d, "rows", (double)md.nrows);
    cJSON_AddStringToObject(d, "via", "dashboard");
    int qs = audit(req, conn, "export.microdata", d);
    cJSON_Delete(d);
    if (qs < 0) {
        close(fd);
        ret = mg_reply_error(req, MG_ERR_UNAVAILABLE, NULL, NULL);
        goto done;
    }
    char name[120];
    snprintf(name, sizeof name, "round-%lld-microdata-%s%s", (long long)id, lang_codes[lang],
             sav ? ".sav" : codebook ? ".codebook.csv" : ".csv");
    ret = send_file(req, fd, sav ? "application/x-spss-sav" : "text/csv; charset=utf-8", name);

done:
    mg_microdata_free(&md);
    mg_db_release(req->srv->db, conn);
    cJSON_Delete(round);
    return ret;
}
