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
#define PIN_MAX_PACKAGES 256
#define PIN_MAX_FILES 200000
#define DEB_MAX_ENTRIES 200000
#define DEB_MAX_BYTES (16ull << 30)

struct pin_file {
	char *path;    /* owned; relative to /, e.g. "usr/bin/x" */
	char *symlink; /* owned; the link's target, NULL for a regular file */
	char sha256[DIGEST_HEX_LEN + 1];
};

struct pin_package {
	char *name, *version, *arch; /* owned */
	char deb_sha256[DIGEST_HEX_LEN + 1];
	struct pin_file *files; /* owned, sorted by path */
	size_t nfiles;
};

struct toolchain {
	char *path;  /* owned: the pin file */
	char *bytes; /* owned: its contents */
	size_t len;
	char *name, *prefix, *compiler_id; /* owned */
	char digest[DIGEST_HEX_LEN + 1];
	struct pin_package *pkgs; /* owned */
	size_t npkgs;
	char **layers; /* owned, NULL-terminated; set by toolchain_prepare */
};

/* sha256 of the canonical JSON of root without its "digest" member. */
void pin_compute_digest(const cJSON *root, char hex[DIGEST_HEX_LEN + 1]);
/* "pkg:deb/debian/NAME@VERSION?arch=ARCH" (the epoch's ':' as %3A); caller
 * frees. */
char *pin_purl(const char *name, const char *version, const char *arch);
/* Checks the file at full (p's pinned f): a symlink with the pinned target,
 * or a regular file with the pinned sha256; ERR_NO naming both otherwise. */
int pin_check_file(const struct toolchain *t, const struct pin_package *p,
		   const struct pin_file *f, const char *full, struct err *e);
/* dirs[i] holds exactly pkgs[i]'s pinned files (the n trees hashed in
 * parallel); the first difference in pin order is the error. */
int pin_verify_trees(const struct toolchain *t, const struct pin_package *const *pkgs,
		     const char *const *dirs, size_t n, struct err *e);
/* Binary search of path in p's sorted files; NULL when absent. */
const struct pin_file *pin_find_file(const struct pin_package *p, const char *path);
/* "NAME_VERSION_ARCH.deb" with ':' written "%3a", as apt-get download
 * names it; caller frees. */
char *pin_deb_name(const struct pin_package *p);
/* "<home>/debs/" + pin_deb_name(p); caller frees. */
char *pin_deb_path(const char *home, const struct pin_package *p);
/* "<home>/store/<deb sha256>"; caller frees. */
char *pin_store_path(const char *home, const struct pin_package *p);
/* dpkg-query's installed version and architecture of name; -1 with e set
 * (ERR_NO) when it is not installed.  Caller frees both. */
int pin_installed(const char *name, char **version, char **arch, struct err *e);
/* Runs one apt-get download NAME=VERSION... for the n packages in the
 * fresh directory dir, which then holds pin_deb_name(p) for each.  When apt
 * cannot serve a version the error names the package, the pinned version
 * and the versions apt has. */
int pin_apt_download(const struct pin_package *const *pkgs, size_t n, const char *dir,
		     struct err *e);
/* Downloads the n packages in one apt-get call into a staging directory
 * next to <home>/debs/apt, passes each .deb to check (which names what is
 * wrong), and only then moves it to pin_deb_path(home, p): a .deb that
 * fails its check is never cached. */
int pin_download_checked(const struct pin_package *const *pkgs, size_t n, const char *home,
			 int (*check)(void *ctx, const struct pin_package *p, const char *path,
				      struct err *e),
			 void *ctx, struct err *e);
/* Fills each package's deb_sha256 with the sha256 apt's (signed) package
 * index records for name=version on its architecture (apt-cache show). */
int pin_apt_sha256(struct pin_package *pkgs, size_t n, struct err *e);

/* The first "GCC: ..." string of the .comment section of the ELF object at
 * path (libelf); *out is owned by the caller. */
int pin_read_comment(const char *path, char **out, struct err *e);

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
/* Extracts the data archive of deb into the existing empty directory dest
 * with libarchive's secure flags (no "..", no absolute paths, no writing
 * through symlinks), refusing device files and fifos and dropping setuid,
 * setgid and sticky bits. */
int deb_extract(const char *deb, const char *dest, struct err *e);

#endif
