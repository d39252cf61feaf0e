/* SPDX-License-Identifier: MIT */
/* What the diff/ files share among themselves: the report being built, the
 * run's limits and environment, and each format's entry point.  Not for use
 * outside diff/ (see diff/diff.h). */
#ifndef DIFF_INTERNAL_H
#define DIFF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "core/alloc.h"
#include "core/err.h"
#include "diff/diff.h"

enum diff_hint {
	HINT_CONTENT = 0,
	HINT_TIMESTAMP,
	HINT_BUILD_PATH,
	HINT_HOSTNAME,
	HINT_USERNAME,
	HINT_ORDERING,
	HINT_RANDOM,
	HINT_COMPILER,
	HINT_UMASK,
	HINT_COUNT
};

/* A byte range of a compared image: [off, off + len). */
struct diff_span {
	uint64_t off, len;
};

/* The bytes of each side (0: a, 1: b) that the structural comparison has
 * explained: parts that differ and were reported.  Whatever is not covered
 * is compared byte for byte afterwards (bytes_residual), so that no
 * difference the structure does not see goes unreported. */
struct diff_cover {
	struct diff_span *v[2]; /* owned */
	size_t n[2], cap[2];
	int positional; /* compare what neither side covers, offset for
			 * offset (ELF: padding may absorb a section's
			 * growth), not each side's rest in order (archives:
			 * a grown member shifts every record after it) */
};

/* One difference.  kind is a static string (see docs/diff.md). */
struct diff_item {
	char *file; /* owned: artifact path, "a.tar!bin/fw.elf" inside archives */
	const char *kind;
	char *where; /* owned, may be NULL: section, symbol range, member */
	enum diff_hint hint;
	char *a, *b;            /* owned, may be NULL: the two values, short */
	struct strv detail;     /* owned: further lines (hex, unified diff) */
	struct diff_span at[2]; /* the bytes of file on each side it is about */
	int has_at[2];
};

/* A compared file that differs (identical ones are only counted). */
struct diff_file {
	char *path;         /* owned */
	const char *format; /* "elf", "archive", "text", "binary", "missing", ... */
};

struct diff_report {
	char *a, *b;             /* owned: the paths given */
	struct diff_item *items; /* owned */
	size_t n_items, cap_items;
	struct diff_file *files; /* owned */
	size_t n_files, cap_files;
	size_t files_compared;
	size_t dropped; /* differences counted but not kept (caps) */
	size_t hint_count[HINT_COUNT];
	int partial;
	char *partial_reason; /* owned */
};

/* A comparison run: options, limits, environment facts for the hints. */
struct diff_ctx {
	const struct diff_options *o;
	struct diff_report *r;
	double deadline; /* clock_mono() value; 0: none */
	size_t mem_budget, mem_used;
	size_t keep; /* details kept per list (ranges, symbols) */
	int depth;   /* archive nesting */
	int stop;    /* a limit was hit: unwind */
	int64_t now;
	const char *top[2]; /* borrowed: the two paths given */
	struct {
		char *file; /* owned */
		const char *format;
	} fmt[16]; /* formats of the files being compared, newest last */
	size_t nfmt;
	size_t top_base;           /* single-file mode: length of the base name, else 0 */
	struct diff_names *names;  /* owned: see diff_hostname */
	struct diff_cover *cov;    /* borrowed: the image being compared (diff_blobs) */
	int no_offsets;            /* offsets of this image are not the file's (a
				 * decompressed stream under the file's name) */
	struct diff_elfsyms *syms; /* owned, may be NULL: --symbols */
};

/* The host and user names the hints look for, found on first use: looking
 * up the user reads /etc/nsswitch.conf and /etc/passwd, which most
 * comparisons never need. */
struct diff_names {
	int looked_up;
	char hostname[256];
	char username[256];
};

/* A byte image: a mapped file or an archive member held in memory. */
struct diff_blob {
	unsigned char *p; /* writable private copy-on-write: libelf may touch it */
	size_t len;
};

/* diff.c */
/* Frees a blob decoded for a nested comparison (decompressed data, a file
 * read out of an image) and returns its bytes to c's memory budget, which
 * counted them when it was filled; an empty blob is left as it is. */
void diff_blob_drop(struct diff_ctx *c, struct diff_blob *b);
/* Compares two images named name, choosing the format from their bytes. */
int diff_blobs(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
	       struct err *e);
/* 1 (and the report marked partial) when the deadline passed or an
 * interrupt arrived; polled by long loops. */
int diff_over_limit(struct diff_ctx *c);
/* The path of side (0: a, 1: b) of the compared item name, for error
 * messages ("/tmp/x/out.tar!bin/fw.elf"); caller frees. */
