/* SPDX-License-Identifier: MIT */
/* ELF (libelf): the section table matched by name, differing byte ranges
 * named by the symbol they fall in, symbol table changes, notes, .comment,
 * string tables and .modinfo (elfmod.c); the file is read by elfread.c,
 * its headers compared by elfhead.c, DWARF strings by dwarf.c.  Works on
 * any machine libelf reads (RISC-V included), without binutils. */
#include <gelf.h>
#include <stddef.h>
#include <stdio.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "diff/elf.h"

static int cmp_sym_name(const void *x, const void *y)
{
	const struct esym *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->value < b->value ? -1 : a->value > b->value;
}

/* Joins the NUL-separated strings of a section with " | ". */
static char *join_strings(const struct esec *s)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	while (s->raw && i < s->len) {
		size_t n = strnlen((const char *)s->raw + i, s->len - i);
		if (n)
			buf_addf(&b, "%s%.*s", b.len ? " | " : "", (int)n, s->raw + i);
		i += n + 1;
	}
	return buf_take(&b, NULL);
}

static char *note_list(Elf *elf, size_t idx)
{
	Elf_Data *d = elf_getdata(elf_getscn(elf, idx), NULL);
	struct buf b = BUF_INIT;
	size_t off = 0, noff, doff;
	GElf_Nhdr nh;

	while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
		const unsigned char *desc = (const unsigned char *)d->d_buf + doff;
		buf_addf(&b, "%s%.*s/%u:", b.len ? " " : "",
			 (int)(nh.n_namesz ? nh.n_namesz - 1 : 0), (const char *)d->d_buf + noff,
			 nh.n_type);
		for (size_t i = 0; i < nh.n_descsz && i < 64; i++)
			buf_addf(&b, "%02x", desc[i]);
	}
	return buf_take(&b, NULL);
}

/* Byte ranges of one section pair, each named by its symbol. */
static enum diff_hint section_ranges(struct diff_ctx *c, const char *name, const struct eside *a,
				     const struct esec *sa, const struct esec *sb, int layout,
				     size_t *nbytes)
{
	size_t n = sa->len < sb->len ? sa->len : sb->len, nr, shown, counts[HINT_COUNT] = { 0 };
	size_t *off = xcalloc(c->keep + 1, sizeof(size_t)),
	       *len = xcalloc(c->keep + 1, sizeof(size_t));
	int exec = (sa->sh.sh_flags & SHF_EXECINSTR) != 0;
	uint64_t base = a->eh.e_type == ET_REL ? 0 : sa->sh.sh_addr;
	enum diff_hint best = HINT_CONTENT;

	nr = bytes_ranges(sa->raw, sb->raw, n, off, len, c->keep, nbytes);
	shown = nr < c->keep ? nr : c->keep;
	for (size_t i = 0; i < shown; i++) {
		enum diff_hint h = layout ? HINT_ORDERING : HINT_CONTENT;
		struct diff_item *it;
		char *s, *t;
		if (!exec && !layout)
			h = hints_span(c, sa->raw, sa->len, sb->raw, sb->len, off[i], len[i]);
		counts[h]++;
		s = elf_sym_at(a, sa->idx, base + off[i], sa->name, off[i]);
		t = elf_sym_at(a, sa->idx, base + off[i] + len[i], sa->name, off[i] + len[i]);
		it = report_add(c, name, "range", h, xasprintf("%s: %s .. %s", sa->name, s, t),
				hints_render_at(sa->raw, sa->len, off[i], len[i], 24),
				hints_render_at(sb->raw, sb->len, off[i], len[i], 24));
		free(s);
		free(t);
		report_at(c, it, 0, sa->sh.sh_offset + off[i], len[i]);
		report_at(c, it, 1, sb->sh.sh_offset + off[i], len[i]);
		if (it && c->o->full) {
			bytes_hex_lines(&it->detail, "a", sa->raw, sa->len, off[i], len[i],
					sa->sh.sh_offset);
			bytes_hex_lines(&it->detail, "b", sb->raw, sb->len, off[i], len[i],
					sb->sh.sh_offset);
		}
	}
	for (size_t i = shown; i < nr; i++)
		report_count(c, layout ? HINT_ORDERING : HINT_CONTENT);
	for (int h = 1; h < HINT_COUNT; h++)
		if (counts[h] > counts[best] || (best == HINT_CONTENT && counts[h]))
			best = (enum diff_hint)h;
	free(off);
	free(len);
	return best;
}

