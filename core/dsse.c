/* SPDX-License-Identifier: MIT */
/* DSSE envelopes, their PAE, sigstore bundles v0.3, and the strict check of
 * the in-toto Statements we sign. */
#include "core/dsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/digest.h"
#include "core/json.h"

/* The parts of an envelope, borrowed from its cJSON tree. */
struct env_view {
	const char *payload, *type, *sig, *keyid;
	char at_payload[64], at_sig[96]; /* JSON paths for messages */
};

char *dsse_pae(const char *type, const void *payload, size_t len, size_t *out_len)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "DSSEv1 %zu %s %zu ", strlen(type), type, len);
	buf_add(&b, payload, len);
	return buf_take(&b, out_len);
}

static void join_path(char *out, size_t n, const char *at, const char *key)
{
	snprintf(out, n, "%s%s%s", at, *at ? "." : "", key);
}

static int envelope_read(const cJSON *env, const char *what, const char *at, struct env_view *v,
			 struct err *e)
{
	static const char *const fields[] = { "payload", "payloadType", "signatures", NULL };
	static const char *const sig_fields[] = { "keyid", "sig", NULL };
	const cJSON *sigs;
	char p[64];
	int n;

	memset(v, 0, sizeof(*v));
	if (json_check_object(env, fields, what, at, e) < 0 ||
	    json_get_string(env, "payload", 1, what, at, &v->payload, e) < 0 ||
	    json_get_string(env, "payloadType", 1, what, at, &v->type, e) < 0)
		return -1;
	join_path(v->at_payload, sizeof(v->at_payload), at, "payload");
	join_path(p, sizeof(p), at, "payloadType");
	if (!*v->type)
		return err_set(e, "%s: \"%s\": empty payload type", what, p);
	join_path(p, sizeof(p), at, "signatures");
	sigs = cJSON_GetObjectItemCaseSensitive(env, "signatures");
	if (!sigs)
		return err_set(e, "%s: \"%s\": missing required field", what, p);
	if (!cJSON_IsArray(sigs))
		return err_set(e, "%s: \"%s\": expected an array", what, p);
	n = cJSON_GetArraySize(sigs);
	/* One signature, one signer: a second signature would make "valid"
	 * depend on which one a verifier chooses to look at. */
	if (n == 0)
		return err_set(e, "%s: \"%s\": no signatures (an envelope must carry exactly one)",
			       what, p);
	if (n > 1)
		return err_set(e, "%s: \"%s\": %d signatures (lockstep requires exactly one)", what,
			       p, n);
	snprintf(v->at_sig, sizeof(v->at_sig), "%s[0]", p);
	if (json_check_object(sigs->child, sig_fields, what, v->at_sig, e) < 0 ||
	    json_get_string(sigs->child, "sig", 1, what, v->at_sig, &v->sig, e) < 0 ||
	    json_get_string(sigs->child, "keyid", 0, what, v->at_sig, &v->keyid, e) < 0)
		return -1;
	snprintf(v->at_sig + strlen(v->at_sig), sizeof(v->at_sig) - strlen(v->at_sig), ".sig");
	return 0;
}

/* Finds the envelope inside a sigstore bundle and checks what lockstep can
 * vouch for: a v0.3 bundle verified by a public key alone.  Transparency
 * log entries and timestamps would be evidence we do not check, so they are
 * refused rather than silently passed over. */
