/* SPDX-License-Identifier: MIT */
/* The sandbox's configuration as data: defaults, refusals, the exact
 * environment, the profile JSON and the seccomp table. */
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "tests/unit/harness.h"

static const char *const argv_true[] = { "true", NULL };

static void config(struct sandbox_config *c)
{
	sandbox_config_init(c);
	c->argv = argv_true;
	c->build_dir = "/tmp/somewhere/on/the/host";
}

TEST(defaults_are_the_pins)
{
	struct sandbox_config c;

	config(&c);
	CHECK_STR(c.hostname, "lockstep");
	CHECK_STR(c.domainname, "lockstep");
	CHECK_STR(c.build_path, "/build");
	CHECK_STR(c.user, "build");
	CHECK(c.uid == 1000 && c.gid == 1000);
	CHECK(c.umask == 022 && c.aslr == 1 && c.uname26 == 0);
	CHECK(c.stdout_fd == -1 && c.stderr_fd == -1);
	CHECK(sandbox_config_check(&c, NULL) == 0);
}

TEST(environment_is_exact)
{
	static const char *const extra[] = { "FOO=bar", "PATH=/opt/bin", NULL };
	static const char *const want[] = { "PATH=/opt/bin",
					    "TZ=UTC",
					    "LC_ALL=C.UTF-8",
					    "LANG=C.UTF-8",
					    "SOURCE_DATE_EPOCH=1234",
					    "HOME=/build",
					    "USER=build",
					    "LOGNAME=build",
					    "FOO=bar",
					    NULL };
	struct sandbox_config c;
	char **env;
	size_t i;

	config(&c);
	c.source_date_epoch = 1234;
	c.env = extra;
	env = sandbox_env_build(&c);
	for (i = 0; want[i]; i++)
		CHECK_STR(env[i], want[i]);
	CHECK(env[i] == NULL);
	sandbox_env_free(env);
}

TEST(bad_configs_are_refused)
{
	static const char *const bad_env[] = { "NOEQUALS", NULL };
	struct sandbox_bind nested = { "/tmp", "/build/inner", 0 };
	struct sandbox_bind over_usr = { "/tmp", "/usr/local", 0 };
	struct sandbox_bind dotdot = { "/tmp", "/x/../etc", 0 };
	struct sandbox_config c;
	struct err e = ERR_INIT;

	config(&c);
	c.build_path = "build";
	CHECK(sandbox_config_check(&c, &e) < 0);
	CHECK_CONTAINS(e.msg, "\"build\"");
	config(&c);
	c.binds = &nested, c.nbinds = 1;
	CHECK(sandbox_config_check(&c, &e) < 0);
	CHECK_CONTAINS(e.msg, "one is inside the other");
	config(&c);
	c.binds = &over_usr, c.nbinds = 1;
	CHECK(sandbox_config_check(&c, &e) < 0);
	CHECK_CONTAINS(e.msg, "reserved");
	config(&c);
	c.binds = &dotdot, c.nbinds = 1;
	CHECK(sandbox_config_check(&c, &e) < 0);
	CHECK_CONTAINS(e.msg, "normalized");
	config(&c);
	c.env = bad_env;
	CHECK(sandbox_config_check(&c, &e) < 0);
	CHECK_CONTAINS(e.msg, "NOEQUALS");
	config(&c);
	c.hostname = "bad host";
	CHECK(sandbox_config_check(&c, &e) < 0);
	config(&c);
	c.argv = NULL;
	CHECK(sandbox_config_check(&c, &e) < 0);
	CHECK(sandbox_profile_json(&c) == NULL);
}

TEST(profile_is_canonical_stable_and_host_free)
{
	struct sandbox_config c;
	char *a, *b, *d;

	config(&c);
	a = sandbox_profile_json(&c);
	c.build_dir = "/elsewhere";
	b = sandbox_profile_json(&c);
	c.aslr = 0;
	d = sandbox_profile_json(&c);
	CHECK(a && b && d);
	CHECK_STR(a, b);
	CHECK(strcmp(a, d) != 0);
	CHECK(a && a[0] == '{' && !strchr(a, '\n'));
	CHECK(a && !strstr(a, "/tmp/somewhere"));
	CHECK_CONTAINS(a, "\"hostname\":\"lockstep\"");
	CHECK_CONTAINS(a, "\"SOURCE_DATE_EPOCH=0\"");
	CHECK_CONTAINS(a, "{\"errno\":\"ENOSYS\",\"syscall\":\"clone3\",\"when\":\"\"}");
	/* Keys sorted: "binds" comes before "build_path" before "domainname". */
	CHECK(a && strstr(a, "\"binds\"") < strstr(a, "\"build_path\""));
	CHECK(a && strstr(a, "\"build_path\"") < strstr(a, "\"domainname\""));
	free(a);
	free(b);
	free(d);
}

TEST(seccomp_table_covers_the_required_calls)
{
	static const char *const required[] = { "mount",
						"umount2",
						"pivot_root",
						"ptrace",
						"process_vm_readv",
						"process_vm_writev",
						"kexec_load",
						"kexec_file_load",
						"init_module",
						"finit_module",
						"delete_module",
						"bpf",
						"keyctl",
						"add_key",
						"request_key",
						"perf_event_open",
						"userfaultfd",
						"io_uring_setup",
						"io_uring_enter",
						"io_uring_register",
						"unshare",
						"setns",
						"clone",
						"clone3",
						"reboot",
						"swapon",
						"swapoff",
						"settimeofday",
						"clock_settime",
						"clock_adjtime",
						"adjtimex",
						"socket",
						NULL };
	size_t n;
	const struct seccomp_rule *t = seccomp_rules(&n);

	for (size_t i = 0; required[i]; i++) {
		int found = 0;
		for (size_t j = 0; j < n; j++)
			found |= !strcmp(t[j].syscall, required[i]);
		if (!found)
			fprintf(stderr, "  missing: %s\n", required[i]);
		CHECK(found);
	}
	/* Every rule is an errno, with a reason a reader can check. */
	for (size_t j = 0; j < n; j++)
		CHECK(t[j].err > 0 && t[j].why && t[j].why[0]);
}

TEST_MAIN(T(defaults_are_the_pins), T(environment_is_exact), T(bad_configs_are_refused),
	  T(profile_is_canonical_stable_and_host_free), T(seccomp_table_covers_the_required_calls))