/* A build attributes section: what the assembler records of -march and
 * the ABI (SHT_RISCV_ATTRIBUTES, SHT_ARM_ATTRIBUTES, .gnu.attributes). */
static int is_attributes(const struct esec *s)
{
	size_t n = strlen(s->name);

	return s->sh.sh_type == 0x70000003 || s->sh.sh_type == SHT_GNU_ATTRIBUTES ||
	       (n > 11 && !strcmp(s->name + n - 11, ".attributes"));
}

/* What strip removes: the symbol table and its strings, debugging
 * information. */
static int is_strippable(const struct esec *s)
{
	return s->sh.sh_type == SHT_SYMTAB || !strcmp(s->name, ".strtab") ||
	       !strncmp(s->name, ".debug_", 7) || !strncmp(s->name, ".rela.debug_", 12) ||
	       !strncmp(s->name, ".rel.debug_", 11);
}

/* 1 when a side has something strip removes. */
static int has_strippable(const struct eside *s)
{
	for (size_t i = 1; i < s->shnum; i++)
		if (s->secs[i].sh.sh_type == SHT_SYMTAB || !strncmp(s->secs[i].name, ".debug_", 7))
			return 1;
	return 0;
}

static int cmp_sec_name(const void *x, const void *y)
{
	const struct esec *const *a = x, *const *b = y;
	int c = strcmp((*a)->name, (*b)->name);
	return c ? c : ((*a)->idx > (*b)->idx) - ((*a)->idx < (*b)->idx);
}

/* Pairs sections by name (the k-th of a name with the k-th): pair[i] is
 * b's index for a's section i, 0 when b has none. */
static size_t *section_pairs(struct diff_ctx *c, const char *name, const struct eside *a,
			     const struct eside *b, int stripped, struct strv *gone)
{
	size_t *pair = xcalloc(a->shnum + 1, sizeof(size_t)), i = 0, j = 0;
	const struct esec **x = xcalloc(a->shnum + 1, sizeof(*x)),
			  **y = xcalloc(b->shnum + 1, sizeof(*y));
	size_t nx = 0, ny = 0;

	for (size_t k = 1; k < a->shnum; k++)
		x[nx++] = &a->secs[k];
	for (size_t k = 1; k < b->shnum; k++)
		y[ny++] = &b->secs[k];
	qsort(x, nx, sizeof(*x), cmp_sec_name);
	qsort(y, ny, sizeof(*y), cmp_sec_name);
	while (i < nx || j < ny) {
		int cmp = i >= nx ? 1 : j >= ny ? -1 : strcmp(x[i]->name, y[j]->name);
		if (!cmp)
			pair[x[i++]->idx] = y[j++]->idx;
		else {
			/* Only on one side: its contents and header are its difference. */
			const struct esec *only = cmp < 0 ? x[i++] : y[j++];
			const struct eside *side = cmp < 0 ? a : b;
			struct diff_item *it;
			if (stripped == (cmp < 0 ? 1 : 0) && is_strippable(only)) {
				/* Told once, as "b is stripped". */
				strv_push(gone, only->name);
				if (only->raw)
					report_at(c, NULL, cmp > 0, only->sh.sh_offset, only->len);
				report_at(c, NULL, cmp > 0, elf_shdr_off(side, only->idx),
					  side->eh.e_shentsize);
				continue;
			}
			it = report_add(c, name, "section", HINT_CONTENT, xstrdup(only->name),
					xstrdup(cmp < 0 ? "present" : "absent"),
					xstrdup(cmp < 0 ? "absent" : "present"));
			if (only->raw)
				report_at(c, it, cmp > 0, only->sh.sh_offset, only->len);
			report_at(c, it, cmp > 0, elf_shdr_off(side, only->idx),
				  side->eh.e_shentsize);
		}
	}
	free(x);
	free(y);
	return pair;
}

