/* SPDX-License-Identifier: MIT */
/* Clean control firmware: everything it embeds comes from the source. */
unsigned fw_crc(const unsigned char *p, unsigned n);

static const unsigned char fw_blob[] = "lockstep clean control";
volatile unsigned fw_result;

void fw_main(void)
{
	fw_result = fw_crc(fw_blob, sizeof fw_blob - 1);
	for (;;)
		;
}
