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
#define VSA_POLICY_TEXT \
	"lockstep byte-identical rebuild policy v1: every subject of the provenance " \
	"was rebuilt from the recorded recipe, source archive and toolchain pin in a " \
	"fresh sandbox, and each rebuilt artifact has exactly the recorded sha256.\n"
#define VSA_LEVEL "LOCKSTEP_BYTE_IDENTICAL_REBUILD"
/* The SLSA Build track level verified: provenance made by the build
 * platform exists, names every input by digest, and the subjects match it
 * (Build L1).  L2 and up need a hosted build platform's signed provenance,
 * which a rebuild cannot establish (docs/verification.md). */
#define VSA_SLSA_LEVEL "SLSA_BUILD_LEVEL_1"
/* The verifier's version: the in-toto VSA proto's Verifier has only "id", so
 * a strict protojson parser refuses "verifier.version"; the version goes
 * into each subject's annotations (a Struct, accepted) under this key, in
 * the shape the SLSA spec gives verifier.version: {"lockstep": VERSION}. */
#define VSA_VERSION_ANNOTATION "verifierVersion"

struct vsa_subject {
	const char *name;
	const char *sha256;
};

/* Builds a PASSED summary for subjects, naming the provenance as the input
 * attestation: provenance_name is the file's name (written as a relative URI
 * reference, percent-encoded where needed), provenance_sha256 the sha256 of
 * that file's bytes (the envelope when it is one).  Caller owns the result. */
cJSON *vsa_build(const struct vsa_subject *s, size_t n, const char *resource_uri,
		 const char *provenance_name, const char *provenance_sha256);

/* name as a relative URI reference (RFC 3986): every byte outside the
 * unreserved characters and "!$&'()*+,;=@" percent-encoded, and a ':' in
 * a first segment too (it would read as a scheme).  Caller frees. */
char *vsa_uri_ref(const char *name);

/* Checks a summary statement (bytes): VSA v1, PASSED, our policy, and an
 * inputAttestations entry naming provenance_name (as vsa_uri_ref writes it)
 * whose digest is provenance_sha256, the sha256 of that file.  0, or -1
 * with ERR_NO when it vouches for something else. */
int vsa_check(const char *text, size_t len, const char *what, const char *provenance_name,
	      const char *provenance_sha256, struct err *e);

#endif
