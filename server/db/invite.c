/* invite.c: invitations and reminders: links out, only hashes in. */
#include "mg_i18n.h"
#include "mg_invite.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mg_audit.h"
#include "mg_buf.h"
#include "mg_csv.h"
#include "mg_db.h"
#include "mg_keys.h"

/* The round, locked so two invite runs for it follow each other. The last
 * day shown in mails is the day before closes_at when it closes at
 * midnight, so "open until and including" is true. */
MG_DB_STMT(stmt_round_for_invite,
           "SELECT r.mode, r.state, r.series_id, r.default_language, "
           "to_char(r.closes_at - interval '1 microsecond', 'YYYY-MM-DD'), u.path::text, "
           "(SELECT survey_id FROM round_surveys WHERE round_id = r.id AND audience = 'staff'), "
           "(SELECT survey_id FROM round_surveys WHERE round_id = r.id AND audience = 'manager') "
           "FROM rounds r LEFT JOIN units u ON u.id = r.root_unit_id WHERE r.id = $1::bigint "
           "FOR UPDATE OF r");
MG_DB_STMT(stmt_units_in_scope, "SELECT code, id, ($1::ltree IS NULL OR path <@ $1::ltree) FROM units");
/* Creates the invitation or brings its unit, role and survey up to date;
 * says whether it was new, whether it changed, and its status before. The
 * CTE `old` reads the snapshot from before the INSERT. */
MG_DB_STMT(stmt_invitation_upsert,
           "WITH old AS (SELECT status FROM invitations WHERE token_hash = $2::bytea), "
           "up AS (INSERT INTO invitations AS i (round_id, token_hash, unit_id, role, survey_id, pseudonym) "
           "VALUES ($1::bigint, $2::bytea, $3::bigint, $4, $5::bigint, $6::bytea) "
           "ON CONFLICT (token_hash) DO UPDATE SET unit_id = EXCLUDED.unit_id, role = EXCLUDED.role, "
           "survey_id = EXCLUDED.survey_id "
           "WHERE i.unit_id <> EXCLUDED.unit_id OR i.role <> EXCLUDED.role OR i.survey_id <> EXCLUDED.survey_id "
           "RETURNING 1) "
           "SELECT NOT EXISTS (SELECT 1 FROM old), EXISTS (SELECT 1 FROM up), "
           "COALESCE((SELECT status FROM old), 'invited')");
MG_DB_STMT(stmt_invitation_status,
           "SELECT status FROM invitations WHERE round_id = $1::bigint AND token_hash = $2::bytea");
MG_DB_STMT(stmt_invitation_count, "SELECT count(*) FROM invitations WHERE round_id = $1::bigint");

/* ---- the messages --------------------------------------------------------- */

/* The texts of the message, per language: the body opens with a greeting
 * paragraph. {link} and {last_day} are filled in; the paragraphs are
 * wrapped when written. */
struct mail_text {
    const char *lang;
    const char *subject, *reminder_subject;
    const char *reminder_opening;
    const char *body;
};

