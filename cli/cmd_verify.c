/* SPDX-License-Identifier: MIT */
/* lockstep verify PROVENANCE: independent rebuild and byte comparison. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/build.h"
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/sign.h"
#include "toolchains/toolchain.h"
#include "verifier/verify.h"
#include "verifier/vsa.h"

static const char usage[] =
	"usage: lockstep verify PROVENANCE [--source ARCHIVE] [--pin FILE] [--artifact FILE]...\n"
	"                       [--pubkey PUB] [--key KEY] [-o DIR] [--keep] [--json] [-q]\n"
	"\n"
	"Rebuilds from the provenance record (the recipe it carries, the source\n"
	"archive and the environment pin it names by digest) in a fresh sandbox\n"
	"made only of the pin's packages, from a fresh\n"
	"host directory, and compares every subject's sha256.  Every input is\n"
	"checked against its digest before anything is built.  For a matrix\n"
	"recipe the recorded cell (externalParameters.cell) is selected again and\n"
	"exactly that cell is rebuilt; the summary's resourceUri names it.\n"
	"\n"
	"  --source ARCHIVE   the source archive (default: the one the provenance\n"
	"                     names, source.tar.zst or source.tar.gz, beside\n"
	"                     PROVENANCE, else the store's copy by its sha256)\n"
	"  --pin FILE         the environment pin (default: the file the provenance\n"
	"                     names, environment.json, beside PROVENANCE)\n"
	"  --mirror URL       where missing packages come from (default:\n"
	"                     $LOCKSTEP_MIRROR, else the host's apt sources)\n"
	"  --artifact FILE    a shipped file to compare too, matched by digest (repeatable)\n"
	"  --pubkey PUB       PROVENANCE is a DSSE envelope: check its signature with PUB\n"
	"  --key KEY          sign the verification summary with KEY\n"
	"  -o, --output DIR   where the summary and the rebuilt files go\n"
	"                     (default: ./lockstep-verify)\n"
	"  --keep             keep DIR/rebuild after an identical rebuild too\n"
	"  --json             print the result as JSON\n"
	"\n"
	"Writes DIR/verification.json (a SLSA Verification Summary v1) and, with\n"
	"--key, DIR/verification.intoto.json (its DSSE envelope).  The rebuilt\n"
	"files stay in DIR/rebuild when they differ (the evidence), and are\n"
	"removed after an identical rebuild unless --keep.\n"
	"\n"
	"exit status: 0 identical, 1 different or tampered, 2 error.  The last line\n"
	"tells \"not reproducible\" (a subject rebuilt differently) from a shipped\n"
	"file that does not match the provenance (the rebuild was identical).\n";

/* "subjects": one object per recorded subject, "shippedFiles": one per
 * --artifact, copied from the findings. */
static void json_add_findings(cJSON *o, const cJSON *findings)
{
	cJSON *subj = cJSON_AddArrayToObject(o, "subjects"), *files = NULL;
	const cJSON *f;

	cJSON_ArrayForEach(f, findings)
	{
		if (cJSON_GetObjectItemCaseSensitive(f, "name")) {
			cJSON_AddItemToArray(subj, cJSON_Duplicate(f, 1));
			continue;
		}
		if (!files)
			files = cJSON_AddArrayToObject(o, "shippedFiles");
		cJSON_AddItemToArray(files, cJSON_Duplicate(f, 1));
	}
}

/* Reads PROVENANCE; a DSSE envelope is opened with the public key.
 * file_sha256 gets the sha256 of the file's bytes (the envelope's when it is
 * one): the summary names the file by it. */
static int read_provenance(const char *path, const char *pubkey, char **text, size_t *len,
			   char file_sha256[DIGEST_HEX_LEN + 1], struct err *e)
{
	char *raw = NULL;
	size_t n = 0;
	cJSON *j = NULL;
	struct sign_key *k = NULL;
	int ret = -1;

	if (fs_read_file(path, JSON_MAX_FILE, &raw, &n, e) < 0 ||
	    json_parse_buf(raw, n, path, &j, e) < 0)
		goto out;
	digest_buf(raw, n, file_sha256);
	if (!cJSON_GetObjectItemCaseSensitive(j, "payloadType")) {
		*text = raw;
		*len = n;
		raw = NULL;
		ret = 0;
		goto out;
	}
	if (!pubkey) {
		err_set(e, "%s: a signed provenance (DSSE envelope) needs --pubkey", path);
		goto out;
	}
	if (sign_key_load_public(pubkey, &k, e) < 0 ||
	    dsse_verify(k, raw, n, path, text, len, e) < 0)
		goto out;
	ret = 0;
out:
	sign_key_free(k);
	cJSON_Delete(j);
	free(raw);
	return ret;
}

