/* SPDX-License-Identifier: MIT */
/* DSSE envelopes (v1.0.2) and sigstore bundles (v0.3) around them.  The
 * signature covers the pre-authentication encoding (PAE) of the payload
 * type and the payload's exact bytes, never a re-serialization:
 *   "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * Envelopes carry exactly one signature; its keyid is the signer's
 * sign_key_id(), a hint only: the decision is always the signature. */
#ifndef CORE_DSSE_H
#define CORE_DSSE_H

#include <stddef.h>
#include "core/err.h"
#include "core/sign.h"

#define DSSE_INTOTO_TYPE "application/vnd.in-toto+json"
#define DSSE_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define DSSE_BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"
/* The older spelling of the same v0.3 media type, accepted on input. */
#define DSSE_BUNDLE_V03_LEGACY "application/vnd.dev.sigstore.bundle+json;version=0.3"

/* The PAE bytes of (type, payload); *out_len excludes the NUL that ends the
 * returned buffer (caller frees). */
char *dsse_pae(const char *type, const void *payload, size_t len, size_t *out_len);

/* Signs payload with the private key k.  Returns the envelope as compact
 * JSON with a final newline, keys in canonical order (caller frees). */
int dsse_sign(const struct sign_key *k, const char *payload_type, const void *payload, size_t len,
	      char **envelope, struct err *e);

/* Verifies envelope_json (the file's bytes, len of them; `what` names it in
 * messages) with pub.  Input is a DSSE envelope or a sigstore bundle v0.3
 * holding one (told apart by a top-level "mediaType").  Exactly one
 * signature is required.  Base64 may be standard or URL-safe, padded or
 * not.  On success *payload (NUL-terminated after *plen bytes) is owned by
 * the caller.  A signature that does not verify is ERR_NO; anything
 * malformed is ERR_OP. */
int dsse_verify(const struct sign_key *pub, const char *envelope_json, size_t len, const char *what,
		char **payload, size_t *plen, struct err *e);
/* The same, also handing out the payloadType (caller frees) and the keyid
 * the envelope names ("" when it names none; caller frees); either out
 * pointer may be NULL. */
int dsse_verify_ex(const struct sign_key *pub, const char *envelope_json, size_t len,
		   const char *what, char **payload, size_t *plen, char **payload_type,
		   char **keyid, struct err *e);

/* Verifies a sigstore bundle v0.3 holding a messageSignature (cosign
 * sign-blob style) over the artifact's alen bytes with pub: the bundle's
 * messageDigest, when present, must be the artifact's SHA2_256, and the
 * signature must verify over the artifact itself.  Same verification
 * material rules as dsse_verify (a public key; no log entries, no
 * timestamps).  A mismatch is ERR_NO; anything malformed is ERR_OP. */
int sigstore_verify_message(const struct sign_key *pub, const char *bundle_json, size_t len,
			    const char *what, const void *artifact, size_t alen,
			    const char *artifact_name, struct err *e);

/* Wraps a one-signature envelope made by k (checked: it must verify with
 * k) into a sigstore bundle v0.3: the key's hint, no transparency log
 * entries, the envelope without keyid.  *bundle_json (compact, canonical
 * key order, final newline) is owned by the caller. */
int dsse_to_sigstore_bundle(const char *envelope_json, const struct sign_key *k, char **bundle_json,
			    struct err *e);

/* Checks that len bytes at buf are a strict in-toto Statement v1: exactly
 * _type, subject (non-empty, each with a digest set of lowercase hex),
 * predicateType (a URI) and predicate (an object).  `what` names it. */
int dsse_check_statement(const char *buf, size_t len, const char *what, struct err *e);

#endif
