/* SPDX-License-Identifier: MIT */
/* SquashFS images (libsquashfs, squashfs-tools-ng): the superblock's fields
 * by name (the creation time a timestamp), then the file systems compared
 * as trees by path: entries only one side has, type, mode, owner, mtime,
 * symlink targets and device numbers, and each regular file whose contents
 * differ compared as a file of its own, "rootfs.squashfs!bin/fw.elf".  The
 * image's bytes are compressed metadata and data blocks: once a difference
 * in the tree is reported it explains them, and they are not listed again
 * byte by byte. */
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "diff/internal.h"

#define SQUASHFS_SUPER 96
#define SQUASHFS_MAX_ENTRIES 1000000 /* a tree's entries held at once */

int diff_squashfs_is(const struct diff_blob *b)
{
	return b->len >= SQUASHFS_SUPER && !memcmp(b->p, "hsqs", 4);
}

/* libsquashfs reads through this: the image in memory, bounds checked. */
struct mem_file {
	sqfs_file_t base;
	const unsigned char *p; /* borrowed */
	size_t len;
};

static void mem_destroy(sqfs_object_t *o)
{
	(void)o; /* lives on the caller's stack */
}

static int mem_read_at(sqfs_file_t *f, sqfs_u64 off, void *buf, size_t size)
{
	const struct mem_file *m = (const struct mem_file *)f;

	if (off > m->len || size > m->len - off)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	memcpy(buf, m->p + off, size);
	return 0;
}

static int mem_write_at(sqfs_file_t *f, sqfs_u64 off, const void *buf, size_t size)
{
	return SQFS_ERROR_IO;
}

static sqfs_u64 mem_size(const sqfs_file_t *f)
{
	return ((const struct mem_file *)f)->len;
}

static int mem_truncate(sqfs_file_t *f, sqfs_u64 size)
{
	return SQFS_ERROR_IO;
}

/* One side: the image read as far as its tree and its data. */
struct sqside {
	struct mem_file file;
	sqfs_super_t super;
	sqfs_compressor_t *cmp;
	sqfs_id_table_t *ids;
	sqfs_dir_reader_t *dirs;
	sqfs_data_reader_t *data;
	sqfs_tree_node_t *root;
	struct sqentry {
		char *path;                   /* owned (libsquashfs') */
		const sqfs_tree_node_t *node; /* borrowed from root */
	} * v;                                /* owned, sorted by path */
	size_t n, cap;
};

static void side_release(struct sqside *s)
{
	for (size_t i = 0; i < s->n; i++)
		sqfs_free(s->v[i].path);
	free(s->v);
	if (s->root)
		sqfs_dir_tree_destroy(s->root);
	sqfs_destroy(s->data);
	sqfs_destroy(s->dirs);
	sqfs_destroy(s->ids);
	sqfs_destroy(s->cmp);
	memset(s, 0, sizeof(*s));
}

static int flatten(struct sqside *s, const sqfs_tree_node_t *n)
{
	for (; n; n = n->next) {
		char *path = NULL;
		if (s->n >= SQUASHFS_MAX_ENTRIES || sqfs_tree_node_get_path(n, &path))
			return -1;
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 64;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		/* Paths start with "/": the root itself is "/". */
		s->v[s->n].path = path;
		s->v[s->n++].node = n;
		if (flatten(s, n->children) < 0)
			return -1;
	}
	return 0;
}

static int cmp_entry(const void *x, const void *y)
{
	return strcmp(((const struct sqentry *)x)->path, ((const struct sqentry *)y)->path);
}

