/* SPDX-License-Identifier: MIT */
/* Runs a libFuzzer harness without libFuzzer: each file named on the
 * command line (or each file in a directory named) is passed once to
 * LLVMFuzzerTestOneInput.  Built with the ordinary compiler into the unit
 * test directory, so `make check` (and its sanitizer pass in CI) replays
 * tests/fuzz/regressions/ and the seeds without clang. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	struct err e = ERR_INIT;
	char *data = NULL;
	size_t len = 0;

	if (fs_read_file(path, (size_t)64 << 20, &data, &len, &e) < 0) {
		fprintf(stderr, "replay: %s\n", e.msg);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	printf("replayed %s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct strv names = STRV_INIT;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]) < 0;
			continue;
		}
		if (!(d = opendir(argv[i]))) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				strv_push(&names, de->d_name);
		closedir(d);
		strv_sort(&names);
		for (size_t j = 0; j < names.n; j++) {
			char *p = fs_join(argv[i], names.v[j]);
			bad |= replay_file(p) < 0;
			free(p);
		}
		strv_release(&names);
	}
	return bad;
}
