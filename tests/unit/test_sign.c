/* SPDX-License-Identifier: MIT */
/* core/sign + core/dsse: the PAE against the spec's example, a known-answer
 * Ed25519 signature, round trips for both key types, and the forgeries and
 * malformed envelopes that must be refused with the right kind of error. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/sign.h"
#include "tests/unit/harness.h"

/* The same key and statement as tests/data/sign/ (kept here too so the unit
 * test does not depend on the working directory). */
static const char kat_key[] = "-----BEGIN PRIVATE KEY-----\n"
			      "MC4CAQAwBQYDK2VwBCIEIEUMgtBK+BlpfQMdqFWfMAvtsODlLuMODJ+5VX8dIXgL\n"
			      "-----END PRIVATE KEY-----\n";
static const char kat_statement[] =
	"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"fw.bin\","
	"\"digest\":{\"sha256\":\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
	"\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{"
	"\"buildDefinition\":{\"buildType\":\"https://lockstep.dev/known-answer/v1\","
	"\"externalParameters\":{\"recipe\":\"kat\"}},\"runDetails\":{\"builder\":{\"id\":"
	"\"https://lockstep.dev/known-answer\"}}}}\n";
static const char kat_keyid[] = "c4498ca23fdcfdb55242258e89acfb721699f5a208dbe9dfcf78241767b8f75d";
static const char kat_sig[] = "Yvm1m2esuFaMP/7vumwzJdWBhJturTwsOLDyzHBaNN1nB24VCyAQLQ8+XUTLpZLJ"
			      "MVjYsDk3FbUSqbx43dt0Cw==";

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/lockstep-test-sign-XXXXXX");
	if (!mkdtemp(d))
		abort();
	return d;
}

/* Generates a key pair of type in dir; returns the private key path. */
static char *make_key(const char *dir, const char *name, const char *type, const char *pass)
{
	char *path = fs_join(dir, name);
	struct err e = ERR_INIT;
	if (sign_key_generate(type, path, pass, &e) < 0) {
		fprintf(stderr, "  %s\n", e.msg);
		abort();
	}
	return path;
}

