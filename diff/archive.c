/* SPDX-License-Identifier: MIT */
/* Archives (libarchive, reading only: tar, cpio, ar, zip; compressed ones
 * come here through compress.c): the archive format, member list and
 * order, per-member metadata, and the members' contents compared
 * recursively (an ELF inside a tar is diffed as ELF).  Each member's record
 * (its headers and data) is located, so that every difference says which
 * bytes it is about and the bytes no member explains (tar blocking, junk
 * after the end, header fields libarchive does not report) are compared
 * byte for byte by diff_blobs.
 * Contents are held in memory within --max-memory and compared byte for
 * byte; beyond it they are compared by digest only and the report says so.
 * Held members are never hashed: the first sha256 initializes OpenSSL's
 * providers, megabytes of a small diff's peak memory. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "archive/cpio_check.h"
#include "core/digest.h"
#include "diff/internal.h"

#define ARCHIVE_MAX_MEMBERS 1000000
#define ARCHIVE_MAX_DEPTH 8

struct member {
	char *path;          /* owned */
	char *link;          /* owned, may be NULL */
	char *uname, *gname; /* owned, may be NULL */
	int64_t mtime, uid, gid, size;
	unsigned mode;
	unsigned char *data; /* owned, NULL when not kept */
	size_t len;
	char digest[DIGEST_HEX_LEN + 1]; /* "" until needed (member_digest) */
	size_t order;
	uint64_t rec_off, rec_len; /* the member's record: headers and data */
};

struct members {
	struct member *v; /* owned */
	size_t n;
	char *format; /* owned: libarchive's name of the archive format */
};

static int magic(const struct diff_blob *b, size_t off, const char *m, size_t n)
{
	return b->len >= off + n && !memcmp(b->p + off, m, n);
}

int diff_archive_is(const struct diff_blob *b)
{
	return magic(b, 257, "ustar", 5) || magic(b, 0, "!<arch>\n", 8) ||
	       magic(b, 0, "PK\003\004", 4) || magic(b, 0, "PK\005\006", 4) ||
	       magic(b, 0, "070701", 6) || magic(b, 0, "070702", 6) || magic(b, 0, "070707", 6) ||
	       magic(b, 0, "\xc7\x71", 2) || magic(b, 0, "\x71\xc7", 2);
}

static void members_release(struct diff_ctx *c, struct members *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].path);
		free(m->v[i].link);
		free(m->v[i].uname);
		free(m->v[i].gname);
		if (m->v[i].data)
			c->mem_used -= m->v[i].len;
		free(m->v[i].data);
	}
	free(m->v);
	free(m->format);
	m->v = NULL;
	m->n = 0;
	m->format = NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Reads a member's data: the bytes when the budget allows, else only their
 * digest (the bytes read so far are hashed when the budget runs out). */
static int read_data(struct diff_ctx *c, struct archive *ar, struct member *m, const char *label,
		     struct err *e)
{
	struct digest_stream *d = NULL;
	struct buf b = BUF_INIT;
	int keep = m->size >= 0 && (size_t)m->size <= c->mem_budget - c->mem_used;
	char chunk[65536];
	la_ssize_t n;

	if (!keep)
		d = digest_stream_new();
	while ((n = archive_read_data(ar, chunk, sizeof(chunk))) > 0) {
		if (keep && b.len + (size_t)n > c->mem_budget - c->mem_used) {
			keep = 0;
			d = digest_stream_new();
			digest_stream_add(d, b.data, b.len);
			buf_release(&b);
		}
		if (keep)
			buf_add(&b, chunk, (size_t)n);
		else
			digest_stream_add(d, chunk, (size_t)n);
		if (diff_over_limit(c))
			break;
	}
	if (n < 0) {
		digest_stream_free(d);
		buf_release(&b);
		return err_set(e, "\"%s\": corrupt archive member \"%s\": %s", label, m->path,
			       archive_error_string(ar) ? archive_error_string(ar) : "read error");
	}
	if (d)
		digest_stream_finish(d, m->digest);
	if (!keep && m->size > 0)
		report_partial(c->r,
			       "member contents beyond --max-memory were compared by digest only");
	if (keep) {
		m->len = b.len;
		m->data = (unsigned char *)buf_take(&b, NULL);
		c->mem_used += m->len;
	}
	return 0;
}

