/* SPDX-License-Identifier: MIT */
/* Source archives kept once, by digest, in $LOCKSTEP_HOME/sources: the
 * outputs and rebuilds hard-link them (builder/source_store.h). */
#include "builder/source_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build.h"
#include "core/alloc.h"
#include "core/digest.h"
#include "core/fs.h"
#include "toolchains/toolchain.h"

int source_name_known(const char *name)
{
	return !strcmp(name, BUILD_SOURCE_NAME) || !strcmp(name, BUILD_SOURCE_NAME_GZ);
}

char *source_store_path(const char *hex, const char *name, struct err *e)
{
	const char *suffix = strchr(name, '.');
	char *home = toolchain_home(e), *p;

	if (!home)
		return NULL;
	p = xasprintf("%s/sources/%s%s", home, hex, suffix ? suffix : "");
	free(home);
	return p;
}

/* 1 when the stored file dst exists and has the digest hex, 0 otherwise;
 * when it is src itself (a rebuild from the store's copy, or from an
 * output's link to it), src's digest, just computed, is dst's. */
static int stored_ok(const char *dst, const char *src, const char *hex)
{
	char have[DIGEST_HEX_LEN + 1];
	struct stat a, b;

	if (stat(dst, &a) < 0)
		return 0;
	if (stat(src, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 1;
	return digest_file(dst, have, NULL) == 0 && !strcmp(have, hex);
}

int source_store_put(const char *path, const char *name, int take, char hex[DIGEST_HEX_LEN + 1],
		     char **stored, struct err *e)
{
	char *dst = NULL, *dir = NULL, *slash;
	int ret = -1;

	*stored = NULL;
	if (digest_file(path, hex, e) < 0)
		return -1;
	dst = source_store_path(hex, name, e);
	if (!dst)
		return -1;
	dir = xstrdup(dst);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (fs_mkdirs(dir, e) < 0)
		goto out;
	if (stored_ok(dst, path, hex)) {
		if (take)
			unlink(path);
	} else if (take) {
		/* Read-only: the output directories' hard links share it. */
		if (chmod(path, 0444) < 0 || rename(path, dst) < 0) {
			if (errno != EXDEV) {
				err_sys(e, "%s: cannot store as %s", path, dst);
				goto out;
			}
			if (fs_copy_file(path, dst, e) < 0)
				goto out;
			unlink(path);
		}
	} else if (fs_copy_file(path, dst, e) < 0) {
		goto out;
	} else if (chmod(dst, 0444) < 0) {
		err_sys(e, "%s: cannot make read-only", dst);
		goto out;
	}
	*stored = dst;
	dst = NULL;
	ret = 0;
out:
	free(dst);
	free(dir);
	return ret;
}

int source_store_link(const char *stored, const char *dest, struct err *e)
{
	struct stat st;

	if (link(stored, dest) == 0)
		return 0;
	if (errno == ENOENT && stat(stored, &st) < 0)
		return err_sys(e, "%s: the stored source archive is gone", stored);
	if (errno != EXDEV && errno != EPERM && errno != EMLINK)
		return err_sys(e, "%s: cannot link to %s", dest, stored);
	return fs_copy_file(stored, dest, e);
}
