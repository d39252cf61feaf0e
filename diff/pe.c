/* SPDX-License-Identifier: MIT */
/* PE/COFF images (EFI applications, the Linux Image's EFI stub): the DOS
 * header's e_lfanew, the COFF header, the optional header (PE32 and PE32+)
 * and its data directories field by field, the section table matched by
 * name, and each section whose contents differ compared as a file of its
 * own, "BOOTX64.EFI!.text".  A careful reader of our own: every offset is
 * checked against the image before it is read (no Debian library reads
 * PE headers; libelf does not). */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/digest.h"
#include "diff/internal.h"

#define PE_COFF 20    /* COFF file header */
#define PE_SECTION 40 /* a section table entry */
#define PE_MAX_SECTIONS 96

static uint64_t le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Where the parts of one image are; 0 when it is not a PE image. */
struct pe {
	const unsigned char *p;
	size_t len;
	size_t coff;        /* the COFF header, after "PE\0\0" */
	size_t opt, optlen; /* the optional header */
	int plus;           /* PE32+ */
	size_t sect;        /* the section table */
	unsigned nsect;
};

static int pe_parse(const unsigned char *p, size_t len, struct pe *x)
{
	uint64_t lfanew;

	memset(x, 0, sizeof(*x));
	if (len < 0x40 || p[0] != 'M' || p[1] != 'Z')
		return -1;
	lfanew = le(p + 0x3c, 4);
	if (lfanew < 0x40 || lfanew > len || len - lfanew < 4 + PE_COFF ||
	    memcmp(p + lfanew, "PE\0\0", 4))
		return -1;
	x->p = p;
	x->len = len;
	x->coff = (size_t)lfanew + 4;
	x->nsect = (unsigned)le(p + x->coff + 2, 2);
	x->optlen = (size_t)le(p + x->coff + 16, 2);
	x->opt = x->coff + PE_COFF;
	if (x->optlen > len - x->opt)
		return -1;
	if (x->optlen >= 2) {
		unsigned magic = (unsigned)le(p + x->opt, 2);
		if (magic != 0x10b && magic != 0x20b)
			return -1;
		x->plus = magic == 0x20b;
	}
	x->sect = x->opt + x->optlen;
	if (x->nsect > PE_MAX_SECTIONS || (uint64_t)x->nsect * PE_SECTION > len - x->sect)
		return -1;
	return 0;
}

int diff_pe_is(const struct diff_blob *b)
{
	struct pe x;

	return pe_parse(b->p, b->len, &x) == 0;
}

struct field {
	const char *name;
	unsigned off, len; /* in its header */
};

static const struct field coff_fields[] = {
	{ "Machine", 0, 2 },          { "NumberOfSections", 2, 2 },
	{ "TimeDateStamp", 4, 4 },    { "PointerToSymbolTable", 8, 4 },
	{ "NumberOfSymbols", 12, 4 }, { "SizeOfOptionalHeader", 16, 2 },
	{ "Characteristics", 18, 2 },
};

/* The optional header's fields up to the stack sizes, the same in both
 * flavours but for BaseOfData (PE32 only) and ImageBase's width. */
static const struct field opt_common[] = {
	{ "Magic", 0, 2 },
	{ "MajorLinkerVersion", 2, 1 },
	{ "MinorLinkerVersion", 3, 1 },
	{ "SizeOfCode", 4, 4 },
	{ "SizeOfInitializedData", 8, 4 },
	{ "SizeOfUninitializedData", 12, 4 },
	{ "AddressOfEntryPoint", 16, 4 },
	{ "BaseOfCode", 20, 4 },
	{ "SectionAlignment", 32, 4 },
	{ "FileAlignment", 36, 4 },
	{ "MajorOperatingSystemVersion", 40, 2 },
	{ "MinorOperatingSystemVersion", 42, 2 },
	{ "MajorImageVersion", 44, 2 },
	{ "MinorImageVersion", 46, 2 },
	{ "MajorSubsystemVersion", 48, 2 },
	{ "MinorSubsystemVersion", 50, 2 },
	{ "Win32VersionValue", 52, 4 },
	{ "SizeOfImage", 56, 4 },
	{ "SizeOfHeaders", 60, 4 },
	{ "CheckSum", 64, 4 },
	{ "Subsystem", 68, 2 },
	{ "DllCharacteristics", 70, 2 },
};
static const struct field opt_pe32[] = {
	{ "BaseOfData", 24, 4 },         { "ImageBase", 28, 4 },
	{ "SizeOfStackReserve", 72, 4 }, { "SizeOfStackCommit", 76, 4 },
	{ "SizeOfHeapReserve", 80, 4 },  { "SizeOfHeapCommit", 84, 4 },
	{ "LoaderFlags", 88, 4 },        { "NumberOfRvaAndSizes", 92, 4 },
};
static const struct field opt_plus[] = {
	{ "ImageBase", 24, 8 },
	{ "SizeOfStackReserve", 72, 8 },
	{ "SizeOfStackCommit", 80, 8 },
	{ "SizeOfHeapReserve", 88, 8 },
	{ "SizeOfHeapCommit", 96, 8 },
	{ "LoaderFlags", 104, 4 },
	{ "NumberOfRvaAndSizes", 108, 4 },
};
static const char *const dir_names[] = {
	"Export", "Import",       "Resource",         "Exception", "Certificate", "BaseRelocation",
	"Debug",  "Architecture", "GlobalPtr",        "TLS",       "LoadConfig",  "BoundImport",
	"IAT",    "DelayImport",  "CLRRuntimeHeader", "Reserved",
};
static const struct field sect_fields[] = {
	{ "VirtualSize", 8, 4 },           { "VirtualAddress", 12, 4 },
	{ "SizeOfRawData", 16, 4 },        { "PointerToRawData", 20, 4 },
	{ "PointerToRelocations", 24, 4 }, { "PointerToLinenumbers", 28, 4 },
	{ "NumberOfRelocations", 32, 2 },  { "NumberOfLinenumbers", 34, 2 },
	{ "Characteristics", 36, 4 },
};

