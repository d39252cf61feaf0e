/* SPDX-License-Identifier: MIT */
/* Text: unified-diff hunks from Myers' O(ND) algorithm on lines, with the
 * edit distance capped so that two unrelated big files are summarized
 * instead of exploding in time and memory. */
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

#define TEXT_MAX_D 2000 /* edits explored before summarizing */
#define TEXT_CONTEXT 3
#define TEXT_LINE_MAX 200  /* characters shown per line */
#define TEXT_HUNK_LINES 40 /* lines shown per hunk without --full */

struct line {
	const char *p;
	size_t len;
	uint64_t h;
};

struct lines {
	struct line *v; /* owned */
	size_t n;
};

int text_is_text(const struct diff_blob *b)
{
	size_t n = b->len < 65536 ? b->len : 65536, odd = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = b->p[i];
		if (!ch)
			return 0;
		if (ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t' && ch != '\f')
			odd++;
	}
	return odd * 100 <= n;
}

static void lines_split(const struct diff_blob *b, struct lines *l)
{
	size_t cap = 64, s = 0;

	l->v = xmalloc(cap * sizeof(*l->v));
	l->n = 0;
	while (s < b->len) {
		const unsigned char *nl = memchr(b->p + s, '\n', b->len - s);
		size_t e = nl ? (size_t)(nl - b->p) : b->len;
		uint64_t h = 1469598103934665603ull;
		for (size_t i = s; i < e; i++)
			h = (h ^ b->p[i]) * 1099511628211ull;
		if (l->n == cap)
			l->v = xrealloc(l->v, (cap *= 2) * sizeof(*l->v));
		l->v[l->n].p = (const char *)b->p + s;
		l->v[l->n].len = e - s;
		l->v[l->n].h = h;
		l->n++;
		s = e + 1;
	}
}

static int line_eq(const struct line *x, const struct line *y)
{
	return x->h == y->h && x->len == y->len && !memcmp(x->p, y->p, x->len);
}

