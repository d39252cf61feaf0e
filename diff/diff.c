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
#define DIFF_KEEP 8 /* details per list without --full */
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
		return xasprintf("%s%s", c->top[side],
				 name + (strlen(name) >= c->top_base ? c->top_base : strlen(name)));
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

/* What a pair of images is compared as: the first of these both sides are
 * (the order matters: a compressed tar is read by compress.c first). */
enum blob_kind {
	K_ELF,
	K_DTB,
	K_UIMAGE,
	K_PE,
	K_SQUASHFS,
	K_COMPRESSED,
	K_ARCHIVE,
	K_HEXREC,
	K_TEXT,
	K_OTHER
};

static enum blob_kind blob_kind(const struct diff_blob *b)
{
	if (diff_elf_is(b))
		return K_ELF;
	if (diff_dtb_is(b))
		return K_DTB;
	if (diff_uimage_is(b))
		return K_UIMAGE;
	if (diff_pe_is(b))
		return K_PE;
	if (diff_squashfs_is(b))
		return K_SQUASHFS;
	if (diff_compress_is(b))
		return K_COMPRESSED;
	if (diff_archive_is(b))
		return K_ARCHIVE;
	if (diff_hexrec_is(b))
		return K_HEXREC;
	return K_OTHER;
}

static const char *const kind_names[] = { "elf",      "device tree", "uimage",  "pe",
					  "squashfs", "compressed",  "archive", "hex records",
					  "text",     "other" };

/* Each structured kind's comparison, by blob_kind. */
static int (*const kind_diff[])(struct diff_ctx *, const char *, struct diff_blob *,
				struct diff_blob *, struct err *) = {
	[K_ELF] = diff_elf,         [K_DTB] = diff_dtb,           [K_UIMAGE] = diff_uimage,
	[K_PE] = diff_pe,           [K_SQUASHFS] = diff_squashfs, [K_COMPRESSED] = diff_compress,
	[K_ARCHIVE] = diff_archive, [K_HEXREC] = diff_hexrec,
};

void diff_blob_drop(struct diff_ctx *c, struct diff_blob *b)
{
	if (!b->p)
		return;
	c->mem_used -= b->len;
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

int diff_blobs(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
	       struct err *e)
{
	struct diff_cover cov = { { NULL, NULL }, { 0, 0 }, { 0, 0 }, 0 }, *saved = c->cov;
	struct bytes_side sa = { a->p, -1, a->len }, sb = { b->p, -1, b->len };
	struct err fe = ERR_INIT;
	enum blob_kind ka, kb;
	size_t before;
	int ret = 0, structured = 0, failed = 0;

	c->r->files_compared++;
	if (diff_over_limit(c))
		return 0;
	if (a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len)))
		return 0;
	c->cov = &cov;
	before = c->r->n_items + c->r->dropped;
	ka = blob_kind(a);
	kb = blob_kind(b);
	if (ka == kb && ka != K_OTHER) {
		structured = 1;
		ret = kind_diff[ka](c, name, a, b, &fe);
		if (ret < 0) {
			/* Malformed or truncated: what it is not, said once, and then
			 * every byte compared. */
			struct diff_item *it;
			cover_release(&cov);
			report_file(c, name, "binary");
			it = report_add(c, name, "format", HINT_CONTENT,
					xasprintf("unreadable %s, compared as bytes",
						  kind_names[ka]),
					NULL, NULL);
			if (it)
				strv_push(&it->detail, fe.msg);
			structured = 0;
			failed = 1;
			ret = 0;
		}
	} else if (ka != kb) {
		report_file(c, name, "binary");
		report_add(c, name, "format", HINT_CONTENT, NULL, xstrdup(kind_names[ka]),
			   xstrdup(kind_names[kb]));
		failed = 1;
	}
	/* Text read line by line, but not a format that failed to parse
	 * (a record file with a bad checksum): that is compared as bytes, as
	 * its report says, each change located. */
	if (!structured && !failed && text_is_text(a) && text_is_text(b)) {
		text_diff(c, name, a, b);
		/* Lines explain all the bytes when they differ; when they do not,
		 * the bytes are still compared below. */
		if (c->r->n_items + c->r->dropped > before) {
			report_at(c, NULL, 0, 0, a->len);
			report_at(c, NULL, 1, 0, b->len);
		}
		structured = 1;
	}
	/* Whatever the structure did not explain is compared byte for byte: no
	 * difference goes unreported because a format does not read it. */
	if (!diff_over_limit(c))
		ret = bytes_compare(c, name, &sa, &sb, &cov, structured, e);
	c->cov = saved;
	cover_release(&cov);
	return ret;
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
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			       0);
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

