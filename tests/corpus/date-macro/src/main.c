/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: __DATE__ and __TIME__, with SOURCE_DATE_EPOCH
 * removed by the build step (GCC would use it instead of the clock). */
static const char fw_built[] = "built " __DATE__ " " __TIME__;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_built;
	for (;;)
		;
}
