/* SPDX-License-Identifier: MIT */
/* One nondeterminism source: a build step writes `date +%s` into stamp.h. */
#include "stamp.h"
static const char fw_built[] = "built " FW_STAMP;

volatile const char *fw_sink;

void fw_main(void)
{
	fw_sink = fw_built;
	for (;;)
		;
}