static int bundle_read(const cJSON *j, const char *what, const cJSON **env, const char **hint,
		       const cJSON **msg, struct err *e)
{
	static const char *const fields[] = { "mediaType", "verificationMaterial", "dsseEnvelope",
					      "messageSignature", NULL };
	static const char *const vm_fields[] = {
		"publicKey",   "tlogEntries",          "timestampVerificationData",
		"certificate", "x509CertificateChain", NULL
	};
	static const char *const pk_fields[] = { "hint", NULL };
	const cJSON *vm, *pk, *tlog, *ts;
	const char *mt;

	*env = NULL;
	*hint = NULL;
	if (json_check_object(j, fields, what, "", e) < 0 ||
	    json_get_string(j, "mediaType", 1, what, "", &mt, e) < 0)
		return -1;
	if (strcmp(mt, DSSE_BUNDLE_V03) && strcmp(mt, DSSE_BUNDLE_V03_LEGACY))
		return err_set(e, "%s: \"mediaType\": \"%s\" is not a sigstore bundle v0.3", what,
			       mt);
	if (cJSON_GetObjectItemCaseSensitive(j, "messageSignature") && !msg)
		return err_set(e,
			       "%s: \"messageSignature\": a message-signature bundle (cosign "
			       "sign-blob): give the signed file with --artifact FILE",
			       what);
	if (msg) {
		*msg = cJSON_GetObjectItemCaseSensitive(j, "messageSignature");
		if (!*msg)
			return err_set(
				e,
				"%s: \"messageSignature\": missing required field (--artifact "
				"checks a message-signature bundle)",
				what);
		if (cJSON_GetObjectItemCaseSensitive(j, "dsseEnvelope"))
			return err_set(e,
				       "%s: a bundle holds a messageSignature or a dsseEnvelope, "
				       "not both",
				       what);
	} else {
		*env = cJSON_GetObjectItemCaseSensitive(j, "dsseEnvelope");
		if (!*env)
			return err_set(e, "%s: \"dsseEnvelope\": missing required field", what);
	}
	vm = cJSON_GetObjectItemCaseSensitive(j, "verificationMaterial");
	if (!vm)
		return err_set(e, "%s: \"verificationMaterial\": missing required field", what);
	if (json_check_object(vm, vm_fields, what, "verificationMaterial", e) < 0)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(vm, "certificate") ||
	    cJSON_GetObjectItemCaseSensitive(vm, "x509CertificateChain"))
		return err_set(e,
			       "%s: \"verificationMaterial\": a certificate (keyless) bundle; "
			       "lockstep verifies with a public key",
			       what);
	pk = cJSON_GetObjectItemCaseSensitive(vm, "publicKey");
	if (!pk)
		return err_set(e, "%s: \"verificationMaterial.publicKey\": missing required field",
			       what);
	if (json_check_object(pk, pk_fields, what, "verificationMaterial.publicKey", e) < 0 ||
	    json_get_string(pk, "hint", 0, what, "verificationMaterial.publicKey", hint, e) < 0)
		return -1;
	tlog = cJSON_GetObjectItemCaseSensitive(vm, "tlogEntries");
	if (tlog && !cJSON_IsArray(tlog))
		return err_set(e, "%s: \"verificationMaterial.tlogEntries\": expected an array",
			       what);
	if (cJSON_GetArraySize(tlog) > 0)
		return err_set(e,
			       "%s: \"verificationMaterial.tlogEntries\": transparency log "
			       "entries are not checked by lockstep (offline key verification)",
			       what);
	ts = cJSON_GetObjectItemCaseSensitive(vm, "timestampVerificationData");
	if (ts && !(cJSON_IsObject(ts) && !ts->child))
		return err_set(e,
			       "%s: \"verificationMaterial.timestampVerificationData\": "
			       "timestamps are not checked by lockstep (offline key verification)",
			       what);
	return 0;
}