/* One symbol change, held until all are known: see symbol_diff. */
struct symchange {
	const char *what;      /* "added", "removed", "resized", "moved" */
	char *label, *va, *vb; /* owned */
};

/* Symbols added, removed, resized, moved.  Added, removed and resized ones
 * are reported before moved ones, so that under the per-list cap a grown
 * table is not hidden behind the linker symbols that merely shifted after
 * it.  Returns 1 when the functions are the same set with the same sizes
 * laid out in another order. */
static int symbol_diff(struct diff_ctx *c, const char *name, const struct eside *a,
		       const struct eside *b, char **root)
{
	struct esym *x = xmalloc((a->nsyms + 1) * sizeof(*x)),
		    *y = xmalloc((b->nsyms + 1) * sizeof(*y));
	struct symchange *ch = xmalloc((a->nsyms + b->nsyms + 1) * sizeof(*ch));
	size_t i = 0, j = 0, moved = 0, other = 0, shown = 0, n = 0;
	int64_t delta0 = 0, same_delta = 1;
	int layout;

	if (a->nsyms) {
		memcpy(x, a->syms, a->nsyms * sizeof(*x));
		qsort(x, a->nsyms, sizeof(*x), cmp_sym_name);
	}
	if (b->nsyms) {
		memcpy(y, b->syms, b->nsyms * sizeof(*y));
		qsort(y, b->nsyms, sizeof(*y), cmp_sym_name);
	}
	while ((i < a->nsyms || j < b->nsyms) && !diff_over_limit(c)) {
		int cmp = i >= a->nsyms ? 1 : j >= b->nsyms ? -1 : strcmp(x[i].name, y[j].name);
		struct symchange *h = &ch[n];

		memset(h, 0, sizeof(*h));
		if (cmp < 0) {
			h->what = "removed", h->label = xasprintf("removed %s", x[i].name);
			h->va = xasprintf("0x%llx size %llu", (unsigned long long)x[i].value,
					  (unsigned long long)x[i].size);
			i++;
		} else if (cmp > 0) {
			h->what = "added", h->label = xasprintf("added %s", y[j].name);
			h->vb = xasprintf("0x%llx size %llu", (unsigned long long)y[j].value,
					  (unsigned long long)y[j].size);
			j++;
		} else {
			if (x[i].size != y[j].size)
				h->what = "resized";
			else if (x[i].value != y[j].value) {
				int64_t d = (int64_t)(y[j].value - x[i].value);
				if (!moved++)
					delta0 = d;
				else if (d != delta0)
					same_delta = 0;
				h->what = "moved";
			}
			if (h->what) {
				h->label = xasprintf("%s %s", h->what, x[i].name);
				h->va = xasprintf("0x%llx size %llu",
						  (unsigned long long)x[i].value,
						  (unsigned long long)x[i].size);
				h->vb = xasprintf("0x%llx size %llu",
						  (unsigned long long)y[j].value,
						  (unsigned long long)y[j].size);
			}
			i++, j++;
		}
		if (!h->what)
			continue;
		other += strcmp(h->what, "moved") != 0;
		n++;
	}
	/* One shift for all means something grew before them; other deltas
	 * with nothing added or resized means a new order, and then each
	 * moved symbol says so. */
	layout = moved > 1 && !other && !same_delta;
	/* Something grew or appeared and more moved than a list shows: a
	 * layout shift.  Its root is named, the symbols that only moved after
	 * it are one difference with a count. */
	*root = NULL;
	for (size_t k = 0; k < n && other && moved > c->keep; k++)
		if (!strcmp(ch[k].what, "resized") || (!*root && !strcmp(ch[k].what, "added"))) {
			free(*root);
			*root = xasprintf("%s (%s -> %s)", ch[k].label,
					  ch[k].va ? ch[k].va : "absent",
					  ch[k].vb ? ch[k].vb : "absent");
			if (!strcmp(ch[k].what, "resized"))
				break;
		}
	if (*root) {
		struct diff_item *it = report_add(c, name, "layout-shift", HINT_CONTENT,
						  xasprintf("symbols after %s", *root),
						  xasprintf("%zu symbols moved", moved), NULL);
		for (size_t k = 0, shownm = 0; k < n; k++) {
			if (strcmp(ch[k].what, "moved"))
				continue;
			if (it && shownm++ < c->keep)
				strv_pushf(&it->detail, "%s: %s -> %s", ch[k].label, ch[k].va,
					   ch[k].vb);
			free(ch[k].label);
			free(ch[k].va);
			free(ch[k].vb);
			ch[k].what = "folded";
		}
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < n; k++) {
			struct symchange *h = &ch[k];
			int is_moved = strcmp(h->what, "moved") == 0;
			enum diff_hint hint = is_moved && layout ? HINT_ORDERING : HINT_CONTENT;

			if (is_moved != pass || !strcmp(h->what, "folded"))
				continue;
			if (shown++ < c->keep) {
				report_add(c, name, "symbol", hint, h->label, h->va, h->vb);
			} else {
				report_count(c, hint);
				free(h->label);
				free(h->va);
				free(h->vb);
			}
		}
	free(ch);
	free(x);
	free(y);
	return layout;
}

