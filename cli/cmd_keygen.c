/* SPDX-License-Identifier: MIT */
/* `lockstep keygen -o KEY`: a new signing key pair, KEY and KEY.pub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/sign.h"

static const char usage[] =
	"usage: lockstep keygen -o KEY [--type ed25519|ecdsa-p256] [--passphrase-file F] [--json]\n"
	"\n"
	"Generates a key pair and writes KEY (PKCS#8 PEM private key, mode 0600)\n"
	"and KEY.pub (SubjectPublicKeyInfo PEM public key), then prints the key id\n"
	"(lowercase hex sha256 of the DER public key).  Refuses to overwrite either\n"
	"file.  The default type is ed25519; ecdsa-p256 is what cosign expects.\n"
	"\n"
	"The private key is encrypted (AES-256-CBC, PKCS#8) when a passphrase is\n"
	"given: the first line of --passphrase-file F, else $LOCKSTEP_PASSPHRASE.\n"
	"--json prints one JSON object instead: the key file, KEY.pub with its\n"
	"sha256, the key id, type and whether the key is encrypted.\n"
	"A passphrase is never taken from the command line.\n"
	"\n"
	"exit status: 0 written, 2 usage error or nothing written.";

int cmd_keygen(int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char *out = NULL, *type = "ed25519", *passfile = NULL, *env;
	char *pass = NULL, *pubpath = NULL;
	struct sign_key *pub = NULL;
	int ret = EXIT_ERR, json = 0;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			type = argv[++i];
		} else if (!strcmp(argv[i], "--passphrase-file") && i + 1 < argc) {
			passfile = argv[++i];
		} else if (argv[i][0] == '-') {
			return cli_usage_error("keygen", "\"%s\": unknown option or missing value",
					       argv[i]);
		} else {
			return cli_usage_error("keygen", "\"%s\": unexpected argument", argv[i]);
		}
	}
	if (!out)
		return cli_usage_error("keygen", "expected -o KEY");
	if (strcmp(type, "ed25519") && strcmp(type, "ecdsa-p256"))
		return cli_usage_error("keygen", "\"%s\": unknown key type (ed25519 or ecdsa-p256)",
				       type);
	env = getenv(SIGN_PASSPHRASE_ENV);
	if (passfile) {
		if (sign_read_passphrase(passfile, &pass, &e) < 0)
			goto out;
	} else if (env && *env) {
		pass = xstrdup(env);
	}
	if (sign_key_generate(type, out, pass, &e) < 0)
		goto out;
	/* The id printed is read back from the file just written, so it is
	 * the id every verifier will compute from KEY.pub. */
	pubpath = xasprintf("%s.pub", out);
	if (sign_key_load_public(pubpath, &pub, &e) < 0)
		goto out;
	if (json) {
		/* The private key by name only: its digest tells nobody anything
		 * they should rely on, and it is the one file never published. */
		cJSON *o = cJSON_CreateObject();
		json_add_str(cJSON_AddObjectToObject(o, "key"), "file", out);
		cli_json_file(o, "pubkey", pubpath);
		json_add_str(o, "keyid", sign_key_id(pub));
		json_add_str(o, "type", type);
		cJSON_AddBoolToObject(o, "encrypted", pass != NULL);
		cli_json_print(o);
	} else {
		printf("%s\n", sign_key_id(pub));
		fprintf(stderr, "lockstep: wrote %s (%s%s) and %s\n", out, type,
			pass ? ", encrypted" : "", pubpath);
	}
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK)
		ret = cli_fail(&e);
	sign_key_free(pub);
	sign_wipe_free(pass);
	free(pubpath);
	return ret;
}