static int side_open(struct sqside *s, const char *label, const struct diff_blob *b, struct err *e)
{
	sqfs_compressor_config_t cfg;
	const char *what;
	int rc;

	memset(s, 0, sizeof(*s));
	s->file.base.base.destroy = mem_destroy;
	s->file.base.read_at = mem_read_at;
	s->file.base.write_at = mem_write_at;
	s->file.base.get_size = mem_size;
	s->file.base.truncate = mem_truncate;
	s->file.p = b->p;
	s->file.len = b->len;
	what = "superblock";
	if ((rc = sqfs_super_read(&s->super, &s->file.base)))
		goto bad;
	what = "compressor";
	if ((rc = sqfs_compressor_config_init(&cfg, (SQFS_COMPRESSOR)s->super.compression_id,
					      s->super.block_size, SQFS_COMP_FLAG_UNCOMPRESS)) ||
	    (rc = sqfs_compressor_create(&cfg, &s->cmp)))
		goto bad;
	what = "id table";
	rc = SQFS_ERROR_ALLOC;
	if (!(s->ids = sqfs_id_table_create(0)) ||
	    (rc = sqfs_id_table_read(s->ids, &s->file.base, &s->super, s->cmp)))
		goto bad;
	what = "directory table";
	rc = SQFS_ERROR_ALLOC;
	if (!(s->dirs = sqfs_dir_reader_create(&s->super, s->cmp, &s->file.base, 0)) ||
	    (rc = sqfs_dir_reader_get_full_hierarchy(s->dirs, s->ids, NULL, 0, &s->root)))
		goto bad;
	what = "fragment table";
	rc = SQFS_ERROR_ALLOC;
	if (!(s->data = sqfs_data_reader_create(&s->file.base, s->super.block_size, s->cmp, 0)) ||
	    (rc = sqfs_data_reader_load_fragment_table(s->data, &s->super)))
		goto bad;
	what = "tree";
	rc = SQFS_ERROR_OVERFLOW;
	if (flatten(s, s->root) < 0)
		goto bad;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_entry);
	return 0;
bad:
	err_set(e, "\"%s\": unreadable squashfs %s (libsquashfs error %d)", label, what, rc);
	side_release(s);
	return -1;
}

static uint64_t le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The superblock as written (little-endian), every field by name. */
static const struct {
	const char *name;
	unsigned off, len;
} super_fields[] = {
	{ "inode count", 4, 4 },      { "modification time", 8, 4 }, { "block size", 12, 4 },
	{ "fragment count", 16, 4 },  { "compression", 20, 2 },      { "block log", 22, 2 },
	{ "flags", 24, 2 },           { "id count", 26, 2 },         { "version major", 28, 2 },
	{ "version minor", 30, 2 },   { "root inode", 32, 8 },       { "bytes used", 40, 8 },
	{ "id table", 48, 8 },        { "xattr id table", 56, 8 },   { "inode table", 64, 8 },
	{ "directory table", 72, 8 }, { "fragment table", 80, 8 },   { "export table", 88, 8 },
};

static char *super_value(const unsigned char *p, unsigned off, unsigned len)
{
	uint64_t v = le(p + off, len);
	char t[32];

	if (off == 8) {
		clock_rfc3339((int64_t)v, t);
		return xasprintf("%s (%llu)", t, (unsigned long long)v);
	}
	if (off == 20) {
		const char *n = sqfs_compressor_name_from_id((SQFS_COMPRESSOR)v);
		return xasprintf("%llu (%s)", (unsigned long long)v, n ? n : "?");
	}
	if (len == 8 || off == 24)
		return xasprintf("0x%llx", (unsigned long long)v);
	return xasprintf("%llu", (unsigned long long)v);
}

static void super_diff(struct diff_ctx *c, const char *name, const unsigned char *a,
		       const unsigned char *b)
{
	for (size_t i = 0; i < sizeof(super_fields) / sizeof(super_fields[0]); i++) {
		unsigned o = super_fields[i].off, n = super_fields[i].len;
		struct diff_item *it;
		if (!memcmp(a + o, b + o, n))
			continue;
		it = report_add(c, name, "squashfs-super", o == 8 ? HINT_TIMESTAMP : HINT_CONTENT,
				xstrdup(super_fields[i].name), super_value(a, o, n),
				super_value(b, o, n));
		report_at(c, it, 0, o, n);
		report_at(c, it, 1, o, n);
	}
}

