/* SPDX-License-Identifier: MIT */
/* libarchive, loaded on its first call.
 *
 * Debian's libarchive brings sixteen libraries of its own (libxml2, ICU,
 * libstdc++, nettle, the compressors, ...): linked, they were loaded and
 * relocated at every start, 3.7 MB of a trivial program's peak memory,
 * whatever the command.  `lockstep diff` of two firmware images, `version`,
 * `keygen` never read an archive.  So the binary does not link -larchive:
 * every libarchive function lockstep calls is defined below with the
 * prototype of <archive.h> (the compiler checks each against it), and its
 * first call opens LAZY_LIBARCHIVE with dlopen, finds the real function
 * with dlsym and calls it; later calls go straight through the pointer.
 * Callers are unchanged: they include <archive.h> and call libarchive.
 *
 * These definitions stay out of the binary's dynamic symbol table (it is
 * not linked with -rdynamic, and no linked library refers to them), so
 * libarchive's calls to its own functions bind inside libarchive, never to
 * a wrapper here; `nm -D build/lockstep` lists no archive_ symbol.
 *
 * A NEW LIBARCHIVE CALL fails the link with "undefined reference to
 * `archive_...'": add its wrapper below, in the shape of its neighbours.
 *
 * libarchive is not optional: when it cannot be loaded, the first call
 * prints which library is missing and exits 2 (like core/alloc.c's out of
 * memory, an error nobody above could handle; atexit's cleanup still runs). */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The soname whose ABI <archive.h> describes (Debian's libarchive13);
 * scripts/make-dist reads it here to bundle the library. */
#define LAZY_LIBARCHIVE "libarchive.so.13"

static void *lib;

static void lazy_open(void)
{
	lib = dlopen(LAZY_LIBARCHIVE, RTLD_NOW | RTLD_LOCAL);
}

/* The real function called name, or exit 2.  Thread-safe: toolchains/
 * verify.c's workers may make the first call together. */
static void *lazy_sym(const char *name)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	void *f;

	pthread_once(&once, lazy_open);
	if (!lib) {
		fprintf(stderr, "lockstep: cannot load %s (Debian package libarchive13): %s\n",
			LAZY_LIBARCHIVE, dlerror());
		exit(2);
	}
	f = dlsym(lib, name);
	if (!f) {
		fprintf(stderr, "lockstep: %s: no function %s (libarchive too old?)\n",
			LAZY_LIBARCHIVE, name);
		exit(2);
	}
	return f;
}

/* Declares real_, name's real function, found on the first call.  Two
 * threads finding it together store the same pointer. */
#define RESOLVE(name) \
	static __typeof__(&name) real_##name; \
	__typeof__(&name) real_ = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE); \
	if (!real_) { \
		real_ = (__typeof__(&name))lazy_sym(#name); \
		__atomic_store_n(&real_##name, real_, __ATOMIC_RELEASE); \
	}

/* A wrapper: LAZY for a value, LAZY_VOID for none (params as declared,
 * args the same names, both in parentheses). */
#define LAZY(ret, name, params, args) \
	ret name params \
	{ \
		RESOLVE(name) \
		return real_ args; \
	}
#define LAZY_VOID(name, params, args) \
	void name params \
	{ \
		RESOLVE(name) \
		real_ args; \
	}
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
