/* mg_handlers.h: the request handlers named in the route table. */
#ifndef MG_HANDLERS_H
#define MG_HANDLERS_H

#include <microhttpd.h>

struct mg_request;

/* handlers/health.c */
enum MHD_Result mg_handle_healthz(struct mg_request *req);
/* handlers/pages.c */
enum MHD_Result mg_handle_home(struct mg_request *req);
/* handlers/echo.c: only routed when MOGNAD_TEST_ROUTES=1 */
enum MHD_Result mg_handle_test_echo(struct mg_request *req);

/* handlers/api_session.c */
enum MHD_Result mg_handle_session_create(struct mg_request *req);
enum MHD_Result mg_handle_session_get(struct mg_request *req);
enum MHD_Result mg_handle_session_delete(struct mg_request *req);
/* handlers/api_rounds.c */
enum MHD_Result mg_handle_rounds_list(struct mg_request *req);
enum MHD_Result mg_handle_rounds_create(struct mg_request *req);
enum MHD_Result mg_handle_round_get(struct mg_request *req);
enum MHD_Result mg_handle_round_update(struct mg_request *req);
enum MHD_Result mg_handle_round_open(struct mg_request *req);
enum MHD_Result mg_handle_round_close(struct mg_request *req);
enum MHD_Result mg_handle_series_list(struct mg_request *req);
enum MHD_Result mg_handle_series_create(struct mg_request *req);
/* handlers/api_indicators.c */
enum MHD_Result mg_handle_round_indicators(struct mg_request *req);
enum MHD_Result mg_handle_round_overview(struct mg_request *req);
enum MHD_Result mg_handle_series_trend(struct mg_request *req);
/* handlers/dashboard.c: the HR dashboard's pages */
enum MHD_Result mg_handle_hr_login_form(struct mg_request *req);
enum MHD_Result mg_handle_hr_login(struct mg_request *req);
enum MHD_Result mg_handle_hr_logout(struct mg_request *req);
enum MHD_Result mg_handle_hr_rounds(struct mg_request *req);
enum MHD_Result mg_handle_hr_round(struct mg_request *req);
enum MHD_Result mg_handle_hr_unit(struct mg_request *req);
enum MHD_Result mg_handle_hr_trend(struct mg_request *req);
/* handlers/accessibility.c */
enum MHD_Result mg_handle_accessibility(struct mg_request *req);
/* handlers/respond.c */
enum MHD_Result mg_handle_respond_invitation(struct mg_request *req);
enum MHD_Result mg_handle_respond_open(struct mg_request *req);
enum MHD_Result mg_handle_respond_welcome(struct mg_request *req);
enum MHD_Result mg_handle_respond_page(struct mg_request *req);
enum MHD_Result mg_handle_respond_page_post(struct mg_request *req);
enum MHD_Result mg_handle_respond_review(struct mg_request *req);
enum MHD_Result mg_handle_respond_submit(struct mg_request *req);
enum MHD_Result mg_handle_respond_profile(struct mg_request *req);

/* ---- round management and the audit log (dashboard) ---- */
/* handlers/hr_manage.c: rounds and series in the browser (analysts) */
enum MHD_Result mg_handle_hr_manage(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_round_create(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_series_create(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_round(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_open(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_close_confirm(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_close(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_links(struct mg_request *req);
enum MHD_Result mg_handle_hr_manage_register(struct mg_request *req);
/* handlers/hr_audit.c: the audit log (admins) */
enum MHD_Result mg_handle_hr_audit(struct mg_request *req);
/* ---- exports, annual report and paper channel (dashboard) ---- */
/* handlers/hr_export.c, hr_report.c, hr_paper.c */
enum MHD_Result mg_handle_hr_export(struct mg_request *req);
enum MHD_Result mg_handle_hr_microdata(struct mg_request *req);
enum MHD_Result mg_handle_hr_report(struct mg_request *req);
enum MHD_Result mg_handle_hr_blank(struct mg_request *req);
enum MHD_Result mg_handle_hr_paper_rounds(struct mg_request *req);
enum MHD_Result mg_handle_hr_paper(struct mg_request *req);
enum MHD_Result mg_handle_hr_paper_post(struct mg_request *req);

#endif
