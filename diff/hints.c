/* SPDX-License-Identifier: MIT */
/* Cause hints: from the bytes or strings that differ, a guess at why —
 * a time, a build path, this host's name or user, randomness, else plain
 * content.  Guesses look only at the differing part and what encloses it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff/internal.h"

#define YEAR (366 * 24 * 3600)

/* First path components that say "a build directory" when two absolute
 * paths differ under them. */
static const char *const build_roots[] = {
	"/tmp/", "/var/tmp/", "/build",   "/home/",     "/root/",    "/usr/src/",
	"/work", "/srv/",     "/mnt/",    "/opt/build", "/dev/shm/", "/scratch",
	"/src/", "/proj",     "/buildd/", "/run/",      NULL,
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", NULL,
};

int hints_is_time(const struct diff_ctx *c, int64_t v)
{
	/* A week ahead: lockstep check's varied clock runs days in the future. */
	if (v >= c->now - 5 * YEAR && v <= c->now + 7 * 24 * 3600)
		return 1;
	return c->o->have_sde && v >= c->o->sde - YEAR && v <= c->o->sde + YEAR;
}

enum diff_hint hints_mode(unsigned a, unsigned b)
{
	unsigned d = a ^ b;

	return d && !(d & ~077u) ? HINT_UMASK : HINT_CONTENT;
}

int hints_is_random(const unsigned char *p, size_t len)
{
	size_t count[256] = { 0 }, distinct = 0;
	double expect = 0, keep = 1, chi = 0, mean;

	if (len < 14)
		return 0;
	for (size_t i = 0; i < len; i++)
		distinct += count[p[i]]++ == 0;
	if (len < 64) {
		/* Short spans: random bytes rarely repeat; text and code do. */
		for (size_t i = 0; i < len; i++)
			keep *= 255.0 / 256.0;
		expect = 256.0 * (1.0 - keep);
		return (double)distinct >= 0.85 * expect;
	}
	/* Longer spans: a chi-square test against uniform bytes (its mean is 255
	 * for random data; text, code and tables land far above). */
	mean = (double)len / 256.0;
	for (int i = 0; i < 256; i++)
		chi += ((double)count[i] - mean) * ((double)count[i] - mean) / mean;
	return chi <= 420.0;
}

char *hints_render(const unsigned char *p, size_t len, size_t max)
{
	struct buf b = BUF_INIT;
	int text = len > 0;
	size_t n = len < max ? len : max;

	for (size_t i = 0; i < len && text; i++)
		text = isprint(p[i]) || p[i] == '\t';
	if (text) {
		buf_addstr(&b, "\"");
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '"' || p[i] == '\\')
				buf_addstr(&b, "\\");
			buf_add(&b, &p[i], 1);
		}
		buf_addstr(&b, len > n ? "\"..." : "\"");
	} else {
		for (size_t i = 0; i < n; i++)
			buf_addf(&b, "%s%02x", i ? " " : "", p[i]);
		if (len > n)
			buf_addstr(&b, " ...");
		if (!len)
			buf_addstr(&b, "(empty)");
	}
	return buf_take(&b, NULL);
}

char *hints_render_at(const unsigned char *p, size_t plen, size_t off, size_t len, size_t max)
{
	int edge_text = (off > 0 && isprint(p[off - 1])) ||
			(off + len < plen && isprint(p[off + len]));

	/* One to three printable bytes between binary ones are a length or a
	 * flag that happens to read as "H" or ")", not text. */
	if (len < 4 && !edge_text) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < len; i++)
			buf_addf(&b, "%s%02x", i ? " " : "", p[off + i]);
		return len ? buf_take(&b, NULL) : xstrdup("(empty)");
	}
	return hints_render(p + off, len, max);
}

static int is_sep(char ch)
{
	return ch == '/' || ch == ' ' || ch == '=' || ch == ':' || ch == '"' || ch == '\'' ||
	       ch == '\t' || ch == ',';
}

/* The differing region of a and b: [*s, *ea) in a and [*s, *eb) in b,
 * widened to separators. */
static void core_bounds(const char *a, const char *b, size_t *s, size_t *ea, size_t *eb)
{
	size_t la = strlen(a), lb = strlen(b), p = 0, q = 0;

	while (p < la && p < lb && a[p] == b[p])
		p++;
	while (q < la - p && q < lb - p && a[la - 1 - q] == b[lb - 1 - q])
		q++;
	while (p > 0 && !is_sep(a[p - 1]))
		p--;
	while (q > 0 && !is_sep(a[la - q]))
		q--;
	*s = p;
	*ea = la - q;
	*eb = lb - q;
}

void hints_core(const char *a, const char *b, char **ca, char **cb)
{
	size_t s, ea, eb;

	core_bounds(a, b, &s, &ea, &eb);
	*ca = xstrndup(a + s, ea - s);
	*cb = xstrndup(b + s, eb - s);
}

