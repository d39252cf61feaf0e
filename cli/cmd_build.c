/* SPDX-License-Identifier: MIT */
/* lockstep build RECIPE [-o DIR], and for matrix recipes --cell, --all,
 * --shard and --list: options in, builder out. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/build.h"
#include "builder/matrix.h"
#include "builder/provenance.h"
#include "cli/cli.h"
#include "core/fs.h"
#include "core/json.h"

static const char usage[] =
	"usage: lockstep build RECIPE [-o DIR] [--no-smoke] [--quiet] [--json]\n"
	"       lockstep build RECIPE --cell SEL [-o DIR] [options]\n"
	"       lockstep build RECIPE --all | --shard I/N [-j N] [-o DIR] [options]\n"
	"       lockstep build RECIPE --list [--shard I/N] [--json]\n"
	"\n"
	"Builds RECIPE (a recipe.json) in the sandbox with its pinned RISC-V\n"
	"toolchain and writes into DIR (default: out/NAME next to the current\n"
	"directory): the artifacts, source.tar.zst (the normalized source, whose\n"
	"sha256 is the source's identity: stored once in the store by that\n"
	"digest, $LOCKSTEP_HOME/sources/SHA256.tar.zst, and hard-linked here),\n"
	"provenance.json (an in-toto Statement with a SLSA Provenance v1\n"
	"predicate) and build.log.  DIR is only touched\n"
	"when the whole build succeeded.\n"
	"\n"
	"A recipe with a \"matrix\" has one cell per combination of its axes'\n"
	"values, named \"axis=value,axis=value\" (see docs/recipe.md); it needs one\n"
	"of --cell, --all, --shard or --list.\n"
	"\n"
	"  -o, --output DIR   where to write the results; with --all and --shard\n"
	"                     each cell goes to DIR/CELL (default out/NAME/CELL;\n"
	"                     --cell writes into DIR itself, default out/NAME/CELL)\n"
	"      --cell SEL     build one cell; SEL names every axis once, in any\n"
	"                     order: board=virt,march=rv64gc_zicsr_zifencei\n"
	"      --all          build every cell; a failing cell does not stop the\n"
	"                     others, the summary names each failure and its log\n"
	"      --shard I/N    build the cells numbered k (from 0, in --list order)\n"
	"                     with k % N + 1 == I: N machines each take one shard\n"
	"  -j, --jobs N       build up to N cells at once (default: the CPUs this\n"
	"                     process may use)\n"
	"      --list         print the cells (of the shard) without building\n"
	"      --no-smoke     skip the recipe's smoke test\n"
	"  -q, --quiet        no progress lines\n"
	"      --json         print the artifacts and their sha256 as JSON (with\n"
	"                     --all/--shard: every cell's directory, status and\n"
	"                     subjects; with --list: the cells)\n"
	"\n"
	"exit status: 0 built, 2 error (the message names the file and field; for\n"
	"a matrix: any cell failed).\n";

/* The JSON summary of a finished build directory. */
static cJSON *dir_json(const char *dir)
{
	char *prov = fs_join(dir, BUILD_PROVENANCE_NAME);
	cJSON *j = NULL, *out = cJSON_CreateObject();

	if (json_parse_file(prov, &j, NULL) == 0) {
		cJSON_AddItemToObject(out, "subject",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j,
										       "subject"),
						      1));
		json_add_str(out, "provenance", prov);
		json_add_str(out, "directory", dir);
	}
	cJSON_Delete(j);
	free(prov);
	return out;
}

static unsigned cpus_available(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	return 1;
}

/* --all, --shard: every selected cell into ROOT/CELL, then the summary. */
static int build_cells(struct recipe *r, const struct strv *cells, const char *root, unsigned par,
		       const struct build_options *o, int json)
{
	struct matrix_cell_result *res = NULL;
	struct err e = ERR_INIT;
	int failed = matrix_build(r, cells, root, par, o, &res, &e);

	if (failed < 0)
		return cli_fail(&e);
	if (json) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "cells");
		json_add_str(j, "recipe", r->name);
		json_add_str(j, "version", r->version);
		cJSON_AddNumberToObject(j, "built", (double)(cells->n - (size_t)failed));
		cJSON_AddNumberToObject(j, "failed", failed);
		for (size_t i = 0; i < cells->n; i++) {
			cJSON *c = res[i].built ? dir_json(res[i].dir) : cJSON_CreateObject();
			json_add_str(c, "cell", res[i].cell);
			json_add_str(c, "status", res[i].built ? "built" : "failed");
			if (!res[i].built) {
				json_add_str(c, "directory", res[i].dir);
				json_add_str(c, "error", res[i].msg ? res[i].msg : "not built");
			}
			cJSON_AddItemToArray(arr, c);
		}
		cli_json_print(j);
	}
	if (failed) {
		fprintf(stderr, "lockstep: %s: %d of %zu cells failed:\n", r->file, failed,
			cells->n);
		for (size_t i = 0; i < cells->n; i++)
			if (!res[i].built)
				fprintf(stderr, "  %s: %s\n", res[i].cell, res[i].msg);
	} else if (!o->quiet) {
		fprintf(stderr, "%s: all %zu cells built into %s/\n", r->file, cells->n, root);
	}
	matrix_results_free(res, cells->n);
	return failed ? EXIT_ERR : EXIT_OK;
}

