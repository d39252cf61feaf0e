/* SPDX-License-Identifier: MIT */
/* lockstep init's capability: a first recipe for a source tree.  What its
 * build files say is builder/scaffold_buildfiles.c; the trial build that
 * lists the artifacts for real is builder/scaffold_trial.c. */
#include "builder/scaffold_int.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/run.h"
#include "toolchains/toolchain.h"
#include "versioning/version.h"

#define BUILD_FILE_MAX (1u << 20)
/* The trial's recipe must declare an output; the trial never collects it. */
#define TRIAL_PLACEHOLDER "lockstep-init-trial.placeholder"

static char *read_text(const char *dir, const char *name)
{
	char *path = fs_join(dir, name), *text = NULL;
	size_t len;

	if (fs_read_file(path, BUILD_FILE_MAX, &text, &len, NULL) < 0)
		text = NULL;
	free(path);
	return text;
}

/* The pin for prefix: the one named like the prefix (the Debian 12 pins
 * are), else the first by name; the others are mentioned in a note. */
static int choose_pin(const char *prefix, struct scaffold *s, struct err *e)
{
	struct strv names = STRV_INIT, fits = STRV_INIT;
	struct buf known = BUF_INIT;
	size_t plen = strlen(prefix);
	int ret = -1;

	toolchain_names(&names);
	for (size_t i = 0; i < names.n; i++) {
		struct toolchain *t = NULL;
		if (toolchain_load(names.v[i], &t, NULL) < 0)
			continue;
		buf_addf(&known, "%s%s (%s)", known.len ? ", " : "", names.v[i],
			 toolchain_prefix(t));
		if (!strcmp(toolchain_prefix(t), prefix))
			strv_push(&fits, names.v[i]);
		toolchain_free(t);
	}
	if (!fits.n) {
		err_set(e,
			"no environment pin has the tool prefix \"%s\" (pins in %s: %s); name one "
			"with --environment, or make one with 'lockstep env pin'",
			prefix, toolchain_dir(), known.len ? known.data : "none");
		goto out;
	}
	s->environment = xstrdup(fits.v[0]);
	for (size_t i = 0; i < fits.n; i++)
		if (strlen(fits.v[i]) + 1 == plen && !strncmp(fits.v[i], prefix, plen - 1)) {
			free(s->environment);
			s->environment = xstrdup(fits.v[i]);
		}
	for (size_t i = 0; i < fits.n; i++)
		if (strcmp(fits.v[i], s->environment))
			strv_pushf(&s->notes,
				   "environment: \"%s\" has the same tool prefix (another "
				   "Debian release); use it with --environment %s",
				   fits.v[i], fits.v[i]);
	ret = 0;
out:
	strv_release(&names);
	strv_release(&fits);
	buf_release(&known);
	return ret;
}

/* Newest modification time below dir (not in .git), for a tree that is not
 * a git checkout. */
static void newest_mtime(const char *dir, int depth, int64_t *t)
{
	DIR *d;
	struct dirent *de;

	if (depth > WALK_MAX_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *p;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		p = fs_join(dir, de->d_name);
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				newest_mtime(p, depth + 1, t);
			else if ((int64_t)st.st_mtime > *t)
				*t = (int64_t)st.st_mtime;
		}
		free(p);
	}
	closedir(d);
}

static void choose_epoch(struct scaffold *s)
{
	char *argv[] = { "git", "-C", s->source_dir, "log", "-1", "--format=%ct", "--", ".", NULL };
	char *out = NULL, *end;
	long long v;

	if (run_capture(argv, NULL, &out, NULL) == 0 && out && (v = strtoll(out, &end, 10)) > 0 &&
	    (*end == '\n' || !*end)) {
		s->source_date_epoch = v;
		strv_push(&s->notes,
			  "source_date_epoch: the time of the last commit that changed the tree");
	} else {
		s->source_date_epoch = 0;
		newest_mtime(s->source_dir, 0, &s->source_date_epoch);
		strv_push(&s->notes,
			  "source_date_epoch: the newest file's time (not a git checkout); "
			  "set it to the date of the source's last change");
	}
	free(out);
}

/* A recipe name from the directory: its own name, or its parent's when it
 * is called src (as the bundled recipes' are). */
