/* SPDX-License-Identifier: MIT */
/* lockstep release RECIPE --key KEY -o DIR: the release gate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "verifier/release.h"

static const char usage[] =
	"usage: lockstep release RECIPE [--cell SEL] --key KEY -o DIR [--with-env] [-q]\n"
	"\n"
	"Builds RECIPE, rebuilds it independently (fresh sandbox, fresh host\n"
	"directory) and only when every artifact is byte-identical signs the\n"
	"provenance and a verification summary with KEY and writes into DIR a\n"
	"deterministic release bundle NAME-VERSION.tar (artifacts/, source.tar.gz,\n"
	"environment.json, provenance.intoto.json, verification.intoto.json,\n"
	"pubkey.pem, RELEASE.md)\n"
	"and RELEASE.md.  When the rebuild differs nothing is signed, DIR is left\n"
	"as it was, and the report says what differs.\n"
	"\n"
	"      --cell SEL    for a matrix recipe (required there): the cell to\n"
	"                    release, e.g. board=virt,march=rv64gc; the bundle\n"
	"                    is then NAME-VERSION-CELL.tar\n"
	"  -k, --key KEY     the private key that signs\n"
	"  -o, --output DIR  where the bundle and RELEASE.md go\n"
	"      --with-env    also write NAME-VERSION.env.tar beside the bundle: the\n"
	"                    environment pin and every pinned .deb, so that an\n"
	"                    auditor rebuilds offline (lockstep env import)\n"
	"  -q, --quiet       no progress lines\n"
	"\n"
	"exit status: 0 released, 1 not reproducible, 2 error.\n";

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cell", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "with-env", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *dir = NULL, *cell = NULL;
	struct buf report = BUF_INIT;
	struct err e = ERR_INIT;
	char *bundle = NULL;
	int c, quiet = 0, with_env = 0, ret;

	while ((c = getopt_long(argc, argv, "k:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'c': cell = optarg; break;
		case 'o': dir = optarg; break;
		case 'q': quiet = 1; break;
		case 'E': with_env = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage_error("release", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("release", "expected exactly one RECIPE");
	if (!key || !dir)
		return cli_usage_error("release", "--key and -o are required");
	ret = release_run(argv[optind], cell, key, dir, quiet, &report, &bundle, &e);
	fputs(report.data ? report.data : "", stdout);
	if (ret == 0)
		printf("released: %s\n", bundle);
	if (ret == 0 && with_env) {
		char *env = release_env_path(bundle);
		ret = release_export_env(bundle, env, &e);
		if (ret == 0)
			printf("environment: %s\n", env);
		free(env);
	}
	buf_release(&report);
	free(bundle);
	return ret < 0 ? cli_fail(&e) : EXIT_OK;
}