static char *value(const unsigned char *p, const struct field *f)
{
	uint64_t v = le(p, f->len);
	char t[32];

	if (!strcmp(f->name, "TimeDateStamp")) {
		clock_rfc3339((int64_t)v, t);
		return xasprintf("%s (%llu)", t, (unsigned long long)v);
	}
	if (f->len == 1 || strstr(f->name, "Number") || strstr(f->name, "Version"))
		return xasprintf("%llu", (unsigned long long)v);
	return xasprintf("0x%llx", (unsigned long long)v);
}

/* Compares one header's fields present on both sides (at ha, hb; of
 * lengths la, lb); where names it ("optional header"). */
static void fields_diff(struct diff_ctx *c, const char *name, const char *where,
			const struct field *f, size_t n, size_t ha, size_t la, size_t hb, size_t lb,
			const struct pe *a, const struct pe *b)
{
	for (size_t i = 0; i < n; i++) {
		unsigned o = f[i].off, w = f[i].len;
		enum diff_hint h = HINT_CONTENT;
		struct diff_item *it;
		if (o + w > la || o + w > lb || !memcmp(a->p + ha + o, b->p + hb + o, w))
			continue;
		if (!strcmp(f[i].name, "TimeDateStamp"))
			h = HINT_TIMESTAMP; /* a link time, whatever its value */
		it = report_add(c, name, "pe-header", h, xasprintf("%s %s", where, f[i].name),
				value(a->p + ha + o, &f[i]), value(b->p + hb + o, &f[i]));
		report_at(c, it, 0, ha + o, w);
		report_at(c, it, 1, hb + o, w);
	}
}

static void dirs_diff(struct diff_ctx *c, const char *name, const struct pe *a, const struct pe *b)
{
	size_t base = a->plus ? 112 : 96;

	for (unsigned i = 0; i < 16; i++) {
		size_t o = base + 8u * i;
		struct diff_item *it;
		if (o + 8 > a->optlen || o + 8 > b->optlen ||
		    !memcmp(a->p + a->opt + o, b->p + b->opt + o, 8))
			continue;
		it = report_add(c, name, "pe-header", HINT_CONTENT,
				xasprintf("data directory %s", dir_names[i]),
				xasprintf("rva 0x%llx size %llu",
					  (unsigned long long)le(a->p + a->opt + o, 4),
					  (unsigned long long)le(a->p + a->opt + o + 4, 4)),
				xasprintf("rva 0x%llx size %llu",
					  (unsigned long long)le(b->p + b->opt + o, 4),
					  (unsigned long long)le(b->p + b->opt + o + 4, 4)));
		report_at(c, it, 0, a->opt + o, 8);
		report_at(c, it, 1, b->opt + o, 8);
	}
}

/* A section's name (up to 8 bytes, NUL padded) and its raw data, clipped
 * to the image. */
static void sect_get(const struct pe *x, unsigned i, char name[9], struct diff_blob *data,
		     size_t *hdr)
{
	const unsigned char *s = x->p + x->sect + (size_t)i * PE_SECTION;
	uint64_t off = le(s + 20, 4), size = le(s + 16, 4);

	*hdr = x->sect + (size_t)i * PE_SECTION;
	memcpy(name, s, 8);
	name[8] = 0;
	if (off > x->len)
		off = size = 0;
	if (size > x->len - off)
		size = x->len - off;
	data->p = (unsigned char *)x->p + off;
	data->len = (size_t)size;
}

static char *data_desc(const struct diff_blob *b)
{
	char hex[DIGEST_HEX_LEN + 1];

	digest_buf(b->p, b->len, hex);
	return xasprintf("%zu bytes, sha256 %.16s", b->len, hex);
}

