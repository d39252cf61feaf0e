/* SPDX-License-Identifier: MIT */
/* Compressed single files (gzip, xz, zstd, bzip2, lz4; Image.gz, *.ko.xz,
 * a .tar.gz): the container's header fields by name (a gzip's stored name
 * and mtime, the level each format records), the compressed data as one
 * difference, then the decompressed contents (zlib for gzip, libarchive's
 * filters for the others) compared as a file of their own: "Image.gz!Image", or under the file's
 * own name when they are an archive, so that a .tar.gz's members read
 * "pkg.tar.gz!fw.elf". */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST 1 /* next_in is const: our blobs are */
#include <zlib.h>

#include "core/clock.h"
#include "diff/internal.h"

/* A container field: its name, where it lies, its value as shown. */
struct cfield {
	const char *name;
	uint64_t off, len;
	char *val; /* owned */
	enum diff_hint hint;
};

struct container {
	const char *format; /* "gzip", "xz", ... */
	struct cfield f[16];
	size_t nf;
	uint64_t data_off; /* where the compressed data starts */
	char *stored_name; /* owned, may be NULL: a gzip's FNAME */
};

static int magic(const struct diff_blob *b, const char *m, size_t n)
{
	return b->len >= n && !memcmp(b->p, m, n);
}

int diff_compress_is(const struct diff_blob *b)
{
	return magic(b, "\x1f\x8b", 2) ||
	       magic(b,
		     "\xfd"
		     "7zXZ\0",
		     6) ||
	       (magic(b, "BZh", 3) && b->len > 3 && b->p[3] >= '1' && b->p[3] <= '9') ||
	       magic(b, "\x28\xb5\x2f\xfd", 4) || magic(b, "\x04\x22\x4d\x18", 4);
}

static void field(struct container *k, const char *name, uint64_t off, uint64_t len,
		  enum diff_hint h, char *val)
{
	if (k->nf == sizeof(k->f) / sizeof(k->f[0])) {
		free(val);
		return;
	}
	k->f[k->nf++] = (struct cfield){ name, off, len, val, h };
}

