/* SPDX-License-Identifier: MIT */
/* Intel HEX and Motorola S-record images (objcopy -O ihex / -O srec):
 * decoded into addressed bytes, and the bytes that differ reported by
 * address, named by symbol when the ELF the image was made from is given
 * (--symbols); bytes only one side loads, the start address and the
 * S-record header by name.  A difference found explains the text lines
 * that encode it; two images that load the same bytes but are written
 * differently (record sizes, line ends) are compared as text bytes. */
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

#define HEX_MAX_RECORDS 4000000 /* lines of one image */

/* A run of consecutive loaded bytes. */
struct hrun {
	uint64_t addr;
	struct buf data; /* owned */
};

/* A data record as read: its bytes' address, where they are in the
 * decoded data, and the line that holds them in the file. */
struct chunk {
	uint64_t addr;
	size_t off, len, seq;
	uint64_t line_off, line_len;
};

struct himage {
	struct hrun *v; /* owned, sorted by address, disjoint */
	size_t n, cap;
	struct chunk *ch; /* owned, sorted by address */
	size_t nch;
	int has_start;
	uint64_t start;
	uint64_t start_line[2]; /* offset, length of the start record */
	char *header;           /* owned, S0 contents; NULL: none */
	uint64_t header_line[2];
};

static void himage_release(struct himage *h)
{
	for (size_t i = 0; i < h->n; i++)
		buf_release(&h->v[i].data);
	free(h->v);
	free(h->ch);
	free(h->header);
	memset(h, 0, sizeof(*h));
}

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9'   ? ch - '0'
	       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
	       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
					: -1;
}

/* The bytes of a record line (after its ':' or "Sn"), into out (at most
 * 256); the count or -1 when it is not hex pairs. */
static int line_bytes(const unsigned char *p, size_t n, unsigned char *out)
{
	if (n % 2 || n / 2 > 256)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int h = hexval(p[i]), l = hexval(p[i + 1]);
		if (h < 0 || l < 0)
			return -1;
		out[i / 2] = (unsigned char)(h << 4 | l);
	}
	return (int)(n / 2);
}