int diff_elf(struct diff_ctx *c, const char *name, struct diff_blob *ba, struct diff_blob *bb,
	     struct err *e)
{
	struct eside a, b;
	size_t *pair = NULL, prev_b = 0;
	int ret = -1, layout, order_reported = 0, debug_differs = 0, stripped, moved_only = 0;
	struct strv gone = STRV_INIT;
	int shstrtab_changed = 0;
	char *root = NULL;
	struct diff_item *strip_it = NULL;
	size_t strip_idx = 0;
	enum diff_hint dwarf_hint = HINT_CONTENT;
	char *la = NULL, *lb = NULL;

	elf_version(EV_CURRENT);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	la = diff_label(c, name, 0);
	lb = diff_label(c, name, 1);
	if (elf_side_open(&a, la, ba, e) < 0 || elf_side_open(&b, lb, bb, e) < 0)
		goto out;
	report_file(c, name, "elf");
	if (c->cov)
		c->cov->positional = 1;
	elf_header_diff(c, name, &a, &b);
	/* One side stripped: said once, and then only what both have is
	 * compared (sections, and no symbols: the stripped side has none). */
	stripped = has_strippable(&a) && !has_strippable(&b)   ? 1
		   : has_strippable(&b) && !has_strippable(&a) ? 0
							       : -1;
	if (stripped >= 0) {
		strip_idx = c->r->n_items;
		strip_it = report_add(c, name, "stripped", HINT_CONTENT,
				      xasprintf("%c is stripped (no .symtab/.debug_*)",
						"ab"[stripped]),
				      NULL, NULL);
	}
	pair = section_pairs(c, name, &a, &b, stripped, &gone);
	layout = stripped >= 0 ? 0 : symbol_diff(c, name, &a, &b, &root);
	for (size_t i = 1; i < a.shnum; i++)
		if (pair[i] && !strncmp(a.secs[i].name, ".debug_", 7) &&
		    (a.secs[i].len != b.secs[pair[i]].len ||
		     (a.secs[i].raw && memcmp(a.secs[i].raw, b.secs[pair[i]].raw, a.secs[i].len))))
			debug_differs = 1;
	/* A relocatable object's DWARF needs relocations applied before its
	 * string references mean anything; its string tables still tell. */
	if (debug_differs && a.eh.e_type != ET_REL)
		diff_dwarf_strings(c, name, (struct Elf *)a.elf, (struct Elf *)b.elf, &dwarf_hint);
	for (size_t i = 1; i < a.shnum && !diff_over_limit(c); i++) {
		const struct esec *sa = &a.secs[i], *sb;
		size_t nbytes = 0, idx;
		enum diff_hint h = HINT_CONTENT;
		int data_same;
		struct diff_item *it;

		if (!pair[i])
			continue;
		sb = &b.secs[pair[i]];
		if (pair[i] < prev_b && !order_reported) {
			order_reported = 1;
			report_add(c, name, "section-order", HINT_ORDERING, xstrdup(sa->name),
				   xasprintf("index %zu", i), xasprintf("index %zu", pair[i]));
		}
		prev_b = pair[i];
		data_same = sa->len == sb->len && (!sa->raw || !memcmp(sa->raw, sb->raw, sa->len));
		{
			/* Every field of the header, each side's entry located. */
			char *fa, *fb;
			if (stripped >= 0 && data_same && sa->sh.sh_size == sb->sh.sh_size &&
			    sa->sh.sh_type == sb->sh.sh_type &&
			    sa->sh.sh_flags == sb->sh.sh_flags &&
			    sa->sh.sh_addr == sb->sh.sh_addr && sa->sh.sh_link == sb->sh.sh_link &&
			    sa->sh.sh_info == sb->sh.sh_info &&
			    sa->sh.sh_addralign == sb->sh.sh_addralign &&
			    sa->sh.sh_entsize == sb->sh.sh_entsize) {
				/* Only its name offset or place changed: strip rewrote
				 * the section table. */
				moved_only += sa->sh.sh_name != sb->sh.sh_name ||
					      sa->sh.sh_offset != sb->sh.sh_offset;
				report_at(c, NULL, 0, elf_shdr_off(&a, sa->idx), a.eh.e_shentsize);
				report_at(c, NULL, 1, elf_shdr_off(&b, sb->idx), b.eh.e_shentsize);
				if (sa->raw)
					report_at(c, NULL, 0, sa->sh.sh_offset, sa->len);
				if (sb->raw)
					report_at(c, NULL, 1, sb->sh.sh_offset, sb->len);
			} else if (elf_shdr_fields(sa, sb, &fa, &fb)) {
				it = report_add(c, name, "section-header",
						is_attributes(sa) && !data_same ? HINT_COMPILER
										: HINT_CONTENT,
						xstrdup(sa->name), fa, fb);
				report_at(c, it, 0, elf_shdr_off(&a, sa->idx), a.eh.e_shentsize);
				report_at(c, it, 1, elf_shdr_off(&b, sb->idx), b.eh.e_shentsize);
				/* A section that moved is explained by its header, equal
				 * contents or not: the bytes around it are what is left. */
				if (sa->raw)
					report_at(c, NULL, 0, sa->sh.sh_offset, sa->len);
				if (sb->raw)
					report_at(c, NULL, 1, sb->sh.sh_offset, sb->len);
			}
		}
		if (data_same)
			continue;
		if (stripped >= 0 && !strcmp(sa->name, ".shstrtab")) {
			/* The removed sections' names went with them. */
			shstrtab_changed = 1;
			report_at(c, NULL, 0, sa->sh.sh_offset, sa->len);
			report_at(c, NULL, 1, sb->sh.sh_offset, sb->len);
			continue;
		}
		if (sa->raw && sb->raw)
			bytes_ranges(sa->raw, sb->raw, sa->len < sb->len ? sa->len : sb->len, NULL,
				     NULL, 0, &nbytes);
		idx = c->r->n_items;
		it = report_add(c, name, "section", HINT_CONTENT, xstrdup(sa->name),
				elf_sec_desc(sa), elf_sec_desc(sb));
		if (it)
			strv_pushf(&it->detail, "%zu bytes differ%s", nbytes,
				   sa->len != sb->len ? " (and the sizes differ)" : "");
		if (sa->raw)
			report_at(c, it, 0, sa->sh.sh_offset, sa->len);
		if (sb->raw)
			report_at(c, it, 1, sb->sh.sh_offset, sb->len);
		if (!it || !sa->raw || !sb->raw)
			continue;
		if (is_attributes(sa) &&
		    !diff_elf_attributes(c, name, sa->name, sa->raw, sa->len, sb->raw, sb->len)) {
			h = HINT_COMPILER;
		} else if (!strcmp(sa->name, ".comment") ||
			   !strcmp(sa->name, ".GCC.command.line")) {
			h = HINT_COMPILER;
			report_add(c, name, "comment", h, xstrdup(sa->name), join_strings(sa),
				   join_strings(sb));
		} else if (sa->sh.sh_type == SHT_NOTE && sb->sh.sh_type == SHT_NOTE) {
			char *na = note_list(a.elf, sa->idx), *nb = note_list(b.elf, sb->idx);
			report_add(c, name, "note", HINT_CONTENT,
				   xstrdup(strstr(na, "GNU/3:") ? "build-id" : sa->name), na, nb);
		} else if (!strcmp(sa->name, ".modinfo")) {
			diff_elf_modinfo(c, name, sa->raw, sa->len, sb->raw, sb->len, &h);
		} else if ((sa->sh.sh_flags & SHF_STRINGS) || sa->sh.sh_type == SHT_STRTAB) {
			/* String tables: which strings changed, not where. */
			diff_dwarf_strtab(c, name, sa->name, sa->raw, sa->len, sb->raw, sb->len,
					  &h);
			if (h == HINT_CONTENT && !strncmp(sa->name, ".debug_", 7))
				h = dwarf_hint;
		} else if (!strncmp(sa->name, ".debug_", 7) && !c->o->full) {
			h = dwarf_hint;
		} else if (root && (sa->sh.sh_flags & SHF_EXECINSTR) && sa->len == sb->len) {
			/* Code of the same size whose bytes differ after a layout
			 * shift: the references to what moved.  Counted, not
			 * listed. */
			size_t nr = bytes_ranges(sa->raw, sb->raw, sa->len, NULL, NULL, 0, &nbytes);
			struct diff_item *li =
				report_add(c, name, "layout-shift", HINT_CONTENT,
					   xasprintf("%s: references after %s", sa->name, root),
					   xasprintf("%zu ranges, %zu bytes differ", nr, nbytes),
					   NULL);
			if (li)
				strv_push(&li->detail,
					  "the section did not grow: addresses of what moved "
					  "(see --full for the ranges)");
			if (c->o->full)
				section_ranges(c, name, &a, sa, sb, 0, &nbytes);
		} else if (strcmp(sa->name, ".symtab") && strcmp(sa->name, ".strtab")) {
			h = section_ranges(c, name, &a, sa, sb,
					   layout && (sa->sh.sh_flags & SHF_EXECINSTR), &nbytes);
			if (h == HINT_CONTENT && !strncmp(sa->name, ".debug_", 7))
				h = dwarf_hint;
		}
		if (h != HINT_CONTENT)
			report_rehint(c, idx, h);
	}
	if (strip_it) {
		struct diff_item *it = &c->r->items[strip_idx];
		struct buf names = BUF_INIT;
		for (size_t i = 0; i < gone.n; i++)
			buf_addf(&names, "%s%s", i ? " " : "", gone.v[i]);
		strv_pushf(&it->detail, "only in %c: %s", "ab"[!stripped],
			   names.data ? names.data : "");
		strv_push(&it->detail, "symbols not compared: only one side has a symbol table");
		if (moved_only || shstrtab_changed)
			strv_pushf(&it->detail, "%d section headers only renumbered or moved%s",
				   moved_only,
				   shstrtab_changed ? ", .shstrtab without the removed names" : "");
		buf_release(&names);
	}
	ret = 0;
out:
	strv_release(&gone);
	free(root);
	free(pair);
	free(la);
	free(lb);
	elf_side_release(&a);
	elf_side_release(&b);
	return ret;
}
