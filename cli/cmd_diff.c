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
	"ELF sections, symbols, notes and DWARF strings; archive members and their\n"
	"metadata; text lines; other bytes.  Each difference carries a likely cause:\n"
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

int cmd_diff(int argc, char **argv)
{
	enum { O_JSON = 256, O_COLOR, O_FULL, O_LINES, O_MEM, O_TIMEOUT, O_SDE, O_BP, O_HOST, O_USER,
	       O_ITEMS, O_HTML };
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
		{ NULL, 0, NULL, 0 },
	};
	struct diff_options o = DIFF_OPTIONS_INIT;
	struct diff_report *r = NULL;
	struct strv bps = STRV_INIT;
	struct err e = ERR_INIT;
	const char *why = NULL, *env, *html = NULL;
	int json = 0, color = -1, opt, ret = EXIT_ERR;
	size_t lines = DIFF_REPORT_LINES;
	char *end;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage, stdout);
			ret = EXIT_OK;
			goto out;
		case O_JSON:
			json = 1;
			break;
		case O_HTML:
			if (!*optarg) {
				ret = cli_usage_error("diff", "--html: empty path");
				goto out;
			}
			html = optarg;
			break;
		case O_COLOR:
			if (!strcmp(optarg, "auto"))
				color = -1;
			else if (!strcmp(optarg, "always"))
				color = 1;
			else if (!strcmp(optarg, "never"))
				color = 0;
			else {
				ret = cli_usage_error("diff", "--color: \"%s\": want auto, always or never", optarg);
				goto out;
			}
			break;
		case O_FULL:
			o.full = 1;
			lines = 0;
			break;
		case O_LINES:
			lines = strtoul(optarg, &end, 10);
			if (*end || end == optarg || *optarg == '-') {
				ret = cli_usage_error("diff", "--max-report-lines: \"%s\": not a count", optarg);
				goto out;
			}
			break;
		case O_ITEMS:
			o.max_items = strtoul(optarg, &end, 10);
			if (*end || end == optarg || *optarg == '-' || !o.max_items) {
				ret = cli_usage_error("diff", "--max-items: \"%s\": not a count of at least 1", optarg);
				goto out;
			}
			break;
		case O_MEM:
			if (parse_size(optarg, &o.max_memory) < 0) {
				ret = cli_usage_error("diff", "--max-memory: \"%s\": not a size", optarg);
				goto out;
			}
			break;
		case O_TIMEOUT:
			o.timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(o.timeout > 0)) {
				ret = cli_usage_error("diff", "--timeout: \"%s\": not a positive number of seconds", optarg);
				goto out;
			}
			break;
		case O_SDE:
			if (clock_parse_epoch(optarg, &o.sde, "--sde", &e) < 0) {
				ret = cli_fail(&e);
				goto out;
			}
			o.have_sde = 1;
			break;
		case O_BP:
			if (!*optarg) {
				ret = cli_usage_error("diff", "--build-path: empty path");
				goto out;
			}
			strv_push(&bps, optarg);
			break;
		case O_HOST:
			o.hostname = optarg;
			break;
		case O_USER:
			o.username = optarg;
			break;
		default:
			ret = cli_usage_error("diff", "\"%s\": unknown option or missing value", argv[optind - 1]);
			goto out;
		}
	}
	if (argc - optind != 2) {
		ret = cli_usage_error("diff", "want two paths, A and B");
		goto out;
	}
	env = getenv("SOURCE_DATE_EPOCH");
	if (!o.have_sde && env && *env) {
		if (clock_parse_epoch(env, &o.sde, "environment", &e) < 0) {
			ret = cli_fail(&e);
			goto out;
		}
		o.have_sde = 1;
	}
	o.build_paths = (const char *const *)bps.v;
	o.n_build_paths = bps.n;
	if (diff_paths(argv[optind], argv[optind + 1], &o, &r, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (json) {
		char *s = diff_report_json(r);
		fputs(s, stdout);
		free(s);
	} else {
		diff_report_print_text(r, stdout, color < 0 ? cli_color(1) : color, lines);
	}
	if (html) {
		size_t len;
		char *page = diff_report_html(r, &len);
		int rc = fs_write_atomic(html, page, len, 0644, &e);

		free(page);
		if (rc < 0) {
			ret = cli_fail(&e);
			goto out;
		}
	}
	if (!diff_report_identical(r))
		ret = EXIT_NO;
	else if (diff_report_partial(r, &why)) {
		fprintf(stderr, "lockstep: diff: no difference found before a limit stopped the comparison (%s)\n",
			why);
		ret = EXIT_ERR;
	} else
		ret = EXIT_OK;
out:
	diff_report_free(r);
	strv_release(&bps);
	return ret;
}
