/* SPDX-License-Identifier: MIT */
/* `lockstep diff A B`: structure-aware comparison of two artifacts with a
 * likely cause for each difference. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/fs.h"
#include "diff/diff.h"

#define DIFF_REPORT_LINES 190 /* a report a person reads in a minute */

static const char usage[] =
	"usage: lockstep diff [OPTIONS] A B\n"
	"\n"
	"Compares two files or two directories (by relative path) structurally:\n"
	"ELF sections, symbols, notes, .modinfo and DWARF strings; archive and\n"
	"squashfs members and their metadata; PE/COFF, uImage, device tree headers;\n"
	"Intel HEX and S-record bytes by address; text lines; other bytes.  Each\n"
	"difference carries a likely cause:\n"
	"timestamp, build-path, hostname, username, ordering, random, compiler,\n"
	"umask or content.\n"
	"\n"
	"options:\n"
	"  --json                 print the report as JSON (schema lockstep-diff/1)\n"
	"  --html FILE            also write the report as one self-contained HTML\n"
	"                         page to FILE (every difference kept, no script)\n"
	"  --color=WHEN           auto (default: on a terminal, unless NO_COLOR\n"
	"                         is set or TERM=dumb), always or never\n"
	"  --full                 every detail, no cap on report lines\n"
	"  --max-report-lines N   cap the text report (default 190)\n"
	"  --max-items N          differences kept, text and JSON (default 20000;\n"
	"                         --full 2000000); the rest counted: partial\n"
	"  --max-memory SIZE      archive members and DWARF strings held at once\n"
	"                         (e.g. 512M; default 1G); past it: partial\n"
	"  --timeout SECONDS      stop and report what was found so far\n"
	"  --sde N                the SOURCE_DATE_EPOCH of the builds (default: $SOURCE_DATE_EPOCH)\n"
	"  --build-path P         a build directory to recognise (repeatable)\n"
	"  --hostname H           the build host's name (default: this machine's)\n"
	"  --username U           the build user's name (default: this user's)\n"
	"  --symbols ELF          the ELF an Intel HEX or S-record image was made\n"
	"                         from: differing addresses named by symbol\n"
	"\n"
	"exit status: 0 identical, 1 different, 2 error (or nothing found before a limit).\n";

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned long long mul = 1;

	if (end == s || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v == 0 || v > (1ull << 50) / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* What the command line asked for, apart from the engine's options. */
struct diff_cli {
	struct diff_options o;
	struct strv build_paths; /* owned: o.build_paths points into it */
	const char *html;        /* borrowed from argv */
	int json, color;         /* color: -1 auto */
	size_t lines;
	const char *a, *b; /* borrowed from argv */
};

enum {
	O_JSON = 256,
	O_COLOR,
	O_FULL,
	O_LINES,
	O_MEM,
	O_TIMEOUT,
	O_SDE,
	O_BP,
	O_HOST,
	O_USER,
	O_ITEMS,
	O_HTML,
	O_SYMBOLS
};
static const struct option opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, O_JSON },
	{ "html", required_argument, NULL, O_HTML },
	{ "color", required_argument, NULL, O_COLOR },
	{ "colour", required_argument, NULL, O_COLOR },
	{ "full", no_argument, NULL, O_FULL },
	{ "max-report-lines", required_argument, NULL, O_LINES },
	{ "max-items", required_argument, NULL, O_ITEMS },
	{ "max-memory", required_argument, NULL, O_MEM },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "sde", required_argument, NULL, O_SDE },
	{ "build-path", required_argument, NULL, O_BP },
	{ "hostname", required_argument, NULL, O_HOST },
	{ "username", required_argument, NULL, O_USER },
	{ "symbols", required_argument, NULL, O_SYMBOLS },
	{ NULL, 0, NULL, 0 },
};

/* One option into d.  Returns -1 to go on, else the exit code (--help:
 * EXIT_OK, a bad value: the usage error's). */
