/* mg_hr_manage.h: the page shell shared by the dashboard's round
 * management and audit log pages (handlers/hr_manage.c, hr_audit.c). */
#ifndef MG_HR_MANAGE_H
#define MG_HR_MANAGE_H

#include <microhttpd.h>
#include <stdbool.h>

#include "mg_buf.h"
#include "mg_i18n.h"

struct mg_request;

struct mg_hrm_page {
    struct mg_request *req;
    enum mg_lang lang;
    bool remember; /* ?lang= chose the language: remember it */
    struct mg_buf b;
};

/* One problem of a form: the id of the field it is about (NULL: the form
 * as a whole) and its message. */
struct mg_hrm_error {
    const char *field;
    enum mg_msg msg;
};

void mg_hrm_page_begin(struct mg_hrm_page *p, struct mg_request *req);
/* Opens the dashboard shell (user bar with the navigation); `self` is the
 * page's address with its query, for the language links. */
void mg_hrm_page_open(struct mg_hrm_page *p, const char *title, const char *self);
/* Closes and sends the page (p->b is freed). */
enum MHD_Result mg_hrm_page_send(struct mg_hrm_page *p, unsigned int status);
/* A page with a heading, a paragraph and a link back. */
enum MHD_Result mg_hrm_notice(struct mg_request *req, unsigned int status, enum mg_msg title, enum mg_msg text);
/* The error summary (focused on load, links to each field); nothing when
 * `n` is 0. */
void mg_hrm_error_summary(struct mg_hrm_page *p, const struct mg_hrm_error *errs, int n);
/* The message for field `id` among `errs` (as a <p class="error">), and
 * whether there is one. */
bool mg_hrm_field_error(struct mg_hrm_page *p, const struct mg_hrm_error *errs, int n, const char *id);

#endif
