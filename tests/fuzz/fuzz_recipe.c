/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: recipes (builder/recipe.c recipe_load_buf), the bytes
 * a provenance record embeds and lockstep rebuilds from. */
#include "tests/fuzz/fuzz.h"

#include "builder/recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recipe r;
	struct err e = ERR_INIT;

	if (recipe_load_buf((const char *)data, size, "fuzz.json", &r, &e) == 0)
		for (size_t i = 0; i < r.noutputs; i++)
			(void)recipe_output_name(r.outputs[i].path);
	recipe_release(&r);
	return 0;
}
