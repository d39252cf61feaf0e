/* SPDX-License-Identifier: MIT */
/* `lockstep sandbox`: runs one command in the build sandbox, for people
 * debugging recipes and for the sandbox's own tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/json.h"
#include "sandbox/sandbox.h"
#include "toolchains/toolchain.h"

static const char usage[] =
	"usage: lockstep sandbox [OPTIONS] -- CMD [ARGS...]\n"
	"\n"
	"Runs CMD in the build sandbox: new user, mount, pid, net (loopback only),\n"
	"uts and ipc namespaces, read-only /usr, synthetic /etc, the build\n"
	"directory at /build (the cwd), uid/gid 1000 \"build\", hostname\n"
	"\"lockstep\", a scrubbed environment, rlimits and a seccomp filter.\n"
	"\n"
	"options:\n"
	"  --build-dir DIR     host directory mounted read-write at /build\n"
	"                      (default: the current directory)\n"
	"  --out-dir DIR       host directory mounted read-write at /out\n"
	"  --pin NAME          the root of environment pin NAME (fetched and made\n"
	"                      if needed, its seal checked) instead of the host's\n"
	"                      /usr: nothing of the host's /usr is then visible\n"
	"  --root DIR          a root made by lockstep (DIR/usr, DIR/etc) likewise\n"
	"  --bind HOST:INSIDE  extra read-write bind (repeat)\n"
	"  --ro-bind HOST:INSIDE  extra read-only bind (repeat)\n"
	"  --env KEY=VALUE     extra environment variable (repeat)\n"
	"  --epoch N           SOURCE_DATE_EPOCH (default: $SOURCE_DATE_EPOCH or 0)\n"
	"  --timeout S         kill everything after S seconds (default: none)\n"
	"  --ncpus N           run on the first N CPUs\n"
	"  --max-disk BYTES    stop everything once the build and output\n"
	"                      directories grew by BYTES (default 8 GiB)\n"
	"  --max-log BYTES     the same once stdout or stderr, when a file,\n"
	"                      holds BYTES (default 1 GiB)\n"
	"  --uname26           report a 2.6 kernel release\n"
	"  --no-aslr           disable address space randomization\n"
	"  --profile           print the sandbox profile (canonical JSON) and exit\n"
	"  --json              print the result as JSON on stdout (the command's\n"
	"                      stdout then goes to stderr)\n"
	"\n"
	"exit status: the command's; 128+N if it died of signal N; 124 on timeout;\n"
	"130 when interrupted; 2 if the sandbox could not run it.\n";

/* "HOST:INSIDE" split at the last ':' (inside paths never hold one). */
static int parse_bind(const char *arg, struct sandbox_bind *b, int writable)
{
	const char *colon = strrchr(arg, ':');

	if (!colon || colon == arg || !colon[1])
		return -1;
	b->host = xstrndup(arg, (size_t)(colon - arg));
	b->inside = colon + 1;
	b->writable = writable;
	return 0;
}

static int print_result(const struct sandbox_result *r)
{
	cJSON *o = cJSON_CreateObject();

	if (r->exit_code >= 0)
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	cJSON_AddNumberToObject(o, "signal", r->signal);
	cJSON_AddBoolToObject(o, "timed_out", r->timed_out != 0);
	cJSON_AddBoolToObject(o, "interrupted", r->interrupted != 0);
	cJSON_AddBoolToObject(o, "over_disk", r->over_disk != 0);
	cJSON_AddBoolToObject(o, "over_log", r->over_log != 0);
	cli_json_print(o);
	return 0;
}

static int need(int i, int argc, char **argv)
{
	return i + 1 < argc ? 1 : (cli_usage_error("sandbox", "%s needs a value", argv[i]), 0);
}

