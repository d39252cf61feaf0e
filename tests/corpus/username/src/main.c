/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: the building user's name, passed in by the Makefile. */
static const char fw_user[] = "built by " FW_USER;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_user;
	for (;;)
		;
}