static const struct mail_text texts[] = {
    {"sv", "Enkät om digital kompetens – din personliga länk", "Påminnelse: enkät om digital kompetens",
     "Vi har inte fått dina svar på enkäten ännu. Det är inte för sent att svara!\n\n",
     "Hej!\n\n"
     "Vi vill veta hur du ser på din digitala kompetens i arbetet. Enkäten tar ungefär en "
     "kvart. Dina svar redovisas bara som resultat för grupper, aldrig för dig som person.\n\n"
     "Din personliga länk:\n{link}\n\n"
     "Länken är personlig, så dela den inte med någon annan. Enkäten är öppen till och med "
     "{last_day}.\n\nTack för att du svarar!\n"},
    {"nb", "Undersøkelse om digital kompetanse – din personlige lenke",
     "Påminnelse: undersøkelse om digital kompetanse",
     "Vi har ikke fått svarene dine på undersøkelsen ennå. Det er ikke for sent å svare!\n\n",
     "Hei!\n\n"
     "Vi vil gjerne vite hvordan du vurderer din egen digitale kompetanse i jobben. "
     "Undersøkelsen tar omtrent et kvarter. Svarene dine blir bare vist som resultater for "
     "grupper, aldri for deg som person.\n\n"
     "Din personlige lenke:\n{link}\n\n"
     "Lenken er personlig, så ikke del den med andre. Undersøkelsen er åpen til og med "
     "{last_day}.\n\nTakk for at du svarer!\n"},
    {"nn", "Undersøking om digital kompetanse – den personlege lenkja di",
     "Påminning: undersøking om digital kompetanse",
     "Vi har ikkje fått svara dine på undersøkinga enno. Det er ikkje for seint å svare!\n\n",
     "Hei!\n\n"
     "Vi vil gjerne vite korleis du vurderer din eigen digitale kompetanse i jobben. "
     "Undersøkinga tek om lag eit kvarter. Svara dine blir berre viste som resultat for "
     "grupper, aldri for deg som person.\n\n"
     "Den personlege lenkja di:\n{link}\n\n"
     "Lenkja er personleg, så ikkje del ho med andre. Undersøkinga er open til og med "
     "{last_day}.\n\nTakk for at du svarar!\n"},
    {"en", "Digital competence survey – your personal link", "Reminder: digital competence survey",
     "We have not received your answers to the survey yet. There is still time to answer!\n\n",
     "Hello,\n\n"
     "We would like to know how you rate your own digital competence at work. The survey "
     "takes about a quarter of an hour. Your answers are only ever reported as results for "
     "groups, never for you as a person.\n\n"
     "Your personal link:\n{link}\n\n"
     "The link is personal, so please do not share it. The survey is open until and "
     "including {last_day}.\n\nThank you for taking part!\n"},
};

static const struct mail_text *text_for(const char *lang)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (lang && strcmp(texts[i].lang, lang) == 0)
            return &texts[i];
    return &texts[0];
}

/* A header with a UTF-8 value: RFC 2047 encoded words of at most 39 bytes
 * of text each (cut between characters), one per line, the later ones on
 * continuation lines, so no line passes 78 characters. ASCII values are written as they are. */
static void write_encoded_header(FILE *f, const char *name, const char *value)
{
    bool ascii = true;
    for (const char *p = value; *p && ascii; p++)
        ascii = (unsigned char)*p < 0x80;
    if (ascii) {
        fprintf(f, "%s: %s\n", name, value);
        return;
    }
    fprintf(f, "%s:", name);
    size_t len = strlen(value), at = 0;
    while (at < len) {
        size_t chunk = len - at > 39 ? 39 : len - at;
        while (at + chunk < len && ((unsigned char)value[at + chunk] & 0xC0) == 0x80)
            chunk--;
        char b64[sodium_base64_ENCODED_LEN(39, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)value + at, chunk, sodium_base64_VARIANT_ORIGINAL);
        fprintf(f, " =?UTF-8?B?%s?=\n", b64);
        at += chunk;
    }
}

static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Writes `text` with each line wrapped at 72 characters between words; a
 * word longer than that (a link) stands alone on its line. */
static void write_wrapped(FILE *f, const char *text)
{
    const char *line = text;
    while (*line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        size_t col = 0;
        const char *p = line, *end = line + len;
        while (p < end) {
            const char *w = p;
            while (w < end && *w != ' ')
                w++;
            size_t wlen = (size_t)(w - p), wchars = utf8_chars(p, wlen);
            if (col > 0 && col + 1 + wchars > 72) {
                fputc('\n', f);
                col = 0;
            } else if (col > 0) {
                fputc(' ', f);
                col++;
            }
            fwrite(p, 1, wlen, f);
            col += wchars;
            p = w;
            while (p < end && *p == ' ')
                p++;
        }
        fputc('\n', f);
        if (!eol)
            break;
        line = eol + 1;
    }
}

