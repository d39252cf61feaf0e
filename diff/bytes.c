/* SPDX-License-Identifier: MIT */
/* Raw bytes: the ranges where two images differ, with hex context, for
 * whatever is neither ELF, archive nor text (and for ELF section data). */
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

/* Equal runs shorter than this join two differing ranges into one. */
#define BYTES_GAP 8

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
		     size_t off, size_t len)
{
	size_t from = off & ~(size_t)15, to = off + len + 8, lines = 0;

	if (to > plen)
		to = plen;
	for (size_t row = from; row < to && lines < 4; row += 16, lines++) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s 0x%08zx:", tag, row);
		for (size_t i = row; i < row + 16 && i < to; i++)
			buf_addf(&b, " %02x", p[i]);
		buf_addstr(&b, "  ");
		for (size_t i = row; i < row + 16 && i < to; i++)
			buf_addf(&b, "%c", p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
		strv_push(out, b.data);
		buf_release(&b);
	}
}

int bytes_diff(struct diff_ctx *c, const char *name, const struct diff_blob *a,
	       const struct diff_blob *b)
{
	size_t n = a->len < b->len ? a->len : b->len, nbytes, nr, shown;
	size_t *off = xcalloc(c->keep + 1, sizeof(size_t));
	size_t *len = xcalloc(c->keep + 1, sizeof(size_t));

	report_file(c, name, "binary");
	if (a->len != b->len)
		report_add(c, name, "size", HINT_CONTENT, NULL, xasprintf("%zu bytes", a->len),
			   xasprintf("%zu bytes", b->len));
	nr = bytes_ranges(a->p, b->p, n, off, len, c->keep, &nbytes);
	shown = nr < c->keep ? nr : c->keep;
	for (size_t i = 0; i < shown; i++) {
		enum diff_hint h = hints_span(c, a->p, a->len, b->p, b->len, off[i], len[i]);
		struct diff_item *it = report_add(
			c, name, "bytes", h, xasprintf("0x%zx .. 0x%zx", off[i], off[i] + len[i]),
			hints_render(a->p + off[i], len[i], 24), hints_render(b->p + off[i], len[i], 24));
		if (it) {
			bytes_hex_lines(&it->detail, "a", a->p, a->len, off[i], len[i]);
			bytes_hex_lines(&it->detail, "b", b->p, b->len, off[i], len[i]);
		}
	}
	if (nr > shown) {
		/* The rest are counted with their hints, found again in one pass. */
		size_t *o2 = xcalloc(nr, sizeof(size_t)), *l2 = xcalloc(nr, sizeof(size_t));
		bytes_ranges(a->p, b->p, n, o2, l2, nr, NULL);
		for (size_t i = shown; i < nr; i++)
			report_count(c, hints_span(c, a->p, a->len, b->p, b->len, o2[i], l2[i]));
		free(o2);
		free(l2);
	}
	free(off);
	free(len);
	return 0;
}
