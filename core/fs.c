/* SPDX-License-Identifier: MIT */
/* File and directory helpers shared by every capability. */
#include "core/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	while (len) {
		ssize_t n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What goes into the temporary file: a buffer, or another file's bytes. */
struct fill {
	const void *p;
	size_t len;
	int from;     /* >= 0: copy this descriptor from its offset 0 */
	uint64_t max; /* the copy's cap (0: none) */
	const char *what;
};

/* Copies f->from into fd, keeping holes (SEEK_DATA/SEEK_HOLE), in the
 * kernel where it can (copy_file_range), never holding the file in memory.
 * -1 with e set (errno-style message) on failure. */
static int fill_copy(int fd, const struct fill *f, const char *path, struct err *e)
{
	struct stat st;
	off_t off = 0, end;

	if (fstat(f->from, &st) < 0)
		return err_sys(e, "%s: stat", f->what);
	if (f->max && (uint64_t)st.st_size > f->max)
		return err_set(e, "%s: %lld bytes, more than the %llu-byte limit", f->what,
			       (long long)st.st_size, (unsigned long long)f->max);
	if (ftruncate(fd, st.st_size) < 0)
		return err_sys(e, "%s: cannot write", path);
	while (off < st.st_size) {
		off_t data = lseek(f->from, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left: ftruncate made it */
		if (data < 0)
			data = off; /* no SEEK_DATA here: copy everything */
		end = lseek(f->from, data, SEEK_HOLE);
		if (end < 0 || end > st.st_size)
			end = st.st_size;
		for (off = data; off < end;) {
			off_t in = off, out = off;
			ssize_t n = copy_file_range(f->from, &in, fd, &out, (size_t)(end - off), 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				      errno == EOPNOTSUPP)) {
				char chunk[65536];
				size_t want = (size_t)(end - off) < sizeof(chunk)
						      ? (size_t)(end - off)
						      : sizeof(chunk);
				n = pread(f->from, chunk, want, off);
				if (n > 0 && pwrite(fd, chunk, (size_t)n, off) != n)
					n = -1;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_sys(e, "%s: cannot copy to %s", f->what, path);
			if (n == 0)
				return err_set(e, "%s: shrank while it was copied", f->what);
			off += n;
		}
	}
	return 0;
}

/* Writes the fill to a fresh temporary file next to path (mode, fsync'd)
 * and puts it in place: rename(2) replaces, link(2) refuses an existing
 * name.  The temporary name never survives, whatever happens. */
static int into_place(const char *path, const struct fill *f, mode_t mode, int exclusive,
		      struct err *e)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = -1, ret = -1, made = 0;

	fd = mkstemp(tmp);
	if (fd < 0) {
		err_sys(e, "%s: cannot create", path);
		goto out;
	}
	made = 1;
	cleanup_add_path(tmp);
	if (fchmod(fd, mode) < 0) {
		err_sys(e, "%s: cannot write", path);
		goto out;
	}
	if (f->from >= 0 ? fill_copy(fd, f, path, e) < 0 : write_all(fd, f->p, f->len) < 0) {
		if (f->from < 0)
			err_sys(e, "%s: cannot write", path);
		goto out;
	}
	if (fsync(fd) < 0) {
		err_sys(e, "%s: cannot write", path);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, "%s: cannot write", path);
		goto out;
	}
	fd = -1;
	if ((exclusive ? link(tmp, path) : rename(tmp, path)) < 0) {
		if (exclusive && errno == EEXIST)
			err_set(e, "%s: already exists, refusing to overwrite", path);
		else
			err_sys(e, "%s: cannot move into place", path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	/* After rename the name is gone already; after link it is a second
	 * name for the file; after a failure it is the only one. */
	if (made) {
		unlink(tmp);
		cleanup_remove_path(tmp);
	}
	free(tmp);
	return ret;
}

static int write_into_place(const char *path, const void *p, size_t len, mode_t mode, int exclusive,
			    struct err *e)
{
	struct fill f = { .p = p, .len = len, .from = -1 };
	return into_place(path, &f, mode, exclusive, e);
}

int fs_copy_fd_atomic(int from, const char *what, const char *to, mode_t mode, uint64_t max,
		      struct err *e)
{
	struct fill f = { .from = from, .max = max, .what = what };
	return into_place(to, &f, mode, 0, e);
}

int fs_write_atomic(const char *path, const void *p, size_t len, mode_t mode, struct err *e)
{
	return write_into_place(path, p, len, mode, 0, e);
}

int fs_write_new(const char *path, const void *p, size_t len, mode_t mode, struct err *e)
{
	return write_into_place(path, p, len, mode, 1, e);
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	struct stat st;
	int fd, ret = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s: cannot open", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file", path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "%s: read", path);
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			err_set(e, "%s: larger than the %zu-byte limit", path, max);
			goto out;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	*out = buf_take(&b, len);
	ret = 0;
out:
	buf_release(&b);
	close(fd);
	return ret;
}

