/* SPDX-License-Identifier: MIT */
/* The archive module's shared half: the capped libarchive reader, the writer
 * into a temporary file, normalized entries, and the small read-only
 * queries (detect, list, read one member). */
#include "archive/archive_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive/cpio_check.h"
#include "core/alloc.h"
#include "core/cleanup.h"

#define RD_BLOCK 65536

static const char *la_msg(struct archive *a)
{
	const char *s = a ? archive_error_string(a) : NULL;
	return s ? s : "unknown libarchive error";
}

/* Only the compressions libarchive decodes itself (filter_all would also run
 * lrzip, lzop or grzip on a file that starts with their magic). */
static void add_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
}

/* The most a cpio stream within the caps can hold: the members' content,
 * and per member a header, a name and padding. */
#define CPIO_SCAN_MAX \
	(ARCHIVE_MAX_TOTAL + (int64_t)ARCHIVE_MAX_MEMBERS * (CPIO_CHECK_HDR + ARCHIVE_MAX_NAME + 8))

/* Runs archive/cpio_check.h over the stream libarchive's format readers will
 * see: the file decompressed by the same filters, read through the raw
 * format in RD_BLOCK chunks, so that the guard costs memory of one chunk
 * whatever the compression.  A stream that does not open with an ASCII
 * cpio magic is left after its first chunk (libarchive's cpio reader bids
 * only on a magic at the start).  The fd is rewound for the real reader. */
static int cpio_guard(struct archive_rd *r, struct err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *en;
	struct cpio_check c = CPIO_CHECK_INIT;
	char *chunk = xmalloc(RD_BLOCK);
	int ret = -1;

	if (!a) {
		err_set(e, "%s: out of memory", r->path);
		goto out;
	}
	add_filters(a);
	archive_read_support_format_raw(a);
	/* A stream these filters cannot open or give is no cpio the real
   * reader, with the same filters, could read either. */
	if (archive_read_open_fd(a, r->fd, RD_BLOCK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &en) != ARCHIVE_OK) {
		ret = 0;
		goto out;
	}
	while (cpio_check_wanted(&c)) {
		la_ssize_t got = archive_read_data(a, chunk, RD_BLOCK);
		if (cleanup_interrupted()) {
			err_setk(e, ERR_INTERRUPT, "%s: interrupted", r->path);
			goto out;
		}
		if (got < 0) {
			/* Past a cpio magic we cannot vouch for what follows. */
			if (c.state == 1) {
				err_set(e, "%s: corrupt or truncated archive: %s", r->path,
					la_msg(a));
				goto out;
			}
			break;
		}
		if (got == 0)
			break;
		cpio_check_feed(&c, chunk, (size_t)got);
		if (c.seen > (uint64_t)CPIO_SCAN_MAX) {
			err_set(e, "%s: cpio stream beyond the cap of %lld bytes", r->path,
				(long long)CPIO_SCAN_MAX);
			goto out;
		}
	}
	if (cpio_check_finish(&c, e) < 0) {
		err_wrap(e, "%s", r->path);
		goto out;
	}
	ret = 0;
out:
	cpio_check_release(&c);
	free(chunk);
	if (a)
		archive_read_free(a);
	if (ret == 0 && lseek(r->fd, 0, SEEK_SET) < 0)
		ret = err_sys(e, "%s: seek", r->path);
	return ret;
}

