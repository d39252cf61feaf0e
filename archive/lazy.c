/* SPDX-License-Identifier: MIT */
/* libarchive, loaded on its first call (core/lazylib.h).
 *
 * Debian's libarchive brings sixteen libraries of its own (libxml2, ICU,
 * libstdc++, nettle, the compressors, ...): linked, they were loaded and
 * relocated at every start, 3.7 MB of a trivial program's peak memory,
 * whatever the command.  `lockstep diff` of two firmware images, `version`,
 * `keygen` never read an archive.  So the binary does not link -larchive:
 * every libarchive function lockstep calls is defined below.
 *
 * A NEW LIBARCHIVE CALL fails the link with "undefined reference to
 * `archive_...'": add its wrapper below, in the shape of its neighbours. */
#include <archive.h>
#include <archive_entry.h>

#include "core/lazylib.h"

/* The soname whose ABI <archive.h> describes (Debian's libarchive13);
 * scripts/make-dist reads it here to bundle the library. */
#define LAZY_LIBARCHIVE "libarchive.so.13"

static struct lazylib libarchive = LAZYLIB_INIT(LAZY_LIBARCHIVE, "libarchive13");
#define LAZY_LIB (&libarchive)

/* The common shapes: f(archive) and f(entry) returning a value, and
 * f(entry, value) setting one. */
#define ON_ARCHIVE(ret, name) LAZY(ret, name, (struct archive * a), (a))
#define ON_ENTRY(ret, name) LAZY(ret, name, (struct archive_entry * e), (e))
#define SET_ENTRY(name, type) LAZY_VOID(name, (struct archive_entry * e, type v), (e, v))

/* Reading. */
LAZY(struct archive *, archive_read_new, (void), ())
ON_ARCHIVE(int, archive_read_free)
ON_ARCHIVE(int, archive_read_support_filter_all)
ON_ARCHIVE(int, archive_read_support_filter_bzip2)
ON_ARCHIVE(int, archive_read_support_filter_gzip)
ON_ARCHIVE(int, archive_read_support_filter_lz4)
ON_ARCHIVE(int, archive_read_support_filter_lzip)
ON_ARCHIVE(int, archive_read_support_filter_lzma)
ON_ARCHIVE(int, archive_read_support_filter_none)
ON_ARCHIVE(int, archive_read_support_filter_xz)
ON_ARCHIVE(int, archive_read_support_filter_zstd)
ON_ARCHIVE(int, archive_read_support_format_all)
ON_ARCHIVE(int, archive_read_support_format_ar)
ON_ARCHIVE(int, archive_read_support_format_cpio)
ON_ARCHIVE(int, archive_read_support_format_raw)
ON_ARCHIVE(int, archive_read_support_format_tar)
ON_ARCHIVE(int, archive_read_support_format_zip)
LAZY(int, archive_read_open,
     (struct archive * a, void *data, archive_open_callback *open, archive_read_callback *read,
      archive_close_callback *close),
     (a, data, open, read, close))
LAZY(int, archive_read_open_fd, (struct archive * a, int fd, size_t block), (a, fd, block))
LAZY(int, archive_read_open_filename, (struct archive * a, const char *path, size_t block),
     (a, path, block))
LAZY(int, archive_read_open_memory, (struct archive * a, const void *p, size_t n), (a, p, n))
LAZY(int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e))
ON_ARCHIVE(la_int64_t, archive_read_header_position)
LAZY(la_ssize_t, archive_read_data, (struct archive * a, void *p, size_t n), (a, p, n))
LAZY(int, archive_read_data_block, (struct archive * a, const void **p, size_t *n, la_int64_t *off),
     (a, p, n, off))

