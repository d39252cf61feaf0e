/* SPDX-License-Identifier: MIT */
/* compat/version: the policy's kinds, real calendar dates, ordering and
 * bumps, and that the shipped policy file says what the defaults say. */
#include <stdlib.h>

#include "core/fs.h"
#include "versioning/version.h"
#include "tests/unit/harness.h"

static int ok(const char *kind, const char *v)
{
	struct err e = ERR_INIT;
	return version_check(kind, v, &e) == 0;
}

TEST(driver_versions_are_v_major_minor_patch)
{
	CHECK(ok("driver", "v2.4.1"));
	CHECK(ok("driver", "v0.0.0"));
	CHECK(ok("driver", "v10.20.300"));
	CHECK(!ok("driver", "2.4.1"));
	CHECK(!ok("driver", "v2.4"));
	CHECK(!ok("driver", "v2.4.1-rc1"));
	CHECK(!ok("driver", "v02.4.1"));
	CHECK(!ok("driver", ""));
}

TEST(firmware_versions_need_a_real_calendar_date)
{
	CHECK(ok("firmware", "fwB100.r12.20260112"));
	CHECK(ok("firmware", "fwB100.r1.20240229"));  /* leap year */
	CHECK(ok("firmware", "fwB100.r1.20000229"));  /* 400-year leap */
	CHECK(!ok("firmware", "fwB100.r1.20260230")); /* no 30 February */
	CHECK(!ok("firmware", "fwB100.r1.20250229")); /* 2025 is not leap */
	CHECK(!ok("firmware", "fwB100.r1.21000229")); /* 2100 is not leap */
	CHECK(!ok("firmware", "fwB100.r1.20261301"));
	CHECK(!ok("firmware", "fwB100.r1.20260431"));
	CHECK(!ok("firmware", "fwB100.r1.20260100"));
	CHECK(!ok("firmware", "fwb100.r12.20260112"));
	CHECK(!ok("firmware", "fwB100.12.20260112"));
	CHECK(!ok("firmware", "fwB100.r12.2026011"));
}

TEST(microcode_versions_are_u_and_four_digits)
{
	CHECK(ok("microcode", "u0012"));
	CHECK(ok("microcode", "u9999"));
	CHECK(!ok("microcode", "u12"));
	CHECK(!ok("microcode", "u00123"));
	CHECK(!ok("microcode", "U0012"));
}

TEST(errors_name_the_kind_the_version_and_the_problem)
{
	struct err e = ERR_INIT;
	CHECK(version_check("firmware", "fwB100.r1.20260230", &e) < 0);
	CHECK_STR(e.msg,
		  "firmware version \"fwB100.r1.20260230\": \"20260230\" is not a calendar date");
	CHECK(e.kind == ERR_NO);
	CHECK(version_check("driver", "2.4.1", &e) < 0);
	CHECK_STR(e.msg,
		  "driver version \"2.4.1\": does not match vMAJOR.MINOR.PATCH (e.g. v2.4.1)");
	CHECK(version_check("gpu", "x", &e) < 0);
	CHECK_CONTAINS(e.msg, "\"gpu\": unknown kind of version");
	CHECK(e.kind == ERR_OP);
}

TEST(versions_order_numerically_and_firmware_only_within_a_board)
{
	struct err e = ERR_INIT;
	int c = 0;
	CHECK(version_compare("driver", "v2.10.0", "v2.9.9", &c, &e) == 0 && c > 0);
	CHECK(version_compare("driver", "v2.4.1", "v2.4.1", &c, &e) == 0 && c == 0);
	CHECK(version_compare("firmware", "fwB100.r2.20260101", "fwB100.r12.20251231", &c, &e) ==
		      0 &&
	      c > 0);
	CHECK(version_compare("firmware", "fwB100.r2.20260101", "fwB100.r12.20260101", &c, &e) ==
		      0 &&
	      c < 0);
	CHECK(version_compare("firmware", "fwB100.r1.20260101", "fwB200.r1.20260101", &c, &e) < 0);
	CHECK(version_compare("microcode", "u0012", "u0009", &c, &e) == 0 && c > 0);
}

TEST(bumps_between_driver_versions)
{
	struct err e = ERR_INIT;
	enum version_bump b;
	CHECK(version_bump("v1.2.3", "v2.0.0", &b, &e) == 0 && b == BUMP_MAJOR);
	CHECK(version_bump("v1.2.3", "v1.3.0", &b, &e) == 0 && b == BUMP_MINOR);
	CHECK(version_bump("v1.2.3", "v1.2.4", &b, &e) == 0 && b == BUMP_PATCH);
	CHECK(version_bump("v1.2.3", "v1.2.3", &b, &e) == 0 && b == BUMP_NONE);
	CHECK(version_bump("v1.2.3", "v1.1.9", &b, &e) < 0);
	CHECK_CONTAINS(e.msg, "older than");
}

