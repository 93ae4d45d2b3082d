/* log.c: serialised, levelled log lines on stderr. */
#include "mg_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum mg_log_level log_level = MG_LOG_INFO;
static time_t client_window;
static int client_lines;

/* Lines from bad clients allowed per second before dropping. */
#define CLIENT_LINES_PER_SECOND 20

static const char *level_name[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void mg_log_set_level(enum mg_log_level level) { log_level = level; }

static void vlog(enum mg_log_level level, const char *file, int line,
                 const char *fmt, va_list ap)
{
    if (level > log_level)
        return;
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "mognad %s ", level_name[level]);
    if (file)
        fprintf(stderr, "%s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
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