static const char *type_name(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "fifo";
	default:
		return "socket";
	}
}

static char *link_target(const sqfs_inode_generic_t *in)
{
	size_t n = in->base.type == SQFS_INODE_SLINK ? in->data.slink.target_size
						     : in->data.slink_ext.target_size;
	if (n > in->payload_bytes_used)
		n = in->payload_bytes_used;
	return xasprintf("%.*s", (int)n, (const char *)in->extra);
}

static uint32_t devno(const sqfs_inode_generic_t *in)
{
	if (in->base.type == SQFS_INODE_BDEV || in->base.type == SQFS_INODE_CDEV)
		return in->data.dev.devno;
	if (in->base.type == SQFS_INODE_EXT_BDEV || in->base.type == SQFS_INODE_EXT_CDEV)
		return in->data.dev_ext.devno;
	return 0;
}

/* A regular file's contents, read whole within the memory budget; NULL
 * data (and the report partial) past it. */
static int read_file(struct diff_ctx *c, struct sqside *s, const sqfs_inode_generic_t *in,
		     const char *label, struct diff_blob *out, struct err *e)
{
	sqfs_u64 size = 0;
	sqfs_s32 n;

	out->p = NULL;
	out->len = 0;
	sqfs_inode_get_file_size(in, &size);
	/* A size its blocks cannot hold (a damaged inode) is refused before
	 * anything is allocated for it. */
	if (size > ((uint64_t)sqfs_inode_get_file_block_count(in) + 1) * s->super.block_size)
		return err_set(e,
			       "\"%s\": squashfs inode says %llu bytes, more than its blocks hold",
			       label, (unsigned long long)size);
	if (size > c->mem_budget - c->mem_used || size > 0x7fffffff) {
		report_partial(c->r, "squashfs files beyond --max-memory were not compared");
		return 0;
	}
	out->p = xmalloc(size ? (size_t)size : 1);
	out->len = (size_t)size;
	n = size ? sqfs_data_reader_read(s->data, in, 0, out->p, (sqfs_u32)size) : 0;
	if (n < 0 || (sqfs_u64)n != size) {
		free(out->p);
		out->p = NULL;
		return err_set(e, "\"%s\": unreadable squashfs file data (libsquashfs error %d)",
			       label, (int)n);
	}
	c->mem_used += out->len;
	return 0;
}

static int contents_diff(struct diff_ctx *c, const char *name, const char *path, struct sqside *a,
			 struct sqside *b, const sqfs_inode_generic_t *x,
			 const sqfs_inode_generic_t *y, struct err *e)
{
	struct diff_blob da = { NULL, 0 }, db = { NULL, 0 };
	char *sub = xasprintf("%s!%s", name, path + 1);
	char *la = diff_label(c, sub, 0), *lb = diff_label(c, sub, 1);
	int ret = -1;

	if (read_file(c, a, x, la, &da, e) < 0 || read_file(c, b, y, lb, &db, e) < 0)
		goto out;
	ret = 0;
	if (!da.p || !db.p)
		goto out;
	c->depth++;
	/* Offsets inside are the file's, as an archive member's are. */
	if (c->depth <= 8)
		ret = diff_blobs(c, sub, &da, &db, e);
	c->depth--;
out:
	diff_blob_drop(c, &da);
	diff_blob_drop(c, &db);
	free(sub);
	free(la);
	free(lb);
	return ret;
}

static void meta(struct diff_ctx *c, const char *name, const char *path, const char *field,
		 enum diff_hint h, char *va, char *vb)
{
	report_add(c, name, "member-metadata", h, xasprintf("%s: %s", path, field), va, vb);
}

