/* SPDX-License-Identifier: MIT */
/* What the files of toolchains/ share and nobody else sees: the parsed pin,
 * the .deb reader (libarchive stays behind deb.c) and the cache paths. */
#ifndef TOOLCHAINS_INTERNAL_H
#define TOOLCHAINS_INTERNAL_H

#include <stddef.h>
#include "core/digest.h"
#include "core/err.h"
#include "core/json.h"

/* Caps on what a pin or a .deb may hold: untrusted input is bounded. */
#define PIN_MAX_PACKAGES 4096
#define PIN_MAX_FILES 200000
#define PIN_MAX_ALTERNATIVES 512
#define DEB_MAX_ENTRIES 200000
#define DEB_MAX_BYTES (16ull << 30)

struct pin_file {
	char *path;    /* owned; relative to /, e.g. "usr/bin/x" */
	char *symlink; /* owned; the link's target, NULL for a regular file */
	char sha256[DIGEST_HEX_LEN + 1];
};

struct pin_package {
	char *name, *version, *arch; /* owned */
	char *suite;                 /* owned: the suite it was resolved from */
	char *pool;                  /* owned: its path below a mirror's base URL */
	long long installed_size;    /* bytes, as the index says (-1: unknown) */
	char deb_sha256[DIGEST_HEX_LEN + 1];
	struct pin_file *files; /* owned, sorted by path */
	size_t nfiles;
};

/* What a package's maintainer scripts would have made with
 * update-alternatives: link -> /etc/alternatives/name -> path. */
struct pin_alternative {
	char *name, *link, *path; /* owned; link and path absolute */
};

struct toolchain {
	char *path;  /* owned: the pin file */
	char *bytes; /* owned: its contents */
	size_t len;
	char *name, *prefix, *compiler_id; /* owned */
	char *distro, *arch;               /* owned: "debian-12", "amd64" */
	char **suites, **requested;        /* owned, NULL-terminated */
	char digest[DIGEST_HEX_LEN + 1];
	char root_id[DIGEST_HEX_LEN + 1]; /* what the root is made of (pin_root_id) */
	struct pin_package *pkgs;         /* owned, sorted by name */
	size_t npkgs;
	struct pin_alternative *alts; /* owned */
	size_t nalts;
	char *root; /* owned; set by toolchain_prepare */
};

/* The path a package file has in the merged-/usr root: "bin/x" ->
 * "usr/bin/x" (also sbin, lib, lib32, lib64, libx32); other paths as they
 * are.  NULL for the top-level alias symlinks a package may ship ("bin"),
 * which the sandbox makes itself.  Caller frees. */
char *pin_root_path(const char *path);
/* The digest of what a root is made of: every package's name, version,
 * architecture and .deb sha256, and the alternatives.  Two pins with the
 * same packages share one root in the store. */
void pin_root_id(const struct toolchain *t, char hex[DIGEST_HEX_LEN + 1]);

/* sha256 of the canonical JSON of root without its "digest" member. */
void pin_compute_digest(const cJSON *root, char hex[DIGEST_HEX_LEN + 1]);
/* The package URL (ECMA-427) of a Debian package:
 * "pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=DISTRO" (distro may be
 * NULL); '+' is %2B, the epoch's ':' stays.  Caller frees. */
char *pin_purl(const char *name, const char *version, const char *arch, const char *distro);
/* Checks the file at full (p's pinned f): a symlink with the pinned target,
 * or a regular file with the pinned sha256; ERR_NO naming both otherwise. */
int pin_check_file(const struct toolchain *t, const struct pin_package *p, const struct pin_file *f,
		   const char *full, struct err *e);
/* Hashes every pinned file of every package in the root directory root
 * (each at its pin_root_path), on every CPU this process may use; the
 * first difference in pin order is the error.  Then refuses any file in
 * root that neither a package nor the alternatives account for. */
int pin_verify_root(const struct toolchain *t, const char *root, struct err *e);
/* "NAME_VERSION_ARCH.deb" with ':' written "%3a", as Debian names it;
 * caller frees. */
char *pin_deb_name(const struct pin_package *p);
/* "<home>/debs/" + pin_deb_name(p); caller frees. */
char *pin_deb_path(const char *home, const struct pin_package *p);
/* "<home>/roots/<root id>"; caller frees. */
char *pin_root_dir(const char *home, const struct toolchain *t);

/* Reads the control member NAME ("postinst", "control") of the .deb at
 * path into *out (caller frees; NUL-terminated), at most 1 MiB.  A member
 * that is not there gives *out = NULL and 0. */
int deb_control_file(const char *deb, const char *name, char **out, struct err *e);
/* Decompresses data (xz, gzip, bzip2, zstd or none, as libarchive
 * recognizes it) into *out (caller frees, NUL-terminated), at most max
 * bytes; what names it in errors. */
int deb_decompress(const void *data, size_t len, const char *what, size_t max, char **out,
		   size_t *outlen, struct err *e);

/* Makes the root of t (every package of the pin from the .deb cache,
 * verified file by file, the alternatives links, read-only, sealed) at
 * dest, which must not exist: built beside it and renamed. */
int root_make(const struct toolchain *t, const char *home, const char *dest, struct err *e);
/* Checks the seal of the root at dir (every entry's type, mode, size and
 * modification time, as recorded when it was made): cheap, catches an edit
 * made since.  ERR_NO naming the root when it differs. */
int root_check_seal(const char *dir, struct err *e);

/* The keyring a suite's InRelease is checked against by default. */
#define RELEASE_DEFAULT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
/* Fetches dists/SUITE/InRelease from the first of bases that serves it and
 * checks its signature with gpgv against keyring (ERR_NO when it does not
 * verify), then fetches the index it lists as index (e.g.
 * "main/source/Sources": index.xz, index.gz or index, the first listed),
 * checks it against the signed sha256 (ERR_NO naming both when it
 * differs) and decompresses it into *out (caller frees, NUL-terminated,
 * at most 256 MiB; *outlen its length); *rel_out gets the path it was
 * fetched from ("dists/bookworm/main/source/Sources.xz"; caller frees). */
int release_fetch_index(const char *const *bases, const char *suite, const char *keyring,
			const char *index, char **rel_out, char **out, size_t *outlen,
			struct err *e);

/* One member of a .deb's data archive, as deb_scan reports it. */
struct deb_entry {
	const char *path;    /* normalized: "usr/bin/x" */
	const char *symlink; /* target for a symlink, else NULL */
	const char *sha256;  /* for a regular file (hard links included) */
};
/* Reads the .deb at path (an ar archive holding data.tar[.xz|.zst|.gz])
 * and calls fn for every regular file and symlink of its data archive, in
 * archive order; fn returning -1 stops the scan.  Device files, fifos and
 * paths that escape are refused. */
int deb_scan(const char *deb, int (*fn)(void *ctx, const struct deb_entry *ent, struct err *e),
	     void *ctx, struct err *e);
/* Extracts the data archive of deb into the existing directory dest (the
 * root being made; other packages may be there already) with libarchive's
 * secure flags (no "..", no absolute paths, no writing through symlinks),
 * every path mapped by pin_root_path, refusing device files and fifos and
 * dropping setuid, setgid and sticky bits.  A file another package already
 * put there is an error naming it. */
int deb_extract(const char *deb, const char *dest, struct err *e);

#endif
