/* SPDX-License-Identifier: MIT */
/* Wall clock and time formatting. */
#include "core/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

double clock_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void clock_rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int clock_parse_epoch(const char *s, int64_t *out, const char *what, struct err *e)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return err_set(e, "%s: empty SOURCE_DATE_EPOCH", what);
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return err_set(e, "%s: SOURCE_DATE_EPOCH \"%s\" is not a decimal integer",
				       what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > (unsigned long long)INT64_MAX / 2)
		return err_set(e, "%s: SOURCE_DATE_EPOCH \"%s\" is out of range", what, s);
	*out = (int64_t)v;
	return 0;
}
