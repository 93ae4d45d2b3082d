/* mg_invite.h: invitations and reminders from an HR register.
 *
 * The register (employee id, e-mail, unit, role) never enters the
 * database: each person's link is a keyed hash of (round, employee id), so
 * invitations hold only the hash of it, and reminders recompute links from
 * the same register. */
#ifndef MG_INVITE_H
#define MG_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mg_db_conn;
struct mg_keys;

/* One validated register row. Strings are borrowed from the caller. */
struct mg_invitee {
    const char *employee_id;
    const char *email;
    const char *unit_code;
    const char *role;     /* staff | manager */
    const char *language; /* sv | nb | nn | en, or NULL for the round's */
    int line;             /* in the register file, for messages */
};

struct mg_invite_counts {
    size_t invited;   /* rows of the register with an invitation now */
    size_t created;   /* invitations made by this run */
    size_t updated;   /* invitations whose unit or role changed */
    size_t completed; /* invitations already answered */
    size_t reminded;  /* reminders written (remind only) */
    size_t unknown;   /* register rows never invited (remind only) */
};

/* What goes out for each person: the link and the texts of the message. */
struct mg_invite_out {
    FILE *csv;          /* links CSV (email,link,language) when not NULL */
    FILE *(*open_mail)(void *ctx); /* a sendmail pipe per message, or NULL */
    int (*close_mail)(FILE *f, void *ctx);
    void *mail_ctx;
    const char *base_url; /* e.g. https://survey.example.org */
};

/* Creates or updates the invitations of round `round_id` for `rows`, in
 * one transaction; writes every person's link to `out`. All rows are
 * checked first (unknown unit, a role the round has no survey for, a
 * unit outside the round's part of the tree); any problem writes nothing
 * and lists every bad line in `msg`. Returns 0, or -1 with `msg` set. */
int mg_invite_run(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                  const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                  struct mg_invite_counts *counts, char *msg, size_t msglen);

/* Recomputes the links of `rows` and writes only those not yet completed,
 * as reminders. Changes nothing in the database. */
int mg_invite_remind(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                     const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                     struct mg_invite_counts *counts, char *msg, size_t msglen);

/* For an open round: stores the hash of each unit's link (the units of the
 * round's part of the tree) and writes "unit_code,unit_name,link" CSV to
 * `out`. Re-running gives the same links. Returns 0, or -1 with `msg`. */
int mg_invite_open_links(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                         const char *base_url, FILE *out, char *msg, size_t msglen);

/* Writes one RFC 5322 message (headers and body) for `to` in `lang`
 * (sv|nb|nn|en) to `f`: an invitation or, when `reminder`, a reminder.
 * `closes` is the closing date shown (YYYY-MM-DD). Exposed for tests. */
void mg_invite_write_mail(FILE *f, const char *to, const char *lang, const char *link,
                          const char *closes, bool reminder);

/* Writes `s` as one RFC 4180 CSV field, quoted when it holds a comma,
 * semicolon, quote or line break. */
void mg_invite_csv_field(FILE *f, const char *s);

#endif
