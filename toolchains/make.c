/* SPDX-License-Identifier: MIT */
/* Generating a pin (`lockstep toolchain pin`): versions from dpkg, the
 * .deb from apt-get download, file digests from the .deb's own data archive
 * (the host's files may have been modified; the package has not), and the
 * compiler identification from an object the installed compiler writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/run.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

struct scan {
	struct pin_file *files; /* owned */
	size_t n, cap;
};

static int scan_add(void *ctx, const struct deb_entry *ent, struct err *e)
{
	struct scan *s = ctx;
	struct pin_file *f;

	if (s->n >= PIN_MAX_FILES)
		return err_set(e, "more than %d files", PIN_MAX_FILES);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->files = xrealloc(s->files, s->cap * sizeof(*s->files));
	}
	f = &s->files[s->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(ent->path);
	if (ent->symlink)
		f->symlink = xstrdup(ent->symlink);
	else
		memcpy(f->sha256, ent->sha256, sizeof(f->sha256));
	return 0;
}

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct pin_file *)a)->path, ((const struct pin_file *)b)->path);
}

static void scan_release(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].symlink);
	}
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/* Places the .deb of every package in the cache, with the sha256 apt's
 * index records for it: a cached copy (ours, or apt's own archive cache)
 * with that digest is used as it is, the rest come from one apt-get
 * download and must match the index too. */
/* A downloaded .deb must have the digest apt's signed index records. */
static int check_index(void *ctx, const struct pin_package *p, const char *path, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1];

	if (digest_file(path, hex, e) < 0)
		return -1;
	if (strcmp(hex, p->deb_sha256))
		return err_setk(e, ERR_NO,
				"package \"%s\": the downloaded .deb's sha256 differs from apt's "
				"index (index %.12s…, found %.12s…)",
				p->name, p->deb_sha256, hex);
	return 0;
}