int dsse_verify_ex(const struct sign_key *pub, const char *envelope_json, size_t len,
		   const char *what, char **payload, size_t *plen, char **payload_type,
		   char **keyid, struct err *e)
{
	cJSON *j = NULL;
	const cJSON *env;
	const char *hint = NULL, *named;
	struct env_view v;
	unsigned char *body = NULL, *sig = NULL;
	char *pae = NULL, *at = NULL;
	size_t bodylen = 0, siglen = 0, paelen = 0;
	int ret = -1;

	*payload = NULL;
	*plen = 0;
	if (payload_type)
		*payload_type = NULL;
	if (keyid)
		*keyid = NULL;
	/* cJSON would cut a string at an escaped NUL and ignore the rest: no
	 * field of an envelope may hold one, so refuse rather than truncate. */
	if (memmem(envelope_json, len, "\\u0000", 6)) {
		err_set(e, "%s: a string holds an escaped NUL (\\u0000)", what);
		goto out;
	}
	if (json_parse_buf(envelope_json, len, what, &j, e) < 0)
		goto out;
	env = j;
	if (!cJSON_IsObject(j)) {
		err_set(e, "%s: expected a DSSE envelope or a sigstore bundle (a JSON object)",
			what);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(j, "mediaType") &&
	    bundle_read(j, what, &env, &hint, NULL, e) < 0)
		goto out;
	if (envelope_read(env, what, env == j ? "" : "dsseEnvelope", &v, e) < 0)
		goto out;
	at = xasprintf("%s: \"%s\"", what, v.at_payload);
	if (base64_decode(v.payload, at, &body, &bodylen, e) < 0)
		goto out;
	free(at);
	at = xasprintf("%s: \"%s\"", what, v.at_sig);
	if (base64_decode(v.sig, at, &sig, &siglen, e) < 0)
		goto out;
	if (siglen == 0 || siglen > SIGN_SIG_MAX) {
		err_set(e, "%s: \"%s\": %zu bytes is not a signature", what, v.at_sig, siglen);
		goto out;
	}
	pae = dsse_pae(v.type, body, bodylen, &paelen);
	named = v.keyid && *v.keyid ? v.keyid : hint && *hint ? hint : "(none)";
	if (!sign_verify_data(pub, pae, paelen, sig, siglen)) {
		err_setk(e, ERR_NO,
			 "%s: bad signature: the signature (keyid %s) does not verify with public "
			 "key %s",
			 what, named, sign_key_id(pub));
		goto out;
	}
	if (payload_type)
		*payload_type = xstrdup(v.type);
	if (keyid)
		*keyid = xstrdup(v.keyid ? v.keyid : "");
	*payload = (char *)body;
	*plen = bodylen;
	body = NULL;
	ret = 0;
out:
	free(at);
	free(pae);
	free(sig);
	free(body);
	cJSON_Delete(j);
	return ret;
}

int dsse_verify(const struct sign_key *pub, const char *envelope_json, size_t len, const char *what,
		char **payload, size_t *plen, struct err *e)
{
	return dsse_verify_ex(pub, envelope_json, len, what, payload, plen, NULL, NULL, e);
}

int sigstore_verify_message(const struct sign_key *pub, const char *bundle_json, size_t len,
			    const char *what, const void *artifact, size_t alen,
			    const char *artifact_name, struct err *e)
{
	static const char *const fields[] = { "messageDigest", "signature", NULL };
	static const char *const md_fields[] = { "algorithm", "digest", NULL };
	cJSON *j = NULL;
	const cJSON *env = NULL, *msg = NULL, *md;
	const char *hint = NULL, *alg, *d64, *s64;
	unsigned char *digest = NULL, *sig = NULL, mine[32];
	size_t dlen = 0, siglen = 0;
	int ret = -1;

	if (memmem(bundle_json, len, "\\u0000", 6)) {
		err_set(e, "%s: a string holds an escaped NUL (\\u0000)", what);
		goto out;
	}
	if (json_parse_buf(bundle_json, len, what, &j, e) < 0)
		goto out;
	if (!cJSON_IsObject(j) || !cJSON_GetObjectItemCaseSensitive(j, "mediaType")) {
		err_set(e, "%s: expected a sigstore bundle (a JSON object with a \"mediaType\")",
			what);
		goto out;
	}
	if (bundle_read(j, what, &env, &hint, &msg, e) < 0 ||
	    json_check_object(msg, fields, what, "messageSignature", e) < 0 ||
	    json_get_string(msg, "signature", 1, what, "messageSignature", &s64, e) < 0)
		goto out;
	md = cJSON_GetObjectItemCaseSensitive(msg, "messageDigest");
	/* The digest is optional in the format; when present it must be the
	 * artifact's, or the bundle describes another file. */
	if (md) {
		if (json_check_object(md, md_fields, what, "messageSignature.messageDigest", e) <
			    0 ||
		    json_get_string(md, "algorithm", 1, what, "messageSignature.messageDigest",
				    &alg, e) < 0 ||
		    json_get_string(md, "digest", 1, what, "messageSignature.messageDigest", &d64,
				    e) < 0)
			goto out;
		if (strcmp(alg, "SHA2_256")) {
			err_set(e,
				"%s: \"messageSignature.messageDigest.algorithm\": \"%s\" (lockstep "
				"checks SHA2_256)",
				what, alg);
			goto out;
		}
		if (base64_decode(d64, what, &digest, &dlen, e) < 0)
			goto out;
		digest_buf_raw(artifact, alen, mine);
		if (dlen != sizeof(mine) || memcmp(digest, mine, sizeof(mine))) {
			err_setk(e, ERR_NO,
				 "%s: the bundle's messageDigest is not the sha256 of %s", what,
				 artifact_name);
			goto out;
		}
	}
	if (base64_decode(s64, what, &sig, &siglen, e) < 0)
		goto out;
	if (!sign_verify_data(pub, artifact, alen, sig, siglen)) {
		err_setk(
			e, ERR_NO,
			"%s: bad signature: the signature over %s (key hint %s) does not verify with "
			"public key %s",
			what, artifact_name, hint && *hint ? hint : "(none)", sign_key_id(pub));
		goto out;
	}
	ret = 0;
out:
	free(digest);
	free(sig);
	cJSON_Delete(j);
	return ret;
}

