/* SPDX-License-Identifier: MIT */
/* Resolving a Debian package closure from Packages index text, without apt:
 * the parsed stanzas of one or more suites, and the deterministic closure
 * (essential packages, optionally Priority: required, the requested names,
 * and everything they Pre-Depend and Depend on) that becomes a pinned build
 * root.  Fetching and decompressing the index is the caller's business. */
#ifndef TOOLCHAINS_RESOLVE_H
#define TOOLCHAINS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* Caps on what one index may hold: untrusted input is bounded. */
#define DEB_INDEX_MAX_BYTES (1ull << 30)
#define DEB_INDEX_MAX_STANZAS 1000000

/* Opaque: the parsed stanzas of one or more Packages files.  Owned by whoever
 * created it, released with deb_index_free. */
struct deb_index;

/* A new, empty index (never NULL). */
struct deb_index *deb_index_new(void);
/* Releases ix and everything it holds; accepts NULL. */
void deb_index_free(struct deb_index *ix);

/* Parses one Packages file's text (len bytes, need not be NUL-terminated;
 * stanzas separated by blank lines, continuation lines starting with a space
 * or tab) and adds its stanzas to ix, each remembering suite (e.g.
 * "bookworm"; copied).  Only Package, Version, Architecture, Essential,
 * Priority, Depends, Pre-Depends, Provides, Filename, Size, Installed-Size,
 * SHA256 and Multi-Arch are kept.  A stanza without Package, Version,
 * Architecture, Filename or SHA256, or with a malformed value (name,
 * version, 64 hex digits, a pool path that stays relative, decimal sizes),
 * is an error naming `what` (the index's name, for messages) and the line
 * the stanza starts on; ix then keeps the stanzas added before it.  When a
 * package name and architecture appear more than once (several suites), the
 * highest version wins (debversion_cmp); on equal versions the first added
 * stays. */
int deb_index_add(struct deb_index *ix, const char *text, size_t len, const char *suite,
		  const char *what, struct err *e);
/* The number of distinct (name, architecture) stanzas in ix. */
size_t deb_index_count(const struct deb_index *ix);

/* One package of a resolved closure; every string is owned by the array
 * resolved_free releases. */
struct resolved_pkg {
	char *name, *version, *arch; /* owned; arch is the package's own ("amd64" or "all") */
	char *filename;   /* owned: the pool path, "pool/main/m/make-dfsg/make_4.3-4.1_amd64.deb" */
	char *sha256;     /* owned: the .deb's sha256 from the index, lowercase hex */
	char *suite;      /* owned: the suite it was resolved from */
	char *multi_arch; /* owned: "same", "foreign", "allowed" or NULL when absent */
	uint64_t size, installed_size; /* bytes (Installed-Size, KiB in the index, converted) */
	int essential;                 /* Essential: yes */
	int required;                  /* Priority: required */
};

/* The closure for the native architecture arch (e.g. "amd64"; packages of
 * architecture "all" count as native): every Essential: yes package, every
 * Priority: required one when with_required, the requested names, and the
 * transitive closure of their Pre-Depends and Depends (never Recommends or
 * Suggests; Conflicts and Breaks are not checked).  For a name present as
 * both arch and "all", the higher version is the candidate.
 *
 * Seeds are sorted by name and processed first in, first out, so the same
 * index and request always give the same result.  Each dependency "a | b":
 *   1. satisfied when an alternative is already selected, or provided by a
 *      selected package, at a version meeting its constraint;
 *   2. else the first alternative that is a real package whose version meets
 *      the constraint is selected;
 *   3. else the first alternative that is provided (Provides) by a package:
 *      its alphabetically first provider is selected.
 * Constraints (<<, <=, =, >=, >>; the obsolete < and > as <= and >=) are
 * checked; a versioned dependency is met by a provider only through a
 * versioned Provides "name (= ver)".  Architecture qualifiers (":any",
 * ":native", ":amd64") are stripped.  An unsatisfiable dependency is an
 * error naming the package, the dependency and what the index has:
 *   package "foo": dependency "libbar (>= 3)": the index has libbar 2.1-1
 * A requested name that is not a package for arch is an error naming it
 * (and, when it is a virtual package, its providers).
 *
 * On success *out gets the selection sorted by name (caller frees with
 * resolved_free) and *nout its length; on failure *out is NULL. */
int deb_index_resolve(const struct deb_index *ix, const char *arch, const char *const *requested,
		      size_t nrequested, int with_required, struct resolved_pkg **out, size_t *nout,
		      struct err *e);
/* Frees the n packages of p and p itself; accepts NULL. */
void resolved_free(struct resolved_pkg *p, size_t n);

/* Compares two Debian versions as dpkg does (epoch, upstream, revision; '~'
 * sorts before everything, even the end; a missing revision equals "0"):
 * negative, 0 or positive as a is lower than, equal to or higher than b. */
int debversion_cmp(const char *a, const char *b);

#endif
