/* SPDX-License-Identifier: MIT */
/* The store: the pinned .deb files (<home>/debs), fetched from the
 * configured mirrors or imported from an exported environment, and the
 * roots made of them (<home>/roots/<root id>, sealed).  No package manager
 * of the host is involved. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "archive/archive.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "toolchains/fetch.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

/* Set once by the command line (--mirror, --snapshot); NULL: the
 * environment and the host's apt sources decide (mirror_bases). */
static const char *opt_mirror, *opt_snapshot;

void toolchain_set_mirror(const char *mirror, const char *snapshot)
{
	opt_mirror = mirror;
	opt_snapshot = snapshot;
}

const char *toolchain_mirror(void)
{
	return opt_mirror;
}

const char *toolchain_snapshot(void)
{
	return opt_snapshot;
}

/* Downloads the packages whose .deb is not cached, each checked against the
 * pin before it is kept. */
static int fetch_debs(const struct toolchain *t, const char *home, struct err *e)
{
	char **bases = NULL;
	int ret = -1;

	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		char *deb = pin_deb_path(home, p), *what = NULL;
		int r = 0;
		if (!fs_exists(deb)) {
			if (!bases && !(bases = mirror_bases(opt_mirror, opt_snapshot, e))) {
				free(deb);
				goto out;
			}
			what = xasprintf("package \"%s\" %s (%s)", p->name, p->version, p->arch);
			fprintf(stderr, "lockstep: fetching %s\n", p->pool);
			r = fetch_file((const char *const *)bases, p->pool, deb, p->deb_sha256,
				       what, 0, 1, NULL, e);
			if (r < 0)
				err_wrap(e, "%s", t->path);
		}
		free(what);
		free(deb);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	mirror_bases_free(bases);
	return ret;
}

static int ensure_dirs(const char *home, struct err *e)
{
	char *debs = fs_join(home, "debs"), *roots = fs_join(home, "roots");
	int ret = fs_mkdirs(debs, e) < 0 || fs_mkdirs(roots, e) < 0 ? -1 : 0;

	free(debs);
	free(roots);
	return ret;
}

int toolchain_fetch(const struct toolchain *t, struct err *e)
{
	char *home = toolchain_home(e), *root = NULL;
	int ret = -1;

	if (!home)
		return -1;
	root = pin_root_dir(home, t);
	if (ensure_dirs(home, e) < 0)
		goto out;
	if (fs_exists(root)) {
		ret = 0;
		goto out;
	}
	if (fetch_debs(t, home, e) < 0)
		goto out;
	fprintf(stderr, "lockstep: making the root of %s (%zu packages)\n", t->name, t->npkgs);
	ret = root_make(t, home, root, e);
out:
	free(root);
	free(home);
	return ret;
}

int toolchain_is_fetched(const struct toolchain *t)
{
	struct err e = ERR_INIT;
	char *home = toolchain_home(&e), *root = home ? pin_root_dir(home, t) : NULL;
	int ok = root && fs_exists(root);

	free(root);
	free(home);
	return ok;
}

int toolchain_verify_store(const struct toolchain *t, int full, struct err *e)
{
	char *home = toolchain_home(e), *root = NULL;
	int ret = -1;

	if (!home)
		return -1;
	root = pin_root_dir(home, t);
	if (!fs_exists(root)) {
		err_setk(e, ERR_NO, "%s: not fetched (no %s); run `lockstep env fetch %s`", t->path,
			 root, t->name);
		goto out;
	}
	/* --full names the file that differs; the seal only says something does. */
	if ((full && pin_verify_root(t, root, e) < 0) || root_check_seal(root, e) < 0)
		goto out;
	ret = 0;
out:
	free(root);
	free(home);
	return ret;
}

int toolchain_prepare(struct toolchain *t, const char **root, struct err *e)
{
	char *home = NULL;
	int ret = -1;

	*root = NULL;
	home = toolchain_home(e);
	if (!home)
		return -1;
	if (!t->root)
		t->root = pin_root_dir(home, t);
	/* Every build comes through here: the root was hashed file by file when
	 * it was made; the seal says nothing changed since. */
	if ((!fs_exists(t->root) && toolchain_fetch(t, e) < 0) || root_check_seal(t->root, e) < 0)
		goto out;
	*root = t->root;
	ret = 0;
out:
	free(home);
	return ret;
}

