// SPDX-License-Identifier: MIT
/* ELF inspection with libelf (identity, .comment, build-id note, bounds of
 * every header and section) and libdw through libdwfl (DW_AT_producer of
 * each compile unit; libdwfl because it applies the relocations that
 * relocatable objects need before their string offsets mean anything). */
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>

#include "builder/elfinfo.h"
#include "core/alloc.h"
#include "core/fs.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#define ELFINFO_MAX_UNITS 1000000

int elfinfo_is_elf(const char *path)
{
	unsigned char magic[SELFMAG];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, magic, SELFMAG);
	close(fd);
	return n == SELFMAG && memcmp(magic, ELFMAG, SELFMAG) == 0;
}

static const char *elfinfo_machine(unsigned m)
{
	switch (m) {
	case EM_RISCV:
		return "RISC-V";
	case EM_X86_64:
		return "x86-64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "AArch64";
	case EM_ARM:
		return "ARM";
	default:
		return NULL;
	}
}

static const char *elfinfo_type(unsigned t)
{
	switch (t) {
	case ET_REL:
		return "REL";
	case ET_EXEC:
		return "EXEC";
	case ET_DYN:
		return "DYN";
	case ET_CORE:
		return "CORE";
	default:
		return "NONE";
	}
}

/* Appends s to the string array arr unless it is already there; returns 1
 * when it was added. */
static int elfinfo_add_unique(cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) if (strcmp(it->valuestring, s) == 0) return 0;
	cJSON_AddItemToArray(arr, cJSON_CreateString(s));
	return 1;
}

/* .comment is a run of NUL-terminated strings; an unterminated tail counts
 * as one more string.  Empty strings (padding) are skipped. */
static void elfinfo_add_comments(cJSON *arr, const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = strnlen(p + i, len - i);
		if (n) {
			char *s = xstrndup(p + i, n);
			elfinfo_add_unique(arr, s);
			free(s);
		}
		i += n + 1;
	}
}

static char *elfinfo_hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* The GNU build-id in a note section's data, as hex; NULL if none. */
static char *elfinfo_build_id(Elf_Data *d)
{
	size_t off = 0, name_off, desc_off, next;
	GElf_Nhdr nh;

	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == sizeof(ELF_NOTE_GNU) &&
		    memcmp((const char *)d->d_buf + name_off, ELF_NOTE_GNU, sizeof(ELF_NOTE_GNU)) ==
			    0 &&
		    nh.n_descsz > 0)
			return elfinfo_hex((const unsigned char *)d->d_buf + desc_off, nh.n_descsz);
		off = next;
	}
	return NULL;
}

/* Bounds every table and section against the file: libelf quietly treats
 * section headers past the end as "no sections", which would make a
 * truncated artifact look clean. */
static int elfinfo_check_bounds(Elf *elf, const GElf_Ehdr *eh, size_t len, const char *path,
				struct err *e)
{
	size_t shnum, phnum;

	if (elf_getshdrnum(elf, &shnum) < 0 || elf_getphdrnum(elf, &phnum) < 0)
		return err_set(e, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	if (eh->e_phoff > len || (uint64_t)phnum * eh->e_phentsize > len - eh->e_phoff)
		return err_set(e,
			       "%s: truncated ELF: program headers end beyond the file (%zu bytes)",
			       path, len);
	if (shnum && (eh->e_shoff > len || (uint64_t)shnum * eh->e_shentsize > len - eh->e_shoff))
		return err_set(e,
			       "%s: truncated ELF: section headers end beyond the file (%zu bytes)",
			       path, len);
	if (!shnum && eh->e_shoff)
		return err_set(e, "%s: truncated or malformed ELF: unreadable section headers",
			       path);
	return 0;
}

/* Walks the sections: .comment strings, the build-id, whether DWARF is
 * there, and that each section's bytes lie inside the file. */
static int elfinfo_scan_sections(Elf *elf, size_t len, const char *path, cJSON *comments,
				 char **build_id, int *has_dwarf, struct err *e)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return err_set(e, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			return err_set(e, "%s: malformed ELF: %s", path, elf_errmsg(-1));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			return err_set(e, "%s: malformed ELF: section %zu has no name", path,
				       elf_ndxscn(scn));
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return err_set(
				e,
				"%s: truncated ELF: section \"%s\" ends beyond the file (%zu bytes)",
				path, name, len);
		if (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0)
			*has_dwarf = 1;
		if (strcmp(name, ".comment") != 0 && sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			return err_set(e, "%s: malformed ELF: section \"%s\": %s", path, name,
				       elf_errmsg(-1));
		if (!d->d_buf || !d->d_size)
			continue;
		if (strcmp(name, ".comment") == 0)
			elfinfo_add_comments(comments, d->d_buf, d->d_size);
		else if (!*build_id)
			*build_id = elfinfo_build_id(d);
	}
	return 0;
}

/* The main file is all there is: never look for separate debug files named
 * by an artifact's .gnu_debuglink. */
static int elfinfo_no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				Dwarf_Addr base, const char *file_name, const char *debuglink_file,
				GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	return -1;
}

