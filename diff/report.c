/* SPDX-License-Identifier: MIT */
/* The diff report: how differences are collected, and two of its
 * renderings, text for people (bounded, a summary of causes first) and JSON
 * for pipelines (schema "lockstep-diff/1", docs/diff.md); the third, HTML,
 * is diff/html.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "diff/internal.h"

static const char *const hint_names[HINT_COUNT] = {
	"content",  "timestamp", "build-path", "hostname", "username",
	"ordering", "random",    "compiler",   "umask",
};

/* Items kept before further ones are only counted: a runaway difference
 * (every byte of a big image) must not grow the report without bound. */
#define REPORT_MAX_ITEMS 20000
#define REPORT_MAX_ITEMS_FULL 2000000

const char *hint_name(enum diff_hint h)
{
	return h < HINT_COUNT ? hint_names[h] : "content";
}

void report_file(struct diff_ctx *c, const char *file, const char *format)
{
	size_t n = sizeof(c->fmt) / sizeof(c->fmt[0]);

	for (size_t i = 0; i < c->nfmt; i++)
		if (!strcmp(c->fmt[i].file, file)) {
			c->fmt[i].format = format;
			return;
		}
	if (c->nfmt == n) {
		free(c->fmt[0].file);
		memmove(&c->fmt[0], &c->fmt[1], (n - 1) * sizeof(c->fmt[0]));
		c->nfmt--;
	}
	c->fmt[c->nfmt].file = xstrdup(file);
	c->fmt[c->nfmt].format = format;
	c->nfmt++;
}

void report_ctx_release(struct diff_ctx *c)
{
	for (size_t i = 0; i < c->nfmt; i++)
		free(c->fmt[i].file);
	c->nfmt = 0;
	free(c->names);
	c->names = NULL;
	diff_elfsyms_free(c->syms);
	c->syms = NULL;
}

/* Enters file in the report's list of differing files (once). */
static void report_enter(struct diff_ctx *c, const char *file)
{
	struct diff_report *r = c->r;
	const char *format = "binary";

	for (size_t i = r->n_files; i-- > 0;)
		if (!strcmp(r->files[i].path, file))
			return;
	for (size_t i = 0; i < c->nfmt; i++)
		if (!strcmp(c->fmt[i].file, file))
			format = c->fmt[i].format;
	if (r->n_files == r->cap_files) {
		r->cap_files = r->cap_files ? 2 * r->cap_files : 16;
		r->files = xrealloc(r->files, r->cap_files * sizeof(*r->files));
	}
	r->files[r->n_files].path = xstrdup(file);
	r->files[r->n_files].format = format;
	r->n_files++;
}

void report_partial(struct diff_report *r, const char *why)
{
	if (r->partial)
		return;
	r->partial = 1;
	r->partial_reason = xstrdup(why);
}

void report_rehint(struct diff_ctx *c, size_t idx, enum diff_hint h)
{
	struct diff_item *it = &c->r->items[idx];

	c->r->hint_count[it->hint]--;
	c->r->hint_count[h]++;
	it->hint = h;
}

void report_at(struct diff_ctx *c, struct diff_item *it, int side, uint64_t off, uint64_t len)
{
	struct diff_cover *cov = c->cov;

	if (!len)
		return;
	if (cov) {
		if (cov->n[side] == cov->cap[side]) {
			cov->cap[side] = cov->cap[side] ? 2 * cov->cap[side] : 32;
			cov->v[side] = xrealloc(cov->v[side],
						cov->cap[side] * sizeof(*cov->v[side]));
		}
		cov->v[side][cov->n[side]++] = (struct diff_span){ off, len };
	}
	if (it && !c->no_offsets) {
		it->at[side] = (struct diff_span){ off, len };
		it->has_at[side] = 1;
	}
}

void report_count(struct diff_ctx *c, enum diff_hint h)
{
	c->r->hint_count[h < HINT_COUNT ? h : HINT_CONTENT]++;
	c->r->dropped++;
}

struct diff_item *report_add(struct diff_ctx *c, const char *file, const char *kind,
			     enum diff_hint h, char *where, char *a, char *b)
{
	struct diff_report *r = c->r;
	size_t max = c->o->max_items ? c->o->max_items
		     : c->o->full    ? REPORT_MAX_ITEMS_FULL
				     : REPORT_MAX_ITEMS;
	struct diff_item *it;

	r->hint_count[h < HINT_COUNT ? h : HINT_CONTENT]++;
	report_enter(c, file);
	if (r->n_items >= max) {
		r->dropped++;
		report_partial(r, "too many differences: the rest are only counted");
		free(where);
		free(a);
		free(b);
		return NULL;
	}
	if (r->n_items == r->cap_items) {
		r->cap_items = r->cap_items ? 2 * r->cap_items : 64;
		r->items = xrealloc(r->items, r->cap_items * sizeof(*r->items));
	}
	it = &r->items[r->n_items++];
	memset(it, 0, sizeof(*it));
	it->file = xstrdup(file);
	it->kind = kind;
	it->where = where;
	it->hint = h;
	it->a = a;
	it->b = b;
	return it;
}