/* Compact JSON, keys sorted, newline at the end: one envelope per line, so
 * envelopes also concatenate into JSON Lines. */
static char *print_line(const cJSON *j)
{
	char *s = json_print_canonical(j), *r = xasprintf("%s\n", s);
	free(s);
	return r;
}

int dsse_sign(const struct sign_key *k, const char *payload_type, const void *payload, size_t len,
	      char **envelope, struct err *e)
{
	unsigned char *sig = NULL;
	size_t siglen = 0, paelen = 0;
	char *pae = dsse_pae(payload_type, payload, len, &paelen), *b64;
	cJSON *env = NULL, *sigs, *s;
	int ret = -1;

	*envelope = NULL;
	if (sign_data(k, pae, paelen, &sig, &siglen, e) < 0)
		goto out;
	env = cJSON_CreateObject();
	b64 = base64_encode(payload, len);
	json_add_str(env, "payload", b64);
	free(b64);
	json_add_str(env, "payloadType", payload_type);
	sigs = cJSON_AddArrayToObject(env, "signatures");
	s = cJSON_CreateObject();
	cJSON_AddItemToArray(sigs, s);
	json_add_str(s, "keyid", sign_key_id(k));
	b64 = base64_encode(sig, siglen);
	json_add_str(s, "sig", b64);
	free(b64);
	*envelope = print_line(env);
	ret = 0;
out:
	cJSON_Delete(env);
	free(sig);
	free(pae);
	return ret;
}

int dsse_to_sigstore_bundle(const char *envelope_json, const struct sign_key *k, char **bundle_json,
			    struct err *e)
{
	cJSON *j = NULL, *b = NULL, *vm, *pk, *env, *sigs, *s;
	struct env_view v;
	char *payload = NULL;
	size_t plen = 0;
	int ret = -1;

