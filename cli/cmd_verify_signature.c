/* SPDX-License-Identifier: MIT */
/* `lockstep verify-signature ENVELOPE --pubkey PUB`: is this DSSE envelope
 * (or sigstore bundle) signed by PUB? */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/sign.h"

/* An artifact checked against a message signature is read whole. */
#define ARTIFACT_MAX ((size_t)1 << 30)

static const char usage[] =
	"usage: lockstep verify-signature ENVELOPE --pubkey PUB [--json]\n"
	"                                 [--payload-out FILE]\n"
	"       lockstep verify-signature BUNDLE --pubkey PUB --artifact FILE [--json]\n"
	"\n"
	"Verifies a DSSE envelope, or a sigstore bundle v0.3 holding one, with the\n"
	"public key PUB (PEM).  The envelope must carry exactly one signature;\n"
	"base64 may be standard or URL-safe, padded or not.  The keyid in the\n"
	"envelope is only a hint: the signature decides.  --payload-out writes the\n"
	"signed payload (e.g. the in-toto Statement) once, and only if, it verifies.\n"
	"--json prints {\"verified\", \"envelope\", \"pubkey\", \"keyid\", \"payloadType\"}.\n"
	"\n"
	"--artifact FILE verifies a sigstore bundle v0.3 holding a messageSignature\n"
	"(as cosign sign-blob writes): the signature over FILE's bytes, and the\n"
	"bundle's messageDigest, which must be FILE's sha256.\n"
	"\n"
	"exit status: 0 good signature, 1 bad signature, 2 usage error or malformed\n"
	"envelope or key.";

static void print_json(const char *envelope, const char *pubpath, const struct sign_key *pub,
		       int ok, const char *type, const char *reason)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddBoolToObject(j, "verified", ok);
	json_add_str(j, "envelope", envelope);
	json_add_str(j, "pubkey", pubpath);
	json_add_str(j, "keyid", sign_key_id(pub));
	if (type)
		json_add_str(j, "payloadType", type);
	if (reason)
		json_add_str(j, "reason", reason);
	cli_json_print(j);
}

int cmd_verify_signature(int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char *envpath = NULL, *pubpath = NULL, *payload_out = NULL, *artifact = NULL;
	char *buf = NULL, *payload = NULL, *type = NULL, *keyid = NULL, *art = NULL;
	size_t len = 0, plen = 0, alen = 0;
	struct sign_key *pub = NULL;
	int json = 0, ret = EXIT_ERR;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--pubkey") && i + 1 < argc) {
			pubpath = argv[++i];
		} else if (!strcmp(argv[i], "--payload-out") && i + 1 < argc) {
			payload_out = argv[++i];
		} else if (!strcmp(argv[i], "--artifact") && i + 1 < argc) {
			artifact = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("verify-signature",
					       "\"%s\": unknown option or missing value", argv[i]);
		} else if (!envpath) {
			envpath = argv[i];
		} else {
			return cli_usage_error("verify-signature", "\"%s\": unexpected argument",
					       argv[i]);
		}
	}
	if (!envpath || !pubpath)
		return cli_usage_error("verify-signature", "expected ENVELOPE and --pubkey PUB");
	if (artifact && payload_out)
		return cli_usage_error(
			"verify-signature",
			"--payload-out: a message signature has no payload but the artifact");
	if (sign_key_load_public(pubpath, &pub, &e) < 0 ||
	    fs_read_file(envpath, JSON_MAX_FILE, &buf, &len, &e) < 0)
		goto out;
	if (artifact) {
		if (fs_read_file(artifact, ARTIFACT_MAX, &art, &alen, &e) < 0)
			goto out;
		if (sigstore_verify_message(pub, buf, len, envpath, art, alen, artifact, &e) < 0) {
			if (json && e.kind == ERR_NO)
				print_json(envpath, pubpath, pub, 0, NULL, e.msg);
			goto out;
		}
		if (json)
			print_json(envpath, pubpath, pub, 1, NULL, NULL);
		else
			printf("%s: good signature over %s by %s (keyid %s)\n", envpath, artifact,
			       pubpath, sign_key_id(pub));
		ret = EXIT_OK;
		goto out;
	}
	if (dsse_verify_ex(pub, buf, len, envpath, &payload, &plen, &type, &keyid, &e) < 0) {
		if (json && e.kind == ERR_NO)
			print_json(envpath, pubpath, pub, 0, NULL, e.msg);
		goto out;
	}
	if (payload_out && fs_write_atomic(payload_out, payload, plen, 0644, &e) < 0)
		goto out;
	if (json)
		print_json(envpath, pubpath, pub, 1, type, NULL);
	else
		printf("%s: good signature by %s (keyid %s), payloadType %s\n", envpath, pubpath,
		       sign_key_id(pub), type);
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK)
		ret = cli_fail(&e);
	sign_key_free(pub);
	free(buf);
	free(payload);
	free(type);
	free(keyid);
	free(art);
	return ret;
}
