/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: a salt read from /dev/urandom at build time. */
#include "salt.h"
static const unsigned char fw_salt[32] = { FW_SALT };

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = (const char *)fw_salt;
	for (;;)
		;
}
