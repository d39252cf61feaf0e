/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: integration drops (compat/drop_verify.c drop_verify
 * without rebuilds, trusting the known test key). */
#include "tests/fuzz/fuzz.h"

#include "compat/drop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct buf report = BUF_INIT;
	cJSON *components = NULL;
	char *path = fuzz_write("drop.tar", data, size);

	drop_verify(path, FUZZ_PUBKEY, 0, 1, &report, &components, &e);
	cJSON_Delete(components);
	buf_release(&report);
	unlink(path);
	free(path);
	return 0;
}
