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
/* The source archive, under the name the provenance gives it: release
 * writes source.tar.zst; audit reads a bundle of an older release with its
 * source.tar.gz too. */
#define BUNDLE_SOURCE "source.tar.zst"
/* The environment pin the provenance names by digest. */
#define BUNDLE_PIN "environment.json"
#define BUNDLE_RELEASE_MD "RELEASE.md"
/* The SBOM (CycloneDX JSON) and the signed in-toto statement carrying it. */
#define BUNDLE_SBOM "sbom.cdx.json"
#define BUNDLE_SBOM_SIGNED "sbom.intoto.json"
#define BUNDLE_ARTIFACTS "artifacts/"
#define RELEASE_MD_MAX (1u << 20) /* bytes audit reads of RELEASE.md */

struct sign_key;

/* Builds recipe_path (for a matrix recipe the cell `cell` selects, required
 * then; NULL otherwise), rebuilds it, and when identical signs with the key
 * at key_path and publishes NAME-VERSION.tar (NAME-VERSION-CELL.tar) and
 * RELEASE.md into out_dir.
 * report gets one line per artifact.  Not identical: ERR_NO, nothing
 * signed, out_dir untouched.  *bundle_path (caller frees) names the bundle. */
int release_run(const char *recipe_path, const char *cell, const char *key_path,
		const char *out_dir, int quiet, struct buf *report, char **bundle_path, struct err *e);

/* RELEASE.md exactly as release_run writes it, from the provenance bytes
 * (a matrix recipe's cell selected as the record names it) and the signing
 * key (its id and type; a public key does).  Caller frees; NULL with e set
 * when the provenance or its recipe does not load. */
char *release_md_regenerate(const char *prov, size_t len, const struct sign_key *k,
			    struct err *e);

/* Checks a bundle against the trusted public key: the envelopes read out
 * of the bundle and authenticated before anything is extracted, exactly
 * the members the signed statements name (each once), RELEASE.md as
 * regenerated from them, every digest, the summary vouching for this
 * provenance, and (rebuild) an independent rebuild from the bundled source.  0 all holds; -1 with
 * ERR_NO naming what does not, or ERR_OP for malformed input. */
int audit_run(const char *bundle, const char *pubkey_path, int rebuild, int quiet,
	      struct buf *report, struct err *e);

/* What audit_bundle hands back about a bundle whose checks all held. */
struct audit_result {
	char *provenance;      /* owned: the verified provenance Statement's bytes */
	size_t provenance_len;
	char keyid[65];        /* the id of the key the bundle is signed with */
	/* owned, also when the audit failed (what was established by then):
	 * one object per provenance subject, {"name", "sha256" (recorded),
	 * "bundled": "matches" | "differs" | "missing" (absent until checked),
	 * "bundledSha256", "rebuild": "identical" | "different" | "missing"
	 * (absent without a rebuild), "detail"}. */
	struct cJSON *subjects;
};
void audit_result_release(struct audit_result *res);

/* audit_run, with the trust decision and the result made explicit: with
 * pubkey_path NULL the bundle's own pubkey.pem is trusted (for callers that
 * vouch for the bundle's bytes themselves, like an integration drop whose
 * signed statement holds the bundle's sha256).  res (may be NULL) gets the
 * verified provenance; release it with audit_result_release. */
int audit_bundle(const char *bundle, const char *pubkey_path, int rebuild, int quiet,
		 struct buf *report, struct audit_result *res, struct err *e);

/* Refuses, before anything is extracted, a tar holding anything but
 * regular files and directories; kind names the archive in the message
 * ("release bundle", "drop").  -1 with e set (ERR_OP). */
int audit_check_members(const char *tar, const char *kind, struct err *e);

/* "DIR/NAME.env.tar" for the bundle "DIR/NAME.tar"; caller frees. */
char *release_env_path(const char *bundle);
/* Writes the exported environment (toolchain_export) of the pin the bundle
 * ships to out: what an auditor needs, with the bundle, to rebuild offline. */
int release_export_env(const char *bundle, const char *out, struct err *e);

#endif
