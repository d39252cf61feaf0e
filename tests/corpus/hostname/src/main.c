/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: the build host's name, passed in by the Makefile. */
static const char fw_host[] = "built on " FW_HOST;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_host;
	for (;;)
		;
}