/* Files too big to hold within --max-memory: both read in windows and
 * compared byte for byte.  A format that would have been compared by
 * structure is named, and the report marked partial for it. */
static int diff_files_windowed(struct diff_ctx *c, const char *name, int fa, int fb, uint64_t la,
			       uint64_t lb, struct err *e)
{
	struct bytes_side sa = { NULL, fa, la }, sb = { NULL, fb, lb };
	unsigned char ha[512], hb[512];
	struct diff_blob ba = { ha, 0 }, bb = { hb, 0 };
	ssize_t na = pread(fa, ha, sizeof(ha), 0), nb = pread(fb, hb, sizeof(hb), 0);

	c->r->files_compared++;
	if (na < 0 || nb < 0)
		return err_sys(e, "\"%s\": cannot read", name);
	ba.len = (size_t)na;
	bb.len = (size_t)nb;
	if (blob_kind(&ba) != K_OTHER && blob_kind(&ba) == blob_kind(&bb) &&
	    (la != lb || memcmp(ha, hb, ba.len) || la > ba.len))
		report_partial(c->r, "files beyond --max-memory were compared byte by byte, "
				     "not by structure");
	return bytes_compare(c, name, &sa, &sb, NULL, 0, e);
}

static int diff_files(struct diff_ctx *c, const char *name, const char *pa, const char *pb,
		      struct err *e)
{
	struct diff_blob a = { NULL, 0 }, b = { NULL, 0 };
	struct stat st;
	int fa = -1, fb = -1, ret = -1;
	uint64_t la, lb;

