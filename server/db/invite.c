/* invite.c: invitations and reminders: links out, only hashes in. */
#include "mg_invite.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mg_audit.h"
#include "mg_buf.h"
#include "mg_db.h"
#include "mg_keys.h"

MG_DB_STMT(stmt_round_for_invite,
           "SELECT r.mode, r.state, r.series_id, r.default_language, "
           "to_char(r.closes_at, 'YYYY-MM-DD'), u.path::text, "
           "(SELECT survey_id FROM round_surveys WHERE round_id = r.id AND audience = 'staff'), "
           "(SELECT survey_id FROM round_surveys WHERE round_id = r.id AND audience = 'manager') "
           "FROM rounds r LEFT JOIN units u ON u.id = r.root_unit_id WHERE r.id = $1::bigint "
           "FOR UPDATE OF r");
MG_DB_STMT(stmt_units_in_scope,
           "SELECT code, id, ($1::ltree IS NULL OR path <@ $1::ltree) FROM units");
MG_DB_STMT(stmt_invitation_upsert,
           "INSERT INTO invitations AS i (round_id, token_hash, unit_id, role, survey_id, pseudonym) "
           "VALUES ($1::bigint, $2::bytea, $3::bigint, $4, $5::bigint, $6::bytea) "
           "ON CONFLICT (token_hash) DO UPDATE SET unit_id = EXCLUDED.unit_id, role = EXCLUDED.role, "
           "survey_id = EXCLUDED.survey_id "
           "WHERE i.unit_id <> EXCLUDED.unit_id OR i.role <> EXCLUDED.role "
           "RETURNING (xmax = 0) AS created, status");
MG_DB_STMT(stmt_invitation_status,
           "SELECT status FROM invitations WHERE round_id = $1::bigint AND token_hash = $2::bytea");

void mg_invite_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",;\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The texts of the message, per language. {link} and {closes} are filled in. */
struct mail_text {
    const char *lang;
    const char *subject, *reminder_subject;
    const char *reminder_opening;
    const char *body;
};

static const struct mail_text texts[] = {
    {"sv", "Enkät om digital kompetens – din personliga länk", "Påminnelse: enkät om digital kompetens",
     "Du har inte svarat på enkäten ännu. Det är inte för sent!\n\n",
     "Hej!\n\n"
     "Vi vill veta hur du ser på din digitala kompetens i arbetet. Enkäten tar ungefär en "
     "kvart. Dina svar redovisas bara som resultat för grupper, aldrig för dig som person.\n\n"
     "Din personliga länk:\n{link}\n\n"
     "Länken är personlig, så dela den inte med någon annan. Enkäten är öppen till och med "
     "{closes}.\n\nTack för att du svarar!\n"},
    {"nb", "Undersøkelse om digital kompetanse – din personlige lenke",
     "Påminnelse: undersøkelse om digital kompetanse",
     "Du har ikke svart på undersøkelsen ennå. Det er ikke for sent!\n\n",
     "Hei!\n\n"
     "Vi vil gjerne vite hvordan du vurderer din egen digitale kompetanse i jobben. "
     "Undersøkelsen tar omtrent et kvarter. Svarene dine blir bare vist som resultater for "
     "grupper, aldri for deg som person.\n\n"
     "Din personlige lenke:\n{link}\n\n"
     "Lenken er personlig, så ikke del den med andre. Undersøkelsen er åpen til og med "
     "{closes}.\n\nTakk for at du svarer!\n"},
    {"nn", "Undersøking om digital kompetanse – den personlege lenkja di",
     "Påminning: undersøking om digital kompetanse",
     "Du har ikkje svara på undersøkinga enno. Det er ikkje for seint!\n\n",
     "Hei!\n\n"
     "Vi vil gjerne vite korleis du vurderer din eigen digitale kompetanse i jobben. "
     "Undersøkinga tek om lag eit kvarter. Svara dine blir berre viste som resultat for "
     "grupper, aldri for deg som person.\n\n"
     "Den personlege lenkja di:\n{link}\n\n"
     "Lenkja er personleg, så ikkje del ho med andre. Undersøkinga er open til og med "
     "{closes}.\n\nTakk for at du svarar!\n"},
    {"en", "Digital competence survey – your personal link", "Reminder: digital competence survey",
     "You have not answered the survey yet. There is still time!\n\n",
     "Hello,\n\n"
     "We would like to know how you rate your own digital competence at work. The survey "
     "takes about a quarter of an hour. Your answers are only ever reported as results for "
     "groups, never for you as a person.\n\n"
     "Your personal link:\n{link}\n\n"
     "The link is personal, so please do not share it. The survey is open until and "
     "including {closes}.\n\nThank you for taking part!\n"},
};

