/* SPDX-License-Identifier: MIT */
/* U-Boot legacy images (uImage, mkimage's default): the 64-byte big-endian
 * header's fields by name (image name, load and entry addresses, the
 * creation time as a timestamp, OS, architecture, type, compression), its
 * two CRC-32s labelled as checksums that follow what they cover, then the
 * payload compared as a file of its own, "uImage!data.gz" (named for the
 * compression the header records; a gzip is then decompressed in turn).  A multi-file image's payload is compared
 * whole. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/digest.h"
#include "diff/internal.h"

#define UIMAGE_MAGIC 0x27051956u
#define UIMAGE_HEADER 64

int diff_uimage_is(const struct diff_blob *b)
{
	return b->len >= UIMAGE_HEADER && b->p[0] == 0x27 && b->p[1] == 0x05 && b->p[2] == 0x19 &&
	       b->p[3] == 0x56;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* U-Boot's include/image.h numbers (IH_OS_*, IH_ARCH_*, IH_TYPE_*,
 * IH_COMP_*), the ones firmware images use. */
static const char *const os_names[] = {
	[0] = "invalid", [1] = "openbsd",
	[2] = "netbsd",  [3] = "freebsd",
	[5] = "linux",   [14] = "vxworks",
	[16] = "qnx",    [17] = "u-boot",
	[18] = "rtems",  [25] = "arm-trusted-firmware",
	[26] = "tee",    [27] = "opensbi",
	[28] = "efi",
};
static const char *const arch_names[] = {
	[0] = "invalid", [2] = "arm",      [3] = "x86",    [5] = "mips",     [6] = "mips64",
	[7] = "powerpc", [9] = "sh",       [10] = "sparc", [11] = "sparc64", [12] = "m68k",
	[15] = "nios2",  [19] = "sandbox", [21] = "or1k",  [22] = "arm64",   [23] = "arc",
	[24] = "x86_64", [25] = "xtensa",  [26] = "riscv",
};
static const char *const type_names[] = {
	[0] = "invalid",  [1] = "standalone", [2] = "kernel",     [3] = "ramdisk", [4] = "multi",
	[5] = "firmware", [6] = "script",     [7] = "filesystem", [8] = "flat_dt",
};
static const char *const comp_names[] = {
	[0] = "none", [1] = "gzip", [2] = "bzip2", [3] = "lzma",
	[4] = "lzo",  [5] = "lz4",  [6] = "zstd",
};

static const char *const comp_sfx[] = { "", ".gz", ".bz2", ".lzma", ".lzo", ".lz4", ".zst" };

#define NAMED(tab, v) ((v) < sizeof(tab) / sizeof(tab[0]) && tab[v] ? tab[v] : "?")

/* A header field as shown. */
static char *field_value(const unsigned char *h, unsigned off)
{
	char t[32];
	uint32_t v = be32(h + off);

	switch (off) {
	case 8:
		clock_rfc3339(v, t);
		return xasprintf("%s (%u)", t, v);
	case 12:
		return xasprintf("%u bytes", v);
	case 28:
		return xasprintf("%u (%s)", h[28], NAMED(os_names, h[28]));
	case 29:
		return xasprintf("%u (%s)", h[29], NAMED(arch_names, h[29]));
	case 30:
		return xasprintf("%u (%s)", h[30], NAMED(type_names, h[30]));
	case 31:
		return xasprintf("%u (%s)", h[31], NAMED(comp_names, h[31]));
	case 32:
		return hints_render(h + 32, strnlen((const char *)h + 32, 32), 32);
	default:
		return xasprintf("0x%08x", v);
	}
}

/* The header's fields in file order, CRCs apart (reported after what they
 * cover, whose hint they take). */
static const struct {
	const char *name;
	unsigned off, len;
} fields[] = {
	{ "magic", 0, 4 },         { "time", 8, 4 },         { "data size", 12, 4 },
	{ "load address", 16, 4 }, { "entry point", 20, 4 }, { "os", 28, 1 },
	{ "arch", 29, 1 },         { "type", 30, 1 },        { "compression", 31, 1 },
	{ "name", 32, 32 },
};

static enum diff_hint hint_since(const struct diff_ctx *c, size_t idx)
{
	for (size_t i = idx; i < c->r->n_items; i++)
		if (c->r->items[i].hint != HINT_CONTENT)
			return c->r->items[i].hint;
	return HINT_CONTENT;
}

