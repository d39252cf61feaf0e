/* SPDX-License-Identifier: MIT */
/* Integration drops: component release bundles and the compatibility
 * manifest that says how they were tested together, in one deterministic
 * tar signed by a drop statement (docs/drop.md). */
#ifndef COMPAT_DROP_H
#define COMPAT_DROP_H

#include <stddef.h>
#include <stdint.h>
#include "core/alloc.h"
#include "core/digest.h"
#include "core/json.h"

#define DROP_PREDICATE_TYPE "https://lockstep.dev/integration-drop/v1"
/* Member names inside a drop. */
#define DROP_STATEMENT "drop.intoto.json"
#define DROP_MANIFEST "compat-manifest.intoto.json"
#define DROP_MANIFEST_PUBKEY "manifest-pubkey.pem"
#define DROP_PUBKEY "pubkey.pem"
#define DROP_README "DROP.md"
#define DROP_BUNDLES "bundles/"
#define DROP_MAX_BUNDLES 1000

struct drop_create_options {
	const char *out;            /* the drop to write (atomically) */
	const char *const *bundles; /* release bundles from `lockstep release` */
	size_t nbundles;
	const char *manifest;        /* JSON, YAML, or a signed manifest */
	const char *key;             /* the drop's private key (PKCS#8 PEM) */
	const char *manifest_pubkey; /* checks a manifest signed by another key; or NULL */
};

/* Checks every bundle (its signatures with its bundled key, its artifacts
 * and source against its provenance), validates the manifest (a signed one
 * must verify with the drop key or manifest_pubkey) including that every
 * artifact digest in its rows is vouched for by a bundle's provenance,
 * signs the manifest when it came unsigned, and writes the drop: the
 * bundles unchanged, the signed manifest, the drop statement signed with
 * key, the drop's public key and DROP.md.  The same inputs and the same
 * Ed25519 key give the same bytes.  report gets one line per component.
 * -1 with ERR_NO when a bundle or a signed manifest fails its check,
 * ERR_OP for bad input (an invalid manifest among them). */
int drop_create(const struct drop_create_options *o, struct buf *report, struct err *e);

/* Checks the drop at path against the trusted public key at pubkey_path:
 * members plain and inside (before extracting), the bundled key is the
 * trusted one, the drop statement's signature, the manifest's signature,
 * every bundle (as `audit`, rebuilt too when rebuild), every manifest
 * row's artifacts inside a bundle, and every subject of the statement
 * against the drop's contents.  *components (may be NULL; caller
 * cJSON_Deletes) gets the verified statement's component list.  0 when
 * everything holds; -1 with ERR_NO naming the member, row or artifact that
 * does not, or ERR_OP for malformed input. */
int drop_verify(const char *path, const char *pubkey_path, int rebuild, int quiet,
		struct buf *report, cJSON **components, struct err *e);

/* Shared by drop.c and drop_verify.c. */

/* One component: a release bundle, checked, and what its provenance says. */
struct drop_component {
	char *member;                    /* owned: "bundles/NAME.tar" */
	char *name, *version, *kind;     /* owned: from the recipe in the provenance */
	char sha256[DIGEST_HEX_LEN + 1]; /* of the bundle file */
	char keyid[DIGEST_HEX_LEN + 1];  /* the key its envelopes are signed with */
	int64_t sde;                     /* its SOURCE_DATE_EPOCH */
	char *provenance;                /* owned: the verified provenance Statement */
	size_t provenance_len;
	cJSON *artifacts; /* owned: [{name, digest: {sha256}}], the provenance's subjects */
};
/* Audits the bundle at path (trusting its own key: the caller vouches for
 * its bytes) and fills c.  member is its name in the drop.  -1 with e as
 * audit sets it.  Release c with drop_component_release, also on error. */
int drop_component_load(const char *path, const char *member, int rebuild, int quiet,
			struct buf *report, struct drop_component *c, struct err *e);
void drop_component_release(struct drop_component *c);

/* The drop statement (canonical JSON, caller frees) for n components sorted
 * by member; the subjects are every member file given in files (name and
 * sha256, the drop's members besides the statement and the key: bundles,
 * manifest, DROP.md...) and every artifact, named COMPONENT/ARTIFACT.
 * manifest is {member, digest, keyid, platform}. */
char *drop_statement(const struct drop_component *c, size_t n, const cJSON *files,
		     const cJSON *manifest);
/* Replaces every occurrence of from in e's message by to. */
void drop_err_rename(struct err *e, const char *from, const char *to);

#endif
