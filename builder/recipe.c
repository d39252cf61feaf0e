/* SPDX-License-Identifier: MIT */
/* Parsing and validating recipe.json. */
#include "builder/recipe.h"

#include <ctype.h>
#include <stdio.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builder/matrix.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "versioning/version.h"

static const char *const top_fields[] = {
	"name", "kind", "version", "source", "toolchain", "environment", "packages", "target",
	"env", "source_date_epoch", "steps", "outputs", "smoke", "timeout", "matrix",
	"version_policy", "limits", NULL
};
static const char *const limits_fields[] = { "disk_bytes", "log_bytes", NULL };
static const char *const target_fields[] = { "triple", "march", "mabi", NULL };
static const char *const smoke_fields[] = { "command", "expect", "timeout", NULL };
static const char *const source_fields[] = { "dir",     "exclude", "git",     "commit",
					       "tarball", "sha256",  "strip",   "debian-source",
					       "version", "suite",   NULL };

/* Variables the sandbox and the builder set; a recipe may not override
 * them, or two builds of "the same" recipe could differ silently. */
static const char *const reserved_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "TZ", "LC_ALL", "LANG", "SOURCE_DATE_EPOCH",
	"CROSS_COMPILE", "TARGET_TRIPLE", "MARCH", "MABI", "LD_PRELOAD", "LD_LIBRARY_PATH", NULL
};

static int name_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return 0;
	return s[0] != '.' && s[0] != '-';
}