int archive_rd_open(struct archive_rd *r, const char *path, int formats, struct err *e)
{
	struct stat st;

	r->path = path;
	r->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (r->fd < 0)
		return err_sys(e, "%s: cannot open", path);
	if (fstat(r->fd, &st) < 0)
		return err_sys(e, "%s: stat", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, "%s: not a regular file", path);
	if (formats == ARCHIVE_RD_ANY && cpio_guard(r, e) < 0) {
		r->cpio_refused = 1;
		return -1;
	}
	r->a = archive_read_new();
	if (!r->a)
		return err_set(e, "%s: out of memory", path);
	/* Only the families asked for: raw, mtree, iso9660 and the rest would
   * make a gzipped ELF or a text file look like an archive, and a reader
   * of bundles, drops and source archives (all tar) has no use for the
   * cpio, ar and zip readers' attack surface. */
	add_filters(r->a);
	archive_read_support_format_tar(r->a);
	if (formats == ARCHIVE_RD_ANY) {
		archive_read_support_format_cpio(r->a);
		archive_read_support_format_ar(r->a);
		archive_read_support_format_zip(r->a);
	}
	if (archive_read_open_fd(r->a, r->fd, RD_BLOCK) != ARCHIVE_OK)
		return err_set(e, "%s: not a readable archive: %s", path, la_msg(r->a));
	return 0;
}

int archive_rd_fail(struct archive_rd *r, struct err *e)
{
	return err_set(e, "%s: corrupt or truncated archive: %s", r->path, la_msg(r->a));
}

int archive_rd_next(struct archive_rd *r, struct archive_entry **en, const char **name,
		    struct err *e)
{
	int rc;

	if (cleanup_interrupted())
		return err_setk(e, ERR_INTERRUPT, "%s: interrupted", r->path);
	rc = archive_read_next_header(r->a, en);
	if (rc == ARCHIVE_EOF)
		return 0;
	/* ARCHIVE_RETRY (a damaged header libarchive would skip) is a
   * failure too: we never guess past damage. */
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return archive_rd_fail(r, e);
	/* A warning (an unconvertible name, an unknown pax key) still gives a
   * usable header; the checks below decide. */
	if (++r->members > ARCHIVE_MAX_MEMBERS)
		return err_set(e, "%s: more than %d members", r->path, ARCHIVE_MAX_MEMBERS);
	*name = archive_entry_pathname(*en);
	if (!*name)
		*name = archive_entry_pathname_utf8(*en);
	if ((!*name || !**name) && rc == ARCHIVE_WARN)
		return archive_rd_fail(r, e); /* a damaged header */
	if (!*name || !**name)
		return err_set(e, "%s: member %zu has no usable name", r->path, r->members);
	if (strlen(*name) > ARCHIVE_MAX_NAME)
		return err_set(e, "%s: member %zu: name longer than %d bytes", r->path, r->members,
			       ARCHIVE_MAX_NAME);
	if (archive_entry_size_is_set(*en)) {
		int64_t sz = archive_entry_size(*en);
		if (sz < 0 || sz > ARCHIVE_MAX_TOTAL - r->declared)
			return err_set(e, "%s: member \"%s\": content beyond the cap of %lld bytes",
				       r->path, *name, (long long)ARCHIVE_MAX_TOTAL);
		r->declared += sz;
	}
	return 1;
}

ssize_t archive_rd_data(struct archive_rd *r, const char *name, void *buf, size_t n, struct err *e)
{
	la_ssize_t got = archive_read_data(r->a, buf, n);

	if (got < 0)
		return archive_rd_fail(r, e);
	r->read += got;
	if (r->read > ARCHIVE_MAX_TOTAL)
		return err_set(e, "%s: member \"%s\": content beyond the cap of %lld bytes",
			       r->path, name, (long long)ARCHIVE_MAX_TOTAL);
	return got;
}

void archive_rd_release(struct archive_rd *r)
{
	if (r->a)
		archive_read_free(r->a);
	if (r->fd >= 0)
		close(r->fd);
	r->a = NULL;
	r->fd = -1;
}

/* zip stores DOS times in local time (libarchive calls localtime_r): with
 * TZ pinned to UTC the bytes do not depend on the host's time zone.  This is
 * process-wide, so it is undone as soon as the archive is written. */
static void tz_pin(struct archive_wr *w)
{
	const char *tz = getenv("TZ");
	w->saved_tz = tz ? xstrdup(tz) : NULL;
	setenv("TZ", "UTC0", 1);
	tzset();
}