int cmd_sandbox(int argc, char **argv)
{
	struct sandbox_config c;
	struct sandbox_result r;
	struct err e = ERR_INIT;
	struct strv env = STRV_INIT;
	struct toolchain *pin = NULL;
	const char *pin_name = NULL;
	struct sandbox_bind *binds = xcalloc((size_t)argc, sizeof(*binds));
	char *cwd = NULL;
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	int json = 0, profile = 0, i, ret = EXIT_ERR;

	sandbox_config_init(&c);
	c.binds = binds;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(usage, stdout);
			ret = EXIT_OK;
			goto out;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--profile")) {
			profile = 1;
		} else if (!strcmp(a, "--uname26")) {
			c.uname26 = 1;
		} else if (!strcmp(a, "--no-aslr")) {
			c.aslr = 0;
		} else if (!need(i, argc, argv)) {
			goto out;
		} else if (!strcmp(a, "--build-dir")) {
			c.build_dir = argv[++i];
		} else if (!strcmp(a, "--out-dir")) {
			c.out_dir = argv[++i];
		} else if (!strcmp(a, "--root")) {
			c.root_dir = argv[++i];
		} else if (!strcmp(a, "--pin")) {
			pin_name = argv[++i];
		} else if (!strcmp(a, "--env")) {
			strv_push(&env, argv[++i]);
		} else if (!strcmp(a, "--epoch")) {
			epoch = argv[++i];
		} else if (!strcmp(a, "--bind") || !strcmp(a, "--ro-bind")) {
			if (parse_bind(argv[i + 1], &binds[c.nbinds++], !strcmp(a, "--bind")) < 0) {
				ret = cli_usage_error("sandbox", "%s \"%s\": not HOST:INSIDE", a,
						      argv[i + 1]);
				goto out;
			}
			i++;
		} else if (!strcmp(a, "--max-disk") || !strcmp(a, "--max-log")) {
			char *end;
			unsigned long long v = strtoull(argv[++i], &end, 10);
			if (!*argv[i] || *end || v < (1u << 16) || v > (1ull << 40)) {
				ret = cli_usage_error(
					"sandbox", "%s \"%s\": not a byte count from 65536 to 2^40",
					a, argv[i]);
				goto out;
			}
			*(!strcmp(a, "--max-disk") ? &c.max_disk : &c.max_log) = v;
		} else if (!strcmp(a, "--timeout") || !strcmp(a, "--ncpus")) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (!*argv[i] || *end || v > 86400 * 7) {
				ret = cli_usage_error("sandbox", "%s \"%s\": not a number", a,
						      argv[i]);
				goto out;
			}
			*(!strcmp(a, "--timeout") ? &c.timeout_sec : &c.ncpus) = (unsigned)v;
		} else {
			ret = cli_usage_error("sandbox", "\"%s\": unknown option", a);
			goto out;
		}
	}
	if (epoch && clock_parse_epoch(epoch, &c.source_date_epoch, "SOURCE_DATE_EPOCH", &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	c.env = (const char *const *)env.v;
	if (pin_name &&
	    (cli_load_pin(pin_name, &pin, &e) < 0 || toolchain_prepare(pin, &c.root_dir, &e) < 0)) {
		ret = cli_fail(&e);
		goto out;
	}
	if (!c.build_dir) {
		cwd = getcwd(NULL, 0);
		c.build_dir = cwd;
	}
	if (i + 1 < argc)
		c.argv = (const char *const *)argv + i + 1;
	if (profile) {
		char *s;
		static const char *const placeholder[] = { "true", NULL };
		if (!c.argv)
			c.argv = placeholder;
		if (sandbox_config_check(&c, &e) < 0) {
			ret = cli_fail(&e);
			goto out;
		}
		s = sandbox_profile_json(&c);
		puts(s);
		free(s);
		ret = EXIT_OK;
		goto out;
	}
	if (!c.argv) {
		ret = cli_usage_error("sandbox", "no command given after --");
		goto out;
	}
	if (json)
		c.stdout_fd = 2;
	fflush(NULL);
	if (sandbox_run(&c, &r, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (json)
		print_result(&r);
	if (r.timed_out) {
		fprintf(stderr, "lockstep: sandbox: timed out after %u s; everything killed\n",
			c.timeout_sec);
		ret = 124;
	} else if (r.over_disk || r.over_log) {
		fprintf(stderr,
			"lockstep: sandbox: the %s grew past its %llu-byte limit; everything killed\n",
			r.over_disk ? "build directory" : "output file",
			(unsigned long long)(r.over_disk ? c.max_disk : c.max_log));
		ret = 125;
	} else if (r.interrupted) {
		fprintf(stderr, "lockstep: sandbox: interrupted; everything killed\n");
		ret = 128 + r.interrupted;
	} else if (r.signal) {
		ret = 128 + r.signal;
	} else {
		ret = r.exit_code;
	}
out:
	for (size_t k = 0; k < c.nbinds; k++)
		free((char *)binds[k].host);
	free(binds);
	free(cwd);
	strv_release(&env);
	toolchain_free(pin);
	return ret;
}
