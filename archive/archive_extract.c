/* SPDX-License-Identifier: MIT */
/* Safe extraction of archives we did not make (source archives, bundles
 * under audit): the whole archive is checked before one byte is written,
 * then libarchive's secure extraction writes into a staging directory that
 * is moved into place only when everything succeeded. */
#include "archive/archive_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"

#define MAX_LINK_HOPS 40 /* as the kernel's ELOOP limit */

static const int EXTRACT_FLAGS = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
				 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM |
				 ARCHIVE_EXTRACT_TIME;

struct seen {
	char *name; /* owned, canonical */
	char *link; /* owned: symlink target, canonical hard link target, or NULL */
	mode_t type;
	int hard;
	size_t idx;
};

struct seen_list {
	struct seen *v; /* owned */
	size_t n, cap;
};

static void seen_release(struct seen_list *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].link);
	}
	free(s->v);
}

/* The name without "." and empty components ("./a//b/" → "a/b"; "." → "");
 * NULL when absolute or holding "..". */
static char *canonical(const char *name)
{
	struct buf b = BUF_INIT;
	const char *s = name;

	if (*name == '/' || !fs_rel_path_ok(name))
		return NULL;
	while (*s) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n && !(n == 1 && *s == '.')) {
			if (b.len)
				buf_add(&b, "/", 1);
			buf_add(&b, s, n);
		}
		s = end ? end + 1 : s + n;
	}
	return buf_take(&b, NULL);
}

static int seen_cmp(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The first entry named name in the sorted list, or NULL. */
static const struct seen *seen_first(const struct seen_list *s, const char *name)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && !strcmp(s->v[lo].name, name) ? &s->v[lo] : NULL;
}

static const char *symlink_at(const struct seen_list *s, const char *name)
{
	for (const struct seen *f = seen_first(s, name);
	     f && f < s->v + s->n && !strcmp(f->name, name); f++)
		if (f->type == AE_IFLNK)
			return f->link;
	return NULL;
}

/* 1 when the symlink `name` with target `target`, followed through every
 * symlink of the archive, stays inside the destination. */
static int link_stays_inside(const struct seen_list *s, const char *name, const char *target)
{
	const char *slash = strrchr(name, '/');
	char *cur = xstrndup(name, slash ? (size_t)(slash - name) : 0);
	char *rest = xstrdup(target);
	int hops = 0, inside = 0;

	while (*rest) {
		const char *end = strchr(rest, '/'), *t;
		size_t n = end ? (size_t)(end - rest) : strlen(rest);
		char *comp, *next, *tail;
		if (*rest == '/')
			goto out; /* absolute */
		comp = xstrndup(rest, n);
		tail = xstrdup(end ? end + 1 : "");
		free(rest);
		rest = tail;
		if (!*comp || !strcmp(comp, ".")) {
			free(comp);
			continue;
		}
		if (!strcmp(comp, "..")) {
			char *up = strrchr(cur, '/');
			free(comp);
			if (!*cur)
				goto out;
			if (up)
				*up = '\0';
			else
				*cur = '\0';
			continue;
		}
		next = *cur ? xasprintf("%s/%s", cur, comp) : xstrdup(comp);
		free(comp);
		if ((t = symlink_at(s, next))) {
			free(next);
			if (++hops > MAX_LINK_HOPS)
				goto out;
			tail = *rest ? xasprintf("%s/%s", t, rest) : xstrdup(t);
			free(rest);
			rest = tail;
			continue;
		}
		free(cur);
		cur = next;
	}
	inside = 1;
out:
	free(cur);
	free(rest);
	return inside;
}