static int fetch_all(const char *home, struct pin_package *pkgs, size_t n, struct err *e)
{
	const struct pin_package **want = xcalloc(n, sizeof(*want));
	size_t nwant = 0;
	int ret = -1;

	if (pin_apt_sha256(pkgs, n, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pin_package *p = &pkgs[i];
		char *name = pin_deb_name(p), *cached = pin_deb_path(home, p);
		char *apt = fs_join("/var/cache/apt/archives", name);
		char hex[DIGEST_HEX_LEN + 1];
		int r = 0, have = 0;
		if (fs_exists(cached)) {
			r = digest_file(cached, hex, e);
			if (r == 0 && strcmp(hex, p->deb_sha256))
				r = err_setk(e, ERR_NO,
					     "package \"%s\": cached %s: sha256 differs from apt's index "
					     "(index %.12s…, cached %.12s…); remove it",
					     p->name, cached, p->deb_sha256, hex);
			have = 1;
		} else if (r == 0 && fs_exists(apt) && digest_file(apt, hex, NULL) == 0 &&
			   !strcmp(hex, p->deb_sha256)) {
			r = fs_copy_file(apt, cached, e);
			have = 1;
		}
		if (r == 0 && !have)
			want[nwant++] = p;
		free(name);
		free(cached);
		free(apt);
		if (r < 0)
			goto out;
	}
	if (nwant)
		ret = pin_download_checked(want, nwant, home, check_index, NULL, e);
	else
		ret = 0;
out:
	free(want);
	return ret;
}

static cJSON *package_json(const struct pin_package *p, const struct scan *s)
{
	cJSON *o = cJSON_CreateObject(), *files = cJSON_CreateArray();

	json_add_str(o, "name", p->name);
	json_add_str(o, "version", p->version);
	json_add_str(o, "architecture", p->arch);
	json_add_str(o, "deb_sha256", p->deb_sha256);
	for (size_t i = 0; i < s->n; i++) {
		cJSON *f = cJSON_CreateObject();
		json_add_str(f, "path", s->files[i].path);
		if (s->files[i].symlink)
			json_add_str(f, "symlink", s->files[i].symlink);
		else
			json_add_str(f, "sha256", s->files[i].sha256);
		cJSON_AddItemToArray(files, f);
	}
	cJSON_AddItemToObject(o, "files", files);
	return o;
}

/* What the installed PREFIXgcc writes into .comment. */
static int compiler_id(const char *prefix, char **out, struct err *e)
{
	char dir[] = "/tmp/lockstep-pin-XXXXXX";
	char *gcc = xasprintf("%sgcc", prefix), *obj = NULL;
	char *argv[] = { gcc, "-c", "-x", "c", "/dev/null", "-o", NULL, NULL };
	int ret = -1, made = 0;

	*out = NULL;
	if (!mkdtemp(dir)) {
		err_sys(e, "%s: cannot create", dir);
		goto out;
	}
	made = 1;
	cleanup_add_path(dir);
	obj = fs_join(dir, "id.o");
	argv[6] = obj;
	if (run_capture(argv, dir, NULL, e) < 0 || pin_read_comment(obj, out, e) < 0)
		goto out;
	ret = 0;
out:
	if (made) {
		fs_remove_tree(dir, NULL);
		cleanup_remove_path(dir);
	}
	free(obj);
	free(gcc);
	return ret;
}

int toolchain_pin_make(const char *name, const char *const *packages, size_t npackages,
		       const char *prefix, char **out, struct err *e)
{
	struct pin_package *pkgs = NULL;
	struct scan s = { 0 };
	cJSON *root = cJSON_CreateObject(), *arr = NULL;
	char *home = NULL, *debs = NULL, *deb = NULL, *cid = NULL;
	char hex[DIGEST_HEX_LEN + 1];
	int ret = -1;

	*out = NULL;
	if (!npackages || npackages > PIN_MAX_PACKAGES) {
		err_set(e, "a pin needs between 1 and %d packages", PIN_MAX_PACKAGES);
		goto out;
	}
	pkgs = xcalloc(npackages, sizeof(*pkgs));
	home = toolchain_home(e);
	if (!home)
		goto out;
	debs = fs_join(home, "debs");
	if (fs_mkdirs(debs, e) < 0 || compiler_id(prefix, &cid, e) < 0)
		goto out;
	for (size_t i = 0; i < npackages; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(packages[i], packages[j])) {
				err_set(e, "package \"%s\": listed twice", packages[i]);
				goto out;
			}
		pkgs[i].name = xstrdup(packages[i]);
		if (pin_installed(pkgs[i].name, &pkgs[i].version, &pkgs[i].arch, e) < 0)
			goto out;
	}
	if (fetch_all(home, pkgs, npackages, e) < 0)
		goto out;
	cJSON_AddNumberToObject(root, "format", 1);
	json_add_str(root, "name", name);
	json_add_str(root, "prefix", prefix);
	json_add_str(root, "compiler_id", cid);
	arr = cJSON_AddArrayToObject(root, "packages");
	for (size_t i = 0; i < npackages; i++) {
		deb = pin_deb_path(home, &pkgs[i]);
		if (deb_scan(deb, scan_add, &s, e) < 0)
			goto out;
		qsort(s.files, s.n, sizeof(*s.files), cmp_files);
		for (size_t j = 1; j < s.n; j++)
			if (!strcmp(s.files[j - 1].path, s.files[j].path)) {
				err_set(e, "%s: \"%s\": twice in the data archive", deb, s.files[j].path);
				goto out;
			}
		cJSON_AddItemToArray(arr, package_json(&pkgs[i], &s));
		scan_release(&s);
		free(deb);
		deb = NULL;
	}
	pin_compute_digest(root, hex);
	json_add_str(root, "digest", hex);
	*out = json_print(root);
	ret = 0;
out:
	scan_release(&s);
	for (size_t i = 0; pkgs && i < npackages; i++) {
		free(pkgs[i].name);
		free(pkgs[i].version);
		free(pkgs[i].arch);
	}
	free(pkgs);
	free(deb);
	free(cid);
	free(home);
	free(debs);
	cJSON_Delete(root);
	return ret;
}
