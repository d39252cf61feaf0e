/* SPDX-License-Identifier: MIT */
/* Raw bytes: the ranges where two images differ, with hex context, for
 * whatever is neither ELF, archive nor text, for the bytes a structure did
 * not explain (padding, trailing data, fields no format reads), and for
 * files too big to hold, read in bounded windows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff/internal.h"

/* Equal runs shorter than this join two differing ranges into one. */
#define BYTES_GAP 8
/* The window a file is read in; two of them are all a comparison holds. */
#define BYTES_WINDOW (1u << 20)
/* Context read around a differing range for its hint and hex dump (the
 * hints look at most 256 bytes either side). */
#define BYTES_CONTEXT 320
/* Of a long range, what is read to hint and render it. */
#define BYTES_SPAN_MAX 4096

size_t bytes_ranges(const unsigned char *a, const unsigned char *b, size_t n, size_t *off,
		    size_t *len, size_t max, size_t *ndiff_bytes)
{
	size_t count = 0, diffs = 0, i = 0;
	size_t cur_s = 0, cur_e = 0;
	int open = 0;

	while (i < n) {
		/* Skip equal blocks quickly: most of a big image is the same. */
		if (i % 4096 == 0 && n - i >= 4096 && !memcmp(a + i, b + i, 4096)) {
			i += 4096;
			continue;
		}
		if (a[i] != b[i]) {
			diffs++;
			if (open && i - cur_e < BYTES_GAP) {
				cur_e = i + 1;
			} else {
				if (open) {
					if (count < max) {
						off[count] = cur_s;
						len[count] = cur_e - cur_s;
					}
					count++;
				}
				open = 1;
				cur_s = i;
				cur_e = i + 1;
			}
		}
		i++;
	}
	if (open) {
		if (count < max) {
			off[count] = cur_s;
			len[count] = cur_e - cur_s;
		}
		count++;
	}
	if (ndiff_bytes)
		*ndiff_bytes = diffs;
	return count;
}

void bytes_hex_lines(struct strv *out, const char *tag, const unsigned char *p, size_t plen,
		     size_t off, size_t len, uint64_t base)
{
	size_t from = off & ~(size_t)15, to = off + len + 8, lines = 0;

	if (to > plen)
		to = plen;
	for (size_t row = from; row < to && lines < 4; row += 16, lines++) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s 0x%08llx:", tag, (unsigned long long)(base + row));
		for (size_t i = row; i < row + 16 && i < to; i++)
			buf_addf(&b, " %02x", p[i]);
		buf_addstr(&b, "  ");
		for (size_t i = row; i < row + 16 && i < to; i++)
			buf_addf(&b, "%c", p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
		strv_push(out, b.data);
		buf_release(&b);
	}
}

void cover_release(struct diff_cover *cov)
{
	for (int s = 0; s < 2; s++) {
		free(cov->v[s]);
		cov->v[s] = NULL;
		cov->n[s] = cov->cap[s] = 0;
	}
}

