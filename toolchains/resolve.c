/* SPDX-License-Identifier: MIT */
/* Resolving a Debian package closure over a parsed deb_index: candidates per
 * name for the native architecture, a table of virtual names and their
 * providers, and a first-in-first-out walk over Pre-Depends and Depends
 * whose every choice is fixed by the sorted seeds and the index alone. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "toolchains/resolve_int.h"

#define ALTS_MAX 32

enum op { OP_ANY, OP_LT, OP_LE, OP_EQ, OP_GE, OP_GT };

struct alt {
	const char *name; /* into the dependency text, nlen bytes */
	size_t nlen;
	enum op op;
	char ver[DEB_VERSION_MAX + 1];
};

/* What some package provides under one virtual name. */
struct prov {
	size_t pkg;
	const char *ver; /* NULL for an unversioned Provides */
};
struct provlist {
	struct prov *v; /* owned */
	size_t n, cap;
};

struct resolver {
	const struct deb_index *ix;
	const char *arch;
	struct deb_map virt;    /* virtual name → index in lists */
	struct provlist *lists; /* owned */
	size_t nlists;
	struct deb_arena *arena; /* owned: virtual names, provided versions */
	unsigned char *selected; /* owned, one per stanza */
	size_t *queue;           /* owned, one per stanza at most */
	size_t qhead, qtail;
};

static int arch_ok(const struct resolver *rs, const struct stanza *s)
{
	return !strcmp(s->arch, rs->arch) || !strcmp(s->arch, "all");
}

/* The stanza the name means for rs->arch: the higher version of arch and
 * "all", arch on a tie; DEB_NONE when there is neither. */
static size_t candidate(const struct resolver *rs, const char *name, size_t n)
{
	const struct deb_map_slot *slot = deb_map_find(&rs->ix->names, name, n);
	size_t best = DEB_NONE;

	for (size_t i = slot ? slot->val : DEB_NONE; i != DEB_NONE; i = rs->ix->st[i].next) {
		const struct stanza *s = &rs->ix->st[i];
		int c;

		if (!arch_ok(rs, s))
			continue;
		c = best != DEB_NONE ? debversion_cmp(s->version, rs->ix->st[best].version) : 1;
		if (c > 0 || (c == 0 && !strcmp(s->arch, rs->arch)))
			best = i;
	}
	return best;
}

static const struct provlist *providers(const struct resolver *rs, const char *name, size_t n)
{
	const struct deb_map_slot *slot = deb_map_find(&rs->virt, name, n);
	return slot ? &rs->lists[slot->val] : NULL;
}

/* Parses one alternative "name[:arch] [(op version)]" of [s, end);
 * returns 0, or -1 when it is not one. */