static char *data_desc(const struct diff_blob *b)
{
	char hex[DIGEST_HEX_LEN + 1];

	digest_buf(b->p, b->len, hex);
	return xasprintf("%zu bytes, sha256 %.16s", b->len, hex);
}

static void checksum(struct diff_ctx *c, const char *name, const struct diff_blob *a,
		     const struct diff_blob *b, const char *what, unsigned off, enum diff_hint h,
		     const char *covers)
{
	struct diff_item *it;

	if (be32(a->p + off) == be32(b->p + off))
		return;
	/* A CRC changes with what it covers: never "random". */
	it = report_add(c, name, "checksum", h, xstrdup(what),
			xasprintf("0x%08x", be32(a->p + off)),
			xasprintf("0x%08x", be32(b->p + off)));
	if (it)
		strv_pushf(&it->detail, "crc32 of %s", covers);
	report_at(c, it, 0, off, 4);
	report_at(c, it, 1, off, 4);
}

int diff_uimage(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		struct err *e)
{
	const struct diff_blob *side[2] = { a, b };
	struct diff_blob pa, pb;
	size_t before = c->r->n_items, payload_from;
	enum diff_hint hh, ph = HINT_CONTENT;
	struct diff_item *it;
	char *sub = NULL;
	int ret = -1;

	for (int s = 0; s < 2; s++) {
		uint64_t size = be32(side[s]->p + 12);
		if (size > side[s]->len - UIMAGE_HEADER) {
			char *l = diff_label(c, name, s);
			err_set(e,
				"\"%s\": truncated uImage: the header says %llu bytes of data, "
				"the file has %zu",
				l, (unsigned long long)size, side[s]->len - UIMAGE_HEADER);
			free(l);
			return -1;
		}
	}
	report_file(c, name, "uimage");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		unsigned o = fields[i].off, n = fields[i].len;
		char *va, *vb;
		enum diff_hint h;
		if (!memcmp(a->p + o, b->p + o, n))
			continue;
		va = field_value(a->p, o);
		vb = field_value(b->p, o);
		h = o == 8 && hints_is_time(c, be32(a->p + 8)) && hints_is_time(c, be32(b->p + 8))
			    ? HINT_TIMESTAMP
		    : o == 32 ? hints_strings(c, va, vb)
			      : HINT_CONTENT;
		if (o == 8 && h == HINT_CONTENT)
			h = HINT_TIMESTAMP; /* the creation time, whatever its value */
		it = report_add(c, name, "uimage-header", h, xstrdup(fields[i].name), va, vb);
		report_at(c, it, 0, o, n);
		report_at(c, it, 1, o, n);
	}
	hh = hint_since(c, before);
	pa = (struct diff_blob){ a->p + UIMAGE_HEADER, be32(a->p + 12) };
	pb = (struct diff_blob){ b->p + UIMAGE_HEADER, be32(b->p + 12) };
	if (pa.len != pb.len || memcmp(pa.p, pb.p, pa.len)) {
		payload_from = c->r->n_items;
		/* Named for its compression, so that what decompresses it
		 * names the contents "uImage!data.gz!data". */
		sub = xasprintf("%s!data%s", name,
				a->p[31] < sizeof(comp_sfx) / sizeof(comp_sfx[0])
					? comp_sfx[a->p[31]]
					: "");
		c->depth++;
		ret = c->depth > 8 ? 0 : diff_blobs(c, sub, &pa, &pb, e);
		c->depth--;
		if (ret < 0)
			goto out;
		ph = hint_since(c, payload_from);
		/* One difference in the image itself that locates the payload
		 * (what it holds is reported under its own name). */
		it = report_add(c, name, "data", ph, xstrdup("payload"), data_desc(&pa),
				data_desc(&pb));
		if (it)
			strv_pushf(&it->detail, "compared as %s", sub);
		report_at(c, it, 0, UIMAGE_HEADER, pa.len);
		report_at(c, it, 1, UIMAGE_HEADER, pb.len);
	}
	checksum(c, name, a, b, "data crc", 24, ph, "the data");
	checksum(c, name, a, b, "header crc", 4, hh != HINT_CONTENT ? hh : ph,
		 "the header (with the data crc)");
	ret = 0;
out:
	free(sub);
	return ret;
}
