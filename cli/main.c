/* SPDX-License-Identifier: MIT */
/* lockstep's entry point: the command table and the dispatch to one small
 * file per subcommand (cli/cmd_*.c). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json.h"
#include "core/suggest.h"
#include "core/workdir.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Ordered as `lockstep help` lists them: the main job first. */
static const struct command commands[] = {
	{ "build", cmd_build, "build a recipe in the sandbox and record its provenance" },
	{ "verify", cmd_verify, "rebuild from a provenance record and compare byte for byte" },
	{ "release", cmd_release, "build, rebuild independently, then sign and bundle (the release gate)" },
	{ "audit", cmd_audit, "check a release bundle's signatures and digests, and rebuild it" },
	{ "attest", cmd_attest, "k-of-n agreement of rebuilders' signed summaries; merge them into one" },
	{ "init", cmd_init, "propose a recipe for an existing source tree (Makefile, Kconfig, CMake)" },
	{ "check", cmd_check, "build under deliberate variations and name what breaks reproducibility" },
	{ "diff", cmd_diff, "compare two artifacts structurally and name the likely cause" },
	{ "keygen", cmd_keygen, "generate a signing key pair (ed25519 or ecdsa-p256)" },
	{ "sign", cmd_sign, "sign an in-toto statement as a DSSE envelope (and sigstore bundle)" },
	{ "verify-signature", cmd_verify_signature, "check a DSSE envelope or sigstore bundle with a public key" },
	{ "env", cmd_env, "environment pins: list, show, verify, fetch, pin, export, import" },
	{ "toolchain", cmd_env, "the same as env (its older name)" },
	{ "digest", cmd_digest, "print the sha256 of files as lockstep computes subjects" },
	{ "sandbox", cmd_sandbox, "run a command in the build sandbox (debugging recipes)" },
	{ "version", cmd_version, "print lockstep's version" },
	{ "abi-diff", cmd_abi_diff, "the ABI change between two driver library builds and its bump" },
	{ "compat", cmd_compat, "validate, sign, query, diff and render compatibility manifests" },
	{ "ci", cmd_ci, "print a CI workflow (GitHub, GitLab): sharded builds, independent verifiers, k-of-n gate" },
	{ "drop", cmd_drop, "create and verify integration drops: signed bundles plus a manifest" },
	{ "help", cmd_help, "list the commands, or show one command's help" },
};

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

void cli_json_file(cJSON *o, const char *key, const char *path)
{
	cJSON *f = cJSON_AddObjectToObject(o, key);
	struct err e = ERR_INIT;
	char hex[65];

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

int cli_is_tty(void)
{
	return isatty(2);
}

int cli_color(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fd) && !(no && *no) && !(term && !strcmp(term, "dumb"));
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
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

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
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
	/* What a killed lockstep left behind (its owner is gone) goes now. */
	workdir_sweep(workdir_base());
	workdir_sweep("/dev/shm");
	if (argc < 2)
		return cmd_help(1, argv) == EXIT_OK ? EXIT_ERR : EXIT_ERR;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	c = find(argv[1]);
	if (!c) {
		const char *names[sizeof(commands) / sizeof(commands[0])], *near;
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			names[i] = commands[i].name;
		near = suggest_closest(argv[1], names, sizeof(names) / sizeof(names[0]));
		if (near)
			fprintf(stderr, "lockstep: \"%s\" is not a command; did you mean \"%s\"? (see 'lockstep help')\n",
				argv[1], near);
		else
			fprintf(stderr, "lockstep: \"%s\" is not a command (see 'lockstep help')\n", argv[1]);
		return EXIT_ERR;
	}
	return c->fn(argc - 1, argv + 1);
}
