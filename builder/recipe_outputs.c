/* SPDX-License-Identifier: MIT */
/* A recipe's "outputs" (docs/recipe.md, "Outputs"): paths and globs below
 * /build, the names they are published under, and the names lockstep
 * keeps for itself. */
#include "builder/recipe_int.h"

#include <stdio.h>
#include <string.h>

#include "core/fs.h"
#include "core/json.h"

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
			return err_set(e, "%s: \"%s\": needs exactly one of \"path\" and \"glob\"",
				       f, at);
		if (oj && !cJSON_IsBool(oj))
			return err_set(e, "%s: \"%s.optional\": expected true or false", f, at);
		opt = cJSON_IsTrue(oj);
		if (as && glob)
			return err_set(
				e,
				"%s: \"%s.as\": only with \"path\" (a glob's matches keep their own names)",
				f, at);
		if (oj && path)
			return err_set(
				e,
				"%s: \"%s.optional\": only with \"glob\" (a named file must be produced)",
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
		return err_set(e, "%s: \"%s.glob\": \"%s\" has no wildcard; give it as \"path\"", f,
			       at, glob);
	if (o->glob && !glob_ok(path))
		return err_set(e, "%s: \"%s\": \"%s\": ** must be a whole path component", f, at,
			       path);
	if (as) {
		const char *why;
		if (!recipe_subject_name_ok(as, &why))
			return strcmp(why, "is reserved")
				       ? err_set(e, "%s: \"%s.as\": \"%s\" %s", f, at, as, why)
				       : err_set(e, "%s: \"%s.as\": the name \"%s\" is reserved", f,
						 at, as);
		o->as = xstrdup(as);
	}
	return 0;
}

/* "outputs": 1 to RECIPE_MAX_OUTPUTS entries.  The names of entries
 * without a wildcard are known now: two alike, or one lockstep writes
 * itself, are refused before anything is built. */
int recipe_load_outputs(const cJSON *j, struct recipe *r, const char *f, struct err *e)
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
	cJSON_ArrayForEach(c, arr)
	{
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
				return err_set(
					e,
					"%s: \"outputs[%zu]\": \"%s\" has the same published name \"%s\" as outputs[%zu] (publish one under another name with {\"path\": ..., \"as\": ...})",
					f, i, r->outputs[i].path, name, k);
		}
		if (!r->outputs[i].as && !recipe_subject_name_ok(name, &why))
			return strcmp(why, "is reserved")
				       ? err_set(e, "%s: \"outputs[%zu]\": the name \"%s\" %s", f,
						 i, name, why)
				       : err_set(e,
						 "%s: \"outputs[%zu]\": the name \"%s\" is reserved",
						 f, i, name);
	}
	return 0;
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
