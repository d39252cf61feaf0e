/* SPDX-License-Identifier: MIT */
/* What the ELF files of diff/ share: one side of a comparison opened with
 * libelf (elfread.c), its header and section table compared field by field
 * (elfhead.c); diff_elf itself is in elf.c.  Not for use outside diff/. */
#ifndef DIFF_ELF_H
#define DIFF_ELF_H

#include <gelf.h>
#include <libelf.h>

#include "diff/internal.h"

struct esym {
	const char *name;
	uint64_t value, size;
	size_t shndx;
	int type;
};

struct esec {
	const char *name;
	size_t idx;
	GElf_Shdr sh;
	const unsigned char *raw; /* NULL for NOBITS */
	size_t len;
};

struct eside {
	const unsigned char *image; /* borrowed: the file's bytes */
	size_t image_len;
	Elf *elf;
	GElf_Ehdr eh;
	size_t shnum, phnum;
	struct esec *secs; /* owned, [0] unused */
	struct esym *syms; /* owned, sorted by (shndx, value) */
	size_t nsyms;
};

/* elfread.c */
/* Opens image b (borrowed; it must outlive s) as an ELF file named name in
 * errors: headers, sections bounds-checked, symbols sorted by address. */
int elf_side_open(struct eside *s, const char *name, struct diff_blob *b, struct err *e);
void elf_side_release(struct eside *s);
/* "main+0x24" for the address in section shndx; "+0x24" after the section
 * name when no symbol covers it.  Caller frees. */
char *elf_sym_at(const struct eside *s, size_t shndx, uint64_t addr, const char *secname,
		 uint64_t secoff);

/* elfhead.c */
/* Every byte of the ELF header and the program header table that differs,
 * by field and by entry, each located in the file. */
void elf_header_diff(struct diff_ctx *c, const char *name, const struct eside *a,
		     const struct eside *b);
/* Where section idx's header lies in the file. */
uint64_t elf_shdr_off(const struct eside *s, size_t idx);
/* The section header fields that differ, as "sh_link=3" lists (*da, *db,
 * caller frees); 0 (both NULL) when none does. */
int elf_shdr_fields(const struct esec *x, const struct esec *y, char **da, char **db);
/* A section summarized: type, flags, address, size, sha256 prefix. */
char *elf_sec_desc(const struct esec *s);

#endif
