/* SPDX-License-Identifier: MIT */
/* Clean control firmware packed in a tar. */
static const char fw_banner[] = "lockstep clean tar control";

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_banner;
	for (;;)
		;
}