static void container_release(struct container *k)
{
	for (size_t i = 0; i < k->nf; i++)
		free(k->f[i].val);
	free(k->stored_name);
	memset(k, 0, sizeof(*k));
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RFC 1952: the fixed header, then the optional extra, name, comment and
 * header CRC that FLG announces.  Decompression itself is libarchive's. */
static void parse_gzip(const struct diff_blob *b, struct container *k)
{
	const unsigned char *p = b->p;
	uint64_t at = 10, n = b->len;
	char t[32];

	k->format = "gzip";
	if (n < 18)
		return;
	field(k, "method", 2, 1, HINT_CONTENT, xasprintf("%u", p[2]));
	field(k, "flags", 3, 1, HINT_CONTENT, xasprintf("0x%02x", p[3]));
	clock_rfc3339(le32(p + 4), t);
	field(k, "mtime", 4, 4, le32(p + 4) ? HINT_TIMESTAMP : HINT_CONTENT,
	      le32(p + 4) ? xstrdup(t) : xstrdup("0 (none)"));
	/* XFL is all a gzip stream says of its level. */
	field(k, "level (xfl)", 8, 1, HINT_CONTENT,
	      xasprintf("%u%s", p[8],
			p[8] == 2   ? " (-9, best)"
			: p[8] == 4 ? " (-1, fastest)"
				    : ""));
	field(k, "os", 9, 1, HINT_CONTENT, xasprintf("%u", p[9]));
	if ((p[3] & 4) && at + 2 <= n) {
		uint64_t xl = p[at] | (uint64_t)p[at + 1] << 8;
		field(k, "extra", at, 2 + xl, HINT_CONTENT,
		      xasprintf("%llu bytes", (unsigned long long)xl));
		at += 2 + xl;
	}
	for (int which = 0; which < 2; which++) {
		int flag = which ? 16 : 8;
		if ((p[3] & flag) && at < n) {
			size_t l = strnlen((const char *)p + at, (size_t)(n - at));
			char *s = xstrndup((const char *)p + at, l);
			field(k, which ? "comment" : "name", at, l + 1, HINT_CONTENT,
			      xasprintf("\"%s\"", s));
			if (!which)
				k->stored_name = s;
			else
				free(s);
			at += l + 1;
		}
	}
	if (p[3] & 2)
		at += 2;
	k->data_off = at < n ? at : n;
}

/* The xz stream header's check type and the first block's LZMA2
 * dictionary size: what the preset (-6, -9) chose. */
static void parse_xz(const struct diff_blob *b, struct container *k)
{
	static const char *const checks[16] = {
		[0] = "none", [1] = "crc32", [4] = "crc64", [10] = "sha256"
	};
	const unsigned char *p = b->p;
	uint64_t n = b->len, at;

	k->format = "xz";
	k->data_off = n < 12 ? n : 12;
	if (n < 13)
		return;
	field(k, "check", 6, 2, HINT_CONTENT,
	      xstrdup(checks[p[7] & 15] ? checks[p[7] & 15] : "reserved"));
	if (!p[12])
		return; /* no block: the index follows */
	/* Block header: size, flags, optional sizes (varints), then the
	 * filters; LZMA2 (0x21) has one property byte. */
	at = 14;
	for (int opt = 0; opt < 2; opt++)
		if (p[13] & (0x40 << opt))
			while (at < n && (p[at++] & 0x80))
				;
	if (at + 3 <= n && p[at] == 0x21 && p[at + 1] == 1 && p[at + 2] <= 40) {
		unsigned d = p[at + 2];
		uint64_t size = d == 40 ? 0xffffffffu : (uint64_t)(2 | (d & 1)) << (d / 2 + 11);
		field(k, "dictionary (level)", at + 2, 1, HINT_CONTENT,
		      xasprintf("%llu KiB", (unsigned long long)(size >> 10)));
	}
}

static void parse_zstd(const struct diff_blob *b, struct container *k)
{
	const unsigned char *p = b->p;

	k->format = "zstd";
	k->data_off = 4;
	if (b->len < 6)
		return;
	field(k, "frame header", 4, 1, HINT_CONTENT,
	      xasprintf("0x%02x (checksum %s, content size %s)", p[4], p[4] & 4 ? "yes" : "no",
			p[4] >> 6 || (p[4] & 0x20) ? "stored" : "absent"));
	if (!(p[4] & 0x20)) {
		unsigned wl = 10 + (p[5] >> 3);
		uint64_t w = (1ull << wl) + ((1ull << wl) >> 3) * (p[5] & 7);
		field(k, "window (level)", 5, 1, HINT_CONTENT,
		      xasprintf("%llu KiB", (unsigned long long)(w >> 10)));
	}
}

static void parse_container(const struct diff_blob *b, struct container *k)
{
	memset(k, 0, sizeof(*k));
	if (magic(b, "\x1f\x8b", 2)) {
		parse_gzip(b, k);
	} else if (magic(b,
			 "\xfd"
			 "7zXZ",
			 5)) {
		parse_xz(b, k);
	} else if (magic(b, "\x28\xb5\x2f\xfd", 4)) {
		parse_zstd(b, k);
	} else if (magic(b, "BZh", 3)) {
		k->format = "bzip2";
		field(k, "block size (level)", 3, 1, HINT_CONTENT, xasprintf("%c00k", b->p[3]));
		k->data_off = 4;
	} else {
		k->format = "lz4";
		if (b->len >= 7) {
			field(k, "flags", 4, 1, HINT_CONTENT, xasprintf("0x%02x", b->p[4]));
			field(k, "block size", 5, 1, HINT_CONTENT, xasprintf("0x%02x", b->p[5]));
		}
		k->data_off = 4;
	}
	if (k->data_off > b->len)
		k->data_off = b->len;
}

static const struct cfield *find_field(const struct container *k, const char *name)
{
	for (size_t i = 0; i < k->nf; i++)
		if (!strcmp(k->f[i].name, name))
			return &k->f[i];
	return NULL;
}

/* The fields by name (a gzip may store a name on one side only), each
 * located on both sides. */
static void container_diff(struct diff_ctx *c, const char *name, const struct diff_blob *a,
			   const struct diff_blob *b, const struct container *ka,
			   const struct container *kb)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct container *k = pass ? kb : ka;
		for (size_t i = 0; i < k->nf; i++) {
			const struct cfield *x = pass ? find_field(ka, k->f[i].name) : &k->f[i];
			const struct cfield *y = pass ? &k->f[i] : find_field(kb, k->f[i].name);
			struct diff_item *it;
			if (pass && x)
				continue; /* seen in the first pass */
			if (x && y && !strcmp(x->val, y->val) && x->len == y->len &&
			    x->off + x->len <= a->len && y->off + y->len <= b->len &&
			    !memcmp(a->p + x->off, b->p + y->off, x->len))
				continue;
			it = report_add(c, name, "container",
					x && x->hint ? x->hint
					: y          ? y->hint
						     : HINT_CONTENT,
					xstrdup(k->f[i].name), xstrdup(x ? x->val : "absent"),
					xstrdup(y ? y->val : "absent"));
			if (x)
				report_at(c, it, 0, x->off, x->len);
			if (y)
				report_at(c, it, 1, y->off, y->len);
		}
	}
}

