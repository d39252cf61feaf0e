/* SPDX-License-Identifier: MIT */
/* Making the build root of a pin: every package unpacked into one merged-
 * /usr tree, the alternatives links the maintainer scripts would have made,
 * every file checked against the pin, the tree made read-only and sealed.
 * The seal is what a build checks: cheap, and an edit since shows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "toolchains/internal.h"

/* Adds one line per entry below dir/rel, in name order, to d: its type and
 * mode, size and modification time, which any edit changes.  Not the inode
 * or change time: a copy (cp -a) or a hard link of the store keeps a valid
 * seal.  The seal catches accidents cheaply; `env verify --full` rehashes.
 * rel (length len, in a PATH_MAX buffer) is the directory fd is open on;
 * every build walks this, so it stays on descriptors, sorts with strcmp and
 * allocates only the names. */
static int seal_walk(struct digest_stream *d, int fd, char *rel, size_t len, struct err *e)
{
	DIR *dir = fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;

	if (!dir) {
		close(fd);
		return err_sys(e, "/%s: cannot read", rel);
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), strv_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]), sub = len ? len + 1 + nl : nl;
		struct stat st;
		char line[128];
		int k;
		if (sub >= PATH_MAX) {
			err_set(e, "/%s/%s: path too long", rel, names[i]);
			goto out;
		}
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			err_sys(e, "/%s/%s: cannot stat", rel, names[i]);
			goto out;
		}
		if (len)
			rel[len] = '/';
		memcpy(rel + (len ? len + 1 : 0), names[i], nl + 1);
		k = snprintf(line, sizeof(line), "%o %lld %lld.%09ld ", st.st_mode,
			     (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			     st.st_mtim.tv_nsec);
		digest_stream_add(d, line, (size_t)k);
		digest_stream_add(d, rel, sub + 1);
		if (S_ISDIR(st.st_mode)) {
			int cfd = openat(fd, names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				err_sys(e, "/%s: cannot open", rel);
				goto out;
			}
			if (seal_walk(d, cfd, rel, sub, e) < 0)
				goto out;
		}
		rel[len] = '\0';
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return ret;
}

static int seal_compute(const char *dir, char hex[DIGEST_HEX_LEN + 1], struct err *e)
{
	struct digest_stream *d = digest_stream_new();
	char rel[PATH_MAX] = "";
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		digest_stream_free(d);
		return err_sys(e, "%s: cannot open", dir);
	}
	if (seal_walk(d, fd, rel, 0, e) < 0) {
		digest_stream_free(d);
		return -1;
	}
	digest_stream_finish(d, hex);
	return 0;
}

int root_check_seal(const char *dir, struct err *e)
{
	char *path = xasprintf("%s.seal", dir), *text = NULL;
	char hex[DIGEST_HEX_LEN + 1];
	size_t len;
	int ret = -1;

	if (fs_read_file(path, 256, &text, &len, e) < 0)
		goto out;
	if (seal_compute(dir, hex, e) < 0)
		goto out;
	if (len < DIGEST_HEX_LEN || strncmp(text, hex, DIGEST_HEX_LEN)) {
		err_setk(
			e, ERR_NO,
			"%s: the build root changed since it was made and sealed (a file, a mode or "
			"an entry differs); run `lockstep env verify --full` to name it, or remove "
			"the root to make it again",
			dir);
		goto out;
	}
	ret = 0;
out:
	free(text);
	free(path);
	return ret;
}

/* Makes every entry below dir read-only (directories 0555, files without
 * write bits): the store is not to be written once made. */
static int make_read_only(const char *dir, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = -1;

	if (!d)
		return err_sys(e, "%s: cannot open", dir);
	while ((de = readdir(d))) {
		struct stat st;
		char *f;
		int r = 0;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		f = fs_join(dir, de->d_name);
		if (lstat(f, &st) < 0)
			r = err_sys(e, "%s: cannot stat", f);
		else if (S_ISDIR(st.st_mode))
			r = make_read_only(f, e);
		else if (S_ISREG(st.st_mode) && chmod(f, st.st_mode & 0555) < 0)
			r = err_sys(e, "%s: cannot make read-only", f);
		free(f);
		if (r < 0)
			goto out;
	}
	if (chmod(dir, 0555) < 0) {
		err_sys(e, "%s: cannot make read-only", dir);
		goto out;
	}
	ret = 0;
out:
	closedir(d);
	return ret;
}