static int alt_parse(const char *s, const char *end, struct alt *a)
{
	static const struct {
		const char *text;
		enum op op;
	} ops[] = { { "<<", OP_LT }, { "<=", OP_LE }, { ">>", OP_GT }, { ">=", OP_GE },
		    { "=", OP_EQ },  { "<", OP_LE },  { ">", OP_GE } };
	const char *v;
	size_t i;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	a->name = s;
	while (s < end && *s && strchr(DEB_NAME_CHARS, *s))
		s++;
	a->nlen = (size_t)(s - a->name);
	if (!a->nlen)
		return -1;
	if (s < end && *s == ':') /* qualifiers mean nothing natively */
		for (s++; s < end && (isalnum((unsigned char)*s) || *s == '-'); s++)
			;
	while (s < end && isspace((unsigned char)*s))
		s++;
	a->op = OP_ANY;
	a->ver[0] = 0;
	if (s == end)
		return 0;
	if (*s++ != '(' || end[-1] != ')')
		return -1;
	for (end--, i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if ((size_t)(end - s) >= strlen(ops[i].text) &&
		    !memcmp(s, ops[i].text, strlen(ops[i].text)))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return -1;
	a->op = ops[i].op;
	for (s += strlen(ops[i].text); s < end && isspace((unsigned char)*s); s++)
		;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (v = s; v < end; v++)
		if (!*v || !strchr(DEB_VERSION_CHARS, *v))
			return -1;
	if (s == end || (size_t)(end - s) > DEB_VERSION_MAX)
		return -1;
	memcpy(a->ver, s, (size_t)(end - s));
	a->ver[end - s] = 0;
	return 0;
}

static int version_meets(const char *have, const struct alt *a)
{
	int c;

	if (a->op == OP_ANY)
		return 1;
	if (!have)
		return 0;
	c = debversion_cmp(have, a->ver);
	switch (a->op) {
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_EQ:
		return c == 0;
	case OP_GE:
		return c >= 0;
	case OP_GT:
		return c > 0;
	default:
		return 1;
	}
}

static int prov_cmp(const void *x, const void *y, void *ctx)
{
	const struct prov *a = x, *b = y;
	const struct deb_index *ix = ctx;
	int c = strcmp(ix->st[a->pkg].name, ix->st[b->pkg].name);

	if (c)
		return c;
	return debversion_cmp(a->ver ? a->ver : "", b->ver ? b->ver : "");
}

/* Fills rs->virt from the Provides of every candidate for rs->arch; a
 * malformed Provides is an error naming its package. */
static int resolver_providers(struct resolver *rs, struct err *e)
{
	const struct deb_index *ix = rs->ix;
	size_t cap = 0;

	for (size_t i = 0; i < ix->n; i++) {
		const struct stanza *s = &ix->st[i];
		const char *p = s->provides, *comma;

		if (!p || !arch_ok(rs, s) || candidate(rs, s->name, strlen(s->name)) != i)
			continue;
		for (; p; p = comma ? comma + 1 : NULL) {
			struct deb_map_slot *slot;
			struct provlist *l;
			struct alt a;

			comma = strchr(p, ',');
			if (alt_parse(p, comma ? comma : p + strlen(p), &a) < 0 ||
			    (a.op != OP_ANY && a.op != OP_EQ))
				return err_set(e, "package \"%s\": \"Provides\": \"%s\": malformed",
					       s->name, s->provides);
			slot = deb_map_find(&rs->virt, a.name, a.nlen);
			if (!slot) {
				if (rs->nlists == cap) {
					cap = cap ? 2 * cap : 1024;
					rs->lists = xrealloc(rs->lists, cap * sizeof(*rs->lists));
				}
				memset(&rs->lists[rs->nlists], 0, sizeof(*rs->lists));
				deb_map_put(&rs->virt, deb_arena_copy(&rs->arena, a.name, a.nlen),
					    rs->nlists);
				slot = deb_map_find(&rs->virt, a.name, a.nlen);
				rs->nlists++;
			}
			l = &rs->lists[slot->val];
			if (l->n == l->cap) {
				l->cap = l->cap ? 2 * l->cap : 4;
				l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
			}
			l->v[l->n].pkg = i;
			l->v[l->n++].ver = a.op == OP_EQ ? deb_arena_copy(&rs->arena, a.ver,
									  strlen(a.ver))
							 : NULL;
		}
	}
	for (size_t i = 0; i < rs->nlists; i++)
		qsort_r(rs->lists[i].v, rs->lists[i].n, sizeof(struct prov), prov_cmp, (void *)ix);
	return 0;
}

static void resolver_select(struct resolver *rs, size_t i)
{
	if (rs->selected[i])
		return;
	rs->selected[i] = 1;
	rs->queue[rs->qtail++] = i;
}

/* "what the index has" for each alternative, into b. */
static void explain(const struct resolver *rs, const struct alt *alts, size_t nalts, struct buf *b)
{
	for (size_t k = 0; k < nalts; k++) {
		const struct alt *a = &alts[k];
		size_t c = candidate(rs, a->name, a->nlen);
		const struct provlist *l = providers(rs, a->name, a->nlen);
		const struct deb_map_slot *any = deb_map_find(&rs->ix->names, a->name, a->nlen);

		buf_addstr(b, k ? "; " : "");
		if (c != DEB_NONE)
			buf_addf(b, "%.*s %s", (int)a->nlen, a->name, rs->ix->st[c].version);
		else if (any && !l)
			buf_addf(b, "%.*s only for %s", (int)a->nlen, a->name,
				 rs->ix->st[any->val].arch);
		else if (!l)
			buf_addf(b, "no %.*s", (int)a->nlen, a->name);
		if (l)
			buf_addf(b, "%s%.*s provided by ", c != DEB_NONE ? ", " : "", (int)a->nlen,
				 a->name);
		for (size_t j = 0; l && j < l->n; j++) {
			buf_addf(b, "%s%s", j ? ", " : "", rs->ix->st[l->v[j].pkg].name);
			if (l->v[j].ver)
				buf_addf(b, " (= %s)", l->v[j].ver);
		}
	}
}

/* Satisfies one dependency group [s, end) of package p. */
static int resolver_group(struct resolver *rs, const struct stanza *p, const char *s,
			  const char *end, struct err *e)
{
	struct alt alts[ALTS_MAX];
	struct buf b = BUF_INIT;
	size_t nalts = 0, k, j, c;
	const char *bar;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (const char *a = s; a; a = bar ? bar + 1 : NULL) {
		bar = memchr(a, '|', (size_t)(end - a));
		if (nalts == ALTS_MAX || alt_parse(a, bar ? bar : end, &alts[nalts]) < 0)
			return err_set(e, "package \"%s\": dependency \"%.*s\": malformed", p->name,
				       (int)(end - s), s);
		nalts++;
	}
	/* 1. already satisfied by the selection */
	for (k = 0; k < nalts; k++) {
		const struct provlist *l = providers(rs, alts[k].name, alts[k].nlen);

		c = candidate(rs, alts[k].name, alts[k].nlen);
		if (c != DEB_NONE && rs->selected[c] &&
		    version_meets(rs->ix->st[c].version, &alts[k]))
			return 0;
		for (j = 0; l && j < l->n; j++)
			if (rs->selected[l->v[j].pkg] && version_meets(l->v[j].ver, &alts[k]))
				return 0;
	}
	/* 2. the first real package that fits */
	for (k = 0; k < nalts; k++) {
		c = candidate(rs, alts[k].name, alts[k].nlen);
		if (c != DEB_NONE && version_meets(rs->ix->st[c].version, &alts[k])) {
			resolver_select(rs, c);
			return 0;
		}
	}
	/* 3. the alphabetically first provider that fits */
	for (k = 0; k < nalts; k++) {
		const struct provlist *l = providers(rs, alts[k].name, alts[k].nlen);

		for (j = 0; l && j < l->n; j++)
			if (version_meets(l->v[j].ver, &alts[k])) {
				resolver_select(rs, l->v[j].pkg);
				return 0;
			}
	}
	explain(rs, alts, nalts, &b);
	err_set(e, "package \"%s\": dependency \"%.*s\": the index has %s", p->name, (int)(end - s),
		s, b.data);
	buf_release(&b);
	return -1;
}

static int resolver_field(struct resolver *rs, const struct stanza *p, const char *field,
			  struct err *e)
{
	const char *comma;

	for (const char *s = field; s; s = comma ? comma + 1 : NULL) {
		comma = strchr(s, ',');
		if (resolver_group(rs, p, s, comma ? comma : s + strlen(s), e) < 0)
			return -1;
	}
	return 0;
}

static int by_name(const void *x, const void *y, void *ctx)
{
	const struct deb_index *ix = ctx;
	return strcmp(ix->st[*(const size_t *)x].name, ix->st[*(const size_t *)y].name);
}

static int resolver_seed(struct resolver *rs, const char *const *requested, size_t nrequested,
			 int with_required, struct err *e)
{
	const struct deb_index *ix = rs->ix;
	size_t *seeds = xmalloc((ix->n + nrequested) * sizeof(*seeds)), n = 0;
	int rc = -1;

	for (size_t i = 0; i < ix->n; i++)
		if ((ix->st[i].essential || (with_required && ix->st[i].required)) &&
		    candidate(rs, ix->st[i].name, strlen(ix->st[i].name)) == i)
			seeds[n++] = i;
	for (size_t i = 0; i < nrequested; i++) {
		const struct provlist *l;
		struct buf b = BUF_INIT;

		if ((seeds[n] = candidate(rs, requested[i], strlen(requested[i]))) != DEB_NONE) {
			n++;
			continue;
		}
		l = providers(rs, requested[i], strlen(requested[i]));
		for (size_t j = 0; l && j < l->n; j++)
			buf_addf(&b, "%s%s", j ? ", " : "", ix->st[l->v[j].pkg].name);
		if (l)
			err_set(e,
				"requested package \"%s\": a virtual package, provided by %s; "
				"name one of them",
				requested[i], b.data);
		else
			err_set(e, "requested package \"%s\": not in the index for %s",
				requested[i], rs->arch);
		buf_release(&b);
		goto out;
	}
	/* Sorted, so the first-in-first-out order depends on names only. */
	qsort_r(seeds, n, sizeof(*seeds), by_name, (void *)ix);
	for (size_t i = 0; i < n; i++)
		resolver_select(rs, seeds[i]);
	rc = 0;
out:
	free(seeds);
	return rc;
}

static void resolver_release(struct resolver *rs)
{
	for (size_t i = 0; i < rs->nlists; i++)
		free(rs->lists[i].v);
	free(rs->lists);
	free(rs->virt.slots);
	deb_arena_free(rs->arena);
	free(rs->selected);
	free(rs->queue);
}

int deb_index_resolve(const struct deb_index *ix, const char *arch, const char *const *requested,
		      size_t nrequested, int with_required, struct resolved_pkg **out, size_t *nout,
		      struct err *e)
{
	struct resolver rs;
	size_t *pick = NULL, n = 0;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	memset(&rs, 0, sizeof(rs));
	rs.ix = ix;
	rs.arch = arch;
	rs.selected = xcalloc(ix->n + 1, 1);
	rs.queue = xmalloc((ix->n + 1) * sizeof(*rs.queue));
	if (!*arch || !strcmp(arch, "all")) {
		err_set(e, "architecture \"%s\": not a native architecture", arch);
		goto out;
	}
	if (resolver_providers(&rs, e) < 0 ||
	    resolver_seed(&rs, requested, nrequested, with_required, e) < 0)
		goto out;
	while (rs.qhead < rs.qtail) {
		const struct stanza *p = &ix->st[rs.queue[rs.qhead++]];

		if ((p->pre_depends && resolver_field(&rs, p, p->pre_depends, e) < 0) ||
		    (p->depends && resolver_field(&rs, p, p->depends, e) < 0))
			goto out;
	}
	pick = xmalloc((rs.qtail + 1) * sizeof(*pick));
	memcpy(pick, rs.queue, rs.qtail * sizeof(*pick));
	n = rs.qtail;
	qsort_r(pick, n, sizeof(*pick), by_name, (void *)ix);
	*out = xcalloc(n + 1, sizeof(**out));
	for (size_t i = 0; i < n; i++) {
		const struct stanza *s = &ix->st[pick[i]];
		struct resolved_pkg *r = &(*out)[i];

		r->name = xstrdup(s->name);
		r->version = xstrdup(s->version);
		r->arch = xstrdup(s->arch);
		r->filename = xstrdup(s->filename);
		r->sha256 = xstrdup(s->sha256);
		r->suite = xstrdup(s->suite);
		r->multi_arch = s->multi_arch ? xstrdup(s->multi_arch) : NULL;
		r->size = s->size;
		r->installed_size = s->installed_size;
		r->essential = s->essential;
		r->required = s->required;
	}
	*nout = n;
	rc = 0;
out:
	free(pick);
	resolver_release(&rs);
	return rc;
}

void resolved_free(struct resolved_pkg *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].version);
		free(p[i].arch);
		free(p[i].filename);
		free(p[i].sha256);
		free(p[i].suite);
		free(p[i].multi_arch);
	}
	free(p);
}
