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

#include "mg_audit.h"

struct mg_db_conn;
struct mg_keys;

struct mg_buf;

/* One register row. Strings are borrowed from the caller; role and
 * language are expected in lower case. */
struct mg_invitee {
    const char *employee_id;
    const char *email;
    const char *unit_code;
    const char *role;     /* staff | manager */
    const char *language; /* sv | nb | nn | en, or NULL for the round's */
    int line;             /* in the register file, for messages */
};

struct mg_invite_counts {
    size_t invited;    /* rows of the register with an invitation now */
    size_t created;    /* invitations made by this run */
    size_t updated;    /* invitations whose unit, role or survey changed */
    size_t completed;  /* invitations already answered */
    size_t reminded;   /* reminders written (remind only) */
    size_t unknown;    /* register rows never invited (remind only) */
    size_t elsewhere;  /* invitations of the round for no row of this register */
};

/* What goes out for each person: the link and the texts of the message. */
struct mg_invite_out {
    FILE *csv;                     /* links CSV (email,link,language) when not NULL */
    FILE *(*open_mail)(void *ctx); /* a sendmail pipe per message, or NULL */
    int (*close_mail)(FILE *f, void *ctx); /* 0 when the message was accepted */
    void *mail_ctx;
    const char *base_url; /* e.g. https://survey.example.org, no trailing '/' */
    bool new_only;        /* invite: only the invitations this run created */
    struct mg_actor actor; /* who acts, for the audit log; name NULL: "cli" */
};

struct mg_csv;

/* The rows of a register parsed by mg_csv_parse: checks the header
 * (employee_id, email, unit_code, role required; language optional),
 * lower-cases role and language in `csv` and points each row into it
 * (`csv` must outlive the rows). Returns the rows (caller frees with free;
 * csv->n of them) or NULL with one sentence in `msg` about the columns
 * (line csv->header_line) or memory. The command line and the register
 * upload of the dashboard both read registers this way. */
struct mg_invitee *mg_invite_rows_from_csv(struct mg_csv *csv, char *msg, size_t msglen);

/* Creates or updates the invitations of round `round_id` for `rows`, in
 * one transaction, then writes every person's link to `out`. Every row is
 * checked first: an empty or overlong employee id, a malformed e-mail
 * address, an empty or unknown unit code, a unit outside the round's part
 * of the tree, a role other than staff or manager or one the round has no
 * survey for, a language other than sv, nb, nn or en, an employee id that
 * is on an earlier line too. Each problem is appended to `problems` as a
 * "FILE:LINE: problem\n" line, in line order, naming no employee id or
 * e-mail address, and then nothing is written. A round that is open mode
 * or closed, or a database failure, sets `msg` instead. Returns 0 or -1. */
int mg_invite_run(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id, const char *file,
                  const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                  struct mg_invite_counts *counts, struct mg_buf *problems, char *msg, size_t msglen);

/* Recomputes the links of `rows` and writes those not yet completed, as
 * reminders. Rows are checked as by mg_invite_run, except against the
 * units and surveys (a row never invited is only counted). Changes
 * nothing in the database. Returns 0 or -1 as mg_invite_run. */
int mg_invite_remind(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id, const char *file,
                     const struct mg_invitee *rows, size_t n, const struct mg_invite_out *out,
                     struct mg_invite_counts *counts, struct mg_buf *problems, char *msg, size_t msglen);

/* True when `s` looks like a deliverable e-mail address (local@domain.tld,
 * no spaces, quotes, brackets or control characters, at most 254 bytes). */
bool mg_invite_email_ok(const char *s);

/* For an open round: stores the hash of each unit's link (the units of the
 * round's part of the tree) and writes "unit_code,unit_name,link" CSV to
 * `out`. Re-running gives the same links. Returns 0, or -1 with `msg`. */
int mg_invite_open_links(struct mg_db_conn *conn, const struct mg_keys *keys, int64_t round_id,
                         const char *base_url, FILE *out, char *msg, size_t msglen);

/* Writes one RFC 5322 message (headers and body, LF line ends as sendmail
 * takes them) for `to` in `lang` (sv|nb|nn|en) to `f`: an invitation or,
 * when `reminder`, a reminder. `last_day` is the last day the survey is
 * open (YYYY-MM-DD), shown in the language's usual form. The subject is
 * RFC 2047 encoded, the body UTF-8 wrapped at 72 characters. */
void mg_invite_write_mail(FILE *f, const char *to, const char *lang, const char *link,
                          const char *last_day, bool reminder);

#endif