static void tz_restore(struct archive_wr *w)
{
	if (!w->zip)
		return;
	if (w->saved_tz)
		setenv("TZ", w->saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(w->saved_tz);
	w->saved_tz = NULL;
	w->zip = 0;
}

int archive_wr_open(struct archive_wr *w, const char *path, int format, const int *filters,
		    size_t nfilters, struct err *e)
{
	w->path = path;
	w->tmp = xasprintf("%s.tmp.XXXXXX", path);
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		free(w->tmp);
		w->tmp = NULL;
		return err_sys(e, "%s: cannot create", path);
	}
	cleanup_add_path(w->tmp);
	w->a = archive_write_new();
	if (!w->a)
		return err_set(e, "%s: out of memory", path);
	/* archive_write_set_format() has no code for GNU/SVR4 ar. */
	if ((format == ARCHIVE_FORMAT_AR_GNU
		     ? archive_write_set_format_ar_svr4(w->a)
		     : archive_write_set_format(w->a, format)) != ARCHIVE_OK)
		return err_set(e, "%s: %s", path, la_msg(w->a));
	for (size_t i = 0; i < nfilters; i++)
		if (archive_write_add_filter(w->a, filters[i]) != ARCHIVE_OK)
			return err_set(e, "%s: cannot compress: %s", path, la_msg(w->a));
	/* No timestamp in gzip headers; one xz thread (threads change the block
   * layout, so the bytes).  zstd: libzstd's multi-threaded format gives the
   * same bytes for any number of threads from 1 up (0, its single-threaded
   * mode, gives others), so every CPU we may run on works on a large
   * source tree (t0100 checks one CPU against all). */
	for (size_t i = 0; i < nfilters; i++) {
		char zopt[64];
		const char *opt = filters[i] == ARCHIVE_FILTER_GZIP ? "gzip:!timestamp"
				  : filters[i] == ARCHIVE_FILTER_XZ ? "xz:threads=1"
								    : NULL;
		if (filters[i] == ARCHIVE_FILTER_ZSTD) {
			cpu_set_t cpus;
			int n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus)
									       : 1;
			snprintf(zopt, sizeof(zopt), "zstd:compression-level=3,zstd:threads=%d",
				 n < 1    ? 1
				 : n > 64 ? 64
					  : n);
			opt = zopt;
		}
		if (opt && archive_write_set_options(w->a, opt) != ARCHIVE_OK)
			return err_set(e, "%s: %s", path, la_msg(w->a));
	}
	if (format == ARCHIVE_FORMAT_AR_GNU || format == ARCHIVE_FORMAT_ZIP) {
		/* ar and zip readers expect the file to end with the archive. */
		archive_write_set_bytes_in_last_block(w->a, 1);
	} else if (format == ARCHIVE_FORMAT_CPIO_SVR4_NOCRC) {
		archive_write_set_bytes_per_block(w->a, 512);
		archive_write_set_bytes_in_last_block(w->a, 512);
	}
	if (format == ARCHIVE_FORMAT_ZIP) {
		w->zip = 1;
		tz_pin(w);
	}
	if (archive_write_open_fd(w->a, w->fd) != ARCHIVE_OK)
		return err_set(e, "%s: %s", path, la_msg(w->a));
	return 0;
}

