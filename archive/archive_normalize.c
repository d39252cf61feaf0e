/* SPDX-License-Identifier: MIT */
/* In-place normalization of archives a build produced: read every member
 * (data spooled to an unlinked temporary file beside the archive), then
 * write them again with only the metadata we pin, in the same family and
 * compression.  ELF and other member bytes are copied, never patched. */
#include "archive/archive_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"

struct member {
	char *name; /* owned, without a trailing '/' */
	char *link; /* owned: symlink target or hard link target, or NULL */
	mode_t type, perm;
	int hard;                 /* a hard link: becomes an independent copy */
	int64_t mtime, size, off; /* off: where the data sits in the spool */
	int64_t pos;              /* ar: offset of the member's header */
};

struct members {
	struct member *v; /* owned */
	size_t n, cap;
	int fmt; /* libarchive format code of the input */
	int filters[8], nfilters;
	int spool; /* unlinked temporary file holding member data */
	int64_t spooled;
};

static void members_release(struct members *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].link);
	}
	free(m->v);
	if (m->spool >= 0)
		close(m->spool);
}

static int is_ar_table(const struct members *m, const char *name)
{
	return (m->fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR &&
	       (!strcmp(name, "/") || !strcmp(name, "//") || !strcmp(name, "/SYM64/"));
}

static int spool_write(struct members *m, const void *p, size_t n, const char *path, struct err *e)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(m->spool, c, n);
		if (w < 0 && errno == EINTR && !cleanup_interrupted())
			continue;
		if (w < 0)
			return err_sys(e, "%s: cannot spool member data", path);
		c += w;
		n -= (size_t)w;
		m->spooled += w;
	}
	return 0;
}

/* Reads one header's metadata and data into m, refusing what we never
 * normalize. */
static int take_member(struct members *m, struct archive_rd *r, struct archive_entry *en,
		       const char *name, struct err *e)
{
	static char buf[65536];
	struct member *x;
	mode_t type = archive_entry_filetype(en);
	const char *hl = archive_entry_hardlink(en);
	size_t len = strlen(name);
	ssize_t got;

	if (m->n == 0)
		m->fmt = archive_format(r->a);
	/* `ar D` writes member modes without a file type ("644"); libarchive
	 * writes them back with one ("100644"), as `ar U` does. */
	if ((m->fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR && type == 0)
		type = AE_IFREG;
	if (archive_entry_is_encrypted(en))
		return err_set(e, "%s: member \"%s\": encrypted", r->path, name);
	if (!is_ar_table(m, name) && (!fs_rel_path_ok(name) || (hl && !fs_rel_path_ok(hl))))
		return err_set(e, "%s: member \"%s\": path escapes the archive", r->path, name);
	if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
		return err_set(e,
			       "%s: member \"%s\": device nodes, FIFOs and sockets are not allowed",
			       r->path, name);
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	x = &m->v[m->n++];
	memset(x, 0, sizeof(*x));
	while (len > 1 && name[len - 1] == '/' && !is_ar_table(m, name))
		len--;
	x->name = xstrndup(name, len);
	x->type = hl ? AE_IFREG : type;
	x->hard = hl != NULL;
	x->perm = archive_entry_perm(en);
	x->mtime = archive_entry_mtime(en);
	x->pos = archive_read_header_position(r->a);
	x->off = m->spooled;
	if (type == AE_IFLNK)
		x->link = xstrdup(archive_entry_symlink(en) ? archive_entry_symlink(en) : "");
	else if (hl)
		x->link = xstrdup(hl);
	if (type == AE_IFLNK && strlen(x->link) > ARCHIVE_MAX_NAME)
		return err_set(e, "%s: member \"%s\": link target longer than %d bytes", r->path,
			       name, ARCHIVE_MAX_NAME);
	while (type != AE_IFDIR && type != AE_IFLNK &&
	       (got = archive_rd_data(r, name, buf, sizeof(buf), e)) != 0) {
		if (got < 0 || spool_write(m, buf, (size_t)got, r->path, e) < 0)
			return -1;
	}
	x->size = m->spooled - x->off;
	return 0;
}

static int read_all(struct members *m, const char *path, struct err *e)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct archive_entry *en;
	const char *name;
	int rc, ret = -1;

	if (archive_rd_open(&r, path, ARCHIVE_RD_ANY, e) < 0)
		goto out;
	while ((rc = archive_rd_next(&r, &en, &name, e)) == 1)
		if (take_member(m, &r, en, name, e) < 0)
			goto out;
	if (rc < 0)
		goto out;
	/* Filter 0 is the one next to the format; the last is the file. */
	m->nfilters = archive_filter_count(r.a) - 1;
	if (m->nfilters < 0 || m->nfilters > (int)(sizeof(m->filters) / sizeof(m->filters[0]))) {
		err_set(e, "%s: too many compression layers", path);
		goto out;
	}
	for (int i = 0; i < m->nfilters; i++) {
		int code = archive_filter_code(r.a, i);
		/* Only filters libarchive writes itself, deterministically;
		 * the rest (lrzip, lzop, grzip) would run an external program. */
		if (code != ARCHIVE_FILTER_GZIP && code != ARCHIVE_FILTER_BZIP2 &&
		    code != ARCHIVE_FILTER_XZ && code != ARCHIVE_FILTER_LZMA &&
		    code != ARCHIVE_FILTER_LZIP && code != ARCHIVE_FILTER_ZSTD &&
		    code != ARCHIVE_FILTER_LZ4) {
			err_set(e, "%s: compression \"%s\" is not supported", path,
				archive_filter_name(r.a, i));
			goto out;
		}
		m->filters[i] = code;
	}
	ret = 0;
out:
	archive_rd_release(&r);
	return ret;
}