/* What update-alternatives would have made: LINK -> /etc/alternatives/NAME
 * -> PATH.  The path must be in the root: a dangling alternative is what
 * this replaces. */
static int make_alternatives(const struct toolchain *t, const char *root, struct err *e)
{
	char *adir = fs_join(root, "etc/alternatives");
	int ret = -1;

	if (t->nalts && fs_mkdirs(adir, e) < 0)
		goto out;
	for (size_t i = 0; i < t->nalts; i++) {
		const struct pin_alternative *a = &t->alts[i];
		char *rel = pin_root_path(a->link + 1), *target = pin_root_path(a->path + 1);
		char *link = rel ? fs_join(root, rel) : NULL,
		     *dest = target ? fs_join(root, target) : NULL;
		char *via = xasprintf("/etc/alternatives/%s", a->name),
		     *entry = fs_join(adir, a->name);
		char *parent = link ? xstrdup(link) : NULL;
		struct stat st;
		int r = 0;
		if (!link || !dest || lstat(dest, &st) < 0)
			r = err_set(e, "%s: alternative \"%s\": \"%s\" is not in the root", t->path,
				    a->name, a->path);
		else if (lstat(link, &st) == 0)
			r = err_set(e,
				    "%s: alternative \"%s\": \"%s\" is already a file of a package",
				    t->path, a->name, a->link);
		if (r == 0) {
			*strrchr(parent, '/') = '\0';
			r = fs_mkdirs(parent, e);
		}
		if (r == 0 && (symlink(a->path, entry) < 0 || symlink(via, link) < 0))
			r = err_sys(e, "%s: alternative \"%s\": cannot link", t->path, a->name);
		free(rel);
		free(target);
		free(link);
		free(dest);
		free(via);
		free(entry);
		free(parent);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	free(adir);
	return ret;
}

/* Each package's cached .deb must be the pinned one before it is unpacked. */
static int check_debs(const struct toolchain *t, const char *home, struct err *e)
{
	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		char *deb = pin_deb_path(home, p), hex[DIGEST_HEX_LEN + 1];
		int r = 0;
		if (!fs_exists(deb))
			r = err_set(e, "%s: package \"%s\" %s: not fetched (no %s)", t->path,
				    p->name, p->version, deb);
		else if (digest_file(deb, hex, e) < 0)
			r = -1;
		else if (strcmp(hex, p->deb_sha256))
			r = err_setk(
				e, ERR_NO,
				"%s: package \"%s\" %s: %s: sha256 differs (pinned %s, found %s); "
				"remove it to fetch it again",
				t->path, p->name, p->version, deb, p->deb_sha256, hex);
		free(deb);
		if (r < 0)
			return -1;
	}
	return 0;
}

int root_make(const struct toolchain *t, const char *home, const char *dest, struct err *e)
{
	char *staging = NULL, *seal = xasprintf("%s.seal", dest);
	char hex[DIGEST_HEX_LEN + 1];
	int ret = -1;

	if (check_debs(t, home, e) < 0)
		goto out;
	staging = fs_make_staging(dest, e);
	if (!staging)
		goto out;
	for (size_t i = 0; i < t->npkgs; i++) {
		char *deb = pin_deb_path(home, &t->pkgs[i]);
		int r = deb_extract(deb, staging, e);
		free(deb);
		if (r < 0) {
			err_wrap(e, "%s: package \"%s\"", t->path, t->pkgs[i].name);
			goto out;
		}
	}
	if (make_alternatives(t, staging, e) < 0 || pin_verify_root(t, staging, e) < 0)
		goto out;
	/* mkdtemp made it 0700; the root is readable like /usr is. */
	if (make_read_only(staging, e) < 0 || chmod(staging, 0555) < 0 ||
	    seal_compute(staging, hex, e) < 0)
		goto out;
	/* The seal first: a root without one is never used, and a rename does
	 * not change what the seal covers (the entries below the top). */
	if (fs_write_atomic(seal, hex, strlen(hex), 0444, e) < 0)
		goto out;
	if (rename(staging, dest) < 0) {
		err_sys(e, "%s: cannot move into place", dest);
		goto out;
	}
	cleanup_remove_path(staging);
	free(staging);
	staging = NULL;
	ret = 0;
out:
	if (staging) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
	}
	free(staging);
	free(seal);
	return ret;
}
