/* SPDX-License-Identifier: MIT */
/* Parsing Packages index text into a deb_index: one pass over the lines,
 * only the kept fields copied (into an arena), each stanza checked before it
 * is added, and one entry per (name, architecture), the highest version. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "toolchains/resolve_int.h"

#define ARENA_BLOCK (1u << 20)

static char *arena_alloc(struct deb_arena **a, size_t n)
{
	struct deb_arena *b = *a;

	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + cap);
		b->next = *a;
		b->used = 0;
		b->cap = cap;
		*a = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

const char *deb_arena_copy(struct deb_arena **a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	for (size_t i = 0; i < n; i++)
		p[i] = s[i] == '\n' ? ' ' : s[i];
	p[n] = 0;
	return p;
}

void deb_arena_free(struct deb_arena *a)
{
	while (a) {
		struct deb_arena *next = a->next;
		free(a);
		a = next;
	}
}

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

struct deb_map_slot *deb_map_find(const struct deb_map *m, const char *k, size_t n)
{
	uint64_t h = str_hash(k, n);

	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct deb_map_slot *s = &m->slots[i];

		if (!s->key)
			return NULL;
		if (s->hash == h && s->len == n && !memcmp(s->key, k, n))
			return s;
	}
}

void deb_map_put(struct deb_map *m, const char *key, size_t val)
{
	size_t n = strlen(key);
	uint64_t h = str_hash(key, n);
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct deb_map old = *m;

		m->cap = old.cap ? 2 * old.cap : 1024;
		m->slots = xcalloc(m->cap, sizeof(*m->slots));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.slots[i].key)
				deb_map_put(m, old.slots[i].key, old.slots[i].val);
		free(old.slots);
	}
	for (i = h & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1))
		;
	m->slots[i] = (struct deb_map_slot){ key, n, h, val };
	m->n++;
}

struct deb_index *deb_index_new(void)
{
	return xcalloc(1, sizeof(struct deb_index));
}

void deb_index_free(struct deb_index *ix)
{
	if (!ix)
		return;
	free(ix->st);
	free(ix->names.slots);
	deb_arena_free(ix->arena);
	free(ix);
}

size_t deb_index_count(const struct deb_index *ix)
{
	return ix->n;
}

/* The fields kept, in the order of struct raw's spans. */
enum field {
	F_PACKAGE,
	F_VERSION,
	F_ARCH,
	F_ESSENTIAL,
	F_PRIORITY,
	F_DEPENDS,
	F_PRE_DEPENDS,
	F_PROVIDES,
	F_FILENAME,
	F_SIZE,
	F_ISIZE,
	F_SHA256,
	F_MULTI_ARCH,
	F_COUNT
};
static const char *const field_names[F_COUNT] = {
	[F_PACKAGE] = "Package",         [F_VERSION] = "Version",
	[F_ARCH] = "Architecture",       [F_ESSENTIAL] = "Essential",
	[F_PRIORITY] = "Priority",       [F_DEPENDS] = "Depends",
	[F_PRE_DEPENDS] = "Pre-Depends", [F_PROVIDES] = "Provides",
	[F_FILENAME] = "Filename",       [F_SIZE] = "Size",
	[F_ISIZE] = "Installed-Size",    [F_SHA256] = "SHA256",
	[F_MULTI_ARCH] = "Multi-Arch",
};

/* One stanza's kept fields as spans of the text, before they are checked. */
struct raw {
	const char *p[F_COUNT];
	size_t n[F_COUNT];
	size_t line; /* where the stanza starts */
};

static int span_is(const struct raw *r, enum field f, const char *s)
{
	return r->p[f] && r->n[f] == strlen(s) && !memcmp(r->p[f], s, r->n[f]);
}

static int span_all(const struct raw *r, enum field f, const char *set)
{
	for (size_t i = 0; i < r->n[f]; i++)
		if (!strchr(set, r->p[f][i]))
			return 0;
	return 1;
}

