/* SPDX-License-Identifier: MIT */
/* Loading an environment pin: finding the file, strict validation of every
 * field, the combined digest; what a loaded pin says is in pin_query.c. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/suggest.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

#define PIN_FORMAT 2

static const char *const top_fields[] = { "format",       "name",         "distro",
					  "suites",       "architecture", "prefix",
					  "compiler_id",  "requested",    "packages",
					  "alternatives", "digest",       NULL };
static const char *const pkg_fields[] = { "name",           "version", "architecture",
					  "suite",          "pool",    "deb_sha256",
					  "installed_size", "files",   NULL };
static const char *const alt_fields[] = { "name", "link", "path", NULL };
static const char *const file_fields[] = { "path", "sha256", "symlink", NULL };

const char *toolchain_dir(void)
{
	static const char *const rels[] = { "../toolchains", "../share/lockstep/toolchains", NULL };
	static char *dir; /* found once, kept for the process */
	const char *env = getenv("LOCKSTEP_TOOLCHAINS");

	if (env && *env)
		return env;
	if (!dir)
		dir = fs_beside_exe(rels);
	return dir ? dir : "/usr/local/share/lockstep/toolchains";
}

/* Characters allowed in each kind of value: what Debian allows, no more. */
static int chars_ok(const char *s, const char *extra, int first_alnum)
{
	if (!*s || (first_alnum && !isalnum((unsigned char)*s)))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      strchr(extra, *s)))
			return 0;
	return 1;
}

static int name_ok(const char *s)
{
	return chars_ok(s, "._-", 1) && strlen(s) <= 128;
}

void pin_compute_digest(const cJSON *root, char hex[DIGEST_HEX_LEN + 1])
{
	cJSON *copy = cJSON_Duplicate(root, 1);
	char *s;

	cJSON_DeleteItemFromObjectCaseSensitive(copy, "digest");
	s = json_print_canonical(copy);
	digest_buf(s, strlen(s), hex);
	free(s);
	cJSON_Delete(copy);
}

static int sha_field(const cJSON *obj, const char *key, const char *file, const char *at,
		     char out[DIGEST_HEX_LEN + 1], struct err *e)
{
	const char *s;

	if (json_get_string(obj, key, 1, file, at, &s, e) < 0)
		return -1;
	if (!digest_is_hex(s))
		return err_set(e, "%s: \"%s%s%s\": not a sha256 (64 lowercase hex digits)", file,
			       at, *at ? "." : "", key);
	memcpy(out, s, DIGEST_HEX_LEN + 1);
	return 0;
}

static int load_file_entry(const cJSON *f, const char *file, const char *at, struct pin_file *pf,
			   struct err *e)
{
	const char *path, *link, *sha;

	if (json_check_object(f, file_fields, file, at, e) < 0 ||
	    json_get_string(f, "path", 1, file, at, &path, e) < 0 ||
	    json_get_string(f, "symlink", 0, file, at, &link, e) < 0 ||
	    json_get_string(f, "sha256", 0, file, at, &sha, e) < 0)
		return -1;
	if (!fs_rel_path_ok(path) || strstr(path, "//") || strstr(path, "/./") ||
	    !strncmp(path, "./", 2) || path[strlen(path) - 1] == '/')
		return err_set(e, "%s: \"%s.path\": \"%s\": not a normalized path below /", file,
			       at, path);
	if (!!link == !!sha)
		return err_set(e, "%s: \"%s\": needs exactly one of \"sha256\" and \"symlink\"",
			       file, at);
	if (link && !*link)
		return err_set(e, "%s: \"%s.symlink\": empty target", file, at);
	if (sha && sha_field(f, "sha256", file, at, pf->sha256, e) < 0)
		return -1;
	pf->path = xstrdup(path);
	pf->symlink = link ? xstrdup(link) : NULL;
	return 0;
}

static int load_package(const cJSON *p, const char *file, const char *at, struct pin_package *pp,
			struct err *e)
{
	const char *name, *version, *arch, *suite, *pool;
	const cJSON *files, *f;
	int64_t isize;
	size_t n = 0, i = 0;
	char fat[128];