void mg_invite_write_mail(FILE *f, const char *to, const char *lang, const char *link,
                          const char *last_day, bool reminder)
{
    const struct mail_text *t = text_for(lang);
    char day[40], date[64];
    struct mg_buf body = {0};
    time_t now = time(NULL);
    struct tm tm;

    mg_format_day(last_day, t->lang, day, sizeof day);
    /* RFC 5322 date; the C locale's English day and month names are the
     * ones the format takes. */
    if (localtime_r(&now, &tm) && strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm) > 0)
        fprintf(f, "Date: %s\n", date);
    fprintf(f, "To: %s\n", to);
    write_encoded_header(f, "Subject", reminder ? t->reminder_subject : t->subject);
    fprintf(f, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
               "Content-Transfer-Encoding: 8bit\nContent-Language: %s\n"
               "Auto-Submitted: auto-generated\n\n", t->lang);
    /* A reminder says so right after the greeting (the first paragraph). */
    const char *greeting_end = strstr(t->body, "\n\n");
    for (const char *p = t->body; *p;) {
        if (reminder && p == greeting_end + 2)
            mg_buf_puts(&body, t->reminder_opening);
        if (strncmp(p, "{link}", 6) == 0) {
            mg_buf_puts(&body, link);
            p += 6;
        } else if (strncmp(p, "{last_day}", 10) == 0) {
            mg_buf_puts(&body, day);
            p += 10;
        } else {
            mg_buf_append(&body, p++, 1);
        }
    }
    if (body.data && !body.oom)
        write_wrapped(f, body.data);
    /* The body holds the link: wipe it. */
    if (body.data)
        sodium_memzero(body.data, body.cap);
    mg_buf_free(&body);
}

/* ---- checking the register ------------------------------------------------ */

bool mg_invite_email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strrchr(s, '@');
    if (!at || at == s || n > 254 || (size_t)(at - s) > 64)
        return false;
    /* Local part: atoms of RFC 5322's atext (and UTF-8) joined by dots. */
    for (const char *p = s; p < at; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '.') {
            if (p == s || p + 1 == at || p[1] == '.')
                return false;
        } else if (ch < 0x80 && !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                                  strchr("!#$%&'*+/=?^_`{|}~-", ch))) {
            return false;
        }
    }
    /* Domain: at least two labels of letters, digits and hyphens (or
     * UTF-8), none empty, none starting or ending with a hyphen. */
    const char *d = at + 1;
    size_t labels = 0;
    while (*d) {
        const char *e = d;
        while (*e && *e != '.') {
            unsigned char ch = (unsigned char)*e;
            if (ch < 0x80 && !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                               ch == '-'))
                return false;
            e++;
        }
        if (e == d || *d == '-' || e[-1] == '-' || e - d > 63)
            return false;
        labels++;
        if (!*e)
            break;
        d = e + 1;
        if (!*d)
            return false;
    }
    return labels >= 2;
}

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static int by_employee(const void *a, const void *b)
{
    const struct mg_invitee *x = *(const struct mg_invitee *const *)a, *y = *(const struct mg_invitee *const *)b;
    int c = strcmp(x->employee_id, y->employee_id);
    return c ? c : x->line - y->line;
}

/* The problems of the rows by themselves and among each other. Messages
 * name the line, never the employee id or the address: both are personal
 * data and messages end up in terminals and logs. */
