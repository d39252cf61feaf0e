/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: Debian Packages indexes (toolchains/resolve_index.c
 * deb_index_add), then a resolution over what was added. */
#include "tests/fuzz/fuzz.h"

#include "toolchains/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const want[] = { "make", "gcc" };
	struct deb_index *ix = deb_index_new();
	struct resolved_pkg *p = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;

	deb_index_add(ix, (const char *)data, size, "bookworm", "Packages", &e);
	if (deb_index_count(ix) && deb_index_resolve(ix, "amd64", want, 2, 1, &p, &n, &e) == 0)
		resolved_free(p, n);
	deb_index_free(ix);
	return 0;
}