	if (json_check_object(p, pkg_fields, file, at, e) < 0 ||
	    json_get_string(p, "name", 1, file, at, &name, e) < 0 ||
	    json_get_string(p, "version", 1, file, at, &version, e) < 0 ||
	    json_get_string(p, "architecture", 1, file, at, &arch, e) < 0 ||
	    sha_field(p, "deb_sha256", file, at, pp->deb_sha256, e) < 0)
		return -1;
	if (!chars_ok(name, "+.-", 1) || strlen(name) > 128)
		return err_set(e, "%s: \"%s.name\": \"%s\": not a Debian package name", file, at,
			       name);
	if (!isdigit((unsigned char)*version) || strlen(version) > 128 ||
	    strspn(version,
		   "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+~:-") !=
		    strlen(version))
		return err_set(e, "%s: \"%s.version\": \"%s\": not a Debian version", file, at,
			       version);
	if (!chars_ok(arch, "-", 1) || strlen(arch) > 32)
		return err_set(e, "%s: \"%s.architecture\": \"%s\": not a Debian architecture",
			       file, at, arch);
	pp->name = xstrdup(name);
	pp->version = xstrdup(version);
	pp->arch = xstrdup(arch);
	if (json_get_string(p, "suite", 1, file, at, &suite, e) < 0 ||
	    json_get_string(p, "pool", 1, file, at, &pool, e) < 0 ||
	    json_get_int(p, "installed_size", 1, file, at, &isize, e) < 0)
		return -1;
	if (!name_ok(suite))
		return err_set(e, "%s: \"%s.suite\": \"%s\": not a suite name", file, at, suite);
	if (strncmp(pool, "pool/", 5) || !fs_rel_path_ok(pool) || strstr(pool, "//") ||
	    strlen(pool) < 10 || strcmp(pool + strlen(pool) - 4, ".deb"))
		return err_set(e, "%s: \"%s.pool\": \"%s\": not a pool path (pool/.../NAME.deb)",
			       file, at, pool);
	pp->suite = xstrdup(suite);
	pp->pool = xstrdup(pool);
	pp->installed_size = isize;
	files = cJSON_GetObjectItemCaseSensitive(p, "files");
	if (!cJSON_IsArray(files))
		return err_set(e, "%s: \"%s.files\": expected an array", file, at);
	cJSON_ArrayForEach(f, files) n++;
	if (n > PIN_MAX_FILES)
		return err_set(e, "%s: \"%s.files\": more than %d files", file, at, PIN_MAX_FILES);
	pp->files = xcalloc(n ? n : 1, sizeof(*pp->files));
	cJSON_ArrayForEach(f, files)
	{
		snprintf(fat, sizeof(fat), "%s.files[%zu]", at, i);
		if (load_file_entry(f, file, fat, &pp->files[i], e) < 0)
			return -1;
		pp->nfiles = ++i;
		/* Sorted and unique: one canonical form, and binary search works. */
		if (i > 1 && strcmp(pp->files[i - 2].path, pp->files[i - 1].path) >= 0)
			return err_set(e,
				       "%s: \"%s.path\": \"%s\": files must be sorted by path, "
				       "without duplicates",
				       file, fat, pp->files[i - 1].path);
	}
	return 0;
}

/* An absolute, normalized path ("/usr/bin/awk"). */
static int abs_path_ok(const char *s)
{
	return s[0] == '/' && fs_rel_path_ok(s + 1) && !strstr(s, "//") && !strstr(s, "/./") &&
	       s[strlen(s) - 1] != '/';
}

static int load_alternatives(struct toolchain *t, const cJSON *root, struct err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "alternatives"), *a;
	size_t n = 0;

	if (!cJSON_IsArray(arr))
		return err_set(e, "%s: \"alternatives\": expected an array", t->path);
	cJSON_ArrayForEach(a, arr) n++;
	if (n > PIN_MAX_ALTERNATIVES)
		return err_set(e, "%s: \"alternatives\": more than %d", t->path,
			       PIN_MAX_ALTERNATIVES);
	t->alts = xcalloc(n ? n : 1, sizeof(*t->alts));
	cJSON_ArrayForEach(a, arr)
	{
		const char *name, *link, *path;
		char at[64];
		snprintf(at, sizeof(at), "alternatives[%zu]", t->nalts);
		if (json_check_object(a, alt_fields, t->path, at, e) < 0 ||
		    json_get_string(a, "name", 1, t->path, at, &name, e) < 0 ||
		    json_get_string(a, "link", 1, t->path, at, &link, e) < 0 ||
		    json_get_string(a, "path", 1, t->path, at, &path, e) < 0)
			return -1;
		if (!chars_ok(name, "._+-", 1) || strlen(name) > 128)
			return err_set(e, "%s: \"%s.name\": \"%s\": not an alternative name",
				       t->path, at, name);
		if (!abs_path_ok(link) || !abs_path_ok(path) || !strncmp(link, "/etc/", 5))
			return err_set(e,
				       "%s: \"%s\": link and path must be absolute, normalized "
				       "and outside /etc",
				       t->path, at);
		for (size_t j = 0; j < t->nalts; j++)
			if (!strcmp(t->alts[j].name, name) || !strcmp(t->alts[j].link, link))
				return err_set(e, "%s: \"%s\": \"%s\": listed twice", t->path, at,
					       name);
		t->alts[t->nalts].name = xstrdup(name);
		t->alts[t->nalts].link = xstrdup(link);
		t->alts[t->nalts++].path = xstrdup(path);
	}
	return 0;
}

