/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: DSSE envelopes and sigstore bundles (core/dsse.c
 * dsse_verify_ex against the known test key), and the in-toto statement
 * check on the same bytes and on a payload that verified. */
#include "tests/fuzz/fuzz.h"

#include "core/dsse.h"
#include "core/sign.h"

static struct sign_key *pub;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	char *payload = NULL, *type = NULL, *keyid = NULL;
	size_t plen = 0;

	if (!pub && sign_key_load_public(FUZZ_PUBKEY, &pub, &e) < 0) {
		fprintf(stderr, "fuzz: %s\n", e.msg);
		abort();
	}
	if (dsse_verify_ex(pub, (const char *)data, size, "fuzz.json", &payload, &plen, &type,
			   &keyid, &e) == 0)
		dsse_check_statement(payload, plen, "payload", &e);
	dsse_check_statement((const char *)data, size, "fuzz.json", &e);
	free(payload);
	free(type);
	free(keyid);
	return 0;
}
