/* SPDX-License-Identifier: MIT */
/* Deterministic tar writing: a directory tree (source archives) or an
 * explicit list of files (release bundles), sorted, clamped and normalized
 * so that the bytes depend only on names, contents, symlink targets,
 * execute bits and SOURCE_DATE_EPOCH. */
#include "archive/archive_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"

struct item {
	char *name; /* owned: the name in the archive */
	char *path; /* owned: the host file; NULL for an implied directory */
	int implied;
};

struct items {
	struct item *v; /* owned */
	size_t n, cap;
};

static void items_push(struct items *it, char *name, char *path, int implied)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? 2 * it->cap : 64;
		it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
	}
	it->v[it->n].name = name;
	it->v[it->n].path = path;
	it->v[it->n].implied = implied;
	it->n++;
}

static void items_release(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].name);
		free(it->v[i].path);
	}
	free(it->v);
	it->v = NULL;
	it->n = it->cap = 0;
}

/* Byte-wise by name; an explicit member before an implied directory of the
 * same name, so deduplication keeps the explicit one. */
static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->implied - y->implied;
}

/* Whether the entry rel (relative to the tree's top) is excluded: a
 * pattern matches the whole relative path, or, without a '/', any one
 * component of it; a pattern ending in '/' only matches directories. */
static int excluded(const char *const *exclude, const char *rel, int is_dir)
{
	const char *base = strrchr(rel, '/');

	base = base ? base + 1 : rel;
	for (; exclude && *exclude; exclude++) {
		size_t n = strlen(*exclude);
		char *pat = xstrdup(*exclude);
		int hit;

		if (n && pat[n - 1] == '/') {
			pat[n - 1] = '\0';
			if (!is_dir) {
				free(pat);
				continue;
			}
		}
		/* Parents are tested on the way down, so the last component is
		 * the only one left to try for a pattern without '/'. */
		hit = !fnmatch(pat, rel, FNM_PATHNAME) ||
		      (!strchr(pat, '/') && !fnmatch(pat, base, 0));
		free(pat);
		if (hit)
			return 1;
	}
	return 0;
}

/* Collects every entry below host (named prefix/... in the archive, rel/...
 * relative to the top of the tree) that no exclude pattern names. */
static int walk(const char *host, const char *prefix, const char *rel, const char *const *exclude,
		struct items *it, struct err *e)
{
	DIR *d = opendir(host);
	struct dirent *de;
	int ret = -1;

	if (!d)
		return err_sys(e, "%s: cannot open directory", host);
	while ((de = readdir(d))) {
		struct stat st;
		char *path, *name, *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (it->n >= ARCHIVE_MAX_MEMBERS) {
			err_set(e, "%s: more than %d entries", host, ARCHIVE_MAX_MEMBERS);
			goto out;
		}
		path = fs_join(host, de->d_name);
		if (lstat(path, &st) < 0) {
			err_sys(e, "%s: stat", path);
			free(path);
			goto out;
		}
		sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (excluded(exclude, sub, S_ISDIR(st.st_mode))) {
			free(sub);
			free(path);
			continue;
		}
		name = *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		items_push(it, name, path, 0);
		if (S_ISDIR(st.st_mode)) {
			int r = walk(path, name, sub, exclude, it, e);

			free(sub);
			if (r < 0)
				goto out;
			continue;
		}
		free(sub);
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			err_set(e, "%s: not a regular file, directory or symlink", path);
			goto out;
		}
	}
	ret = 0;
out:
	closedir(d);
	return ret;
}

/* Adds one item: the host file is opened once and its type and size come
 * from that descriptor, so what we stat is what we copy. */
