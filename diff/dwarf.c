/* SPDX-License-Identifier: MIT */
/* DWARF strings (libdw): per compilation unit the name, DW_AT_producer,
 * DW_AT_comp_dir and the line table's file names, compared unit by unit.
 * Differences that are the same substitution ("/tmp/a" -> "/tmp/b" in a
 * thousand file names) are folded into one entry with a count. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

#define DWARF_MAX_CUS 200000
#define DWARF_MAX_FILES 100000 /* per unit */
#define DWARF_MAX_GROUPS 256

struct cu_info {
	char *name, *producer, *comp_dir; /* owned, may be NULL */
	struct strv files;
};

struct group {
	const char *field;
	char *ca, *cb; /* owned: the differing cores */
	char *ea, *eb; /* owned: one full example */
	size_t count;
	enum diff_hint hint;
};

static char *attr_string(Dwarf_Die *die, int at)
{
	Dwarf_Attribute attr;
	const char *s = dwarf_attr(die, at, &attr) ? dwarf_formstring(&attr) : NULL;
	return s ? xstrdup(s) : NULL;
}

static size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* The units' strings, within what is left of --max-memory: the strings
 * held count against it (libdw's own tables do not), and past it the rest
 * of the units are left out (*cut set) and the report is marked partial.
 * *held says how much was charged; the caller gives it back. */
static size_t collect(struct diff_ctx *c, Elf *elf, struct cu_info **out, size_t *held, int *cut)
{
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_Off off = 0, next;
	size_t hsize, n = 0, cap = 0;
	struct cu_info *v = NULL;

	*held = 0;
	while (dw && n < DWARF_MAX_CUS && !diff_over_limit(c) &&
	       dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die die;
		Dwarf_Files *files;
		size_t nf;

		if (c->mem_used + *held > c->mem_budget) {
			report_partial(c->r, "DWARF strings beyond --max-memory: the remaining "
					     "compilation units were not compared");
			*cut = 1;
			break;
		}
		if (dwarf_offdie(dw, off + hsize, &die)) {
			const char *nm = dwarf_diename(&die);
			if (n == cap)
				v = xrealloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
			memset(&v[n], 0, sizeof(v[n]));
			v[n].name = nm ? xstrdup(nm) : NULL;
			v[n].producer = attr_string(&die, DW_AT_producer);
			v[n].comp_dir = attr_string(&die, DW_AT_comp_dir);
			if (dwarf_getsrcfiles(&die, &files, &nf) == 0)
				for (size_t i = 0; i < nf && i < DWARF_MAX_FILES; i++) {
					const char *f = dwarf_filesrc(files, i, NULL, NULL);
					strv_push(&v[n].files, f ? f : "");
					*held += str_bytes(f) + sizeof(char *);
				}
			*held += sizeof(*v) + str_bytes(v[n].name) + str_bytes(v[n].producer) +
				 str_bytes(v[n].comp_dir);
			n++;
		}
		off = next;
	}
	c->mem_used += *held;
	if (dw)
		dwarf_end(dw);
	*out = v;
	return n;
}

static void cu_release(struct cu_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].producer);
		free(v[i].comp_dir);
		strv_release(&v[i].files);
	}
	free(v);
}

struct groups {
	const char *kind;
	struct group g[DWARF_MAX_GROUPS];
	size_t n;
	size_t overflow[HINT_COUNT];
};

static void note_diff(struct diff_ctx *c, struct groups *gs, const char *field, const char *a,
		      const char *b)
{
	char *ca, *cb;
	enum diff_hint h;

	a = a ? a : "";
	b = b ? b : "";
	if (!strcmp(a, b))
		return;
	hints_core(a, b, &ca, &cb);
	for (size_t i = 0; i < gs->n; i++)
		if (gs->g[i].field == field && !strcmp(gs->g[i].ca, ca) &&
		    !strcmp(gs->g[i].cb, cb)) {
			gs->g[i].count++;
			free(ca);
			free(cb);
			return;
		}
	h = hints_strings(c, a, b);
	if (!strcmp(field, "DW_AT_producer") && h == HINT_CONTENT)
		h = HINT_COMPILER;
	if (gs->n == DWARF_MAX_GROUPS) {
		gs->overflow[h]++;
		free(ca);
		free(cb);
		return;
	}
	gs->g[gs->n++] = (struct group){ field, ca, cb, xstrdup(a), xstrdup(b), 1, h };
}

/* Reports the groups (the first few in full, the rest counted), frees
 * them, and raises *dominant to their most frequent specific hint. */
static void groups_emit(struct diff_ctx *c, const char *name, struct groups *gs,
			enum diff_hint *dominant)
{
	size_t weight[HINT_COUNT] = { 0 };

