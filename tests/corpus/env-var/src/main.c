/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: a path taken from the environment ($HOME). */
static const char fw_conf[] = "config " FW_CONF;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_conf;
	for (;;)
		;
}
