/* SPDX-License-Identifier: MIT */
/* Toolchain pins: the exact Debian packages (name, version, architecture,
 * .deb sha256, sha256 of every file) a cross compiler is made of, sealed by
 * one combined digest.  Loading validates a pin strictly; verifying checks
 * the host's installed files against it; fetching obtains the exact .deb
 * files and imports them into a content-addressed store the sandbox
 * overlays over /usr.  The format is described in docs/toolchain-pin.md. */
#ifndef TOOLCHAINS_TOOLCHAIN_H
#define TOOLCHAINS_TOOLCHAIN_H

#include <stddef.h>
#include "core/err.h"
#include "core/json.h"

/* Opaque; owned by whoever loaded it, released with toolchain_free. */
struct toolchain;

/* Finds and loads the pin NAME.json: in the directory named by the
 * environment variable LOCKSTEP_TOOLCHAINS, else <dir of
 * /proc/self/exe>/../toolchains (the repository layout: build/lockstep →
 * toolchains/), else /usr/local/share/lockstep/toolchains.  NAME must be a
 * plain name ([a-z0-9._-]) equal to the pin's "name".  Validation is strict:
 * unknown fields, malformed values and a wrong combined digest are errors
 * naming the file and the field.  *out is owned by the caller. */
int toolchain_load(const char *name, struct toolchain **out, struct err *e);
/* Same for a pin file given by path. */
int toolchain_load_file(const char *path, struct toolchain **out, struct err *e);
/* The directory toolchain_load searches (static storage). */
const char *toolchain_dir(void);

/* Borrowed accessors, valid until toolchain_free. */
const char *toolchain_name(const struct toolchain *t);
const char *toolchain_path(const struct toolchain *t);        /* the pin file */
const char *toolchain_prefix(const struct toolchain *t);      /* "riscv64-unknown-elf-" */
const char *toolchain_digest(const struct toolchain *t);      /* combined sha256, hex */
const char *toolchain_compiler_id(const struct toolchain *t); /* expected .comment string */
/* The pin file's bytes exactly as read (so provenance can embed it and a
 * verifier can find it by digest); *len gets the length. */
const char *toolchain_pin_bytes(const struct toolchain *t, size_t *len);
size_t toolchain_package_count(const struct toolchain *t);

/* resolvedDependencies entries, one per package in pin order:
 * {"uri": "pkg:deb/debian/NAME@VERSION?arch=ARCH", "digest": {"sha256":
 * "<.deb sha256>"}, "name": NAME}.  Returns a new cJSON array (caller owns,
 * cJSON_Delete). */
cJSON *toolchain_resolved_deps(const struct toolchain *t);

/* A summary for `toolchain show`: {"name", "file", "prefix", "compiler_id",
 * "digest", "packages": [{"name", "version", "architecture", "deb_sha256",
 * "uri", "files": COUNT}]}.  Caller owns. */
cJSON *toolchain_summary(const struct toolchain *t);

/* The lockstep home: LOCKSTEP_HOME, else $XDG_CACHE_HOME/lockstep, else
 * $HOME/.cache/lockstep.  Returns a new string (caller frees) or NULL with e
 * set when none of them is set. */
char *toolchain_home(struct err *e);

/* Checks the host's installed packages against the pin: for each package
 * the installed version and architecture, then each file's sha256 (symlinks:
 * their target).  The first mismatch is returned as an ERR_NO error naming
 * the pin file, the package and the file; a package that is not installed
 * is ERR_NO too.  *files (may be NULL) gets the number of files checked. */
int toolchain_verify_host(const struct toolchain *t, size_t *files, struct err *e);

/* Obtains each package's .deb with `apt-get download NAME=VERSION` into
 * <home>/debs/ (unless already there), checks its sha256 against the pin
 * (a cached .deb that differs is refused, never replaced silently), then
 * imports it into <home>/store/<deb sha256>/ through a staging directory
 * and a rename, verifying every extracted file against the pin.  Returns 0
 * when every package is in the store. */
int toolchain_fetch(const struct toolchain *t, struct err *e);
/* 1 when every package's store directory exists (not verified). */
int toolchain_is_fetched(const struct toolchain *t);
/* 1 when dpkg says every package is installed at the pinned version and
 * architecture (files not hashed: that is toolchain_verify_host). */
int toolchain_is_installed(const struct toolchain *t);
/* Hashes every file of every store directory against the pin and refuses
 * extra files; the first difference is an ERR_NO error. */
int toolchain_verify_store(const struct toolchain *t, struct err *e);

/* Fetches (if not already in the store) and verifies the store; *layers
 * gets the store directories (each holding usr/...) the sandbox overlays
 * over /usr, highest priority first (the pin's package order), as a
 * NULL-terminated array owned by t (valid until toolchain_free). */
int toolchain_prepare(struct toolchain *t, const char *const **layers, struct err *e);

/* The host shared libraries the toolchain's own host executables and
 * libraries load (DT_NEEDED resolved in the host's library directories,
 * recursively, read with libelf), except those the pin itself provides,
 * each with its owning Debian package: a new cJSON array (caller owns) of
 * {"name": "/usr/lib/x86_64-linux-gnu/libmpfr.so.6", "uri":
 * "pkg:deb/debian/libmpfr6@4.2.0-1?arch=amd64", "digest": {"sha256": ...}}
 * sorted by name, or NULL with e set. */
cJSON *toolchain_host_libs(const struct toolchain *t, struct err *e);

/* Generates a pin from what apt and dpkg say: the installed version and
 * architecture of each package (dpkg-query), its .deb fetched with apt-get
 * download into <home>/debs and hashed, every file hashed from the .deb's
 * data archive (not from the host filesystem), and the compiler
 * identification read from an object the installed PREFIXgcc compiles.
 * *out gets the pin file's text (caller frees); the same inputs give the
 * same bytes. */
int toolchain_pin_make(const char *name, const char *const *packages, size_t npackages,
		       const char *prefix, char **out, struct err *e);

/* Accepts NULL. */
void toolchain_free(struct toolchain *t);

#endif
