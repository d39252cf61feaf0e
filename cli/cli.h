/* SPDX-License-Identifier: MIT */
/* What every subcommand file shares: the exit codes, the helpers of
 * cli/cli.c (printing an error, usage lines, --help, --json), and the
 * prototypes of the command functions listed in cli/main.c. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include "core/err.h"

enum {
	EXIT_OK = 0, /* yes: reproducible, signature good, compatible */
	EXIT_NO = 1, /* the answer is no */
	EXIT_ERR = 2 /* usage or operational error */
};

/* Prints "lockstep: MSG" to stderr and returns the exit code for e's kind. */
int cli_fail(const struct err *e);
/* Prints "lockstep: CMD: MSG" plus a hint to run --help; returns EXIT_ERR. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For getopt's '?' (main sets opterr = 0, so getopt itself prints nothing):
 * one line naming the option, unknown or missing its value, then the
 * hint; optstring is the one given to getopt.  Returns EXIT_ERR. */
int cli_bad_option(const char *cmd, char *const *argv, const char *optstring);
/* 1 when arg asks for help: "--help" or "-h". */
int cli_is_help(const char *arg);
struct cJSON;
/* --json output: adds KEY: {"file": path, "sha256": hex of its bytes} to o
 * (no sha256 when the file cannot be read). */
void cli_json_file(struct cJSON *o, const char *key, const char *path);
/* Prints o (pretty, final newline) to stdout and frees it. */
void cli_json_print(struct cJSON *o);
/* 1 when what goes to fd is coloured by default: fd is a terminal and
 * NO_COLOR is unset or empty (no-color.org) and TERM is not "dumb"; an
 * explicit --color wins. */
int cli_color(int fd);

/* One function per subcommand: argv[0] is the subcommand's name. */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_version_check(int argc, char **argv); /* `version check`, from cmd_version */
int cmd_abi_diff(int argc, char **argv);
int cmd_compat(int argc, char **argv);
int cmd_compat_query(int argc, char **argv);     /* `compat query`, from cmd_compat */
int cmd_compat_diff(int argc, char **argv);      /* `compat diff` */
int cmd_compat_last_good(int argc, char **argv); /* `compat last-good` */
int cmd_ci(int argc, char **argv);
int cmd_drop(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_attest(int argc, char **argv);
int cmd_env(int argc, char **argv); /* also `toolchain` */
struct toolchain;
/* Loads a pin by name, or by path when NAME has a / or ends in .json. */
int cli_load_pin(const char *name, struct toolchain **t, struct err *e);
int cmd_sandbox(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify_signature(int argc, char **argv);

#endif
