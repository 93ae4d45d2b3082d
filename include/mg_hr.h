/* mg_hr.h: what the dashboard's export, report and paper pages
 * (handlers/hr_*.c) share: the page shell with the user bar, reads that
 * may go to the replica, and the download links the overview and drill-down pages show. */
#ifndef MG_HR_H
#define MG_HR_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "mg_error.h"
#include "mg_i18n.h"

struct cJSON;
struct mg_buf;
struct mg_db_conn;
struct mg_request;

/* Dashboard, indicator and export reads take their connection with
 * mg_db_acquire_read, so they go to the read replica while it is current.
 * A round created moments ago may not be there yet: this reads the round
 * on *conn and, when the replica says "not found", again on the primary,
 * leaving *conn a primary connection (NULL with MG_ERR_UNAVAILABLE when
 * none can be had). */
struct cJSON *mg_hr_round_get(struct mg_request *req, struct mg_db_conn **conn, int64_t id, enum mg_error *err);

/* True when a read that said `err` on `conn` should be asked again on the
 * primary: "not found" from the replica. Releases `conn` in that case. */
bool mg_hr_ask_primary(struct mg_request *req, struct mg_db_conn *conn, enum mg_error err);

struct mg_user;

/* The user's first page: /hr/paper for the registrar, /hr for the rest. */
const char *mg_hr_home(const struct mg_user *user);

/* The user bar of every dashboard page of a logged-in user: the way home,
 * management and the audit log for the roles that may use them, who is
 * logged in and the logout button. Appended to `h`. */
void mg_hr_userbar(struct mg_buf *h, const struct mg_request *req, enum mg_lang lang);

/* Opens a dashboard page in `b`: the shell with the user bar, the
 * dashboard's stylesheet or `stylesheet` when not NULL. `self` is the
 * page's address with its query (for the language links). */
void mg_hr_page_open(struct mg_buf *b, struct mg_request *req, enum mg_lang lang, const char *title,
                     const char *self, const char *stylesheet);

/* A page with a heading and a paragraph in the dashboard's shell. */
enum MHD_Result mg_hr_notice(struct mg_request *req, unsigned int status, enum mg_lang lang, enum mg_msg title,
                             const char *text);

/* The download section of a round's overview (`unit` NULL) or of a unit's
 * drill-down: indicators as CSV, CSV for Swedish/Norwegian Excel, Excel
 * and JSON for `role` ("all", "staff", "manager") in `lang`; with `admin`
 * also the research microdata (k: the round's minimum group size); with
 * `blank` (the round's staff and manager survey ids, 0 for none) also the
 * annual report and the blank paper questionnaires. */
void mg_hr_download_links(struct mg_buf *b, enum mg_lang lang, int64_t round, const char *unit, const char *role,
                          bool admin, const int64_t *blank, bool closed, int k);

/* A round's mode and state as texts of the dashboard. */
enum mg_msg mg_hr_mode_msg(const char *mode);
enum mg_msg mg_hr_state_msg(const char *state);
/* Appends the date part (YYYY-MM-DD) of an ISO time, escaped. */
void mg_hr_put_date(struct mg_buf *b, const char *iso);

#endif