static int entry_diff(struct diff_ctx *c, const char *name, struct sqside *a, struct sqside *b,
		      const struct sqentry *x, const struct sqentry *y, struct err *e)
{
	const sqfs_inode_generic_t *ix = x->node->inode, *iy = y->node->inode;
	unsigned mx = ix->base.mode, my = iy->base.mode;
	char ta[32], tb[32];

	if ((mx & S_IFMT) != (my & S_IFMT)) {
		meta(c, name, x->path, "type", HINT_CONTENT, xstrdup(type_name(mx)),
		     xstrdup(type_name(my)));
		return 0;
	}
	if ((mx & 07777) != (my & 07777))
		meta(c, name, x->path, "mode", hints_mode(mx & 07777, my & 07777),
		     xasprintf("0%o", mx & 07777), xasprintf("0%o", my & 07777));
	if (x->node->uid != y->node->uid || x->node->gid != y->node->gid)
		meta(c, name, x->path, "uid/gid", HINT_CONTENT,
		     xasprintf("%u/%u", x->node->uid, x->node->gid),
		     xasprintf("%u/%u", y->node->uid, y->node->gid));
	if (ix->base.mod_time != iy->base.mod_time) {
		clock_rfc3339(ix->base.mod_time, ta);
		clock_rfc3339(iy->base.mod_time, tb);
		meta(c, name, x->path, "mtime", HINT_TIMESTAMP, xstrdup(ta), xstrdup(tb));
	}
	if (S_ISLNK(mx)) {
		char *la = link_target(ix), *lb = link_target(iy);
		if (strcmp(la, lb))
			meta(c, name, x->path, "link", hints_strings(c, la, lb), la, lb);
		else {
			free(la);
			free(lb);
		}
	} else if ((S_ISCHR(mx) || S_ISBLK(mx)) && devno(ix) != devno(iy)) {
		meta(c, name, x->path, "device", HINT_CONTENT, xasprintf("0x%x", devno(ix)),
		     xasprintf("0x%x", devno(iy)));
	} else if (S_ISREG(mx)) {
		return contents_diff(c, name, x->path, a, b, ix, iy, e);
	}
	return 0;
}

int diff_squashfs(struct diff_ctx *c, const char *name, struct diff_blob *ba, struct diff_blob *bb,
		  struct err *e)
{
	struct sqside a, b;
	char *la = diff_label(c, name, 0), *lb = diff_label(c, name, 1);
	size_t i = 0, j = 0, before;
	int ret = -1;

	memset(&b, 0, sizeof(b));
	if (side_open(&a, la, ba, e) < 0 || side_open(&b, lb, bb, e) < 0)
		goto out;
	report_file(c, name, "squashfs");
	super_diff(c, name, ba->p, bb->p);
	before = c->r->n_items + c->r->dropped;
	while ((i < a.n || j < b.n) && !diff_over_limit(c)) {
		int cmp = i >= a.n ? 1 : j >= b.n ? -1 : strcmp(a.v[i].path, b.v[j].path);
		if (cmp) {
			const struct sqentry *only = cmp < 0 ? &a.v[i] : &b.v[j];
			const char *t = type_name(only->node->inode->base.mode);
			report_add(c, name, "member", HINT_CONTENT, xstrdup(only->path),
				   xstrdup(cmp < 0 ? t : "absent"),
				   xstrdup(cmp < 0 ? "absent" : t));
		} else if (entry_diff(c, name, &a, &b, &a.v[i], &b.v[j], e) < 0) {
			goto out;
		}
		i += cmp <= 0;
		j += cmp >= 0;
	}
	/* The tree's differences explain the image's compressed bytes; with
	 * none (the same tree packed differently), the bytes are compared. */
	if (c->r->n_items + c->r->dropped > before) {
		report_at(c, NULL, 0, 0, ba->len);
		report_at(c, NULL, 1, 0, bb->len);
	}
	ret = 0;
out:
	side_release(&a);
	side_release(&b);
	free(la);
	free(lb);
	return ret;
}
