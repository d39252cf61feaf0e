/* SPDX-License-Identifier: MIT */
/* A guard to run before libarchive's cpio reader sees a stream: every ASCII
 * cpio header in it must claim no more name and body than the stream has.
 * libarchive allocates a member's whole claimed name before it meets the
 * end of the input (20 KB claiming a 3.7 GB name cost a 3.7 GB
 * allocation), and where a header is not where one should be it searches on
 * for the next magic number and reads that one, so every header anywhere
 * counts, not only the ones on the member chain.  Used by diff/archive.c on
 * a blob in memory and by archive/archive.c on a (decompressed) stream read in
 * chunks; one scanner for both. */
#ifndef ARCHIVE_CPIO_CHECK_H
#define ARCHIVE_CPIO_CHECK_H

#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

/* The longest ASCII cpio header (newc/crc); odc's is 76 bytes. */
#define CPIO_CHECK_HDR 110

/* Scanner state, fed the stream in order.  Only a stream that opens with
 * an ASCII cpio magic ("070701", "070702", "070707") is scanned: libarchive
 * takes nothing else for ASCII cpio, and binary cpio's 16-bit name size is
 * harmless. */
struct cpio_check {
	unsigned char carry[CPIO_CHECK_HDR]; /* bytes whose headers are not yet whole */
	size_t ncarry;
	uint64_t seen;  /* bytes fed so far */
	int state;      /* 0 before the first 6 bytes, 1 scanning, 2 not cpio */
	uint64_t worst; /* the largest end a header claims, 0 if none */
	uint64_t w_at;  /* that header's offset */
	int64_t w_name, w_body;
	unsigned char *buf; /* owned, carry + chunk while feeding */
	size_t cap;
};
#define CPIO_CHECK_INIT \
	{ \
		{ 0 }, 0, 0, 0, 0, 0, 0, 0, NULL, 0 \
	}

/* Feeds the next n bytes.  Never fails. */
void cpio_check_feed(struct cpio_check *c, const void *p, size_t n);
/* 1 while more bytes may matter, 0 once the stream is known not to open
 * with an ASCII cpio magic (a caller may stop reading then). */
int cpio_check_wanted(const struct cpio_check *c);
/* After the last byte: 0, or -1 with e set to "corrupt archive: the cpio
 * member at byte N claims a X-byte name and Y bytes, past the end" (the
 * caller prefixes the subject with err_wrap).  Releases the state. */
int cpio_check_finish(struct cpio_check *c, struct err *e);
/* The whole check on one buffer in memory (no copy): 0 or -1 as above. */
int cpio_check_buffer(const void *p, size_t len, struct err *e);
void cpio_check_release(struct cpio_check *c);

#endif
