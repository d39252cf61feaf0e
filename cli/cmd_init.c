/* SPDX-License-Identifier: MIT */
/* `lockstep init DIR`: a first recipe for an existing source tree
 * (builder/scaffold.h), written where the team asks, with what to check
 * next said on stderr. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/scaffold.h"
#include "cli/cli.h"
#include "core/fs.h"

static const char usage[] =
	"usage: lockstep init DIR [-o RECIPE] [--trial] [--environment NAME] [-q]\n"
	"\n"
	"Proposes a recipe for the source tree DIR: it finds what builds it (a\n"
	"Makefile, with Kconfig or not, or CMakeLists.txt), the environment pin\n"
	"whose tool prefix the Makefile names (CROSS_COMPILE), the target, a\n"
	"version the versioning policy accepts, the steps and the outputs (the\n"
	"Makefile's file targets that look like artifacts).  The recipe is written\n"
	"to RECIPE, which must not exist yet and must be in DIR or a directory\n"
	"above it (a recipe's source is below it), else printed on stdout (DIR\n"
	"then relative to the current directory).  Advice on what to check goes\n"
	"to stderr: build paths the Makefile does not map, the configuration\n"
	"chosen, where the date came from.\n"
	"\n"
	"  -o, --output RECIPE     where to write the recipe\n"
	"      --trial             build once in the sandbox, as 'lockstep build'\n"
	"                          would, and list as outputs the artifacts the build\n"
	"                          produced (ELF programs and libraries, archives,\n"
	"                          images not in the source)\n"
	"  -e, --environment NAME  the environment pin to use instead of the one\n"
	"                          found by the tool prefix\n"
	"  -q, --quiet             no progress lines and no advice\n"
	"\n"
	"Then: lockstep build RECIPE, and lockstep check RECIPE to see whether it\n"
	"reproduces (docs/recipe.md, \"Writing a recipe that reproduces\").\n"
	"\n"
	"exit status: 0 written, 2 error (nothing to build, no pin fits, the trial\n"
	"build failed, RECIPE exists).\n";

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "trial", no_argument, NULL, 't' },
		{ "environment", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scaffold s = SCAFFOLD_INIT;
	struct err e = ERR_INIT;
	const char *out = NULL, *environment = NULL;
	char *rdir = NULL, *text = NULL;
	int c, trial = 0, quiet = 0, ret = EXIT_ERR;

	opterr = 0; /* one line of ours, not getopt's and ours */
	while ((c = getopt_long(argc, argv, ":o:e:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 't':
			trial = 1;
			break;
		case 'e':
			environment = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case ':':
			return cli_usage_error("init", "\"%s\" needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("init", "\"%s\": unknown option", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("init", "expected exactly one DIR");
	if (out) {
		char *copy = xstrdup(out);
		rdir = xstrdup(dirname(copy));
		free(copy);
		/* Refused before anything is built, not after a long trial. */
		if (fs_exists(out)) {
			fprintf(stderr, "lockstep: %s: already exists, refusing to overwrite\n",
				out);
			goto out;
		}
	} else {
		rdir = xstrdup(".");
	}
	if (scaffold_propose(argv[optind], rdir, environment, &s, &e) < 0 ||
	    (trial && scaffold_trial(&s, quiet, &e) < 0)) {
		ret = cli_fail(&e);
		goto out;
	}
	if (!s.outputs.n) {
		fprintf(stderr,
			"lockstep: %s: found no file targets that look like artifacts in the "
			"build files: run with --trial to build once and list what the build "
			"produces\n",
			argv[optind]);
		goto out;
	}
	text = scaffold_recipe_json(&s);
	if (out && fs_write_new(out, text, strlen(text), 0644, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (!out)
		fputs(text, stdout);
	if (!quiet) {
		fprintf(stderr,
			"lockstep: init: %s builds with %s; environment %s; %zu output%s%s\n",
			argv[optind], s.system, s.environment, s.outputs.n,
			s.outputs.n == 1 ? "" : "s",
			trial ? " (from the trial build)"
			      : " (from the build files: --trial checks them)");
		for (size_t i = 0; i < s.notes.n; i++)
			fprintf(stderr, "lockstep: init: %s\n", s.notes.v[i]);
		if (out)
			fprintf(stderr, "lockstep: init: wrote %s; next: lockstep build %s\n", out,
				out);
	}
	ret = EXIT_OK;
out:
	scaffold_release(&s);
	free(rdir);
	free(text);
	return ret;
}