static const struct mail_text *text_for(const char *lang)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (lang && strcmp(texts[i].lang, lang) == 0)
            return &texts[i];
    return &texts[0];
}

/* RFC 2047 encoded-word for a UTF-8 header value. */
static void write_encoded_header(FILE *f, const char *name, const char *value)
{
    size_t len = strlen(value);
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!b64)
        return;
    sodium_bin2base64(b64, b64len, (const unsigned char *)value, len, sodium_base64_VARIANT_ORIGINAL);
    fprintf(f, "%s: =?UTF-8?B?%s?=\n", name, b64);
    free(b64);
}

void mg_invite_write_mail(FILE *f, const char *to, const char *lang, const char *link,
                          const char *closes, bool reminder)
{
    const struct mail_text *t = text_for(lang);

    fprintf(f, "To: %s\n", to);
    write_encoded_header(f, "Subject", reminder ? t->reminder_subject : t->subject);
    fprintf(f, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
               "Content-Transfer-Encoding: 8bit\nContent-Language: %s\n"
               "Auto-Submitted: auto-generated\n\n", t->lang);
    if (reminder)
        fputs(t->reminder_opening, f);
    for (const char *p = t->body; *p;) {
        if (strncmp(p, "{link}", 6) == 0) {
            fputs(link, f);
            p += 6;
        } else if (strncmp(p, "{closes}", 8) == 0) {
            fputs(closes, f);
            p += 8;
        } else {
            fputc(*p++, f);
        }
    }
}

/* What the round tells about inviting to it. */
struct round_info {
    char mode[16], state[16], series[24], language[4], closes[16], scope[512];
    char staff_survey[24], manager_survey[24];
    bool scoped;
};

static int load_round(struct mg_db_conn *conn, int64_t round_id, struct round_info *ri, char *msg,
                      size_t msglen)
{
    char idbuf[24];
    PGresult *res = NULL;
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)round_id);
    const char *p[] = {idbuf};
    enum mg_qs qs = mg_db_exec(conn, &stmt_round_for_invite, 1, p, &res);
    if (qs == MG_QS_NONE) {
        snprintf(msg, msglen, "round %lld does not exist", (long long)round_id);
        PQclear(res);
        return -1;
    }
    if (qs < 0) {
        snprintf(msg, msglen, "a database error occurred");
        return -1;
    }
    memset(ri, 0, sizeof *ri);
    snprintf(ri->mode, sizeof ri->mode, "%s", PQgetvalue(res, 0, 0));
    snprintf(ri->state, sizeof ri->state, "%s", PQgetvalue(res, 0, 1));
    snprintf(ri->series, sizeof ri->series, "%s", PQgetvalue(res, 0, 2));
    snprintf(ri->language, sizeof ri->language, "%s", PQgetvalue(res, 0, 3));
    snprintf(ri->closes, sizeof ri->closes, "%s", PQgetvalue(res, 0, 4));
    ri->scoped = !PQgetisnull(res, 0, 5);
    snprintf(ri->scope, sizeof ri->scope, "%s", PQgetvalue(res, 0, 5));
    snprintf(ri->staff_survey, sizeof ri->staff_survey, "%s", PQgetvalue(res, 0, 6));
    snprintf(ri->manager_survey, sizeof ri->manager_survey, "%s", PQgetvalue(res, 0, 7));
    PQclear(res);
    if (strcmp(ri->mode, "open") == 0) {
        snprintf(msg, msglen, "round %lld is an open round: it has one link per unit "
                              "(mognad round links) instead of invitations", (long long)round_id);
        return -1;
    }
    if (strcmp(ri->state, "closed") == 0) {
        snprintf(msg, msglen, "round %lld is closed", (long long)round_id);
        return -1;
    }
    return 0;
}

/* Sends one person's link to the CSV and/or a mail. */
static int emit(const struct mg_invite_out *out, const struct mg_invitee *row,
                const struct round_info *ri, const struct mg_token *token, bool reminder)
{
    char link[512];
    snprintf(link, sizeof link, "%s/s/%s", out->base_url, token->text);
    const char *lang = row->language ? row->language : ri->language;
    if (out->csv) {
        mg_invite_csv_field(out->csv, row->email);
        fputc(',', out->csv);
        mg_invite_csv_field(out->csv, link);
        fprintf(out->csv, ",%s\r\n", lang);
    }
    if (out->open_mail) {
        FILE *m = out->open_mail(out->mail_ctx);
        if (!m)
            return -1;
        mg_invite_write_mail(m, row->email, lang, link, ri->closes, reminder);
        if (out->close_mail(m, out->mail_ctx) != 0)
            return -1;
    }
    sodium_memzero(link, sizeof link);
    return 0;
}

