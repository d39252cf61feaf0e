/* SPDX-License-Identifier: MIT */
/* The ELF header, the program header table and section header entries
 * compared field by field, each field located in the file (what the
 * section-by-section comparison in elf.c does not read). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "diff/elf.h"

/* An ELF header field: its name as reported and where it lies in each
 * class's header. */
struct efield {
	const char *name;
	unsigned char off32, len32, off64, len64;
};

#define EF(n, f) \
	{ \
		n, offsetof(Elf32_Ehdr, f), sizeof(((Elf32_Ehdr *)0)->f), offsetof(Elf64_Ehdr, f), \
			sizeof(((Elf64_Ehdr *)0)->f) \
	}
static const struct efield efields[] = {
	EF("type", e_type),         EF("machine", e_machine),     EF("version", e_version),
	EF("entry", e_entry),       EF("phoff", e_phoff),         EF("shoff", e_shoff),
	EF("flags", e_flags),       EF("ehsize", e_ehsize),       EF("phentsize", e_phentsize),
	EF("phnum", e_phnum),       EF("shentsize", e_shentsize), EF("shnum", e_shnum),
	EF("shstrndx", e_shstrndx),
};
#undef EF

/* The e_ident bytes by name; the padding after EI_ABIVERSION by index. */
static const char *ident_name(size_t i, char *buf, size_t n)
{
	static const char *const names[] = { "magic[0]",      "magic[1]", "magic[2]",
					     "magic[3]",      "class",    "data",
					     "ident version", "osabi",    "abiversion" };
	if (i < sizeof(names) / sizeof(names[0]))
		return names[i];
	snprintf(buf, n, "e_ident[%zu] (padding)", i);
	return buf;
}

/* The value of a field read from the image: libelf's GElf_Ehdr would hide
 * what the file stores (the counts it extends, say). */
static uint64_t load_field(const struct eside *s, size_t off, size_t len)
{
	const unsigned char *p = s->image + off;
	uint64_t v = 0;

	if (off + len > s->image_len)
		return 0;
	for (size_t i = 0; i < len; i++)
		v |= (uint64_t)p[s->eh.e_ident[EI_DATA] == ELFDATA2MSB ? len - 1 - i : i]
		     << (8 * i);
	return v;
}

static int is64(const struct eside *s)
{
	return s->eh.e_ident[EI_CLASS] == ELFCLASS64;
}

/* Every byte of the ELF header, the program header table and, by entry,
 * what differs in them: each reported with where it lies in the file. */