char *diff_label(const struct diff_ctx *c, const char *name, int side);
/* This run's host and user names (the options', else this machine's and
 * this process's; "" when unknown).  Borrowed from c. */
const char *diff_hostname(const struct diff_ctx *c);
const char *diff_username(const struct diff_ctx *c);

/* report.c */
/* Adds a difference; takes where/a/b (may be NULL) and returns the item to
 * add detail lines to, or NULL when caps dropped it (it is still counted). */
struct diff_item *report_add(struct diff_ctx *c, const char *file, const char *kind,
			     enum diff_hint h, char *where, char *a, char *b);
/* Says file is compared as format; the file enters the report's list with
 * its first difference. */
void report_file(struct diff_ctx *c, const char *file, const char *format);
void report_ctx_release(struct diff_ctx *c);
/* Changes the hint of item idx (counts follow). */
void report_rehint(struct diff_ctx *c, size_t idx, enum diff_hint h);
void report_partial(struct diff_report *r, const char *why);
/* Counts a difference not kept in detail (beyond the per-list cap that
 * --full lifts). */
void report_count(struct diff_ctx *c, enum diff_hint h);
const char *hint_name(enum diff_hint h);
/* Length of the valid UTF-8 sequence at p (not at its end), 0 when it
 * starts with an invalid byte. */
size_t report_utf8_len(const unsigned char *p);

/* hints.c */
/* The cause of a difference between two strings. */
enum diff_hint hints_strings(const struct diff_ctx *c, const char *a, const char *b);
/* The cause of a differing byte span [off, off+len) of two images that are
 * equal around it; looks at the enclosing strings or integers. */
enum diff_hint hints_span(const struct diff_ctx *c, const unsigned char *a, size_t alen,
			  const unsigned char *b, size_t blen, size_t off, size_t len);
/* 1 when v looks like a time near now or near SOURCE_DATE_EPOCH. */
int hints_is_time(const struct diff_ctx *c, int64_t v);
/* The cause of two permission modes that differ: umask when only the group
 * and other bits do (what another umask gives), else content. */
enum diff_hint hints_mode(unsigned a, unsigned b);
/* 1 when the span looks random (high byte entropy). */
int hints_is_random(const unsigned char *p, size_t len);
/* A printable rendering of a span: a quoted string when it is text, hex
 * otherwise (at most max bytes); caller frees. */
char *hints_render(const unsigned char *p, size_t len, size_t max);
/* As hints_render, for [off, off + len) of an image of plen bytes: a
 * short span is shown as text only when text surrounds it. */
char *hints_render_at(const unsigned char *p, size_t plen, size_t off, size_t len, size_t max);
/* The part of two strings that differs, widened to whole path components
 * and words: the cores are newly allocated. */
void hints_core(const char *a, const char *b, char **ca, char **cb);

/* Records that bytes [off, off + len) of side (0: a, 1: b) are explained by
 * a reported difference, and, when it is not NULL, says so on item it. */
void report_at(struct diff_ctx *c, struct diff_item *it, int side, uint64_t off, uint64_t len);

/* bytes.c */
/* One side of a byte comparison: an image in memory (p), or an open file
 * (fd, p NULL) read in bounded windows. */
struct bytes_side {
	const unsigned char *p;
	int fd;
	uint64_t len;
};
/* Compares the bytes cov does not cover (all of them when cov is NULL or
 * empty), taken in file order on each side, and reports the differing
 * ranges by file offset; residual: they are what no structure explained.
 * Memory: two windows and the report.  -1 with e set on a read error. */
int bytes_compare(struct diff_ctx *c, const char *name, const struct bytes_side *a,
		  const struct bytes_side *b, const struct diff_cover *cov, int residual,
		  struct err *e);
void cover_release(struct diff_cover *cov);
/* Differing ranges (merged when closer than a few bytes).  Returns how many
 * ranges; fills at most max into off/len. */
size_t bytes_ranges(const unsigned char *a, const unsigned char *b, size_t n, size_t *off,
		    size_t *len, size_t max, size_t *ndiff_bytes);
/* Generic binary comparison: a report item per differing range. */
int bytes_diff(struct diff_ctx *c, const char *name, const struct diff_blob *a,
	       const struct diff_blob *b);
/* Hex dump lines "a 0x0010: 00 11 .." of [off, off+len) plus context; the
 * offsets printed are base + the offset in p (base: where p starts in the
 * file, so that dumps show file offsets). */
void bytes_hex_lines(struct strv *out, const char *tag, const unsigned char *p, size_t plen,
		     size_t off, size_t len, uint64_t base);

