/* SPDX-License-Identifier: MIT */
/* lockstep digest FILE...: sha256 as lockstep computes it for subjects. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/digest.h"

static const char usage[] =
	"usage: lockstep digest FILE...\n"
	"\n"
	"Prints the sha256 of each regular FILE the way provenance subjects are\n"
	"computed (symlinks refused), one \"HEX  NAME\" line each, as sha256sum does.\n"
	"\n"
	"exit status: 0 all hashed, 2 error.\n";

int cmd_digest(int argc, char **argv)
{
	int ret = EXIT_OK;

	if (argc < 2)
		return cli_usage_error("digest", "expected at least one FILE");
	if (cli_is_help(argv[1])) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		char hex[DIGEST_HEX_LEN + 1];
		struct err e = ERR_INIT;

		if (digest_file(argv[i], hex, &e) < 0)
			ret = cli_fail(&e);
		else
			printf("%s  %s\n", hex, argv[i]);
	}
	return ret;
}