static int is_ar_table(struct archive_rd *r, const char *name)
{
	return (archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR &&
	       (!strcmp(name, "/") || !strcmp(name, "//") || !strcmp(name, "/SYM64/"));
}

/* Pass one: headers only.  Every refusal names the archive and the member. */
static int check_all(const char *path, int formats, struct err *e)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct seen_list s = { NULL, 0, 0 };
	struct archive_entry *en;
	const char *name;
	int rc, ret = -1;

	if (archive_rd_open(&r, path, formats, e) < 0)
		goto out;
	while ((rc = archive_rd_next(&r, &en, &name, e)) == 1) {
		mode_t type = archive_entry_filetype(en);
		const char *hl = archive_entry_hardlink(en);
		struct seen *x;
		if (is_ar_table(&r, name))
			continue;
		if (archive_entry_is_encrypted(en)) {
			err_set(e, "%s: member \"%s\": encrypted", path, name);
			goto out;
		}
		if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
			err_set(e,
				"%s: member \"%s\": device nodes, FIFOs and sockets are not "
				"extracted",
				path, name);
			goto out;
		}
		if (s.n == s.cap) {
			s.cap = s.cap ? 2 * s.cap : 64;
			s.v = xrealloc(s.v, s.cap * sizeof(*s.v));
		}
		x = &s.v[s.n];
		memset(x, 0, sizeof(*x));
		x->idx = s.n;
		x->type = type;
		x->name = canonical(name);
		if (!x->name) {
			err_set(e, "%s: member \"%s\": path escapes the destination", path, name);
			goto out;
		}
		s.n++;
		if (hl) {
			x->hard = 1;
			x->link = canonical(hl);
			if (!x->link) {
				err_set(e,
					"%s: member \"%s\": hard link to \"%s\": path escapes the "
					"destination",
					path, name, hl);
				goto out;
			}
		} else if (type == AE_IFLNK) {
			x->link = xstrdup(archive_entry_symlink(en) ? archive_entry_symlink(en)
								    : "");
		}
	}
	if (rc < 0)
		goto out;
	qsort(s.v, s.n, sizeof(*s.v), seen_cmp);
	for (size_t i = 0; i < s.n; i++) {
		const struct seen *x = &s.v[i];
		/* No member may be written through a symlink of the archive. */
		for (char *p = strchr(x->name, '/'); p; p = strchr(p + 1, '/')) {
			char *prefix = xstrndup(x->name, (size_t)(p - x->name));
			int through = symlink_at(&s, prefix) != NULL;
			free(prefix);
			if (through) {
				err_set(e, "%s: member \"%s\": path goes through a symlink", path,
					x->name);
				goto out;
			}
		}
		if (x->type == AE_IFLNK && !x->hard && !link_stays_inside(&s, x->name, x->link)) {
			err_set(e,
				"%s: member \"%s\": symlink to \"%s\": path escapes the destination",
				path, x->name, x->link);
			goto out;
		}
		if (x->hard) {
			const struct seen *t = seen_first(&s, x->link);
			int ok = 0;
			for (; t && t < s.v + s.n && !strcmp(t->name, x->link); t++)
				ok |= t->idx < x->idx && (t->type == AE_IFREG || t->hard);
			if (!ok) {
				err_set(e,
					"%s: member \"%s\": hard link to \"%s\", not an earlier file "
					"of the archive",
					path, x->name, x->link);
				goto out;
			}
		}
	}
	ret = 0;
out:
	archive_rd_release(&r);
	seen_release(&s);
	return ret;
}

/* Pass two, run with the staging directory as the working directory:
 * libarchive's secure flags work on relative names. */
