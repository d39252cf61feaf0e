/* SPDX-License-Identifier: MIT */
/* The cpio header guard of archive/cpio_check.h: a scan for every ASCII cpio
 * magic in a stream, fed whole or in chunks. */
#include "archive/cpio_check.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static int64_t field(const unsigned char *p, size_t n, int base)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = p[i] >= '0' && p[i] <= '9'                 ? p[i] - '0'
			: base == 16 && p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
			: base == 16 && p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
								   : -1;
		if (d < 0 || d >= base)
			return -1;
		v = v * base + d;
	}
	return v;
}

/* Looks at every magic that starts before limit in p[0..len) (p sits at
 * stream offset base) and keeps the largest end a header claims.  A
 * candidate whose header is not whole in p is left to the caller: with
 * final set, it is no header (the stream ends inside it), as libarchive
 * would find too. */
static void scan(struct cpio_check *c, const unsigned char *p, size_t len, size_t limit,
		 uint64_t base)
{
	const unsigned char *m;

	for (m = p; (m = memmem(m, len - (size_t)(m - p), "07070", 5)); m++) {
		size_t at = (size_t)(m - p);
		int newc = at + 6 <= len && (m[5] == '1' || m[5] == '2');
		size_t hdr = newc ? 110 : 76;
		int64_t name, body;
		uint64_t end;

		if (at >= limit)
			break;
		if (at + 6 > len || (!newc && m[5] != '7') || len - at < hdr)
			continue; /* not a header the reader could take whole */
		name = newc ? field(m + 94, 8, 16) : field(m + 59, 6, 8);
		body = newc ? field(m + 54, 8, 16) : field(m + 65, 11, 8);
		if (name < 0 || body < 0)
			continue; /* not a header libarchive reads either */
		end = base + at + hdr + (uint64_t)name + (uint64_t)body;
		if (end > c->worst) {
			c->worst = end;
			c->w_at = base + at;
			c->w_name = name;
			c->w_body = body;
		}
	}
}

static int opens_with_magic(const unsigned char *p)
{
	return !memcmp(p, "070701", 6) || !memcmp(p, "070702", 6) || !memcmp(p, "070707", 6);
}

void cpio_check_feed(struct cpio_check *c, const void *p, size_t n)
{
	size_t len, limit;

	if (c->state == 2 || !n)
		return;
	if (c->ncarry + n > c->cap)
		c->buf = xrealloc(c->buf, c->cap = c->ncarry + n);
	memcpy(c->buf, c->carry, c->ncarry);
	memcpy(c->buf + c->ncarry, p, n);
	len = c->ncarry + n;
	if (c->state == 0 && len >= 6) {
		/* c->buf starts at stream offset 0 while state is 0. */
		if (!opens_with_magic(c->buf)) {
			c->state = 2;
			return;
		}
		c->state = 1;
	}
	/* A header starting in the last CPIO_CHECK_HDR - 1 bytes may not be
   * whole yet: those bytes are carried to the next call. */
	limit = len >= CPIO_CHECK_HDR ? len - (CPIO_CHECK_HDR - 1) : 0;
	if (c->state == 1)
		scan(c, c->buf, len, limit, c->seen - c->ncarry);
	c->seen += n;
	c->ncarry = len - limit;
	memmove(c->carry, c->buf + limit, c->ncarry);
}

int cpio_check_wanted(const struct cpio_check *c)
{
	return c->state != 2;
}

static int verdict(const struct cpio_check *c, uint64_t total, struct err *e)
{
	if (c->worst > total)
		return err_set(e,
			       "corrupt archive: the cpio member at byte %llu claims a "
			       "%lld-byte name and %lld bytes, past the end",
			       (unsigned long long)c->w_at, (long long)c->w_name,
			       (long long)c->w_body);
	return 0;
}

int cpio_check_finish(struct cpio_check *c, struct err *e)
{
	int r = 0;

	if (c->state == 1 && c->ncarry)
		scan(c, c->carry, c->ncarry, c->ncarry, c->seen - c->ncarry);
	if (c->state == 1)
		r = verdict(c, c->seen, e);
	cpio_check_release(c);
	return r;
}

int cpio_check_buffer(const void *p, size_t len, struct err *e)
{
	struct cpio_check c = CPIO_CHECK_INIT;

	if (len < 6 || !opens_with_magic(p))
		return 0;
	scan(&c, p, len, len, 0);
	return verdict(&c, len, e);
}

void cpio_check_release(struct cpio_check *c)
{
	free(c->buf);
	c->buf = NULL;
	c->cap = 0;
}
