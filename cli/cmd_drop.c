/* SPDX-License-Identifier: MIT */
/* `lockstep drop create|verify`: integration drops (docs/drop.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "compat/drop.h"

static const char usage[] =
	"usage: lockstep drop create -o DROP.tar BUNDLE... --manifest M --key KEY\n"
	"                            [--manifest-pubkey P]\n"
	"       lockstep drop verify DROP.tar --pubkey P [--rebuild] [--json] [-q]\n"
	"\n"
	"An integration drop is one deterministic, signed tar holding component\n"
	"release bundles (from 'lockstep release') and the compatibility manifest\n"
	"saying how they were tested together.  See docs/drop.md and\n"
	"'lockstep drop SUBCOMMAND --help'.";

static const char create_usage[] =
	"usage: lockstep drop create -o DROP.tar BUNDLE... --manifest M --key KEY\n"
	"                            [--manifest-pubkey P]\n"
	"\n"
	"Checks each BUNDLE (its signatures with its bundled key, its artifacts and\n"
	"source against its provenance), validates the manifest M (JSON or YAML, or\n"
	"a signed manifest from 'compat sign', which must verify with KEY or with\n"
	"--manifest-pubkey P) including that every artifact digest in its rows is\n"
	"vouched for by the provenance of one of the bundles, then writes DROP.tar\n"
	"atomically: bundles/ (unchanged), compat-manifest.intoto.json (M signed\n"
	"with KEY unless it came signed), drop.intoto.json (the drop statement,\n"
	"signed with KEY), pubkey.pem and DROP.md.  The same inputs and the same\n"
	"Ed25519 key give the same bytes.\n"
	"\n"
	"exit status: 0 written, 1 a bundle or a signed manifest fails its check,\n"
	"2 bad input (an invalid manifest, an artifact in no bundle) or usage error.";

static const char verify_usage[] =
	"usage: lockstep drop verify DROP.tar --pubkey P [--rebuild] [--json] [-q]\n"
	"\n"
	"Checks a drop against the trusted public key P: no links or escaping\n"
	"names (before extracting), the drop's pubkey.pem is P, the drop statement\n"
	"is signed by P, the manifest's signature, every bundle as 'lockstep audit'\n"
	"does (with --rebuild, rebuilt too), every manifest row's artifacts inside\n"
	"a bundle, and every subject of the statement against the drop's contents.\n"
	"What does not hold is named: the member, the row or the artifact.\n"
	"\n"
	"exit status: 0 everything holds, 1 something does not (tampered,\n"
	"missing), 2 malformed input or usage error.";

static int drop_create_cmd(int argc, char **argv)
{
	struct drop_create_options o = { 0 };
	const char **bundles = xcalloc((size_t)argc + 1, sizeof(*bundles));
	struct buf report = BUF_INIT;
	struct err e = ERR_INIT;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(create_usage);
			free(bundles);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			o.out = argv[++i];
		} else if (!strcmp(argv[i], "--manifest") && i + 1 < argc) {
			o.manifest = argv[++i];
		} else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			o.key = argv[++i];
		} else if (!strcmp(argv[i], "--manifest-pubkey") && i + 1 < argc) {
			o.manifest_pubkey = argv[++i];
		} else if (argv[i][0] == '-') {
			free(bundles);
			return cli_usage_error("drop create", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			bundles[o.nbundles++] = argv[i];
		}
	}
	if (!o.out || !o.manifest || !o.key || !o.nbundles) {
		free(bundles);
		return cli_usage_error(
			"drop create",
			"expected -o DROP.tar, BUNDLE..., --manifest M and --key KEY");
	}
	o.bundles = bundles;
	if (drop_create(&o, &report, &e) < 0) {
		rc = cli_fail(&e);
	} else {
		fputs(report.data ? report.data : "", stdout);
		printf("%s: drop written (%zu bundle%s)\n", o.out, o.nbundles,
		       o.nbundles == 1 ? "" : "s");
		rc = EXIT_OK;
	}
	buf_release(&report);
	free(bundles);
	return rc;
}

static int drop_verify_cmd(int argc, char **argv)
{
	struct buf report = BUF_INIT;
	struct err e = ERR_INIT;
	const char *file = NULL, *pub = NULL;
	cJSON *comps = NULL;
	int rebuild = 0, json = 0, quiet = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(verify_usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--pubkey") && i + 1 < argc) {
			pub = argv[++i];
		} else if (!strcmp(argv[i], "--rebuild")) {
			rebuild = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else if (argv[i][0] == '-' || file) {
			return cli_usage_error("drop verify", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file || !pub)
		return cli_usage_error("drop verify", "expected DROP.tar and --pubkey P");
	ret = drop_verify(file, pub, rebuild, quiet, &report, &comps, &e);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "drop", file);
		json_add_str(o, "result", ret == 0 ? "PASSED" : "FAILED");
		cJSON_AddBoolToObject(o, "rebuilt", rebuild && ret == 0);
		cJSON_AddItemToObject(o, "components", comps ? comps : cJSON_CreateArray());
		comps = NULL;
		json_add_str(o, "report", report.data ? report.data : "");
		if (ret < 0)
			json_add_str(o, "error", e.msg);
		cli_json_print(o);
	} else {
		fputs(report.data ? report.data : "", stdout);
		if (ret == 0)
			printf("%s: PASSED%s\n", file,
			       rebuild ? " (every bundle rebuilt byte for byte)"
				       : " (signatures and digests; not rebuilt)");
	}
	cJSON_Delete(comps);
	buf_release(&report);
	return ret < 0 ? cli_fail(&e) : EXIT_OK;
}

int cmd_drop(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		puts(usage);
		return argc < 2 ? EXIT_ERR : EXIT_OK;
	}
	if (!strcmp(argv[1], "create"))
		return drop_create_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return drop_verify_cmd(argc - 1, argv + 1);
	return cli_usage_error("drop", "\"%s\": no such subcommand", argv[1]);
}