/* A required array of names, each checked with ok; *out NULL-terminated. */
static int load_names(const cJSON *root, const char *key, const char *file, int (*ok)(const char *),
		      char ***out, struct err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key), *a;
	size_t n = 0;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > PIN_MAX_PACKAGES)
		return err_set(e, "%s: \"%s\": expected an array of at most %d names", file, key,
			       PIN_MAX_PACKAGES);
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
	cJSON_ArrayForEach(a, arr)
	{
		if (!cJSON_IsString(a) || !ok(a->valuestring))
			return err_set(e, "%s: \"%s[%zu]\": not a valid name", file, key, n);
		(*out)[n++] = xstrdup(a->valuestring);
	}
	return 0;
}

static int pkg_name_ok(const char *s)
{
	return chars_ok(s, "+.-", 1) && strlen(s) <= 128;
}

static int load_json(struct toolchain *t, const cJSON *root, struct err *e)
{
	const char *file = t->path, *name, *prefix, *cid, *distro, *arch;
	const cJSON *pkgs, *p;
	int64_t format;
	size_t n = 0, i = 0;
	char at[64], want[DIGEST_HEX_LEN + 1];

	if (json_check_object(root, top_fields, file, "", e) < 0 ||
	    json_get_int(root, "format", 1, file, "", &format, e) < 0)
		return -1;
	if (format != PIN_FORMAT)
		return err_set(e, "%s: \"format\": %lld: unsupported (this lockstep reads %d)",
			       file, (long long)format, PIN_FORMAT);
	if (json_get_string(root, "name", 1, file, "", &name, e) < 0 ||
	    json_get_string(root, "distro", 1, file, "", &distro, e) < 0 ||
	    json_get_string(root, "architecture", 1, file, "", &arch, e) < 0 ||
	    json_get_string(root, "prefix", 1, file, "", &prefix, e) < 0 ||
	    json_get_string(root, "compiler_id", 1, file, "", &cid, e) < 0 ||
	    sha_field(root, "digest", file, "", t->digest, e) < 0)
		return -1;
	if (!name_ok(name))
		return err_set(e, "%s: \"name\": \"%s\": use [a-z0-9._-]", file, name);
	if (!name_ok(distro))
		return err_set(e, "%s: \"distro\": \"%s\": expected a name like \"debian-12\"",
			       file, distro);
	if (!chars_ok(arch, "-", 1) || strlen(arch) > 32)
		return err_set(e, "%s: \"architecture\": \"%s\": not a Debian architecture", file,
			       arch);
	if (*prefix && (!chars_ok(prefix, "._-", 1) || prefix[strlen(prefix) - 1] != '-'))
		return err_set(e,
			       "%s: \"prefix\": \"%s\": expected a tool prefix like "
			       "\"riscv64-unknown-elf-\" (or \"\")",
			       file, prefix);
	if ((*cid || *prefix) && (strncmp(cid, "GCC: ", 5) || strlen(cid) > 256))
		return err_set(e, "%s: \"compiler_id\": \"%s\": expected a GCC .comment string",
			       file, cid);
	t->name = xstrdup(name);
	t->distro = xstrdup(distro);
	t->arch = xstrdup(arch);
	t->prefix = xstrdup(prefix);
	t->compiler_id = xstrdup(cid);
	if (load_names(root, "suites", file, name_ok, &t->suites, e) < 0 ||
	    load_names(root, "requested", file, pkg_name_ok, &t->requested, e) < 0)
		return -1;
	pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
	if (!cJSON_IsArray(pkgs) || !cJSON_GetArraySize(pkgs))
		return err_set(e, "%s: \"packages\": expected a non-empty array", file);
	cJSON_ArrayForEach(p, pkgs) n++;
	if (n > PIN_MAX_PACKAGES)
		return err_set(e, "%s: \"packages\": more than %d packages", file,
			       PIN_MAX_PACKAGES);
	t->pkgs = xcalloc(n, sizeof(*t->pkgs));
	cJSON_ArrayForEach(p, pkgs)
	{
		snprintf(at, sizeof(at), "packages[%zu]", i);
		t->npkgs = i + 1;
		if (load_package(p, file, at, &t->pkgs[i], e) < 0)
			return -1;
		/* Sorted by name: one canonical form, and duplicates are adjacent. */
		if (i && strcmp(t->pkgs[i - 1].name, t->pkgs[i].name) >= 0)
			return err_set(e,
				       "%s: \"%s.name\": \"%s\": packages must be sorted by name, "
				       "without duplicates",
				       file, at, t->pkgs[i].name);
		i++;
	}
	if (load_alternatives(t, root, e) < 0)
		return -1;
	/* Last: the seal over everything above. */
	pin_compute_digest(root, want);
	if (strcmp(want, t->digest))
		return err_set(e,
			       "%s: \"digest\": combined digest differs (recorded %.12s…, "
			       "computed %.12s…): the pin was edited without resealing",
			       file, t->digest, want);
	pin_root_id(t, t->root_id);
	return 0;
}