/* text.c */
/* 1 when the image reads as text. */
int text_is_text(const struct diff_blob *b);
int text_diff(struct diff_ctx *c, const char *name, const struct diff_blob *a,
	      const struct diff_blob *b);

/* elf.c (diff_elf), elfread.c (the other two) */
int diff_elf_is(const struct diff_blob *b);
int diff_elf(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
	     struct err *e);
/* The name of the section that holds file offset off (caller frees) or NULL. */
char *diff_elf_section_at(struct diff_blob *b, uint64_t off);

/* elfread.c: the symbols of an ELF file, to name the addresses of an
 * image made from it (Intel HEX, S-record).  *out owned by the caller
 * (diff_elfsyms_free). */
struct diff_elfsyms;
int diff_elfsyms_open(const char *path, struct diff_elfsyms **out, struct err *e);
/* "main+0x10" for an address an allocated section holds, NULL for others;
 * caller frees. */
char *diff_elfsyms_name(const struct diff_elfsyms *s, uint64_t addr);
void diff_elfsyms_free(struct diff_elfsyms *s);

/* elfmod.c: a kernel module's .modinfo entries ("license=GPL") by key. */
void diff_elf_modinfo(struct diff_ctx *c, const char *name, const unsigned char *a, size_t alen,
		      const unsigned char *b, size_t blen, enum diff_hint *dominant);

/* elfattr.c: the tags of two build attribute sections (.riscv.attributes)
 * that differ, by name, each hinted compiler.  -1 (nothing reported) when
 * either is not in the attributes format. */
int diff_elf_attributes(struct diff_ctx *c, const char *name, const char *sec,
			const unsigned char *a, size_t alen, const unsigned char *b, size_t blen);

/* dwarf.c: the DWARF strings (producer, comp_dir, names, files) that differ
 * between two open ELF handles (libelf's Elf). */
struct Elf;
void diff_dwarf_strings(struct diff_ctx *c, const char *name, struct Elf *a, struct Elf *b,
			enum diff_hint *dominant);

/* The strings of two string-table sections (.debug_str, .strtab, ...)
 * that only one side has, paired and hinted. */
void diff_dwarf_strtab(struct diff_ctx *c, const char *name, const char *sec,
		       const unsigned char *a, size_t alen, const unsigned char *b, size_t blen,
		       enum diff_hint *dominant);

/* compress.c */
/* 1 when the image starts like a gzip, xz, zstd, bzip2 or lz4 stream. */
int diff_compress_is(const struct diff_blob *b);
/* The container's fields (gzip name, mtime, level; xz check, ...) by name,
 * then the decompressed contents compared as a file of their own. */
int diff_compress(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		  struct err *e);

/* dtb.c */
/* 1 when the image starts like a flattened device tree (.dtb, FIT .itb). */
int diff_dtb_is(const struct diff_blob *b);
/* Header, reservations, nodes and properties by path; a FIT image's data
 * blobs compared as files of their own. */
int diff_dtb(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
	     struct err *e);

/* uimage.c */
/* 1 when the image starts like a U-Boot legacy image (magic 0x27051956). */
int diff_uimage_is(const struct diff_blob *b);
/* The 64-byte header's fields by name, then the payload as a file of its
 * own. */
int diff_uimage(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		struct err *e);

/* pe.c */
/* 1 when the image is a PE/COFF image ("MZ", then "PE\0\0" where
 * e_lfanew says, headers within the image). */
int diff_pe_is(const struct diff_blob *b);
/* The DOS, COFF and optional headers and the data directories field by
 * field, sections by name, each differing section compared as a file of
 * its own ("app.efi!.text"). */
int diff_pe(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
	    struct err *e);

/* squashfs.c */
/* 1 when the image starts like a SquashFS superblock ("hsqs"). */
int diff_squashfs_is(const struct diff_blob *b);
/* The superblock by field, then the trees by path: entries, metadata and
 * file contents (as files of their own, "fs.squashfs!etc/motd"). */
int diff_squashfs(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		  struct err *e);

/* hexrec.c */
/* 1 when the image's first line is an Intel HEX or S-record record. */
int diff_hexrec_is(const struct diff_blob *b);
/* Decoded into addressed bytes; differences by address (and symbol). */
int diff_hexrec(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		struct err *e);

/* archive.c */
/* 1 when the image starts like an (uncompressed) archive. */
int diff_archive_is(const struct diff_blob *b);
int diff_archive(struct diff_ctx *c, const char *name, struct diff_blob *a, struct diff_blob *b,
		 struct err *e);

#endif
