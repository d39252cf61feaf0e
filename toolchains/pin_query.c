/* SPDX-License-Identifier: MIT */
/* What a loaded environment pin says, for its readers: its fields, its
 * packages as purls (provenance, SBOM) and as file names in the store, the
 * root's id and where the store is.  Loading and checking the pin is
 * pin.c's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

const char *toolchain_name(const struct toolchain *t)
{
	return t->name;
}
const char *toolchain_path(const struct toolchain *t)
{
	return t->path;
}
const char *toolchain_prefix(const struct toolchain *t)
{
	return t->prefix;
}
const char *toolchain_digest(const struct toolchain *t)
{
	return t->digest;
}
const char *toolchain_compiler_id(const struct toolchain *t)
{
	return t->compiler_id;
}
size_t toolchain_package_count(const struct toolchain *t)
{
	return t->npkgs;
}

const char *toolchain_package_version(const struct toolchain *t, const char *name)
{
	size_t lo = 0, hi = t->npkgs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->pkgs[mid].name, name);
		if (!c)
			return t->pkgs[mid].version;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int toolchain_has_package(const struct toolchain *t, const char *name)
{
	return toolchain_package_version(t, name) != NULL;
}

const char *const *toolchain_suites(const struct toolchain *t)
{
	return (const char *const *)t->suites;
}

const char *toolchain_pin_bytes(const struct toolchain *t, size_t *len)
{
	if (len)
		*len = t->len;
	return t->bytes;
}

/* ECMA-427 leaves these as they are in a name or version; everything else
 * is percent-encoded ('+' as %2B).  The version's epoch ':' stays too. */
static void purl_add(struct buf *b, const char *s, int keep_colon)
{
	for (; *s; s++)
		if (isalnum((unsigned char)*s) || strchr(".-_~", *s) || (keep_colon && *s == ':'))
			buf_add(b, s, 1);
		else
			buf_addf(b, "%%%02X", (unsigned char)*s);
}

char *pin_purl(const char *name, const char *version, const char *arch, const char *distro)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "pkg:deb/debian/");
	purl_add(&b, name, 0);
	buf_addstr(&b, "@");
	purl_add(&b, version, 1);
	/* Qualifiers sorted by key, as the canonical form wants. */
	buf_addstr(&b, "?arch=");
	purl_add(&b, arch, 0);
	if (distro) {
		buf_addstr(&b, "&distro=");
		purl_add(&b, distro, 0);
	}
	return buf_take(&b, NULL);
}

char *pin_root_path(const char *path)
{
	static const char *const aliased[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

	for (size_t i = 0; i < sizeof(aliased) / sizeof(aliased[0]); i++) {
		size_t n = strlen(aliased[i]);
		if (strncmp(path, aliased[i], n))
			continue;
		if (!path[n])
			return NULL;
		if (path[n] == '/')
			return xasprintf("usr/%s", path);
	}
	return xstrdup(path);
}

void pin_root_id(const struct toolchain *t, char hex[DIGEST_HEX_LEN + 1])
{
	struct buf b = BUF_INIT;
	char *s;

	buf_addstr(&b, "lockstep-root/1\n");
	for (size_t i = 0; i < t->npkgs; i++)
		buf_addf(&b, "%s %s %s %s\n", t->pkgs[i].name, t->pkgs[i].version, t->pkgs[i].arch,
			 t->pkgs[i].deb_sha256);
	for (size_t i = 0; i < t->nalts; i++)
		buf_addf(&b, "alternative %s %s %s\n", t->alts[i].name, t->alts[i].link,
			 t->alts[i].path);
	s = buf_take(&b, NULL);
	digest_buf(s, strlen(s), hex);
	free(s);
}

cJSON *toolchain_resolved_deps(const struct toolchain *t)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		cJSON *o = cJSON_CreateObject();
		char *u = pin_purl(p->name, p->version, p->arch, t->distro);
		json_add_str(o, "uri", u);
		json_add_sha256(o, p->deb_sha256);
		json_add_str(o, "name", p->name);
		cJSON_AddItemToArray(arr, o);
		free(u);
	}
	return arr;
}

cJSON *toolchain_summary(const struct toolchain *t)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();

	json_add_str(o, "name", t->name);
	json_add_str(o, "file", t->path);
	json_add_str(o, "prefix", t->prefix);
	json_add_str(o, "compiler_id", t->compiler_id);
	json_add_str(o, "digest", t->digest);
	json_add_str(o, "distro", t->distro);
	json_add_str(o, "architecture", t->arch);
	json_add_str(o, "root_id", t->root_id);
	for (size_t i = 0; i < t->npkgs; i++) {
		const struct pin_package *p = &t->pkgs[i];
		cJSON *q = cJSON_CreateObject();
		char *u = pin_purl(p->name, p->version, p->arch, t->distro);
		json_add_str(q, "name", p->name);
		json_add_str(q, "version", p->version);
		json_add_str(q, "architecture", p->arch);
		json_add_str(q, "deb_sha256", p->deb_sha256);
		json_add_str(q, "suite", p->suite);
		json_add_str(q, "pool", p->pool);
		cJSON_AddNumberToObject(q, "installed_size", (double)p->installed_size);
		json_add_str(q, "uri", u);
		cJSON_AddNumberToObject(q, "files", (double)p->nfiles);
		cJSON_AddItemToArray(arr, q);
		free(u);
	}
	cJSON_AddItemToObject(o, "packages", arr);
	return o;
}

char *pin_deb_name(const struct pin_package *p)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s_", p->name);
	for (const char *v = p->version; *v; v++)
		if (*v == ':')
			buf_addstr(&b, "%3a");
		else
			buf_add(&b, v, 1);
	buf_addf(&b, "_%s.deb", p->arch);
	return buf_take(&b, NULL);
}

char *pin_deb_path(const char *home, const struct pin_package *p)
{
	char *name = pin_deb_name(p), *path = xasprintf("%s/debs/%s", home, name);
	free(name);
	return path;
}

char *pin_root_dir(const char *home, const struct toolchain *t)
{
	return xasprintf("%s/roots/%s", home, t->root_id);
}

char *toolchain_home(struct err *e)
{
	const char *h = getenv("LOCKSTEP_HOME"), *x = getenv("XDG_CACHE_HOME");

	if (h && *h)
		return xstrdup(h);
	if (x && *x == '/')
		return xasprintf("%s/lockstep", x);
	h = getenv("HOME");
	if (h && *h)
		return xasprintf("%s/.cache/lockstep", h);
	err_set(e, "no lockstep home: set LOCKSTEP_HOME (or XDG_CACHE_HOME or HOME)");
	return NULL;
}