static int write_summary(const struct verify_outcome *vo, const char *prov_path,
			 const char *prov_sha256, const char *dir, const char *key, struct err *e)
{
	struct vsa_subject *vs = xcalloc(vo->names.n, sizeof(*vs));
	struct sign_key *k = NULL;
	char *text, *path = fs_join(dir, "verification.json"), *env = NULL, *epath = NULL;
	char *name = xstrdup(prov_path);
	cJSON *vsa;
	int ret = -1;

	for (size_t i = 0; i < vo->names.n; i++) {
		vs[i].name = vo->names.v[i];
		vs[i].sha256 = vo->digests.v[i];
	}
	/* The summary is published beside the provenance it names (the
	 * pipelines do): the file's name is the URI reference. */
	vsa = vsa_build(vs, vo->names.n, vo->resource_uri, basename(name), prov_sha256);
	free(name);
	text = json_print(vsa);
	if (fs_write_atomic(path, text, strlen(text), 0644, e) < 0)
		goto out;
	if (key) {
		epath = fs_join(dir, "verification.intoto.json");
		if (sign_key_load_private(key, &k, e) < 0 ||
		    dsse_sign(k, DSSE_INTOTO_TYPE, text, strlen(text), &env, e) < 0 ||
		    fs_write_atomic(epath, env, strlen(env), 0644, e) < 0)
			goto out;
	}
	ret = 0;
out:
	sign_key_free(k);
	cJSON_Delete(vsa);
	free(vs);
	free(text);
	free(path);
	free(env);
	free(epath);
	return ret;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "pin", required_argument, NULL, 'P' },
		{ "mirror", required_argument, NULL, 'M' },
		{ "artifact", required_argument, NULL, 'a' },
		{ "pubkey", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'K' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_input vi = { 0 };
	struct verify_outcome vo;
	struct strv arts = STRV_INIT;
	struct err e = ERR_INIT;
	const char *pubkey = NULL, *key = NULL, *dir = "lockstep-verify";
	char *text = NULL, *copy = NULL, *rebuild = NULL, prov_sha256[DIGEST_HEX_LEN + 1];
	size_t len = 0;
	int c, json = 0, keep = 0, ret;

	memset(&vo, 0, sizeof(vo));
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			vi.source_archive = optarg;
			break;
		case 'P':
			vi.pin_file = optarg;
			break;
		case 'M':
			toolchain_set_mirror(optarg, NULL);
			break;
		case 'a':
			strv_push(&arts, optarg);
			break;
		case 'p':
			pubkey = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'K':
			keep = 1;
			break;
		case 'q':
			vi.quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("verify", argv, "o:qh");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("verify", "expected exactly one PROVENANCE");
	vi.provenance_file = argv[optind];
	/* The artifacts a build wrote sit beside its provenance: when they are
	 * there, a difference is located (offset, ELF section) against them. */
	copy = xstrdup(argv[optind]);
	vi.original_dir = dirname(copy);
	if (read_provenance(argv[optind], pubkey, &text, &len, prov_sha256, &e) < 0) {
		ret = cli_fail(&e);
		goto done;
	}
	if (fs_mkdirs(dir, &e) < 0) {
		ret = cli_fail(&e);
		goto done;
	}
	rebuild = fs_join(dir, "rebuild");
	vi.provenance = text;
	vi.provenance_len = len;
	vi.artifacts = (const char *const *)arts.v;
	vi.nartifacts = arts.n;
	vi.rebuild_dir = rebuild;
	if (verify_rebuild(&vi, &vo, &e) < 0) {
		ret = cli_fail(&e);
		goto done;
	}
	if (vo.identical && write_summary(&vo, argv[optind], prov_sha256, dir, key, &e) < 0) {
		ret = cli_fail(&e);
		goto done;
	}
	/* Identical, the rebuild proves nothing more than the summary says,
	 * and a kernel's is hundreds of MB: only a difference is evidence. */
	if (vo.identical && !keep && fs_remove_tree(rebuild, &e) < 0) {
		ret = cli_fail(&e);
		goto done;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "result", vo.identical ? "PASSED" : "FAILED");
		cJSON_AddBoolToObject(o, "reproducible", vo.reproducible);
		if (arts.n)
			cJSON_AddBoolToObject(o, "shipped_artifacts_match", vo.unmatched == 0);
		json_add_str(o, "provenance", argv[optind]);
		if (vo.cell)
			json_add_str(o, "cell", vo.cell);
		json_add_str(o, "resourceUri", vo.resource_uri);
		json_add_findings(o, vo.findings);
		if (!vo.identical || keep)
			json_add_str(o, "rebuild", rebuild);
		if (vo.identical) {
			char *sp = fs_join(dir, "verification.json");
			cli_json_file(o, "summary", sp);
			free(sp);
			if (key) {
				sp = fs_join(dir, "verification.intoto.json");
				cli_json_file(o, "signedSummary", sp);
				free(sp);
			}
		}
		cli_json_print(o);
	} else {
		fputs(vo.report.data ? vo.report.data : "", stdout);
		if (vo.cell)
			printf("cell: %s\n", vo.cell);
		/* The build and the shipped files are two questions: a file
		 * altered after an identical rebuild is not the build's fault. */
		if (vo.identical)
			printf("%s: PASSED: every artifact rebuilt byte for byte\n", argv[optind]);
		else if (!vo.reproducible)
			printf("%s: FAILED: not reproducible\n", argv[optind]);
		else
			printf("%s: FAILED: every artifact rebuilt byte for byte, but %zu shipped file%s not match the provenance\n",
			       argv[optind], vo.unmatched, vo.unmatched == 1 ? " does" : "s do");
	}
	ret = vo.identical ? EXIT_OK : EXIT_NO;
done:
	verify_outcome_release(&vo);
	strv_release(&arts);
	free(text);
	free(copy);
	free(rebuild);
	return ret;
}
