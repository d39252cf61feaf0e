/* SPDX-License-Identifier: MIT */
/* One side of an ELF comparison read with libelf: the header, the section
 * table checked against the image, the symbols sorted by address and the
 * names of addresses ("main+0x24"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "diff/elf.h"

int diff_elf_is(const struct diff_blob *b)
{
	return b->len >= 4 && !memcmp(b->p, ELFMAG, SELFMAG);
}

void elf_side_release(struct eside *s)
{
	free(s->secs);
	free(s->syms);
	if (s->elf)
		elf_end(s->elf);
	memset(s, 0, sizeof(*s));
}

static int cmp_sym_addr(const void *x, const void *y)
{
	const struct esym *a = x, *b = y;
	if (a->shndx != b->shndx)
		return a->shndx < b->shndx ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void side_symbols(struct eside *s)
{
	size_t cap = 0, tab = 0;

	for (size_t i = 1; i < s->shnum; i++)
		if (s->secs[i].sh.sh_type == SHT_SYMTAB)
			tab = i;
	for (size_t i = 1; i < s->shnum && !tab; i++)
		if (s->secs[i].sh.sh_type == SHT_DYNSYM)
			tab = i;
	if (!tab)
		return;
	{
		Elf_Data *d = elf_getdata(elf_getscn(s->elf, tab), NULL);
		size_t n = d && s->secs[tab].sh.sh_entsize
				   ? s->secs[tab].sh.sh_size / s->secs[tab].sh.sh_entsize
				   : 0;
		for (size_t i = 1; d && i < n; i++) {
			GElf_Sym sym;
			const char *nm;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			if (GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
			    GELF_ST_TYPE(sym.st_info) == STT_FILE)
				continue;
			nm = elf_strptr(s->elf, s->secs[tab].sh.sh_link, sym.st_name);
			if (!nm || !*nm || !strncmp(nm, ".L", 2) || nm[0] == '$')
				continue;
			if (s->nsyms == cap)
				s->syms = xrealloc(s->syms,
						   (cap = cap ? 2 * cap : 256) * sizeof(*s->syms));
			s->syms[s->nsyms++] = (struct esym){ nm, sym.st_value, sym.st_size,
							     sym.st_shndx,
							     GELF_ST_TYPE(sym.st_info) };
		}
	}
	if (s->nsyms)
		qsort(s->syms, s->nsyms, sizeof(*s->syms), cmp_sym_addr);
}

int elf_side_open(struct eside *s, const char *name, struct diff_blob *b, struct err *e)
{
	size_t shstr;

	memset(s, 0, sizeof(*s));
	s->image = b->p;
	s->image_len = b->len;
	s->elf = elf_memory((char *)b->p, b->len);
	if (!s->elf || elf_kind(s->elf) != ELF_K_ELF || !gelf_getehdr(s->elf, &s->eh)) {
		int en = elf_errno();

		/* libelf has nothing to say about a file shorter than its own
		 * header: say that instead of "no error". */
		return err_set(e, "\"%s\": not a valid ELF file: %s", name,
			       en ? elf_errmsg(en) : "too short or not ELF");
	}
	if (elf_getshdrnum(s->elf, &s->shnum) < 0 || elf_getshdrstrndx(s->elf, &shstr) < 0 ||
	    elf_getphdrnum(s->elf, &s->phnum) < 0)
		return err_set(e, "\"%s\": corrupt or truncated ELF: %s", name, elf_errmsg(-1));
	if (s->eh.e_shoff + (uint64_t)s->shnum * s->eh.e_shentsize > b->len)
		return err_set(e, "\"%s\": truncated ELF: the section table ends past the file",
			       name);
	s->secs = xcalloc(s->shnum ? s->shnum : 1, sizeof(*s->secs));
	for (size_t i = 1; i < s->shnum; i++) {
		struct esec *x = &s->secs[i];
		Elf_Scn *scn = elf_getscn(s->elf, i);
		if (!scn || !gelf_getshdr(scn, &x->sh))
			return err_set(e, "\"%s\": corrupt section header %zu: %s", name, i,
				       elf_errmsg(-1));
		x->idx = i;
		x->name = elf_strptr(s->elf, shstr, x->sh.sh_name);
		if (!x->name)
			return err_set(e, "\"%s\": section %zu has a bad name offset", name, i);
		if (x->sh.sh_type == SHT_NOBITS)
			continue;
		if (x->sh.sh_offset > b->len || x->sh.sh_size > b->len - x->sh.sh_offset)
			return err_set(e,
				       "\"%s\": section \"%s\" extends past the end of the file "
				       "(truncated ELF?)",
				       name, x->name);
		x->raw = b->p + x->sh.sh_offset;
		x->len = x->sh.sh_size;
	}
	side_symbols(s);
	return 0;
}

