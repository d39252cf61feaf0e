/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: SOURCE_DATE_EPOCH formatted in local time. */
static const char fw_built[] = "release " FW_DATE;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_built;
	for (;;)
		;
}
