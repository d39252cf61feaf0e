/* SPDX-License-Identifier: MIT */
/* Clean control firmware using the C library: its start code, strlen and
 * memcpy come from the pinned picolibc (crt0.o, libc.a). */
#include <string.h>

static const char fw_name[] = "lockstep picolibc control";
char fw_copy[sizeof fw_name];
volatile size_t fw_len;

int main(void)
{
	memcpy(fw_copy, fw_name, sizeof fw_name);
	fw_len = strlen(fw_copy);
	for (;;)
		;
}
