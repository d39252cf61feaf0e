/* SPDX-License-Identifier: MIT */
/* The helpers every subcommand file shares (cli/cli.h): one error line and
 * its exit code, the usage and bad-option lines, --help, --json printing,
 * and whether output is coloured. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/digest.h"
#include "core/json.h"

int cli_fail(const struct err *e)
{
	fprintf(stderr, "lockstep: %s\n", e->msg[0] ? e->msg : "unknown error");
	return e->kind == ERR_NO ? EXIT_NO : EXIT_ERR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lockstep: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'lockstep %s --help')\n", cmd);
	return EXIT_ERR;
}

int cli_bad_option(const char *cmd, char *const *argv, const char *optstring)
{
	const char *arg = argv[optind - 1];
	const char *eq;

	/* A long option: getopt leaves optopt 0 when it is unknown and sets
	 * it to the option's value when its argument is missing. */
	if (arg && !strncmp(arg, "--", 2)) {
		eq = strchr(arg, '=');
		if (!optopt)
			return cli_usage_error(cmd, "\"%.*s\": unknown option",
					       (int)(eq ? eq - arg : (long)strlen(arg)), arg);
		return cli_usage_error(cmd, "\"%s\": missing its value", arg);
	}
	if (optopt && optopt != ':' && strchr(optstring, optopt))
		return cli_usage_error(cmd, "\"-%c\": missing its value", optopt);
	return cli_usage_error(cmd, "\"-%c\": unknown option", optopt ? optopt : '?');
}

int cli_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

void cli_json_file(cJSON *o, const char *key, const char *path)
{
	cJSON *f = cJSON_AddObjectToObject(o, key);
	struct err e = ERR_INIT;
	char hex[DIGEST_HEX_LEN + 1];

	json_add_str(f, "file", path);
	if (digest_file(path, hex, &e) == 0)
		json_add_str(f, "sha256", hex);
}

void cli_json_print(cJSON *o)
{
	char *s = json_print(o);

	fputs(s, stdout);
	free(s);
	cJSON_Delete(o);
}

int cli_color(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fd) && !(no && *no) && !(term && !strcmp(term, "dumb"));
}