TEST(the_shipped_policy_file_agrees_with_the_defaults)
{
	struct err e = ERR_INIT;
	CHECK(version_policy_load("compat/version-policy.json", &e) == 0);
	CHECK_STR(version_policy_source(), "compat/version-policy.json");
	CHECK(ok("driver", "v2.4.1") && !ok("driver", "2.4.1"));
	CHECK(ok("firmware", "fwB100.r12.20260112") && !ok("firmware", "fwB100.r1.20260230"));
	CHECK(ok("microcode", "u0012") && !ok("microcode", "u12"));
	CHECK(version_policy_load(NULL, &e) == 0);
}

TEST(a_policy_can_change_a_pattern_and_bad_policies_are_refused)
{
	char dir[] = "/tmp/lockstep-test-XXXXXX";
	struct err e = ERR_INIT;
	char *p;
	static const char custom[] =
		"{\"kinds\": {\"microcode\": {\"format\": \"uNNNNNN\", \"pattern\": \"^u[0-9]{6}$\","
		" \"example\": \"u000012\"}}}";
	static const char bad_example[] =
		"{\"kinds\": {\"microcode\": {\"format\": \"uNNNN\", \"pattern\": \"^u[0-9]{4}$\","
		" \"example\": \"u12\"}}}";
	static const char bad_regex[] =
		"{\"kinds\": {\"microcode\": {\"format\": \"u\", \"pattern\": \"^u[0-9\","
		" \"example\": \"u1\"}}}";

	CHECK(mkdtemp(dir) != NULL);
	p = fs_join(dir, "policy.json");
	CHECK(fs_write_atomic(p, custom, sizeof(custom) - 1, 0644, &e) == 0);
	CHECK(version_policy_load(p, &e) == 0);
	CHECK(ok("microcode", "u000012"));
	CHECK(!ok("microcode", "u0012"));
	CHECK(!ok("driver", "v1.0.0")); /* a kind the file leaves out is unknown */
	CHECK(fs_write_atomic(p, bad_example, sizeof(bad_example) - 1, 0644, &e) == 0);
	CHECK(version_policy_load(p, &e) < 0);
	CHECK_CONTAINS(e.msg, "kinds.microcode.example");
	CHECK(ok("microcode", "u000012")); /* the old policy stays */
	CHECK(fs_write_atomic(p, bad_regex, sizeof(bad_regex) - 1, 0644, &e) == 0);
	CHECK(version_policy_load(p, &e) < 0);
	CHECK_CONTAINS(e.msg, "bad regular expression");
	CHECK(version_policy_load(NULL, &e) == 0);
	fs_remove_tree(dir, NULL);
	free(p);
}

TEST(a_projects_own_policy_file_checks_one_version_and_changes_nothing_else)
{
	char dir[] = "/tmp/lockstep-test-XXXXXX";
	struct err e = ERR_INIT;
	char *p;
	static const char semver_firmware[] =
		"{\"kinds\": {\"firmware\": {\"format\": \"MAJOR.MINOR.PATCH\","
		" \"pattern\": \"^(0|[1-9][0-9]*)\\\\.(0|[1-9][0-9]*)\\\\.(0|[1-9][0-9]*)$\","
		" \"example\": \"1.0.0\"}}}";

	CHECK(version_policy_load(NULL, &e) == 0);
	CHECK(mkdtemp(dir) != NULL);
	p = fs_join(dir, "versions.json");
	CHECK(fs_write_atomic(p, semver_firmware, sizeof(semver_firmware) - 1, 0644, &e) == 0);
	CHECK(version_check_file(p, "firmware", "1.0.0", &e) == 0);
	CHECK(version_check_file(p, "firmware", "fwB100.r12.20260112", &e) < 0);
	CHECK(e.kind == ERR_NO);
	CHECK(version_check_file(p, "driver", "v1.0.0", &e) < 0);
	CHECK_CONTAINS(e.msg, "versions.json");
	CHECK_CONTAINS(e.msg, "unknown kind of version (known: firmware)");
	/* The policy in force is still the conventions. */
	CHECK(!ok("firmware", "1.0.0"));
	CHECK(ok("firmware", "fwB100.r12.20260112"));
	CHECK(ok("driver", "v1.0.0"));
	CHECK(strcmp(version_policy_source(), "built-in defaults") == 0);
	free(p);
	p = fs_join(dir, "missing.json");
	CHECK(version_check_file(p, "firmware", "1.0.0", &e) < 0);
	CHECK(e.kind == ERR_OP);
	CHECK_CONTAINS(e.msg, "missing.json");
	fs_remove_tree(dir, NULL);
	free(p);
}

TEST_MAIN(T(driver_versions_are_v_major_minor_patch),
	  T(firmware_versions_need_a_real_calendar_date),
	  T(microcode_versions_are_u_and_four_digits),
	  T(errors_name_the_kind_the_version_and_the_problem),
	  T(versions_order_numerically_and_firmware_only_within_a_board),
	  T(bumps_between_driver_versions), T(the_shipped_policy_file_agrees_with_the_defaults),
	  T(a_policy_can_change_a_pattern_and_bad_policies_are_refused),
	  T(a_projects_own_policy_file_checks_one_version_and_changes_nothing_else))
