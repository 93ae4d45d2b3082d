/* mg_i18n.h: the four languages of the user interface and its texts. */
#ifndef MG_I18N_H
#define MG_I18N_H

#include <stdbool.h>

enum mg_lang { MG_LANG_SV, MG_LANG_NB, MG_LANG_NN, MG_LANG_EN, MG_LANG_COUNT };

/* Every text of the respondent pages. */
enum mg_msg {
    MSG_SITE_NAME,
    MSG_SKIP_TO_CONTENT,
    MSG_LANGUAGE,
    MSG_ACCESSIBILITY,
    MSG_WELCOME_WHY,
    MSG_WELCOME_WHO_SEES,
    MSG_WELCOME_GROUP_SIZE,   /* %d: k */
    MSG_WELCOME_TIME,         /* %d: minutes */
    MSG_WELCOME_SAVED,
    MSG_WELCOME_REVISE,       /* %s: closing date */
    MSG_START,
    MSG_CONTINUE,
    MSG_PAGE_OF,              /* %d, %d */
    MSG_PAGES,
    MSG_NEXT,
    MSG_BACK,
    MSG_TO_REVIEW,
    MSG_ERROR_SUMMARY,
    MSG_ANSWER_REQUIRED,
    MSG_OPTIONAL,
    MSG_REVIEW_TITLE,
    MSG_REVIEW_INTRO,
    MSG_CHANGE,
    MSG_NOT_ANSWERED,
    MSG_SUBMIT,
    MSG_THANKS_TITLE,
    MSG_THANKS_TEXT,
    MSG_PROFILE_TITLE,
    MSG_PROFILE_INTRO,
    MSG_INDEX,
    MSG_LEVEL,
    MSG_AREA,
    MSG_SCORE,
    MSG_NO_SCORE,
    MSG_SUGGESTIONS_TITLE,
    MSG_SUGGESTIONS_INTRO,
    MSG_PRINT,
    MSG_PROFILE_CHART,
    MSG_PROFILE_TABLE,
    MSG_PROFILE_ANON_NOTE,
    MSG_CLOSED_TITLE,
    MSG_CLOSED_TEXT,
    MSG_NOT_OPEN_TITLE,
    MSG_NOT_OPEN_TEXT,        /* %s: opening date */
    MSG_USED_TITLE,
    MSG_USED_TEXT,
    MSG_BAD_LINK_TITLE,
    MSG_BAD_LINK_TEXT,
    MSG_NO_SESSION_TITLE,
    MSG_NO_SESSION_TEXT,
    MSG_CONTINUE_TO_SURVEY,
    MSG_ERROR_TITLE,
    MSG_SAVED_DRAFT,
    MSG_REVIEW_MISSING,       /* %d: unanswered questions */
    MSG_REVISE_NOTE,          /* %s: closing date */
    MSG_DONE_TEXT,
    MSG_SHOW_PROFILE,
    MSG_CHANGE_ANSWERS,
    MSG_INDEX_EXPLAINED,
    MSG_NO_INDEX,
    MSG_YOUR_LEVEL,           /* %s: level name */
    MSG_ORG_TITLE,
    MSG_ORG_INTRO,
    MSG_STAIRCASE,
    MSG_PRINT_HINT,
    /* The HR dashboard (handlers/dashboard.c). */
    MSG_HR_SECTION,
    MSG_HR_LOGIN_TITLE,
    MSG_HR_LOGIN_INTRO,
    MSG_HR_LOGIN_NAME,
    MSG_HR_PASSWORD,
    MSG_HR_LOGIN_WRONG,
    MSG_HR_LOGIN_WAIT,
    MSG_HR_LOGIN_MISSING,
    MSG_HR_FORM_EXPIRED,
    MSG_HR_LOGOUT,
    MSG_HR_LOGGED_IN_AS,
    MSG_HR_ROUNDS_TITLE,
    MSG_HR_ROUNDS_INTRO,
    MSG_HR_NO_ROUNDS,
    MSG_HR_NAME,
    MSG_HR_MODE,
    MSG_HR_STATE,
    MSG_HR_OPENS,
    MSG_HR_CLOSES,
    MSG_HR_RATE,
    MSG_HR_UNIT,
    MSG_HR_MODE_PSEUDONYMOUS,
    MSG_HR_MODE_ANONYMOUS,
    MSG_HR_MODE_OPEN,
    MSG_HR_STATE_SCHEDULED,
    MSG_HR_STATE_OPEN,
    MSG_HR_STATE_CLOSED,
    MSG_HR_HIDDEN,
    MSG_HR_HIDDEN_FEW,
    MSG_HR_HIDDEN_COMPL,
    MSG_HR_LEGEND_FEW,
    MSG_HR_LEGEND_COMPL,
    MSG_HR_LEGEND_EMPTY,
    MSG_HR_OVERVIEW_INTRO,
    MSG_HR_RESPONDENTS,
    MSG_HR_ROLE_ALL,
    MSG_HR_ROLE_STAFF,
    MSG_HR_ROLE_MANAGER,
    MSG_HR_SHOW,
    MSG_HR_TREE_ORDER,
    MSG_HR_SORT_HINT,
    MSG_HR_SCALE,
    MSG_HR_LEGEND,
    MSG_HR_RESPONDED,
    MSG_HR_INVITED,
    MSG_HR_BREADCRUMBS,
    MSG_HR_CI,
    MSG_HR_MEAN,
    MSG_HR_AREA_MEANS,
    MSG_HR_AREA_MEANS_DESC,
    MSG_HR_DISTRIBUTION,
    MSG_HR_DISTRIBUTION_DESC,
    MSG_HR_GAP,
    MSG_HR_GAP_DESC,
    MSG_HR_DIFFERENCE,
    MSG_HR_SERVICES,
    MSG_HR_SERVICES_DESC,
    MSG_HR_SERVICE,
    MSG_HR_REGULAR,
    MSG_HR_ANSWERED,
    MSG_HR_CHANGE,
    MSG_HR_CHANGE_DESC,
    MSG_HR_SIGNIFICANT,
    MSG_HR_YES,
    MSG_HR_NO,
    MSG_HR_PAIRED,
    MSG_HR_PAIRED_DESC,
    MSG_HR_PAIRS,
    MSG_HR_NO_PREVIOUS,
    MSG_HR_NOT_AVAILABLE,
    MSG_HR_RELIABILITY,
    MSG_HR_RELIABILITY_DESC,
    MSG_HR_ITEMS,
    MSG_HR_SUBUNITS,
    MSG_HR_SHOW_TABLE,
    MSG_HR_TREND,
    MSG_HR_TREND_DESC,
    MSG_HR_ROUND,
    MSG_HR_OVERVIEW,
    MSG_HR_FORBIDDEN_TITLE,
    MSG_HR_FORBIDDEN_TEXT,
    MSG_HR_NOT_FOUND_TITLE,
    MSG_HR_NOT_FOUND_TEXT,
    MSG_HR_UNAVAILABLE,
    MSG_HR_BACK_TO_ROUNDS,
    MSG_HR_ALL_UNITS,
    MSG_HR_SERIES_TREND,
    MSG_HR_DOWNLOAD_HINT,
    MSG_HR_LOW,
    MSG_HR_HIGH,
    /* ---- round management and the audit log (dashboard) ---- */
    /* ---- exports, annual report and paper channel (dashboard) ---- */
    MSG_COUNT
};

/* "sv", "nb", "nn", "en"; the BCP 47 tag for the lang attribute. */
const char *mg_lang_code(enum mg_lang lang);
/* Its name in its own language ("Norsk nynorsk"). */
const char *mg_lang_name(enum mg_lang lang);
/* Parses a code; false when it is none of the four. */
bool mg_lang_parse(const char *s, enum mg_lang *out);
/* The best of the four for an Accept-Language header ("no" and "nb"
 * count as Bokmål, "nn" as Nynorsk), honouring q-values; `fallback` when
 * the header names none of them. */
enum mg_lang mg_lang_negotiate(const char *accept_language, enum mg_lang fallback);

/* The text `msg` in `lang` (never NULL). */
const char *mg_t(enum mg_lang lang, enum mg_msg msg);

#endif
