/* SPDX-License-Identifier: MIT */
/* What the toolchain takes from the host rather than from its pin: the
 * shared libraries its own executables load (libmpfr, libisl, libc...), read
 * from DT_NEEDED with libelf and traced to their Debian packages, so the
 * provenance names them.  Also the .comment reader for compiler ids. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/run.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_TRIPLET "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_TRIPLET "aarch64-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_MACHINE EM_RISCV
#define HOST_TRIPLET "riscv64-linux-gnu"
#else
#error "unknown host architecture: add its ELF machine and Debian triplet"
#endif

/* Where the host's dynamic loader finds system libraries (Debian's
 * ld.so.conf order, /usr first because /lib is a link to it). */
static const char *const lib_dirs[] = { "/usr/lib/" HOST_TRIPLET, "/lib/" HOST_TRIPLET,
					"/usr/lib64", "/lib64", "/usr/lib", "/lib", NULL };

static int elf_ready(struct err *e)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set(e, "libelf: %s", elf_errmsg(-1));
	return 0;
}

int pin_read_comment(const char *path, char **out, struct err *e)
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

/* Appends the DT_NEEDED names of the host-architecture ELF file at path to
 * needed; anything else (not ELF, another machine) is skipped. */
static void needed_of(const char *path, struct strv *needed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (fd < 0)
		return;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    eh.e_machine != HOST_MACHINE)
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *s;
			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (s && !strchr(s, '/'))
				strv_push(needed, s);
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
}

static int strv_has(const struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return 1;
	return 0;
}

/* 1 when the pin itself provides abs (under its /usr or its /lib name). */
static int pinned(const struct toolchain *t, const char *abs)
{
	const char *alias = !strncmp(abs, "/usr/", 5) ? abs + 5 : NULL;
	int hit = 0;

	for (size_t i = 0; i < t->npkgs && !hit; i++)
		hit = pin_find_file(&t->pkgs[i], abs + 1) || (alias && pin_find_file(&t->pkgs[i], alias));
	return hit;
}

/* dpkg's owner of path (trying the /lib ↔ /usr/lib alias too), as a
 * resource descriptor; NULL with e set when no package owns it. */
static cJSON *describe(const char *path, struct err *e)
{
	char *alias = !strncmp(path, "/usr/lib/", 9) ? xasprintf("%s", path + 4)
						     : xasprintf("/usr%s", path);
	const char *tries[] = { path, alias };
	char *out = NULL, *pkg = NULL, *version = NULL, *arch = NULL, *real = NULL, *u;
	char hex[DIGEST_HEX_LEN + 1];
	cJSON *o = NULL;

	for (int i = 0; i < 2 && !out; i++) {
		char *argv[] = { "dpkg-query", "-S", (char *)tries[i], NULL };
		struct err ignored = ERR_INIT;
		if (run_capture(argv, NULL, &out, &ignored) < 0) {
			free(out);
			out = NULL;
		}
	}
	if (!out || !strstr(out, ": ")) {
		err_set(e, "%s: no Debian package owns it", path);
		goto out;
	}
	*strstr(out, ": ") = '\0';
	/* "libmpfr6:amd64" → the package (the arch comes from dpkg-query -W). */
	pkg = xstrdup(out);
	if (strchr(pkg, ','))
		*strchr(pkg, ',') = '\0';
	if (pin_installed(pkg, &version, &arch, e) < 0)
		goto out;
	if (strchr(pkg, ':'))
		*strchr(pkg, ':') = '\0';
	real = fs_realpath(path, e);
	if (!real || digest_file(real, hex, e) < 0)
		goto out;
	o = cJSON_CreateObject();
	json_add_str(o, "name", path);
	u = pin_purl(pkg, version, arch);
	json_add_str(o, "uri", u);
	free(u);
	json_add_sha256(o, hex);
out:
	free(alias);
	free(out);
	free(pkg);
	free(version);
	free(arch);
	free(real);
	return o;
}

static int cmp_names(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(cJSON_GetObjectItem(x, "name")->valuestring,
		      cJSON_GetObjectItem(y, "name")->valuestring);
}

static cJSON *host_libs_scan(const struct toolchain *t, struct err *e)
{
	struct strv needed = STRV_INIT, done = STRV_INIT, found = STRV_INIT;
	cJSON *arr = NULL, **v = NULL;
	size_t n = 0;

	if (elf_ready(e) < 0)
		return NULL;
	for (size_t i = 0; i < t->npkgs; i++)
		for (size_t j = 0; j < t->pkgs[i].nfiles; j++)
			if (!t->pkgs[i].files[j].symlink) {
				char *p = xasprintf("/%s", t->pkgs[i].files[j].path);
				needed_of(p, &needed);
				free(p);
			}
	/* needed grows while we walk it: each library's own needs join. */
	for (size_t k = 0; k < needed.n; k++) {
		const char *lib = needed.v[k];
		char *path = NULL;
		if (strv_has(&done, lib))
			continue;
		strv_push(&done, lib);
		for (const char *const *d = lib_dirs; *d && !path; d++) {
			char *p = xasprintf("%s/%s", *d, lib);
			if (fs_exists(p))
				path = p;
			else
				free(p);
		}
		if (!path) {
			err_set(e, "%s: library \"%s\" needed by the toolchain: not found on the host",
				t->path, lib);
			goto out;
		}
		needed_of(path, &needed);
		if (!pinned(t, path))
			strv_push(&found, path);
		free(path);
	}
	v = xcalloc(found.n ? found.n : 1, sizeof(*v));
	for (size_t k = 0; k < found.n; k++) {
		v[n] = describe(found.v[k], e);
		if (!v[n])
			goto out;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_names);
	arr = cJSON_CreateArray();
	for (size_t k = 0; k < n; k++)
		cJSON_AddItemToArray(arr, v[k]);
	n = 0;
out:
	for (size_t k = 0; k < n; k++)
		cJSON_Delete(v[k]);
	free(v);
	strv_release(&needed);
	strv_release(&done);
	strv_release(&found);
	return arr;
}

/* Scanning every toolchain ELF file and asking dpkg about each library takes
 * many seconds, and its answer only changes when dpkg's database does: keep
 * it per toolchain digest, valid while it is newer than dpkg's status file. */
cJSON *toolchain_host_libs(const struct toolchain *t, struct err *e)
{
	char *home = toolchain_home(NULL), *dir = NULL, *cache = NULL;
	struct stat cst, dst;
	cJSON *arr = NULL;

	if (home) {
		dir = fs_join(home, "hostlibs");
		cache = xasprintf("%s/%s.json", dir, toolchain_digest(t));
		if (stat(cache, &cst) == 0 && stat("/var/lib/dpkg/status", &dst) == 0 &&
		    cst.st_mtime > dst.st_mtime && json_parse_file(cache, &arr, NULL) == 0 &&
		    cJSON_IsArray(arr))
			goto out;
		cJSON_Delete(arr);
		arr = NULL;
	}
	arr = host_libs_scan(t, e);
	if (arr && cache && fs_mkdirs(dir, NULL) == 0)
		json_write_file(cache, arr, NULL); /* a cache that cannot be written is only slower */
out:
	free(home);
	free(dir);
	free(cache);
	return arr;
}