static int extract_all(struct archive_rd *r, struct err *e)
{
	struct archive *ext = archive_write_disk_new();
	struct archive_entry *en;
	const char *name;
	int rc, ret = -1;

	if (!ext)
		return err_set(e, "%s: out of memory", r->path);
	archive_write_disk_set_options(ext, EXTRACT_FLAGS);
	while ((rc = archive_rd_next(r, &en, &name, e)) == 1) {
		char *canon = NULL, *hcanon = NULL;
		const void *blk;
		size_t len;
		la_int64_t off;
		int wr;
		if (is_ar_table(r, name))
			continue;
		canon = canonical(name);
		if (!canon || !*canon) {
			free(canon); /* "." is the destination itself */
			continue;
		}
		archive_entry_copy_pathname(en, canon);
		if (archive_entry_hardlink(en)) {
			hcanon = canonical(archive_entry_hardlink(en));
			archive_entry_copy_hardlink(en, hcanon);
		}
		/* No setuid, setgid or sticky bits; the owner is ours. */
		archive_entry_set_perm(en, archive_entry_perm(en) & 0777);
		wr = archive_write_header(ext, en);
		free(canon);
		free(hcanon);
		if (wr < ARCHIVE_OK) {
			err_set(e, "%s: member \"%s\": %s", r->path, name,
				archive_error_string(ext) ? archive_error_string(ext)
							  : "cannot extract");
			goto out;
		}
		while ((rc = archive_read_data_block(r->a, &blk, &len, &off)) == ARCHIVE_OK) {
			r->read += (int64_t)len;
			if (r->read > ARCHIVE_MAX_TOTAL) {
				err_set(e,
					"%s: member \"%s\": content beyond the cap of %lld bytes",
					r->path, name, (long long)ARCHIVE_MAX_TOTAL);
				goto out;
			}
			if (archive_write_data_block(ext, blk, len, off) < ARCHIVE_OK) {
				err_set(e, "%s: member \"%s\": %s", r->path, name,
					archive_error_string(ext));
				goto out;
			}
		}
		if (rc != ARCHIVE_EOF) {
			archive_rd_fail(r, e);
			goto out;
		}
		if (archive_write_finish_entry(ext) < ARCHIVE_OK) {
			err_set(e, "%s: member \"%s\": %s", r->path, name,
				archive_error_string(ext));
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	/* Directory permissions and times are set at close. */
	if (archive_write_close(ext) < ARCHIVE_OK) {
		err_set(e, "%s: %s", r->path, archive_error_string(ext));
		goto out;
	}
	ret = 0;
out:
	archive_write_free(ext);
	return ret;
}

static int extract(const char *path, const char *dir, int formats, struct err *e)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct stat st;
	char *staging = NULL, *near = NULL;
	int cwd = -1, moved = 0, ret = -1;

	if (stat(dir, &st) < 0)
		return err_sys(e, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "%s: not a directory", dir);
	if (check_all(path, formats, e) < 0)
		return -1;
	/* Opened before changing directory: path may be relative. */
	if (archive_rd_open(&r, path, formats, e) < 0)
		goto out;
	/* Staged inside dir itself: the same filesystem even when dir is a
   * mount point, so publishing is a rename of each top-level entry. */
	near = fs_join(dir, "extract");
	staging = fs_make_staging(near, e);
	if (!staging)
		goto out;
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(staging) < 0) {
		err_sys(e, "%s: cannot enter the staging directory", staging);
		goto out;
	}
	moved = 1;
	if (extract_all(&r, e) < 0)
		goto out;
	if (fchdir(cwd) < 0) {
		err_sys(e, "cannot return to the working directory");
		goto out;
	}
	moved = 0;
	if (fs_publish_dir(staging, dir, e) < 0)
		goto out;
	free(staging);
	staging = NULL;
	ret = 0;
out:
	if (moved && fchdir(cwd) < 0 && ret == 0)
		ret = err_sys(e, "cannot return to the working directory");
	if (cwd >= 0)
		close(cwd);
	if (staging) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
		free(staging);
	}
	free(near);
	archive_rd_release(&r);
	return ret;
}

int archive_extract(const char *path, const char *dir, struct err *e)
{
	return extract(path, dir, ARCHIVE_RD_TAR, e);
}

int archive_extract_any(const char *path, const char *dir, struct err *e)
{
	return extract(path, dir, ARCHIVE_RD_ANY, e);
}