struct unit_entry {
    char *code;
    char id[24];
    bool in_scope;
};

static int cmp_unit(const void *a, const void *b)
{
    return strcmp(((const struct unit_entry *)a)->code, ((const struct unit_entry *)b)->code);
}

struct invite_ctx {
    const struct mg_keys *keys;
    int64_t round_id;
    const struct mg_invitee *rows;
    size_t n;
    struct round_info ri;
    struct mg_token *tokens; /* one per row, emitted after the commit */
    struct mg_invite_counts *counts;
    bool client_error;
    char *msg;
    size_t msglen;
};

static void hash_hex_of(const struct mg_token *token, char out[2 + 64 + 1])
{
    struct mg_token_hash hash;
    mg_keys_token_hash(token->text, &hash);
    memcpy(out, "\\x", 2);
    sodium_bin2hex(out + 2, 65, hash.h, sizeof hash.h);
}

/* Checks every row, then stores every invitation: re-runnable as a whole
 * when the transaction is retried. */
static enum mg_qs invite_tx(struct mg_db_conn *conn, void *arg)
{
    struct invite_ctx *c = arg;
    struct unit_entry *units = NULL;
    const struct unit_entry **row_unit = NULL;
    size_t nunits = 0, nproblems = 0;
    struct mg_buf problems = {0};
    PGresult *res = NULL;
    enum mg_qs result = MG_QS_HARD;
    char idbuf[24];

    memset(c->counts, 0, sizeof *c->counts);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)c->round_id);
    if (load_round(conn, c->round_id, &c->ri, c->msg, c->msglen) != 0) {
        c->client_error = true;
        return MG_QS_HARD;
    }
    const char *sp[] = {c->ri.scoped ? c->ri.scope : NULL};
    if ((result = mg_db_exec(conn, &stmt_units_in_scope, 1, sp, &res)) < 0)
        goto cleanup;
    result = MG_QS_HARD;
    nunits = (size_t)PQntuples(res);
    units = calloc(nunits ? nunits : 1, sizeof *units);
    row_unit = calloc(c->n ? c->n : 1, sizeof *row_unit);
    if (!units || !row_unit)
        goto cleanup;
    for (size_t i = 0; i < nunits; i++) {
        units[i].code = strdup(PQgetvalue(res, (int)i, 0));
        if (!units[i].code)
            goto cleanup;
        snprintf(units[i].id, sizeof units[i].id, "%s", PQgetvalue(res, (int)i, 1));
        units[i].in_scope = strcmp(PQgetvalue(res, (int)i, 2), "t") == 0;
    }
    PQclear(res);
    res = NULL;
    qsort(units, nunits, sizeof *units, cmp_unit);

    for (size_t i = 0; i < c->n; i++) {
        const struct mg_invitee *row = &c->rows[i];
        struct unit_entry key = {(char *)row->unit_code, "", false};
        const struct unit_entry *u = bsearch(&key, units, nunits, sizeof *units, cmp_unit);
        const char *survey = strcmp(row->role, "manager") == 0 ? c->ri.manager_survey : c->ri.staff_survey;
        if (!u)
            mg_buf_printf(&problems, "\nline %d: unknown unit code \"%s\"", row->line, row->unit_code);
        else if (!u->in_scope)
            mg_buf_printf(&problems, "\nline %d: unit \"%s\" is outside the part of the "
                                     "organisation this round covers", row->line, row->unit_code);
        else if (!survey[0])
            mg_buf_printf(&problems, "\nline %d: role \"%s\": the round has no %s survey", row->line,
                          row->role, row->role);
        else {
            row_unit[i] = u;
            continue;
        }
        nproblems++;
    }
    if (nproblems) {
        snprintf(c->msg, c->msglen, "%zu row(s) of the register cannot be invited; nothing was "
                                    "written:%s", nproblems, problems.data ? problems.data : "");
        c->client_error = true;
        goto cleanup;
    }

    bool pseudonymous = strcmp(c->ri.mode, "pseudonymous") == 0;
    char scope[40];
    if (c->ri.series[0])
        snprintf(scope, sizeof scope, "series:%s", c->ri.series);
    else
        snprintf(scope, sizeof scope, "round:%s", idbuf);
    for (size_t i = 0; i < c->n; i++) {
        const struct mg_invitee *row = &c->rows[i];
        char hash_hex[2 + 64 + 1], pseud_hex[2 + 64 + 1];
        struct mg_pseudonym pseud;

        mg_keys_invitation_token(c->keys, c->round_id, row->employee_id, &c->tokens[i]);
        hash_hex_of(&c->tokens[i], hash_hex);
        if (pseudonymous) {
            mg_keys_pseudonym(c->keys, scope, row->employee_id, &pseud);
            memcpy(pseud_hex, "\\x", 2);
            sodium_bin2hex(pseud_hex + 2, sizeof pseud_hex - 2, pseud.h, sizeof pseud.h);
        }
        const char *survey = strcmp(row->role, "manager") == 0 ? c->ri.manager_survey : c->ri.staff_survey;
        const char *ip[] = {idbuf, hash_hex, row_unit[i]->id, row->role, survey,
                            pseudonymous ? pseud_hex : NULL};
        enum mg_qs qs = mg_db_exec(conn, &stmt_invitation_upsert, 6, ip, &res);
        if (qs < 0) {
            result = qs;
            snprintf(c->msg, c->msglen, "line %d: the invitation could not be stored", row->line);
            goto cleanup;
        }
        if (qs == MG_QS_ROWS) {
            if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
                c->counts->created++;
            else
                c->counts->updated++;
        } else {
            PQclear(res);
            res = NULL;
            const char *stp[] = {idbuf, hash_hex};
            if (mg_db_exec(conn, &stmt_invitation_status, 2, stp, &res) == MG_QS_ROWS &&
                strcmp(PQgetvalue(res, 0, 0), "completed") == 0)
                c->counts->completed++;
        }
        PQclear(res);
        res = NULL;
        c->counts->invited++;
    }

    cJSON *detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "round", (double)c->round_id);
    cJSON_AddNumberToObject(detail, "invited", (double)c->counts->invited);
    cJSON_AddNumberToObject(detail, "created", (double)c->counts->created);
    cJSON_AddNumberToObject(detail, "updated", (double)c->counts->updated);
    result = mg_audit(conn, 0, "cli", "round.invite", detail);
    cJSON_Delete(detail);
    if (result >= 0)
        result = MG_QS_ROWS;

