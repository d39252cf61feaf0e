/* SPDX-License-Identifier: MIT */
/* `lockstep check RECIPE`: builds under deliberate variations and names
 * the variations that change the artifacts. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder/matrix.h"
#include "builder/recipe.h"
#include "cli/cli.h"
#include "verifier/check.h"

static const char usage[] =
	"usage: lockstep check [OPTIONS] [--cell SEL] RECIPE\n"
	"\n"
	"Builds RECIPE once as a control and once with every variation applied; when\n"
	"the artifacts differ, bisects the variations (deterministically, independent\n"
	"builds in parallel) and names each responsible one with the diff's likely\n"
	"cause.\n"
	"\n"
	"variations: time, host-path, build-path, hostname, user, env, tz, locale,\n"
	"umask, file-order, cpus, kernel, aslr, sde.  Default: time, host-path,\n"
	"file-order, cpus, kernel, aslr\n"
	"(what differs between two machines even inside the sandbox).\n"
	"\n"
	"options:\n"
	"  --strict           also vary what the sandbox pins: build-path, hostname,\n"
	"                     user, env, tz, locale, umask, sde (SOURCE_DATE_EPOCH\n"
	"                     unset)\n"
	"  --vary=SPEC        adjust the set: +all, -kernel, tz (comma-separated)\n"
	"  --rounds N         identical control builds (default 2); when they differ\n"
	"                     the build is flaky and no variation is blamed\n"
	"  --jobs N           builds at once (default and most: the CPUs)\n"
	"  --raw              compare the outputs as the steps wrote them, before\n"
	"                     lockstep build normalizes archives (member order,\n"
	"                     times, owners, modes) and file modes: would a tool\n"
	"                     that does not normalize reproduce them too?\n"
	"  --keep DIR         keep the control build in DIR/control and, for each\n"
	"                     culprit, the build it differs from in DIR/VARIATION\n"
	"                     (flaky: DIR/control-round-N), to run lockstep diff on\n"
	"  --cell SEL         for a matrix recipe (required there): the cell to\n"
	"                     check, e.g. board=virt,march=rv64gc\n"
	"  --json             print the report as JSON (schema lockstep-check/1)\n"
	"  -q, --quiet        no progress lines\n"
	"\n"
	"exit status: 0 reproducible under every variation applied, 1 not\n"
	"reproducible or flaky, 2 error.\n";

/* One finding; raw: one of the raw-only class, its files under
 * CHECK_RAW_DIR in the kept builds. */
static void print_culprit(const struct check_result *res, const struct check_culprit *c, int raw)
{
	const char *sub = raw ? "lockstep-raw/" : "";

	if (c->var < CHECK_NVARS)
		printf("%s: %s: %s differs, hint %s (%s)\n", raw ? "raw-only" : "culprit",
		       check_var_name(c->var), c->artifact, c->hint, res->notes[c->var]);
	else
		printf("%s: %s differs, hint %s\n", raw ? "raw-only: at fixed settings" : "flaky",
		       c->artifact, c->hint);
	if (c->differing.n > 1) {
		printf("  also differ:");
		for (size_t k = 1; k < c->differing.n; k++)
			printf(" %s", c->differing.v[k]);
		printf("\n");
	}
	fputs(c->detail, stdout);
	if (c->dir_a && c->dir_b)
		printf("kept: lockstep diff %s/%s%s %s/%s%s\n", c->dir_a, sub, c->artifact,
		       c->dir_b, sub, c->artifact);
}

static void print_text(const struct check_result *res)
{
	unsigned v;
	int first = 1;

	for (v = 0; v < CHECK_NVARS; v++)
		if (res->not_applied & 1u << v)
			printf("not applied: %s: %s\n", check_var_name(v), res->why_not[v]);
	if (res->raw)
		printf("compared: the outputs as the steps wrote them (--raw, not normalized)\n");
	/* A verdict is only as wide as what was varied: say what was not. */
	if (res->not_tried) {
		printf("not tried (--strict or --vary adds them):");
		first = 1;
		for (v = 0; v < CHECK_NVARS; v++)
			if (res->not_tried & 1u << v)
				printf("%s%s", first ? " " : ", ", check_var_name(v)), first = 0;
		printf("\n");
		first = 1;
	}
	if (res->verdict == CHECK_REPRODUCIBLE) {
		printf("reproducible under:");
		for (v = 0; v < CHECK_NVARS; v++)
			if (res->applied & 1u << v)
				printf("%s%s", first ? " " : ", ", check_var_name(v)), first = 0;
		printf(" (%u build%s, %.1fs)\n", res->builds, res->builds == 1 ? "" : "s",
		       res->elapsed);
	} else if (res->verdict == CHECK_FLAKY && res->nculprits && res->culprits[0].all_varied) {
		printf("flaky: the all-varied build differs but no variation alone changes "
		       "the output, and the control rounds agree (races or randomness); no "
		       "variation blamed (%u build%s, %.1fs)\n",
		       res->builds, res->builds == 1 ? "" : "s", res->elapsed);
	} else if (res->verdict == CHECK_FLAKY) {
		printf("flaky: identical control builds differ (races or randomness); "
		       "no variation blamed (%u build%s, %.1fs)\n",
		       res->builds, res->builds == 1 ? "" : "s", res->elapsed);
	} else {
		printf("not reproducible (%u build%s, %.1fs)\n", res->builds,
		       res->builds == 1 ? "" : "s", res->elapsed);
	}
	for (size_t i = 0; i < res->nculprits; i++)
		print_culprit(res, &res->culprits[i], 0);
	if (!res->nraw_only)
		return;
	/* What another tool, one that does not normalize, would see. */
	printf("%s:", res->verdict == CHECK_REPRODUCIBLE
			      ? "reproducible with lockstep's normalization; differs without it"
			      : "also differs without lockstep's normalization");
	for (size_t i = 0; i < res->nraw_only; i++)
		printf("%s%s", i ? ", " : " ",
		       res->raw_only[i].var < CHECK_NVARS ? check_var_name(res->raw_only[i].var)
							  : "at fixed settings (flaky)");
	printf("\n");
	for (size_t i = 0; i < res->nraw_only; i++)
		print_culprit(res, &res->raw_only[i], 1);
}