/* Appends n decompressed bytes, within --max-memory: 0, 1 when the
 * comparison's time is up (what is there is compared), -1 beyond. */
static int keep(struct diff_ctx *c, struct buf *data, const void *p, size_t n, const char *label,
		struct err *e)
{
	if (data->len + n > c->mem_budget - c->mem_used)
		return err_set(e, "\"%s\": decompressed contents beyond --max-memory", label);
	buf_add(data, p, n);
	return diff_over_limit(c);
}

/* gzip through zlib, which libdw and libsquashfs have loaded at start-up
 * anyway: a kernel's Image.gz, a uImage's or a FIT's gzipped payload then
 * costs no libarchive (its first call loads sixteen libraries, 2.6 MB,
 * archive/lazy.c).  Members that follow one another are one stream, as
 * `gzip -d` and libarchive read them; bytes after the last are ignored,
 * as libarchive ignores them. */
static int gunzip(struct diff_ctx *c, const struct diff_blob *b, const char *label,
		  struct buf *data, struct err *e)
{
	unsigned char chunk[65536];
	z_stream z;
	int rc, k = 0;

	memset(&z, 0, sizeof(z));
	z.next_in = b->p;
	if (inflateInit2(&z, 15 + 16) != Z_OK) /* 16: a gzip header and trailer */
		return err_set(e, "\"%s\": zlib cannot start", label);
	do {
		size_t pos = (size_t)(z.next_in - b->p);
		if (!z.avail_in) /* avail_in is 32 bits: a slice at a time */
			z.avail_in = (uInt)(b->len - pos > (1u << 30) ? (1u << 30) : b->len - pos);
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && (size_t)(z.next_in - b->p) == b->len) {
			k = err_set(e, "\"%s\": corrupt compressed stream: truncated", label);
			break;
		}
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			k = err_set(e, "\"%s\": corrupt compressed stream: %s", label,
				    z.msg ? z.msg : "zlib error");
			break;
		}
		k = keep(c, data, chunk, sizeof(chunk) - z.avail_out, label, e);
		pos = (size_t)(z.next_in - b->p);
		if (!k && rc == Z_STREAM_END && b->len - pos >= 2 && b->p[pos] == 0x1f &&
		    b->p[pos + 1] == 0x8b) {
			inflateReset(&z);
			rc = Z_OK;
		}
	} while (!k && rc != Z_STREAM_END);
	inflateEnd(&z);
	return k < 0 ? -1 : 0;
}

/* The other formats through libarchive's filters. */
static int unpack(struct diff_ctx *c, const struct diff_blob *b, const char *label,
		  struct buf *data, struct err *e)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ent;
	char chunk[65536];
	la_ssize_t n;
	int ret = -1;

	archive_read_support_filter_all(ar);
	archive_read_support_format_raw(ar);
	if (archive_read_open_memory(ar, b->p, b->len) != ARCHIVE_OK ||
	    archive_read_next_header(ar, &ent) != ARCHIVE_OK) {
		err_set(e, "\"%s\": not a readable compressed stream: %s", label,
			archive_error_string(ar) ? archive_error_string(ar) : "no data");
		goto out;
	}
	while ((n = archive_read_data(ar, chunk, sizeof(chunk))) > 0) {
		int k = keep(c, data, chunk, (size_t)n, label, e);
		if (k < 0)
			goto out;
		if (k)
			break;
	}
	if (n < 0) {
		err_set(e, "\"%s\": corrupt compressed stream: %s", label,
			archive_error_string(ar) ? archive_error_string(ar) : "read error");
		goto out;
	}
	ret = 0;