static int span_u64(const struct raw *r, enum field f, uint64_t mul, uint64_t *out)
{
	uint64_t v = 0;

	*out = 0;
	if (!r->p[f])
		return 0;
	if (!r->n[f] || r->n[f] > 19 || !span_all(r, f, "0123456789"))
		return -1;
	for (size_t i = 0; i < r->n[f]; i++)
		v = v * 10 + (uint64_t)(r->p[f][i] - '0');
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* Checks a stanza's values; a bad one is an error naming the field. */
static int raw_check(const struct raw *r, const char *what, struct err *e)
{
	static const enum field need[] = { F_PACKAGE, F_VERSION, F_ARCH, F_FILENAME, F_SHA256 };
	int bad = F_COUNT;
	char *filename;
	uint64_t u;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!r->p[need[i]])
			return r->p[F_PACKAGE]
				       ? err_set(e,
						 "%s: line %zu: package \"%.*s\": no \"%s\" field",
						 what, r->line, (int)r->n[F_PACKAGE],
						 r->p[F_PACKAGE], field_names[need[i]])
				       : err_set(e, "%s: line %zu: stanza has no \"%s\" field",
						 what, r->line, field_names[need[i]]);
	filename = xstrndup(r->p[F_FILENAME], r->n[F_FILENAME]);
	if (r->n[F_PACKAGE] < 2 || !isalnum((unsigned char)r->p[F_PACKAGE][0]) ||
	    !span_all(r, F_PACKAGE, DEB_NAME_CHARS))
		bad = F_PACKAGE;
	else if (r->n[F_VERSION] > DEB_VERSION_MAX || !isdigit((unsigned char)r->p[F_VERSION][0]) ||
		 !span_all(r, F_VERSION, DEB_VERSION_CHARS))
		bad = F_VERSION;
	else if (!r->n[F_ARCH] || !span_all(r, F_ARCH, "abcdefghijklmnopqrstuvwxyz0123456789-"))
		bad = F_ARCH;
	/* The pool path becomes a download path: it stays relative. */
	else if (!fs_rel_path_ok(filename) || strstr(filename, "//") ||
		 strpbrk(filename, " \t\n\\") || r->n[F_FILENAME] > 4096)
		bad = F_FILENAME;
	else if (r->n[F_SHA256] != 64 || !span_all(r, F_SHA256, "0123456789abcdef"))
		bad = F_SHA256;
	else if (span_u64(r, F_SIZE, 1, &u) < 0)
		bad = F_SIZE;
	else if (span_u64(r, F_ISIZE, 1024, &u) < 0)
		bad = F_ISIZE;
	else if (r->p[F_ESSENTIAL] && !span_is(r, F_ESSENTIAL, "yes") &&
		 !span_is(r, F_ESSENTIAL, "no"))
		bad = F_ESSENTIAL;
	else if (r->p[F_MULTI_ARCH] && !span_is(r, F_MULTI_ARCH, "same") &&
		 !span_is(r, F_MULTI_ARCH, "foreign") && !span_is(r, F_MULTI_ARCH, "allowed") &&
		 !span_is(r, F_MULTI_ARCH, "no"))
		bad = F_MULTI_ARCH;
	free(filename);
	if (bad == F_COUNT)
		return 0;
	return err_set(e, "%s: line %zu: package \"%.*s\": \"%s\": \"%.*s\": malformed", what,
		       r->line, (int)(r->n[F_PACKAGE] > 128 ? 128 : r->n[F_PACKAGE]),
		       r->p[F_PACKAGE], field_names[bad], (int)(r->n[bad] > 128 ? 128 : r->n[bad]),
		       r->p[bad]);
}

#define COPY(f) (r->p[f] ? deb_arena_copy(&ix->arena, r->p[f], r->n[f]) : NULL)

/* Fills s from r (already checked). */
static void stanza_fill(struct deb_index *ix, struct stanza *s, const struct raw *r,
			const char *suite)
{
	s->version = COPY(F_VERSION);
	s->filename = COPY(F_FILENAME);
	s->sha256 = COPY(F_SHA256);
	s->multi_arch = COPY(F_MULTI_ARCH);
	s->depends = COPY(F_DEPENDS);
	s->pre_depends = COPY(F_PRE_DEPENDS);
	s->provides = COPY(F_PROVIDES);
	s->suite = suite;
	span_u64(r, F_SIZE, 1, &s->size);
	span_u64(r, F_ISIZE, 1024, &s->installed_size);
	s->essential = span_is(r, F_ESSENTIAL, "yes");
	s->required = span_is(r, F_PRIORITY, "required");
}

/* Adds the checked stanza r, or lets it replace the same name and
 * architecture at a lower version. */
