/* SPDX-License-Identifier: MIT */
/* The output glob matcher (builder/outputs.h): what a recipe's glob of
 * kernel modules takes and what it leaves. */
#include "builder/outputs.h"
#include "harness.h"

TEST(star_stays_within_one_component)
{
	CHECK(outputs_match("out/*.bin", "out/fw.bin"));
	CHECK(!outputs_match("out/*.bin", "out/sub/fw.bin"));
	CHECK(!outputs_match("out/*.ko", "out/y.ko.cmd"));
	CHECK(outputs_match("out/fw?.bin", "out/fw2.bin"));
	CHECK(outputs_match("out/fw[12].bin", "out/fw1.bin"));
}

TEST(double_star_is_any_number_of_whole_components)
{
	CHECK(outputs_match("out/**/*.ko", "out/x.ko"));
	CHECK(outputs_match("out/**/*.ko", "out/a/x.ko"));
	CHECK(outputs_match("out/**/*.ko", "out/a/b/c/x.ko"));
	CHECK(outputs_match("**/*.ko", "drivers/net/x.ko"));
	CHECK(outputs_match("build/**/fw_dynamic.bin",
			    "build/platform/generic/firmware/fw_dynamic.bin"));
	CHECK(outputs_match("build/platform/*/firmware/fw_*.bin",
			    "build/platform/generic/firmware/fw_jump.bin"));
	CHECK(!outputs_match("out/**/*.ko", "other/x.ko"));
}

TEST(wildcards_never_match_a_leading_dot)
{
	CHECK(!outputs_match("out/*.ko", "out/.h.ko"));
	CHECK(!outputs_match("**/*.ko", ".git/x.ko"));
	CHECK(!outputs_match("out/**/*.ko", "out/.tmp/x.ko"));
	CHECK(outputs_match("out/.*", "out/.config"));
	CHECK(outputs_match(".config", ".config"));
}

TEST_MAIN(T(star_stays_within_one_component), T(double_star_is_any_number_of_whole_components),
	  T(wildcards_never_match_a_leading_dot))