static int cmp_chunk(const void *x, const void *y)
{
	const struct chunk *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Decodes an Intel HEX (ihex) or S-record (srec) image.  Returns 0, or -1
 * with *why set (a static string) and *line the line it is about. */
static int parse(const unsigned char *p, size_t len, int srec, struct himage *h, const char **why,
		 size_t *line)
{
	struct chunk *ch = NULL;
	size_t nch = 0, cap = 0, i = 0;
	struct buf all = BUF_INIT;
	uint64_t base = 0;
	unsigned char rec[260];
	int ret = -1, done = 0;

	*line = 0;
	while (i < len) {
		size_t e = i, n, next;
		int nb;
		while (e < len && p[e] != '\n')
			e++;
		next = e < len ? e + 1 : e; /* the line with its newline */
		n = e;
		if (n > i && p[n - 1] == '\r')
			n--;
		++*line;
		if (n == i || done) {
			/* Blank lines pass; nothing but blanks after the end record. */
			if (n != i) {
				*why = "data after the end record";
				goto out;
			}
			i = next;
			continue;
		}
		if (*line > HEX_MAX_RECORDS) {
			*why = "too many records";
			goto out;
		}
		if (!srec) {
			unsigned sum = 0, cnt, type, addr;
			if (p[i] != ':' || (nb = line_bytes(p + i + 1, n - i - 1, rec)) < 5) {
				*why = "not an Intel HEX record";
				goto out;
			}
			cnt = rec[0];
			if ((unsigned)nb != cnt + 5) {
				*why = "record length disagrees with its byte count";
				goto out;
			}
			for (int k = 0; k < nb; k++)
				sum += rec[k];
			if (sum & 0xff) {
				*why = "bad checksum";
				goto out;
			}
			addr = (unsigned)rec[1] << 8 | rec[2];
			type = rec[3];
			if (type == 0) {
				if (nch == cap)
					ch = xrealloc(ch,
						      (cap = cap ? 2 * cap : 256) * sizeof(*ch));
				ch[nch] = (struct chunk){ base + addr, all.len, cnt,
							  nch,         i,       next - i };
				nch++;
				buf_add(&all, rec + 4, cnt);
			} else if (type == 1) {
				done = 1;
			} else if (type == 2 && cnt == 2) {
				base = ((uint64_t)rec[4] << 8 | rec[5]) << 4;
			} else if (type == 4 && cnt == 2) {
				base = ((uint64_t)rec[4] << 8 | rec[5]) << 16;
			} else if ((type == 3 || type == 5) && cnt == 4) {
				h->has_start = 1;
				h->start = (uint64_t)rec[4] << 24 | (uint64_t)rec[5] << 16 |
					   rec[6] << 8 | rec[7];
				h->start_line[0] = i;
				h->start_line[1] = next - i;
			} else {
				*why = "unknown record type";
				goto out;
			}
		} else {
			unsigned sum = 0, t, alen;
			uint64_t addr = 0;
			if (n - i < 2 || p[i] != 'S' || p[i + 1] < '0' || p[i + 1] > '9' ||
			    (nb = line_bytes(p + i + 2, n - i - 2, rec)) < 3) {
				*why = "not an S-record";
				goto out;
			}
			t = (unsigned)(p[i + 1] - '0');
			if ((unsigned)nb != rec[0] + 1u) {
				*why = "record length disagrees with its byte count";
				goto out;
			}
			for (int k = 0; k < nb; k++)
				sum += rec[k];
			if ((sum & 0xff) != 0xff) {
				*why = "bad checksum";
				goto out;
			}
			alen = t == 2 || t == 6 || t == 8 ? 3 : t == 3 || t == 7 ? 4 : 2;
			if ((unsigned)nb < 2 + alen || t == 4) {
				*why = "bad record";
				goto out;
			}
			for (unsigned k = 0; k < alen; k++)
				addr = addr << 8 | rec[1 + k];
			if (t >= 1 && t <= 3) {
				size_t cnt = (size_t)nb - 2 - alen;
				if (nch == cap)
					ch = xrealloc(ch,
						      (cap = cap ? 2 * cap : 256) * sizeof(*ch));
				ch[nch] = (struct chunk){ addr, all.len, cnt, nch, i, next - i };
				nch++;
				buf_add(&all, rec + 1 + alen, cnt);
			} else if (t == 0) {
				free(h->header);
				h->header = hints_render(rec + 1 + alen, (size_t)nb - 2 - alen, 64);
				h->header_line[0] = i;
				h->header_line[1] = next - i;
			} else if (t >= 7) {
				h->has_start = 1;
				h->start = addr;
				h->start_line[0] = i;
				h->start_line[1] = next - i;
				done = 1;
			} /* S5, S6: record counts, checked by their checksum only */
		}
		i = next;
	}
	if (nch)
		qsort(ch, nch, sizeof(*ch), cmp_chunk);
	/* Merged into disjoint runs; a later record over an earlier one's
	 * bytes wins, as a programmer loading them in order would leave them. */
	for (size_t k = 0; k < nch; k++) {
		struct hrun *r = h->n ? &h->v[h->n - 1] : NULL;
		if (!r || ch[k].addr > r->addr + r->data.len) {
			if (h->n == h->cap)
				h->v = xrealloc(h->v, (h->cap = h->cap ? 2 * h->cap : 16) *
							      sizeof(*h->v));
			r = &h->v[h->n++];
			r->addr = ch[k].addr;
			r->data = (struct buf)BUF_INIT;
		}
		{
			size_t at = (size_t)(ch[k].addr - r->addr);
			size_t over = r->data.len - at < ch[k].len ? r->data.len - at : ch[k].len;
			if (over)
				memcpy(r->data.data + at, all.data + ch[k].off, over);
			buf_add(&r->data, all.data + ch[k].off + over, ch[k].len - over);
		}
	}
	h->ch = ch;
	h->nch = nch;
	ch = NULL;
	ret = 0;
out:
	free(ch);
	buf_release(&all);
	if (ret < 0)
		himage_release(h);
	return ret;
}

/* 1 when the image's first line is a valid record of the kind. */
static int first_line_ok(const struct diff_blob *b, int srec)
{
	unsigned char rec[260];
	size_t e = 0;
	int nb;

	while (e < b->len && e < 600 && b->p[e] != '\n')
		e++;
	if (e == b->len || e == 600)
		return 0;
	if (e && b->p[e - 1] == '\r')
		e--;
	if (!srec)
		return e > 1 && b->p[0] == ':' && (nb = line_bytes(b->p + 1, e - 1, rec)) >= 5 &&
		       nb == rec[0] + 5;
	return e > 2 && b->p[0] == 'S' && b->p[1] >= '0' && b->p[1] <= '9' &&
	       (nb = line_bytes(b->p + 2, e - 2, rec)) >= 3 && nb == rec[0] + 1;
}

int diff_hexrec_is(const struct diff_blob *b)
{
	return first_line_ok(b, 0) || first_line_ok(b, 1);
}

/* The run of h holding addr, or NULL; *next the first run after it. */
static const struct hrun *run_at(const struct himage *h, uint64_t addr, size_t *k)
{
	while (*k < h->n && h->v[*k].addr + h->v[*k].data.len <= addr)
		++*k;
	if (*k < h->n && h->v[*k].addr <= addr)
		return &h->v[*k];
	return NULL;
}

/* "0x8000010 (main+0x10)" with the symbol when --symbols names one. */
static char *addr_name(const struct diff_ctx *c, uint64_t addr)
{
	char *sym = c->syms ? diff_elfsyms_name(c->syms, addr) : NULL;
	char *s = sym ? xasprintf("0x%llx (%s)", (unsigned long long)addr, sym)
		      : xasprintf("0x%llx", (unsigned long long)addr);
	free(sym);
	return s;
}

struct walk {
	struct diff_ctx *c;
	const char *name;
	const struct himage *img[2];
	size_t shown;
};

/* Says that the record lines of side s loading bytes of [from, to) are
 * what item it is about (it NULL: explained, not listed). */
static void locate(struct walk *w, struct diff_item *it, int s, uint64_t from, uint64_t to)
{
	const struct himage *h = w->img[s];
	uint64_t lo = from > 256 ? from - 256 : 0; /* a record holds at most 255 bytes */
	size_t a = 0, b = h->nch;

	while (a < b) {
		size_t m = (a + b) / 2;
		if (h->ch[m].addr < lo)
			a = m + 1;
		else
			b = m;
	}
	for (; a < h->nch && h->ch[a].addr < to; a++)
		if (h->ch[a].addr + h->ch[a].len > from)
			report_at(w->c, it, s, h->ch[a].line_off, h->ch[a].line_len);
}

/* A differing address range; present[s]: side s loads bytes there. */
static void range_item(struct walk *w, enum diff_hint h, uint64_t from, uint64_t to,
		       const int present[2], char *va, char *vb)
{
	struct diff_item *it = NULL;
	char *f, *t;

	if (w->shown++ >= w->c->keep) {
		report_count(w->c, h);
		free(va);
		free(vb);
	} else {
		f = addr_name(w->c, from);
		t = addr_name(w->c, to);
		it = report_add(w->c, w->name, "range", h, xasprintf("%s .. %s", f, t), va, vb);
		free(f);
		free(t);
	}
	for (int s = 0; s < 2; s++)
		if (present[s])
			locate(w, it, s, from, to);
}

/* The stretch [lo, hi) where both sides load bytes (pa, pb, of runs
 * ra, rb): the ranges that differ. */
static void both(struct walk *w, const struct hrun *ra, const struct hrun *rb, uint64_t lo,
		 uint64_t hi)
{
	const unsigned char *da = (const unsigned char *)ra->data.data;
	const unsigned char *db = (const unsigned char *)rb->data.data;
	const unsigned char *pa = da + (lo - ra->addr), *pb = db + (lo - rb->addr);
	size_t n = (size_t)(hi - lo), nd;
	/* Every range, not only those listed: the ones past the cap are
	 * counted, and their record lines still explained. */
	size_t nr = bytes_ranges(pa, pb, n, NULL, NULL, 0, &nd);
	size_t *off = xcalloc(nr + 1, sizeof(size_t)), *len = xcalloc(nr + 1, sizeof(size_t));

	bytes_ranges(pa, pb, n, off, len, nr, &nd);
	for (size_t i = 0; i < nr; i++) {
		/* Both runs hold the span at the same offset only when they
		 * start together: else judge the stretch alone. */
		enum diff_hint h = ra->addr == rb->addr
					   ? hints_span(w->c, da, ra->data.len, db, rb->data.len,
							(size_t)(lo - ra->addr) + off[i], len[i])
					   : hints_span(w->c, pa, n, pb, n, off[i], len[i]);
		range_item(w, h, lo + off[i], lo + off[i] + len[i], (const int[]){ 1, 1 },
			   w->shown < w->c->keep ? hints_render_at(pa, n, off[i], len[i], 24)
						 : NULL,
			   w->shown < w->c->keep ? hints_render_at(pb, n, off[i], len[i], 24)
						 : NULL);
	}
	free(off);
	free(len);
}

static void compare(struct walk *w, const struct himage *a, const struct himage *b)
{
	size_t ka = 0, kb = 0;
	uint64_t at = 0;

	/* Address by address over the union of both maps, in stretches
	 * where what each side loads does not change. */
	for (;;) {
		const struct hrun *ra, *rb;
		uint64_t next = UINT64_MAX, lo;
		if (diff_over_limit(w->c))
			return;
		ra = run_at(a, at, &ka);
		rb = run_at(b, at, &kb);
		if (!ra && !rb) {
			/* Skip to the next run of either. */
			if (ka < a->n)
				next = a->v[ka].addr;
			if (kb < b->n && b->v[kb].addr < next)
				next = b->v[kb].addr;
			if (next == UINT64_MAX)
				return;
			at = next;
			continue;
		}
		lo = at;
		if (ra)
			next = ra->addr + ra->data.len;
		else if (ka < a->n)
			next = a->v[ka].addr;
		if (rb && rb->addr + rb->data.len < next)
			next = rb->addr + rb->data.len;
		else if (!rb && kb < b->n && b->v[kb].addr < next)
			next = b->v[kb].addr;
		if (ra && rb)
			both(w, ra, rb, lo, next);
		else
			range_item(w, HINT_CONTENT, lo, next,
				   (const int[]){ ra != NULL, rb != NULL },
				   ra ? xasprintf("%llu bytes", (unsigned long long)(next - lo))
				      : xstrdup("absent"),
				   rb ? xasprintf("%llu bytes", (unsigned long long)(next - lo))
				      : xstrdup("absent"));
		at = next;
	}
}

int diff_hexrec(struct diff_ctx *c, const char *name, struct diff_blob *ba, struct diff_blob *bb,
		struct err *e)
{
	struct himage a, b;
	const char *why = NULL;
	int srec = first_line_ok(ba, 1);
	struct walk w = { c, name, { &a, &b }, 0 };
	struct diff_item *it;
	size_t line;
	int ret = -1;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (int s = 0; s < 2; s++) {
		const struct diff_blob *bl = s ? bb : ba;
		if (first_line_ok(bl, srec) &&
		    parse(bl->p, bl->len, srec, s ? &b : &a, &why, &line) == 0)
			continue;
		{
			char *l = diff_label(c, name, s);
			if (why)
				err_set(e, "\"%s\": line %zu: %s", l, line, why);
			else
				err_set(e, "\"%s\": not an %s image like the other", l,
					srec ? "S-record" : "Intel HEX");
			free(l);
			goto out;
		}
	}
	report_file(c, name, srec ? "srec" : "ihex");
	if (a.has_start != b.has_start || a.start != b.start) {
		it = report_add(c, name, "start-address", HINT_CONTENT, NULL,
				a.has_start ? addr_name(c, a.start) : xstrdup("absent"),
				b.has_start ? addr_name(c, b.start) : xstrdup("absent"));
		if (a.has_start)
			report_at(c, it, 0, a.start_line[0], a.start_line[1]);
		if (b.has_start)
			report_at(c, it, 1, b.start_line[0], b.start_line[1]);
	}
	if (strcmp(a.header ? a.header : "", b.header ? b.header : "")) {
		it = report_add(c, name, "header",
				hints_strings(c, a.header ? a.header : "",
					      b.header ? b.header : ""),
				xstrdup("S0"), xstrdup(a.header ? a.header : ""),
				xstrdup(b.header ? b.header : ""));
		if (a.header)
			report_at(c, it, 0, a.header_line[0], a.header_line[1]);
		if (b.header)
			report_at(c, it, 1, b.header_line[0], b.header_line[1]);
	}
	/* The record lines holding differing bytes are located on each
	 * difference; every other line (address records, another record
	 * length) is compared as bytes afterwards. */
	compare(&w, &a, &b);
	ret = 0;
out:
	himage_release(&a);
	himage_release(&b);
	return ret;
}