static int env_key_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int flag_ok(const char *s)
{
	/* -march/-mabi values reach a command line: keep them to a safe alphabet. */
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int load_target(const cJSON *t, struct recipe *r, const char *f, struct err *e)
{
	const char *triple, *march, *mabi;

	if (json_check_object(t, target_fields, f, "target", e) < 0 ||
	    json_get_string(t, "triple", 1, f, "target", &triple, e) < 0 ||
	    json_get_string(t, "march", 1, f, "target", &march, e) < 0 ||
	    json_get_string(t, "mabi", 1, f, "target", &mabi, e) < 0)
		return -1;
	if (!name_ok(triple))
		return err_set(e, "%s: \"target.triple\": \"%s\" is not a target triple", f, triple);
	if (!flag_ok(march) || strncmp(march, "rv", 2))
		return err_set(e, "%s: \"target.march\": \"%s\" is not a RISC-V -march value", f, march);
	if (!flag_ok(mabi))
		return err_set(e, "%s: \"target.mabi\": \"%s\" is not a RISC-V -mabi value", f, mabi);
	r->triple = xstrdup(triple);
	r->march = xstrdup(march);
	r->mabi = xstrdup(mabi);
	return 0;
}

static int load_env(const cJSON *env, struct recipe *r, const char *f, struct err *e)
{
	const cJSON *c;

	if (!env)
		return 0;
	if (!cJSON_IsObject(env))
		return err_set(e, "%s: \"env\": expected an object of strings", f);
	cJSON_ArrayForEach(c, env) {
		if (!env_key_ok(c->string))
			return err_set(e, "%s: \"env.%s\": not a valid variable name", f, c->string);
		for (const char *const *k = reserved_env; *k; k++)
			if (!strcmp(*k, c->string))
				return err_set(e, "%s: \"env.%s\": set by lockstep, a recipe may not override it", f, c->string);
		if (!cJSON_IsString(c))
			return err_set(e, "%s: \"env.%s\": expected a string", f, c->string);
		strv_pushf(&r->env, "%s=%s", c->string, c->valuestring);
	}
	strv_sort(&r->env);
	return 0;
}

static int load_list(const cJSON *j, const char *key, struct strv *out, size_t max, int paths,
		     const char *f, struct err *e)
{
	const cJSON *arr, *c;
	int i = 0;

	if (json_get_string_array(j, key, 1, f, "", &arr, e) < 0)
		return -1;
	cJSON_ArrayForEach(c, arr) {
		const char *s = c->valuestring;
		if (!*s)
			return err_set(e, "%s: \"%s[%d]\": empty", f, key, i);
		if (paths && !fs_rel_path_ok(s))
			return err_set(e, "%s: \"%s[%d]\": path escapes the build directory", f, key, i);
		if (paths && s[strlen(s) - 1] == '/')
			return err_set(e, "%s: \"%s[%d]\": names a directory, not a file", f, key, i);
		strv_push(out, s);
		i++;
	}
	if (i == 0)
		return err_set(e, "%s: \"%s\": must not be empty", f, key);
	if ((size_t)i > max)
		return err_set(e, "%s: \"%s\": more than %zu entries", f, key, max);
	return 0;
}

static const char *const output_fields[] = { "path", "glob", "as", "optional", NULL };

int recipe_subject_name_ok(const char *s, const char **why)
{
	static const char *const reserved[] = { "provenance.json", "build.log", "environment.json",
						NULL };
	size_t first = strcspn(s, "/");
	const char *p = s;

	*why = "is not a relative path of plain names";
	if (!*s || strlen(s) > 1024 || *s == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n + (p[n] == '/');
		if (p[-1] == '/' && !*p)
			return 0; /* a trailing '/' names a directory */
	}
	*why = "holds a character other than letters, digits and \". _ + - @ = , ~ /\"";
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._+-@=,~/", *p)))
			return 0;
	*why = "is reserved";
	for (const char *const *r = reserved; *r; r++)
		if (first == strlen(*r) && !strncmp(s, *r, first))
			return 0;
	return strncmp(s, "source.", 7) != 0;
}

/* A glob's "**" stands for whole path components: "a**" would mean
 * something different to every reader. */
static int glob_ok(const char *g)
{
	for (const char *p = strstr(g, "**"); p; p = strstr(p + 2, "**"))
		if ((p != g && p[-1] != '/') || (p[2] && p[2] != '/'))
			return 0;
	return 1;
}

static int load_output(const cJSON *c, size_t i, struct recipe_output *o, const char *f,
		       struct err *e)
{
	const char *path = NULL, *glob = NULL, *as = NULL;
	char at[32];
	int opt = 0;

	snprintf(at, sizeof(at), "outputs[%zu]", i);
	if (cJSON_IsString(c)) {
		path = c->valuestring;
	} else if (!cJSON_IsObject(c)) {
		return err_set(e, "%s: \"%s\": expected a path or an object", f, at);
	} else {
		const cJSON *oj = cJSON_GetObjectItemCaseSensitive(c, "optional");
		if (json_check_object(c, output_fields, f, at, e) < 0 ||
		    json_get_string(c, "path", 0, f, at, &path, e) < 0 ||
		    json_get_string(c, "glob", 0, f, at, &glob, e) < 0 ||
		    json_get_string(c, "as", 0, f, at, &as, e) < 0)
			return -1;
		if (!path == !glob)
			return err_set(e, "%s: \"%s\": needs exactly one of \"path\" and \"glob\"", f, at);
		if (oj && !cJSON_IsBool(oj))
			return err_set(e, "%s: \"%s.optional\": expected true or false", f, at);
		opt = cJSON_IsTrue(oj);
		if (as && glob)
			return err_set(e, "%s: \"%s.as\": only with \"path\" (a glob's matches keep their own names)",
				       f, at);
		if (oj && path)
			return err_set(e, "%s: \"%s.optional\": only with \"glob\" (a named file must be produced)",
				       f, at);
		if (glob)
			path = glob;
	}
	if (!*path)
		return err_set(e, "%s: \"%s\": empty", f, at);
	if (!fs_rel_path_ok(path))
		return err_set(e, "%s: \"%s\": path escapes the build directory", f, at);
	if (path[strlen(path) - 1] == '/')
		return err_set(e, "%s: \"%s\": names a directory, not a file", f, at);
	o->path = xstrdup(path);
	o->glob = path[strcspn(path, "*?[")] != '\0';
	o->optional = opt;
	if (glob && !o->glob)
		return err_set(e, "%s: \"%s.glob\": \"%s\" has no wildcard; give it as \"path\"", f, at, glob);
	if (o->glob && !glob_ok(path))
		return err_set(e, "%s: \"%s\": \"%s\": ** must be a whole path component", f, at, path);
	if (as) {
		const char *why;
		if (!recipe_subject_name_ok(as, &why))
			return strcmp(why, "is reserved")
				       ? err_set(e, "%s: \"%s.as\": \"%s\" %s", f, at, as, why)
				       : err_set(e, "%s: \"%s.as\": the name \"%s\" is reserved", f, at, as);
		o->as = xstrdup(as);
	}
	return 0;
}
/* "outputs": 1 to RECIPE_MAX_OUTPUTS entries.  The names of entries
 * without a wildcard are known now: two alike, or one lockstep writes
 * itself, are refused before anything is built. */
static int load_outputs(const cJSON *j, struct recipe *r, const char *f, struct err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "outputs"), *c;
	size_t n;

	if (!arr)
		return err_set(e, "%s: \"outputs\": missing required field", f);
	if (!cJSON_IsArray(arr))
		return err_set(e, "%s: \"outputs\": expected an array", f);
	n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0)
		return err_set(e, "%s: \"outputs\": must not be empty", f);
	if (n > RECIPE_MAX_OUTPUTS)
		return err_set(e, "%s: \"outputs\": more than %d entries", f, RECIPE_MAX_OUTPUTS);
	r->outputs = xcalloc(n, sizeof(*r->outputs));
	cJSON_ArrayForEach(c, arr) {
		if (load_output(c, r->noutputs, &r->outputs[r->noutputs], f, e) < 0) {
			r->noutputs++;
			return -1;
		}
		r->noutputs++;
	}
	for (size_t i = 0; i < r->noutputs; i++) {
		const char *name = recipe_output_published(&r->outputs[i]), *why;

		if (!name)
			continue;
		for (size_t k = 0; k < i; k++) {
			const char *other = recipe_output_published(&r->outputs[k]);
			if (other && !strcmp(name, other))
				return err_set(e, "%s: \"outputs[%zu]\": \"%s\" has the same published name \"%s\" as outputs[%zu] (publish one under another name with {\"path\": ..., \"as\": ...})",
					       f, i, r->outputs[i].path, name, k);
		}
		if (!r->outputs[i].as && !recipe_subject_name_ok(name, &why))
			return strcmp(why, "is reserved")
				       ? err_set(e, "%s: \"outputs[%zu]\": the name \"%s\" %s", f, i, name, why)
				       : err_set(e, "%s: \"outputs[%zu]\": the name \"%s\" is reserved", f, i, name);
	}
	return 0;
}

