/* mg_clock.h: the time the scheduler and round checks act on.
 *
 * Real time, unless MOGNAD_TEST_CLOCK_FILE names a file holding an ISO
 * timestamp (tests move time by rewriting it; several servers share it). */
#ifndef MG_CLOCK_H
#define MG_CLOCK_H

#include <stddef.h>

/* Writes the current time as an ISO 8601 UTC timestamp, suitable as a
 * timestamptz parameter, to `out` (at least 40 bytes). */
void mg_clock_now(char *out, size_t outlen);

/* Makes this process's clock read `iso` (an ISO 8601 timestamp) until it
 * is called again; NULL returns to real (or test-file) time. For
 * `mognad demo`, which replays last year's round on last year's dates
 * through the same code as a real round. Not thread-safe: call it before
 * any thread reads the clock. */
void mg_clock_set(const char *iso);

#endif
