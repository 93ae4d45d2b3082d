/* mg_log.h: logging to stderr; our own bugs and bad client input kept apart. */
#ifndef MG_LOG_H
#define MG_LOG_H

#include <stdio.h>

enum mg_log_level { MG_LOG_ERROR, MG_LOG_WARN, MG_LOG_INFO, MG_LOG_DEBUG };

/* Writes one line "LEVEL message" to stderr, serialised across threads.
 * The formatted message is written through mg_log_write_escaped, so the
 * values in it need no escaping by the caller. */
void mg_log(enum mg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like mg_log(MG_LOG_WARN, ...) but drops lines beyond a few per second so
 * a client sending garbage cannot flood the log. */
void mg_log_client(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the lowest level written; MG_LOG_INFO by default. */
void mg_log_set_level(enum mg_log_level level);

/* A condition that means a bug or a broken environment on our side. */
#define MG_LOG_BUG(...) mg_log_bug(__FILE__, __LINE__, __VA_ARGS__)
/* Input from outside that we refused: a warning, rate-limited. */
#define MG_LOG_CLIENT(...) mg_log_client(__VA_ARGS__)

void mg_log_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes `s` to `f` so it stays on one line and sends a terminal nothing
 * but text: line breaks and tabs as \n, \r and \t, a backslash as \\,
 * other control characters and bytes that are not UTF-8 as \xHH, the C1
 * controls U+0080 to U+009F as \uHHHH. Other UTF-8 text (å, ø) stays. */
void mg_log_write_escaped(FILE *f, const char *s);

#endif