out:
	archive_read_free(ar);
	return ret;
}

/* The decompressed stream, held within --max-memory. */
static int decompress(struct diff_ctx *c, const struct diff_blob *b, const char *label,
		      struct diff_blob *out, struct err *e)
{
	struct buf data = BUF_INIT;
	int ret = magic(b, "\x1f\x8b", 2) ? gunzip(c, b, label, &data, e)
					  : unpack(c, b, label, &data, e);

	out->p = NULL;
	out->len = 0;
	if (ret == 0) {
		out->len = data.len;
		out->p = (unsigned char *)buf_take(&data, NULL);
		if (!out->p)
			out->p = (unsigned char *)xstrdup("");
	}
	buf_release(&data);
	return ret;
}

/* What the contents are called: the name the gzip stored, else the file's
 * base name without its compression suffix. */
static char *inner_name(const char *name, const struct container *k)
{
	static const char *const sfx[] = { ".gz", ".xz", ".zst", ".bz2", ".lz4", ".tgz", NULL };
	const char *base = strrchr(name, '!') ? strrchr(name, '!') + 1 : name;
	size_t n;

	if (k->stored_name && *k->stored_name && !strchr(k->stored_name, '/'))
		return xasprintf("%s!%s", name, k->stored_name);
	base = strrchr(base, '/') ? strrchr(base, '/') + 1 : base;
	n = strlen(base);
	for (size_t i = 0; sfx[i]; i++) {
		size_t l = strlen(sfx[i]);
		if (n > l && !strcmp(base + n - l, sfx[i]))
			return xasprintf("%s!%.*s", name, (int)(n - l), base);
	}
	return xasprintf("%s!contents", name);
}

int diff_compress(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		  struct err *e)
{
	struct container ka, kb;
	struct diff_blob da = { NULL, 0 }, db = { NULL, 0 };
	char *la = diff_label(c, name, 0), *lb = diff_label(c, name, 1), *sub = NULL;
	int ret = -1, same;

	parse_container(a, &ka);
	parse_container(b, &kb);
	if (decompress(c, a, la, &da, e) < 0)
		goto out;
	c->mem_used += da.len;
	if (decompress(c, b, lb, &db, e) < 0)
		goto out;
	c->mem_used += db.len;
	report_file(c, name, ka.format);
	if (strcmp(ka.format, kb.format))
		report_add(c, name, "container", HINT_CONTENT, xstrdup("format"),
			   xstrdup(ka.format), xstrdup(kb.format));
	else
		container_diff(c, name, a, b, &ka, &kb);
	same = da.len == db.len && !memcmp(da.p, db.p, da.len);
	if (a->len - ka.data_off != b->len - kb.data_off ||
	    memcmp(a->p + ka.data_off, b->p + kb.data_off, a->len - ka.data_off)) {
		/* The compressed data differ as a whole: either because the
		 * contents do (compared below) or because they were compressed
		 * differently (another level, another compressor version). */
		struct diff_item *it = report_add(
			c, name, "container", HINT_CONTENT,
			xstrdup(same ? "compressed data (same contents, compressed differently)"
				     : "compressed data"),
			xasprintf("%llu bytes of %zu", (unsigned long long)(a->len - ka.data_off),
				  da.len),
			xasprintf("%llu bytes of %zu", (unsigned long long)(b->len - kb.data_off),
				  db.len));
		report_at(c, it, 0, ka.data_off, a->len - ka.data_off);
		report_at(c, it, 1, kb.data_off, b->len - kb.data_off);
	}
	if (!same) {
		/* An archive inside keeps the file's name (pkg.tar.gz!fw.elf),
		 * its offsets then being the decompressed stream's, not shown. */
		int transparent = diff_archive_is(&da) && diff_archive_is(&db);
		int saved = c->no_offsets;
		sub = transparent ? xstrdup(name) : inner_name(name, &ka);
		if (transparent) {
			c->r->files_compared--;
			c->no_offsets = 1;
		}
		c->depth++;
		ret = c->depth > 8 ? 0 : diff_blobs(c, sub, &da, &db, e);
		c->depth--;
		c->no_offsets = saved;
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	diff_blob_drop(c, &da);
	diff_blob_drop(c, &db);
	free(sub);
	free(la);
	free(lb);
	container_release(&ka);
	container_release(&kb);
	return ret;
}
