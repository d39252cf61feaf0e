/* SPDX-License-Identifier: MIT */
/* Archives through libarchive, and only here: deterministic tar writing for
 * source archives and release bundles, in-place normalization of archives a
 * build produced (tar, cpio, ar, zip), and safe extraction of archives we did
 * not make.  Nothing in this header mentions libarchive's types.
 *
 * Readers of what lockstep itself writes or takes as tar (release bundles,
 * drops, exported environments, source archives: archive_extract,
 * archive_list, archive_read_member) open tar only, under any compression.
 * Only archive_detect, archive_normalize (build outputs) and
 * archive_extract_any (upstream source tarballs) also read cpio, ar and zip,
 * and they first check every ASCII cpio header in the decompressed stream
 * (archive/cpio_check.h): a header claiming more name or content than the
 * stream holds is refused before libarchive allocates what it claims. */
#ifndef ARCHIVE_ARCHIVE_H
#define ARCHIVE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* Caps on anything we read or write (docs/normalization.md): an archive with
 * more members, a longer name or more content than this is refused, so a
 * hostile or broken archive cannot exhaust memory or disk. */
#define ARCHIVE_MAX_MEMBERS 200000
#define ARCHIVE_MAX_TOTAL ((int64_t)4 << 30) /* sum of member sizes, bytes */
#define ARCHIVE_MAX_NAME 4096                /* member name or link target */

/* Writes a deterministic tar of the tree under dir to out_path (temp file +
 * rename): members sorted by byte-wise name, directories included, mtimes
 * clamped to sde (min(mtime, sde)), uid/gid 0 without user or group names,
 * permissions normalized (directories and files with any execute bit 0755,
 * other files 0644), symlinks stored as symlinks, hard links as independent
 * files; any other file type is refused.  Format: pax restricted (plain
 * ustar unless a name needs a pax record; never atime/ctime).  compress is
 * "none", "gzip" (no name, mtime 0 in the gzip header), "xz" or "zstd"
 * (level 3, one thread per CPU: the same bytes for any number).  Names are
 * relative to dir; when top is neither NULL nor "" (one path component) they
 * all sit below a first member top/.  Returns 0 or -1 with e set. */
int archive_write_tree(const char *dir, const char *top, const char *out_path, const char *compress,
		       int64_t sde, struct err *e);
/* The same without the entries that a pattern of exclude (NULL-terminated
 * fnmatch globs, or NULL) names; an excluded directory takes everything
 * below it along.  A pattern matches the path relative to dir ('*' does
 * not cross '/'), or, when it has no '/', any single component; a pattern
 * ending in '/' matches only directories.  ".git" excludes every .git at any depth. */
int archive_write_tree_excluding(const char *dir, const char *top, const char *const *exclude,
				 const char *out_path, const char *compress, int64_t sde,
				 struct err *e);

/* One member of archive_write_files: its name in the archive (relative, no
 * "..") and the host file it is read from (regular file or symlink, not
 * followed; a directory gives an empty directory member). */
struct archive_entry_spec {
	const char *name;
	const char *path;
};
/* Writes a deterministic tar of the n files (for bundles), normalized as
 * archive_write_tree does; parent directories of the names are added as
 * members.  Duplicate names are refused.  Returns 0 or -1. */
int archive_write_files(const struct archive_entry_spec *files, size_t n, const char *out_path,
			const char *compress, int64_t sde, struct err *e);

/* The format family of the archive at path when libarchive reads it as tar,
 * cpio, ar or zip (under any compression) with at least one member:
 * "tar", "cpio", "ar" or "zip" (static strings); NULL otherwise (not an
 * archive, a compressed single file, an empty archive, unreadable). */
const char *archive_detect(const char *path);

/* Rewrites the archive at path in place (temp + rename; the file's
 * permission bits are kept) in its normalized form: same family and
 * compression (tar → pax restricted, cpio → newc, GNU/SVR4 ar → GNU/SVR4 ar,
 * zip → zip), mtimes clamped to sde, uid/gid 0 without names, permission
 * bits normalized, extended attributes, ACLs and inode numbers dropped.
 * tar, cpio and zip members are sorted by name; ar members keep their order
 * (link order and the symbol index depend on it) and the symbol table "/"
 * keeps its bytes, which stay valid because every member keeps its offset
 * (checked after writing).  *changed is 1 when the bytes changed (0 when
 * the archive already was normalized, and then the file is not touched).
 * Refuses escaping members ("../", absolute), device nodes, FIFOs, sockets,
 * encrypted members, BSD ar, and archives beyond the caps. */
int archive_normalize(const char *path, int64_t sde, int *changed, struct err *e);

/* Extracts the tar (under any compression) at path into the existing
 * directory dir: first
 * checked whole (names relative without "..", symlinks resolving inside dir
 * even through other symlinks of the archive, hard links to earlier regular
 * members, no devices/FIFOs/sockets, caps), then extracted with libarchive's
 * secure flags into a staging directory inside dir whose entries are moved
 * up into dir at the end, so a failure leaves dir as it was.  setuid, setgid
 * and sticky bits are dropped; owners are not restored.  ar symbol and
 * name tables are not extracted.  An escape is named like
 * `bundle.tar: member "../x": path escapes the destination`. */
int archive_extract(const char *path, const char *dir, struct err *e);
/* The same for an archive in any family archive_detect knows (tar, cpio, ar,
 * zip): for upstream source tarballs (docs/recipe.md, "Source"). */
int archive_extract_any(const char *path, const char *dir, struct err *e);

/* Member types reported by archive_list. */
#define ARCHIVE_TYPE_FILE 'f'
#define ARCHIVE_TYPE_DIR 'd'
#define ARCHIVE_TYPE_SYMLINK 'l'
#define ARCHIVE_TYPE_HARDLINK 'h'
#define ARCHIVE_TYPE_OTHER '?' /* devices, FIFOs, sockets */

/* Calls fn for each member of the tar at path in archive order with its name, size, permission
 * bits (mode & 07777) and type.  fn returns 0 to go on; any other value
 * stops the listing and is returned as is (e untouched: fn reports through
 * arg).  Returns 0 at the end, -1 with e set when the archive is unreadable
 * or beyond the caps. */
int archive_list(const char *path,
		 int (*fn)(const char *name, int64_t size, unsigned mode, char type, void *arg),
		 void *arg, struct err *e);

/* Reads the first regular member of the tar at path named exactly name into *out (at most max
 * bytes, NUL-terminated after *len bytes; caller frees).  A missing member,
 * a non-regular one or one larger than max is an error. */
int archive_read_member(const char *path, const char *name, size_t max, char **out, size_t *len,
			struct err *e);

#endif