int diff_report_identical(const struct diff_report *r)
{
	return r->n_items == 0 && r->dropped == 0 && r->n_files == 0;
}

int diff_report_partial(const struct diff_report *r, const char **why)
{
	if (why)
		*why = r->partial_reason;
	return r->partial;
}

const char *diff_report_first_hint(const struct diff_report *r)
{
	if (diff_report_identical(r))
		return NULL;
	for (size_t i = 0; i < r->n_items; i++)
		if (r->items[i].hint != HINT_CONTENT)
			return hint_name(r->items[i].hint);
	for (int h = 1; h < HINT_COUNT; h++)
		if (r->hint_count[h])
			return hint_name((enum diff_hint)h);
	return hint_name(HINT_CONTENT);
}

size_t diff_report_hint_count(const struct diff_report *r, const char *hint)
{
	for (int h = 0; h < HINT_COUNT; h++)
		if (!strcmp(hint, hint_names[h]))
			return r->hint_count[h];
	return 0;
}

void diff_report_free(struct diff_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_items; i++) {
		free(r->items[i].file);
		free(r->items[i].where);
		free(r->items[i].a);
		free(r->items[i].b);
		strv_release(&r->items[i].detail);
	}
	for (size_t i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->items);
	free(r->files);
	free(r->a);
	free(r->b);
	free(r->partial_reason);
	free(r);
}

/* Text output: a line printer that stops at the cap and counts the rest. */
struct printer {
	FILE *f;
	int color;
	size_t max, printed, skipped;
};

static void pr_line(struct printer *p, const char *color, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pr_line(struct printer *p, const char *color, const char *fmt, ...)
{
	va_list ap;

	if (p->max && p->printed >= p->max) {
		p->skipped++;
		return;
	}
	if (p->color && color)
		fputs(color, p->f);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	if (p->color && color)
		fputs("\033[0m", p->f);
	fputc('\n', p->f);
	p->printed++;
}

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

static void print_item(struct printer *p, const struct diff_item *it)
{
	const char *hc = it->hint == HINT_CONTENT ? NULL : C_YELLOW;
	char tag[64];

	snprintf(tag, sizeof(tag), "[%s]", hint_name(it->hint));
	if (it->a && it->b && strlen(it->a) + strlen(it->b) < 70)
		pr_line(p, hc, "  %s %s%s%s: %s -> %s", tag, it->kind, it->where ? " " : "",
			it->where ? it->where : "", it->a, it->b);
	else {
		pr_line(p, hc, "  %s %s%s%s", tag, it->kind, it->where ? " " : "",
			it->where ? it->where : "");
		if (it->a)
			pr_line(p, C_RED, "      a: %s", it->a);
		if (it->b)
			pr_line(p, C_GREEN, "      b: %s", it->b);
	}
	for (size_t i = 0; i < it->detail.n; i++) {
		const char *l = it->detail.v[i];
		const char *lc = NULL;
		if (l[0] == '-' || !strncmp(l, "a ", 2))
			lc = C_RED;
		else if (l[0] == '+' || !strncmp(l, "b ", 2))
			lc = C_GREEN;
		else if (l[0] == '@')
			lc = C_CYAN;
		pr_line(p, lc, "      %s", l);
	}
}

void diff_report_print_text(const struct diff_report *r, FILE *f, int color, size_t max_lines)
{
	struct printer p = { f, color, max_lines, 0, 0 };
	struct buf causes = BUF_INIT;
	size_t total = r->n_items + r->dropped;

	if (diff_report_identical(r)) {
		pr_line(&p, NULL, "%s and %s are identical (%zu file%s compared)", r->a, r->b,
			r->files_compared, r->files_compared == 1 ? "" : "s");
		if (r->partial)
			pr_line(&p, C_YELLOW, "partial: %s", r->partial_reason);
		return;
	}
	pr_line(&p, C_BOLD, "%s and %s differ: %zu difference%s in %zu of %zu file%s", r->a, r->b,
		total, total == 1 ? "" : "s", r->n_files, r->files_compared,
		r->files_compared == 1 ? "" : "s");
	/* The causes come first so that a capped report still names them. */
	for (int h = HINT_COUNT - 1; h >= 0; h--)
		if (r->hint_count[h])
			buf_addf(&causes, "%s%s %zu", causes.len ? ", " : "", hint_names[h],
				 r->hint_count[h]);
	pr_line(&p, C_YELLOW, "likely causes: %s", causes.data ? causes.data : "content");
	buf_release(&causes);
	if (r->partial)
		pr_line(&p, C_YELLOW, "partial: %s", r->partial_reason);
	/* File by file; in each, what explains the difference (a time, a
	 * path, an order...) before plain content, so that a capped report
	 * shows it rather than the program headers that only shifted. */
	for (size_t i = 0, end; i < r->n_items; i = end) {
		const char *format = "?";

		for (end = i; end < r->n_items && !strcmp(r->items[end].file, r->items[i].file);
		     end++)
			;
		for (size_t k = 0; k < r->n_files; k++)
			if (!strcmp(r->files[k].path, r->items[i].file))
				format = r->files[k].format;
		pr_line(&p, C_BOLD, "%s (%s)", r->items[i].file, format);
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = i; k < end; k++)
				if ((r->items[k].hint == HINT_CONTENT) == pass)
					print_item(&p, &r->items[k]);
	}
	if (r->dropped)
		pr_line(&p, NULL, "... %zu more differences counted but not shown (see --full)",
			r->dropped);
	if (p.skipped) {
		p.max = 0;
		pr_line(&p, NULL, "... %zu more lines (see --full, or --max-report-lines)",
			p.skipped);
	}
}

