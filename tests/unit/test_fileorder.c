/* SPDX-License-Identifier: MIT */
/* The file-order variation's tree copy: on the tmpfs every directory lists
 * its entries in the reverse of the source's order; contents, modes, times
 * and symlinks survive; the probe agrees with what the tmpfs then does. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/fileorder.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "tests/unit/harness.h"

/* The names in dir in readdir order, "." and ".." left out, as "a b c". */
static char *listing(const char *dir)
{
	struct buf b = BUF_INIT;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			buf_addf(&b, "%s%s", b.len ? " " : "", de->d_name);
	closedir(d);
	return buf_take(&b, NULL);
}

/* s with its space-separated words in reverse order. */
static char *reversed(const char *s)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(s);

	while (n) {
		size_t k = n;

		while (k && s[k - 1] != ' ')
			k--;
		buf_addf(&b, "%s%.*s", b.len ? " " : "", (int)(n - k), s + k);
		n = k ? k - 1 : 0;
	}
	return buf_take(&b, NULL);
}

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = fs_join(dir, name);

	fs_write_atomic(p, text, strlen(text), mode, NULL);
	free(p);
}

TEST(copy_lists_every_directory_reversed)
{
	char src[] = "/tmp/lockstep-unit-src-XXXXXX";
	char dst[] = FILEORDER_DIR "/lockstep-unit-dst-XXXXXX";
	static const char *const names[] = { "main.c",   "alpha.c", "zeta.c",  "beta.c",
					     "Makefile", "gamma.c", "delta.c", NULL };
	struct err e = ERR_INIT;
	struct timespec ts[2] = { { 1768176000, 0 }, { 1768176000, 0 } };
	struct stat st;
	char *sub = NULL, *a = NULL, *b = NULL, *r = NULL, *p = NULL, *text = NULL;
	char target[64];
	size_t len = 0;
	ssize_t n;
	int newest = -1;

	CHECK(fileorder_probe(&newest, &e) == 0);
	CHECK(newest == 0 || newest == 1);
	CHECK(mkdtemp(src) && mkdtemp(dst));
	for (size_t i = 0; names[i]; i++)
		put(src, names[i], names[i], i == 4 ? 0755 : 0644);
	sub = fs_join(src, "lib");
	CHECK(mkdir(sub, 0750) == 0);
	put(sub, "x.c", "x", 0600);
	put(sub, "w.c", "w", 0644);
	CHECK(symlink("x.c", (p = fs_join(sub, "y.c"))) == 0);
	free(p);
	CHECK(utimensat(AT_FDCWD, sub, ts, 0) == 0);

	CHECK(fileorder_copy(src, dst, &e) == 0);
	/* Top level and the subdirectory: exactly reversed. */
	a = listing(src), b = listing(dst), r = reversed(a);
	CHECK(a && strchr(a, ' '));
	CHECK_STR(b, r);
	free(a), free(b), free(r);
	a = listing(sub);
	free(sub);
	sub = fs_join(dst, "lib");
	b = listing(sub), r = reversed(a);
	CHECK_STR(b, r);
	/* Contents, modes, times and links kept. */
	p = fs_join(dst, "Makefile");
	CHECK(fs_read_file(p, 100, &text, &len, &e) == 0);
	CHECK_STR(text, "Makefile");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0755);
	free(p);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 07777) == 0750 && st.st_mtime == 1768176000);
	p = fs_join(sub, "y.c");
	n = readlink(p, target, sizeof target - 1);
	CHECK(n == 3 && !memcmp(target, "x.c", 3));
	free(p);
	p = fs_join(sub, "x.c");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600);
	free(p);

	free(a), free(b), free(r), free(sub), free(text);
	fs_remove_tree(src, NULL);
	fs_remove_tree(dst, NULL);
}

TEST(copy_refuses_a_missing_source)
{
	char dst[] = FILEORDER_DIR "/lockstep-unit-dst-XXXXXX";
	struct err e = ERR_INIT;

	CHECK(mkdtemp(dst) != NULL);
	CHECK(fileorder_copy("/nonexistent/lockstep-src", dst, &e) < 0);
	CHECK_CONTAINS(e.msg, "/nonexistent/lockstep-src");
	fs_remove_tree(dst, NULL);
}

TEST_MAIN(T(copy_lists_every_directory_reversed), T(copy_refuses_a_missing_source))
