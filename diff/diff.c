/* SPDX-License-Identifier: MIT */
/* The entry points: files and directory trees mapped into memory (never
 * copied), each pair handed to the format that recognises its bytes, under
 * the user's limits on time and memory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"
#include "diff/internal.h"

#define DIFF_DEFAULT_MEMORY (1024u * 1024 * 1024)
#define DIFF_KEEP 8            /* details per list without --full */
#define DIFF_KEEP_FULL 1000000

int diff_over_limit(struct diff_ctx *c)
{
	if (c->stop)
		return 1;
	if (cleanup_interrupted()) {
		report_partial(c->r, "interrupted");
		c->stop = 1;
	} else if (c->deadline > 0 && clock_mono() > c->deadline) {
		char *why = xasprintf("timeout: stopped after %g s (--timeout)", c->o->timeout);
		report_partial(c->r, why);
		free(why);
		c->stop = 1;
	}
	return c->stop;
}

char *diff_label(const struct diff_ctx *c, const char *name, int side)
{
	if (c->top_base)
		return xasprintf("%s%s", c->top[side], name + (strlen(name) >= c->top_base ? c->top_base : strlen(name)));
	return xasprintf("%s/%s", c->top[side], name);
}

static void names_look_up(const struct diff_ctx *c)
{
	struct diff_names *n = c->names;
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];

	if (n->looked_up)
		return;
	n->looked_up = 1;
	if (c->o->hostname)
		snprintf(n->hostname, sizeof(n->hostname), "%s", c->o->hostname);
	else if (gethostname(n->hostname, sizeof(n->hostname) - 1) < 0)
		n->hostname[0] = 0;
	if (c->o->username)
		snprintf(n->username, sizeof(n->username), "%s", c->o->username);
	else if (!getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) && pwp)
		snprintf(n->username, sizeof(n->username), "%s", pw.pw_name);
}

const char *diff_hostname(const struct diff_ctx *c)
{
	names_look_up(c);
	return c->names->hostname;
}

const char *diff_username(const struct diff_ctx *c)
{
	names_look_up(c);
	return c->names->username;
}

int diff_blobs(struct diff_ctx *c, const char *name, struct diff_blob *a,
	       struct diff_blob *b, struct err *e)
{
	int ea, eb, xa, xb;

	c->r->files_compared++;
	if (diff_over_limit(c))
		return 0;
	if (a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len)))
		return 0;
	ea = diff_elf_is(a);
	eb = diff_elf_is(b);
	if (ea && eb)
		return diff_elf(c, name, a, b, e);
	xa = !ea && diff_archive_is(a);
	xb = !eb && diff_archive_is(b);
	if (xa && xb)
		return diff_archive(c, name, a, b, e);
	if (ea != eb || xa != xb) {
		report_file(c, name, "binary");
		report_add(c, name, "format", HINT_CONTENT, NULL,
			   xstrdup(ea ? "elf" : xa ? "archive" : "other"),
			   xstrdup(eb ? "elf" : xb ? "archive" : "other"));
	}
	if (text_is_text(a) && text_is_text(b))
		return text_diff(c, name, a, b);
	return bytes_diff(c, name, a, b);
}

/* Maps path privately (copy-on-write: libelf may write to its image, the
 * file never changes).  An empty file maps to an empty blob. */
static int blob_map(const char *path, struct diff_blob *bl, struct err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int ret = -1;

	bl->p = NULL;
	bl->len = 0;
	if (fd < 0)
		return err_sys(e, "\"%s\": cannot open", path);
	if (fstat(fd, &st) < 0) {
		err_sys(e, "\"%s\": cannot stat", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "\"%s\": not a regular file", path);
		goto out;
	}
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			err_sys(e, "\"%s\": cannot map", path);
			goto out;
		}
		madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
		bl->p = m;
		bl->len = (size_t)st.st_size;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static void blob_unmap(struct diff_blob *bl)
{
	if (bl->p && bl->len)
		munmap(bl->p, bl->len);
	bl->p = NULL;
	bl->len = 0;
}

static int diff_files(struct diff_ctx *c, const char *name, const char *pa, const char *pb,
		      struct err *e)
{
	struct diff_blob a = { NULL, 0 }, b = { NULL, 0 };
	int ret = -1;

	if (blob_map(pa, &a, e) < 0 || blob_map(pb, &b, e) < 0)
		goto out;
	ret = diff_blobs(c, name, &a, &b, e);
out:
	blob_unmap(&a);
	blob_unmap(&b);
	return ret;
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The entries of dir sorted bytewise (readdir order must not matter). */
static int list_dir(const char *dir, struct strv *out, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return err_sys(e, "\"%s\": cannot open directory", dir);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push(out, de->d_name);
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_names);
	return 0;
}

static const char *type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : "special";
}

static int diff_tree(struct diff_ctx *c, const char *rel, const char *pa, const char *pb,
		     struct err *e);

