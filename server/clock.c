/* clock.c: real or test-injected current time. */
#include "mg_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char fixed[64];

void mg_clock_set(const char *iso)
{
    snprintf(fixed, sizeof fixed, "%s", iso ? iso : "");
}

void mg_clock_now(char *out, size_t outlen)
{
    if (fixed[0]) {
        snprintf(out, outlen, "%s", fixed);
        return;
    }
    const char *file = getenv("MOGNAD_TEST_CLOCK_FILE");
    if (file && *file) {
        FILE *f = fopen(file, "r");
        if (f) {
            char buf[64] = "";
            if (fgets(buf, sizeof buf, f)) {
                buf[strcspn(buf, "\r\n")] = '\0';
                if (buf[0]) {
                    snprintf(out, outlen, "%s", buf);
                    fclose(f);
                    return;
                }
            }
            fclose(f);
        }
    }
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