static void check_rows(const struct mg_invitee *rows, size_t n, struct mg_csv_problems *ps)
{
    static const char *const roles[] = {"staff", "manager", NULL};
    static const char *const langs[] = {"sv", "nb", "nn", "en", NULL};

    for (size_t i = 0; i < n; i++) {
        const struct mg_invitee *r = &rows[i];
        bool control = false;
        for (const char *p = r->employee_id; *p && !control; p++)
            control = (unsigned char)*p < 0x20 || *p == 0x7F;
        if (!r->employee_id[0])
            mg_csv_problem(ps, r->line, "the employee id is empty");
        else if (strlen(r->employee_id) > 200)
            mg_csv_problem(ps, r->line, "the employee id is longer than 200 bytes");
        else if (control)
            mg_csv_problem(ps, r->line, "the employee id holds a line break or another control character");
        if (!r->email[0])
            mg_csv_problem(ps, r->line, "the e-mail address is empty");
        else if (!mg_invite_email_ok(r->email))
            mg_csv_problem(ps, r->line, "the e-mail address is not valid");
        if (!r->unit_code[0])
            mg_csv_problem(ps, r->line, "the unit code is empty");
        if (!one_of(r->role, roles))
            mg_csv_problem(ps, r->line, "role \"%.40s\" is neither staff nor manager", r->role);
        if (r->language && !one_of(r->language, langs))
            mg_csv_problem(ps, r->line, "language \"%.40s\" is not sv, nb, nn or en", r->language);
    }
    const struct mg_invitee **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        ps->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &rows[i];
    qsort(sorted, n, sizeof *sorted, by_employee);
    for (size_t i = 1, first = 0; i < n; i++) {
        if (!sorted[i]->employee_id[0] || strcmp(sorted[i]->employee_id, sorted[first]->employee_id) != 0) {
            first = i;
            continue;
        }
        mg_csv_problem(ps, sorted[i]->line, "the same employee id as on line %d", sorted[first]->line);
    }
    free(sorted);
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

struct mg_invitee *mg_invite_rows_from_csv(struct mg_csv *csv, char *msg, size_t msglen)
{
    if (mg_csv_columns(csv, (const char *const[]){"employee_id", "email", "unit_code", "role", NULL},
                       (const char *const[]){"language", NULL}, msg, msglen) != 0)
        return NULL;
    int ei = mg_csv_column(csv, "employee_id"), mi = mg_csv_column(csv, "email"),
        ui = mg_csv_column(csv, "unit_code"), ri = mg_csv_column(csv, "role"), li = mg_csv_column(csv, "language");
    struct mg_invitee *rows = calloc(csv->n ? csv->n : 1, sizeof *rows);
    if (!rows) {
        snprintf(msg, msglen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < csv->n; i++) {
        char **f = csv->records[i].fields;
        lower(f[ri]);
        if (li >= 0)
            lower(f[li]);
        rows[i] = (struct mg_invitee){f[ei], f[mi], f[ui], f[ri], li >= 0 && f[li][0] ? f[li] : NULL,
                                      csv->records[i].line};
    }
    return rows;
}

static void write_problems(struct mg_csv_problems *ps, const char *file, struct mg_buf *out)
{
    mg_csv_problems_sort(ps);
    for (size_t i = 0; i < ps->n; i++)
        mg_buf_printf(out, "%s:%d: %s\n", file, ps->v[i].line, ps->v[i].msg);
    if (ps->oom)
        mg_buf_printf(out, "%s: out of memory while checking the register\n", file);
}

/* ---- the round ------------------------------------------------------------ */

struct round_info {
    char mode[16], state[16], series[24], language[4], last_day[16], scope[512];
    char staff_survey[24], manager_survey[24];
    bool scoped;
};

static int load_round(struct mg_db_conn *conn, int64_t round_id, struct round_info *ri, char *msg, size_t msglen)
{
    char idbuf[24];
    PGresult *res = NULL;
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)round_id);
    const char *p[] = {idbuf};
    enum mg_qs qs = mg_db_exec(conn, &stmt_round_for_invite, 1, p, &res);
    switch (qs) {
    case MG_QS_HARD:
    case MG_QS_SOFT:
        snprintf(msg, msglen, "a database error occurred while reading round %lld", (long long)round_id);
        return qs;
    case MG_QS_NONE:
        snprintf(msg, msglen, "round %lld does not exist", (long long)round_id);
        PQclear(res);
        return MG_QS_NONE;
    case MG_QS_ROWS:
        break;
    }
    memset(ri, 0, sizeof *ri);
    snprintf(ri->mode, sizeof ri->mode, "%s", PQgetvalue(res, 0, 0));
    snprintf(ri->state, sizeof ri->state, "%s", PQgetvalue(res, 0, 1));
    snprintf(ri->series, sizeof ri->series, "%s", PQgetvalue(res, 0, 2));
    snprintf(ri->language, sizeof ri->language, "%s", PQgetvalue(res, 0, 3));
    snprintf(ri->last_day, sizeof ri->last_day, "%s", PQgetvalue(res, 0, 4));
    ri->scoped = !PQgetisnull(res, 0, 5);
    snprintf(ri->scope, sizeof ri->scope, "%s", PQgetvalue(res, 0, 5));
    snprintf(ri->staff_survey, sizeof ri->staff_survey, "%s", PQgetvalue(res, 0, 6));
    snprintf(ri->manager_survey, sizeof ri->manager_survey, "%s", PQgetvalue(res, 0, 7));
    PQclear(res);
    if (strcmp(ri->mode, "open") == 0) {
        snprintf(msg, msglen, "round %lld is an open round: it has one link per unit (mognad round links %lld) "
                              "instead of personal invitations", (long long)round_id, (long long)round_id);
        return MG_QS_NONE;
    }
    if (strcmp(ri->state, "closed") == 0) {
        snprintf(msg, msglen, "round %lld is closed", (long long)round_id);
        return MG_QS_NONE;
    }
    return MG_QS_ROWS;
}