size_t report_utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80             ? 1
		   : (p[0] & 0xe0) == 0xc0 ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3
		   : (p[0] & 0xf8) == 0xf0 ? 4
					   : 0;

	if (n == 2 && p[0] < 0xc2)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Adds a string that came from the compared files: JSON wants UTF-8, and
 * the bytes of a damaged name (a member's, a section's) need not be; the
 * others are written \xNN. */
static void add_str(cJSON *o, const char *key, const char *val)
{
	const unsigned char *p = (const unsigned char *)val;
	struct buf b = BUF_INIT;
	char *clean;

	while (*p) {
		size_t n = report_utf8_len(p);
		if (n)
			buf_add(&b, p, n);
		else
			buf_addf(&b, "\\x%02x", *p);
		p += n ? n : 1;
	}
	clean = buf_take(&b, NULL);
	json_add_str(o, key, clean ? clean : "");
	free(clean);
}

char *diff_report_json(const struct diff_report *r)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *hints, *files, *items;
	const char *first = diff_report_first_hint(r);
	char *s;

	json_add_str(j, "schema", "lockstep-diff/1");
	add_str(j, "a", r->a);
	add_str(j, "b", r->b);
	cJSON_AddBoolToObject(j, "identical", diff_report_identical(r));
	cJSON_AddBoolToObject(j, "partial", r->partial);
	if (r->partial_reason)
		add_str(j, "partial_reason", r->partial_reason);
	else
		cJSON_AddNullToObject(j, "partial_reason");
	cJSON_AddNumberToObject(j, "files_compared", (double)r->files_compared);
	cJSON_AddNumberToObject(j, "differences_total", (double)(r->n_items + r->dropped));
	cJSON_AddNumberToObject(j, "differences_dropped", (double)r->dropped);
	if (first)
		json_add_str(j, "first_hint", first);
	else
		cJSON_AddNullToObject(j, "first_hint");
	hints = cJSON_AddObjectToObject(j, "hints");
	for (int h = 0; h < HINT_COUNT; h++)
		cJSON_AddNumberToObject(hints, hint_names[h], (double)r->hint_count[h]);
	files = cJSON_AddArrayToObject(j, "files");
	for (size_t i = 0; i < r->n_files; i++) {
		cJSON *o = cJSON_CreateObject();
		add_str(o, "path", r->files[i].path);
		json_add_str(o, "format", r->files[i].format);
		cJSON_AddItemToArray(files, o);
	}
	items = cJSON_AddArrayToObject(j, "differences");
	for (size_t i = 0; i < r->n_items; i++) {
		const struct diff_item *it = &r->items[i];
		cJSON *o = cJSON_CreateObject(), *d;
		add_str(o, "file", it->file);
		json_add_str(o, "kind", it->kind);
		json_add_str(o, "hint", hint_name(it->hint));
		if (it->where)
			add_str(o, "where", it->where);
		if (it->a)
			add_str(o, "a", it->a);
		if (it->b)
			add_str(o, "b", it->b);
		for (int side = 0; side < 2; side++)
			if (it->has_at[side]) {
				cJSON_AddNumberToObject(o, side ? "offset_b" : "offset_a",
							(double)it->at[side].off);
				cJSON_AddNumberToObject(o, side ? "length_b" : "length_a",
							(double)it->at[side].len);
			}
		d = cJSON_AddArrayToObject(o, "detail");
		for (size_t k = 0; k < it->detail.n; k++) {
			cJSON *w = cJSON_CreateObject();
			add_str(w, "s", it->detail.v[k]);
			cJSON_AddItemToArray(d, cJSON_DetachItemFromObject(w, "s"));
			cJSON_Delete(w);
		}
		cJSON_AddItemToArray(items, o);
	}
	s = json_print(j);
	cJSON_Delete(j);
	return s;
}
