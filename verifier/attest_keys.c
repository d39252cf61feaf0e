/* SPDX-License-Identifier: MIT */
/* The trusted keys of `attest`: every public key PEM file in a directory,
 * and what was skipped there and why. */
#include "verifier/attest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fs.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void skip_file(struct attest_keyring *kr, const char *file, const char *reason)
{
	kr->skipped = xrealloc(kr->skipped, (kr->nskipped + 1) * sizeof(*kr->skipped));
	kr->skipped[kr->nskipped].file = xstrdup(file);
	kr->skipped[kr->nskipped].reason = xstrdup(reason);
	kr->nskipped++;
}

int attest_keyring_load(const char *dir, struct attest_keyring *kr, struct err *e)
{
	struct dirent **ents = NULL;
	int n, ret = -1;

	memset(kr, 0, sizeof(*kr));
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0)
		return err_sys(e, "%s: cannot read the trusted keys directory", dir);
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		struct err ke = ERR_INIT;
		struct sign_key *k = NULL;
		struct stat st;
		char *path;
		size_t j;

		if (!strcmp(nm, ".") || !strcmp(nm, ".."))
			continue;
		if ((size_t)i >= ATTEST_MAX_KEY_FILES) {
			err_set(e, "%s: more than %u entries in the trusted keys directory", dir,
				ATTEST_MAX_KEY_FILES);
			goto out;
		}
		path = fs_join(dir, nm);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			skip_file(kr, path, "a directory");
		} else if (sign_key_load_public(path, &k, &ke) < 0) {
			/* The loader's message already names the file. */
			const char *m = ke.msg;
			size_t pl = strlen(path);
			if (!strncmp(m, path, pl) && !strncmp(m + pl, ": ", 2))
				m += pl + 2;
			skip_file(kr, path, m);
		} else {
			for (j = 0; j < kr->nkeys; j++)
				if (!strcmp(sign_key_id(kr->keys[j].key), sign_key_id(k)))
					break;
			if (j < kr->nkeys) {
				char *r = xasprintf("the same key as %s", kr->keys[j].file);
				skip_file(kr, path, r);
				free(r);
				sign_key_free(k);
			} else {
				kr->keys = xrealloc(kr->keys, (kr->nkeys + 1) * sizeof(*kr->keys));
				kr->keys[kr->nkeys].file = xstrdup(path);
				kr->keys[kr->nkeys].key = k;
				kr->nkeys++;
			}
		}
		free(path);
	}
	if (!kr->nkeys) {
		err_set(e, "%s: no public key in the trusted keys directory (%zu entr%s skipped)",
			dir, kr->nskipped, kr->nskipped == 1 ? "y" : "ies");
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return ret;
}

void attest_keyring_release(struct attest_keyring *kr)
{
	for (size_t i = 0; i < kr->nkeys; i++) {
		free(kr->keys[i].file);
		sign_key_free(kr->keys[i].key);
	}
	for (size_t i = 0; i < kr->nskipped; i++) {
		free(kr->skipped[i].file);
		free(kr->skipped[i].reason);
	}
	free(kr->keys);
	free(kr->skipped);
	memset(kr, 0, sizeof(*kr));
}