TEST(pae_is_the_dsse_spec_example)
{
	size_t n;
	char *pae = dsse_pae("http://example.com/HelloWorld", "hello world", 11, &n);
	CHECK_STR(pae, "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
	CHECK(n == strlen(pae));
	free(pae);
}

TEST(pae_counts_bytes_not_characters)
{
	size_t n;
	/* U+00E9 is two bytes in UTF-8; an empty payload has length 0. */
	char *pae = dsse_pae("t", "\xc3\xa9", 2, &n);
	CHECK_STR(pae, "DSSEv1 1 t 2 \xc3\xa9");
	free(pae);
	pae = dsse_pae("t", "", 0, &n);
	CHECK_STR(pae, "DSSEv1 1 t 0 ");
	free(pae);
}

TEST(known_answer_ed25519_signature)
{
	char *dir = tmpdir(), *kp = fs_join(dir, "kat.key"), *env = NULL, *want;
	struct err e = ERR_INIT;
	struct sign_key *k = NULL;

	CHECK(fs_write_atomic(kp, kat_key, strlen(kat_key), 0600, &e) == 0);
	CHECK(sign_key_load_private(kp, &k, &e) == 0);
	if (k) {
		CHECK_STR(sign_key_id(k), kat_keyid);
		CHECK(dsse_sign(k, DSSE_INTOTO_TYPE, kat_statement, strlen(kat_statement), &env,
				&e) == 0);
		want = xasprintf("\"signatures\":[{\"keyid\":\"%s\",\"sig\":\"%s\"}]}\n", kat_keyid,
				 kat_sig);
		CHECK_CONTAINS(env, want);
		free(want);
	}
	free(env);
	sign_key_free(k);
	fs_remove_tree(dir, NULL);
	free(kp);
	free(dir);
}

static void round_trip(int *failed_, const char *type)
{
	char *dir = tmpdir(), *kp = make_key(dir, "k", type, NULL);
	char *pp = xasprintf("%s.pub", kp), *env = NULL, *payload = NULL, *ptype = NULL;
	char *keyid = NULL, *bundle = NULL, *bpayload = NULL;
	struct err e = ERR_INIT;
	struct sign_key *k = NULL, *pub = NULL;
	size_t plen = 0;
	struct stat st;

	CHECK(stat(kp, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(sign_key_load_private(kp, &k, &e) == 0);
	CHECK(sign_key_load_public(pp, &pub, &e) == 0);
	if (!k || !pub)
		goto out;
	CHECK_STR(sign_key_type(pub), type);
	CHECK_STR(sign_key_id(k), sign_key_id(pub));
	CHECK(sign_key_is_private(k) && !sign_key_is_private(pub));
	CHECK(dsse_sign(k, DSSE_INTOTO_TYPE, kat_statement, strlen(kat_statement), &env, &e) == 0);
	CHECK(dsse_verify_ex(pub, env, strlen(env), "env", &payload, &plen, &ptype, &keyid, &e) ==
	      0);
	CHECK(plen == strlen(kat_statement) && payload && !memcmp(payload, kat_statement, plen));
	CHECK_STR(ptype, DSSE_INTOTO_TYPE);
	CHECK_STR(keyid, sign_key_id(pub));
	CHECK(dsse_to_sigstore_bundle(env, k, &bundle, &e) == 0);
	CHECK_CONTAINS(bundle, "\"mediaType\":\"" DSSE_BUNDLE_V03 "\"");
	CHECK_CONTAINS(bundle, sign_key_hint(pub));
	CHECK(bundle && !strstr(bundle, "keyid"));
	CHECK(dsse_verify(pub, bundle, strlen(bundle), "bundle", &bpayload, &plen, &e) == 0);
	CHECK(plen == strlen(kat_statement));
out:
	free(env);
	free(payload);
	free(ptype);
	free(keyid);
	free(bundle);
	free(bpayload);
	sign_key_free(k);
	sign_key_free(pub);
	fs_remove_tree(dir, NULL);
	free(kp);
	free(pp);
	free(dir);
}

TEST(ed25519_round_trip_envelope_and_bundle)
{
	round_trip(failed_, "ed25519");
}

TEST(ecdsa_p256_round_trip_envelope_and_bundle)
{
	round_trip(failed_, "ecdsa-p256");
}

TEST(forgeries_are_err_no_and_malformed_envelopes_err_op)
{
	char *dir = tmpdir(), *kp = make_key(dir, "k", NULL, NULL),
	     *op = make_key(dir, "o", NULL, NULL);
	char *pp = xasprintf("%s.pub", kp), *env = NULL, *other = NULL, *payload = NULL, *bad;
	struct err e = ERR_INIT;
	struct sign_key *k = NULL, *o = NULL, *pub = NULL;
	size_t plen = 0;

	CHECK(sign_key_load_private(kp, &k, &e) == 0 && sign_key_load_private(op, &o, &e) == 0 &&
	      sign_key_load_public(pp, &pub, &e) == 0);
	if (!k || !o || !pub)
		goto out;
	CHECK(dsse_sign(k, "text/plain", "hello", 5, &env, &e) == 0);
	CHECK(dsse_sign(o, "text/plain", "hello", 5, &other, &e) == 0);
	/* Another key's signature over the same payload. */
	err_clear(&e);
	CHECK(dsse_verify(pub, other, strlen(other), "other.json", &payload, &plen, &e) < 0);
	CHECK(e.kind == ERR_NO && payload == NULL);
	CHECK_CONTAINS(e.msg, "other.json: bad signature");
	CHECK_CONTAINS(e.msg, sign_key_id(o));
	/* The payload type is covered by the signature. */
	bad = xstrdup(env);
	memcpy(strstr(bad, "text/plain"), "text/plaim", 10);
	err_clear(&e);
	CHECK(dsse_verify(pub, bad, strlen(bad), "t.json", &payload, &plen, &e) < 0);
	CHECK(e.kind == ERR_NO);
	free(bad);
	/* No signatures, two signatures, truncated: malformed, not "no". */
	bad = xstrdup(
		"{\"payload\":\"aGVsbG8=\",\"payloadType\":\"text/plain\",\"signatures\":[]}");
	err_clear(&e);
	CHECK(dsse_verify(pub, bad, strlen(bad), "z.json", &payload, &plen, &e) < 0);
	CHECK(e.kind == ERR_OP);
	CHECK_CONTAINS(e.msg, "z.json: \"signatures\": no signatures");
	free(bad);
	err_clear(&e);
	CHECK(dsse_verify(pub, env, strlen(env) / 2, "half.json", &payload, &plen, &e) < 0);
	CHECK(e.kind == ERR_OP);
	CHECK_CONTAINS(e.msg, "half.json: line 1: malformed JSON");
	/* A public key cannot sign. */
	err_clear(&e);
	{
		unsigned char *sig = NULL;
		size_t siglen = 0;
		CHECK(sign_data(pub, "x", 1, &sig, &siglen, &e) < 0 && sig == NULL);
		CHECK_CONTAINS(e.msg, "signing needs the private key");
	}
	/* A bundle is only made for an envelope the key really signed. */
	err_clear(&e);
	{
		char *bundle = NULL;
		CHECK(dsse_to_sigstore_bundle(other, k, &bundle, &e) < 0 && bundle == NULL);
		CHECK(e.kind == ERR_NO);
	}
out:
	free(env);
	free(other);
	sign_key_free(k);
	sign_key_free(o);
	sign_key_free(pub);
	fs_remove_tree(dir, NULL);
	free(kp);
	free(op);
	free(pp);
	free(dir);
}

TEST(keygen_never_overwrites_and_keys_are_the_right_kind)
{
	char *dir = tmpdir(), *kp = make_key(dir, "k", "ecdsa-p256", NULL);
	char *pp = xasprintf("%s.pub", kp);
	struct err e = ERR_INIT;
	struct sign_key *k = NULL;

	CHECK(sign_key_generate("ed25519", kp, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "already exists, refusing to overwrite");
	err_clear(&e);
	CHECK(sign_key_load_public(kp, &k, &e) < 0 && k == NULL);
	CHECK_CONTAINS(e.msg, "is a private key, expected a public key");
	err_clear(&e);
	CHECK(sign_key_load_private(pp, &k, &e) < 0 && k == NULL);
	CHECK_CONTAINS(e.msg, "is a public key, expected a private key");
	err_clear(&e);
	CHECK(sign_key_generate("rsa", kp, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "\"rsa\": unknown key type");
	fs_remove_tree(dir, NULL);
	free(kp);
	free(pp);
	free(dir);
}

TEST(encrypted_keys_open_only_with_their_passphrase)
{
	char *dir = tmpdir(), *kp = make_key(dir, "k", "ed25519", "s3cret");
	char *text = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	struct sign_key *k = NULL;

	CHECK(fs_read_file(kp, 4096, &text, &n, &e) == 0);
	CHECK_CONTAINS(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----");
	CHECK(sign_key_load_private_pass(kp, NULL, &k, &e) < 0 && k == NULL);
	CHECK_CONTAINS(e.msg, "encrypted: set LOCKSTEP_PASSPHRASE");
	err_clear(&e);
	CHECK(sign_key_load_private_pass(kp, "wrong", &k, &e) < 0 && k == NULL);
	CHECK_CONTAINS(e.msg, "wrong passphrase");
	CHECK(sign_key_load_private_pass(kp, "s3cret", &k, &e) == 0 && k != NULL);
	sign_key_free(k);
	free(text);
	fs_remove_tree(dir, NULL);
	free(kp);
	free(dir);
}

TEST(statements_are_checked_strictly)
{
	struct err e = ERR_INIT;
	static const char extra[] = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{"
				    "\"digest\":{\"sha256\":\"00\"}}],\"predicateType\":\"x:y\","
				    "\"predicate\":{}}";

	CHECK(dsse_check_statement(kat_statement, strlen(kat_statement), "s.json", &e) == 0);
	/* A sha256 must be 64 hex digits. */
	CHECK(dsse_check_statement(extra, strlen(extra), "s.json", &e) < 0);
	CHECK_STR(e.msg, "s.json: \"subject[0].digest.sha256\": expected a lowercase hex digest");
}

TEST_MAIN(T(pae_is_the_dsse_spec_example), T(pae_counts_bytes_not_characters),
	  T(known_answer_ed25519_signature), T(ed25519_round_trip_envelope_and_bundle),
	  T(ecdsa_p256_round_trip_envelope_and_bundle),
	  T(forgeries_are_err_no_and_malformed_envelopes_err_op),
	  T(keygen_never_overwrites_and_keys_are_the_right_kind),
	  T(encrypted_keys_open_only_with_their_passphrase), T(statements_are_checked_strictly))