cleanup:
    PQclear(res);
    for (size_t i = 0; units && i < nunits; i++)
        free(units[i].code);
    free(units);
    free(row_unit);
    mg_buf_free(&problems);
    return result;
}

int mg_invite_run(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                  const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                  struct mg_invite_counts *counts, char *msg, size_t msglen)
{
    struct invite_ctx c = {.keys = keys, .round_id = round_id, .rows = rows, .n = n,
                          .counts = counts, .msg = msg, .msglen = msglen};
    int rc = -1;

    msg[0] = '\0';
    c.tokens = sodium_allocarray(n ? n : 1, sizeof *c.tokens);
    if (!c.tokens) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    if (mg_db_tx(conn, invite_tx, &c) < 0) {
        if (!msg[0])
            snprintf(msg, msglen, mg_db_conn_lost(conn) ? "the database is unavailable"
                                                        : "a database error occurred; nothing was written");
        goto cleanup;
    }
    /* Links go out only once the invitations are committed, so no one gets
     * a link the database does not know. */
    for (size_t i = 0; i < n; i++)
        if (emit(out, &rows[i], &c.ri, &c.tokens[i], false) != 0) {
            snprintf(msg, msglen, "line %d: the message could not be handed to sendmail; the "
                                  "invitations are stored, so running invite again sends the "
                                  "rest", rows[i].line);
            goto cleanup;
        }
    rc = 0;

cleanup:
    sodium_free(c.tokens);
    return rc;
}

int mg_invite_remind(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                     const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                     struct mg_invite_counts *counts, char *msg, size_t msglen)
{
    struct round_info ri;
    char idbuf[24];
    PGresult *res = NULL;
    int rc = -1;

    memset(counts, 0, sizeof *counts);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)round_id);
    if (load_round(conn, round_id, &ri, msg, msglen) != 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        struct mg_token token;
        char hash_hex[2 + 64 + 1];

        mg_keys_invitation_token(keys, round_id, rows[i].employee_id, &token);
        hash_hex_of(&token, hash_hex);
        const char *p[] = {idbuf, hash_hex};
        enum mg_qs qs = mg_db_exec(conn, &stmt_invitation_status, 2, p, &res);
        if (qs < 0) {
            snprintf(msg, msglen, "a database error occurred");
            sodium_memzero(&token, sizeof token);
            goto cleanup;
        }
        if (qs == MG_QS_NONE) {
            counts->unknown++;
        } else {
            counts->invited++;
            if (strcmp(PQgetvalue(res, 0, 0), "completed") == 0) {
                counts->completed++;
            } else {
                if (emit(out, &rows[i], &ri, &token, true) != 0) {
                    snprintf(msg, msglen, "line %d: the message could not be handed to sendmail",
                             rows[i].line);
                    sodium_memzero(&token, sizeof token);
                    goto cleanup;
                }
                counts->reminded++;
            }
        }
        sodium_memzero(&token, sizeof token);
        PQclear(res);
        res = NULL;
    }
    rc = 0;