int toolchain_export(const struct toolchain *t, const char *out, struct err *e)
{
	struct archive_entry_spec *specs = xcalloc(t->npkgs + 1, sizeof(*specs));
	char *home = toolchain_home(e), **names = xcalloc(t->npkgs + 1, sizeof(*names));
	char **paths = xcalloc(t->npkgs + 1, sizeof(*paths));
	int ret = -1;

	if (!home)
		goto out;
	/* Every .deb checked against the pin before it goes out. */
	if (ensure_dirs(home, e) < 0 || fetch_debs(t, home, e) < 0)
		goto out;
	specs[0].name = "pin.json";
	specs[0].path = t->path;
	for (size_t i = 0; i < t->npkgs; i++) {
		char hex[DIGEST_HEX_LEN + 1], *n = pin_deb_name(&t->pkgs[i]);
		names[i] = xasprintf("debs/%s", n);
		free(n);
		paths[i] = pin_deb_path(home, &t->pkgs[i]);
		if (digest_file(paths[i], hex, e) < 0)
			goto out;
		if (strcmp(hex, t->pkgs[i].deb_sha256)) {
			err_setk(e, ERR_NO,
				 "%s: package \"%s\": %s: sha256 differs (pinned %s, found %s)",
				 t->path, t->pkgs[i].name, paths[i], t->pkgs[i].deb_sha256, hex);
			goto out;
		}
		specs[i + 1].name = names[i];
		specs[i + 1].path = paths[i];
	}
	/* Already compressed: the tar stays uncompressed, and deterministic. */
	ret = archive_write_files(specs, t->npkgs + 1, out, "none", 0, e);
out:
	for (size_t i = 0; i < t->npkgs; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	free(specs);
	free(home);
	return ret;
}

/* Moves each pinned .deb of dir/debs into the cache after checking it; a
 * member the pin does not name is refused. */
static int import_debs(const struct toolchain *t, const char *home, const char *dir,
		       const char *tar, struct err *e)
{
	char *sub = fs_join(dir, "debs");
	int ret = -1;

	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		char *n = pin_deb_name(p), *from = fs_join(sub, n), *to = pin_deb_path(home, p);
		char hex[DIGEST_HEX_LEN + 1];
		int r = 0;
		if (!fs_exists(from))
			r = err_set(e, "%s: package \"%s\" %s: not in the export (no debs/%s)", tar,
				    p->name, p->version, n);
		else if (digest_file(from, hex, e) < 0)
			r = -1;
		else if (strcmp(hex, p->deb_sha256))
			r = err_setk(e, ERR_NO,
				     "%s: package \"%s\" %s: debs/%s: sha256 differs (pinned %s, "
				     "found %s); nothing imported",
				     tar, p->name, p->version, n, p->deb_sha256, hex);
		free(n);
		free(from);
		free(to);
		if (r < 0)
			goto out;
	}
	/* All checked: only now does anything reach the cache. */
	for (size_t i = 0; i < t->npkgs; i++) {
		char *n = pin_deb_name(&t->pkgs[i]), *from = fs_join(sub, n);
		char *to = pin_deb_path(home, &t->pkgs[i]);
		int r = fs_exists(to) ? 0 : rename(from, to);
		if (r < 0)
			err_sys(e, "%s: cannot move into place", to);
		free(n);
		free(from);
		free(to);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	free(sub);
	return ret;
}

int toolchain_import(const char *tar, const char *expect_digest, struct toolchain **out,
		     struct err *e)
{
	char *home = toolchain_home(e), *staging = NULL, *pin = NULL, *near = NULL;
	struct toolchain *t = NULL;
	int ret = -1;

	*out = NULL;
	if (!home || ensure_dirs(home, e) < 0)
		goto out;
	near = fs_join(home, "debs/import");
	staging = fs_make_staging(near, e);
	if (!staging)
		goto out;
	if (archive_extract(tar, staging, e) < 0)
		goto out;
	pin = fs_join(staging, "pin.json");
	if (!fs_exists(pin)) {
		err_set(e, "%s: no pin.json: not an exported environment", tar);
		goto out;
	}
	if (toolchain_load_file(pin, &t, e) < 0) {
		err_wrap(e, "%s", tar);
		goto out;
	}
	if (expect_digest && strcmp(expect_digest, t->digest)) {
		err_setk(e, ERR_NO, "%s: pin \"%s\": digest %s, expected %s", tar, t->name,
			 t->digest, expect_digest);
		goto out;
	}
	if (import_debs(t, home, staging, tar, e) < 0)
		goto out;
	/* The pin now lives beside the cache, not in the staging directory. */
	free(t->path);
	t->path = xasprintf("%s (pin.json)", tar);
	if (toolchain_fetch(t, e) < 0)
		goto out;
	*out = t;
	t = NULL;
	ret = 0;
out:
	if (staging) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
	}
	toolchain_free(t);
	free(staging);
	free(pin);
	free(near);
	free(home);
	return ret;
}
