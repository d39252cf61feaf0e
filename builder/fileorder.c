/* SPDX-License-Identifier: MIT */
/* The file-order variation (see fileorder.h): probing how the tmpfs lists
 * a directory, and recreating a tree there in the order that reverses it. */
#include "builder/fileorder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"

/* The names in dirfd's directory in readdir order, "." and ".." left out. */
static int list_dir(int dirfd, struct strv *names, const char *path, struct err *e)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "%s: cannot list", path);
	}
	rewinddir(d);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push(names, de->d_name);
	}
	if (errno) {
		err_sys(e, "%s: cannot list", path);
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

int fileorder_probe(int *newest_first, struct err *e)
{
	static const char *const names[] = { "a", "b", "c" };
	char *dir = xstrdup(FILEORDER_DIR "/lockstep-order-probe-XXXXXX");
	struct strv got = STRV_INIT;
	struct statfs sf;
	int fd = -1, ret = -1;

	if (statfs(FILEORDER_DIR, &sf) < 0 || sf.f_type != TMPFS_MAGIC) {
		err_set(e, "%s: not a tmpfs", FILEORDER_DIR);
		goto out_nodir;
	}
	if (!mkdtemp(dir)) {
		err_sys(e, "%s: cannot create a directory", FILEORDER_DIR);
		goto out_nodir;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, "%s: cannot open", dir);
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		int f = openat(fd, names[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (f < 0) {
			err_sys(e, "%s: cannot create \"%s\"", dir, names[i]);
			goto out;
		}
		close(f);
	}
	if (list_dir(fd, &got, dir, e) < 0)
		goto out;
	if (got.n == 3 && !strcmp(got.v[0], "a") && !strcmp(got.v[2], "c"))
		*newest_first = 0, ret = 0;
	else if (got.n == 3 && !strcmp(got.v[0], "c") && !strcmp(got.v[2], "a"))
		*newest_first = 1, ret = 0;
	else
		err_set(e, "%s: directory listing follows neither creation order nor its reverse",
			FILEORDER_DIR);
out:
	if (fd >= 0)
		close(fd);
	fs_remove_tree(dir, NULL);
out_nodir:
	strv_release(&got);
	free(dir);
	return ret;
}

static int copy_entry(int sfd, int dfd, const char *name, int newest_first, const char *path,
		      struct err *e);

/* Copies the directory sfd into the empty directory dfd, creating its
 * entries in the order that makes dfd list them reversed. */
static int copy_dir(int sfd, int dfd, int newest_first, const char *path, struct err *e)
{
	struct strv names = STRV_INIT;
	int ret = -1;

	if (list_dir(sfd, &names, path, e) < 0)
		goto out;
	/* newest first: create in the reference order, the listing reverses
	 * it; creation order: create from the last entry back. */
	for (size_t k = 0; k < names.n; k++) {
		size_t i = newest_first ? k : names.n - 1 - k;
		char *sub = fs_join(path, names.v[i]);
		int r = copy_entry(sfd, dfd, names.v[i], newest_first, sub, e);

		free(sub);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	strv_release(&names);
	return ret;
}

static int copy_file(int sfd, int dfd, const char *name, const struct stat *st, const char *path,
		     struct err *e)
{
	int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out = in < 0 ? -1 : openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char chunk[65536];
	ssize_t n = 0;
	int ret = -1;

	if (in < 0 || out < 0) {
		err_sys(e, "%s: cannot copy", path);
		goto out;
	}
	while ((n = read(in, chunk, sizeof chunk)) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0 || fchmod(out, st->st_mode & 07777) < 0) {
		err_sys(e, "%s: cannot copy", path);
		goto out;
	}
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

static int copy_entry(int sfd, int dfd, const char *name, int newest_first, const char *path,
		      struct err *e)
{
	struct stat st;
	int s = -1, d = -1, ret = -1;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "%s: cannot stat", path);
	if (S_ISREG(st.st_mode)) {
		if (copy_file(sfd, dfd, name, &st, path, e) < 0)
			return -1;
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);

		if (n < 0)
			return err_sys(e, "%s: cannot read the link", path);
		target[n] = 0;
		if (symlinkat(target, dfd, name) < 0)
			return err_sys(e, "%s: cannot create the link", path);
	} else if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dfd, name, 0700) < 0)
			return err_sys(e, "%s: cannot create", path);
		s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0) {
			err_sys(e, "%s: cannot open", path);
			goto out;
		}
		if (copy_dir(s, d, newest_first, path, e) < 0)
			goto out;
		if (fchmod(d, st.st_mode & 07777) < 0) {
			err_sys(e, "%s: cannot set the mode", path);
			goto out;
		}
	} else {
		return err_set(e, "%s: not a regular file, directory or symlink", path);
	}
	/* Times last, after the directory's contents stopped changing it:
	 * make compares them, and the extraction clamped them. */
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0) {
			err_sys(e, "%s: cannot set the times", path);
			goto out;
		}
	}
	ret = 0;
out:
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return ret;
}

int fileorder_copy(const char *from, const char *to, struct err *e)
{
	int newest_first = 0, s = -1, d = -1, ret = -1;

	if (fileorder_probe(&newest_first, e) < 0)
		return -1;
	s = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || d < 0) {
		err_sys(e, "%s: cannot open", s < 0 ? from : to);
		goto out;
	}
	ret = copy_dir(s, d, newest_first, from, e);
out:
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return ret;
}