static int load_smoke(const cJSON *s, struct recipe *r, const char *f, struct err *e)
{
	const char *cmd, *expect;
	int64_t t = 60;

	if (!s)
		return 0;
	if (json_check_object(s, smoke_fields, f, "smoke", e) < 0 ||
	    json_get_string(s, "command", 1, f, "smoke", &cmd, e) < 0 ||
	    json_get_string(s, "expect", 1, f, "smoke", &expect, e) < 0 ||
	    json_get_int(s, "timeout", 0, f, "smoke", &t, e) < 0)
		return -1;
	if (!*expect)
		return err_set(e, "%s: \"smoke.expect\": must not be empty", f);
	if (t < 1 || t > 3600)
		return err_set(e, "%s: \"smoke.timeout\": must be between 1 and 3600 seconds", f);
	r->smoke_command = xstrdup(cmd);
	r->smoke_expect = xstrdup(expect);
	r->smoke_timeout = (unsigned)t;
	return 0;
}

static int axis_name_ok(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z') || strlen(s) > 32)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int axis_value_ok(const char *s)
{
	/* Values name cells ("a=v,b=w") and directories: no ',', '=' or '/'. */
	if (!*s || strlen(s) > 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._+-", *p)))
			return 0;
	return s[0] != '.';
}

/* The variable an axis reaches the build as; march and mabi travel as
 * MARCH and MABI through the target instead. */
static int axis_env_name(const char *axis, char *out, size_t n)
{
	size_t i;

	if (!strcmp(axis, "march") || !strcmp(axis, "mabi"))
		return 0;
	for (i = 0; axis[i] && i + 1 < n; i++)
		out[i] = (char)toupper((unsigned char)axis[i]);
	out[i] = '\0';
	return 1;
}

/* Whether one value of a target-replacing axis is acceptable where it
 * lands (a -march flag, a -mabi flag, a pin name). */
static int axis_value_fits(const char *axis, const char *v)
{
	if (!strcmp(axis, "march"))
		return flag_ok(v) && !strncmp(v, "rv", 2);
	if (!strcmp(axis, "mabi"))
		return flag_ok(v);
	if (!strcmp(axis, "toolchain"))
		return name_ok(v);
	return 1;
}

static int load_axis(const cJSON *a, struct recipe_axis *ax, const char *f, struct err *e)
{
	const cJSON *v;
	char env[40];
	size_t i;

	if (!axis_name_ok(a->string))
		return err_set(e, "%s: \"matrix.%s\": axis names are a lowercase letter, then lowercase letters, digits or '_' (at most 32)",
			       f, a->string);
	if (!cJSON_IsArray(a))
		return err_set(e, "%s: \"matrix.%s\": expected an array of values", f, a->string);
	ax->name = xstrdup(a->string);
	i = 0;
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v))
			return err_set(e, "%s: \"matrix.%s[%zu]\": expected a string", f, a->string, i);
		if (!axis_value_ok(v->valuestring))
			return err_set(e, "%s: \"matrix.%s[%zu]\": \"%s\" is not a cell value (letters, digits, '.', '_', '+', '-'; at most 64)",
				       f, a->string, i, v->valuestring);
		if (!axis_value_fits(a->string, v->valuestring))
			return err_set(e, "%s: \"matrix.%s[%zu]\": \"%s\" is not a valid %s", f,
				       a->string, i, v->valuestring,
				       !strcmp(a->string, "toolchain") ? "toolchain pin name"
								       : "RISC-V flag value");
		for (size_t k = 0; k < ax->values.n; k++)
			if (!strcmp(ax->values.v[k], v->valuestring))
				return err_set(e, "%s: \"matrix.%s[%zu]\": duplicate value \"%s\"", f,
					       a->string, i, v->valuestring);
		strv_push(&ax->values, v->valuestring);
		i++;
	}
	if (!ax->values.n)
		return err_set(e, "%s: \"matrix.%s\": an axis needs at least one value", f, a->string);
	if (axis_env_name(a->string, env, sizeof(env)))
		for (const char *const *k = reserved_env; *k; k++)
			if (!strcmp(*k, env))
				return err_set(e, "%s: \"matrix.%s\": its variable %s is set by lockstep", f,
					       a->string, env);
	return 0;
}

