/* SPDX-License-Identifier: MIT */
/* lockstep ci github|gitlab RECIPE: a CI workflow that builds the recipe's
 * matrix in shards, verifies each shard on other runners with their own
 * keys, and gates publication on k-of-n agreement (docs/ci.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/matrix.h"
#include "builder/recipe.h"
#include "cli/cli.h"
#include "core/fs.h"
#include "pipelines/workflow.h"

static const char usage[] =
	"usage: lockstep ci github RECIPE [OPTIONS]\n"
	"       lockstep ci gitlab RECIPE [OPTIONS]\n"
	"\n"
	"Prints a ready CI workflow for the repository holding RECIPE (give its\n"
	"path from the repository root, and run from there): a GitHub Actions\n"
	"workflow (.github/workflows/lockstep.yml) or a GitLab CI pipeline\n"
	"(.gitlab-ci.yml).  See 'lockstep ci github --help', docs/ci.md.\n"
	"\n"
	"exit status: 0 printed, 2 error.\n";

static const char engine_usage[] =
	"usage: lockstep ci %s RECIPE [--shards N] [--require K]\n"
	"                 [--build-runner LABEL] [--verify-runner LABEL]...\n"
	"                 [--gate-runner LABEL] [--pubkeys DIR] [--config FILE]\n"
	"                 [-o FILE] [--json]\n"
	"       lockstep ci %s RECIPE --script ROLE [--shards N] [--require K]\n"
	"                 [--pubkeys DIR] [-o FILE]\n"
	"\n"
	"Prints a %s with three jobs:\n"
	"  build   one job per shard (%s) runs 'lockstep build RECIPE\n"
	"          --shard I/N' on the build runner and keeps the outputs;\n"
	"  verify  for every shard and every verifier, a job on that verifier's\n"
	"          runner rebuilds each cell from its provenance ('lockstep verify')\n"
	"          and signs a verification summary with the verifier's own key,\n"
	"          the %s%s;\n"
	"  gate    merges the summaries ('lockstep attest merge') and publishes\n"
	"          only when K distinct keys from --pubkeys agree on every cell\n"
	"          ('lockstep attest agree --require K'); signs the merged summary\n"
	"          with the gate's own key, the " WORKFLOW_GATE_KEY " %s.\n"
	"Every job first installs the lockstep release the configuration pins\n"
	"(downloaded, used only when its sha256 matches, and its --version must\n"
	"be the pinned one)%s.\n"
	"\n"
	"  --shards N            build jobs (default: one per cell; 1 without a\n"
	"                        matrix); more shards than cells is an error, and\n"
	"                        so is more than 50 on GitLab (its cap on needs)\n"
	"  --require K           keys that must agree (default: 2, or 1 with a\n"
	"                        single verifier); at most the number of verifiers\n"
	"  --build-runner LABEL  the build runner's label (default: lockstep-build)\n"
	"  --verify-runner LABEL one verifier per label, each on its own runner,\n"
	"                        never the build runner (repeatable; default:\n"
	"                        lockstep-verify-1 and lockstep-verify-2)\n"
	"  --gate-runner LABEL   the gate's runner label (default: lockstep-gate)\n"
	"  --pubkeys DIR         the trusted public keys, a directory in the\n"
	"                        repository (default: " WORKFLOW_DEFAULT_PUBKEYS ")\n"
	"  --config FILE         the CI configuration in the repository (default:\n"
	"                        " WORKFLOW_DEFAULT_CONFIG "): {\"lockstep\": {\"version\",\n"
	"                        \"url\", \"sha256\"}, \"actions\": {NAME: {\"commit\",\n"
	"                        \"tag\"}}} (docs/ci.md)\n"
	"  --script ROLE         print only the shell script of one role (install,\n"
	"                        build, verify, gate) as the workflow runs it; for\n"
	"                        the composite action and the GitLab component\n"
	"  -o, --output FILE     write the workflow to FILE (atomically) instead\n"
	"                        of printing it\n"
	"  --json                print the workflow as JSON, as libyaml reads it back\n"
	"\n"
	"The workflow is parsed back with libyaml before it is printed.  It lists\n"
	"the recipe's cells: regenerate it when the matrix changes.\n"
	"\n"
	"exit status: 0 printed, 2 error (bad recipe or option).\n";

static void print_engine_usage(const char *engine)
{
	int gh = !strcmp(engine, "github");

	printf(engine_usage, engine, engine, gh ? "GitHub Actions workflow" : "GitLab CI pipeline",
	       gh ? "a strategy.matrix" : "a parallel:matrix", WORKFLOW_KEY_PREFIX,
	       gh ? "<N> secret"
		  : "<N> file variable\n          (environment scope lockstep-verifier-<N>)",
	       gh ? "secret"
		  : "file variable\n          (environment scope " WORKFLOW_GITLAB_GATE_ENV ")",
	       gh ? ", and every third-party action runs at the\ncommit the configuration pins"
		  : "");
}

static int parse_count(const char *cmd, const char *opt, const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || v > 1000000)
		return cli_usage_error(cmd, "%s \"%s\": expected a whole number", opt, s);
	*out = (unsigned)v;
	return 0;
}

/* Reads the recipe's name and cells into w. */
static int setup(struct workflow *w, const char *recipe_path, struct err *e)
{
	struct recipe r;
	int ret = -1;

	if (recipe_load(recipe_path, &r, e) < 0 || matrix_cells(&r, &w->cells, e) < 0)
		goto out;
	w->name = xstrdup(r.name);
	ret = 0;
out:
	recipe_release(&r);
	return ret;
}

