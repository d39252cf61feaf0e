/* SPDX-License-Identifier: MIT */
/* The release gate.  A release is built, rebuilt independently, and only
 * when the two agree byte for byte are the provenance and a verification
 * summary signed and bundled (the layout: verifier/bundle.h; its audit:
 * verifier/audit.h). */
#ifndef VERIFIER_RELEASE_H
#define VERIFIER_RELEASE_H

#include "core/alloc.h"
#include "core/err.h"
#include "verifier/bundle.h"

struct provenance_record;
struct sign_key;

/* What to release; all borrowed. */
struct release_options {
	const char *recipe_path;
	const char *cell;     /* the matrix cell to release (required for a
			       * matrix recipe), or NULL */
	const char *key_path; /* the private key that signs */
	const char *out_dir;  /* where the bundle and RELEASE.md go */
	int quiet;            /* no progress lines on stderr */
};

/* Builds o->recipe_path (the cell o->cell selects), rebuilds it, and when
 * identical signs with the key at o->key_path and publishes NAME-VERSION.tar
 * (NAME-VERSION-CELL.tar) and RELEASE.md into o->out_dir.
 * report gets one line per artifact.  Not identical: ERR_NO, nothing
 * signed, out_dir untouched.  *bundle_path (caller frees) names the bundle. */
int release_run(const struct release_options *o, struct buf *report, char **bundle_path,
		struct err *e);

/* RELEASE.md exactly as release_run writes it, from the parsed provenance
 * (a matrix recipe's cell selected as the record names it) and the signing
 * key (its id and type; a public key does).  Caller frees; NULL with e set
 * when its recipe does not load. */
char *release_md_regenerate(const struct provenance_record *rec, const struct sign_key *k,
			    struct err *e);

/* "DIR/NAME.env.tar" for the bundle "DIR/NAME.tar"; caller frees. */
char *release_env_path(const char *bundle);
/* Writes the exported environment (toolchain_export) of the pin the bundle
 * ships to out: what an auditor needs, with the bundle, to rebuild offline. */
int release_export_env(const char *bundle, const char *out, struct err *e);

#endif