/* ---- the links out ---------------------------------------------------------- */

/* Writes one person's link to the CSV and/or hands a message to sendmail. */
static int emit(const struct mg_invite_out *out, const struct mg_invitee *row, const struct round_info *ri,
                const struct mg_token *token, bool reminder)
{
    char link[512];
    int rc = 0;
    /* The register's language for this person goes into the link: their
     * survey opens in it whatever the browser prefers (nothing of the
     * register is stored). */
    if (row->language)
        snprintf(link, sizeof link, "%s/s/%s/%s", out->base_url, token->text, row->language);
    else
        snprintf(link, sizeof link, "%s/s/%s", out->base_url, token->text);
    const char *lang = row->language ? row->language : ri->language;
    if (out->csv) {
        mg_csv_write_field(out->csv, row->email);
        fputc(',', out->csv);
        mg_csv_write_field(out->csv, link);
        fputc(',', out->csv);
        mg_csv_write_field(out->csv, lang);
        fputs("\r\n", out->csv);
    }
    if (out->open_mail) {
        FILE *m = out->open_mail(out->mail_ctx);
        if (!m) {
            rc = -1;
        } else {
            mg_invite_write_mail(m, row->email, lang, link, ri->last_day, reminder);
            rc = out->close_mail(m, out->mail_ctx);
        }
    }
    sodium_memzero(link, sizeof link);
    return rc;
}

static void csv_header(const struct mg_invite_out *out)
{
    if (out->csv)
        fputs("email,link,language\r\n", out->csv);
}

/* ---- invite ----------------------------------------------------------------- */

struct unit_entry {
    const char *code;
    const char *id;
    bool in_scope;
};

static int cmp_unit(const void *a, const void *b)
{
    return strcmp(((const struct unit_entry *)a)->code, ((const struct unit_entry *)b)->code);
}

struct invite_ctx {
    const struct mg_keys *keys;
    int64_t round_id;
    const char *file;
    const struct mg_invitee *rows;
    size_t n;
    struct round_info ri;
    struct mg_token *tokens; /* one per row, emitted after the commit */
    bool *created;           /* per row: made by this run */
    struct mg_invite_counts *counts;
    struct mg_buf *problems;
    struct mg_actor actor; /* for the audit log */
    bool refused; /* the round or the register was refused: msg or problems say why */
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

MG_DB_STMT(stmt_link_known,
           "SELECT 1 FROM round_units WHERE round_id = $1::bigint AND link_hash = $2::bytea");

/* Whether the hash of `token` is stored by `stmt` ($1 round, $2 hash);
 * -1 on a database error. */
static int token_known(struct mg_db_conn *conn, const struct mg_db_stmt *stmt, const char *idbuf,
                       const struct mg_token *token)
{
    char hex[2 + 64 + 1];
    hash_hex_of(token, hex);
    const char *p[] = {idbuf, hex};
    enum mg_qs qs = mg_db_exec(conn, stmt, 2, p, NULL);
    return qs < 0 ? -1 : qs == MG_QS_ROWS;
}

/* The link of `employee_id` in the round: made with the current token key,
 * unless the person was invited under a previous one (before `mognad keygen
 * --rotate`): then that link, which they already hold. -1 on a database
 * error. */
static int invitation_token(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                            const char *idbuf, const char *employee_id, struct mg_token *out)
{
    mg_keys_invitation_token(keys, round_id, employee_id, out);
    if (keys->n_previous == 0)
        return 0;
    int known = token_known(conn, &stmt_invitation_status, idbuf, out);
    for (size_t k = 0; known == 0 && k < keys->n_previous; k++) {
        struct mg_token old;
        mg_keys_invitation_token_previous(keys, k, round_id, employee_id, &old);
        known = token_known(conn, &stmt_invitation_status, idbuf, &old);
        if (known == 1)
            *out = old;
        sodium_memzero(&old, sizeof old);
    }
    return known < 0 ? -1 : 0;
}

/* The same for the open link of unit `unit_id`. */
static int open_token(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                      const char *idbuf, int64_t unit_id, struct mg_token *out)
{
    mg_keys_open_token(keys, round_id, unit_id, out);
    if (keys->n_previous == 0)
        return 0;
    int known = token_known(conn, &stmt_link_known, idbuf, out);
    for (size_t k = 0; known == 0 && k < keys->n_previous; k++) {
        struct mg_token old;
        mg_keys_open_token_previous(keys, k, round_id, unit_id, &old);
        known = token_known(conn, &stmt_link_known, idbuf, &old);
        if (known == 1)
            *out = old;
        sodium_memzero(&old, sizeof old);
    }
    return known < 0 ? -1 : 0;
}

/* Checks every row, then stores every invitation; re-runnable as a whole
 * when mg_db_tx retries it. */
static enum mg_qs invite_tx(struct mg_db_conn *conn, void *arg)
{
    struct invite_ctx *c = arg;
    struct unit_entry *units = NULL;
    const struct unit_entry **row_unit = NULL;
    struct mg_csv_problems ps = {0};
    PGresult *res = NULL, *unit_rows = NULL;
    enum mg_qs qs;
    char idbuf[24];
    cJSON *detail = NULL;

