/* SPDX-License-Identifier: MIT */
/* A recipe's "source" (docs/recipe.md): a directory, a git commit, a
 * tarball by sha256 or a Debian source package, each form with its own
 * fields, checked lexically here; builder/source.c makes the source
 * archive from it. */
#include "builder/recipe_int.h"

#include <stdint.h>
#include <string.h>

#include "core/json.h"

static const char *const source_fields[] = { "dir",     "exclude", "git",   "commit",
					     "tarball", "sha256",  "strip", "debian-source",
					     "version", "suite",   NULL };

static int commit_ok(const char *s)
{
	size_t n = strlen(s);

	if (n != 40 && n != 64) /* SHA-1 or SHA-256 object names, in full */
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* A relative path naming a file or directory by where it lies from the
 * recipe: ".." may climb out (a kernel tree beside the recipe's
 * repository), an absolute path may not (a host path in the recipe text,
 * which the provenance embeds, would make two hosts' builds differ). */
static int source_path_ok(const char *p)
{
	return *p && *p != '/';
}

/* An http(s) URL a tarball may be fetched from. */
int recipe_url_ok(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static int hex64_ok(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* A Debian source package name and version, as policy 5.6.1 and 5.6.12
 * spell them: they become a pool path and file names. */
static int deb_name_ok(const char *s)
{
	if (strlen(s) < 2 || strlen(s) > 100 ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789+-.") == strlen(s);
}

static int deb_version_ok(const char *s)
{
	return *s && strlen(s) <= 128 && *s >= '0' && *s <= '9' &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+~:-") ==
		       strlen(s);
}

static int load_exclude(const cJSON *s, struct recipe *r, const char *f, struct err *e)
{
	const cJSON *arr = cJSON_IsObject(s) ? cJSON_GetObjectItemCaseSensitive(s, "exclude")
					     : NULL,
		    *c;
	size_t i = 0;

	if (arr && !cJSON_IsArray(arr))
		return err_set(e, "%s: \"source.exclude\": expected an array of strings", f);
	cJSON_ArrayForEach(c, arr)
	{
		if (!cJSON_IsString(c) || !*c->valuestring)
			return err_set(e,
				       "%s: \"source.exclude[%zu]\": expected a non-empty string",
				       f, i);
		if (c->valuestring[0] == '/')
			return err_set(
				e,
				"%s: \"source.exclude[%zu]\": \"%s\" must be relative to the source directory",
				f, i, c->valuestring);
		if (++i > RECIPE_MAX_EXCLUDES)
			return err_set(e, "%s: \"source.exclude\": more than %d entries", f,
				       RECIPE_MAX_EXCLUDES);
		strv_push(&r->source_exclude, c->valuestring);
	}
	return 0;
}

/* {"tarball": PATH-or-URL, "sha256": HEX[, "strip": 0|1]} */
static int load_tarball(const cJSON *s, const char *where, struct recipe *r, const char *f,
			struct err *e)
{
	const char *sha;
	int64_t strip = 0;

	if (json_get_string(s, "sha256", 1, f, "source", &sha, e) < 0 ||
	    json_get_int(s, "strip", 0, f, "source", &strip, e) < 0)
		return -1;
	if (!hex64_ok(sha))
		return err_set(
			e,
			"%s: \"source.sha256\": \"%s\" is not a sha256 (64 lowercase hex digits)",
			f, sha);
	if (strip != 0 && strip != 1)
		return err_set(
			e, "%s: \"source.strip\": 0 or 1 (drop the tarball's one top directory)",
			f);
	if (!recipe_url_ok(where) && (strstr(where, "://") || !source_path_ok(where)))
		return err_set(
			e,
			"%s: \"source.tarball\": \"%s\" must be a path relative to the recipe's directory or an http(s) URL",
			f, where);
	r->source_kind = RECIPE_SOURCE_TARBALL;
	r->source_sha256 = xstrdup(sha);
	r->source_strip = (int)strip;
	return 0;
}

/* {"debian-source": NAME, "version": V[, "suite": S]} */
static int load_debian(const cJSON *s, const char *name, struct recipe *r, const char *f,
		       struct err *e)
{
	const char *version, *suite = NULL;

	if (json_get_string(s, "version", 1, f, "source", &version, e) < 0 ||
	    json_get_string(s, "suite", 0, f, "source", &suite, e) < 0)
		return -1;
	if (!deb_name_ok(name))
		return err_set(
			e,
			"%s: \"source.debian-source\": \"%s\" is not a Debian source package name",
			f, name);
	if (!deb_version_ok(version))
		return err_set(e, "%s: \"source.version\": \"%s\" is not a Debian version", f,
			       version);
	if (suite && !recipe_name_ok(suite))
		return err_set(e, "%s: \"source.suite\": \"%s\" is not a suite name", f, suite);
	r->source_kind = RECIPE_SOURCE_DEBIAN;
	r->source_version = xstrdup(version);
	r->source_suite = suite ? xstrdup(suite) : NULL;
	return 0;
}

/* "source": a directory as a string (back-compatible), or an object with
 * exactly one of "dir" (+ "exclude"), "git" (+ "commit"), "tarball" (+
 * "sha256", "strip") or "debian-source" (+ "version", "suite"); the
 * fields of one form are refused with another. */
int recipe_load_source(const cJSON *s, struct recipe *r, const char *f, struct err *e)
{
	static const char *const forms[] = { "dir", "git", "tarball", "debian-source" };
	static const char *const own[][4] = { { "exclude", NULL },
					      { "commit", NULL },
					      { "sha256", "strip", NULL },
					      { "version", "suite", NULL } };
	const char *val[4] = { NULL }, *what = NULL;
	size_t form = 0, nforms = 0;

	if (!s)
		return err_set(e, "%s: \"source\": missing required field", f);
	if (cJSON_IsString(s)) {
		val[0] = s->valuestring;
	} else if (!cJSON_IsObject(s)) {
		return err_set(e, "%s: \"source\": expected a directory or an object", f);
	} else if (json_check_object(s, source_fields, f, "source", e) < 0) {
		return -1;
	}
	for (size_t i = 0; i < 4 && cJSON_IsObject(s); i++)
		if (json_get_string(s, forms[i], 0, f, "source", &val[i], e) < 0)
			return -1;
	for (size_t i = 0; i < 4; i++)
		if (val[i]) {
			form = i;
			nforms++;
		}
	if (nforms != 1)
		return err_set(
			e,
			"%s: \"source\": needs exactly one of \"dir\", \"git\", \"tarball\" and \"debian-source\"",
			f);
	what = val[form];
	for (size_t i = 0; i < 4 && cJSON_IsObject(s); i++)
		for (size_t k = 0; i != form && own[i][k]; k++)
			if (cJSON_GetObjectItemCaseSensitive(s, own[i][k]))
				return err_set(e, "%s: \"source.%s\": only with \"%s\"", f,
					       own[i][k], forms[i]);
	r->source_path = xstrdup(what);
	if (form == 2)
		return load_tarball(s, what, r, f, e);
	if (form == 3)
		return load_debian(s, what, r, f, e);
	if (form == 1) {
		const char *commit = NULL;
		if (json_get_string(s, "commit", 0, f, "source", &commit, e) < 0)
			return -1;
		if (!commit)
			return err_set(
				e,
				"%s: \"source.commit\": missing (\"git\" builds one named commit)",
				f);
		if (!commit_ok(commit))
			return err_set(
				e,
				"%s: \"source.commit\": \"%s\" is not a full commit id (40 or 64 lowercase hex digits)",
				f, commit);
		r->source_commit = xstrdup(commit);
	}
	if (!source_path_ok(what))
		return err_set(
			e,
			"%s: \"source%s\": \"%s\" must be a path relative to the recipe's directory",
			f,
			cJSON_IsString(s) ? ""
			: form            ? ".git"
					  : ".dir",
			what);
	r->source_kind = form ? RECIPE_SOURCE_GIT : RECIPE_SOURCE_DIR;
	return load_exclude(s, r, f, e);
}
