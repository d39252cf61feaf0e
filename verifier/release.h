/* SPDX-License-Identifier: MIT */
/* The release gate and the audit of what it produced.  A release is built,
 * rebuilt independently, and only when the two agree byte for byte are the
 * provenance and a verification summary signed and bundled. */
#ifndef VERIFIER_RELEASE_H
#define VERIFIER_RELEASE_H

#include "core/alloc.h"
#include "core/err.h"

/* Member names inside a release bundle. */
#define BUNDLE_PROVENANCE "provenance.intoto.json"
#define BUNDLE_SUMMARY "verification.intoto.json"
#define BUNDLE_PUBKEY "pubkey.pem"
#define BUNDLE_SOURCE "source.tar.gz"
#define BUNDLE_RELEASE_MD "RELEASE.md"
#define BUNDLE_ARTIFACTS "artifacts/"

/* Builds recipe_path, rebuilds it, and when identical signs with the key at
 * key_path and publishes NAME-VERSION.tar and RELEASE.md into out_dir.
 * report gets one line per artifact.  Not identical: ERR_NO, nothing
 * signed, out_dir untouched.  *bundle_path (caller frees) names the bundle. */
int release_run(const char *recipe_path, const char *key_path, const char *out_dir, int quiet,
		struct buf *report, char **bundle_path, struct err *e);

/* Checks a bundle against the trusted public key: every signature, every
 * digest, the summary vouching for this provenance, and (rebuild) an
 * independent rebuild from the bundled source.  0 all holds; -1 with
 * ERR_NO naming what does not, or ERR_OP for malformed input. */
int audit_run(const char *bundle, const char *pubkey_path, int rebuild, int quiet,
	      struct buf *report, struct err *e);

#endif