	*bundle_json = NULL;
	/* Bundling an envelope the key did not sign would publish a bundle
	 * that every verifier rejects: catch that here. */
	if (dsse_verify(k, envelope_json, strlen(envelope_json), "envelope", &payload, &plen, e) <
		    0 ||
	    json_parse_buf(envelope_json, strlen(envelope_json), "envelope", &j, e) < 0)
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(j, "mediaType")) {
		err_set(e, "envelope: already a sigstore bundle");
		goto out;
	}
	if (envelope_read(j, "envelope", "", &v, e) < 0)
		goto out;
	b = cJSON_CreateObject();
	json_add_str(b, "mediaType", DSSE_BUNDLE_V03);
	vm = cJSON_AddObjectToObject(b, "verificationMaterial");
	pk = cJSON_AddObjectToObject(vm, "publicKey");
	json_add_str(pk, "hint", sign_key_hint(k));
	cJSON_AddArrayToObject(vm, "tlogEntries");
	env = cJSON_AddObjectToObject(b, "dsseEnvelope");
	json_add_str(env, "payload", v.payload);
	json_add_str(env, "payloadType", v.type);
	sigs = cJSON_AddArrayToObject(env, "signatures");
	s = cJSON_CreateObject();
	cJSON_AddItemToArray(sigs, s);
	/* No keyid inside a bundle: the key is named by verificationMaterial. */
	json_add_str(s, "sig", v.sig);
	*bundle_json = print_line(b);
	ret = 0;
out:
	free(payload);
	cJSON_Delete(b);
	cJSON_Delete(j);
	return ret;
}

static int is_lower_hex(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int check_subject(const cJSON *s, const char *what, const char *at, struct err *e)
{
	static const char *const fields[] = {
		"name",      "uri",         "digest", "content", "downloadLocation",
		"mediaType", "annotations", NULL
	};
	const cJSON *digest, *d;
	char p[160];

	if (json_check_object(s, fields, what, at, e) < 0)
		return -1;
	join_path(p, sizeof(p), at, "digest");
	digest = cJSON_GetObjectItemCaseSensitive(s, "digest");
	/* Subjects are matched by digest: one without is meaningless. */
	if (!digest)
		return err_set(e, "%s: \"%s\": missing required field", what, p);
	if (!cJSON_IsObject(digest) || !digest->child)
		return err_set(e, "%s: \"%s\": expected a non-empty digest set", what, p);
	cJSON_ArrayForEach(d, digest)
	{
		if (!cJSON_IsString(d) || !is_lower_hex(d->valuestring) ||
		    strlen(d->valuestring) % 2 ||
		    (!strcmp(d->string, "sha256") && strlen(d->valuestring) != 64))
			return err_set(e, "%s: \"%s.%s\": expected a lowercase hex digest", what, p,
				       d->string);
	}
	return 0;
}

int dsse_check_statement(const char *buf, size_t len, const char *what, struct err *e)
{
	static const char *const fields[] = { "_type", "subject", "predicateType", "predicate",
					      NULL };
	cJSON *j = NULL;
	const cJSON *subj, *s, *pred;
	const char *type, *ptype;
	int ret = -1, i = 0;

	if (json_parse_buf(buf, len, what, &j, e) < 0 ||
	    json_check_object(j, fields, what, "", e) < 0 ||
	    json_get_string(j, "_type", 1, what, "", &type, e) < 0 ||
	    json_get_string(j, "predicateType", 1, what, "", &ptype, e) < 0)
		goto out;
	if (strcmp(type, DSSE_STATEMENT_V1)) {
		err_set(e, "%s: \"_type\": \"%s\" is not " DSSE_STATEMENT_V1, what, type);
		goto out;
	}
	if (!strchr(ptype, ':') || strpbrk(ptype, " \t\r\n")) {
		err_set(e, "%s: \"predicateType\": \"%s\" is not a URI", what, ptype);
		goto out;
	}
	subj = cJSON_GetObjectItemCaseSensitive(j, "subject");
	if (!subj || !cJSON_IsArray(subj) || !subj->child) {
		err_set(e, "%s: \"subject\": %s", what,
			subj ? "expected a non-empty array" : "missing required field");
		goto out;
	}
	cJSON_ArrayForEach(s, subj)
	{
		char at[32];
		snprintf(at, sizeof(at), "subject[%d]", i++);
		if (check_subject(s, what, at, e) < 0)
			goto out;
	}
	pred = cJSON_GetObjectItemCaseSensitive(j, "predicate");
	if (!pred || !cJSON_IsObject(pred)) {
		err_set(e, "%s: \"predicate\": %s", what,
			pred ? "expected an object" : "missing required field");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(j);
	return ret;
}
