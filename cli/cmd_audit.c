/* SPDX-License-Identifier: MIT */
/* lockstep audit BUNDLE --pubkey PUB: the auditor's check of a release. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/json.h"
#include "verifier/audit.h"

static const char usage[] =
	"usage: lockstep audit BUNDLE --pubkey PUB [--no-rebuild] [--json] [-q]\n"
	"\n"
	"Checks a release bundle against the trusted public key PUB: the bundled\n"
	"key is PUB, the provenance and the verification summary are signed by it,\n"
	"the summary vouches for that provenance, each NAME.sigstore.json holds the\n"
	"statement signed in NAME.intoto.json (a bundle from before them, holding\n"
	"none, passes with a note), every artifact and the source archive have the\n"
	"recorded sha256; then rebuilds from the bundled source and confirms the\n"
	"artifacts byte for byte.\n"
	"\n"
	"  --no-rebuild   the quick check before deploying: signatures and digests only\n"
	"  --json         print the result as JSON\n"
	"\n"
	"exit status: 0 everything holds, 1 something does not, 2 error.\n";

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'p' },
		{ "no-rebuild", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pub = NULL;
	struct buf report = BUF_INIT;
	struct err e = ERR_INIT;
	struct audit_result res;
	int c, rebuild = 1, quiet = 0, json = 0, ret;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pub = optarg;
			break;
		case 'n':
			rebuild = 0;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("audit", argv, "qh");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("audit", "expected exactly one BUNDLE");
	if (!pub)
		return cli_usage_error("audit", "--pubkey is required");
	ret = audit_bundle(argv[optind], pub, rebuild, quiet, &report, &res, &e);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cli_json_file(o, "bundle", argv[optind]);
		json_add_str(o, "result", ret == 0 ? "PASSED" : "FAILED");
		cJSON_AddBoolToObject(o, "rebuilt", rebuild);
		if (ret == 0) {
			json_add_str(o, "keyid", res.keyid);
			json_add_str(o, "sigstoreBundles",
				     res.sigstore_absent ? "absent" : "verified");
		}
		cJSON_AddItemToObject(o, "subjects",
				      res.subjects ? res.subjects : cJSON_CreateArray());
		res.subjects = NULL;
		if (ret < 0)
			json_add_str(o, "error", e.msg);
		cli_json_print(o);
	} else {
		fputs(report.data ? report.data : "", stdout);
		if (ret == 0)
			printf("%s: PASSED%s\n", argv[optind],
			       rebuild ? " (rebuilt byte for byte)"
				       : " (signatures and digests; not rebuilt)");
	}
	buf_release(&report);
	audit_result_release(&res);
	return ret < 0 ? cli_fail(&e) : EXIT_OK;
}