static int idx_cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct archive_name_idx *)elem)->name);
}

/* Hard links become copies: a later link points at an earlier name; in
 * newc cpio the data may travel with the last link of a group instead, so
 * first hand data back to targets that have none, then forward to links. */
static int resolve_hard_links(struct members *m, const struct archive_name_idx *sorted,
			      const char *path, struct err *e)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < m->n; k++) {
			size_t i = pass ? k : m->n - 1 - k;
			struct member *h = &m->v[i], *t = NULL;
			const struct archive_name_idx *f;
			if (!h->hard)
				continue;
			f = bsearch(h->link, sorted, m->n, sizeof(*sorted), idx_cmp_name);
			/* bsearch lands on any equal name; walk to the earlier ones. */
			while (f && f > sorted && !strcmp(f[-1].name, h->link))
				f--;
			for (; f && f < sorted + m->n && !strcmp(f->name, h->link); f++)
				if (f->idx < i && !m->v[f->idx].hard &&
				    m->v[f->idx].type == AE_IFREG)
					t = &m->v[f->idx];
			if (!t)
				return err_set(
					e,
					"%s: member \"%s\": hard link to \"%s\", not an earlier file",
					path, h->name, h->link);
			if (!pass && h->size > 0 && t->size == 0) {
				t->off = h->off;
				t->size = h->size;
			} else if (pass && h->size == 0) {
				h->off = t->off;
				h->size = t->size;
			}
			h->perm = t->perm;
		}
	}
	return 0;
}

/* Reads back the written ar and checks that every member header sits where
 * it sat before, so the symbol table's offsets stay true. */
static int ar_check_offsets(const struct members *m, const char *tmp, const char *path,
			    struct err *e)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct archive_entry *en;
	const char *name;
	size_t i = 0;
	int rc, ret = -1;

	if (archive_rd_open(&r, tmp, ARCHIVE_RD_ANY, e) < 0)
		goto out;
	while ((rc = archive_rd_next(&r, &en, &name, e)) == 1) {
		if (i >= m->n || archive_read_header_position(r.a) != m->v[i].pos) {
			err_set(e, "%s: member \"%s\": would move, invalidating the symbol index",
				path, name);
			goto out;
		}
		i++;
	}
	if (rc == 0 && i == m->n)
		ret = 0;
	else if (rc == 0)
		err_set(e, "%s: rewritten archive lost members", path);
out:
	archive_rd_release(&r);
	return ret;
}

/* GNU ar keeps names longer than 15 bytes in the "//" member as "name/\n";
 * libarchive reads that table away, so it is rebuilt here from the names in
 * order, padded to an even size as GNU ar does. */
static int ar_name_table(struct members *m, struct member *x, const char *path, struct err *e)
{
	struct buf b = BUF_INIT;
	int ret;

	for (size_t i = 0; i < m->n; i++)
		if (!is_ar_table(m, m->v[i].name) && strlen(m->v[i].name) > 15)
			buf_addf(&b, "%s/\n", m->v[i].name);
	if (b.len % 2)
		buf_add(&b, "\n", 1);
	x->off = m->spooled;
	x->size = (int64_t)b.len;
	ret = spool_write(m, b.data, b.len, path, e);
	buf_release(&b);
	return ret;
}