int archive_wr_add(struct archive_wr *w, struct archive_entry *en, int fd, int64_t off,
		   const char *what, struct err *e)
{
	int64_t left = archive_entry_size(en);
	static char buf[RD_BLOCK];

	if (cleanup_interrupted())
		return err_setk(e, ERR_INTERRUPT, "%s: interrupted", w->path);
	if (++w->members > ARCHIVE_MAX_MEMBERS)
		return err_set(e, "%s: more than %d members", w->path, ARCHIVE_MAX_MEMBERS);
	if (left > ARCHIVE_MAX_TOTAL - w->total)
		return err_set(e, "%s: content beyond the cap of %lld bytes", w->path,
			       (long long)ARCHIVE_MAX_TOTAL);
	w->total += left;
	if (archive_write_header(w->a, en) != ARCHIVE_OK)
		return err_set(e, "%s: member \"%s\": %s", w->path, archive_entry_pathname(en),
			       la_msg(w->a));
	while (fd >= 0 && left > 0) {
		size_t want = left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = pread(fd, buf, want, off);
		if (n < 0 && errno == EINTR && !cleanup_interrupted())
			continue;
		if (n < 0)
			return err_sys(e, "%s: read", what);
		if (n == 0)
			return err_set(e, "%s: changed while being archived", what);
		if (archive_write_data(w->a, buf, (size_t)n) != n)
			return err_set(e, "%s: %s", w->path, la_msg(w->a));
		off += n;
		left -= n;
	}
	return 0;
}

int archive_wr_finish(struct archive_wr *w, mode_t mode, struct err *e)
{
	int rc = archive_write_close(w->a);

	tz_restore(w);
	if (rc != ARCHIVE_OK)
		return err_set(e, "%s: %s", w->path, la_msg(w->a));
	if (fchmod(w->fd, mode) < 0 || fsync(w->fd) < 0)
		return err_sys(e, "%s: cannot write", w->path);
	return 0;
}

int archive_wr_publish(struct archive_wr *w, struct err *e)
{
	if (rename(w->tmp, w->path) < 0)
		return err_sys(e, "%s: cannot rename into place", w->path);
	cleanup_remove_path(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	return 0;
}

void archive_wr_release(struct archive_wr *w)
{
	tz_restore(w);
	if (w->a)
		archive_write_free(w->a);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp) {
		unlink(w->tmp);
		cleanup_remove_path(w->tmp);
		free(w->tmp);
	}
	w->a = NULL;
	w->fd = -1;
	w->tmp = NULL;
}

int archive_compress_parse(const char *compress, int *filter, size_t *n, struct err *e)
{
	*n = 0;
	if (!compress || !strcmp(compress, "none"))
		return 0;
	*n = 1;
	if (!strcmp(compress, "gzip"))
		*filter = ARCHIVE_FILTER_GZIP;
	else if (!strcmp(compress, "xz"))
		*filter = ARCHIVE_FILTER_XZ;
	else if (!strcmp(compress, "zstd"))
		*filter = ARCHIVE_FILTER_ZSTD;
	else
		return err_set(e, "\"%s\": unknown compression (none, gzip, xz, zstd)", compress);
	return 0;
}

mode_t archive_norm_perm(mode_t type, mode_t perm)
{
	if (type == AE_IFDIR)
		return 0755;
	if (type == AE_IFLNK)
		return 0777;
	return (perm & 0111) ? 0755 : 0644;
}

struct archive_entry *archive_norm_entry(const char *name, mode_t type, mode_t perm, int64_t size,
					 int64_t mtime, int64_t sde, const char *link)
{
	struct archive_entry *en = archive_entry_new();

	if (!en) {
		fputs("lockstep: out of memory\n", stderr);
		abort();
	}
	archive_entry_copy_pathname(en, name);
	archive_entry_set_filetype(en, type);
	archive_entry_set_perm(en, archive_norm_perm(type, perm));
	archive_entry_set_size(en, type == AE_IFREG ? size : 0);
	/* Clamped, and never before 1970: ustar cannot hold it. */
	archive_entry_set_mtime(en, mtime < 0 ? 0 : mtime > sde ? sde : mtime, 0);
	archive_entry_set_uid(en, 0);
	archive_entry_set_gid(en, 0);
	archive_entry_set_nlink(en, 1);
	if (type == AE_IFLNK)
		archive_entry_copy_symlink(en, link);
	return en;
}

char archive_type_char(mode_t type)
{
	switch (type) {
	case AE_IFREG:
		return ARCHIVE_TYPE_FILE;
	case AE_IFDIR:
		return ARCHIVE_TYPE_DIR;
	case AE_IFLNK:
		return ARCHIVE_TYPE_SYMLINK;
	default:
		return ARCHIVE_TYPE_OTHER;
	}
}