/* The member's sha256 (hashing its held bytes the first time). */
static const char *member_digest(struct member *m)
{
	if (!m->digest[0])
		digest_buf(m->data ? m->data : (const unsigned char *)"", m->data ? m->len : 0,
			   m->digest);
	return m->digest;
}

/* 1 when two members' contents are the same: bytes when both are held,
 * digests otherwise. */
static int same_contents(struct member *x, struct member *y)
{
	if (x->data && y->data)
		return x->len == y->len && !memcmp(x->data, y->data, x->len);
	return !strcmp(member_digest(x), member_digest(y));
}

/* An ASCII cpio header anywhere in the blob that claims more than there is
 * would make libarchive allocate what it claims (archive/cpio_check.h). */
static int cpio_sizes_fit(const struct diff_blob *bl, const char *label, struct err *e)
{
	if (cpio_check_buffer(bl->p, bl->len, e) < 0)
		return err_wrap(e, "\"%s\"", label);
	return 0;
}

static int read_members(struct diff_ctx *c, const struct diff_blob *bl, const char *label,
			struct members *out, struct err *e)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ent;
	size_t cap = 0;
	int r, ret = -1;

	archive_read_support_format_tar(ar);
	archive_read_support_format_cpio(ar);
	archive_read_support_format_ar(ar);
	archive_read_support_format_zip(ar);
	if (cpio_sizes_fit(bl, label, e) < 0)
		goto out;
	if (archive_read_open_memory(ar, bl->p, bl->len) != ARCHIVE_OK) {
		err_set(e, "\"%s\": not a readable archive: %s", label, archive_error_string(ar));
		goto out;
	}
	while ((r = archive_read_next_header(ar, &ent)) != ARCHIVE_EOF) {
		struct member *m;
		if (r < ARCHIVE_WARN) {
			err_set(e, "\"%s\": corrupt archive: %s", label,
				archive_error_string(ar) ? archive_error_string(ar) : "bad header");
			goto out;
		}
		if (out->n >= ARCHIVE_MAX_MEMBERS) {
			err_set(e, "\"%s\": more than %d members", label, ARCHIVE_MAX_MEMBERS);
			goto out;
		}
		if (out->n == cap)
			out->v = xrealloc(out->v, (cap = cap ? 2 * cap : 64) * sizeof(*out->v));
		m = &out->v[out->n++];
		memset(m, 0, sizeof(*m));
		m->path = xstrdup(archive_entry_pathname(ent) ? archive_entry_pathname(ent)
							      : "(no name)");
		m->link = dup_or_null(archive_entry_symlink(ent));
		if (!m->link)
			m->link = dup_or_null(archive_entry_hardlink(ent));
		m->uname = dup_or_null(archive_entry_uname(ent));
		m->gname = dup_or_null(archive_entry_gname(ent));
		m->mtime = archive_entry_mtime(ent);
		m->uid = archive_entry_uid(ent);
		m->gid = archive_entry_gid(ent);
		m->mode = archive_entry_mode(ent);
		m->size = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : -1;
		m->order = out->n - 1;
		/* A record runs from its headers (a pax header's included) to
     * the next member's. */
		m->rec_off = (uint64_t)archive_read_header_position(ar);
		if (out->n > 1)
			out->v[out->n - 2].rec_len = m->rec_off - out->v[out->n - 2].rec_off;
		if (read_data(c, ar, m, label, e) < 0)
			goto out;
		if (diff_over_limit(c))
			break;
	}
	if (out->n) {
		/* The last record ends where the end-of-archive marker starts. */
		int64_t end = archive_read_header_position(ar);
		struct member *last = &out->v[out->n - 1];
		last->rec_len = end > (int64_t)last->rec_off ? (uint64_t)end - last->rec_off : 0;
		if (last->rec_off + last->rec_len > bl->len || !last->rec_len)
			last->rec_len = bl->len - last->rec_off;
	}
	out->format = xstrdup(archive_format_name(ar) ? archive_format_name(ar) : "?");
	ret = 0;
out:
	archive_read_free(ar);
	return ret;
}

