/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the structural diff (diff/diff.c) of two files, ELF
 * files and archives among them.  The input is the two files one after the
 * other, split at the first line "LOCKSTEP-FUZZ-SPLIT\n" (or in half when
 * there is none), so a seed is two builds of one thing. */
#include "tests/fuzz/fuzz.h"

#include "diff/diff.h"

#define SPLIT "\nLOCKSTEP-FUZZ-SPLIT\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff_options o = DIFF_OPTIONS_INIT;
	struct diff_report *r = NULL;
	struct err e = ERR_INIT;
	const uint8_t *cut = memmem(data, size, SPLIT, strlen(SPLIT));
	size_t na = cut ? (size_t)(cut - data) : size / 2;
	size_t skip = cut ? strlen(SPLIT) : 0;
	char *a = fuzz_write("a", data, na);
	char *b = fuzz_write("b", data + na + skip, size - na - skip);
	char *section = NULL;
	uint64_t off = 0;

	/* Bounded as the CLI bounds it, so a slow input is a finding, not a hang. */
	o.timeout = 5;
	o.max_memory = 64 << 20;
	if (diff_paths(a, b, &o, &r, &e) == 0) {
		FILE *null = fopen("/dev/null", "w");
		char *json = diff_report_json(r);
		if (null) {
			diff_report_print_text(r, null, 0, 0);
			fclose(null);
		}
		free(json);
	}
	diff_report_free(r);
	diff_first_offset(a, b, &off, &section, &e);
	free(section);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	return 0;
}
