/* SPDX-License-Identifier: MIT */
/* lockstep's entry point: the command table and the dispatch to one small
 * file per subcommand (cli/cmd_*.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/suggest.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Ordered as `lockstep help` lists them: the main job first. */
static const struct command commands[] = {
	{ "build", cmd_build, "build a recipe in the sandbox and record its provenance" },
	{ "verify", cmd_verify, "rebuild from a provenance record and compare byte for byte" },
	{ "release", cmd_release,
	  "build, rebuild independently, then sign and bundle (the release gate)" },
	{ "audit", cmd_audit, "check a release bundle's signatures and digests, and rebuild it" },
	{ "attest", cmd_attest,
	  "k-of-n agreement of rebuilders' signed summaries; merge them into one" },
	{ "init", cmd_init,
	  "propose a recipe for an existing source tree (Makefile, Kconfig, CMake)" },
	{ "check", cmd_check,
	  "build under deliberate variations and name what breaks reproducibility" },
	{ "diff", cmd_diff, "compare two artifacts structurally and name the likely cause" },
	{ "keygen", cmd_keygen, "generate a signing key pair (ed25519 or ecdsa-p256)" },
	{ "sign", cmd_sign, "sign an in-toto statement as a DSSE envelope (and sigstore bundle)" },
	{ "verify-signature", cmd_verify_signature,
	  "check a DSSE envelope or sigstore bundle with a public key" },
	{ "env", cmd_env, "environment pins: list, show, verify, fetch, pin, export, import" },
	{ "toolchain", cmd_env, "the same as env (its older name)" },
	{ "digest", cmd_digest, "print the sha256 of files as lockstep computes subjects" },
	{ "sandbox", cmd_sandbox, "run a command in the build sandbox (debugging recipes)" },
	{ "version", cmd_version, "print lockstep's version" },
	{ "abi-diff", cmd_abi_diff,
	  "the ABI change between two driver library builds and its bump" },
	{ "compat", cmd_compat, "validate, sign, query, diff and render compatibility manifests" },
	{ "ci", cmd_ci,
	  "print a CI workflow (GitHub, GitLab): sharded builds, independent verifiers, k-of-n gate" },
	{ "drop", cmd_drop, "create and verify integration drops: signed bundles plus a manifest" },
	{ "help", cmd_help, "list the commands, or show one command's help" },
};

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1 && !cli_is_help(argv[1])) {
		const struct command *c = find(argv[1]);
		char help[] = "--help";
		char *sub[] = { argv[1], help, NULL };
		if (!c)
			return cli_usage_error("help", "\"%s\": no such command", argv[1]);
		return c->fn(2, sub);
	}
	puts("usage: lockstep [--version] [--help] COMMAND [ARGS]\n\ncommands:");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-18s %s\n", commands[i].name, commands[i].summary);
	puts("\nexit status: 0 yes, 1 no (not reproducible, bad signature, incompatible),"
	     " 2 usage or operational error.\n'lockstep COMMAND --help' shows one command.");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Every command reports a bad option in one line of its own
	 * (cli_bad_option), never getopt's line and then ours. */
	opterr = 0;
	cleanup_init();
	/* No command at all is a usage error (exit 2) that shows the list;
	 * asking for it is not.  The same as compat, drop and env without a
	 * subcommand. */
	if (argc < 2 || cli_is_help(argv[1])) {
		cmd_help(1, argv);
		return argc < 2 ? EXIT_ERR : EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv);
	c = find(argv[1]);
	if (!c) {
		const char *names[sizeof(commands) / sizeof(commands[0])], *near;
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			names[i] = commands[i].name;
		near = suggest_closest(argv[1], names, sizeof(names) / sizeof(names[0]));
		if (near)
			fprintf(stderr,
				"lockstep: \"%s\" is not a command; did you mean \"%s\"? (see 'lockstep help')\n",
				argv[1], near);
		else
			fprintf(stderr, "lockstep: \"%s\" is not a command (see 'lockstep help')\n",
				argv[1]);
		return EXIT_ERR;
	}
	return c->fn(argc - 1, argv + 1);
}
