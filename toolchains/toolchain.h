/* SPDX-License-Identifier: MIT */
/* Environment pins: the complete build root (cross toolchain, build tools,
 * libraries, down to the essential packages) as exact Debian packages
 * (name, version, architecture, suite, pool path, .deb sha256, sha256 of
 * every file) and the alternatives their maintainer scripts would make,
 * sealed by one combined digest.  Loading validates a pin strictly;
 * fetching obtains the exact .deb files from a mirror and makes the root
 * the sandbox is made of; nothing of the host's /usr is used.  The format
 * is described in docs/toolchain-pin.md. */
#ifndef TOOLCHAINS_TOOLCHAIN_H
#define TOOLCHAINS_TOOLCHAIN_H

#include <stddef.h>
#include "core/alloc.h"
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
/* The names of the pins in toolchain_dir() (file names less ".json"),
 * sorted, appended to out. */
void toolchain_names(struct strv *out);

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
/* 1 when the pin holds the package name. */
int toolchain_has_package(const struct toolchain *t, const char *name);
/* The version of the package name in the pin (borrowed), or NULL. */
const char *toolchain_package_version(const struct toolchain *t, const char *name);
/* The suites the pin was resolved from, NULL-terminated (borrowed). */
const char *const *toolchain_suites(const struct toolchain *t);

/* resolvedDependencies entries, one per package in pin order:
 * {"uri": "pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=DISTRO", "digest":
 * {"sha256": "<.deb sha256>"}, "name": NAME} (package URLs as ECMA-427
 * writes them).  Returns a new cJSON array (caller owns, cJSON_Delete). */
cJSON *toolchain_resolved_deps(const struct toolchain *t);

/* A summary for `toolchain show`: {"name", "file", "prefix", "compiler_id",
 * "digest", "packages": [{"name", "version", "architecture", "deb_sha256",
 * "uri", "files": COUNT}]}.  Caller owns. */
cJSON *toolchain_summary(const struct toolchain *t);

/* The lockstep home: LOCKSTEP_HOME, else $XDG_CACHE_HOME/lockstep, else
 * $HOME/.cache/lockstep.  Returns a new string (caller frees) or NULL with e
 * set when none of them is set. */
char *toolchain_home(struct err *e);

/* Where packages come from: --mirror and --snapshot as the command line
 * gave them (NULL: LOCKSTEP_MIRROR / LOCKSTEP_SNAPSHOT, else the host's apt
 * sources; see toolchains/fetch.h).  Borrowed for the process's life. */
void toolchain_set_mirror(const char *mirror, const char *snapshot);
/* What toolchain_set_mirror set (NULL when nothing). */
const char *toolchain_mirror(void);
const char *toolchain_snapshot(void);

/* Downloads each package's .deb that is not in <home>/debs from the
 * mirrors (checked against the pin's sha256 before it is kept: a wrong one
 * is refused naming the package and both digests, and nothing is kept),
 * then, unless it exists, makes the root <home>/roots/<root id>: every
 * package unpacked into one merged-/usr tree, the alternatives links, every
 * file checked against the pin, read-only, sealed.  No apt, no dpkg. */
int toolchain_fetch(const struct toolchain *t, struct err *e);
/* 1 when the root exists (not verified). */
int toolchain_is_fetched(const struct toolchain *t);
/* Checks the root: its seal (any change since it was made), and with full,
 * every file's sha256 against the pin and no file beside them.  The first
 * difference is an ERR_NO error. */
int toolchain_verify_store(const struct toolchain *t, int full, struct err *e);

/* Fetches (when the root is missing) and checks the seal; *root gets the
 * root directory (holding usr/ and etc/) the sandbox is made of, owned by t
 * (valid until toolchain_free). */
int toolchain_prepare(struct toolchain *t, const char **root, struct err *e);

/* Writes a deterministic tar (uncompressed) of the pin file (pin.json) and
 * every pinned .deb (debs/NAME_VERSION_ARCH.deb), each checked first, to
 * out (temp + rename).  Missing .deb files are fetched first. */
int toolchain_export(const struct toolchain *t, const char *out, struct err *e);
/* Reads an exported environment: its pin (whose digest must equal
 * expect_digest when that is not NULL), every .deb checked against it
 * before any reaches the cache, then the root made.  *out gets the pin
 * (caller frees).  Needs no network. */
int toolchain_import(const char *tar, const char *expect_digest, struct toolchain **out,
		     struct err *e);

/* How a pin is made (`lockstep env pin`): the suites' package indexes are
 * fetched from the mirrors (the InRelease file checked with gpgv against
 * keyring, the Packages file against InRelease's sha256), the closure of
 * the essential and required packages and the requested ones resolved, the
 * .deb files fetched and scanned (every file's sha256), the alternatives
 * read from their postinst scripts, the root made, and the compiler
 * identification read from an object PREFIXgcc writes inside a sandbox made
 * of that root. */
struct pin_request {
	const char *name, *distro, *arch, *prefix;
	const char *const *suites;   /* NULL-terminated */
	const char *const *packages; /* requested, NULL-terminated */
	const char *keyring;         /* NULL: the Debian archive keyring */
};
/* probe runs PREFIXgcc in a sandbox made of root and returns the .comment
 * string it writes in *cid (caller frees): the sandbox is not this
 * module's to run.  *out gets the pin's text (caller frees); the same index
 * and request give the same bytes. */
int toolchain_pin_make(const struct pin_request *rq,
		       int (*probe)(void *arg, const char *root, const char *prefix, char **cid,
				    struct err *e),
		       void *probe_arg, char **out, struct err *e);
/* The first "GCC: ..." string of the .comment section of the ELF object at
 * path; *out is owned by the caller. */
int toolchain_read_comment(const char *path, char **out, struct err *e);
/* The distinct "GCC: ..." identities of the objects (*.o, and each *.a's
 * first member that has one) under root/usr/lib: what the pinned packages'
 * own libraries were compiled with (picolibc's differ from the pinned
 * compiler's), which a build linking them carries.  *ids is borrowed,
 * cached for root until another root is asked for. */
int toolchain_shipped_ids(const char *root, const struct strv **ids, struct err *e);

/* Accepts NULL. */
void toolchain_free(struct toolchain *t);

#endif