static char *choose_name(const char *dir)
{
	char *copy = xstrdup(dir), *base, *slash, *n, *o;
	size_t size;

	base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	if ((!strcmp(base, "src") || !strcmp(base, "source")) && base > copy + 1) {
		base[-1] = '\0';
		slash = strrchr(copy, '/');
		base = slash ? slash + 1 : copy;
	}
	size = strlen(base) + 8;
	n = xcalloc(1, size);
	o = n;
	for (const char *p = base; *p && o - n < 64; p++) {
		int c = tolower((unsigned char)*p);
		if (isalnum(c) || c == '-' || c == '_' || c == '.')
			*o++ = (char)c;
		else if (o > n && o[-1] != '-')
			*o++ = '-';
	}
	if (o == n || !isalnum((unsigned char)n[0]))
		snprintf(n, size, "project");
	free(copy);
	return n;
}

/* A version the policy accepts: one the makefile sets (FW_VERSION ?=
 * fwVIRT.r0.19700101, or LIB_VERSION ?= 1.0.0 as v1.0.0), else the
 * conventions' form with this tree's name and date. */
static void choose_version(const char *text, struct scaffold *s)
{
	struct strv vals = STRV_INIT;
	char date[32], board[16];
	size_t bn = 0;

	if (text)
		scaffold_matches(text,
				 "^[ \t]*[A-Za-z0-9_]*VERSION[A-Za-z0-9_]*[ \t]*(\\?|:|::)?=[ \t]*"
				 "([^ \t#\n$]+)[ \t]*$",
				 2, &vals);
	for (size_t i = 0; i < vals.n && !s->version; i++) {
		char *v = xasprintf("v%s", vals.v[i]);
		if (version_check(s->kind, vals.v[i], NULL) == 0)
			s->version = xstrdup(vals.v[i]);
		else if (!strcmp(s->kind, "driver") && version_check(s->kind, v, NULL) == 0)
			s->version = xstrdup(v);
		free(v);
	}
	strv_release(&vals);
	if (s->version)
		return;
	if (!strcmp(s->kind, "driver")) {
		s->version = xstrdup("v0.1.0");
	} else {
		for (const char *p = s->name; *p && bn < 8; p++)
			if (isalnum((unsigned char)*p))
				board[bn++] = (char)toupper((unsigned char)*p);
		board[bn] = '\0';
		clock_rfc3339(s->source_date_epoch, date);
		s->version = xasprintf("fw%s%s.r1.%.4s%.2s%.2s",
				       isalpha((unsigned char)board[0]) ? "" : "B", board, date,
				       date + 5, date + 8);
	}
	if (version_check(s->kind, s->version, NULL) < 0)
		strv_pushf(&s->notes,
			   "version: \"%s\" does not pass the versioning policy in force (%s): "
			   "give the recipe a version it accepts, or a \"version_policy\" of "
			   "the project's own (docs/versioning.md)",
			   s->version, version_policy_source());
}

int scaffold_propose(const char *dir, const char *recipe_dir, const char *environment,
		     struct scaffold *s, struct err *e)
{
	char *text = NULL, *cmake = NULL, *kconfig = NULL, *prefix = NULL, *rdir = NULL;
	struct toolchain *t = NULL;
	size_t n;
	int ret = -1;

	if (!(s->source_dir = fs_realpath(dir, e)) || !(rdir = fs_realpath(recipe_dir, e)))
		goto out;
	n = strlen(rdir);
	if (!strcmp(s->source_dir, rdir)) {
		s->source = xstrdup(".");
	} else if (!strncmp(s->source_dir, rdir, n) && (s->source_dir[n] == '/' || n == 1)) {
		s->source = xstrdup(s->source_dir + n + (n > 1));
	} else {
		err_set(e,
			"%s: not inside \"%s\", where the recipe goes: a recipe's source is below "
			"it (write the recipe into the tree or a directory above it)",
			dir, recipe_dir);
		goto out;
	}
	for (const char *const *m =
		     (const char *const[]){ "GNUmakefile", "makefile", "Makefile", NULL };
	     *m && !text; m++)
		text = read_text(s->source_dir, *m);
	cmake = read_text(s->source_dir, "CMakeLists.txt");
	kconfig = read_text(s->source_dir, "Kconfig");
	if (!text && !cmake) {
		err_set(e,
			"%s: no Makefile and no CMakeLists.txt: lockstep init knows make (with or "
			"without Kconfig) and CMake; write the recipe's \"steps\" by hand "
			"(docs/recipe.md)",
			dir);
		goto out;
	}
	s->system = text ? (kconfig ? "make+kconfig" : "make") : "cmake";