int cmd_check(int argc, char **argv)
{
	enum { O_STRICT = 256, O_VARY, O_ROUNDS, O_JOBS, O_JSON, O_KEEP, O_CELL, O_RAW };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "vary", required_argument, NULL, O_VARY },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "json", no_argument, NULL, O_JSON },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "cell", required_argument, NULL, O_CELL },
		{ "raw", no_argument, NULL, O_RAW },
		{ NULL, 0, NULL, 0 },
	};
	struct check_options o = { .rounds = 2 };
	struct check_result res = { 0 };
	struct recipe r = { 0 };
	struct err e = ERR_INIT;
	struct strv specs = STRV_INIT;
	const char *cell = NULL;
	int json = 0, strict = 0, opt, ret = EXIT_ERR;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;

	optind = 1;
	opterr = 0;
	/* A closed output makes writes fail (EPIPE) instead of killing check
	 * before it removes its directories; the builds get SIGPIPE back
	 * (the sandbox resets it). */
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage, stdout);
			ret = EXIT_OK;
			goto out;
		case 'q':
			o.quiet = 1;
			break;
		case O_STRICT:
			strict = 1;
			break;
		case O_VARY:
			strv_push(&specs, optarg);
			break;
		case O_ROUNDS:
		case O_JOBS: {
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || end == optarg || *optarg == '-' || n < 1 || n > 32) {
				ret = cli_usage_error("check", "--%s: \"%s\": want 1 to 32",
						      opt == O_ROUNDS ? "rounds" : "jobs", optarg);
				goto out;
			}
			*(opt == O_ROUNDS ? &o.rounds : &o.jobs) = (unsigned)n;
			break;
		}
		case O_JSON:
			json = 1;
			break;
		case O_KEEP:
			o.keep_dir = optarg;
			break;
		case O_CELL:
			cell = optarg;
			break;
		case O_RAW:
			o.raw = 1;
			break;
		default:
			ret = cli_usage_error("check", "unknown option \"%s\"", argv[optind - 1]);
			goto out;
		}
	}
	if (argc - optind != 1) {
		ret = cli_usage_error("check", "want one RECIPE");
		goto out;
	}
	o.mask = check_default_mask(strict);
	for (size_t i = 0; i < specs.n; i++)
		if (check_parse_vary(specs.v[i], &o.mask, &e) < 0) {
			ret = cli_usage_error("check", "%s", e.msg);
			goto out;
		}
	if (!o.mask) {
		ret = cli_usage_error("check", "--vary: nothing left to vary: check would compare "
					       "identical builds");
		goto out;
	}
	/* Independent builds in parallel on the cores there are. */
	if (!o.jobs)
		o.jobs = ncpu >= 1 ? (unsigned)(ncpu < 32 ? ncpu : 32) : 1;
	if (ncpu >= 1 && o.jobs > (unsigned)ncpu)
		o.jobs = (unsigned)ncpu;
	/* A matrix recipe is checked one cell at a time: without the cell's
	 * values the build would not be any build the matrix makes. */
	if (recipe_load(argv[optind], &r, &e) < 0 ||
	    (cell && recipe_select_cell(&r, cell, &e) < 0) ||
	    (r.naxes && !r.cell &&
	     err_set(&e,
		     "%s: the recipe has a \"matrix\": check one cell with --cell SEL "
		     "(lockstep build --list shows them)",
		     r.file) < 0) ||
	    check_run(&r, &o, &res, &e) < 0) {
		/* A script reading --json gets an answer it can parse. */
		if (json) {
			char *s = check_error_json(&r, e.msg);

			puts(s);
			free(s);
		}
		ret = cli_fail(&e);
		goto out;
	}
	if (json) {
		char *s = check_result_json(&r, &res);

		puts(s);
		free(s);
	} else {
		print_text(&res);
	}
	ret = res.verdict == CHECK_REPRODUCIBLE ? EXIT_OK : EXIT_NO;
out:
	check_result_release(&res);
	recipe_release(&r);
	strv_release(&specs);
	return ret;
}
