/* SPDX-License-Identifier: MIT */
/* The entry point; the three stages live in their own files. */
int stage_alpha(int x);
int stage_beta(int x);
int stage_gamma(int x);

volatile int fw_result;

void fw_main(void)
{
	fw_result = stage_gamma(stage_beta(stage_alpha(7)));
	for (;;)
		;
}