	if ((fa = open(pa, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_sys(e, "\"%s\": cannot open", pa);
		goto out;
	}
	if ((fb = open(pb, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_sys(e, "\"%s\": cannot open", pb);
		goto out;
	}
	if (fstat(fa, &st) < 0) {
		err_sys(e, "\"%s\": cannot stat", pa);
		goto out;
	}
	la = (uint64_t)st.st_size;
	if (fstat(fb, &st) < 0) {
		err_sys(e, "\"%s\": cannot stat", pb);
		goto out;
	}
	lb = (uint64_t)st.st_size;
	/* The mapped pages of both count against the budget: whatever a
	 * comparison maps or holds stays within --max-memory. */
	if (la + lb > c->mem_budget - c->mem_used) {
		ret = diff_files_windowed(c, name, fa, fb, la, lb, e);
		goto out;
	}
	if (blob_map(pa, &a, e) < 0 || blob_map(pb, &b, e) < 0)
		goto out;
	c->mem_used += a.len + b.len;
	ret = diff_blobs(c, name, &a, &b, e);
	c->mem_used -= a.len + b.len;
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	blob_unmap(&a);
	blob_unmap(&b);
	return ret;
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
	strv_sort(out);
	return 0;
}

static const char *type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : "special";
}

static int diff_tree(struct diff_ctx *c, const char *rel, const char *pa, const char *pb,
		     struct err *e);

/* Permission bits of two entries of one type (a symlink's are not its
 * own). */
static void mode_diff(struct diff_ctx *c, const char *rel, const struct stat *sa,
		      const struct stat *sb)
{
	unsigned ma = sa->st_mode & 07777, mb = sb->st_mode & 07777;

	if (ma == mb || S_ISLNK(sa->st_mode))
		return;
	report_file(c, rel, S_ISDIR(sa->st_mode) ? "directory" : "metadata");
	report_add(c, rel, "mode", hints_mode(ma, mb), NULL, xasprintf("0%o", ma),
		   xasprintf("0%o", mb));
}

/* One entry present on both sides (or on one: sa/sb NULL).  Each entry
 * counts once among those compared, whatever it is. */
static int diff_entry(struct diff_ctx *c, const char *rel, const char *pa, const char *pb,
		      const struct stat *sa, const struct stat *sb, struct err *e)
{
	char la[4096], lb[4096];
	ssize_t na, nb;
	int ret = 0;

	if (!sa || !sb) {
		c->r->files_compared++;
		report_file(c, rel, "missing");
		report_add(c, rel, "missing", HINT_CONTENT, NULL,
			   xstrdup(sa ? type_name(sa->st_mode) : "absent"),
			   xstrdup(sb ? type_name(sb->st_mode) : "absent"));
		return 0;
	}
	if ((sa->st_mode & S_IFMT) != (sb->st_mode & S_IFMT)) {
		c->r->files_compared++;
		report_file(c, rel, "type");
		report_add(c, rel, "type", HINT_CONTENT, NULL, xstrdup(type_name(sa->st_mode)),
			   xstrdup(type_name(sb->st_mode)));
		return 0;
	}
	if (S_ISDIR(sa->st_mode)) {
		c->r->files_compared++;
		mode_diff(c, rel, sa, sb);
		return diff_tree(c, rel, pa, pb, e);
	}
	if (S_ISREG(sa->st_mode)) {
		/* diff_blobs counts it. */
		ret = diff_files(c, rel, pa, pb, e);
	} else if (S_ISLNK(sa->st_mode)) {
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
	} else {
		c->r->files_compared++;
		if (sa->st_rdev != sb->st_rdev) {
			report_file(c, rel, "special");
			report_add(c, rel, "device", HINT_CONTENT, NULL,
				   xasprintf("%llu", (unsigned long long)sa->st_rdev),
				   xasprintf("%llu", (unsigned long long)sb->st_rdev));
		}
	}
	if (ret == 0)
		mode_diff(c, rel, sa, sb);
	return ret;
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
			bad = diff_entry(c, r, fa, fb, cmp <= 0 ? &sa : NULL, cmp >= 0 ? &sb : NULL,
					 e);
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

int diff_paths(const char *a, const char *b, const struct diff_options *o, struct diff_report **out,
	       struct err *e)
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
	if (c.o->symbols && diff_elfsyms_open(c.o->symbols, &c.syms, e) < 0)
		goto out;
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

int diff_first_offset(const char *a, const char *b, uint64_t *off, char **section, struct err *e)
{
	struct diff_blob ba = { NULL, 0 };
	unsigned char *wa = NULL, *wb = NULL;
	int fa = -1, fb = -1, ret = -1;
	struct stat sa, sb;
	uint64_t n, i = 0;

	*off = 0;
	if (section)
		*section = NULL;
	/* Read in windows, not mapped: the verifier calls this on any size. */
	if ((fa = open(a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fa, &sa) < 0) {
		err_sys(e, "\"%s\": cannot open", a);
		goto out;
	}
	if ((fb = open(b, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fb, &sb) < 0) {
		err_sys(e, "\"%s\": cannot open", b);
		goto out;
	}
	wa = xmalloc(1u << 20);
	wb = xmalloc(1u << 20);
	n = (uint64_t)(sa.st_size < sb.st_size ? sa.st_size : sb.st_size);
	while (i < n) {
		size_t k = n - i < (1u << 20) ? (size_t)(n - i) : (1u << 20), j = 0;
		if (pread(fa, wa, k, (off_t)i) != (ssize_t)k ||
		    pread(fb, wb, k, (off_t)i) != (ssize_t)k) {
			err_sys(e, "\"%s\": cannot read", a);
			goto out;
		}
		if (!memcmp(wa, wb, k)) {
			i += k;
			continue;
		}
		while (wa[j] == wb[j])
			j++;
		i += j;
		break;
	}
	if (i == n && sa.st_size == sb.st_size) {
		ret = 0;
		goto out;
	}
	*off = i;
	ret = 1;
	if (section && (uint64_t)sa.st_size <= DIFF_DEFAULT_MEMORY && blob_map(a, &ba, NULL) == 0 &&
	    diff_elf_is(&ba))
		*section = diff_elf_section_at(&ba, i);
out:
	free(wa);
	free(wb);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	blob_unmap(&ba);
	return ret;
}
