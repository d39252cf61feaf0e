/* SPDX-License-Identifier: MIT */
/* The compiler identification of an object: the "GCC: ..." string its
 * .comment section holds, read with libelf; and the identities of the
 * objects a build root ships (its libraries' own compilers). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "toolchains/toolchain.h"

static int elf_ready(struct err *e)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set(e, "libelf: %s", elf_errmsg(-1));
	return 0;
}

/* The first "GCC: ..." string of elf's .comment, or NULL; caller frees. */
static char *elf_gcc_comment(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx) < 0)
		return NULL;
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

			if (n < d->d_size - off && !strncmp(s, "GCC: ", 5))
				return xstrndup(s, n);
			off += n + 1;
		}
	}
	return NULL;
}

int toolchain_read_comment(const char *path, char **out, struct err *e)
{
	int fd = -1, ret = -1;
	Elf *elf = NULL;

	*out = NULL;
	if (elf_ready(e) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s: cannot open", path);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err_set(e, "%s: not an ELF object", path);
		goto out;
	}
	*out = elf_gcc_comment(elf);
	if (*out)
		ret = 0;
	else
		err_set(e, "%s: no \"GCC: \" string in .comment", path);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

/* The identities found so far under one root: a process builds from one
 * root at a time (lockstep check reads it once, before its builds fork). */
static struct {
	char *root;
	struct strv ids;
} shipped;

/* Adds the identity of an object file, or of an archive's first member
 * that has one (a package's library is compiled by one compiler: reading
 * every member would multiply the cost by a thousand for nothing). */
static void shipped_add(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	Elf *top, *m;
	Elf_Cmd cmd = ELF_C_READ;
	char *id = NULL;

	if (fd < 0)
		return;
	top = elf_begin(fd, ELF_C_READ, NULL);
	if (top && elf_kind(top) == ELF_K_AR) {
		while (!id && (m = elf_begin(fd, cmd, top))) {
			id = elf_gcc_comment(m);
			cmd = elf_next(m);
			elf_end(m);
		}
	} else if (top) {
		id = elf_gcc_comment(top);
	}
	for (size_t i = 0; id && i < shipped.ids.n; i++)
		if (!strcmp(shipped.ids.v[i], id)) {
			free(id);
			id = NULL;
		}
	if (id)
		strv_take(&shipped.ids, id);
	if (top)
		elf_end(top);
	close(fd);
}

static int shipped_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode) && n > 2 &&
	    (!strcmp(path + n - 2, ".a") || !strcmp(path + n - 2, ".o")))
		shipped_add(path);
	return 0;
}

int toolchain_shipped_ids(const char *root, const struct strv **ids, struct err *e)
{
	char *lib;

	if (shipped.root && !strcmp(shipped.root, root)) {
		*ids = &shipped.ids;
		return 0;
	}
	if (elf_ready(e) < 0)
		return -1;
	free(shipped.root);
	strv_release(&shipped.ids);
	shipped.root = xstrdup(root);
	/* Libraries and start files live under usr/lib (merged /usr). */
	lib = xasprintf("%s/usr/lib", root);
	if (nftw(lib, shipped_visit, 16, FTW_PHYS) < 0 && errno != ENOENT) {
		err_sys(e, "%s: cannot walk", lib);
		free(lib);
		free(shipped.root);
		shipped.root = NULL;
		strv_release(&shipped.ids);
		return -1;
	}
	free(lib);
	*ids = &shipped.ids;
	return 0;
}
