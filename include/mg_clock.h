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

#endif