static int add_item(struct archive_wr *w, const struct item *item, int64_t sde, struct err *e)
{
	struct archive_entry *en = NULL;
	struct stat st;
	char target[ARCHIVE_MAX_NAME + 1];
	int fd = -1, ret = -1;

	if (!item->path) {
		en = archive_norm_entry(item->name, AE_IFDIR, 0755, 0, sde, sde, NULL);
		ret = archive_wr_add(w, en, -1, 0, item->name, e);
		goto out;
	}
	if (lstat(item->path, &st) < 0) {
		err_sys(e, "%s: stat", item->path);
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(item->path, target, sizeof(target));
		if (n < 0 || n == (ssize_t)sizeof(target)) {
			err_sys(e, "%s: cannot read the link", item->path);
			goto out;
		}
		target[n] = '\0';
		en = archive_norm_entry(item->name, AE_IFLNK, 0777, 0, st.st_mtime, sde, target);
	} else if (S_ISDIR(st.st_mode)) {
		en = archive_norm_entry(item->name, AE_IFDIR, 0755, 0, st.st_mtime, sde, NULL);
	} else if (S_ISREG(st.st_mode)) {
		fd = open(item->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			err_sys(e, "%s: cannot open", item->path);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			err_set(e, "%s: changed while being archived", item->path);
			goto out;
		}
		en = archive_norm_entry(item->name, AE_IFREG, st.st_mode & 07777, st.st_size,
					st.st_mtime, sde, NULL);
	} else {
		err_set(e, "%s: not a regular file, directory or symlink", item->path);
		goto out;
	}
	ret = archive_wr_add(w, en, fd, 0, item->path, e);
out:
	if (en)
		archive_entry_free(en);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Sorts, drops implied directories that are also listed explicitly, refuses
 * duplicates and a file that also has members below it, writes. */
static int write_items(struct items *it, const char *out_path, const char *compress, int64_t sde,
		       struct err *e)
{
	struct archive_wr w = ARCHIVE_WR_INIT;
	int filter[1];
	size_t nf, last = SIZE_MAX;
	int ret = -1;

	if (sde < 0)
		return err_set(e, "%s: SOURCE_DATE_EPOCH %lld is negative", out_path,
			       (long long)sde);
	if (archive_compress_parse(compress, filter, &nf, e) < 0)
		return err_wrap(e, "%s", out_path);
	qsort(it->v, it->n, sizeof(*it->v), item_cmp);
	if (archive_wr_open(&w, out_path, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, filter, nf, e) < 0)
		goto out;
	for (size_t i = 0; i < it->n; i++) {
		const struct item *cur = &it->v[i];
		if (last != SIZE_MAX && !strcmp(it->v[last].name, cur->name)) {
			if (cur->implied)
				continue;
			err_set(e, "%s: member \"%s\": listed twice", out_path, cur->name);
			goto out;
		}
		last = i;
		if (add_item(&w, cur, sde, e) < 0)
			goto out;
	}
	if (archive_wr_finish(&w, 0644, e) < 0 || archive_wr_publish(&w, e) < 0)
		goto out;
	ret = 0;
out:
	archive_wr_release(&w);
	return ret;
}

int archive_write_tree(const char *dir, const char *top, const char *out_path, const char *compress,
		       int64_t sde, struct err *e)
{
	return archive_write_tree_excluding(dir, top, NULL, out_path, compress, sde, e);
}

int archive_write_tree_excluding(const char *dir, const char *top, const char *const *exclude,
				 const char *out_path, const char *compress, int64_t sde,
				 struct err *e)
{
	struct items it = { NULL, 0, 0 };
	struct stat st;
	int filter[1], ret = -1;
	size_t nf;

	if (!top)
		top = "";
	if (*top && (strchr(top, '/') || !strcmp(top, ".") || !strcmp(top, "..")))
		return err_set(e, "%s: top directory \"%s\" is not one path component", out_path,
			       top);
	if (archive_compress_parse(compress, filter, &nf, e) < 0)
		return err_wrap(e, "%s", out_path);
	if (stat(dir, &st) < 0)
		return err_sys(e, "%s: stat", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "%s: not a directory", dir);
	if (*top)
		items_push(&it, xstrdup(top), xstrdup(dir), 0);
	if (walk(dir, top, "", exclude, &it, e) < 0)
		goto out;
	ret = write_items(&it, out_path, compress, sde, e);
out:
	items_release(&it);
	return ret;
}

/* Clean relative names only: no empty, "." or ".." component, no leading
 * or trailing slash, so the member name is exactly what extraction gives. */
static int name_clean(const char *name)
{
	const char *s = name;

	if (!*name || strlen(name) > ARCHIVE_MAX_NAME)
		return 0;
	for (;;) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		if (!end)
			return 1;
		s = end + 1;
	}
}

int archive_write_files(const struct archive_entry_spec *files, size_t n, const char *out_path,
			const char *compress, int64_t sde, struct err *e)
{
	struct items it = { NULL, 0, 0 };
	int ret = -1;

	if (n > ARCHIVE_MAX_MEMBERS)
		return err_set(e, "%s: more than %d members", out_path, ARCHIVE_MAX_MEMBERS);
	for (size_t i = 0; i < n; i++) {
		const char *name = files[i].name;
		if (!name_clean(name)) {
			err_set(e, "%s: member \"%s\": not a clean relative name", out_path, name);
			goto out;
		}
		items_push(&it, xstrdup(name), xstrdup(files[i].path), 0);
		for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/'))
			items_push(&it, xstrndup(name, (size_t)(s - name)), NULL, 1);
	}
	/* A regular file or symlink that is also a parent of another member
	 * would make the archive unextractable: every parent has an implied
	 * entry, sorted right after an explicit one of the same name. */
	qsort(it.v, it.n, sizeof(*it.v), item_cmp);
	for (size_t i = 0; i + 1 < it.n; i++) {
		struct stat st;
		if (it.v[i].implied || !it.v[i + 1].implied ||
		    strcmp(it.v[i].name, it.v[i + 1].name))
			continue;
		if (lstat(it.v[i].path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			err_set(e, "%s: member \"%s\": not a directory but has members below it",
				out_path, it.v[i].name);
			goto out;
		}
	}
	ret = write_items(&it, out_path, compress, sde, e);
out:
	items_release(&it);
	return ret;
}