int fs_mkdirs(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				ret = err_sys(e, "%s: cannot create directory", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

static int remove_at(int parent, const char *name, dev_t dev, struct err *e)
{
	struct stat st;
	DIR *d;
	int fd;
	struct dirent *de;
	int ret = 0;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "%s: stat", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return err_sys(e, "%s: cannot remove", name);
		return 0;
	}
	if (st.st_dev != dev)
		return err_set(e, "%s: refusing to remove across filesystems", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* A directory we may not read (mode 0): make it ours first. */
		(void)!fchmodat(parent, name, 0700, 0); /* the open below says why not */
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, "%s: cannot open", name);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, "%s: cannot open", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_at(dirfd(d), de->d_name, dev, e) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	if (ret == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		/* A read-only directory needs write permission to empty. */
		ret = err_sys(e, "%s: cannot remove", name);
	}
	return ret;
}

int fs_remove_tree(const char *path, struct err *e)
{
	struct stat st;

	if (!path)
		return 0;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "%s: stat", path);
	/* Make directories writable on the way down so we can empty them. */
	if (S_ISDIR(st.st_mode))
		chmod(path, 0700);
	return remove_at(AT_FDCWD, path, st.st_dev, e);
}

int fs_copy_file(const char *from, const char *to, struct err *e)
{
	struct stat st;
	int fd = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), ret;

	if (fd < 0)
		return err_sys(e, "%s: cannot open", from);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "%s: not a regular file", from);
	}
	ret = fs_copy_fd_atomic(fd, from, to, st.st_mode & 07777, 0, e);
	close(fd);
	return ret;
}

int fs_copy_tree(const char *from, const char *to, struct err *e)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *de;
	int ret = -1;

	if (lstat(from, &st) < 0)
		return err_sys(e, "%s: stat", from);
	if (S_ISREG(st.st_mode))
		return fs_copy_file(from, to, e);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(from, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(e, "%s: readlink", from);
		target[n] = '\0';
		if (symlink(target, to) < 0)
			return err_sys(e, "%s: cannot create symlink", to);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "%s: not a regular file, directory or symlink", from);
	if (mkdir(to, 0755) < 0 && errno != EEXIST)
		return err_sys(e, "%s: cannot create directory", to);
	d = opendir(from);
	if (!d)
		return err_sys(e, "%s: cannot open", from);
	while ((de = readdir(d))) {
		char *a, *b;
		int r;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		a = fs_join(from, de->d_name);
		b = fs_join(to, de->d_name);
		r = fs_copy_tree(a, b, e);
		free(a);
		free(b);
		if (r < 0)
			goto out;
	}
	chmod(to, st.st_mode & 07777);
	ret = 0;
out:
	closedir(d);
	return ret;
}

char *fs_make_staging(const char *near, struct err *e)
{
	char *copy = xstrdup(near), *copy2 = xstrdup(near);
	char *dir = dirname(copy), *base = basename(copy2);
	char *tmpl = xasprintf("%s/.%s.lockstep-XXXXXX", dir, base);

	/* `-o out/fw` where out/ does not exist yet: make the parents, as a
	 * user expects; only the staging directory itself is temporary. */
	if (fs_mkdirs(dir, e) < 0) {
		free(copy);
		free(copy2);
		free(tmpl);
		return NULL;
	}
	free(copy);
	free(copy2);
	if (!mkdtemp(tmpl)) {
		err_sys(e, "%s: cannot create a staging directory", tmpl);
		free(tmpl);
		return NULL;
	}
	/* mkdtemp makes it 0700; published results are for everyone to read. */
	chmod(tmpl, 0755);
	cleanup_add_path(tmpl);
	return tmpl;
}

int fs_publish_dir(const char *staging, const char *dir, struct err *e)
{
	DIR *d;
	struct dirent *de;
	int ret = -1;

	/* An absent or empty DIR is replaced whole: one rename, all or nothing. */
	if (rename(staging, dir) == 0) {
		cleanup_remove_path(staging);
		return 0;
	}
	if (fs_mkdirs(dir, e) < 0)
		return -1;
	d = opendir(staging);
	if (!d)
		return err_sys(e, "%s: cannot open", staging);
	while ((de = readdir(d))) {
		char *a, *b;
		int r;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		a = fs_join(staging, de->d_name);
		b = fs_join(dir, de->d_name);
		r = rename(a, b);
		if (r < 0 && (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST)) {
			fs_remove_tree(b, NULL);
			r = rename(a, b);
		}
		if (r < 0)
			err_sys(e, "%s: cannot move into place", b);
		free(a);
		free(b);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	closedir(d);
	if (ret == 0) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
	}
	return ret;
}

char *fs_join(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n && a[n - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

int fs_rel_path_ok(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		if (!end)
			break;
		s = end + 1;
	}
	return 1;
}

char *fs_realpath(const char *p, struct err *e)
{
	char *r = realpath(p, NULL);
	if (!r)
		err_sys(e, "%s", p);
	return r;
}

int fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

char *fs_beside_exe(const char *const *rels)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	for (; *rels; rels++) {
		p = xasprintf("%s/%s", exe, *rels);
		if (fs_exists(p))
			return p;
		free(p);
	}
	return NULL;
}
