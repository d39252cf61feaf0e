/* SPDX-License-Identifier: MIT */
/* What the libFuzzer harnesses share: the parsers that read a path get the
 * input through a file in a private directory, and the signed formats are
 * checked against the known test key (tests/data/sign/kat-ed25519.key.pub,
 * whose private half signed the seed corpus).  Header-only: each harness is
 * one program. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/fs.h"

#ifndef FUZZ_DATA
#define FUZZ_DATA "tests/data"
#endif
#define FUZZ_PUBKEY FUZZ_DATA "/sign/kat-ed25519.key.pub"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's private directory, made once and removed at exit. */
static char fuzz_dir_path[4096];

static void fuzz_dir_remove(void)
{
	if (fuzz_dir_path[0])
		fs_remove_tree(fuzz_dir_path, NULL);
}

static const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/lockstep-fuzz-XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(fuzz_dir_path)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(fuzz_dir_remove);
	}
	return fuzz_dir_path;
}

/* Writes size bytes at data to NAME in the private directory; returns its
 * path (caller frees).  Aborts on failure: a harness that cannot write its
 * input tests nothing. */
static __attribute__((unused)) char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	char *path = fs_join(fuzz_dir(), name);
	FILE *f = fopen(path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}

#endif