	if (environment) {
		if (toolchain_load(environment, &t, e) < 0)
			goto out;
		s->environment = xstrdup(environment);
		prefix = xstrdup(toolchain_prefix(t));
	} else {
		prefix = scaffold_find_prefix(text ? text : cmake);
		if (!prefix) {
			err_set(e,
				"%s: no cross tool prefix found (CROSS_COMPILE = riscv64-...-): name the "
				"environment with --environment NAME ('lockstep env list')",
				dir);
			goto out;
		}
		if (choose_pin(prefix, s, e) < 0)
			goto out;
	}
	s->triple = xstrndup(prefix, strlen(prefix) - (scaffold_has_suffix(prefix, "-") ? 1 : 0));
	s->kind = xstrdup(strstr(s->triple, "linux") ? "driver" : "firmware");
	s->name = choose_name(s->source_dir);
	choose_epoch(s);
	choose_version(text, s);
	scaffold_choose_target(text ? text : cmake, s);
	if (text) {
		scaffold_make_steps(text, kconfig != NULL, s);
		scaffold_make_outputs(text, s);
	} else {
		scaffold_cmake_steps(s);
		scaffold_cmake_outputs(cmake, s);
	}
	ret = 0;
out:
	toolchain_free(t);
	free(text);
	free(cmake);
	free(kconfig);
	free(prefix);
	free(rdir);
	return ret;
}

char *scaffold_json(const struct scaffold *s, int placeholder)
{
	cJSON *j = cJSON_CreateObject(), *o;
	char *text;

	json_add_str(j, "name", s->name);
	json_add_str(j, "kind", s->kind);
	json_add_str(j, "version", s->version);
	json_add_str(j, "source", s->source);
	json_add_str(j, "environment", s->environment);
	if (s->packages.n) {
		o = cJSON_AddArrayToObject(j, "packages");
		for (size_t i = 0; i < s->packages.n; i++)
			cJSON_AddItemToArray(o, cJSON_CreateString(s->packages.v[i]));
	}
	o = cJSON_AddObjectToObject(j, "target");
	json_add_str(o, "triple", s->triple);
	json_add_str(o, "march", s->march);
	json_add_str(o, "mabi", s->mabi);
	if (s->env.n) {
		o = cJSON_AddObjectToObject(j, "env");
		for (size_t i = 0; i < s->env.n; i++) {
			char *k = xstrdup(s->env.v[i]), *eq = strchr(k, '=');
			*eq = '\0';
			json_add_str(o, k, eq + 1);
			free(k);
		}
	}
	cJSON_AddNumberToObject(j, "source_date_epoch", (double)s->source_date_epoch);
	o = cJSON_AddArrayToObject(j, "steps");
	for (size_t i = 0; i < s->steps.n; i++)
		cJSON_AddItemToArray(o, cJSON_CreateString(s->steps.v[i]));
	o = cJSON_AddArrayToObject(j, "outputs");
	for (size_t i = 0; i < s->outputs.n; i++)
		cJSON_AddItemToArray(o, cJSON_CreateString(s->outputs.v[i]));
	if (!s->outputs.n && placeholder)
		cJSON_AddItemToArray(o, cJSON_CreateString(TRIAL_PLACEHOLDER));
	text = json_print(j);
	cJSON_Delete(j);
	return text;
}

char *scaffold_recipe_json(const struct scaffold *s)
{
	return scaffold_json(s, 0);
}

void scaffold_release(struct scaffold *s)
{
	free(s->source_dir);
	free(s->source);
	free(s->name);
	free(s->kind);
	free(s->version);
	free(s->environment);
	free(s->triple);
	free(s->march);
	free(s->mabi);
	strv_release(&s->env);
	strv_release(&s->packages);
	strv_release(&s->steps);
	strv_release(&s->outputs);
	strv_release(&s->notes);
	memset(s, 0, sizeof(*s));
}