cleanup:
    PQclear(res);
    return rc;
}

MG_DB_STMT(stmt_open_round,
           "SELECT r.mode, u.path::text FROM rounds r LEFT JOIN units u ON u.id = r.root_unit_id "
           "WHERE r.id = $1::bigint");
MG_DB_STMT(stmt_open_units,
           "SELECT id, code, name FROM units WHERE $1::ltree IS NULL OR path <@ $1::ltree ORDER BY path");
MG_DB_STMT(stmt_open_link_upsert,
           "INSERT INTO round_units (round_id, unit_id, link_hash) VALUES ($1::bigint, $2::bigint, $3::bytea) "
           "ON CONFLICT (round_id, unit_id) DO UPDATE SET link_hash = EXCLUDED.link_hash");

struct links_ctx {
    const struct mg_keys *keys;
    int64_t round_id;
    PGresult *units; /* kept for writing after the commit */
    char *msg;
    size_t msglen;
};

static enum mg_qs links_tx(struct mg_db_conn *conn, void *arg)
{
    struct links_ctx *c = arg;
    char idbuf[24];
    PGresult *res = NULL;

    PQclear(c->units);
    c->units = NULL;
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)c->round_id);
    const char *p[] = {idbuf};
    enum mg_qs qs = mg_db_exec(conn, &stmt_open_round, 1, p, &res);
    if (qs != MG_QS_ROWS) {
        snprintf(c->msg, c->msglen, qs < 0 ? "a database error occurred" : "round %s does not exist", idbuf);
        PQclear(res);
        return MG_QS_HARD;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "open") != 0) {
        snprintf(c->msg, c->msglen, "round %s is %s: its people are invited one by one "
                                    "(mognad invite), not through unit links", idbuf, PQgetvalue(res, 0, 0));
        PQclear(res);
        return MG_QS_HARD;
    }
    char scope[512];
    bool scoped = !PQgetisnull(res, 0, 1);
    snprintf(scope, sizeof scope, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    const char *sp[] = {scoped ? scope : NULL};
    if ((qs = mg_db_exec(conn, &stmt_open_units, 1, sp, &c->units)) < 0)
        return qs;
    for (int i = 0; c->units && i < PQntuples(c->units); i++) {
        struct mg_token token;
        char hex[67];
        mg_keys_open_token(c->keys, c->round_id, strtoll(PQgetvalue(c->units, i, 0), NULL, 10), &token);
        hash_hex_of(&token, hex);
        sodium_memzero(&token, sizeof token);
        const char *up[] = {idbuf, PQgetvalue(c->units, i, 0), hex};
        if ((qs = mg_db_exec(conn, &stmt_open_link_upsert, 3, up, NULL)) < 0)
            return qs;
    }
    return MG_QS_ROWS;
}

int mg_invite_open_links(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                         const char *base_url, FILE *out, char *msg, size_t msglen)
{
    struct links_ctx c = {keys, round_id, NULL, msg, msglen};
    msg[0] = '\0';
    if (mg_db_tx(conn, links_tx, &c) < 0) {
        if (!msg[0])
            snprintf(msg, msglen, "a database error occurred");
        PQclear(c.units);
        return -1;
    }
    fputs("unit_code,unit_name,link\r\n", out);
    for (int i = 0; c.units && i < PQntuples(c.units); i++) {
        struct mg_token token;
        mg_keys_open_token(keys, round_id, strtoll(PQgetvalue(c.units, i, 0), NULL, 10), &token);
        mg_invite_csv_field(out, PQgetvalue(c.units, i, 1));
        fputc(',', out);
        mg_invite_csv_field(out, PQgetvalue(c.units, i, 2));
        fprintf(out, ",%s/o/%s\r\n", base_url, token.text);
        sodium_memzero(&token, sizeof token);
    }
    PQclear(c.units);
    return 0;
}
