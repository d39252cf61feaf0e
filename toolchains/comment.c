/* SPDX-License-Identifier: MIT */
/* The compiler identification of an object: the "GCC: ..." string its
 * .comment section holds, read with libelf. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "toolchains/toolchain.h"

static int elf_ready(struct err *e)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set(e, "libelf: %s", elf_errmsg(-1));
	return 0;
}

int toolchain_read_comment(const char *path, char **out, struct err *e)
{
	int fd = -1, ret = -1;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	*out = NULL;
	if (elf_ready(e) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s: cannot open", path);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx) < 0) {
		err_set(e, "%s: not an ELF object", path);
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".comment") || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		for (size_t off = 0; off < d->d_size;) {
			const char *s = (const char *)d->d_buf + off;
			size_t n = strnlen(s, d->d_size - off);
			if (n < d->d_size - off && !strncmp(s, "GCC: ", 5)) {
				*out = xstrndup(s, n);
				ret = 0;
				goto out;
			}
			off += n + 1;
		}
	}
	err_set(e, "%s: no \"GCC: \" string in .comment", path);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}