static int cmp_span(const void *x, const void *y)
{
	const struct diff_span *a = x, *b = y;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* One side as the comparison reads it: the uncovered spans of the image in
 * file order (the whole image when nothing is covered; with a positional
 * cover, what neither side covers), read through a window buffer when the
 * image is a file. */
struct stream {
	const struct bytes_side *s;
	struct diff_span *keep; /* owned */
	size_t nkeep;
	uint64_t vlen;      /* sum of the kept spans */
	unsigned char *win; /* owned: BYTES_WINDOW bytes, for files and joins */
};

static void stream_init(struct stream *st, const struct bytes_side *s, const struct diff_cover *cov,
			int side)
{
	int both = cov && cov->positional;
	size_t n = cov ? cov->n[side] + (both ? cov->n[!side] : 0) : 0;
	struct diff_span *cv = NULL;
	uint64_t pos = 0;

	memset(st, 0, sizeof(*st));
	st->s = s;
	st->win = xmalloc(BYTES_WINDOW);
	st->keep = xmalloc((n + 1) * sizeof(*st->keep));
	if (n) {
		cv = xmalloc(n * sizeof(*cv));
		/* One side may have no spans (and no array) while the other has. */
		if (cov->n[side])
			memcpy(cv, cov->v[side], cov->n[side] * sizeof(*cv));
		if (both && cov->n[!side])
			memcpy(cv + cov->n[side], cov->v[!side], cov->n[!side] * sizeof(*cv));
		qsort(cv, n, sizeof(*cv), cmp_span);
	}
	for (size_t i = 0; i <= n; i++) {
		uint64_t end = i < n ? cv[i].off : s->len;
		if (end > s->len)
			end = s->len;
		if (end > pos) {
			st->keep[st->nkeep++] = (struct diff_span){ pos, end - pos };
			st->vlen += end - pos;
		}
		if (i < n && cv[i].off + cv[i].len > pos)
			pos = cv[i].off + cv[i].len;
	}
	free(cv);
}

static void stream_release(struct stream *st)
{
	free(st->keep);
	free(st->win);
}

/* The file offset of stream offset v, and how many bytes from there are
 * contiguous in the file. */
static uint64_t stream_file_off(const struct stream *st, uint64_t v, uint64_t *run)
{
	for (size_t i = 0; i < st->nkeep; i++) {
		if (v < st->keep[i].len) {
			if (run)
				*run = st->keep[i].len - v;
			return st->keep[i].off + v;
		}
		v -= st->keep[i].len;
	}
	if (run)
		*run = 0;
	return st->s->len;
}

/* Reads n bytes of the file at off into dst (n small or a window). */
static int side_read(const struct bytes_side *s, uint64_t off, size_t n, unsigned char *dst,
		     struct err *e)
{
	if (s->p) {
		memcpy(dst, s->p + off, n);
		return 0;
	}
	while (n) {
		ssize_t r = pread(s->fd, dst, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? err_sys(e, "cannot read")
				     : err_set(e, "file shrank while read");
		dst += r, off += (uint64_t)r, n -= (size_t)r;
	}
	return 0;
}

/* n bytes of the stream from v (n <= BYTES_WINDOW): in place when the image
 * is in memory and the bytes are contiguous, else gathered into st->win. */
static const unsigned char *stream_get(struct stream *st, uint64_t v, size_t n, struct err *e)
{
	uint64_t run, off = stream_file_off(st, v, &run);
	size_t got = 0;

	if (st->s->p && run >= n)
		return st->s->p + off;
	while (got < n) {
		size_t k = run < n - got ? (size_t)run : n - got;
		if (!k || side_read(st->s, off, k, st->win + got, e) < 0)
			return k ? NULL : (err_set(e, "internal: read past the stream"), NULL);
		got += k;
		off = stream_file_off(st, v + got, &run);
	}
	return st->win;
}

/* A differing range to report: stream offsets [s, e). */
struct scan {
	struct diff_ctx *c;
	const char *name;
	struct stream *sa, *sb;
	int residual;
	size_t shown;
};

/* Reads [off - pre, off + len + post) of a file into a new buffer, clipped
 * to the file; *at: where off lands in it. */
static unsigned char *context(const struct bytes_side *s, uint64_t off, uint64_t len, size_t pre,
			      size_t *blen, struct err *e)
{
	uint64_t from = off - pre, to = off + len + BYTES_CONTEXT;
	unsigned char *p;

	if (to > s->len)
		to = s->len;
	if (to < from)
		to = from;
	p = xmalloc((size_t)(to - from) + 1);
	if (side_read(s, from, (size_t)(to - from), p, e) < 0) {
		free(p);
		return NULL;
	}
	*blen = (size_t)(to - from);
	return p;
}

/* Reports one range, contiguous in a's file: fa in a, fb in b, len bytes. */
static int report_range(struct scan *sc, uint64_t fa, uint64_t fb, uint64_t len, struct err *e)
{
	struct diff_ctx *c = sc->c;
	size_t pre = BYTES_CONTEXT, la = 0, lb = 0;
	uint64_t shown_len = len < BYTES_SPAN_MAX ? len : BYTES_SPAN_MAX;
	unsigned char *ca = NULL, *cb = NULL;
	enum diff_hint h;
	int ret = -1;

	if (fa < pre)
		pre = (size_t)fa;
	if (fb < pre)
		pre = (size_t)fb;
	if (!(ca = context(sc->sa->s, fa, shown_len, pre, &la, e)) ||
	    !(cb = context(sc->sb->s, fb, shown_len, pre, &lb, e)))
		goto out;
	h = hints_span(c, ca, la, cb, lb, pre, (size_t)shown_len);
	if (sc->shown++ < c->keep) {
		char *where = fa == fb ? xasprintf("0x%llx .. 0x%llx", (unsigned long long)fa,
						   (unsigned long long)(fa + len))
				       : xasprintf("0x%llx .. 0x%llx (b: 0x%llx .. 0x%llx)",
						   (unsigned long long)fa,
						   (unsigned long long)(fa + len),
						   (unsigned long long)fb,
						   (unsigned long long)(fb + len));
		struct diff_item *it =
			report_add(c, sc->name, "bytes", h, where,
				   hints_render_at(ca, la, pre, (size_t)shown_len, 24),
				   hints_render_at(cb, lb, pre, (size_t)shown_len, 24));
		if (it) {
			if (sc->residual)
				strv_push(&it->detail, "not explained by the structure (padding, "
						       "trailing data, fields not compared)");
			bytes_hex_lines(&it->detail, "a", ca, la, pre, (size_t)shown_len, fa - pre);
			bytes_hex_lines(&it->detail, "b", cb, lb, pre, (size_t)shown_len, fb - pre);
		}
		report_at(c, it, 0, fa, len);
		report_at(c, it, 1, fb, len);
	} else {
		report_count(c, h);
	}
	ret = 0;
out:
	free(ca);
	free(cb);
	return ret;
}

/* Reports stream range [s, e), split where a's file offsets jump (a range
 * of the residual may join two uncovered spans). */
static int emit(struct scan *sc, uint64_t s, uint64_t e_, struct err *e)
{
	while (s < e_) {
		uint64_t runa, runb, fa = stream_file_off(sc->sa, s, &runa);
		uint64_t fb = stream_file_off(sc->sb, s, &runb);
		uint64_t n = e_ - s;
		if (runa < n)
			n = runa;
		if (runb < n)
			n = runb;
		if (!n)
			break;
		if (report_range(sc, fa, fb, n, e) < 0)
			return -1;
		s += n;
	}
	return 0;
}

/* The part of the longer stream the other does not have. */
static int emit_tail(struct scan *sc, struct stream *lg, int side, uint64_t from, struct err *e)
{
	struct diff_ctx *c = sc->c;

	while (from < lg->vlen) {
		uint64_t run, f = stream_file_off(lg, from, &run);
		uint64_t n = lg->vlen - from < run ? lg->vlen - from : run;
		size_t k = n < 64 ? (size_t)n : 64;
		unsigned char head[64];
		struct diff_item *it;

		if (!n || side_read(lg->s, f, k, head, e) < 0)
			return n ? -1 : 0;
		if (sc->shown++ < c->keep) {
			it = report_add(c, sc->name, "bytes", HINT_CONTENT,
					xasprintf("0x%llx .. 0x%llx only in %c",
						  (unsigned long long)f,
						  (unsigned long long)(f + n), side ? 'b' : 'a'),
					side ? NULL : hints_render(head, k, 24),
					side ? hints_render(head, k, 24) : NULL);
			if (it) {
				strv_pushf(&it->detail, "%llu bytes%s", (unsigned long long)n,
					   sc->residual ? " not explained by the structure" : "");
				bytes_hex_lines(&it->detail, side ? "b" : "a", head, k, 0,
						k > 16 ? 16 : k, f);
			}
			report_at(c, it, side, f, n);
		} else {
			report_count(c, HINT_CONTENT);
		}
		from += n;
	}
	return 0;
}

int bytes_compare(struct diff_ctx *c, const char *name, const struct bytes_side *a,
		  const struct bytes_side *b, const struct diff_cover *cov, int residual,
		  struct err *e)
{
	struct stream sa, sb;
	struct scan sc;
	uint64_t n, pos = 0, cur_s = 0, cur_e = 0;
	int open = 0, ret = -1;

	stream_init(&sa, a, cov, 0);
	stream_init(&sb, b, cov, 1);
	sc = (struct scan){ c, name, &sa, &sb, residual, 0 };
	n = sa.vlen < sb.vlen ? sa.vlen : sb.vlen;
	/* A residual belongs to a file whose format is already said. */
	if (!residual)
		report_file(c, name, "binary");
	if (a->len != b->len && (!residual || sa.vlen != sb.vlen))
		report_add(c, name, "size", HINT_CONTENT, NULL,
			   xasprintf("%llu bytes", (unsigned long long)a->len),
			   xasprintf("%llu bytes", (unsigned long long)b->len));
	while (pos < n) {
		size_t k = n - pos < BYTES_WINDOW ? (size_t)(n - pos) : BYTES_WINDOW, i = 0;
		const unsigned char *pa = stream_get(&sa, pos, k, e), *pb;
		if (!pa)
			goto out;
		/* b through its own window: a's may be the one just filled. */
		pb = stream_get(&sb, pos, k, e);
		if (!pb)
			goto out;
		if (!memcmp(pa, pb, k)) {
			pos += k;
			continue;
		}
		while (i < k) {
			if (k - i >= 64 && !memcmp(pa + i, pb + i, 64)) {
				i += 64;
				continue;
			}
			if (pa[i] != pb[i]) {
				uint64_t at = pos + i;
				if (open && at - cur_e < BYTES_GAP) {
					cur_e = at + 1;
				} else {
					if (open && emit(&sc, cur_s, cur_e, e) < 0)
						goto out;
					open = 1;
					cur_s = at;
					cur_e = at + 1;
				}
			}
			i++;
		}
		pos += k;
		if (diff_over_limit(c))
			break;
	}
	if (open && emit(&sc, cur_s, cur_e, e) < 0)
		goto out;
	if (sa.vlen != sb.vlen &&
	    emit_tail(&sc, sa.vlen > sb.vlen ? &sa : &sb, sa.vlen < sb.vlen, n, e) < 0)
		goto out;
	ret = 0;
out:
	stream_release(&sa);
	stream_release(&sb);
	return ret;
}

int bytes_diff(struct diff_ctx *c, const char *name, const struct diff_blob *a,
	       const struct diff_blob *b)
{
	struct bytes_side sa = { a->p, -1, a->len }, sb = { b->p, -1, b->len };
	struct err e = ERR_INIT;

	/* In memory: nothing to fail. */
	return bytes_compare(c, name, &sa, &sb, NULL, 0, &e);
}