static int cmp_path(const void *x, const void *y)
{
	const struct member *const *a = x, *const *b = y;
	int c = strcmp((*a)->path, (*b)->path);
	return c ? c : ((*a)->order > (*b)->order) - ((*a)->order < (*b)->order);
}

static const struct member **sorted(const struct members *m)
{
	const struct member **v = xcalloc(m->n + 1, sizeof(*v));
	for (size_t i = 0; i < m->n; i++)
		v[i] = &m->v[i];
	qsort(v, m->n, sizeof(*v), cmp_path);
	return v;
}

/* The records of two members: the bytes their differences are about. */
static void member_at(struct diff_ctx *c, struct diff_item *it, const struct member *x,
		      const struct member *y)
{
	if (x)
		report_at(c, it, 0, x->rec_off, x->rec_len);
	if (y)
		report_at(c, it, 1, y->rec_off, y->rec_len);
}

static void meta_item(struct diff_ctx *c, const char *name, size_t *shown, const struct member *x,
		      const struct member *y, const char *field, enum diff_hint h, char *a, char *b)
{
	if ((*shown)++ < c->keep)
		member_at(c,
			  report_add(c, name, "member-metadata", h,
				     xasprintf("%s: %s", x->path, field), a, b),
			  x, y);
	else {
		member_at(c, NULL, x, y);
		report_count(c, h);
		free(a);
		free(b);
	}
}

static enum diff_hint owner_hint(const struct diff_ctx *c, const char *a, const char *b)
{
	const char *user = diff_username(c);

	if ((a && !strcmp(a, user)) || (b && !strcmp(b, user)))
		return HINT_USERNAME;
	return HINT_CONTENT;
}

static void meta_diff(struct diff_ctx *c, const char *name, const struct member *x,
		      const struct member *y, size_t *shown)
{
	char ta[32], tb[32];

	if (x->mtime != y->mtime) {
		clock_rfc3339(x->mtime, ta);
		clock_rfc3339(y->mtime, tb);
		meta_item(c, name, shown, x, y, "mtime", HINT_TIMESTAMP, xstrdup(ta), xstrdup(tb));
	}
	if (x->uid != y->uid || x->gid != y->gid)
		meta_item(c, name, shown, x, y, "uid/gid", owner_hint(c, x->uname, y->uname),
			  xasprintf("%lld/%lld", (long long)x->uid, (long long)x->gid),
			  xasprintf("%lld/%lld", (long long)y->uid, (long long)y->gid));
	if (strcmp(x->uname ? x->uname : "", y->uname ? y->uname : "") ||
	    strcmp(x->gname ? x->gname : "", y->gname ? y->gname : ""))
		meta_item(c, name, shown, x, y, "uname/gname", owner_hint(c, x->uname, y->uname),
			  xasprintf("%s/%s", x->uname ? x->uname : "", x->gname ? x->gname : ""),
			  xasprintf("%s/%s", y->uname ? y->uname : "", y->gname ? y->gname : ""));
	if (x->mode != y->mode)
		meta_item(c, name, shown, x, y, "mode", hints_mode(x->mode, y->mode),
			  xasprintf("0%o", x->mode), xasprintf("0%o", y->mode));
	if (strcmp(x->link ? x->link : "", y->link ? y->link : ""))
		meta_item(c, name, shown, x, y, "link",
			  hints_strings(c, x->link ? x->link : "", y->link ? y->link : ""),
			  xstrdup(x->link ? x->link : ""), xstrdup(y->link ? y->link : ""));
}

/* Common members in a's order whose positions in b are not increasing. */
static void order_diff(struct diff_ctx *c, const char *name, const struct members *ma,
		       const struct members *mb, const size_t *pos_b)
{
	size_t last = 0, first = 1;
	struct buf oa = BUF_INIT, ob = BUF_INIT;

	for (size_t i = 0; i < ma->n; i++) {
		if (pos_b[i] == (size_t)-1)
			continue;
		if (!first && pos_b[i] < last) {
			for (size_t k = 0; k < ma->n && k < 6; k++)
				buf_addf(&oa, "%s%s", k ? " " : "", ma->v[k].path);
			for (size_t k = 0; k < mb->n && k < 6; k++)
				buf_addf(&ob, "%s%s", k ? " " : "", mb->v[k].path);
			member_at(c,
				  report_add(c, name, "member-order", HINT_ORDERING,
					     xasprintf("\"%s\" comes earlier in b", ma->v[i].path),
					     buf_take(&oa, NULL), buf_take(&ob, NULL)),
				  &ma->v[i], &mb->v[pos_b[i]]);
			break;
		}
		last = pos_b[i];
		first = 0;
	}
	buf_release(&oa);
	buf_release(&ob);
}