/* One entry present on both sides (or on one: sa/sb NULL). */
static int diff_entry(struct diff_ctx *c, const char *rel, const char *pa, const char *pb,
		      const struct stat *sa, const struct stat *sb, struct err *e)
{
	char la[4096], lb[4096];
	ssize_t na, nb;

	if (!sa || !sb) {
		report_file(c, rel, "missing");
		report_add(c, rel, "missing", HINT_CONTENT, NULL,
			   xstrdup(sa ? type_name(sa->st_mode) : "absent"),
			   xstrdup(sb ? type_name(sb->st_mode) : "absent"));
		return 0;
	}
	if ((sa->st_mode & S_IFMT) != (sb->st_mode & S_IFMT)) {
		report_file(c, rel, "type");
		report_add(c, rel, "type", HINT_CONTENT, NULL, xstrdup(type_name(sa->st_mode)),
			   xstrdup(type_name(sb->st_mode)));
		return 0;
	}
	if (S_ISDIR(sa->st_mode))
		return diff_tree(c, rel, pa, pb, e);
	if (S_ISREG(sa->st_mode))
		return diff_files(c, rel, pa, pb, e);
	if (S_ISLNK(sa->st_mode)) {
		c->r->files_compared++;
		na = readlink(pa, la, sizeof(la) - 1);
		nb = readlink(pb, lb, sizeof(lb) - 1);
		if (na < 0 || nb < 0)
			return err_sys(e, "\"%s\": cannot read link", na < 0 ? pa : pb);
		la[na] = lb[nb] = 0;
		if (strcmp(la, lb)) {
			report_file(c, rel, "symlink");
			report_add(c, rel, "symlink", hints_strings(c, la, lb), NULL, xstrdup(la),
				   xstrdup(lb));
		}
	}
	return 0;
}

static int diff_tree(struct diff_ctx *c, const char *rel, const char *pa, const char *pb,
		     struct err *e)
{
	struct strv na = STRV_INIT, nb = STRV_INIT;
	size_t i = 0, j = 0;
	int ret = -1;

	if (list_dir(pa, &na, e) < 0 || list_dir(pb, &nb, e) < 0)
		goto out;
	while ((i < na.n || j < nb.n) && !diff_over_limit(c)) {
		int cmp = i >= na.n ? 1 : j >= nb.n ? -1 : strcmp(na.v[i], nb.v[j]);
		const char *nm = cmp <= 0 ? na.v[i] : nb.v[j];
		char *fa = fs_join(pa, nm), *fb = fs_join(pb, nm);
		char *r = *rel ? fs_join(rel, nm) : xstrdup(nm);
		struct stat sa, sb;
		int bad = 0;

		if (cmp <= 0 && lstat(fa, &sa) < 0)
			bad = err_sys(e, "\"%s\": cannot stat", fa);
		if (!bad && cmp >= 0 && lstat(fb, &sb) < 0)
			bad = err_sys(e, "\"%s\": cannot stat", fb);
		if (!bad)
			bad = diff_entry(c, r, fa, fb, cmp <= 0 ? &sa : NULL, cmp >= 0 ? &sb : NULL, e);
		free(fa);
		free(fb);
		free(r);
		if (bad)
			goto out;
		i += cmp <= 0;
		j += cmp >= 0;
	}
	ret = 0;
out:
	strv_release(&na);
	strv_release(&nb);
	return ret;
}

static void ctx_init(struct diff_ctx *c, const struct diff_options *o, struct diff_report *r)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->r = r;
	c->now = clock_now();
	c->deadline = o->timeout > 0 ? clock_mono() + o->timeout : 0;
	c->mem_budget = o->max_memory ? o->max_memory : DIFF_DEFAULT_MEMORY;
	c->keep = o->full ? DIFF_KEEP_FULL : DIFF_KEEP;
	c->names = xcalloc(1, sizeof(*c->names));
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s && s[1] ? s + 1 : p;
}

int diff_paths(const char *a, const char *b, const struct diff_options *o,
	       struct diff_report **out, struct err *e)
{
	struct diff_options def = DIFF_OPTIONS_INIT;
	struct diff_report *r = xcalloc(1, sizeof(*r));
	struct diff_ctx c;
	struct stat sa, sb;
	int ret = -1;

	*out = NULL;
	r->a = xstrdup(a);
	r->b = xstrdup(b);
	ctx_init(&c, o ? o : &def, r);
	c.top[0] = a;
	c.top[1] = b;
	if (lstat(a, &sa) < 0) {
		err_sys(e, "\"%s\": cannot compare", a);
		goto out;
	}
	if (lstat(b, &sb) < 0) {
		err_sys(e, "\"%s\": cannot compare", b);
		goto out;
	}
	if (S_ISDIR(sa.st_mode) && S_ISDIR(sb.st_mode))
		ret = diff_tree(&c, "", a, b, e);
	else if (S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode) && (c.top_base = strlen(base_name(a))))
		ret = diff_files(&c, base_name(a), a, b, e);
	else
		err_set(e, "\"%s\" is a %s and \"%s\" a %s: compare two files or two directories",
			a, type_name(sa.st_mode), b, type_name(sb.st_mode));
out:
	report_ctx_release(&c);
	if (ret < 0)
		diff_report_free(r);
	else
		*out = r;
	return ret;
}

int diff_first_offset(const char *a, const char *b, uint64_t *off, char **section,
		      struct err *e)
{
	struct diff_blob ba = { NULL, 0 }, bb = { NULL, 0 };
	size_t n, i = 0;
	int ret = -1;

	*off = 0;
	if (section)
		*section = NULL;
	if (blob_map(a, &ba, e) < 0 || blob_map(b, &bb, e) < 0)
		goto out;
	n = ba.len < bb.len ? ba.len : bb.len;
	while (i + 4096 <= n && !memcmp(ba.p + i, bb.p + i, 4096))
		i += 4096;
	while (i < n && ba.p[i] == bb.p[i])
		i++;
	if (i == n && ba.len == bb.len) {
		ret = 0;
		goto out;
	}
	*off = i;
	if (section && diff_elf_is(&ba))
		*section = diff_elf_section_at(&ba, i);
	ret = 1;
out:
	blob_unmap(&ba);
	blob_unmap(&bb);
	return ret;
}