static int list_cells(const struct recipe *r, const struct strv *cells, int json)
{
	if (json) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "cells");
		json_add_str(j, "recipe", r->name);
		json_add_str(j, "version", r->version);
		for (size_t i = 0; i < cells->n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(cells->v[i]));
		cli_json_print(j);
		return EXIT_OK;
	}
	for (size_t i = 0; i < cells->n; i++)
		printf("%s\n", cells->v[i]);
	return EXIT_OK;
}

int cmd_build(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_CELL, OPT_ALL, OPT_SHARD, OPT_LIST };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-smoke", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "cell", required_argument, NULL, OPT_CELL },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct build_options o = { 0 };
	struct recipe r;
	struct err e = ERR_INIT;
	struct strv cells = STRV_INIT, picked = STRV_INIT;
	const char *cell = NULL, *shard = NULL;
	char *dflt = NULL, *end;
	unsigned sidx = 0, scount = 0, par = 0;
	int c, json = 0, all = 0, list = 0, ret;

	while ((c = getopt_long(argc, argv, "o:qhj:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out_dir = optarg;
			break;
		case 'S':
			o.no_smoke = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_CELL:
			cell = optarg;
			break;
		case OPT_ALL:
			all = 1;
			break;
		case OPT_SHARD:
			shard = optarg;
			break;
		case OPT_LIST:
			list = 1;
			break;
		case 'j':
			errno = 0;
			par = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '1' || optarg[0] > '9' || par > 256)
				return cli_usage_error("build",
						       "-j \"%s\": expected a number from 1 to 256",
						       optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("build", argv, "o:qhj:");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("build", "expected exactly one RECIPE");
	if ((cell != NULL) + all + (shard && !list) + list > 1)
		return cli_usage_error(
			"build",
			"--cell, --all, --shard and --list exclude each other (--list may take --shard)");
	if (shard && matrix_parse_shard(shard, &sidx, &scount, &e) < 0)
		return cli_fail(&e);
	if (recipe_load(argv[optind], &r, &e) < 0)
		goto fail;
	if (!r.naxes && (cell || all || shard || list)) {
		err_set(&e, "%s: the recipe has no \"matrix\": --%s needs one", r.file,
			cell    ? "cell"
			: all   ? "all"
			: shard ? "shard"
				: "list");
		goto fail;
	}
	if (r.naxes && !cell && !all && !shard && !list) {
		err_set(&e,
			"%s: the recipe has a \"matrix\": choose --cell SEL, --all or --shard I/N (--list shows the cells)",
			r.file);
		goto fail;
	}
	if (r.naxes && !cell) {
		if (matrix_cells(&r, &cells, &e) < 0)
			goto fail;
		for (size_t k = 0; k < cells.n; k++)
			if (!shard || matrix_in_shard(k, sidx, scount))
				strv_push(&picked, cells.v[k]);
		/* As `lockstep ci` refuses more shards than cells: an empty shard
		 * proves nothing, and a stale count must not pass as a build. */
		if (shard && !picked.n) {
			err_set(&e,
				"--shard %u/%u: %s has %zu cells, so shard %u is empty (at most %zu shards)",
				sidx, scount, r.file, cells.n, sidx, cells.n);
			goto fail;
		}
		if (list) {
			ret = list_cells(&r, &picked, json);
			goto out;
		}
		if (!o.out_dir)
			o.out_dir = dflt = xasprintf("out/%s", r.name);
		ret = build_cells(&r, &picked, o.out_dir, par ? par : cpus_available(), &o, json);
		goto out;
	}
	if (cell && recipe_select_cell(&r, cell, &e) < 0)
		goto fail;
	if (!o.out_dir && r.cell) {
		char *parent = xasprintf("out/%s", r.name);
		int m = fs_mkdirs(parent, &e);
		free(parent);
		if (m < 0)
			goto fail;
		o.out_dir = dflt = xasprintf("out/%s/%s", r.name, r.cell);
	}
	if (!o.out_dir)
		o.out_dir = dflt = xasprintf("out/%s", r.name);
	if (build_run(&r, &o, NULL, &e) < 0)
		goto fail;
	if (json)
		cli_json_print(dir_json(o.out_dir));
	ret = EXIT_OK;
	goto out;
fail:
	ret = cli_fail(&e);
out:
	strv_release(&cells);
	strv_release(&picked);
	recipe_release(&r);
	free(dflt);
	return ret;
}