int diff_archive(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		 struct err *e)
{
	struct members ma = { NULL, 0, NULL }, mb = { NULL, 0, NULL };
	const struct member **sa = NULL, **sb = NULL;
	size_t *pos_b = NULL, i = 0, j = 0, shown = 0, listed = 0;
	char *la = diff_label(c, name, 0), *lb = diff_label(c, name, 1);
	int ret = -1;

	if (read_members(c, a, la, &ma, e) < 0 || read_members(c, b, lb, &mb, e) < 0)
		goto out;
	report_file(c, name, "archive");
	if (strcmp(ma.format, mb.format))
		report_add(c, name, "archive-format", HINT_CONTENT, NULL, xstrdup(ma.format),
			   xstrdup(mb.format));
	sa = sorted(&ma);
	sb = sorted(&mb);
	pos_b = xmalloc((ma.n + 1) * sizeof(size_t));
	for (size_t k = 0; k < ma.n; k++)
		pos_b[k] = (size_t)-1;
	while ((i < ma.n || j < mb.n) && !diff_over_limit(c)) {
		int cmp = i >= ma.n ? 1 : j >= mb.n ? -1 : strcmp(sa[i]->path, sb[j]->path);
		if (cmp) {
			const struct member *m = cmp < 0 ? sa[i++] : sb[j++];
			struct diff_item *it = NULL;
			if (listed++ < c->keep)
				it = report_add(c, name, "member", HINT_CONTENT, xstrdup(m->path),
						xstrdup(cmp < 0 ? "present" : "absent"),
						xstrdup(cmp < 0 ? "absent" : "present"));
			else
				report_count(c, HINT_CONTENT);
			member_at(c, it, cmp < 0 ? m : NULL, cmp < 0 ? NULL : m);
			continue;
		}
		pos_b[sa[i]->order] = sb[j]->order;
		meta_diff(c, name, sa[i], sb[j], &shown);
		i++, j++;
	}
	order_diff(c, name, &ma, &mb, pos_b);
	/* Contents after the archive's own differences, so that each member's
   * report follows its archive's. */
	for (size_t k = 0; k < ma.n && !diff_over_limit(c); k++) {
		struct member *x = &ma.v[k], *y;
		char *sub;
		if (pos_b[k] == (size_t)-1)
			continue;
		y = &mb.v[pos_b[k]];
		c->r->files_compared++;
		if (same_contents(x, y))
			continue;
		sub = xasprintf("%s!%s", name, x->path);
		/* The member's record is what its contents' differences are
     * about, at this archive's level. */
		member_at(c,
			  report_add(c, name, "member", HINT_CONTENT,
				     xasprintf("%s: contents", x->path),
				     xasprintf("%lld bytes", (long long)x->size),
				     xasprintf("%lld bytes", (long long)y->size)),
			  x, y);
		if (x->data && y->data && c->depth < ARCHIVE_MAX_DEPTH) {
			struct diff_blob bx = { x->data, x->len }, by = { y->data, y->len };
			c->r->files_compared--; /* diff_blobs counts it */
			c->depth++;
			ret = diff_blobs(c, sub, &bx, &by, e);
			c->depth--;
		} else {
			ret = 0;
			report_add(c, name, "member", HINT_CONTENT,
				   xasprintf("%s: sha256", x->path),
				   xasprintf("sha256 %.16s", member_digest(x)),
				   xasprintf("sha256 %.16s", member_digest(y)));
		}
		free(sub);
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	free(pos_b);
	free(sa);
	free(sb);
	members_release(c, &ma);
	members_release(c, &mb);
	free(la);
	free(lb);
	return ret;
}