int archive_name_cmp(const void *a, const void *b)
{
	const struct archive_name_idx *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

const char *archive_detect(const char *path)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct archive_entry *en;
	const char *name, *fmt = NULL;

	/* Only a first member counts: a block of zeros reads as an empty tar.
   * A cpio the guard refused is still a cpio: archive_normalize is then
   * the one to refuse it, rather than the output passing as plain bytes. */
	if (archive_rd_open(&r, path, ARCHIVE_RD_ANY, NULL) < 0) {
		if (r.cpio_refused)
			fmt = "cpio";
		goto out;
	}
	if (archive_rd_next(&r, &en, &name, NULL) != 1)
		goto out;
	switch (archive_format(r.a) & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_TAR:
		fmt = "tar";
		break;
	case ARCHIVE_FORMAT_CPIO:
		fmt = "cpio";
		break;
	case ARCHIVE_FORMAT_AR:
		fmt = "ar";
		break;
	case ARCHIVE_FORMAT_ZIP:
		fmt = "zip";
		break;
	}
out:
	archive_rd_release(&r);
	return fmt;
}

int archive_list(const char *path,
		 int (*fn)(const char *name, int64_t size, unsigned mode, char type, void *arg),
		 void *arg, struct err *e)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct archive_entry *en;
	const char *name;
	int ret = -1, rc;

	if (archive_rd_open(&r, path, ARCHIVE_RD_TAR, e) < 0)
		goto out;
	while ((rc = archive_rd_next(&r, &en, &name, e)) == 1) {
		char t = archive_entry_hardlink(en) ? ARCHIVE_TYPE_HARDLINK
						    : archive_type_char(archive_entry_filetype(en));
		int stop = fn(name, archive_entry_size(en), archive_entry_perm(en) & 07777, t, arg);
		if (stop) {
			ret = stop;
			goto out;
		}
	}
	if (rc == 0)
		ret = 0;
out:
	archive_rd_release(&r);
	return ret;
}

int archive_read_member(const char *path, const char *name, size_t max, char **out, size_t *len,
			struct err *e)
{
	struct archive_rd r = ARCHIVE_RD_INIT;
	struct archive_entry *en;
	const char *n;
	struct buf b = BUF_INIT;
	static char chunk[RD_BLOCK];
	int ret = -1, rc;

	if (archive_rd_open(&r, path, ARCHIVE_RD_TAR, e) < 0)
		goto out;
	while ((rc = archive_rd_next(&r, &en, &n, e)) == 1)
		if (!strcmp(n, name))
			break;
	if (rc < 0)
		goto out;
	if (rc == 0) {
		err_set(e, "%s: member \"%s\": not found", path, name);
		goto out;
	}
	if (archive_entry_filetype(en) != AE_IFREG || archive_entry_hardlink(en)) {
		err_set(e, "%s: member \"%s\": not a regular file", path, name);
		goto out;
	}
	if (archive_entry_size_is_set(en) && (uint64_t)archive_entry_size(en) > max) {
		err_set(e, "%s: member \"%s\": larger than %zu bytes", path, name, max);
		goto out;
	}
	for (;;) {
		/* Reading past max by up to one chunk tells an oversized member
     * whose size the header did not give. */
		ssize_t got = archive_rd_data(&r, name, chunk, sizeof(chunk), e);
		if (got < 0)
			goto out;
		if (got == 0)
			break;
		if ((size_t)got > max - b.len) {
			err_set(e, "%s: member \"%s\": larger than %zu bytes", path, name, max);
			goto out;
		}
		buf_add(&b, chunk, (size_t)got);
	}
	*out = buf_take(&b, len);
	ret = 0;
out:
	buf_release(&b);
	archive_rd_release(&r);
	return ret;
}
