/* SPDX-License-Identifier: MIT */
/* Verification summaries: SLSA VSA v1 statements saying that a rebuild gave
 * byte-identical artifacts (../shared/SPECS.md, docs/verification.md). */
#ifndef VERIFIER_VSA_H
#define VERIFIER_VSA_H

#include <stddef.h>
#include "core/json.h"

#define VSA_PREDICATE_TYPE "https://slsa.dev/verification_summary/v1"
#define VSA_VERIFIER_ID "https://lockstep.dev/verifier/v1"
#define VSA_POLICY_URI "https://lockstep.dev/policies/byte-identical-rebuild/v1"
/* The policy's text: its sha256 goes into policy.digest, so a summary says
 * exactly which rule it applied. */
#define VSA_POLICY_TEXT                                                            \
	"lockstep byte-identical rebuild policy v1: every subject of the provenance " \
	"was rebuilt from the recorded recipe, source archive and toolchain pin in a " \
	"fresh sandbox, and each rebuilt artifact has exactly the recorded sha256.\n"
#define VSA_LEVEL "LOCKSTEP_BYTE_IDENTICAL_REBUILD"

struct vsa_subject {
	const char *name;
	const char *sha256;
};

/* Builds a PASSED summary for subjects, naming the provenance (its file name
 * and the sha256 of its statement bytes) as the input attestation; caller
 * owns the result. */
cJSON *vsa_build(const struct vsa_subject *s, size_t n, const char *resource_uri,
		 const char *provenance_name, const char *provenance_sha256);

/* Checks a summary statement (bytes): VSA v1, PASSED, our policy, and an
 * inputAttestations entry whose digest is provenance_sha256.  0, or -1 with
 * ERR_NO when it vouches for something else. */
int vsa_check(const char *text, size_t len, const char *what, const char *provenance_sha256,
	      struct err *e);

#endif
