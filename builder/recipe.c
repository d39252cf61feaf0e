/* SPDX-License-Identifier: MIT */
/* Parsing and validating recipe.json: the top-level fields, the target,
 * env, steps, matrix, smoke test and limits.  "source" is
 * builder/recipe_source.c, "outputs" builder/recipe_outputs.c. */
#include "builder/recipe_int.h"

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
	"name",           "kind",     "version", "source",  "toolchain",
	"environment",    "packages", "target",  "env",     "source_date_epoch",
	"steps",          "outputs",  "smoke",   "timeout", "matrix",
	"version_policy", "limits",   NULL
};
static const char *const limits_fields[] = { "disk_bytes", "log_bytes", NULL };
static const char *const target_fields[] = { "triple", "march", "mabi", NULL };
static const char *const smoke_fields[] = { "command", "expect", "timeout", NULL };

/* Variables the sandbox and the builder set; a recipe may not override
 * them, or two builds of "the same" recipe could differ silently. */
static const char *const reserved_env[] = { "PATH",
					    "HOME",
					    "USER",
					    "LOGNAME",
					    "TZ",
					    "LC_ALL",
					    "LANG",
					    "SOURCE_DATE_EPOCH",
					    "CROSS_COMPILE",
					    "TARGET_TRIPLE",
					    "MARCH",
					    "MABI",
					    "LD_PRELOAD",
					    "LD_LIBRARY_PATH",
					    NULL };

int recipe_name_ok(const char *s)
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
	if (!recipe_name_ok(triple))
		return err_set(e, "%s: \"target.triple\": \"%s\" is not a target triple", f,
			       triple);
	if (!flag_ok(march) || strncmp(march, "rv", 2))
		return err_set(e, "%s: \"target.march\": \"%s\" is not a RISC-V -march value", f,
			       march);
	if (!flag_ok(mabi))
		return err_set(e, "%s: \"target.mabi\": \"%s\" is not a RISC-V -mabi value", f,
			       mabi);
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
	cJSON_ArrayForEach(c, env)
	{
		if (!env_key_ok(c->string))
			return err_set(e, "%s: \"env.%s\": not a valid variable name", f,
				       c->string);
		for (const char *const *k = reserved_env; *k; k++)
			if (!strcmp(*k, c->string))
				return err_set(
					e,
					"%s: \"env.%s\": set by lockstep, a recipe may not override it",
					f, c->string);
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
	cJSON_ArrayForEach(c, arr)
	{
		const char *s = c->valuestring;
		if (!*s)
			return err_set(e, "%s: \"%s[%d]\": empty", f, key, i);
		if (paths && !fs_rel_path_ok(s))
			return err_set(e, "%s: \"%s[%d]\": path escapes the build directory", f,
				       key, i);
		if (paths && s[strlen(s) - 1] == '/')
			return err_set(e, "%s: \"%s[%d]\": names a directory, not a file", f, key,
				       i);
		strv_push(out, s);
		i++;
	}
	if (i == 0)
		return err_set(e, "%s: \"%s\": must not be empty", f, key);
	if ((size_t)i > max)
		return err_set(e, "%s: \"%s\": more than %zu entries", f, key, max);
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
		return recipe_name_ok(v);
	return 1;
}