/* "main+0x24" for the address in section shndx; "+0x24" after the section
 * name when no symbol covers it. */
char *elf_sym_at(const struct eside *s, size_t shndx, uint64_t addr, const char *secname,
		 uint64_t secoff)
{
	size_t lo = 0, hi = s->nsyms;
	const struct esym *best = NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct esym *m = &s->syms[mid];
		if (m->shndx < shndx || (m->shndx == shndx && m->value <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The last symbol at or below addr in this section, preferring one
	 * that covers addr by its size. */
	for (size_t i = lo; i-- > 0 && s->syms[i].shndx == shndx;) {
		const struct esym *m = &s->syms[i];
		if (addr < m->value + (m->size ? m->size : 1) || (!best && !m->size)) {
			best = m;
			if (m->size)
				break;
		} else if (!best) {
			break;
		}
	}
	if (best)
		return xasprintf("%s+0x%llx", best->name, (unsigned long long)(addr - best->value));
	return xasprintf("%s+0x%llx", secname, (unsigned long long)secoff);
}

char *diff_elf_section_at(struct diff_blob *b, uint64_t off)
{
	struct eside s;
	struct err e = ERR_INIT;
	char *name = NULL;

	elf_version(EV_CURRENT);
	if (elf_side_open(&s, "", b, &e) < 0)
		goto out;
	for (size_t i = 1; i < s.shnum && !name; i++)
		if (s.secs[i].raw && off >= s.secs[i].sh.sh_offset &&
		    off - s.secs[i].sh.sh_offset < s.secs[i].len)
			name = xstrdup(s.secs[i].name);
	if (!name && off < s.eh.e_ehsize)
		name = xstrdup("(ELF header)");
	if (!name && off >= s.eh.e_shoff &&
	    off < s.eh.e_shoff + (uint64_t)s.shnum * s.eh.e_shentsize)
		name = xstrdup("(section headers)");
	if (!name && off >= s.eh.e_phoff &&
	    off < s.eh.e_phoff + (uint64_t)s.phnum * s.eh.e_phentsize)
		name = xstrdup("(program headers)");
out:
	elf_side_release(&s);
	return name;
}

struct diff_elfsyms {
	char *image; /* owned: the file's bytes */
	struct diff_blob blob;
	struct eside s;
};

int diff_elfsyms_open(const char *path, struct diff_elfsyms **out, struct err *e)
{
	struct diff_elfsyms *x = xcalloc(1, sizeof(*x));
	size_t len = 0;

	*out = NULL;
	/* A firmware's ELF, read whole: its symbol names point into it. */
	if (fs_read_file(path, (size_t)1 << 30, &x->image, &len, e) < 0) {
		free(x);
		return -1;
	}
	x->blob.p = (unsigned char *)x->image;
	x->blob.len = len;
	elf_version(EV_CURRENT);
	if (!diff_elf_is(&x->blob)) {
		err_set(e,
			"\"%s\": not an ELF file (--symbols wants the ELF the image was made from)",
			path);
		diff_elfsyms_free(x);
		return -1;
	}
	if (elf_side_open(&x->s, path, &x->blob, e) < 0) {
		diff_elfsyms_free(x);
		return -1;
	}
	*out = x;
	return 0;
}

char *diff_elfsyms_name(const struct diff_elfsyms *x, uint64_t addr)
{
	/* The allocated section whose addresses hold addr, then the symbol
	 * in it (objcopy writes a section at its load address, which is its
	 * address for the firmware images that carry no separate LMA). */
	for (size_t i = 1; x && i < x->s.shnum; i++) {
		const struct esec *sec = &x->s.secs[i];
		if ((sec->sh.sh_flags & SHF_ALLOC) && sec->sh.sh_size && addr >= sec->sh.sh_addr &&
		    addr - sec->sh.sh_addr < sec->sh.sh_size)
			return elf_sym_at(&x->s, i, addr, sec->name, addr - sec->sh.sh_addr);
	}
	return NULL;
}

void diff_elfsyms_free(struct diff_elfsyms *x)
{
	if (!x)
		return;
	elf_side_release(&x->s);
	free(x->image);
	free(x);
}
