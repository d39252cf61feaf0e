/* SPDX-License-Identifier: MIT */
/* Downloading from Debian archives: .deb files and index files fetched over
 * HTTP(S) (or file://) from an ordered list of base URLs, checked by sha256
 * before they appear, and where those base URLs come from (a --mirror
 * option, LOCKSTEP_MIRROR, the host's apt sources, LOCKSTEP_SNAPSHOT).  The
 * transport library stays inside fetch.c. */
#ifndef TOOLCHAINS_FETCH_H
#define TOOLCHAINS_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include "core/digest.h"
#include "core/err.h"

/* What max_bytes == 0 means: larger than any .deb we expect. */
#define FETCH_DEFAULT_MAX_BYTES (16ull << 30)

/* Downloads rel (a path relative to a Debian archive root, e.g.
 * "pool/main/m/make-dfsg/make_4.3-4.1_amd64.deb" or
 * "dists/bookworm/InRelease"; no "..", no absolute path, only the
 * characters [A-Za-z0-9._+~/-]) from the first of the NULL-terminated base
 * URLs that serves it, into dest, whose directory must exist.  The bytes go
 * to dest.tmp.XXXXXX (registered with cleanup_add_path, so SIGINT removes
 * it), are hashed while they arrive, and dest appears (rename, replacing an
 * existing file, mode 0644) only when the transfer completed and, when
 * expect_sha256 is not NULL, the digest equals it.
 * Errors (nothing is left behind on any of them):
 *  - a digest mismatch: ERR_NO naming `what` (e.g. `package "make"
 *    4.3-4.1`; NULL: rel), the URL and both digests; the next base is not
 *    tried, since a pool file's name fixes its bytes;
 *  - every base failing (HTTP 404, connection refused, a transfer cut
 *    short, ...): ERR_OP naming rel and each base with its reason;
 *  - more than max_bytes (0: FETCH_DEFAULT_MAX_BYTES), or dest not
 *    writable: ERR_OP;
 *  - SIGINT/SIGTERM (cleanup_interrupted()): ERR_INTERRUPT, within a
 *    second or so.
 * hex (may be NULL) gets the sha256 of what was downloaded.  When progress
 * is non-zero and the transfer is longer than about 1 MB, a progress line
 * goes to stderr (rewritten with \r on a tty, two lines otherwise), ending
 * with a newline.  Not thread-safe on its first call (it initializes the
 * transport library). */
int fetch_file(const char *const *bases, const char *rel, const char *dest,
	       const char *expect_sha256, const char *what, uint64_t max_bytes, int progress,
	       char hex[DIGEST_HEX_LEN + 1], struct err *e);

/* Same, into memory (for index files), without a digest check or progress:
 * *out gets the bytes (caller frees; NUL-terminated for convenience, the
 * NUL not counted) and *len their count.  More than max_bytes (0:
 * FETCH_DEFAULT_MAX_BYTES) is refused.  *out is NULL on failure. */
int fetch_mem(const char *const *bases, const char *rel, uint64_t max_bytes, char **out,
	      size_t *len, struct err *e);

/* The base URLs to fetch Debian packages from, in order:
 *  1. cli_mirror (a --mirror value; may be NULL), else
 *  2. the environment variable LOCKSTEP_MIRROR, else
 *  3. the http, https and file URIs of the host's apt sources: one-line
 *     "deb [opts] URI SUITE [COMPONENT...]" entries of sources.list and
 *     sources.list.d/<any>.list, and deb822 stanzas of
 *     sources.list.d/<any>.sources whose Types include deb and that are not
 *     disabled (Enabled: no), in the order apt reads them.  The directory is
 *     /etc/apt, or LOCKSTEP_APT_DIR when set (for tests).  Malformed or
 *     unreadable apt sources are skipped: they are apt's to police;
 * then the snapshot archive base, cli_snapshot (may be NULL) or else
 * LOCKSTEP_SNAPSHOT, appended last: a base laid out like a mirror (e.g. a
 * snapshot archive's dated path) for versions the mirrors no longer carry.
 * cli_mirror and LOCKSTEP_MIRROR hold one or more URLs separated by blanks;
 * each of those and the snapshot value must start with http://, https:// or
 * file://, or the error names it.  Trailing slashes are removed and
 * duplicates dropped (the first stays).
 * Returns a NULL-terminated array (caller frees with mirror_bases_free), or
 * NULL with e set (ERR_OP) when a value is malformed or there is no base at
 * all; that message says how to configure one. */
char **mirror_bases(const char *cli_mirror, const char *cli_snapshot, struct err *e);
/* Frees what mirror_bases returned; accepts NULL. */
void mirror_bases_free(char **bases);

#endif