static int section_diff(struct diff_ctx *c, const char *name, const struct pe *a,
			const struct pe *b, unsigned i, unsigned j, struct err *e)
{
	char na[9], nb[9], *sub, *where;
	struct diff_blob da, db;
	struct diff_item *it;
	size_t ha, hb;
	int ret = 0;

	sect_get(a, i, na, &da, &ha);
	sect_get(b, j, nb, &db, &hb);
	where = xasprintf("section %s", na);
	fields_diff(c, name, where, sect_fields, sizeof(sect_fields) / sizeof(sect_fields[0]), ha,
		    PE_SECTION, hb, PE_SECTION, a, b);
	free(where);
	if (da.len == db.len && !memcmp(da.p, db.p, da.len))
		return 0;
	sub = xasprintf("%s!%s", name, na);
	it = report_add(c, name, "section", HINT_CONTENT, xstrdup(na), data_desc(&da),
			data_desc(&db));
	if (it)
		strv_pushf(&it->detail, "compared as %s", sub);
	report_at(c, it, 0, (size_t)(da.p - a->p), da.len);
	report_at(c, it, 1, (size_t)(db.p - b->p), db.len);
	c->depth++;
	/* Offsets inside are the section's, as an archive member's are. */
	if (c->depth <= 8)
		ret = diff_blobs(c, sub, &da, &db, e);
	c->depth--;
	free(sub);
	return ret;
}

int diff_pe(struct diff_ctx *c, const char *name, struct diff_blob *ba, struct diff_blob *bb,
	    struct err *e)
{
	struct pe a, b;
	unsigned char *used = NULL;
	int ret = -1;

	if (pe_parse(ba->p, ba->len, &a) < 0 || pe_parse(bb->p, bb->len, &b) < 0) {
		char *l = diff_label(c, name, a.p ? 1 : 0);
		err_set(e, "\"%s\": not a readable PE image", l);
		free(l);
		return -1;
	}
	report_file(c, name, "pe");
	if (a.coff != b.coff) {
		struct diff_item *it = report_add(c, name, "pe-header", HINT_CONTENT,
						  xstrdup("dos header e_lfanew"),
						  xasprintf("0x%zx", a.coff - 4),
						  xasprintf("0x%zx", b.coff - 4));
		report_at(c, it, 0, 0x3c, 4);
		report_at(c, it, 1, 0x3c, 4);
	}
	fields_diff(c, name, "coff", coff_fields, sizeof(coff_fields) / sizeof(coff_fields[0]),
		    a.coff, PE_COFF, b.coff, PE_COFF, &a, &b);
	if (a.plus != b.plus) {
		fields_diff(c, name, "optional header", opt_common, 1, a.opt, a.optlen, b.opt,
			    b.optlen, &a, &b);
	} else {
		fields_diff(c, name, "optional header", opt_common,
			    sizeof(opt_common) / sizeof(opt_common[0]), a.opt, a.optlen, b.opt,
			    b.optlen, &a, &b);
		if (a.plus)
			fields_diff(c, name, "optional header", opt_plus,
				    sizeof(opt_plus) / sizeof(opt_plus[0]), a.opt, a.optlen, b.opt,
				    b.optlen, &a, &b);
		else
			fields_diff(c, name, "optional header", opt_pe32,
				    sizeof(opt_pe32) / sizeof(opt_pe32[0]), a.opt, a.optlen, b.opt,
				    b.optlen, &a, &b);
		dirs_diff(c, name, &a, &b);
	}
	/* Sections paired by name, the k-th of a name with the k-th. */
	used = xcalloc(b.nsect + 1, 1);
	for (unsigned i = 0; i < a.nsect && !diff_over_limit(c); i++) {
		const unsigned char *sa = a.p + a.sect + (size_t)i * PE_SECTION;
		unsigned j;
		for (j = 0; j < b.nsect; j++)
			if (!used[j] && !memcmp(sa, b.p + b.sect + (size_t)j * PE_SECTION, 8))
				break;
		if (j == b.nsect) {
			report_add(c, name, "section", HINT_CONTENT,
				   xasprintf("%.8s", (const char *)sa), xstrdup("present"),
				   xstrdup("absent"));
			continue;
		}
		used[j] = 1;
		if (section_diff(c, name, &a, &b, i, j, e) < 0)
			goto out;
	}
	for (unsigned j = 0; j < b.nsect; j++)
		if (!used[j])
			report_add(c, name, "section", HINT_CONTENT,
				   xasprintf("%.8s",
					     (const char *)b.p + b.sect + (size_t)j * PE_SECTION),
				   xstrdup("absent"), xstrdup("present"));
	if (c->cov)
		c->cov->positional = 1;
	ret = 0;
out:
	free(used);
	return ret;
}
