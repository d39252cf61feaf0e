/* SPDX-License-Identifier: MIT */
/* Private to archive/archive*.c: the libarchive reader and writer with our
 * caps, our temp-file discipline and our normalized entries.  Nothing outside
 * the archive module includes this header. */
#ifndef ARCHIVE_ARCHIVE_INT_H
#define ARCHIVE_ARCHIVE_INT_H

#include "archive/archive.h"
#include "core/err.h"
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <sys/types.h>

/* A reader over one regular file (opened O_NOFOLLOW) under any compression
 * filter: tar only (ARCHIVE_RD_TAR), or tar, cpio, ar and zip
 * (ARCHIVE_RD_ANY), where the decompressed stream is first checked by
 * archive/cpio_check.h so that no cpio header makes libarchive allocate more
 * than the stream holds. */
struct archive_rd {
	struct archive *a; /* owned */
	int fd;
	const char *path; /* borrowed, names the archive in messages */
	size_t members;
	int64_t declared; /* sum of the members' declared sizes */
	int64_t read;     /* bytes of member data read so far */
	int cpio_refused; /* the stream opens as cpio and failed the guard */
};
#define ARCHIVE_RD_INIT \
	{ \
		NULL, -1, NULL, 0, 0, 0, 0 \
	}

#define ARCHIVE_RD_TAR 0
#define ARCHIVE_RD_ANY 1
int archive_rd_open(struct archive_rd *r, const char *path, int formats, struct err *e);
/* 1 with *en the next member (borrowed until the next call), 0 at the end,
 * -1 on a corrupt archive or a cap exceeded.  *name is the member's name
 * (never NULL when 1 is returned). */
int archive_rd_next(struct archive_rd *r, struct archive_entry **en, const char **name,
		    struct err *e);
/* Reads up to n bytes of the current member's data: returns the count (0 at
 * its end) or -1; counts against ARCHIVE_MAX_TOTAL. */
ssize_t archive_rd_data(struct archive_rd *r, const char *name, void *buf, size_t n, struct err *e);
/* Sets e to "PATH: corrupt or truncated archive: <libarchive's words>". */
int archive_rd_fail(struct archive_rd *r, struct err *e);
void archive_rd_release(struct archive_rd *r);

/* A writer into a temporary file beside path, renamed over path only by
 * archive_wr_publish; released unpublished, the temporary file is removed. */
struct archive_wr {
	struct archive *a; /* owned */
	int fd;
	char *tmp;        /* owned */
	const char *path; /* borrowed */
	int zip;          /* zip's DOS times follow TZ: we pin it to UTC */
	char *saved_tz;   /* owned, the caller's TZ while zip is set */
	size_t members;
	int64_t total;
};
#define ARCHIVE_WR_INIT \
	{ \
		NULL, -1, NULL, NULL, 0, NULL, 0, 0 \
	}

/* format is one of ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
 * ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FORMAT_AR_GNU, ARCHIVE_FORMAT_ZIP;
 * filters are libarchive filter codes, innermost first. */
int archive_wr_open(struct archive_wr *w, const char *path, int format, const int *filters,
		    size_t nfilters, struct err *e);
/* Writes the header en and then its size bytes read from fd at offset off
 * (fd -1 when there is no data).  A short read means the source changed. */
int archive_wr_add(struct archive_wr *w, struct archive_entry *en, int fd, int64_t off,
		   const char *what, struct err *e);
/* Finishes the archive, sets mode, syncs; the temporary file stays. */
int archive_wr_finish(struct archive_wr *w, mode_t mode, struct err *e);
/* Renames the finished temporary file over path. */
int archive_wr_publish(struct archive_wr *w, struct err *e);
void archive_wr_release(struct archive_wr *w);

/* Maps "none" | "gzip" | "xz" to a filter list (0 or 1 code in *filter). */
int archive_compress_parse(const char *compress, int *filter, size_t *n, struct err *e);
/* A fresh entry carrying only what we normalize to: name, type (AE_IFREG,
 * AE_IFDIR, AE_IFLNK), normalized permissions, size, mtime clamped to sde,
 * uid/gid 0 without names, link target for symlinks.  Caller frees. */
struct archive_entry *archive_norm_entry(const char *name, mode_t type, mode_t perm, int64_t size,
					 int64_t mtime, int64_t sde, const char *link);
/* Normalized permission bits: dirs and files with an execute bit 0755,
 * symlinks 0777, other files 0644. */
mode_t archive_norm_perm(mode_t type, mode_t perm);
/* ARCHIVE_TYPE_* letter of a file type. */
char archive_type_char(mode_t type);
/* strcmp on names, ties broken by the original index (a stable order). */
struct archive_name_idx {
	const char *name;
	size_t idx;
};
int archive_name_cmp(const void *a, const void *b);

#endif