int toolchain_load_file(const char *path, struct toolchain **out, struct err *e)
{
	struct toolchain *t = xcalloc(1, sizeof(*t));
	cJSON *root = NULL;
	int ret = -1;

	*out = NULL;
	t->path = xstrdup(path);
	if (fs_read_file(path, JSON_MAX_FILE, &t->bytes, &t->len, e) < 0 ||
	    json_parse_buf(t->bytes, t->len, path, &root, e) < 0 || load_json(t, root, e) < 0)
		goto out;
	*out = t;
	t = NULL;
	ret = 0;
out:
	cJSON_Delete(root);
	toolchain_free(t);
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void toolchain_names(struct strv *out)
{
	DIR *d = opendir(toolchain_dir());
	struct dirent *de;
	size_t n;

	if (!d)
		return;
	while ((de = readdir(d)))
		if ((n = strlen(de->d_name)) > 5 && de->d_name[0] != '.' &&
		    !strcmp(de->d_name + n - 5, ".json"))
			strv_take(out, xstrndup(de->d_name, n - 5));
	closedir(d);
	qsort(out->v, out->n, sizeof(*out->v), cmp_name);
}

int toolchain_load(const char *name, struct toolchain **out, struct err *e)
{
	char *path = NULL;
	int ret = -1;

	*out = NULL;
	if (!name_ok(name))
		return err_set(e, "toolchain \"%s\": not a pin name (use [a-z0-9._-])", name);
	path = xasprintf("%s/%s.json", toolchain_dir(), name);
	if (!fs_exists(path)) {
		struct strv names = STRV_INIT;
		struct buf list = BUF_INIT;
		const char *near;
		toolchain_names(&names);
		for (size_t i = 0; i < names.n; i++)
			buf_addf(&list, "%s%s", i ? ", " : "", names.v[i]);
		near = suggest_closest(name, (const char *const *)names.v, names.n);
		err_set(e, "toolchain \"%s\": no pin %s%s%s%s (pins: %s)", name, path,
			near ? "; did you mean \"" : "", near ? near : "", near ? "\"?" : "",
			list.len ? list.data : "none");
		buf_release(&list);
		strv_release(&names);
		goto out;
	}
	if (toolchain_load_file(path, out, e) < 0)
		goto out;
	if (strcmp((*out)->name, name)) {
		err_set(e, "%s: \"name\": \"%s\": differs from the file name", path, (*out)->name);
		toolchain_free(*out);
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	free(path);
	return ret;
}

void toolchain_free(struct toolchain *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->npkgs; i++) {
		struct pin_package *p = &t->pkgs[i];
		for (size_t j = 0; j < p->nfiles; j++) {
			free(p->files[j].path);
			free(p->files[j].symlink);
		}
		free(p->files);
		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->suite);
		free(p->pool);
	}
	free(t->pkgs);
	for (size_t i = 0; i < t->nalts; i++) {
		free(t->alts[i].name);
		free(t->alts[i].link);
		free(t->alts[i].path);
	}
	free(t->alts);
	for (char **s = t->suites; s && *s; s++)
		free(*s);
	free(t->suites);
	for (char **s = t->requested; s && *s; s++)
		free(*s);
	free(t->requested);
	free(t->distro);
	free(t->arch);
	free(t->root);
	free(t->path);
	free(t->bytes);
	free(t->name);
	free(t->prefix);
	free(t->compiler_id);
	free(t);
}