void elf_header_diff(struct diff_ctx *c, const char *name, const struct eside *a,
		     const struct eside *b)
{
	char buf[48];
	size_t na, nb;

	for (size_t i = 0; i < EI_NIDENT; i++)
		if (a->eh.e_ident[i] != b->eh.e_ident[i]) {
			struct diff_item *it = report_add(c, name, "elf-header", HINT_CONTENT,
							  xstrdup(ident_name(i, buf, sizeof(buf))),
							  xasprintf("0x%x", a->eh.e_ident[i]),
							  xasprintf("0x%x", b->eh.e_ident[i]));
			report_at(c, it, 0, i, 1);
			report_at(c, it, 1, i, 1);
		}
	for (size_t i = 0; i < sizeof(efields) / sizeof(efields[0]); i++) {
		const struct efield *f = &efields[i];
		size_t oa = is64(a) ? f->off64 : f->off32, la = is64(a) ? f->len64 : f->len32;
		size_t ob = is64(b) ? f->off64 : f->off32, lb = is64(b) ? f->len64 : f->len32;
		uint64_t va = load_field(a, oa, la), vb = load_field(b, ob, lb);
		if (va != vb ||
		    (oa == ob && la == lb && oa + la <= a->image_len && oa + la <= b->image_len &&
		     memcmp(a->image + oa, b->image + ob, la))) {
			struct diff_item *it =
				report_add(c, name, "elf-header", HINT_CONTENT, xstrdup(f->name),
					   xasprintf("0x%llx", (unsigned long long)va),
					   xasprintf("0x%llx", (unsigned long long)vb));
			report_at(c, it, 0, oa, la);
			report_at(c, it, 1, ob, lb);
		}
	}
	/* A table that moved is compared entry by entry (program headers
	 * below, section headers with their sections), not at its old
	 * offsets: the bytes where the other side's table lay are covered,
	 * and only the null section entry, which no section compares, is
	 * compared here. */
	if (a->eh.e_shoff != b->eh.e_shoff) {
		uint64_t sa = (uint64_t)a->shnum * a->eh.e_shentsize,
			 sb = (uint64_t)b->shnum * b->eh.e_shentsize;
		report_at(c, NULL, 0, a->eh.e_shoff, sa);
		report_at(c, NULL, 1, b->eh.e_shoff, sb);
		if (a->shnum && b->shnum && a->eh.e_shentsize == b->eh.e_shentsize &&
		    memcmp(a->image + a->eh.e_shoff, b->image + b->eh.e_shoff, a->eh.e_shentsize)) {
			struct diff_item *it = report_add(c, name, "section-header", HINT_CONTENT,
							  xstrdup("[0] (null)"), xstrdup("differs"),
							  xstrdup("differs"));
			report_at(c, it, 0, a->eh.e_shoff, a->eh.e_shentsize);
			report_at(c, it, 1, b->eh.e_shoff, b->eh.e_shentsize);
		}
	}
	if (a->eh.e_phoff != b->eh.e_phoff) {
		report_at(c, NULL, 0, a->eh.e_phoff, (uint64_t)a->phnum * a->eh.e_phentsize);
		report_at(c, NULL, 1, b->eh.e_phoff, (uint64_t)b->phnum * b->eh.e_phentsize);
	}
	na = a->phnum;
	nb = b->phnum;
	for (size_t i = 0; i < na || i < nb; i++) {
		GElf_Phdr p, q;
		int hp = i < na && gelf_getphdr(a->elf, (int)i, &p);
		int hq = i < nb && gelf_getphdr(b->elf, (int)i, &q);
		uint64_t pa = a->eh.e_phoff + (uint64_t)i * a->eh.e_phentsize;
		uint64_t pb = b->eh.e_phoff + (uint64_t)i * b->eh.e_phentsize;
		struct diff_item *it;
		if (hp && hq && !memcmp(&p, &q, sizeof(p)))
			continue;
#define PH(h) \
	xasprintf( \
		"type=0x%x off=0x%llx vaddr=0x%llx paddr=0x%llx filesz=0x%llx memsz=0x%llx flags=0x%x align=0x%llx", \
		(h).p_type, (unsigned long long)(h).p_offset, (unsigned long long)(h).p_vaddr, \
		(unsigned long long)(h).p_paddr, (unsigned long long)(h).p_filesz, \
		(unsigned long long)(h).p_memsz, (h).p_flags, (unsigned long long)(h).p_align)
		it = report_add(c, name, "program-header", HINT_CONTENT, xasprintf("phdr[%zu]", i),
				hp ? PH(p) : xstrdup("absent"), hq ? PH(q) : xstrdup("absent"));
#undef PH
		if (hp)
			report_at(c, it, 0, pa, a->eh.e_phentsize);
		if (hq)
			report_at(c, it, 1, pb, b->eh.e_phentsize);
	}
}

/* Where section idx's header lies in the file. */
uint64_t elf_shdr_off(const struct eside *s, size_t idx)
{
	return s->eh.e_shoff + (uint64_t)idx * s->eh.e_shentsize;
}

/* The section header fields that differ, as "sh_link=3" lists (a, b);
 * NULL when none does. */
int elf_shdr_fields(const struct esec *x, const struct esec *y, char **da, char **db)
{
	struct buf ba = BUF_INIT, bb = BUF_INIT;
	struct {
		const char *f;
		uint64_t va, vb;
	} fs[] = {
		{ "sh_name", x->sh.sh_name, y->sh.sh_name },
		{ "sh_type", x->sh.sh_type, y->sh.sh_type },
		{ "sh_flags", x->sh.sh_flags, y->sh.sh_flags },
		{ "sh_addr", x->sh.sh_addr, y->sh.sh_addr },
		{ "sh_offset", x->sh.sh_offset, y->sh.sh_offset },
		{ "sh_size", x->sh.sh_size, y->sh.sh_size },
		{ "sh_link", x->sh.sh_link, y->sh.sh_link },
		{ "sh_info", x->sh.sh_info, y->sh.sh_info },
		{ "sh_addralign", x->sh.sh_addralign, y->sh.sh_addralign },
		{ "sh_entsize", x->sh.sh_entsize, y->sh.sh_entsize },
	};
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if (fs[i].va != fs[i].vb) {
			buf_addf(&ba, "%s%s=0x%llx", ba.len ? " " : "", fs[i].f,
				 (unsigned long long)fs[i].va);
			buf_addf(&bb, "%s%s=0x%llx", bb.len ? " " : "", fs[i].f,
				 (unsigned long long)fs[i].vb);
		}
	*da = buf_take(&ba, NULL);
	*db = buf_take(&bb, NULL);
	if (**da)
		return 1;
	free(*da);
	free(*db);
	*da = *db = NULL;
	return 0;
}

char *elf_sec_desc(const struct esec *s)
{
	char hex[DIGEST_HEX_LEN + 1] = "-";

	if (s->raw)
		digest_buf(s->raw, s->len, hex);
	return xasprintf("type=%u flags=0x%llx addr=0x%llx size=0x%llx sha256=%.16s", s->sh.sh_type,
			 (unsigned long long)s->sh.sh_flags, (unsigned long long)s->sh.sh_addr,
			 (unsigned long long)s->sh.sh_size, hex);
}