/* Writing, to archives and to disk. */
LAZY(struct archive *, archive_write_new, (void), ())
LAZY(struct archive *, archive_write_disk_new, (void), ())
LAZY(int, archive_write_disk_set_options, (struct archive * a, int flags), (a, flags))
ON_ARCHIVE(int, archive_write_free)
ON_ARCHIVE(int, archive_write_close)
LAZY(int, archive_write_add_filter, (struct archive * a, int code), (a, code))
LAZY(int, archive_write_set_format, (struct archive * a, int code), (a, code))
ON_ARCHIVE(int, archive_write_set_format_ar_svr4)
ON_ARCHIVE(int, archive_write_set_format_pax_restricted)
LAZY(int, archive_write_set_options, (struct archive * a, const char *opts), (a, opts))
LAZY(int, archive_write_set_bytes_per_block, (struct archive * a, int n), (a, n))
LAZY(int, archive_write_set_bytes_in_last_block, (struct archive * a, int n), (a, n))
LAZY(int, archive_write_open_fd, (struct archive * a, int fd), (a, fd))
LAZY(int, archive_write_open_filename, (struct archive * a, const char *path), (a, path))
LAZY(int, archive_write_open_memory, (struct archive * a, void *p, size_t n, size_t *used),
     (a, p, n, used))
LAZY(int, archive_write_header, (struct archive * a, struct archive_entry *e), (a, e))
LAZY(la_ssize_t, archive_write_data, (struct archive * a, const void *p, size_t n), (a, p, n))
LAZY(la_ssize_t, archive_write_data_block,
     (struct archive * a, const void *p, size_t n, la_int64_t off), (a, p, n, off))
ON_ARCHIVE(int, archive_write_finish_entry)

/* Either side: what the archive is, what went wrong. */
ON_ARCHIVE(const char *, archive_error_string)
ON_ARCHIVE(int, archive_format)
ON_ARCHIVE(const char *, archive_format_name)
ON_ARCHIVE(int, archive_filter_count)
LAZY(int, archive_filter_code, (struct archive * a, int i), (a, i))
LAZY(const char *, archive_filter_name, (struct archive * a, int i), (a, i))

/* Entries. */
LAZY(struct archive_entry *, archive_entry_new, (void), ())
ON_ENTRY(struct archive_entry *, archive_entry_clear)
LAZY_VOID(archive_entry_free, (struct archive_entry * e), (e))
ON_ENTRY(const char *, archive_entry_pathname)
ON_ENTRY(const char *, archive_entry_pathname_utf8)
ON_ENTRY(const char *, archive_entry_hardlink)
ON_ENTRY(const char *, archive_entry_symlink)
ON_ENTRY(const char *, archive_entry_uname)
ON_ENTRY(const char *, archive_entry_gname)
ON_ENTRY(__LA_MODE_T, archive_entry_filetype)
ON_ENTRY(__LA_MODE_T, archive_entry_mode)
ON_ENTRY(__LA_MODE_T, archive_entry_perm)
ON_ENTRY(la_int64_t, archive_entry_size)
ON_ENTRY(int, archive_entry_size_is_set)
ON_ENTRY(la_int64_t, archive_entry_uid)
ON_ENTRY(la_int64_t, archive_entry_gid)
ON_ENTRY(time_t, archive_entry_mtime)
ON_ENTRY(int, archive_entry_is_encrypted)
SET_ENTRY(archive_entry_set_pathname, const char *)
SET_ENTRY(archive_entry_copy_pathname, const char *)
SET_ENTRY(archive_entry_set_hardlink, const char *)
SET_ENTRY(archive_entry_copy_hardlink, const char *)
SET_ENTRY(archive_entry_set_symlink, const char *)
SET_ENTRY(archive_entry_copy_symlink, const char *)
SET_ENTRY(archive_entry_set_filetype, unsigned int)
SET_ENTRY(archive_entry_set_mode, __LA_MODE_T)
SET_ENTRY(archive_entry_set_perm, __LA_MODE_T)
SET_ENTRY(archive_entry_set_size, la_int64_t)
SET_ENTRY(archive_entry_set_uid, la_int64_t)
SET_ENTRY(archive_entry_set_gid, la_int64_t)
SET_ENTRY(archive_entry_set_ino, la_int64_t)
SET_ENTRY(archive_entry_set_nlink, unsigned int)
LAZY_VOID(archive_entry_set_mtime, (struct archive_entry * e, time_t t, long ns), (e, t, ns))
