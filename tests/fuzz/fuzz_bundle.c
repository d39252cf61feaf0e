/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: release bundles (verifier/audit.c audit_bundle
 * without the rebuild, trusting the known test key): the listing, the
 * member and duplicate checks, the envelopes read out before extraction,
 * the member set, RELEASE.md and the digests. */
#include "tests/fuzz/fuzz.h"

#include "verifier/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct buf report = BUF_INIT;
	char *path = fuzz_write("bundle.tar", data, size);

	audit_bundle(path, FUZZ_PUBKEY, 0, 1, &report, NULL, &e);
	buf_release(&report);
	unlink(path);
	free(path);
	return 0;
}
