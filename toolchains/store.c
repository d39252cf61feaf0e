/* SPDX-License-Identifier: MIT */
/* Checking a pin against the world: the host's installed packages (dpkg),
 * the .deb cache (apt-get download) and the content-addressed store the
 * sandbox overlays over /usr.  Every difference is refused, named. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/run.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

int pin_installed(const char *name, char **version, char **arch, struct err *e)
{
	char *argv[] = { "dpkg-query", "-W", "-f", "${db:Status-Status}\\t${Version}\\t${Architecture}\\n",
			 (char *)name, NULL };
	char *out = NULL, *v, *a, *nl;
	struct err ignored = ERR_INIT;
	int ret = -1;

	*version = *arch = NULL;
	if (run_capture(argv, NULL, &out, &ignored) < 0 || strncmp(out, "installed\t", 10)) {
		err_setk(e, ERR_NO, "package \"%s\": not installed", name);
		goto out;
	}
	v = out + 10;
	a = strchr(v, '\t');
	if (!a) {
		err_set(e, "package \"%s\": cannot read dpkg-query's answer", name);
		goto out;
	}
	*a++ = '\0';
	nl = strchr(a, '\n');
	if (nl)
		*nl = '\0';
	*version = xstrdup(v);
	*arch = xstrdup(a);
	ret = 0;
out:
	free(out);
	return ret;
}

/* The versions apt knows of name, for a refusal that says what exists. */
static char *apt_versions(const char *name)
{
	char *argv[] = { "apt-cache", "madison", (char *)name, NULL };
	char *out = NULL, *line, *save = NULL;
	struct err ignored = ERR_INIT;
	struct buf b = BUF_INIT;

	if (run_capture(argv, NULL, &out, &ignored) < 0)
		return xstrdup("none");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '|'), *end;
		if (!v)
			continue;
		v++;
		while (*v == ' ')
			v++;
		end = strchr(v, '|');
		while (end && end > v && end[-1] == ' ')
			end--;
		if (end)
			*end = '\0';
		if (!*v)
			continue;
		if (b.len)
			buf_addstr(&b, ", ");
		buf_addstr(&b, v);
	}
	free(out);
	return b.len ? buf_take(&b, NULL) : xstrdup("none");
}

/* Fills the sha256 of the record (pkg, ver, arch) into the matching
 * package of pkgs. */
static void index_record(struct pin_package *pkgs, size_t n, const char *pkg, const char *ver,
			 const char *arch, const char *sha)
{
	for (size_t i = 0; pkg && ver && arch && sha && i < n; i++)
		if (!strcmp(pkgs[i].name, pkg) && !strcmp(pkgs[i].version, ver) &&
		    !strcmp(pkgs[i].arch, arch) && digest_is_hex(sha))
			memcpy(pkgs[i].deb_sha256, sha, DIGEST_HEX_LEN + 1);
}

int pin_apt_sha256(struct pin_package *pkgs, size_t n, struct err *e)
{
	struct strv argv = STRV_INIT;
	char *out = NULL, *line, *save = NULL;
	const char *pkg = NULL, *ver = NULL, *arch = NULL, *sha = NULL;
	int ret = -1;

	/* One apt-cache call for all: each call costs a second of start-up. */
	strv_push(&argv, "apt-cache");
	strv_push(&argv, "show");
	for (size_t i = 0; i < n; i++) {
		strv_pushf(&argv, "%s=%s", pkgs[i].name, pkgs[i].version);
		pkgs[i].deb_sha256[0] = '\0';
	}
	if (run_capture(argv.v, NULL, &out, e) < 0)
		goto out;
	/* strtok_r skips the blank lines between records, so a Package line
	 * starts the next record. */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Package: ", 9)) {
			index_record(pkgs, n, pkg, ver, arch, sha);
			pkg = line + 9;
			ver = arch = sha = NULL;
		} else if (!strncmp(line, "Version: ", 9)) {
			ver = line + 9;
		} else if (!strncmp(line, "Architecture: ", 14)) {
			arch = line + 14;
		} else if (!strncmp(line, "SHA256: ", 8)) {
			sha = line + 8;
		}
	}
	index_record(pkgs, n, pkg, ver, arch, sha);
	for (size_t i = 0; i < n; i++)
		if (!pkgs[i].deb_sha256[0]) {
			err_set(e, "package \"%s\" %s (%s): apt's index has no record of it",
				pkgs[i].name, pkgs[i].version, pkgs[i].arch);
			goto out;
		}
	ret = 0;
out:
	free(out);
	strv_release(&argv);
	return ret;
}

static int download(const struct pin_package *const *pkgs, size_t n, const char *dir,
		    struct err *e)
{
	struct strv argv = STRV_INIT;
	int ret;

	strv_push(&argv, "apt-get");
	strv_push(&argv, "download");
	strv_push(&argv, "-q");
	for (size_t i = 0; i < n; i++)
		strv_pushf(&argv, "%s=%s", pkgs[i]->name, pkgs[i]->version);
	ret = run_capture(argv.v, dir, NULL, e);
	strv_release(&argv);
	return ret;
}