static int load_matrix(const cJSON *m, struct recipe *r, const char *f, struct err *e)
{
	const cJSON *a;
	size_t n = 0, cells = 1;

	if (!m)
		return 0;
	if (!cJSON_IsObject(m))
		return err_set(e, "%s: \"matrix\": expected an object of axes", f);
	cJSON_ArrayForEach(a, m)
		n++;
	if (n == 0)
		return err_set(e, "%s: \"matrix\": must name at least one axis", f);
	if (n > MATRIX_MAX_AXES)
		return err_set(e, "%s: \"matrix\": %zu axes, at most %d", f, n, MATRIX_MAX_AXES);
	r->axes = xcalloc(n, sizeof(*r->axes));
	cJSON_ArrayForEach(a, m) {
		struct recipe_axis *ax = &r->axes[r->naxes++];
		char env[40];

		if (load_axis(a, ax, f, e) < 0)
			return -1;
		if (axis_env_name(ax->name, env, sizeof(env)))
			for (size_t k = 0; k < r->env.n; k++) {
				size_t len = strlen(env);
				if (!strncmp(r->env.v[k], env, len) && r->env.v[k][len] == '=')
					return err_set(e, "%s: \"matrix.%s\": its variable %s is also set in \"env\"",
						       f, ax->name, env);
			}
		cells *= ax->values.n;
		if (cells > MATRIX_MAX_CELLS)
			return err_set(e, "%s: \"matrix.%s\": the matrix has more than %d cells", f,
				       ax->name, MATRIX_MAX_CELLS);
	}
	return 0;
}

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
static int url_ok(const char *s)
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
	if (strlen(s) < 2 || strlen(s) > 100 || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
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
	const cJSON *arr = cJSON_IsObject(s) ? cJSON_GetObjectItemCaseSensitive(s, "exclude") : NULL, *c;
	size_t i = 0;

	if (arr && !cJSON_IsArray(arr))
		return err_set(e, "%s: \"source.exclude\": expected an array of strings", f);
	cJSON_ArrayForEach(c, arr) {
		if (!cJSON_IsString(c) || !*c->valuestring)
			return err_set(e, "%s: \"source.exclude[%zu]\": expected a non-empty string", f, i);
		if (c->valuestring[0] == '/')
			return err_set(e, "%s: \"source.exclude[%zu]\": \"%s\" must be relative to the source directory",
				       f, i, c->valuestring);
		if (++i > RECIPE_MAX_EXCLUDES)
			return err_set(e, "%s: \"source.exclude\": more than %d entries", f, RECIPE_MAX_EXCLUDES);
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
		return err_set(e, "%s: \"source.sha256\": \"%s\" is not a sha256 (64 lowercase hex digits)",
			       f, sha);
	if (strip != 0 && strip != 1)
		return err_set(e, "%s: \"source.strip\": 0 or 1 (drop the tarball's one top directory)", f);
	if (!url_ok(where) && (strstr(where, "://") || !source_path_ok(where)))
		return err_set(e, "%s: \"source.tarball\": \"%s\" must be a path relative to the recipe's directory or an http(s) URL",
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
		return err_set(e, "%s: \"source.debian-source\": \"%s\" is not a Debian source package name",
			       f, name);
	if (!deb_version_ok(version))
		return err_set(e, "%s: \"source.version\": \"%s\" is not a Debian version", f, version);
	if (suite && !name_ok(suite))
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
static int load_source(const cJSON *s, struct recipe *r, const char *f, struct err *e)
{
	static const char *const forms[] = { "dir", "git", "tarball", "debian-source" };
	static const char *const own[][4] = {
		{ "exclude", NULL }, { "commit", NULL }, { "sha256", "strip", NULL },
		{ "version", "suite", NULL }
	};
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
		return err_set(e, "%s: \"source\": needs exactly one of \"dir\", \"git\", \"tarball\" and \"debian-source\"",
			       f);
	what = val[form];
	for (size_t i = 0; i < 4 && cJSON_IsObject(s); i++)
		for (size_t k = 0; i != form && own[i][k]; k++)
			if (cJSON_GetObjectItemCaseSensitive(s, own[i][k]))
				return err_set(e, "%s: \"source.%s\": only with \"%s\"", f, own[i][k], forms[i]);
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
			return err_set(e, "%s: \"source.commit\": missing (\"git\" builds one named commit)", f);
		if (!commit_ok(commit))
			return err_set(e, "%s: \"source.commit\": \"%s\" is not a full commit id (40 or 64 lowercase hex digits)",
				       f, commit);
		r->source_commit = xstrdup(commit);
	}
	if (!source_path_ok(what))
		return err_set(e, "%s: \"source%s\": \"%s\" must be a path relative to the recipe's directory",
			       f, cJSON_IsString(s) ? "" : form ? ".git" : ".dir", what);
	r->source_kind = form ? RECIPE_SOURCE_GIT : RECIPE_SOURCE_DIR;
	return load_exclude(s, r, f, e);
}

/* "limits": how far the build's directories may grow and how long its log
 * may get (the sandbox stops the build past either; recorded in the
 * sandbox profile).  Absent fields keep the defaults. */
static int load_limits(const cJSON *l, struct recipe *r, const char *f, struct err *e)
{
	int64_t disk = (int64_t)RECIPE_DEFAULT_DISK, log = (int64_t)RECIPE_DEFAULT_LOG;

	r->max_disk = RECIPE_DEFAULT_DISK;
	r->max_log = RECIPE_DEFAULT_LOG;
	if (!l)
		return 0;
	if (json_check_object(l, limits_fields, f, "limits", e) < 0 ||
	    json_get_int(l, "disk_bytes", 0, f, "limits", &disk, e) < 0 ||
	    json_get_int(l, "log_bytes", 0, f, "limits", &log, e) < 0)
		return -1;
	if (disk < (int64_t)1 << 20 || disk > (int64_t)1 << 40)
		return err_set(e, "%s: \"limits.disk_bytes\": must be between 1 MiB and 1 TiB", f);
	if (log < (int64_t)64 << 10 || log > (int64_t)8 << 30)
		return err_set(e, "%s: \"limits.log_bytes\": must be between 64 KiB and 8 GiB", f);
	r->max_disk = (uint64_t)disk;
	r->max_log = (uint64_t)log;
	return 0;
}

/* Validates r->text into r; *source gets a copy of the "source" field
 * (relative to the recipe's directory, checked lexically), caller frees. */
static int parse(struct recipe *r, char **source, struct err *e)
{
	const char *f = r->file, *name, *kind, *version, *tc, *vpolicy = NULL;
	int64_t timeout = 1800;
	cJSON *j = NULL;
	int ret = -1;

	digest_buf(r->text, r->text_len, r->digest);
	if (json_parse_buf(r->text, r->text_len, f, &j, e) < 0)
		return -1;
	if (json_check_object(j, top_fields, f, "", e) < 0 ||
	    json_get_string(j, "name", 1, f, "", &name, e) < 0 ||
	    json_get_string(j, "kind", 1, f, "", &kind, e) < 0 ||
	    json_get_string(j, "version", 1, f, "", &version, e) < 0 ||
	    json_get_string(j, "toolchain", 0, f, "", &tc, e) < 0 ||
	    json_get_int(j, "source_date_epoch", 1, f, "", &r->source_date_epoch, e) < 0 ||
	    json_get_int(j, "timeout", 0, f, "", &timeout, e) < 0)
		goto out;
	if (!name_ok(name)) {
		err_set(e, "%s: \"name\": \"%s\" must be lowercase letters, digits, '-', '_' or '.'", f, name);
		goto out;
	}
	if (load_source(cJSON_GetObjectItemCaseSensitive(j, "source"), r, f, e) < 0)
		goto out;
	/* "environment" is the newer name of "toolchain": one of them. */
	{
		const char *envname = NULL;
		if (json_get_string(j, "environment", 0, f, "", &envname, e) < 0)
			goto out;
		if (!!tc == !!envname) {
			err_set(e, "%s: \"environment\": %s", f,
				tc ? "give it or \"toolchain\", not both"
				   : "missing required field (the environment pin's name)");
			goto out;
		}
		if (envname)
			tc = envname;
	}
	if (!name_ok(tc)) {
		err_set(e, "%s: \"environment\": \"%s\" is not an environment pin name", f, tc);
		goto out;
	}
	/* A project's own policy is checked by recipe_load, which knows the
	 * recipe's directory; the default policy here. */
	if (json_get_string(j, "version_policy", 0, f, "", &vpolicy, e) < 0)
		goto out;
	if (vpolicy && (!*vpolicy || vpolicy[0] == '/')) {
		err_set(e, "%s: \"version_policy\": \"%s\" must be a file relative to the recipe", f,
			vpolicy);
		goto out;
	}
	if (vpolicy) {
		r->version_policy = xstrdup(vpolicy);
	} else if (version_check(kind, version, e) < 0) {
		/* A malformed recipe is bad input (exit 2), not a "no". */
		e->kind = ERR_OP;
		err_wrap(e, "%s: \"version\"", f);
		goto out;
	}
	if (r->source_date_epoch < 0 || r->source_date_epoch > 253402300799) {
		err_set(e, "%s: \"source_date_epoch\": out of range", f);
		goto out;
	}
	if (timeout < 1 || timeout > 86400) {
		err_set(e, "%s: \"timeout\": must be between 1 and 86400 seconds", f);
		goto out;
	}
	r->timeout = (unsigned)timeout;
	r->name = xstrdup(name);
	r->kind = xstrdup(kind);
	r->version = xstrdup(version);
	r->toolchain = xstrdup(tc);
	if (!cJSON_GetObjectItemCaseSensitive(j, "target")) {
		err_set(e, "%s: \"target\": missing required field", f);
		goto out;
	}
	if (load_target(cJSON_GetObjectItemCaseSensitive(j, "target"), r, f, e) < 0 ||
	    load_env(cJSON_GetObjectItemCaseSensitive(j, "env"), r, f, e) < 0 ||
	    load_list(j, "steps", &r->steps, RECIPE_MAX_STEPS, 0, f, e) < 0 ||
	    (cJSON_GetObjectItemCaseSensitive(j, "packages") &&
	     load_list(j, "packages", &r->packages, RECIPE_MAX_STEPS, 0, f, e) < 0) ||
	    load_outputs(j, r, f, e) < 0 ||
	    load_matrix(cJSON_GetObjectItemCaseSensitive(j, "matrix"), r, f, e) < 0 ||
	    load_smoke(cJSON_GetObjectItemCaseSensitive(j, "smoke"), r, f, e) < 0 ||
	    load_limits(cJSON_GetObjectItemCaseSensitive(j, "limits"), r, f, e) < 0)
		goto out;
	*source = xstrdup(r->source_path);
	ret = 0;
out:
	cJSON_Delete(j);
	return ret;
}

int recipe_load_buf(const char *text, size_t len, const char *what, struct recipe *r,
		    struct err *e)
{
	char *source = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	r->file = xstrdup(what);
	r->text = xmalloc(len + 1);
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	r->text_len = len;
	/* The source travels as an archive: the directory it came from is
	 * only validated. */
	ret = parse(r, &source, e);
	free(source);
	return ret;
}

/* The recipe's version against the project's own policy file, named
 * relative to the recipe's directory.  A recipe embedded in a provenance
 * record (recipe_load_buf) is not checked again: the file is not part of
 * the record, and a rebuild compares artifacts, not version strings. */
static int check_own_policy(struct recipe *r, const char *dir, struct err *e)
{
	char *policy = fs_join(dir, r->version_policy);
	int ret = version_check_file(policy, r->kind, r->version, e);

	if (ret < 0) {
		/* A malformed recipe is bad input (exit 2), not a "no". */
		e->kind = ERR_OP;
		err_wrap(e, "%s: \"version\" (policy \"%s\")", r->file, r->version_policy);
	}
	free(policy);
	return ret;
}

int recipe_load(const char *path, struct recipe *r, struct err *e)
{
	char *dir = NULL, *copy = NULL, *src = NULL, *source = NULL, *real = NULL;
	struct stat st;
	int want_dir, ret = -1;

	memset(r, 0, sizeof(*r));
	r->file = xstrdup(path);
	if (fs_read_file(path, 1u << 20, &r->text, &r->text_len, e) < 0)
		goto out;
	if (parse(r, &source, e) < 0)
		goto out;
	/* A Debian source package and a tarball by URL are found by name,
	 * not on this host. */
	if (r->source_kind == RECIPE_SOURCE_DEBIAN ||
	    (r->source_kind == RECIPE_SOURCE_TARBALL && url_ok(source))) {
		ret = 0;
		goto out;
	}
	want_dir = r->source_kind != RECIPE_SOURCE_TARBALL;
	copy = xstrdup(path);
	dir = fs_realpath(dirname(copy), e);
	if (!dir)
		goto out;
	src = fs_join(dir, source);
	/* Symlinks are followed (a source tree linked beside the recipe):
	 * what the build gets is chosen by content, the path is only where
	 * to look. */
	if (stat(src, &st) < 0) {
		err_sys(e, "%s: \"source\": \"%s\"", path, source);
		goto out;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		err_set(e, "%s: \"source\": \"%s\" is not a %s", path, source,
			want_dir ? "directory" : "regular file");
		goto out;
	}
	real = fs_realpath(src, e);
	if (!real)
		goto out;
	if (r->version_policy && check_own_policy(r, dir, e) < 0)
		goto out;
	r->source_dir = real;
	real = NULL;
	ret = 0;
out:
	free(source);
	free(copy);
	free(dir);
	free(src);
	free(real);
	return ret;
}

const char *recipe_output_name(const char *output)
{
	const char *s = strrchr(output, '/');
	return s ? s + 1 : output;
}

const char *recipe_output_published(const struct recipe_output *o)
{
	if (o->as)
		return o->as;
	return o->glob ? NULL : recipe_output_name(o->path);
}

void recipe_release(struct recipe *r)
{
	free(r->file);
	free(r->text);
	free(r->source_dir);
	free(r->source_path);
	free(r->source_commit);
	free(r->source_sha256);
	free(r->source_version);
	free(r->source_suite);
	strv_release(&r->source_exclude);
	free(r->name);
	free(r->kind);
	free(r->version);
	free(r->version_policy);
	free(r->toolchain);
	strv_release(&r->packages);
	free(r->triple);
	free(r->march);
	free(r->mabi);
	strv_release(&r->env);
	strv_release(&r->steps);
	for (size_t i = 0; i < r->noutputs; i++) {
		free(r->outputs[i].path);
		free(r->outputs[i].as);
	}
	free(r->outputs);
	for (size_t i = 0; i < r->naxes; i++) {
		free(r->axes[i].name);
		strv_release(&r->axes[i].values);
	}
	free(r->axes);
	free(r->cell);
	free(r->smoke_command);
	free(r->smoke_expect);
	memset(r, 0, sizeof(*r));
}