static const Dwfl_Callbacks elfinfo_callbacks = {
	.find_debuginfo = elfinfo_no_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* Adds each distinct DW_AT_producer of the compile units of the image
 * (buf, len) to producers.  buf may be modified (relocations applied). */
static int elfinfo_read_producers(char *buf, size_t len, const char *path, cJSON *producers,
				  struct err *e)
{
	Dwfl *dwfl = dwfl_begin(&elfinfo_callbacks);
	cJSON *seen = cJSON_CreateArray();
	Dwfl_Module *mod;
	Dwarf *dw;
	Dwarf_Addr bias;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	int rc = -1, r, units = 0;

	if (!dwfl) {
		err_set(e, "%s: cannot start libdwfl: %s", path, dwfl_errmsg(-1));
		goto out;
	}
	mod = dwfl_report_offline_memory(dwfl, path, path, buf, len);
	if (!mod || dwfl_report_end(dwfl, NULL, NULL) != 0) {
		err_set(e, "%s: malformed ELF: %s", path, dwfl_errmsg(-1));
		goto out;
	}
	dw = dwfl_module_getdwarf(mod, &bias);
	if (!dw) {
		err_set(e, "%s: malformed DWARF: %s", path, dwfl_errmsg(-1));
		goto out;
	}
	while ((r = dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL)) == 0) {
		Dwarf_Attribute attr;
		const char *p;

		if (++units > ELFINFO_MAX_UNITS) {
			err_set(e, "%s: more than %d DWARF units", path, ELFINFO_MAX_UNITS);
			goto out;
		}
		if (!dwarf_attr(&cudie, DW_AT_producer, &attr))
			continue;
		p = dwarf_formstring(&attr);
		if (!p) {
			err_set(e, "%s: malformed DWARF: DW_AT_producer: %s", path,
				dwarf_errmsg(-1));
			goto out;
		}
		if (elfinfo_add_unique(seen, p))
			cJSON_AddItemToArray(producers, elfinfo_parse_producer(p));
	}
	if (r < 0) {
		err_set(e, "%s: malformed DWARF: %s", path, dwarf_errmsg(-1));
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(seen);
	if (dwfl)
		dwfl_end(dwfl);
	return rc;
}

/* The next " -X" (a space, a dash, something) at or after p: where the
 * next option starts; NULL at the end. */
static const char *elfinfo_next_option(const char *p)
{
	for (const char *q = strstr(p, " -"); q; q = strstr(q + 1, " -"))
		if (q[2] && q[2] != ' ')
			return q;
	return NULL;
}

cJSON *elfinfo_parse_producer(const char *producer)
{
	cJSON *o = cJSON_CreateObject(), *flags = cJSON_CreateArray();
	const char *opt = elfinfo_next_option(producer);
	char *s;

	json_add_str(o, "producer", producer);
	s = opt ? xstrndup(producer, (size_t)(opt - producer)) : xstrdup(producer);
	json_add_str(o, "compiler", s);
	free(s);
	/* An option runs to the next option: a separate argument such as
	 * "-include x.h" stays with its option. */
	while (opt) {
		const char *start = opt + 1, *next = elfinfo_next_option(start);
		size_t n = next ? (size_t)(next - start) : strlen(start);

		while (n && start[n - 1] == ' ')
			n--;
		s = xstrndup(start, n);
		cJSON_AddItemToArray(flags, cJSON_CreateString(s));
		free(s);
		opt = next;
	}
	cJSON_AddItemToObject(o, "flags", flags);
	return o;
}

int elfinfo_read(const char *path, cJSON **out, struct err *e)
{
	char *buf = NULL, *build_id = NULL;
	size_t len = 0;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	cJSON *o = NULL, *comments = cJSON_CreateArray(), *producers = cJSON_CreateArray();
	const char *machine;
	int rc = -1, has_dwarf = 0;

	*out = NULL;
	if (fs_read_file(path, ELFINFO_MAX_FILE, &buf, &len, e) < 0)
		goto out;
	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		err_set(e, "%s: not an ELF file", path);
		goto out;
	}
	elf_version(EV_CURRENT);
	elf = elf_memory(buf, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err_set(e, "%s: truncated or malformed ELF: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (elfinfo_check_bounds(elf, &eh, len, path, e) < 0 ||
	    elfinfo_scan_sections(elf, len, path, comments, &build_id, &has_dwarf, e) < 0)
		goto out;

	o = cJSON_CreateObject();
	json_add_str(o, "class", gelf_getclass(elf) == ELFCLASS64 ? "ELF64" : "ELF32");
	json_add_str(o, "data", eh.e_ident[EI_DATA] == ELFDATA2MSB ? "big" : "little");
	machine = elfinfo_machine(eh.e_machine);
	if (machine) {
		json_add_str(o, "machine", machine);
	} else {
		char *m = xasprintf("EM_%u", (unsigned)eh.e_machine);
		json_add_str(o, "machine", m);
		free(m);
	}
	json_add_str(o, "type", elfinfo_type(eh.e_type));
	elf_end(elf);
	elf = NULL;

	/* libdwfl opens its own view of the image and may relocate it in place:
	 * everything libelf needed from buf has been read by now. */
	if (has_dwarf && elfinfo_read_producers(buf, len, path, producers, e) < 0)
		goto out;
	cJSON_AddItemToObject(o, "comment", comments);
	comments = NULL;
	cJSON_AddItemToObject(o, "producers", producers);
	producers = NULL;
	if (build_id)
		json_add_str(o, "build_id", build_id);
	else
		cJSON_AddNullToObject(o, "build_id");
	*out = o;
	o = NULL;
	rc = 0;
out:
	if (elf)
		elf_end(elf);
	cJSON_Delete(o);
	cJSON_Delete(comments);
	cJSON_Delete(producers);
	free(build_id);
	free(buf);
	return rc;
}

int elfinfo_check_compiler(const cJSON *info, const char *expected_id, const char *path,
			   struct err *e)
{
	return elfinfo_check_compilers(info, expected_id, NULL, 0, path, e);
}

int elfinfo_check_compilers(const cJSON *info, const char *expected_id, const char *const *also,
			    size_t nalso, const char *path, struct err *e)
{
	const cJSON *comments = cJSON_GetObjectItemCaseSensitive(info, "comment"), *it;

	if (!cJSON_IsArray(comments))
		return err_set(e, "%s: no ELF information to check", path);
	cJSON_ArrayForEach(it, comments)
	{
		int ok = cJSON_IsString(it) && !strcmp(it->valuestring, expected_id);

		for (size_t i = 0; !ok && cJSON_IsString(it) && i < nalso; i++)
			ok = !strcmp(it->valuestring, also[i]);
		if (!ok)
			return err_setk(e, ERR_NO,
					"%s: built by a foreign compiler: \"%s\" (expected \"%s\")",
					path, cJSON_IsString(it) ? it->valuestring : "?",
					expected_id);
	}
	return 0;
}