int pin_apt_download(const struct pin_package *const *pkgs, size_t n, const char *dir,
		     struct err *e)
{
	if (!n)
		return 0;
	if (download(pkgs, n, dir, e) < 0) {
		/* apt refuses the whole batch: find the package it cannot serve. */
		for (size_t i = 0; i < n; i++) {
			struct err one = ERR_INIT;
			if (download(&pkgs[i], 1, dir, &one) < 0) {
				char *avail = apt_versions(pkgs[i]->name);
				err_set(e, "package \"%s\": pinned %s (%s), apt has: %s (%s)",
					pkgs[i]->name, pkgs[i]->version, pkgs[i]->arch, avail, one.msg);
				free(avail);
				return -1;
			}
		}
		return err_wrap(e, "apt-get download");
	}
	for (size_t i = 0; i < n; i++) {
		char *name = pin_deb_name(pkgs[i]), *path = fs_join(dir, name);
		int ok = fs_exists(path);
		free(name);
		free(path);
		if (!ok)
			return err_set(e, "package \"%s\" %s: apt-get download wrote no %s .deb into %s",
				       pkgs[i]->name, pkgs[i]->version, pkgs[i]->arch, dir);
	}
	return 0;
}

int pin_download_checked(const struct pin_package *const *pkgs, size_t n, const char *home,
			 int (*check)(void *ctx, const struct pin_package *p, const char *path,
				      struct err *e),
			 void *ctx, struct err *e)
{
	char *cache = fs_join(home, "debs/apt"), *staging = NULL;
	int ret = -1;

	staging = fs_make_staging(cache, e);
	if (!staging || pin_apt_download(pkgs, n, staging, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *name = pin_deb_name(pkgs[i]), *got = fs_join(staging, name);
		char *deb = pin_deb_path(home, pkgs[i]);
		int r = check(ctx, pkgs[i], got, e);
		if (r == 0 && rename(got, deb) < 0)
			r = err_sys(e, "%s: cannot move into place", deb);
		free(name);
		free(got);
		free(deb);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	if (staging) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
	}
	free(staging);
	free(cache);
	return ret;
}

/* Compares the file at full (an lstat-able path) with the pinned entry.
 * Returns 0 when equal, -1 with an ERR_NO message otherwise. */
int toolchain_verify_host(const struct toolchain *t, size_t *files, struct err *e)
{
	char *version = NULL, *arch = NULL;
	size_t n = 0;
	int ret = -1;

	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		free(version);
		free(arch);
		if (pin_installed(p->name, &version, &arch, e) < 0) {
			err_wrap(e, "%s", t->path);
			goto out;
		}
		if (strcmp(version, p->version) || strcmp(arch, p->arch)) {
			err_setk(e, ERR_NO, "%s: package \"%s\": pinned %s (%s), found %s (%s)", t->path,
				 p->name, p->version, p->arch, version, arch);
			goto out;
		}
		for (size_t j = 0; j < p->nfiles; j++) {
			char *full = xasprintf("/%s", p->files[j].path);
			int r = pin_check_file(t, p, &p->files[j], full, e);
			free(full);
			if (r < 0)
				goto out;
			if (cleanup_interrupted()) {
				err_setk(e, ERR_INTERRUPT, "%s: interrupted", t->path);
				goto out;
			}
			n++;
		}
	}
	ret = 0;
out:
	if (files)
		*files = n;
	free(version);
	free(arch);
	return ret;
}

int toolchain_is_installed(const struct toolchain *t)
{
	int ok = 1;

	for (size_t i = 0; i < t->npkgs && ok; i++) {
		char *v = NULL, *a = NULL;
		ok = pin_installed(t->pkgs[i].name, &v, &a, NULL) == 0 &&
		     !strcmp(v, t->pkgs[i].version) && !strcmp(a, t->pkgs[i].arch);
		free(v);
		free(a);
	}
	return ok;
}

/* Every regular file and symlink below dir/rel must be pinned (directories
 * are implied by the files). */
/* Checks the .deb at path against p's pinned sha256. */
static int check_deb(const struct toolchain *t, const struct pin_package *p, const char *path,
		     const char *what, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1];

	if (digest_file(path, hex, e) < 0)
		return -1;
	if (strcmp(hex, p->deb_sha256))
		return err_setk(e, ERR_NO,
				"%s: package \"%s\" %s: %s %s: sha256 differs (pinned %.12s…, found "
				"%.12s…)%s",
				t->path, p->name, p->version, what, path, p->deb_sha256, hex,
				strcmp(what, "cached") ? "" : "; remove it to download it again");
	return 0;
}

/* Downloads the .deb files of the packages that have neither a cached .deb
 * nor a store directory, in one apt-get call, into a staging directory;
 * each is checked before it is moved into the cache. */
static int check_downloaded(void *ctx, const struct pin_package *p, const char *path,
			    struct err *e)
{
	return check_deb(ctx, p, path, "downloaded", e);
}

