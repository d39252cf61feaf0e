/* SPDX-License-Identifier: MIT */
/* A release date from SOURCE_DATE_EPOCH, formatted in UTC: reproducible. */
static const char fw_built[] = "release " FW_DATE;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_built;
	for (;;)
		;
}