static int load_axis(const cJSON *a, struct recipe_axis *ax, const char *f, struct err *e)
{
	const cJSON *v;
	char env[40];
	size_t i;

	if (!axis_name_ok(a->string))
		return err_set(
			e,
			"%s: \"matrix.%s\": axis names are a lowercase letter, then lowercase letters, digits or '_' (at most 32)",
			f, a->string);
	if (!cJSON_IsArray(a))
		return err_set(e, "%s: \"matrix.%s\": expected an array of values", f, a->string);
	ax->name = xstrdup(a->string);
	i = 0;
	cJSON_ArrayForEach(v, a)
	{
		if (!cJSON_IsString(v))
			return err_set(e, "%s: \"matrix.%s[%zu]\": expected a string", f, a->string,
				       i);
		if (!axis_value_ok(v->valuestring))
			return err_set(
				e,
				"%s: \"matrix.%s[%zu]\": \"%s\" is not a cell value (letters, digits, '.', '_', '+', '-'; at most 64)",
				f, a->string, i, v->valuestring);
		if (!axis_value_fits(a->string, v->valuestring))
			return err_set(e, "%s: \"matrix.%s[%zu]\": \"%s\" is not a valid %s", f,
				       a->string, i, v->valuestring,
				       !strcmp(a->string, "toolchain") ? "toolchain pin name"
								       : "RISC-V flag value");
		for (size_t k = 0; k < ax->values.n; k++)
			if (!strcmp(ax->values.v[k], v->valuestring))
				return err_set(e, "%s: \"matrix.%s[%zu]\": duplicate value \"%s\"",
					       f, a->string, i, v->valuestring);
		strv_push(&ax->values, v->valuestring);
		i++;
	}
	if (!ax->values.n)
		return err_set(e, "%s: \"matrix.%s\": an axis needs at least one value", f,
			       a->string);
	if (axis_env_name(a->string, env, sizeof(env)))
		for (const char *const *k = reserved_env; *k; k++)
			if (!strcmp(*k, env))
				return err_set(
					e, "%s: \"matrix.%s\": its variable %s is set by lockstep",
					f, a->string, env);
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
	cJSON_ArrayForEach(a, m) n++;
	if (n == 0)
		return err_set(e, "%s: \"matrix\": must name at least one axis", f);
	if (n > MATRIX_MAX_AXES)
		return err_set(e, "%s: \"matrix\": %zu axes, at most %d", f, n, MATRIX_MAX_AXES);
	r->axes = xcalloc(n, sizeof(*r->axes));
	cJSON_ArrayForEach(a, m)
	{
		struct recipe_axis *ax = &r->axes[r->naxes++];
		char env[40];

		if (load_axis(a, ax, f, e) < 0)
			return -1;
		if (axis_env_name(ax->name, env, sizeof(env)))
			for (size_t k = 0; k < r->env.n; k++) {
				size_t len = strlen(env);
				if (!strncmp(r->env.v[k], env, len) && r->env.v[k][len] == '=')
					return err_set(
						e,
						"%s: \"matrix.%s\": its variable %s is also set in \"env\"",
						f, ax->name, env);
			}
		cells *= ax->values.n;
		if (cells > MATRIX_MAX_CELLS)
			return err_set(e, "%s: \"matrix.%s\": the matrix has more than %d cells", f,
				       ax->name, MATRIX_MAX_CELLS);
	}
	return 0;
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
	if (!recipe_name_ok(name)) {
		err_set(e,
			"%s: \"name\": \"%s\" must be lowercase letters, digits, '-', '_' or '.'",
			f, name);
		goto out;
	}
	if (recipe_load_source(cJSON_GetObjectItemCaseSensitive(j, "source"), r, f, e) < 0)
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
	if (!recipe_name_ok(tc)) {
		err_set(e, "%s: \"environment\": \"%s\" is not an environment pin name", f, tc);
		goto out;
	}
	/* A project's own policy is checked by recipe_load, which knows the
	 * recipe's directory; the default policy here. */
	if (json_get_string(j, "version_policy", 0, f, "", &vpolicy, e) < 0)
		goto out;
	if (vpolicy && (!*vpolicy || vpolicy[0] == '/')) {
		err_set(e, "%s: \"version_policy\": \"%s\" must be a file relative to the recipe",
			f, vpolicy);
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
	    recipe_load_outputs(j, r, f, e) < 0 ||
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

int recipe_load_buf(const char *text, size_t len, const char *what, struct recipe *r, struct err *e)
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
	    (r->source_kind == RECIPE_SOURCE_TARBALL && recipe_url_ok(source))) {
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