static int fetch_debs(const struct toolchain *t, const char *home, struct err *e)
{
	const struct pin_package **want = xcalloc(t->npkgs, sizeof(*want));
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < t->npkgs; i++) {
		char *deb = pin_deb_path(home, &t->pkgs[i]), *store = pin_store_path(home, &t->pkgs[i]);
		if (!fs_exists(deb) && !fs_exists(store))
			want[n++] = &t->pkgs[i];
		free(deb);
		free(store);
	}
	if (n)
		ret = pin_download_checked(want, n, home, check_downloaded, (void *)t, e);
	free(want);
	return ret;
}

/* Extracts deb into a staging directory, checks it, and renames it to
 * store: an interrupted import leaves only the staging directory, which
 * cleanup removes. */
static int import_deb(const struct toolchain *t, const struct pin_package *p, const char *deb,
		      const char *store, struct err *e)
{
	char *staging = fs_make_staging(store, e);
	const char *dirs[1];
	int ret = -1;

	if (!staging || deb_extract(deb, staging, e) < 0)
		goto out;
	dirs[0] = staging;
	if (pin_verify_trees(t, &p, dirs, 1, e) < 0)
		goto out;
	/* mkdtemp made it 0700; the store is readable like /usr. */
	if (chmod(staging, 0755) < 0) {
		err_sys(e, "%s: cannot chmod", staging);
		goto out;
	}
	if (fs_publish_dir(staging, store, e) < 0)
		goto out;
	ret = 0;
out:
	if (staging && ret < 0) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
	}
	free(staging);
	return ret;
}

int toolchain_fetch(const struct toolchain *t, struct err *e)
{
	char *home = toolchain_home(e), *debs = NULL, *stores = NULL;
	int ret = -1;

	if (!home)
		return -1;
	debs = fs_join(home, "debs");
	stores = fs_join(home, "store");
	if (fs_mkdirs(debs, e) < 0 || fs_mkdirs(stores, e) < 0)
		goto out;
	/* A cached .deb is always checked, even when its store directory
	 * exists: a tampered cache is reported, never used later. */
	for (size_t i = 0; i < t->npkgs; i++) {
		char *deb = pin_deb_path(home, &t->pkgs[i]);
		int r = fs_exists(deb) ? check_deb(t, &t->pkgs[i], deb, "cached", e) : 0;
		free(deb);
		if (r < 0)
			goto out;
	}
	if (fetch_debs(t, home, e) < 0)
		goto out;
	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		char *deb = pin_deb_path(home, p), *store = pin_store_path(home, p);
		int r = fs_exists(store) ? 0 : import_deb(t, p, deb, store, e);
		free(deb);
		free(store);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	free(home);
	free(debs);
	free(stores);
	return ret;
}

int toolchain_is_fetched(const struct toolchain *t)
{
	struct err e = ERR_INIT;
	char *home = toolchain_home(&e);
	int ok = home != NULL;

	for (size_t i = 0; ok && i < t->npkgs; i++) {
		char *store = pin_store_path(home, &t->pkgs[i]);
		ok = fs_exists(store);
		free(store);
	}
	free(home);
	return ok;
}

int toolchain_verify_store(const struct toolchain *t, struct err *e)
{
	char *home = toolchain_home(e);
	const struct pin_package **pkgs = NULL;
	char **dirs = NULL;
	int ret = -1;

	if (!home)
		return -1;
	pkgs = xcalloc(t->npkgs + 1, sizeof(*pkgs));
	dirs = xcalloc(t->npkgs + 1, sizeof(*dirs));
	for (size_t i = 0; i < t->npkgs; i++) {
		pkgs[i] = &t->pkgs[i];
		dirs[i] = pin_store_path(home, &t->pkgs[i]);
		if (!fs_exists(dirs[i])) {
			err_setk(e, ERR_NO, "%s: package \"%s\": not fetched (no %s)", t->path,
				 t->pkgs[i].name, dirs[i]);
			goto out;
		}
	}
	ret = pin_verify_trees(t, pkgs, (const char *const *)dirs, t->npkgs, e);
out:
	for (size_t i = 0; dirs && i < t->npkgs; i++)
		free(dirs[i]);
	free(dirs);
	free(pkgs);
	free(home);
	return ret;
}

int toolchain_prepare(struct toolchain *t, const char *const **layers, struct err *e)
{
	char *home = NULL;
	int ret = -1;

	*layers = NULL;
	/* Every build comes through here: the store it uses is re-hashed below,
	 * so the cached .deb files (only needed to make missing store
	 * directories) are read only when something is missing. */
	if ((!toolchain_is_fetched(t) && toolchain_fetch(t, e) < 0) ||
	    toolchain_verify_store(t, e) < 0)
		goto out;
	home = toolchain_home(e);
	if (!home)
		goto out;
	if (!t->layers) {
		t->layers = xcalloc(t->npkgs + 1, sizeof(*t->layers));
		for (size_t i = 0; i < t->npkgs; i++)
			t->layers[i] = pin_store_path(home, &t->pkgs[i]);
	}
	*layers = (const char *const *)t->layers;
	ret = 0;
out:
	free(home);
	return ret;
}
