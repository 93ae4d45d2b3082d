/* mg_dashboard.h: what the HR dashboard reads besides the indicators:
 * the names (in one language) of a round's areas, levels and base
 * services from its survey definitions. Names only: every figure comes
 * from mg_indicators, which applies the privacy rule. */
#ifndef MG_DASHBOARD_H
#define MG_DASHBOARD_H

#include <stdint.h>

struct cJSON;
struct mg_db_conn;

/* {"areas": {key: name}, "levels": {key: name}, "services": {key: name}}
 * for round `round_id` in language `lang` ("sv", ...; a definition without
 * that language gives its first name). The staff survey's names come
 * first, the manager survey adds its own areas. Caller frees with
 * cJSON_Delete; NULL on a database error. */
struct cJSON *mg_dashboard_labels(struct mg_db_conn *conn, int64_t round_id, const char *lang);

#endif
