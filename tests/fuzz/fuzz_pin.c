/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: environment pins (toolchains/pin.c
 * toolchain_load_file), through a file as lockstep reads them. */
#include "tests/fuzz/fuzz.h"

#include "toolchains/toolchain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toolchain *t = NULL;
	struct err e = ERR_INIT;
	char *path = fuzz_write("pin.json", data, size);

	if (toolchain_load_file(path, &t, &e) == 0) {
		cJSON *j = toolchain_summary(t);
		cJSON_Delete(j);
		j = toolchain_resolved_deps(t);
		cJSON_Delete(j);
	}
	toolchain_free(t);
	free(path);
	return 0;
}