    memset(c->counts, 0, sizeof *c->counts);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)c->round_id);
    qs = load_round(conn, c->round_id, &c->ri, c->msg, c->msglen);
    if (qs != MG_QS_ROWS) {
        c->refused = qs == MG_QS_NONE;
        return qs == MG_QS_NONE ? MG_QS_HARD : qs;
    }
    const char *sp[] = {c->ri.scoped ? c->ri.scope : NULL};
    if ((qs = mg_db_exec(conn, &stmt_units_in_scope, 1, sp, &unit_rows)) < 0)
        goto cleanup;
    size_t nunits = (size_t)PQntuples(unit_rows);
    units = calloc(nunits + 1, sizeof *units);
    row_unit = calloc(c->n + 1, sizeof *row_unit);
    if (!units || !row_unit) {
        qs = MG_QS_HARD;
        snprintf(c->msg, c->msglen, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < nunits; i++)
        units[i] = (struct unit_entry){PQgetvalue(unit_rows, (int)i, 0), PQgetvalue(unit_rows, (int)i, 1),
                                       strcmp(PQgetvalue(unit_rows, (int)i, 2), "t") == 0};
    qsort(units, nunits, sizeof *units, cmp_unit);

    check_rows(c->rows, c->n, &ps);
    for (size_t i = 0; i < c->n; i++) {
        const struct mg_invitee *row = &c->rows[i];
        struct unit_entry key = {.code = row->unit_code};
        const struct unit_entry *u = bsearch(&key, units, nunits, sizeof *units, cmp_unit);
        if (!row->unit_code[0])
            ; /* reported by check_rows */
        else if (!u)
            mg_csv_problem(&ps, row->line, "unknown unit code \"%.80s\"", row->unit_code);
        else if (!u->in_scope)
            mg_csv_problem(&ps, row->line, "unit %s is outside the part of the organisation round %s covers",
                           row->unit_code, idbuf);
        else
            row_unit[i] = u;
        bool manager = strcmp(row->role, "manager") == 0;
        if ((manager || strcmp(row->role, "staff") == 0) && !(manager ? c->ri.manager_survey : c->ri.staff_survey)[0])
            mg_csv_problem(&ps, row->line, "round %s has no %s survey", idbuf, row->role);
    }
    if (ps.n || ps.oom) {
        write_problems(&ps, c->file, c->problems);
        c->refused = true;
        qs = MG_QS_HARD;
        goto cleanup;
    }

    bool pseudonymous = strcmp(c->ri.mode, "pseudonymous") == 0;
    char scope[40];
    /* Pseudonyms are per series (see README): one person is followed
     * across the rounds of one series, never between series. */
    if (c->ri.series[0])
        snprintf(scope, sizeof scope, "series:%s", c->ri.series);
    else
        snprintf(scope, sizeof scope, "round:%s", idbuf);
    for (size_t i = 0; i < c->n; i++) {
        const struct mg_invitee *row = &c->rows[i];
        char hash_hex[2 + 64 + 1], pseud_hex[2 + 64 + 1];
        struct mg_pseudonym pseud;

        if (invitation_token(conn, c->keys, c->round_id, idbuf, row->employee_id, &c->tokens[i]) != 0) {
            qs = MG_QS_HARD;
            goto cleanup;
        }
        hash_hex_of(&c->tokens[i], hash_hex);
        if (pseudonymous) {
            mg_keys_pseudonym(c->keys, scope, row->employee_id, &pseud);
            memcpy(pseud_hex, "\\x", 2);
            sodium_bin2hex(pseud_hex + 2, sizeof pseud_hex - 2, pseud.h, sizeof pseud.h);
            sodium_memzero(&pseud, sizeof pseud);
        }
        const char *survey = strcmp(row->role, "manager") == 0 ? c->ri.manager_survey : c->ri.staff_survey;
        const char *ip[] = {idbuf, hash_hex, row_unit[i]->id, row->role, survey, pseudonymous ? pseud_hex : NULL};
        if ((qs = mg_db_exec(conn, &stmt_invitation_upsert, 6, ip, &res)) < 0) {
            snprintf(c->msg, c->msglen, "the invitation of line %d could not be stored; nothing was written",
                     row->line);
            goto cleanup;
        }
        bool created = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        bool changed = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
        c->created[i] = created;
        if (created)
            c->counts->created++;
        else if (changed)
            c->counts->updated++;
        if (strcmp(PQgetvalue(res, 0, 2), "completed") == 0)
            c->counts->completed++;
        PQclear(res);
        res = NULL;
        c->counts->invited++;
    }
    const char *cp[] = {idbuf};
    if ((qs = mg_db_exec(conn, &stmt_invitation_count, 1, cp, &res)) < 0)
        goto cleanup;
    size_t total = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    c->counts->elsewhere = total > c->counts->invited ? total - c->counts->invited : 0;

    detail = cJSON_CreateObject();
    if (!detail) {
        qs = MG_QS_HARD;
        goto cleanup;
    }
    cJSON_AddNumberToObject(detail, "round", (double)c->round_id);
    cJSON_AddNumberToObject(detail, "invited", (double)c->counts->invited);
    cJSON_AddNumberToObject(detail, "created", (double)c->counts->created);
    cJSON_AddNumberToObject(detail, "updated", (double)c->counts->updated);
    cJSON_AddNumberToObject(detail, "completed", (double)c->counts->completed);
    qs = mg_audit(conn, c->actor.user_id, c->actor.name ? c->actor.name : "cli", "round.invite", detail);
    if (qs >= 0)
        qs = MG_QS_ROWS;

cleanup:
    cJSON_Delete(detail);
    PQclear(res);
    PQclear(unit_rows);
    free(units);
    free(row_unit);
    mg_csv_problems_free(&ps);
    return qs;
}

