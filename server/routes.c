/* routes.c: every URL the server answers, its method, flags and handler. */
#include "mg_handlers.h"
#include "mg_router.h"
#include "mg_static.h"

const struct mg_route mg_routes[] = {
    {"GET", "/", mg_handle_home, MG_ROUTE_HTML},
    {"GET", "/healthz", mg_handle_healthz, 0},
    {"GET", "/static/{*path}", mg_static_handle, 0},

    /* Respondents: links become a cookie at once (the token is logged as
     * the pattern only), then server-rendered pages. */
    {"GET", "/s/{token}", mg_handle_respond_invitation, MG_ROUTE_HTML | MG_ROUTE_SECRET},
    /* The same with the language HR's register gives the person. */
    {"GET", "/s/{token}/{lang}", mg_handle_respond_invitation, MG_ROUTE_HTML | MG_ROUTE_SECRET},
    {"GET", "/o/{token}", mg_handle_respond_open, MG_ROUTE_HTML | MG_ROUTE_SECRET},
    {"GET", "/survey", mg_handle_respond_welcome, MG_ROUTE_HTML},
    {"GET", "/accessibility", mg_handle_accessibility, MG_ROUTE_HTML},
    {"GET", "/survey/page/{n}", mg_handle_respond_page, MG_ROUTE_HTML},
    {"POST", "/survey/page/{n}", mg_handle_respond_page_post, MG_ROUTE_HTML | MG_ROUTE_FORM_BODY},
    {"GET", "/survey/review", mg_handle_respond_review, MG_ROUTE_HTML},
    {"POST", "/survey/submit", mg_handle_respond_submit, MG_ROUTE_HTML | MG_ROUTE_FORM_BODY},
    {"GET", "/survey/profile", mg_handle_respond_profile, MG_ROUTE_HTML},

    /* HR session */
    {"POST", "/api/v1/session", mg_handle_session_create, MG_ROUTE_JSON_BODY},
    {"GET", "/api/v1/session", mg_handle_session_get, MG_ROUTE_VIEWER | MG_ROUTE_PAPER},
    {"DELETE", "/api/v1/session", mg_handle_session_delete, MG_ROUTE_VIEWER | MG_ROUTE_PAPER},

    /* Rounds and series */
    {"GET", "/api/v1/rounds", mg_handle_rounds_list, MG_ROUTE_ANALYST},
    {"POST", "/api/v1/rounds", mg_handle_rounds_create, MG_ROUTE_ANALYST | MG_ROUTE_JSON_BODY},
    {"GET", "/api/v1/rounds/{id}", mg_handle_round_get, MG_ROUTE_ANALYST | MG_ROUTE_ROUND},
    {"PATCH", "/api/v1/rounds/{id}", mg_handle_round_update, MG_ROUTE_ANALYST | MG_ROUTE_JSON_BODY | MG_ROUTE_ROUND},
    {"POST", "/api/v1/rounds/{id}/open", mg_handle_round_open, MG_ROUTE_ANALYST | MG_ROUTE_JSON_BODY | MG_ROUTE_FORM_BODY | MG_ROUTE_ROUND},
    {"POST", "/api/v1/rounds/{id}/close", mg_handle_round_close, MG_ROUTE_ANALYST | MG_ROUTE_JSON_BODY | MG_ROUTE_FORM_BODY | MG_ROUTE_ROUND},
    {"GET", "/api/v1/series", mg_handle_series_list, MG_ROUTE_ANALYST},
    {"POST", "/api/v1/series", mg_handle_series_create, MG_ROUTE_ANALYST | MG_ROUTE_JSON_BODY},

    /* Indicators: aggregates with the privacy rule applied beneath them;
     * unit-viewers see their own unit's subtree only. */
    {"GET", "/api/v1/rounds/{id}/indicators", mg_handle_round_indicators, MG_ROUTE_VIEWER | MG_ROUTE_ROUND},
    {"GET", "/api/v1/rounds/{id}/overview", mg_handle_round_overview, MG_ROUTE_VIEWER | MG_ROUTE_ROUND},
    {"GET", "/api/v1/series/{id}/trend", mg_handle_series_trend, MG_ROUTE_VIEWER | MG_ROUTE_SERIES},

    /* The HR dashboard: server-rendered pages on the indicators module.
     * Without a session they redirect to /hr/login (server/http.c). */
    {"GET", "/hr/login", mg_handle_hr_login_form, MG_ROUTE_HTML},
    {"POST", "/hr/login", mg_handle_hr_login, MG_ROUTE_HTML | MG_ROUTE_FORM_BODY},
    {"POST", "/hr/logout", mg_handle_hr_logout, MG_ROUTE_HTML | MG_ROUTE_VIEWER | MG_ROUTE_PAPER | MG_ROUTE_FORM_BODY},
    {"GET", "/hr", mg_handle_hr_rounds, MG_ROUTE_HTML | MG_ROUTE_VIEWER},
    {"GET", "/hr/rounds/{id}", mg_handle_hr_round, MG_ROUTE_HTML | MG_ROUTE_VIEWER | MG_ROUTE_ROUND},
    {"GET", "/hr/rounds/{id}/units/{code}", mg_handle_hr_unit, MG_ROUTE_HTML | MG_ROUTE_VIEWER | MG_ROUTE_ROUND},
    {"GET", "/hr/series/{id}/trend", mg_handle_hr_trend, MG_ROUTE_HTML | MG_ROUTE_VIEWER | MG_ROUTE_SERIES},

    /* ---- round management and the audit log (dashboard) ---- */
    /* Round management (analysts): forms posting with the session's CSRF
     * token; the register upload is multipart (MOGNAD_MAX_UPLOAD). */
    {"GET", "/hr/manage", mg_handle_hr_manage, MG_ROUTE_HTML | MG_ROUTE_ANALYST},
    {"POST", "/hr/manage/rounds", mg_handle_hr_manage_round_create, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_FORM_BODY},
    {"POST", "/hr/manage/series", mg_handle_hr_manage_series_create, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_FORM_BODY},
    {"GET", "/hr/manage/rounds/{id}", mg_handle_hr_manage_round, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_ROUND},
    {"POST", "/hr/manage/rounds/{id}/open", mg_handle_hr_manage_open, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_FORM_BODY | MG_ROUTE_ROUND},
    {"GET", "/hr/manage/rounds/{id}/close", mg_handle_hr_manage_close_confirm, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_ROUND},
    {"POST", "/hr/manage/rounds/{id}/close", mg_handle_hr_manage_close, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_FORM_BODY | MG_ROUTE_ROUND},
    {"POST", "/hr/manage/rounds/{id}/links", mg_handle_hr_manage_links, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_FORM_BODY | MG_ROUTE_ROUND},
    {"POST", "/hr/manage/rounds/{id}/register", mg_handle_hr_manage_register,
     MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_MULTIPART | MG_ROUTE_ROUND},
    /* The audit log (admins). */
    {"GET", "/hr/audit", mg_handle_hr_audit, MG_ROUTE_HTML | MG_ROUTE_ADMIN},

    /* ---- exports, annual report and paper channel (dashboard) ---- */
    /* Paper entry is the registrar's alone (MG_ROUTE_PAPER without a role
     * of the ladder): a role that sees no figure and no count types the
     * questionnaires in, so typed-in answers cannot be checked against
     * figures by the one who typed them (docs/privacy.md, "Paper"). */
    {"GET", "/hr/rounds/{id}/export", mg_handle_hr_export, MG_ROUTE_HTML | MG_ROUTE_VIEWER | MG_ROUTE_ROUND},
    {"GET", "/hr/rounds/{id}/microdata", mg_handle_hr_microdata, MG_ROUTE_HTML | MG_ROUTE_ADMIN | MG_ROUTE_ROUND},
    {"GET", "/hr/rounds/{id}/report", mg_handle_hr_report, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_ROUND},
    {"GET", "/hr/paper", mg_handle_hr_paper_rounds, MG_ROUTE_HTML | MG_ROUTE_PAPER},
    {"GET", "/hr/rounds/{id}/paper", mg_handle_hr_paper, MG_ROUTE_HTML | MG_ROUTE_PAPER | MG_ROUTE_ROUND},
    {"POST", "/hr/rounds/{id}/paper", mg_handle_hr_paper_post, MG_ROUTE_HTML | MG_ROUTE_PAPER | MG_ROUTE_FORM_BODY | MG_ROUTE_ROUND},
    /* A blank questionnaire shows no figure: analysts print them, the
     * registrar may too. */
    {"GET", "/hr/surveys/{id}/paper", mg_handle_hr_blank, MG_ROUTE_HTML | MG_ROUTE_ANALYST | MG_ROUTE_PAPER},

    /* Test-only: answered only when MOGNAD_TEST_ROUTES=1 (see serve.c). */
    {"POST", "/api/v1/_test/echo/{name}", mg_handle_test_echo,
     MG_ROUTE_JSON_BODY | MG_ROUTE_FORM_BODY | MG_ROUTE_TEST},
    {"PUT", "/api/v1/_test/echo/{name}", mg_handle_test_echo, MG_ROUTE_JSON_BODY | MG_ROUTE_TEST},
};

const size_t mg_routes_count = sizeof mg_routes / sizeof mg_routes[0];