/* 1 when the two files hold the same bytes, 0 when not, -1 on error. */
static int same_bytes(const char *a, const char *b, struct err *e)
{
	static char x[65536], y[65536];
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	int ret = -1;

	if (fa < 0 || fb < 0) {
		err_sys(e, "%s: cannot reopen", b);
		goto out;
	}
	for (;;) {
		ssize_t na = read(fa, x, sizeof(x)), nb;
		if (na < 0) {
			err_sys(e, "%s: read", a);
			goto out;
		}
		/* Regular files: a full read unless at the end. */
		nb = na ? read(fb, y, (size_t)na) : read(fb, y, 1);
		if (nb < 0) {
			err_sys(e, "%s: read", b);
			goto out;
		}
		if (na != nb || memcmp(x, y, (size_t)na)) {
			ret = 0;
			goto out;
		}
		if (na == 0) {
			ret = 1;
			goto out;
		}
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return ret;
}

static int out_format(const struct members *m, const char *path, struct err *e)
{
	switch (m->fmt & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_TAR:
		return ARCHIVE_FORMAT_TAR_PAX_RESTRICTED;
	case ARCHIVE_FORMAT_CPIO:
		return ARCHIVE_FORMAT_CPIO_SVR4_NOCRC;
	case ARCHIVE_FORMAT_ZIP:
		return ARCHIVE_FORMAT_ZIP;
	case ARCHIVE_FORMAT_AR:
		if (m->fmt == ARCHIVE_FORMAT_AR_GNU)
			return ARCHIVE_FORMAT_AR_GNU;
		return err_set(e, "%s: BSD ar archives are not normalized", path);
	}
	return err_set(e, "%s: archive format \"%d\" is not normalized", path, m->fmt);
}

/* The entry written for member x, the k-th in output order. */
static struct archive_entry *out_entry(struct members *m, struct member *x, size_t k, int64_t sde)
{
	struct archive_entry *en;

	if (is_ar_table(m, x->name)) {
		/* Symbol and name tables: GNU ar writes them with mode 0 (no
		 * file type either) and the bytes of "/" hold offsets that
		 * stay true because no member moves. */
		en = archive_norm_entry(x->name, AE_IFREG, 0, x->size, x->mtime, sde, NULL);
		archive_entry_set_mode(en, 0);
		return en;
	}
	en = archive_norm_entry(x->name, x->type, x->perm, x->size, x->mtime, sde, x->link);
	/* newc cpio readers take equal inode numbers for hard links. */
	if ((m->fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_CPIO)
		archive_entry_set_ino(en, (int64_t)k + 1);
	return en;
}

int archive_normalize(const char *path, int64_t sde, int *changed, struct err *e)
{
	struct members m = { NULL, 0, 0, 0, { 0 }, 0, -1, 0 };
	struct archive_name_idx *sorted = NULL;
	struct archive_wr w = ARCHIVE_WR_INIT;
	struct stat st;
	char *spool = NULL;
	int fmt, ar, same, ret = -1;

	*changed = 0;
	if (sde < 0)
		return err_set(e, "%s: SOURCE_DATE_EPOCH %lld is negative", path, (long long)sde);
	if (lstat(path, &st) < 0)
		return err_sys(e, "%s: stat", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, "%s: not a regular file", path);
	/* The spool lives beside the archive (same filesystem as the output,
	 * not a possibly small /tmp) and is unlinked at once. */
	spool = xasprintf("%s.spool.XXXXXX", path);
	m.spool = mkostemp(spool, O_CLOEXEC);
	if (m.spool < 0) {
		err_sys(e, "%s: cannot create a spool file", path);
		goto out;
	}
	unlink(spool);
	if (read_all(&m, path, e) < 0)
		goto out;
	if (m.n == 0) {
		ret = 0; /* nothing whose metadata could vary */
		goto out;
	}
	if ((fmt = out_format(&m, path, e)) < 0)
		goto out;
	ar = fmt == ARCHIVE_FORMAT_AR_GNU;
	sorted = xcalloc(m.n, sizeof(*sorted));
	for (size_t i = 0; i < m.n; i++) {
		sorted[i].name = m.v[i].name;
		sorted[i].idx = i;
	}
	qsort(sorted, m.n, sizeof(*sorted), archive_name_cmp);
	if (!ar && resolve_hard_links(&m, sorted, path, e) < 0)
		goto out;
	if (archive_wr_open(&w, path, fmt, m.filters, (size_t)m.nfilters, e) < 0)
		goto out;
	/* ar keeps its order: the symbol table's offsets and the link order
	 * of same-named members depend on it. */
	for (size_t k = 0; k < m.n; k++) {
		struct member *x = &m.v[ar ? k : sorted[k].idx];
		struct archive_entry *en;
		int rc;
		if (ar && !strcmp(x->name, "//") && ar_name_table(&m, x, path, e) < 0)
			goto out;
		en = out_entry(&m, x, k, sde);
		rc = archive_wr_add(&w, en, x->type == AE_IFREG ? m.spool : -1, x->off, path, e);
		archive_entry_free(en);
		if (rc < 0)
			goto out;
	}
	if (archive_wr_finish(&w, st.st_mode & 07777, e) < 0)
		goto out;
	if (ar && ar_check_offsets(&m, w.tmp, path, e) < 0)
		goto out;
	if ((same = same_bytes(w.tmp, path, e)) < 0)
		goto out;
	if (!same) {
		if (archive_wr_publish(&w, e) < 0)
			goto out;
		*changed = 1;
	}
	ret = 0;
out:
	archive_wr_release(&w);
	members_release(&m);
	free(sorted);
	free(spool);
	return ret;
}
