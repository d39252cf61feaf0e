/* SPDX-License-Identifier: MIT */
/* `lockstep sign STATEMENT --key KEY`: a DSSE envelope (and optionally a
 * sigstore bundle) over an in-toto Statement's exact bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/sign.h"

static const char usage[] =
	"usage: lockstep sign STATEMENT --key KEY [-o OUT] [--bundle BUNDLE]\n"
	"                     [--passphrase-file F] [--json]\n"
	"\n"
	"Checks that STATEMENT is a strict in-toto Statement v1, signs its exact\n"
	"bytes as a DSSE envelope (payloadType application/vnd.in-toto+json, one\n"
	"signature, keyid = sha256 of the public key) and writes the envelope to\n"
	"OUT: by default STATEMENT with its \".json\" ending replaced by\n"
	"\".intoto.json\" (fw.provenance.json -> fw.provenance.intoto.json).\n"
	"--bundle also writes the same signature as a sigstore bundle v0.3, which\n"
	"cosign and sigstore-js verify with the public key and no transparency log.\n"
	"\n"
	"An encrypted KEY is opened with the first line of --passphrase-file F,\n"
	"else $LOCKSTEP_PASSPHRASE.  Files are written atomically.  --json prints\n"
	"one JSON object: the statement, envelope and bundle files with their\n"
	"sha256, the key id and type.\n"
	"\n"
	"exit status: 0 signed, 2 usage error, bad statement or key (nothing written).";

/* fw.provenance.json -> fw.provenance.intoto.json; other names get the
 * suffix appended. */
static char *default_out(const char *statement)
{
	size_t n = strlen(statement);
	if (n > 5 && !strcmp(statement + n - 5, ".json"))
		return xasprintf("%.*s.intoto.json", (int)(n - 5), statement);
	return xasprintf("%s.intoto.json", statement);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int cmd_sign(int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char *statement = NULL, *keypath = NULL, *outarg = NULL, *bundle = NULL;
	const char *passfile = NULL;
	char *out = NULL, *body = NULL, *pass = NULL, *env = NULL, *bjson = NULL;
	size_t len = 0;
	struct sign_key *k = NULL;
	int ret = EXIT_ERR, json = 0;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			keypath = argv[++i];
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) {
			outarg = argv[++i];
		} else if (!strcmp(argv[i], "--bundle") && i + 1 < argc) {
			bundle = argv[++i];
		} else if (!strcmp(argv[i], "--passphrase-file") && i + 1 < argc) {
			passfile = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("sign", "\"%s\": unknown option or missing value",
					       argv[i]);
		} else if (!statement) {
			statement = argv[i];
		} else {
			return cli_usage_error("sign", "\"%s\": unexpected argument", argv[i]);
		}
	}
	if (!statement || !keypath)
		return cli_usage_error("sign", "expected STATEMENT and --key KEY");
	out = outarg ? xstrdup(outarg) : default_out(statement);
	if (same_file(out, statement) ||
	    (bundle && (same_file(bundle, statement) || same_file(bundle, out)))) {
		free(out);
		return cli_usage_error("sign", "the outputs must differ from each other and from "
					       "the statement");
	}
	if (fs_read_file(statement, JSON_MAX_FILE, &body, &len, &e) < 0 ||
	    dsse_check_statement(body, len, statement, &e) < 0)
		goto out;
	if (passfile && sign_read_passphrase(passfile, &pass, &e) < 0)
		goto out;
	if ((passfile ? sign_key_load_private_pass(keypath, pass, &k, &e)
		      : sign_key_load_private(keypath, &k, &e)) < 0)
		goto out;
	/* Everything is computed before the first write, so a failure leaves
	 * no envelope without its bundle. */
	if (dsse_sign(k, DSSE_INTOTO_TYPE, body, len, &env, &e) < 0 ||
	    (bundle && dsse_to_sigstore_bundle(env, k, &bjson, &e) < 0))
		goto out;
	if (fs_write_atomic(out, env, strlen(env), 0644, &e) < 0 ||
	    (bundle && fs_write_atomic(bundle, bjson, strlen(bjson), 0644, &e) < 0))
		goto out;
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cli_json_file(o, "statement", statement);
		cli_json_file(o, "envelope", out);
		if (bundle)
			cli_json_file(o, "bundle", bundle);
		json_add_str(o, "keyid", sign_key_id(k));
		json_add_str(o, "keyType", sign_key_type(k));
		cli_json_print(o);
	} else {
		printf("signed %s with key %s (%s): %s%s%s\n", statement, sign_key_id(k),
		       sign_key_type(k), out, bundle ? ", " : "", bundle ? bundle : "");
	}
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK)
		ret = cli_fail(&e);
	sign_key_free(k);
	sign_wipe_free(pass);
	free(out);
	free(body);
	free(env);
	free(bjson);
	return ret;
}