/* --script ROLE: the one script, as the workflow embeds it. */
static int print_script(const struct workflow *w, enum workflow_engine engine, const char *cmd,
			const char *role, const char *out)
{
	struct err e = ERR_INIT;
	char *text;
	int rc = EXIT_OK;

	if (workflow_check_scripts(w, &e) < 0)
		return cli_fail(&e);
	text = workflow_role_script(w, engine, role);
	if (!text)
		return cli_usage_error(
			cmd, "--script \"%s\": unknown role (install, build, verify or gate)",
			role);
	if (out) {
		if (fs_write_atomic(out, text, strlen(text), 0644, &e) < 0)
			rc = cli_fail(&e);
	} else {
		fputs(text, stdout);
	}
	free(text);
	return rc;
}

int cmd_ci(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shards", required_argument, NULL, 's' },
		{ "require", required_argument, NULL, 'k' },
		{ "build-runner", required_argument, NULL, 'b' },
		{ "verify-runner", required_argument, NULL, 'v' },
		{ "gate-runner", required_argument, NULL, 'g' },
		{ "pubkeys", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "script", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct workflow w;
	struct err e = ERR_INIT;
	enum workflow_engine engine;
	const char *out = NULL, *build_runner = WORKFLOW_DEFAULT_BUILD_RUNNER;
	const char *gate_runner = WORKFLOW_DEFAULT_GATE_RUNNER, *pubkeys = WORKFLOW_DEFAULT_PUBKEYS;
	const char *config = WORKFLOW_DEFAULT_CONFIG, *role = NULL;
	unsigned shards = 0, require = 0;
	int c, json = 0, have_shards = 0, have_require = 0, rc = EXIT_ERR;
	char cmd[32], *text = NULL;
	size_t len = 0;
	cJSON *tree = NULL;

	workflow_init(&w);
	if (argc < 2)
		return cli_usage_error("ci", "expected an engine: github or gitlab");
	if (cli_is_help(argv[1])) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (workflow_engine_find(argv[1], &engine) < 0)
		return cli_usage_error("ci", "\"%s\": unknown engine (github or gitlab)", argv[1]);
	snprintf(cmd, sizeof(cmd), "ci %s", argv[1]);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_count(cmd, "--shards", optarg, &shards))
				goto done;
			have_shards = 1;
			break;
		case 'k':
			if (parse_count(cmd, "--require", optarg, &require))
				goto done;
			have_require = 1;
			break;
		case 'b':
			build_runner = optarg;
			break;
		case 'v':
			strv_push(&w.verify_runners, optarg);
			break;
		case 'g':
			gate_runner = optarg;
			break;
		case 'p':
			pubkeys = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			print_engine_usage(argv[0]);
			rc = EXIT_OK;
			goto done;
		default:
			rc = cli_bad_option(cmd, argv, "o:h");
			goto done;
		}
	}
	if (optind + 1 != argc) {
		rc = cli_usage_error(cmd, optind == argc ? "expected RECIPE"
							 : "expected exactly one RECIPE");
		goto done;
	}
	w.recipe = xstrdup(argv[optind]);
	w.build_runner = xstrdup(build_runner);
	w.gate_runner = xstrdup(gate_runner);
	w.pubkeys = xstrdup(pubkeys);
	if (!w.verify_runners.n) {
		strv_push(&w.verify_runners, "lockstep-verify-1");
		strv_push(&w.verify_runners, "lockstep-verify-2");
	}
	if (role && json) {
		rc = cli_usage_error(cmd,
				     "--script prints a shell script, not JSON: give one of them");
		goto done;
	}
	if (setup(&w, w.recipe, &e) < 0)
		goto fail;
	w.shards = have_shards ? shards : (w.cells.n ? (unsigned)w.cells.n : 1);
	w.require = have_require ? require : (w.verify_runners.n >= 2 ? 2 : 1);
	if (role) {
		rc = print_script(&w, engine, cmd, role, out);
		goto done;
	}
	if (workflow_config_load(&w, config, engine, &e) < 0 ||
	    workflow_emit(&w, engine, &text, &len, json ? &tree : NULL, &e) < 0)
		goto fail;
	if (out && fs_write_atomic(out, text, len, 0644, &e) < 0)
		goto fail;
	if (json) {
		cli_json_print(tree);
		tree = NULL;
	} else if (!out) {
		fwrite(text, 1, len, stdout);
	}
	rc = EXIT_OK;
	goto done;
fail:
	rc = cli_fail(&e);
done:
	cJSON_Delete(tree);
	free(text);
	workflow_release(&w);
	return rc;
}
