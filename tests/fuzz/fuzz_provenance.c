/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: provenance statements (builder/provenance.c
 * provenance_parse), including the recipe embedded in them. */
#include "tests/fuzz/fuzz.h"

#include "builder/provenance.h"
#include "builder/recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct provenance_record rec;
	struct err e = ERR_INIT;

	if (provenance_parse((const char *)data, size, "fuzz.intoto.json", &rec, &e) == 0) {
		struct recipe r;
		/* What verify does next with a record that parsed. */
		recipe_load_buf(rec.recipe_text, rec.recipe_len, "embedded recipe", &r, &e);
		recipe_release(&r);
	}
	provenance_record_release(&rec);
	return 0;
}