	for (size_t i = 0; i < gs->n; i++) {
		struct group *g = &gs->g[i];
		struct diff_item *it;
		weight[g->hint] += g->count;
		if (i >= c->keep * 2) {
			report_count(c, g->hint);
			continue;
		}
		it = report_add(c, name, gs->kind, g->hint,
				xasprintf("%s (%zu string%s)", g->field, g->count,
					  g->count == 1 ? "" : "s"),
				g->ea, g->eb);
		g->ea = g->eb = NULL;
		if (it && g->count > 1)
			strv_pushf(&it->detail, "each differs by \"%s\" -> \"%s\"", g->ca, g->cb);
	}
	for (int h = 0; h < HINT_COUNT; h++)
		if (gs->overflow[h])
			report_count(c, (enum diff_hint)h), weight[h] += gs->overflow[h];
	for (int h = 1; h < HINT_COUNT; h++)
		if (weight[h] > weight[*dominant] || (*dominant == HINT_CONTENT && weight[h]))
			*dominant = (enum diff_hint)h;
	for (size_t i = 0; i < gs->n; i++) {
		free(gs->g[i].ca);
		free(gs->g[i].cb);
		free(gs->g[i].ea);
		free(gs->g[i].eb);
	}
	free(gs);
}

static size_t split_strings(const unsigned char *p, size_t len, const char ***out)
{
	size_t n = 0, cap = 0, i = 0;
	const char **v = NULL;

	while (p && i < len) {
		size_t k = strnlen((const char *)p + i, len - i);
		if (k && i + k < len) {
			if (n == cap)
				v = xrealloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v));
			v[n++] = (const char *)p + i;
		}
		i += k + 1;
	}
	if (n)
		qsort(v, n, sizeof(*v), strv_cmp);
	*out = v;
	return n;
}

void diff_dwarf_strtab(struct diff_ctx *c, const char *name, const char *sec,
		       const unsigned char *a, size_t alen, const unsigned char *b, size_t blen,
		       enum diff_hint *dominant)
{
	const char **va, **vb, **oa, **ob;
	size_t na = split_strings(a, alen, &va), nb = split_strings(b, blen, &vb);
	size_t i = 0, j = 0, noa = 0, nob = 0;
	struct groups *gs = xcalloc(1, sizeof(*gs));

	gs->kind = "string";
	oa = xcalloc(na + 1, sizeof(*oa));
	ob = xcalloc(nb + 1, sizeof(*ob));
	/* The strings only one side has, paired in sorted order: a changed
	 * path sorts to the same place on both sides. */
	while (i < na || j < nb) {
		int cmp = i >= na ? 1 : j >= nb ? -1 : strcmp(va[i], vb[j]);
		if (!cmp)
			i++, j++;
		else if (cmp < 0)
			oa[noa++] = va[i++];
		else
			ob[nob++] = vb[j++];
	}
	for (size_t k = 0; k < noa || k < nob; k++)
		note_diff(c, gs, sec, k < noa ? oa[k] : "", k < nob ? ob[k] : "");
	groups_emit(c, name, gs, dominant);
	free(va);
	free(vb);
	free(oa);
	free(ob);
}

void diff_dwarf_strings(struct diff_ctx *c, const char *name, struct Elf *ea, struct Elf *eb,
			enum diff_hint *dominant)
{
	struct cu_info *a = NULL, *b = NULL;
	size_t ha = 0, hb = 0;
	int cut = 0;
	size_t na = collect(c, (Elf *)ea, &a, &ha, &cut), nb = collect(c, (Elf *)eb, &b, &hb, &cut);
	struct groups *gs = xcalloc(1, sizeof(*gs));

	gs->kind = "dwarf";
	/* A side cut short by the budget has fewer units for that reason only. */
	if (na != nb && !cut)
		report_add(c, name, "dwarf", HINT_CONTENT, xstrdup("compilation units"),
			   xasprintf("%zu", na), xasprintf("%zu", nb));
	for (size_t i = 0; i < na && i < nb; i++) {
		note_diff(c, gs, "DW_AT_name", a[i].name, b[i].name);
		note_diff(c, gs, "DW_AT_producer", a[i].producer, b[i].producer);
		note_diff(c, gs, "DW_AT_comp_dir", a[i].comp_dir, b[i].comp_dir);
		if (a[i].files.n != b[i].files.n)
			note_diff(c, gs, "line table files",
				  a[i].files.n ? a[i].files.v[a[i].files.n - 1] : "",
				  b[i].files.n ? b[i].files.v[b[i].files.n - 1] : "");
		for (size_t k = 0; k < a[i].files.n && k < b[i].files.n; k++)
			note_diff(c, gs, "line table file", a[i].files.v[k], b[i].files.v[k]);
	}
	groups_emit(c, name, gs, dominant);
	cu_release(a, na);
	cu_release(b, nb);
	c->mem_used -= ha + hb;
}