int mg_invite_run(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id, const char *file,
                  const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                  struct mg_invite_counts *counts, struct mg_buf *problems, char *msg, size_t msglen)
{
    struct invite_ctx c = {.keys = keys, .round_id = round_id, .file = file, .rows = rows, .n = n,
                           .counts = counts, .problems = problems, .msg = msg, .msglen = msglen,
                           .actor = out->actor};
    int rc = -1;
    size_t sent = 0;

    msg[0] = '\0';
    memset(counts, 0, sizeof *counts);
    c.tokens = sodium_allocarray(n ? n : 1, sizeof *c.tokens);
    c.created = calloc(n ? n : 1, sizeof *c.created);
    if (!c.tokens || !c.created) {
        snprintf(msg, msglen, "out of memory");
        goto cleanup;
    }
    if (mg_db_tx(conn, invite_tx, &c) < 0) {
        if (!c.refused && !msg[0])
            snprintf(msg, msglen, mg_db_conn_lost(conn) ? "the database connection was lost; nothing was written"
                                                        : "a database error occurred; nothing was written");
        goto cleanup;
    }
    /* Links go out only once the invitations are committed, so no one gets
     * a link the database does not know. */
    csv_header(out);
    for (size_t i = 0; i < n; i++) {
        if (out->new_only && !c.created[i])
            continue;
        if (emit(out, &rows[i], &c.ri, &c.tokens[i], false) != 0) {
            snprintf(msg, msglen, "sendmail did not take the message for line %d (%zu messages before it were "
                                  "handed over). All invitations are stored: fix the mail set-up and run "
                                  "invite again with the rows from line %d on", rows[i].line, sent, rows[i].line);
            goto cleanup;
        }
        sent++;
    }
    rc = 0;

cleanup:
    free(c.created);
    sodium_free(c.tokens);
    return rc;
}

