/* SPDX-License-Identifier: MIT */
/* The audit of a release bundle (verifier/audit.c): what release produced,
 * checked against a trusted key, optionally rebuilt. */
#ifndef VERIFIER_AUDIT_H
#define VERIFIER_AUDIT_H

#include <stddef.h>
#include "core/alloc.h"
#include "core/digest.h"
#include "core/err.h"
#include "verifier/bundle.h"

struct cJSON;

/* Checks a bundle against the trusted public key: the envelopes read out
 * of the bundle and authenticated before anything is extracted, exactly
 * the members the signed statements name (each once), the sigstore bundle
 * of each signed statement holding that statement (all three, or none in a
 * bundle from an older lockstep), RELEASE.md as
 * regenerated from them, every digest, the summary vouching for this
 * provenance, and (rebuild) an independent rebuild from the bundled source.  0 all holds; -1 with
 * ERR_NO naming what does not, or ERR_OP for malformed input. */
int audit_run(const char *bundle, const char *pubkey_path, int rebuild, int quiet,
	      struct buf *report, struct err *e);

/* What audit_bundle hands back about a bundle whose checks all held. */
struct audit_result {
	char *provenance; /* owned: the verified provenance Statement's bytes */
	size_t provenance_len;
	char keyid[DIGEST_HEX_LEN + 1]; /* the id of the key the bundle is signed with */
	int sigstore_absent;            /* no sigstore members: a bundle from an older
				* lockstep (those present were all checked) */
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

#endif
