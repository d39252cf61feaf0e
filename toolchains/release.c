/* SPDX-License-Identifier: MIT */
/* A suite's signed index files, as apt trusts them: dists/SUITE/InRelease
 * checked with gpgv against the archive keyring, then an index it lists
 * (Packages for `env pin`, Sources for a Debian source package) checked
 * against the sha256 the signed text gives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/run.h"
#include "core/workdir.h"
#include "toolchains/fetch.h"
#include "toolchains/internal.h"

#define INDEX_MAX (256u << 20)

/* The sha256 InRelease's SHA256 section gives rel (e.g.
 * "main/binary-amd64/Packages.xz"); 0 when listed. */
static int release_sha256(const char *text, const char *rel, char hex[DIGEST_HEX_LEN + 1])
{
	const char *p = strstr(text, "\nSHA256:");

	if (!p)
		return -1;
	for (p = strchr(p + 1, '\n'); p && p[1] == ' '; p = strchr(p + 1, '\n')) {
		char sha[DIGEST_HEX_LEN + 1], name[256];
		unsigned long long size;
		if (sscanf(p + 1, " %64s %llu %255s", sha, &size, name) == 3 &&
		    !strcmp(name, rel) && digest_is_hex(sha)) {
			memcpy(hex, sha, DIGEST_HEX_LEN + 1);
			return 0;
		}
	}
	return -1;
}

/* Fetches dists/SUITE/InRelease and checks its signature with gpgv; *out
 * gets the signed text only (what gpgv vouches for). */
static int fetch_release(const char *const *bases, const char *suite, const char *keyring,
			 char **out, struct err *e)
{
	char *dir = NULL;
	char *rel = xasprintf("dists/%s/InRelease", suite), *text = NULL, *file = NULL,
	     *plain = NULL;
	char *argv[] = { "gpgv",     "--quiet", "--keyring", (char *)keyring,
			 "--output", NULL,      NULL,        NULL };
	size_t len;
	int ret = -1;

	*out = NULL;
	if (!fs_exists(keyring)) {
		err_set(e, "%s: no such keyring (install debian-archive-keyring, or name one)",
			keyring);
		goto out;
	}
	if (fetch_mem(bases, rel, 64u << 20, &text, &len, e) < 0)
		goto out;
	dir = workdir_make("index", e);
	if (!dir)
		goto out;
	file = fs_join(dir, "InRelease");
	plain = fs_join(dir, "Release");
	argv[5] = plain;
	argv[6] = file;
	if (fs_write_atomic(file, text, len, 0600, e) < 0)
		goto out;
	if (run_capture(argv, dir, NULL, e) < 0) {
		err_wrap(e, "%s: the signature does not verify against %s", rel, keyring);
		e->kind = ERR_NO;
		goto out;
	}
	if (fs_read_file(plain, 64u << 20, out, &len, e) < 0)
		goto out;
	ret = 0;
out:
	workdir_remove(dir);
	free(rel);
	free(text);
	free(file);
	free(plain);
	return ret;
}

int release_fetch_index(const char *const *bases, const char *suite, const char *keyring,
			const char *index, char **rel_out, char **out, size_t *outlen,
			struct err *e)
{
	static const char *const exts[] = { ".xz", ".gz", "" };
	char *release = NULL, *rel = NULL, *data = NULL;
	char want[DIGEST_HEX_LEN + 1], got[DIGEST_HEX_LEN + 1];
	size_t len = 0;
	int ret = -1;

	*out = NULL;
	*rel_out = NULL;
	if (fetch_release(bases, suite, keyring, &release, e) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]) && !rel; i++) {
		char *r = xasprintf("%s%s", index, exts[i]);
		if (release_sha256(release, r, want) == 0)
			rel = xasprintf("dists/%s/%s", suite, r);
		free(r);
	}
	if (!rel) {
		err_set(e, "dists/%s/InRelease: no %s index listed", suite, index);
		goto out;
	}
	if (fetch_mem(bases, rel, INDEX_MAX, &data, &len, e) < 0)
		goto out;
	digest_buf(data, len, got);
	if (strcmp(got, want)) {
		err_setk(e, ERR_NO,
			 "%s: sha256 differs from the signed InRelease (signed %s, got %s)", rel,
			 want, got);
		goto out;
	}
	if (deb_decompress(data, len, rel, INDEX_MAX, out, outlen, e) < 0)
		goto out;
	*rel_out = rel;
	rel = NULL;
	ret = 0;
out:
	free(release);
	free(rel);
	free(data);
	return ret;
}
