/* SPDX-License-Identifier: MIT */
/* `lockstep version`: lockstep's own version; `lockstep version check KIND
 * VERSION`: is VERSION a valid KIND version under the versioning policy
 * (compat/version-policy.json)? */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "versioning/version.h"

static const char usage[] =
	"usage: lockstep version check [--policy FILE] KIND VERSION\n"
	"\n"
	"Checks VERSION against the versioning policy for KIND: driver\n"
	"(vMAJOR.MINOR.PATCH), firmware (fwBOARD.REV.DATE with a real calendar\n"
	"date, e.g. fwB100.r12.20260112), microcode (uNNNN), or a kind the policy\n"
	"file adds.  The policy is --policy FILE, else $LOCKSTEP_POLICY, else\n"
	"BIN/../compat/version-policy.json (a build tree), else\n"
	"BIN/../share/lockstep/compat/version-policy.json (make install), else\n"
	"/usr/local/share/lockstep/compat/version-policy.json, else the built-in\n"
	"defaults (see docs/versioning.md).\n"
	"\n"
	"exit status: 0 valid, 1 not valid, 2 usage error or bad policy file.";

int cmd_version_check(int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char *policy = NULL, *pos[2];
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			policy = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("version check", "\"%s\": unknown option", argv[i]);
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			return cli_usage_error("version check", "too many arguments");
		}
	}
	if (npos != 2)
		return cli_usage_error("version check", "expected KIND and VERSION");
	if (policy && version_policy_load(policy, &e) < 0)
		return cli_fail(&e);
	/* A mismatch comes back as ERR_NO (exit 1); an unknown kind or a
	 * broken policy file as ERR_OP (exit 2). */
	if (version_check(pos[0], pos[1], &e) < 0)
		return cli_fail(&e);
	printf("%s version \"%s\": ok (%s)\n", pos[0], pos[1], version_policy_source());
	return EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		puts("usage: lockstep version\n       lockstep version check KIND VERSION\n\n"
		     "Prints lockstep's version, or checks VERSION against the versioning\n"
		     "policy (see 'lockstep version check --help').");
		return EXIT_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "check"))
		return cmd_version_check(argc - 1, argv + 1);
	printf("lockstep %s\n", LOCKSTEP_VERSION);
	return EXIT_OK;
}
