/* SPDX-License-Identifier: MIT */
/* Debian version comparison exactly as dpkg does it (epoch, then upstream
 * version, then revision, each compared with dpkg's verrevcmp), so that
 * "the highest version wins" and "(>= 2.36)" mean here what they mean to
 * apt and dpkg. */
#include <ctype.h>
#include <string.h>

#include "toolchains/resolve.h"

/* dpkg's order of one character in a non-digit run: '~' before the end of
 * the run, the end before letters, letters before everything else. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compares [a, ae) with [b, be) as dpkg's verrevcmp: alternating non-digit
 * runs (by order()) and digit runs (numerically, leading zeros ignored). */
static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		while ((a < ae && !isdigit((unsigned char)*a)) ||
		       (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? order((unsigned char)*a) : 0;
			int bc = b < be ? order((unsigned char)*b) : 0;

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		/* Digit runs: the first differing digit decides unless one run
		 * is longer, which decides first. */
		int first = 0;
		while (a < ae && isdigit((unsigned char)*a) && b < be &&
		       isdigit((unsigned char)*b)) {
			if (!first)
				first = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first)
			return first;
	}
	return 0;
}

struct parts {
	unsigned long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

/* Splits "[epoch:]upstream[-revision]": the epoch ends at the first ':',
 * the revision starts after the last '-'.  A missing revision is empty,
 * which compares equal to "0" as in dpkg ("1.0" == "1.0-0"). */
static void split(const char *v, struct parts *p)
{
	const char *colon = strchr(v, ':'), *dash;

	p->epoch = 0;
	if (colon) {
		for (const char *s = v; s < colon; s++)
			if (isdigit((unsigned char)*s))
				p->epoch = p->epoch * 10 + (unsigned long)(*s - '0');
		v = colon + 1;
	}
	dash = strrchr(v, '-');
	p->up = v;
	p->up_end = dash ? dash : v + strlen(v);
	p->rev = dash ? dash + 1 : p->up_end;
	p->rev_end = dash ? dash + 1 + strlen(dash + 1) : p->up_end;
}

int debversion_cmp(const char *a, const char *b)
{
	struct parts x, y;
	int r;

	split(a, &x);
	split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	r = verrevcmp(x.up, x.up_end, y.up, y.up_end);
	if (r)
		return r;
	return verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
}
