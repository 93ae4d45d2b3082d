/* log.c: serialised, levelled log lines on stderr. */
#include "mg_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum mg_log_level log_level = MG_LOG_INFO;
static time_t client_window;
static int client_lines;

/* Lines from bad clients allowed per second before dropping. */
#define CLIENT_LINES_PER_SECOND 20

static const char *level_name[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void mg_log_set_level(enum mg_log_level level) { log_level = level; }

/* The length of the valid UTF-8 sequence at `p` (1 to 4), or 0 when the
 * byte there does not start one (a stray continuation byte, an overlong
 * form, a surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[0] == 0xE0 && p[1] < 0xA0) ||
            (p[0] == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80 ||
            (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

void mg_log_write_escaped(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            fprintf(f, "\\x%02x", *p);
            p++;
        } else if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
            /* C1 controls (U+0080 to U+009F): U+009B starts an escape
             * sequence in some terminals as ESC [ does. */
            fprintf(f, "\\u%04x", p[1]);
            p += 2;
        } else if (n > 1) {
            fwrite(p, 1, n, f);
            p += n;
        } else if (*p == '\\') {
            fputs("\\\\", f);
            p++;
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            fputc('\\', f);
            fputc(*p == '\n' ? 'n' : *p == '\r' ? 'r' : 't', f);
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(f, "\\x%02x", *p);
            p++;
        } else {
            fputc(*p, f);
            p++;
        }
    }
}

static void vlog(enum mg_log_level level, const char *file, int line,
                 const char *fmt, va_list ap)
{
    if (level > log_level)
        return;
    /* The message is formatted first and written escaped as a whole, so a
     * value from outside (a round name, a header, a database message)
     * can neither start a line of its own nor send the terminal an escape
     * sequence, whatever the caller passed. A line break ending the
     * message (libpq's messages have one) is dropped, not escaped. */
    char small[1024], *msg = small;
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL)
        vsnprintf(msg, (size_t)n + 1, fmt, copy);
    else if (n >= (int)sizeof small)
        msg = small; /* out of memory: the first bytes will do */
    else if (n < 0)
        small[0] = '\0';
    va_end(copy);
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';

    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "mognad %s ", level_name[level]);
    if (file)
        fprintf(stderr, "%s:%d: ", file, line);
    mg_log_write_escaped(stderr, msg);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    if (msg != small)
        free(msg);
}

void mg_log(enum mg_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, 0, fmt, ap);
    va_end(ap);
}

void mg_log_bug(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(MG_LOG_ERROR, file, line, fmt, ap);
    va_end(ap);
}

void mg_log_client(const char *fmt, ...)
{
    time_t now = time(NULL);
    int allowed;

    pthread_mutex_lock(&log_lock);
    if (now != client_window) {
        client_window = now;
        client_lines = 0;
    }
    allowed = client_lines++ < CLIENT_LINES_PER_SECOND;
    pthread_mutex_unlock(&log_lock);
    if (!allowed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(MG_LOG_WARN, NULL, 0, fmt, ap);
    va_end(ap);
}