static int cmp_hash(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Same lines, other order (a locale-dependent sort, readdir order). */
static int same_multiset(const struct line *a, size_t na, const struct line *b, size_t nb)
{
	uint64_t *ha, *hb;
	int same;

	if (na != nb || !na)
		return 0;
	ha = xmalloc(na * sizeof(*ha));
	hb = xmalloc(nb * sizeof(*hb));
	for (size_t i = 0; i < na; i++) {
		ha[i] = a[i].h;
		hb[i] = b[i].h;
	}
	qsort(ha, na, sizeof(*ha), cmp_hash);
	qsort(hb, nb, sizeof(*hb), cmp_hash);
	same = !memcmp(ha, hb, na * sizeof(*ha));
	free(ha);
	free(hb);
	return same;
}

/* Edit script, one char per step: '=' keep, '-' delete from a, '+' insert
 * from b.  Returns its length, or (size_t)-1 when more than max_d edits. */
static size_t myers(const struct line *a, size_t n, const struct line *b, size_t m, size_t max_d,
		    char **ops_out)
{
	size_t lim = n + m < max_d ? n + m : max_d, d_end = 0, nops = 0;
	long off = (long)lim + 1;
	long *v = xcalloc(2 * lim + 3, sizeof(long));
	long **trace = xcalloc(lim + 1, sizeof(long *));
	char *ops = NULL;
	int found = 0;
	long x, y;

	for (size_t d = 0; d <= lim && !found; d++) {
		long dd = (long)d;
		for (long k = -dd; k <= dd; k += 2) {
			if (k == -dd || (k != dd && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m && line_eq(&a[x], &b[y]))
				x++, y++;
			v[off + k] = x;
			if (x >= (long)n && y >= (long)m) {
				found = 1;
				d_end = d;
			}
		}
		trace[d] = xmalloc((2 * d + 1) * sizeof(long));
		memcpy(trace[d], &v[off - dd], (2 * d + 1) * sizeof(long));
	}
	if (found) {
		ops = xmalloc(n + m + 1);
		x = (long)n;
		y = (long)m;
		for (long d = (long)d_end; d > 0; d--) {
			const long *pv = trace[d - 1] + (d - 1); /* pv[k] for k in -(d-1)..d-1 */
			long k = x - y, pk, px, py;
			if (k == -d || (k != d && pv[k - 1] < pv[k + 1]))
				pk = k + 1;
			else
				pk = k - 1;
			px = pv[pk];
			py = px - pk;
			while (x > px && y > py)
				ops[nops++] = '=', x--, y--;
			if (pk == k + 1)
				ops[nops++] = '+', y--;
			else
				ops[nops++] = '-', x--;
		}
		while (x > 0 && y > 0)
			ops[nops++] = '=', x--, y--;
		for (size_t i = 0; i < nops / 2; i++) {
			char t = ops[i];
			ops[i] = ops[nops - 1 - i];
			ops[nops - 1 - i] = t;
		}
	}
	for (size_t d = 0; d <= lim; d++)
		free(trace[d]);
	free(trace);
	free(v);
	*ops_out = ops;
	return found ? nops : (size_t)-1;
}

static void push_line(struct strv *s, char tag, const struct line *l)
{
	size_t n = l->len < TEXT_LINE_MAX ? l->len : TEXT_LINE_MAX;
	strv_pushf(s, "%c%.*s%s", tag, (int)n, l->p, l->len > n ? "..." : "");
}

static char *line_dup(const struct line *l)
{
	return xstrndup(l->p, l->len < 4096 ? l->len : 4096);
}

/* One item per hunk of the edit script (ops over a[0..], b[0..] offset by
 * the trimmed prefix pre). */
static void emit_hunks(struct diff_ctx *c, const char *name, const struct lines *la,
		       const struct lines *lb, size_t pre, const char *ops, size_t nops,
		       int ordering)
{
	size_t i = 0, hunks = 0;
	size_t ai = pre, bi = pre; /* line index at ops[i] */

	while (i < nops) {
		size_t s, e, as, bs, an = 0, bn = 0, first_del = (size_t)-1, first_add = (size_t)-1;
		size_t ax, bx;
		enum diff_hint h;
		struct diff_item *it;
		char *sa, *sb;

		if (ops[i] == '=') {
			i++, ai++, bi++;
			continue;
		}
		/* A hunk runs until more than 2*context equal lines follow. */
		s = i;
		e = i;
		while (e < nops) {
			size_t eq = 0;
			while (e + eq < nops && ops[e + eq] == '=')
				eq++;
			if (e + eq >= nops || eq > 2 * TEXT_CONTEXT) {
				break;
			}
			e += eq;
			while (e < nops && ops[e] != '=')
				e++;
		}
		/* Context before: up to TEXT_CONTEXT lines. */
		as = ai >= TEXT_CONTEXT ? ai - TEXT_CONTEXT : 0;
		bs = bi - (ai - as);
		ax = ai;
		bx = bi;
		for (size_t k = s; k < e; k++) {
			if (ops[k] != '+') {
				if (ops[k] == '-' && first_del == (size_t)-1)
					first_del = ax;
				ax++;
			}
			if (ops[k] != '-') {
				if (ops[k] == '+' && first_add == (size_t)-1)
					first_add = bx;
				bx++;
			}
		}
		sa = first_del != (size_t)-1 ? line_dup(&la->v[first_del]) : xstrdup("");
		sb = first_add != (size_t)-1 ? line_dup(&lb->v[first_add]) : xstrdup("");
		h = ordering ? HINT_ORDERING : hints_strings(c, sa, sb);
		free(sa);
		free(sb);
		if (hunks++ >= c->keep) {
			report_count(c, h);
			it = NULL;
		} else {
			size_t ae = ax + TEXT_CONTEXT < la->n ? ax + TEXT_CONTEXT : la->n;
			size_t shown = 0, cap = c->o->full ? (size_t)-1 : TEXT_HUNK_LINES;
			an = ae - as;
			bn = (bx - bs) + (ae - ax);
			it = report_add(c, name, "text", h,
					xasprintf("@@ -%zu,%zu +%zu,%zu @@", as + 1, an, bs + 1,
						  bn),
					NULL, NULL);
			for (size_t k = as; it && k < ai && shown < cap; k++, shown++)
				push_line(&it->detail, ' ', &la->v[k]);
			for (size_t k = s, x = ai, y = bi; it && k < e && shown < cap;
			     k++, shown++) {
				if (ops[k] == '=')
					push_line(&it->detail, ' ', &la->v[x++]), y++;
				else if (ops[k] == '-')
					push_line(&it->detail, '-', &la->v[x++]);
				else
					push_line(&it->detail, '+', &lb->v[y++]);
			}
			for (size_t k = ax; it && k < ae && shown < cap; k++, shown++)
				push_line(&it->detail, ' ', &la->v[k]);
			if (it && shown >= cap)
				strv_pushf(&it->detail, "... (hunk continues; see --full)");
		}
		ai = ax;
		bi = bx;
		i = e;
	}
}

int text_diff(struct diff_ctx *c, const char *name, const struct diff_blob *a,
	      const struct diff_blob *b)
{
	struct lines la = { NULL, 0 }, lb = { NULL, 0 };
	size_t pre = 0, suf = 0, n, m, nops;
	char *ops = NULL;
	int ordering;

	report_file(c, name, "text");
	lines_split(a, &la);
	lines_split(b, &lb);
	while (pre < la.n && pre < lb.n && line_eq(&la.v[pre], &lb.v[pre]))
		pre++;
	while (suf < la.n - pre && suf < lb.n - pre &&
	       line_eq(&la.v[la.n - 1 - suf], &lb.v[lb.n - 1 - suf]))
		suf++;
	n = la.n - pre - suf;
	m = lb.n - pre - suf;
	ordering = same_multiset(la.v + pre, n, lb.v + pre, m);
	nops = myers(la.v + pre, n, lb.v + pre, m, c->o->full ? 10 * TEXT_MAX_D : TEXT_MAX_D, &ops);
	if (nops == (size_t)-1) {
		/* Too different to align within the cap: say where it starts. */
		char *sa = pre < la.n ? line_dup(&la.v[pre]) : xstrdup("");
		char *sb = pre < lb.n ? line_dup(&lb.v[pre]) : xstrdup("");
		enum diff_hint h = ordering ? HINT_ORDERING : hints_strings(c, sa, sb);
		struct diff_item *it = report_add(
			c, name, "text", h,
			xasprintf(
				"line %zu onwards (%zu vs %zu lines differ; too many edits to align)",
				pre + 1, n, m),
			sa, sb);
		(void)it;
		report_partial(c->r, "text too different to align: summarized");
	} else {
		emit_hunks(c, name, &la, &lb, pre, ops, nops, ordering);
	}
	free(ops);
	free(la.v);
	free(lb.v);
	return 0;
}
