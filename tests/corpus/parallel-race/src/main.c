/* SPDX-License-Identifier: MIT */
/* The entry point; the two halves of the work live in slow.c and fast.c. */
int fw_slow(int x);
int fw_fast(int x);

volatile int fw_result;

void fw_main(void)
{
	fw_result = fw_fast(fw_slow(5));
	for (;;)
		;
}