/* ---- remind ------------------------------------------------------------------ */

int mg_invite_remind(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id, const char *file,
                     const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                     struct mg_invite_counts *counts, struct mg_buf *problems, char *msg, size_t msglen)
{
    struct round_info ri;
    struct mg_csv_problems ps = {0};
    char idbuf[24];
    PGresult *res = NULL;
    bool *pending = NULL;
    struct mg_token *tokens = NULL;
    int rc = -1;

    msg[0] = '\0';
    memset(counts, 0, sizeof *counts);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)round_id);
    check_rows(rows, n, &ps);
    if (ps.n || ps.oom) {
        write_problems(&ps, file, problems);
        goto cleanup;
    }
    if (load_round(conn, round_id, &ri, msg, msglen) != MG_QS_ROWS)
        goto cleanup;
    pending = calloc(n ? n : 1, sizeof *pending);
    tokens = sodium_allocarray(n ? n : 1, sizeof *tokens);
    if (!pending || !tokens) {
        snprintf(msg, msglen, "out of memory");
        goto cleanup;
    }
    /* Statuses first, so a database failure sends nothing. */
    for (size_t i = 0; i < n; i++) {
        char hash_hex[2 + 64 + 1];
        if (invitation_token(conn, keys, round_id, idbuf, rows[i].employee_id, &tokens[i]) != 0) {
            snprintf(msg, msglen, "a database error occurred; no reminder was written");
            goto cleanup;
        }
        hash_hex_of(&tokens[i], hash_hex);
        const char *p[] = {idbuf, hash_hex};
        enum mg_qs qs = mg_db_exec(conn, &stmt_invitation_status, 2, p, &res);
        switch (qs) {
        case MG_QS_HARD:
        case MG_QS_SOFT:
            snprintf(msg, msglen, "a database error occurred; no reminder was written");
            goto cleanup;
        case MG_QS_NONE:
            counts->unknown++;
            break;
        case MG_QS_ROWS:
            counts->invited++;
            if (strcmp(PQgetvalue(res, 0, 0), "completed") == 0)
                counts->completed++;
            else
                pending[i] = true;
            break;
        }
        PQclear(res);
        res = NULL;
    }
    csv_header(out);
    for (size_t i = 0; i < n; i++) {
        if (!pending[i])
            continue;
        if (emit(out, &rows[i], &ri, &tokens[i], true) != 0) {
            snprintf(msg, msglen, "sendmail did not take the reminder for line %d (%zu reminders before it were "
                                  "handed over)", rows[i].line, counts->reminded);
            goto cleanup;
        }
        counts->reminded++;
    }
    rc = 0;

cleanup:
    mg_csv_problems_free(&ps);
    PQclear(res);
    free(pending);
    sodium_free(tokens);
    return rc;
}

/* ---- open rounds: one link per unit ------------------------------------------ */

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
        return qs < 0 ? qs : MG_QS_HARD;
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
        if (open_token(conn, c->keys, c->round_id, idbuf, strtoll(PQgetvalue(c->units, i, 0), NULL, 10),
                       &token) != 0)
            return MG_QS_HARD;
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
        char idbuf[24];
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)round_id);
        if (open_token(conn, keys, round_id, idbuf, strtoll(PQgetvalue(c.units, i, 0), NULL, 10), &token) != 0) {
            snprintf(msg, msglen, "a database error occurred");
            PQclear(c.units);
            return -1;
        }
        char link[512];
        snprintf(link, sizeof link, "%s/o/%s", base_url, token.text);
        mg_csv_write_field(out, PQgetvalue(c.units, i, 1));
        fputc(',', out);
        mg_csv_write_field(out, PQgetvalue(c.units, i, 2));
        fputc(',', out);
        mg_csv_write_field(out, link);
        fputs("\r\n", out);
        sodium_memzero(&token, sizeof token);
        sodium_memzero(link, sizeof link);
    }
    PQclear(c.units);
    return 0;
}
