/* SPDX-License-Identifier: MIT */
/* Debian source packages by name and version, fetched as apt-get source
 * would and checked link by link: the suite's InRelease (gpgv, the archive
 * keyring) vouches for its Sources index, the index for the .dsc's sha256,
 * the .dsc for the sha256 of every file it lists.  Unpacking (dpkg-source
 * -x) is the caller's: it runs in a sandbox. */
#ifndef TOOLCHAINS_DEBSOURCE_H
#define TOOLCHAINS_DEBSOURCE_H

#include "core/digest.h"
#include "core/err.h"

/* A .dsc lists at most this many files (an orig tarball, its signature,
 * component tarballs, the debian tarball). */
#define DEBSOURCE_MAX_FILES 32

/* What was fetched, for the provenance. */
struct debsource {
	char *dsc_name;                      /* owned: "opensbi_1.1-2.dsc" */
	char dsc_sha256[DIGEST_HEX_LEN + 1]; /* as the signed Sources index gives it */
	char *suite;                         /* owned: the suite whose index listed it */
	char *directory;                     /* owned: its pool directory, "pool/main/o/opensbi" */
};

/* Finds source package name at version in the main Sources index of the
 * first of suites (NULL-terminated) that lists it, fetched from the
 * mirrors (toolchain_set_mirror, LOCKSTEP_MIRROR, the host's apt sources)
 * with its InRelease checked against keyring (NULL: LOCKSTEP_KEYRING, else
 * Debian's archive keyring); fetches the .dsc and every file it lists,
 * each checked, into <lockstep home>/sources/NAME_VERSION/ (kept: a second
 * call rechecks the files and needs no network), and copies them into the
 * existing directory dest.  Not listed in any suite: ERR_OP naming the
 * suites; a digest that differs: ERR_NO naming the file and both digests.
 * out is filled on success (release with debsource_release). */
int debsource_fetch(const char *name, const char *version, const char *const *suites,
		    const char *keyring, const char *dest, struct debsource *out, struct err *e);
/* Accepts a zeroed or released d. */
void debsource_release(struct debsource *d);

#endif
