/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: compatibility manifests (compat/manifest.c), JSON and
 * YAML, signed or not: loaded as lockstep reads them, then validated, cut
 * into rows and turned into a statement. */
#include "tests/fuzz/fuzz.h"

#include "compat/manifest.h"
#include "core/sign.h"

static struct sign_key *pub;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct strv problems = STRV_INIT;
	cJSON *m = NULL;
	char *path;

	if (!pub && sign_key_load_public(FUZZ_PUBKEY, &pub, &e) < 0) {
		fprintf(stderr, "fuzz: %s\n", e.msg);
		abort();
	}
	/* Either name: the extension decides YAML for input that does not
	 * start with '{', so both readers see everything. */
	path = fuzz_write(size && (data[size - 1] & 1) ? "m.yaml" : "m.json", data, size);
	if (manifest_load(path, pub, &m, NULL, &e) == 0 &&
	    manifest_validate(m, "m", NULL, NULL, &problems, &e) == 0) {
		struct manifest_row *rows = NULL;
		size_t n = manifest_rows(m, &rows);
		char *st = manifest_statement(m);
		manifest_rows_free(rows, n);
		free(st);
	}
	strv_release(&problems);
	cJSON_Delete(m);
	unlink(path);
	free(path);
	return 0;
}
