/* SPDX-License-Identifier: MIT */
/* The only place that reads the wall clock: everything that ends up in an
 * artifact uses SOURCE_DATE_EPOCH instead; only metadata (provenance
 * startedOn/finishedOn, VSA timeVerified) reads "now". */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdint.h>
#include "core/err.h"

/* Seconds since the epoch, now. */
int64_t clock_now(void);
/* Seconds since the epoch, now, with the fraction (to set a faked clock
 * to a given start with a relative offset). */
double clock_real(void);
/* Monotonic seconds, for elapsed times and timeouts. */
double clock_mono(void);
/* RFC 3339 UTC ("2026-01-12T00:00:00Z") of t into out[21]. */
void clock_rfc3339(int64_t t, char out[32]);
/* Parses a SOURCE_DATE_EPOCH value: decimal digits only, no sign, fits in
 * 64 bits.  Returns 0 or -1 with e naming `what`. */
int clock_parse_epoch(const char *s, int64_t *out, const char *what, struct err *e);

#endif