/* 1 when needle occurs in str overlapping [s, e). */
static int occurs_in(const char *str, size_t s, size_t e, const char *needle)
{
	size_t n = needle ? strlen(needle) : 0;

	if (n < 2)
		return 0;
	for (const char *p = strstr(str, needle); p; p = strstr(p + 1, needle)) {
		size_t i = (size_t)(p - str);
		if (i < e && i + n > s)
			return 1;
		if (e == s && i <= s && i + n >= s)
			return 1;
	}
	return 0;
}

static int digits(const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

/* The calendar year of t (UTC). */
static int year_of(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return gmtime_r(&tt, &tm) ? tm.tm_year + 1900 : 0;
}

/* A YYYYMMDD string at p (8 digits, no digit on either side) whose year is
 * near now or SOURCE_DATE_EPOCH, as hints_is_time counts near. */
static int is_yyyymmdd(const struct diff_ctx *c, const char *str, size_t i, size_t len)
{
	const char *p = str + i;
	int y, m, d, now;

	if (len - i < 8 || !digits(p, 8) || (i > 0 && isdigit((unsigned char)p[-1])) ||
	    (len - i > 8 && isdigit((unsigned char)p[8])))
		return 0;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	m = (p[4] - '0') * 10 + (p[5] - '0');
	d = (p[6] - '0') * 10 + (p[7] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	now = year_of(c->now);
	if (y >= now - 5 && y <= now + 1)
		return 1;
	return c->o->have_sde && y >= year_of(c->o->sde) - 1 && y <= year_of(c->o->sde) + 1;
}

/* A date or time in [s, e) of str (widened a little to catch "12:3" + "4"). */
static int has_date(const struct diff_ctx *c, const char *str, size_t s, size_t e)
{
	size_t len = strlen(str);
	size_t from = s > 12 ? s - 12 : 0, to = e + 12 < len ? e + 12 : len;

	for (size_t i = from; i < to; i++) {
		const char *p = str + i;
		size_t left = len - i;
		for (int m = 0; months[m]; m++)
			if (left >= 6 && !strncmp(p, months[m], 3) && p[3] == ' ' &&
			    (isdigit((unsigned char)p[4]) || p[4] == ' '))
				return 1;
		if (left >= 8 && digits(p, 2) && p[2] == ':' && digits(p + 3, 2) && p[5] == ':' &&
		    digits(p + 6, 2))
			return 1;
		if (left >= 10 && digits(p, 4) && p[4] == '-' && digits(p + 5, 2) && p[7] == '-' &&
		    digits(p + 8, 2))
			return 1;
		if (is_yyyymmdd(c, str, i, len))
			return 1;
		if (left >= 10 && digits(p, 10) && (i == 0 || !isdigit((unsigned char)p[-1])) &&
		    (left == 10 || !isdigit((unsigned char)p[10]))) {
			char tmp[11];
			memcpy(tmp, p, 10);
			tmp[10] = 0;
			if (hints_is_time(c, strtoll(tmp, NULL, 10)))
				return 1;
		}
	}
	return 0;
}

/* 1 when [s, e) of str lies inside an absolute path under a build root. */
static int in_build_path(const char *str, size_t s, size_t e)
{
	size_t t = s;

	(void)e;
	while (t > 0 && str[t - 1] != ' ' && str[t - 1] != '=' && str[t - 1] != '"' &&
	       str[t - 1] != '\'' && str[t - 1] != ':' && str[t - 1] != '\t')
		t--;
	/* Paths also start after "-I", "-fdebug-prefix-map=" and the like. */
	while (str[t] && str[t] != '/' && t < s)
		t++;
	if (str[t] != '/')
		return 0;
	for (int i = 0; build_roots[i]; i++)
		if (!strncmp(str + t, build_roots[i], strlen(build_roots[i])))
			return 1;
	return 0;
}

enum diff_hint hints_strings(const struct diff_ctx *c, const char *a, const char *b)
{
	size_t s, ea, eb;

	core_bounds(a, b, &s, &ea, &eb);
	for (size_t i = 0; i < c->o->n_build_paths; i++)
		if (occurs_in(a, s, ea, c->o->build_paths[i]) ||
		    occurs_in(b, s, eb, c->o->build_paths[i]))
			return HINT_BUILD_PATH;
	if (has_date(c, a, s, ea) || has_date(c, b, s, eb))
		return HINT_TIMESTAMP;
	if (occurs_in(a, s, ea, diff_username(c)) || occurs_in(b, s, eb, diff_username(c)))
		return HINT_USERNAME;
	if (occurs_in(a, s, ea, diff_hostname(c)) || occurs_in(b, s, eb, diff_hostname(c)))
		return HINT_HOSTNAME;
	if (in_build_path(a, s, ea) || in_build_path(b, s, eb))
		return HINT_BUILD_PATH;
	if (ea - s >= 16 && eb - s >= 16 && hints_is_random((const unsigned char *)a + s, ea - s) &&
	    hints_is_random((const unsigned char *)b + s, eb - s))
		return HINT_RANDOM;
	return HINT_CONTENT;
}

static int printable(unsigned char ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

static uint64_t load_le(const unsigned char *p, int w)
{
	uint64_t v = 0;
	for (int i = w - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Text, perhaps NUL-padded: printable bytes (two at least) and NULs. */
static int texty(const unsigned char *p, size_t n)
{
	size_t letters = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] && !printable(p[i]))
			return 0;
		letters += p[i] != 0;
	}
	return letters >= 2;
}

/* [off, off + len) random, judged on both sides' bytes together: one side
 * alone too often fails the test by chance (1 in 500 32-byte salts did,
 * and the hint changed from run to run).  Random bytes that happen to agree
 * at the span's ends leave it shorter than they are: the span is widened
 * over up to two agreeing bytes each side, unless they are zero (padding). */
static int span_random(const unsigned char *a, const unsigned char *b, size_t n, size_t off,
		       size_t len)
{
	unsigned char both[2 * 4096];
	size_t s = off, e = off + len, w;

	if (e > n)
		return 0;
	for (int k = 0; k < 2 && s > 0 && a[s - 1] && a[s - 1] == b[s - 1]; k++)
		s--;
	for (int k = 0; k < 2 && e < n && a[e] && a[e] == b[e]; k++)
		e++;
	w = e - s < 4096 ? e - s : 4096;
	if (w < 14)
		return 0;
	memcpy(both, a + s, w);
	memcpy(both + w, b + s, w);
	return hints_is_random(both, 2 * w);
}

enum diff_hint hints_span(const struct diff_ctx *c, const unsigned char *a, size_t alen,
			  const unsigned char *b, size_t blen, size_t off, size_t len)
{
	size_t s = off, ea, eb, n = alen < blen ? alen : blen;
	/* Text when the range is printable on both sides up to its end or to
	 * one side's NUL: a string that changed length ("lockstep" ->
	 * "other-machine") runs the range past the shorter one's NUL, and
	 * reading those letters as integers would call them a timestamp.  (At
	 * least two bytes before a NUL: random bytes are seldom printable two
	 * in a row on both sides and then NUL.) */
	size_t t = off;
	while (t < off + len && t < n && printable(a[t]) && printable(b[t]))
		t++;
	int text = len > 0 && (t == off + len || (t < n && t - off >= 2 && (!a[t] || !b[t])));

	if (text) {
		/* Widen to the enclosing strings (each side on its own: what follows
		 * may differ in length). */
		ea = eb = off + len;
		while (s > 0 && off - s < 256 && printable(a[s - 1]) && printable(b[s - 1]))
			s--;
		while (ea < alen && ea - off < 256 && printable(a[ea]))
			ea++;
		while (eb < blen && eb - off < 256 && printable(b[eb]))
			eb++;
		if (ea - s >= 4 || eb - s >= 4) {
			char *sa = xstrndup((const char *)a + s, ea - s);
			char *sb = xstrndup((const char *)b + s, eb - s);
			enum diff_hint h = hints_strings(c, sa, sb);
			free(sa);
			free(sb);
			/* Random bytes that open with two printable ones and a
			 * NUL on one side look like a short string. */
			if (h == HINT_CONTENT && span_random(a, b, n, off, len))
				return HINT_RANDOM;
			if (h != HINT_RANDOM)
				return h;
		}
	}
	if (span_random(a, b, n, off, len))
		return HINT_RANDOM;
	/* Times stored as integers: an aligned 8- or 4-byte word (little endian,
	 * as RISC-V and x86 store them) that reads as a time on both sides. */
	for (int w = 8; w >= 4; w -= 4) {
		size_t first = off / (size_t)w * (size_t)w;
		for (size_t p = first; p < off + len && p + (size_t)w <= n; p += (size_t)w) {
			/* Letters are never an integer time, whatever number
			 * they read as (reordered strings did). */
			if (texty(a + p, (size_t)w) && texty(b + p, (size_t)w))
				continue;
			int64_t va = w == 8 ? (int64_t)load_le(a + p, w)
					    : (int64_t)(uint32_t)load_le(a + p, w);
			int64_t vb = w == 8 ? (int64_t)load_le(b + p, w)
					    : (int64_t)(uint32_t)load_le(b + p, w);
			if (va != vb && hints_is_time(c, va) && hints_is_time(c, vb))
				return HINT_TIMESTAMP;
		}
	}
	return HINT_CONTENT;
}
