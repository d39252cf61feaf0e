/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: debug info without prefix mapping records
 * the build directory. */
static const char fw_banner[] = "build path corpus";

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_banner;
	for (;;)
		;
}
