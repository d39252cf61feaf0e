/* SPDX-License-Identifier: MIT */
/* lockstep build RECIPE [-o DIR]: options in, builder out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/build.h"
#include "builder/provenance.h"
#include "cli/cli.h"
#include "core/fs.h"
#include "core/json.h"

static const char usage[] =
	"usage: lockstep build RECIPE [-o DIR] [--no-smoke] [--quiet] [--json]\n"
	"\n"
	"Builds RECIPE (a recipe.json) in the sandbox with its pinned RISC-V\n"
	"toolchain and writes into DIR (default: out/NAME next to the current\n"
	"directory): the artifacts, source.tar.gz (the normalized source, whose\n"
	"sha256 is the source's identity), provenance.json (an in-toto Statement\n"
	"with a SLSA Provenance v1 predicate) and build.log.  DIR is only touched\n"
	"when the whole build succeeded.\n"
	"\n"
	"  -o, --output DIR   where to write the results\n"
	"      --no-smoke     skip the recipe's smoke test\n"
	"  -q, --quiet        no progress lines\n"
	"      --json         print the artifacts and their sha256 as JSON\n"
	"\n"
	"exit status: 0 built, 2 error (the message names the file and field).\n";

static void print_json(const char *dir)
{
	char *prov = fs_join(dir, BUILD_PROVENANCE_NAME);
	cJSON *j = NULL, *out = cJSON_CreateObject();

	if (json_parse_file(prov, &j, NULL) == 0) {
		cJSON_AddItemToObject(out, "subject",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "subject"), 1));
		json_add_str(out, "provenance", prov);
		json_add_str(out, "directory", dir);
	}
	char *s = json_print(out);
	fputs(s, stdout);
	free(s);
	cJSON_Delete(j);
	cJSON_Delete(out);
	free(prov);
}

int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-smoke", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct build_options o = { 0 };
	struct recipe r;
	struct err e = ERR_INIT;
	char *dflt = NULL;
	int c, json = 0, ret;

	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out_dir = optarg; break;
		case 'S': o.no_smoke = 1; break;
		case 'q': o.quiet = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage_error("build", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("build", "expected exactly one RECIPE");
	if (recipe_load(argv[optind], &r, &e) < 0) {
		recipe_release(&r);
		return cli_fail(&e);
	}
	if (!o.out_dir)
		o.out_dir = dflt = xasprintf("out/%s", r.name);
	ret = build_run(&r, &o, &e);
	if (ret == 0 && json)
		print_json(o.out_dir);
	recipe_release(&r);
	free(dflt);
	return ret < 0 ? cli_fail(&e) : EXIT_OK;
}
