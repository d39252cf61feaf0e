/* SPDX-License-Identifier: MIT */
/* lockstep release RECIPE --key KEY -o DIR: the release gate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "archive/archive.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "verifier/release.h"

static const char usage[] =
	"usage: lockstep release RECIPE [--cell SEL] --key KEY -o DIR [--with-env] [-q]\n"
	"\n"
	"Builds RECIPE, rebuilds it independently (fresh sandbox, fresh host\n"
	"directory) and only when every artifact is byte-identical signs the\n"
	"provenance and a verification summary with KEY and writes into DIR a\n"
	"deterministic release bundle NAME-VERSION.tar (artifacts/, source.tar.zst,\n"
	"environment.json, provenance.intoto.json, verification.intoto.json,\n"
	"sbom.cdx.json, sbom.intoto.json, each signed statement also as a sigstore\n"
	"bundle NAME.sigstore.json, pubkey.pem, RELEASE.md)\n"
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
	"      --json        print one JSON object: the result, the bundle,\n"
	"                    RELEASE.md and the environment export (each file\n"
	"                    with its sha256), the key id, the bundle's members\n"
	"                    with their sha256\n"
	"  -q, --quiet       no progress lines\n"
	"\n"
	"exit status: 0 released, 1 not reproducible, 2 error.\n";

struct member_list {
	cJSON *arr;
	const char *bundle;
};

static int add_member(const char *name, int64_t size, unsigned mode, char type, void *arg)
{
	struct member_list *m = arg;
	struct err e = ERR_INIT;
	char *data = NULL, hex[DIGEST_HEX_LEN + 1];
	size_t len = 0;
	cJSON *o;

	if (type != ARCHIVE_TYPE_FILE)
		return 0;
	o = cJSON_CreateObject();
	json_add_str(o, "name", name);
	/* Members were written by this process a moment ago: read back whole
	 * (capped far above any firmware) for their digest. */
	if (archive_read_member(m->bundle, name, 1u << 30, &data, &len, &e) == 0) {
		digest_buf(data, len, hex);
		json_add_str(o, "sha256", hex);
	}
	cJSON_AddNumberToObject(o, "size", (double)size);
	cJSON_AddItemToArray(m->arr, o);
	free(data);
	return 0;
}

/* --json: one object; on failure the error, exit codes as without it. */
static void print_json(int ret, const char *bundle, const char *env, const char *dir,
		       const struct err *e)
{
	cJSON *o = cJSON_CreateObject();
	struct member_list m = { NULL, bundle };
	struct err e2 = ERR_INIT;
	char *md;

	json_add_str(o, "result",
		     ret == 0            ? "released"
		     : e->kind == ERR_NO ? "not reproducible"
					 : "error");
	if (bundle) {
		cli_json_file(o, "bundle", bundle);
		md = fs_join(dir, "RELEASE.md");
		cli_json_file(o, "releaseMd", md);
		free(md);
		m.arr = cJSON_AddArrayToObject(o, "members");
		archive_list(bundle, add_member, &m, &e2);
	}
	if (ret == 0 && env)
		cli_json_file(o, "environment", env);
	if (ret < 0)
		json_add_str(o, "error", e->msg);
	cli_json_print(o);
}

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cell", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "with-env", no_argument, NULL, 'E' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *dir = NULL, *cell = NULL;
	struct buf report = BUF_INIT;
	struct err e = ERR_INIT;
	char *bundle = NULL;
	int c, quiet = 0, with_env = 0, json = 0, ret;
	char *env = NULL;

	while ((c = getopt_long(argc, argv, "k:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'c':
			cell = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'E':
			with_env = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("release", argv, "k:o:qh");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("release", "expected exactly one RECIPE");
	if (!key || !dir)
		return cli_usage_error("release", "--key and -o are required");
	{
		struct release_options ro = { .recipe_path = argv[optind],
					      .cell = cell,
					      .key_path = key,
					      .out_dir = dir,
					      .quiet = quiet };

		ret = release_run(&ro, &report, &bundle, &e);
	}
	if (ret == 0 && with_env) {
		env = release_env_path(bundle);
		ret = release_export_env(bundle, env, &e);
	}
	if (json) {
		print_json(ret, bundle, env, dir, &e);
	} else {
		fputs(report.data ? report.data : "", stdout);
		if (bundle)
			printf("released: %s\n", bundle);
		if (ret == 0 && env)
			printf("environment: %s\n", env);
	}
	buf_release(&report);
	free(bundle);
	free(env);
	return ret < 0 ? cli_fail(&e) : EXIT_OK;
}