static int parse_option(struct diff_cli *d, int opt, char **argv)
{
	struct err e = ERR_INIT;
	char *end;

	switch (opt) {
	case 'h':
		fputs(usage, stdout);
		return EXIT_OK;
	case O_JSON:
		d->json = 1;
		return -1;
	case O_HTML:
		if (!*optarg)
			return cli_usage_error("diff", "--html: empty path");
		d->html = optarg;
		return -1;
	case O_COLOR:
		if (!strcmp(optarg, "auto"))
			d->color = -1;
		else if (!strcmp(optarg, "always"))
			d->color = 1;
		else if (!strcmp(optarg, "never"))
			d->color = 0;
		else
			return cli_usage_error("diff",
					       "--color: \"%s\": want auto, always or never",
					       optarg);
		return -1;
	case O_FULL:
		d->o.full = 1;
		d->lines = 0;
		return -1;
	case O_LINES:
		d->lines = strtoul(optarg, &end, 10);
		if (*end || end == optarg || *optarg == '-')
			return cli_usage_error("diff", "--max-report-lines: \"%s\": not a count",
					       optarg);
		return -1;
	case O_ITEMS:
		d->o.max_items = strtoul(optarg, &end, 10);
		if (*end || end == optarg || *optarg == '-' || !d->o.max_items)
			return cli_usage_error("diff",
					       "--max-items: \"%s\": not a count of at least 1",
					       optarg);
		return -1;
	case O_MEM:
		if (parse_size(optarg, &d->o.max_memory) < 0)
			return cli_usage_error("diff", "--max-memory: \"%s\": not a size", optarg);
		return -1;
	case O_TIMEOUT:
		d->o.timeout = strtod(optarg, &end);
		if (*end || end == optarg || !(d->o.timeout > 0))
			return cli_usage_error(
				"diff", "--timeout: \"%s\": not a positive number of seconds",
				optarg);
		return -1;
	case O_SDE:
		if (clock_parse_epoch(optarg, &d->o.sde, "--sde", &e) < 0)
			return cli_fail(&e);
		d->o.have_sde = 1;
		return -1;
	case O_BP:
		if (!*optarg)
			return cli_usage_error("diff", "--build-path: empty path");
		strv_push(&d->build_paths, optarg);
		return -1;
	case O_HOST:
		d->o.hostname = optarg;
		return -1;
	case O_USER:
		d->o.username = optarg;
		return -1;
	case O_SYMBOLS:
		if (!*optarg)
			return cli_usage_error("diff", "--symbols: empty path");
		d->o.symbols = optarg;
		return -1;
	default:
		return cli_usage_error("diff", "\"%s\": unknown option or missing value",
				       argv[optind - 1]);
	}
}

/* The command line into d; -1 to go on, else the exit code. */
static int parse_args(struct diff_cli *d, int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char *env;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if ((rc = parse_option(d, opt, argv)) >= 0)
			return rc;
	if (argc - optind != 2)
		return cli_usage_error("diff", "want two paths, A and B");
	d->a = argv[optind];
	d->b = argv[optind + 1];
	env = getenv("SOURCE_DATE_EPOCH");
	if (!d->o.have_sde && env && *env) {
		if (clock_parse_epoch(env, &d->o.sde, "environment", &e) < 0)
			return cli_fail(&e);
		d->o.have_sde = 1;
	}
	d->o.build_paths = (const char *const *)d->build_paths.v;
	d->o.n_build_paths = d->build_paths.n;
	return -1;
}

/* The report on stdout (text or JSON) and, asked for, as an HTML page. */
static int print_report(const struct diff_cli *d, const struct diff_report *r, struct err *e)
{
	if (d->json) {
		char *s = diff_report_json(r);
		fputs(s, stdout);
		free(s);
	} else {
		diff_report_print_text(r, stdout, d->color < 0 ? cli_color(1) : d->color, d->lines);
	}
	if (d->html) {
		size_t len;
		char *page = diff_report_html(r, &len);
		int rc = fs_write_atomic(d->html, page, len, 0644, e);

		free(page);
		return rc;
	}
	return 0;
}

/* 0 identical, 1 different; 2 when a limit stopped it before anything
 * was found (an answer "identical" it cannot give). */
static int exit_code(const struct diff_report *r)
{
	const char *why = NULL;

	if (!diff_report_identical(r))
		return EXIT_NO;
	if (diff_report_partial(r, &why)) {
		fprintf(stderr,
			"lockstep: diff: no difference found before a limit stopped the comparison (%s)\n",
			why);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_cli d = { DIFF_OPTIONS_INIT, STRV_INIT, NULL, 0, -1,
			      DIFF_REPORT_LINES, NULL,      NULL };
	struct diff_report *r = NULL;
	struct err e = ERR_INIT;
	int ret;

	if ((ret = parse_args(&d, argc, argv)) >= 0)
		goto out;
	if (diff_paths(d.a, d.b, &d.o, &r, &e) < 0 || print_report(&d, r, &e) < 0)
		ret = cli_fail(&e);
	else
		ret = exit_code(r);
out:
	diff_report_free(r);
	strv_release(&d.build_paths);
	return ret;
}