static int stanza_add(struct deb_index *ix, const struct raw *r, const char *suite,
		      const char *what, struct err *e)
{
	struct deb_map_slot *slot = deb_map_find(&ix->names, r->p[F_PACKAGE], r->n[F_PACKAGE]);
	size_t i = slot ? slot->val : DEB_NONE, last = DEB_NONE;
	struct stanza *s;

	for (; i != DEB_NONE; last = i, i = ix->st[i].next) {
		char v[DEB_VERSION_MAX + 1];

		if (strlen(ix->st[i].arch) != r->n[F_ARCH] ||
		    memcmp(ix->st[i].arch, r->p[F_ARCH], r->n[F_ARCH]))
			continue;
		memcpy(v, r->p[F_VERSION], r->n[F_VERSION]);
		v[r->n[F_VERSION]] = 0;
		if (debversion_cmp(v, ix->st[i].version) > 0)
			stanza_fill(ix, &ix->st[i], r, suite);
		return 0;
	}
	if (ix->n >= DEB_INDEX_MAX_STANZAS)
		return err_set(e, "%s: line %zu: more than %d packages", what, r->line,
			       DEB_INDEX_MAX_STANZAS);
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? 2 * ix->cap : 4096;
		ix->st = xrealloc(ix->st, ix->cap * sizeof(*ix->st));
	}
	s = &ix->st[ix->n];
	memset(s, 0, sizeof(*s));
	s->name = COPY(F_PACKAGE);
	s->arch = COPY(F_ARCH);
	s->next = DEB_NONE;
	stanza_fill(ix, s, r, suite);
	if (last != DEB_NONE)
		ix->st[last].next = ix->n;
	else
		deb_map_put(&ix->names, s->name, ix->n);
	ix->n++;
	return 0;
}

static int stanza_end(struct deb_index *ix, struct raw *r, const char *suite, const char *what,
		      struct err *e)
{
	int rc = raw_check(r, what, e) < 0 ? -1 : stanza_add(ix, r, suite, what, e);

	memset(r, 0, sizeof(*r));
	return rc;
}

static int is_blank(const char *s, const char *end)
{
	for (; s < end; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

int deb_index_add(struct deb_index *ix, const char *text, size_t len, const char *suite,
		  const char *what, struct err *e)
{
	const char *p = text, *end = text + len, *suite_copy;
	struct raw r;
	size_t line = 0;
	int in_stanza = 0;

	if (len > DEB_INDEX_MAX_BYTES)
		return err_set(e, "%s: larger than %llu bytes", what, DEB_INDEX_MAX_BYTES);
	suite_copy = deb_arena_copy(&ix->arena, suite, strlen(suite));
	memset(&r, 0, sizeof(r));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *colon, *v, *ve;
		size_t flen;
		int f;

		eol = eol ? eol : end;
		line++;
		if (is_blank(p, eol)) {
			if (in_stanza && stanza_end(ix, &r, suite_copy, what, e) < 0)
				return -1;
			in_stanza = 0;
			p = eol + 1;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			/* A continuation: already taken in by its field below. */
			if (!in_stanza)
				return err_set(e,
					       "%s: line %zu: continuation line outside a stanza",
					       what, line);
			p = eol + 1;
			continue;
		}
		if (!in_stanza)
			r.line = line;
		in_stanza = 1;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			return err_set(e, "%s: line %zu: expected \"Field: value\"", what, line);
		flen = (size_t)(colon - p);
		for (f = 0; f < F_COUNT; f++)
			if (strlen(field_names[f]) == flen && !strncasecmp(field_names[f], p, flen))
				break;
		if (f == F_COUNT) {
			p = eol + 1;
			continue;
		}
		if (r.p[f])
			return err_set(e, "%s: line %zu: \"%s\" given twice", what, line,
				       field_names[f]);
		/* The value runs on over continuation lines. */
		ve = eol;
		while (ve + 1 < end && (ve[1] == ' ' || ve[1] == '\t')) {
			const char *n = memchr(ve + 1, '\n', (size_t)(end - ve - 1));
			ve = n ? n : end;
		}
		for (v = colon + 1; v < ve && isspace((unsigned char)*v); v++)
			;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		r.p[f] = v;
		r.n[f] = (size_t)(ve - v);
		p = eol + 1;
	}
	if (in_stanza && stanza_end(ix, &r, suite_copy, what, e) < 0)
		return -1;
	return 0;
}
