/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: __DATE__ and __TIME__, which GCC takes from
 * SOURCE_DATE_EPOCH when it is exported (lockstep does), else the clock. */
static const char fw_built[] = "built " __DATE__ " " __TIME__;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_built;
	for (;;)
		;
}
