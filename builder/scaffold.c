/* SPDX-License-Identifier: MIT */
/* lockstep init's capability: reading a source tree's build files for what
 * a recipe needs, and a trial build that lists the artifacts for real. */
#include "builder/scaffold.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/recipe.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/run.h"
#include "core/workdir.h"
#include "toolchains/toolchain.h"
#include "versioning/version.h"

#define BUILD_FILE_MAX (1u << 20)
#define WALK_MAX_DEPTH 32
#define WALK_MAX_FILES 200000
/* The trial's recipe must declare an output; the trial never collects it. */
#define TRIAL_PLACEHOLDER "lockstep-init-trial.placeholder"

/* Variables that name a cross tool prefix in the makefiles we have met
 * (Linux, U-Boot and OpenSBI use CROSS_COMPILE). */
static const char *const prefix_vars[] = { "CROSS_COMPILE", "CROSS", "CROSS_PREFIX",
					   "TOOLCHAIN_PREFIX", "TARGET_PREFIX", NULL };

/* File names that say "artifact" without looking inside; ELF files and ar
 * archives are recognised by their magic instead. */
static const char *const artifact_suffixes[] = { ".elf", ".bin", ".img", ".hex", ".uf2", ".dtb",
						 ".itb", ".srec", ".tar", ".tar.gz", ".tgz",
						 ".tar.xz", ".tar.zst", ".zip", ".cpio",
						 ".cpio.gz", ".a", ".so", NULL };

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && !strcmp(s + n - m, suf);
}

static int artifact_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (base[0] == '.' || strchr(path, '%') || strchr(path, '$'))
		return 0;
	if (strstr(base, ".so."))
		return 1;
	for (const char *const *s = artifact_suffixes; *s; s++)
		if (has_suffix(base, *s))
			return 1;
	return 0;
}

/* Group `group` of every match of the extended regex pattern in text, one
 * line at a time (REG_NEWLINE: "^" and "$" are line ends). */
static void all_matches(const char *text, const char *pattern, int group, struct strv *out)
{
	regex_t re;
	regmatch_t m[8];
	const char *p = text;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE))
		return;
	while (*p && !regexec(&re, p, 8, m, p == text || p[-1] == '\n' ? 0 : REG_NOTBOL)) {
		if (m[group].rm_so >= 0)
			strv_take(out, xstrndup(p + m[group].rm_so,
						(size_t)(m[group].rm_eo - m[group].rm_so)));
		p += m[0].rm_eo > 0 ? m[0].rm_eo : 1;
	}
	regfree(&re);
}

/* The first literal value the makefile text assigns to name (NAME = v,
 * ?=, :=, ::=, override/export forms), NULL when none: a value made of
 * other variables cannot be known without running make.  Caller frees. */
static char *make_var(const char *text, const char *name)
{
	struct strv vals = STRV_INIT;
	char *pattern = xasprintf("^[ \t]*(override[ \t]+|export[ \t]+)?%s[ \t]*(\\?|:|::)?=[ \t]*"
				  "([^ \t#\n]+)", name);
	char *v = NULL;

	all_matches(text, pattern, 3, &vals);
	for (size_t i = 0; i < vals.n && !v; i++)
		if (!strchr(vals.v[i], '$'))
			v = xstrdup(vals.v[i]);
	strv_release(&vals);
	free(pattern);
	return v;
}

static char *read_text(const char *dir, const char *name)
{
	char *path = fs_join(dir, name), *text = NULL;
	size_t len;

	if (fs_read_file(path, BUILD_FILE_MAX, &text, &len, NULL) < 0)
		text = NULL;
	free(path);
	return text;
}

/* The tool prefix: a prefix variable's value, else a literal
 * "riscv64-unknown-elf-gcc"-like tool name; NULL when neither is there. */
static char *find_prefix(const char *text)
{
	struct strv lit = STRV_INIT;
	char *p = NULL;

	for (const char *const *v = prefix_vars; *v && !p; v++) {
		p = make_var(text, *v);
		if (p && !has_suffix(p, "-")) {
			free(p);
			p = NULL;
		}
	}
	if (!p) {
		all_matches(text, "([a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)*-)(gcc|cc|as|ld|objcopy|ar)"
				  "([^a-z0-9_+-]|$)", 1, &lit);
		if (lit.n)
			p = xstrdup(lit.v[0]);
		strv_release(&lit);
	}
	return p;
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
		buf_addf(&known, "%s%s (%s)", known.len ? ", " : "", names.v[i], toolchain_prefix(t));
		if (!strcmp(toolchain_prefix(t), prefix))
			strv_push(&fits, names.v[i]);
		toolchain_free(t);
	}
	if (!fits.n) {
		err_set(e, "no environment pin has the tool prefix \"%s\" (pins in %s: %s); name one "
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
			strv_pushf(&s->notes, "environment: \"%s\" has the same tool prefix (another "
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
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".git"))
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
		strv_push(&s->notes, "source_date_epoch: the time of the last commit that changed the tree");
	} else {
		s->source_date_epoch = 0;
		newest_mtime(s->source_dir, 0, &s->source_date_epoch);
		strv_push(&s->notes, "source_date_epoch: the newest file's time (not a git checkout); "
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
		all_matches(text, "^[ \t]*[A-Za-z0-9_]*VERSION[A-Za-z0-9_]*[ \t]*(\\?|:|::)?=[ \t]*"
				  "([^ \t#\n$]+)[ \t]*$", 2, &vals);
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
		s->version = xasprintf("fw%s%s.r1.%.4s%.2s%.2s", isalpha((unsigned char)board[0]) ? "" : "B",
				       board, date, date + 5, date + 8);
	}
	if (version_check(s->kind, s->version, NULL) < 0)
		strv_pushf(&s->notes, "version: \"%s\" does not pass the versioning policy in force (%s): "
				      "give the recipe a version it accepts, or a \"version_policy\" of "
				      "the project's own (docs/versioning.md)",
			   s->version, version_policy_source());
}

static void choose_target(const char *text, struct scaffold *s)
{
	const char *pfx = s->triple;
	int rv32 = !strncmp(pfx, "riscv32", 7), on_linux = strstr(pfx, "linux") != NULL;
	struct strv lit = STRV_INIT;

	s->march = text ? make_var(text, "MARCH") : NULL;
	s->mabi = text ? make_var(text, "MABI") : NULL;
	if (!s->march && text) {
		all_matches(text, "-march=([a-z0-9_]+)", 1, &lit);
		if (lit.n)
			s->march = xstrdup(lit.v[0]);
		strv_release(&lit);
	}
	if (!s->mabi && text) {
		all_matches(text, "-mabi=([a-z0-9_]+)", 1, &lit);
		if (lit.n)
			s->mabi = xstrdup(lit.v[0]);
		strv_release(&lit);
	}
	if (!s->march)
		s->march = xstrdup(on_linux ? "rv64gc" : rv32 ? "rv32imac_zicsr_zifencei" : "rv64imac_zicsr_zifencei");
	if (!s->mabi)
		s->mabi = xstrdup(on_linux ? "lp64d" : rv32 ? "ilp32" : "lp64");
}

static int has_rule(const char *text, const char *target)
{
	struct strv t = STRV_INIT;
	int found = 0;

	all_matches(text, "^([A-Za-z0-9_./+ -]+):([^=]|$)", 1, &t);
	for (size_t i = 0; i < t.n && !found; i++) {
		char *save = NULL, *w;
		for (w = strtok_r(t.v[i], " ", &save); w && !found; w = strtok_r(NULL, " ", &save))
			found = !strcmp(w, target);
	}
	strv_release(&t);
	return found;
}

/* The first configs/NAME_defconfig (U-Boot, OpenSBI platforms), else none. */
static char *first_defconfig(const char *dir)
{
	char *cfg = fs_join(dir, "configs"), *found = NULL;
	struct strv names = STRV_INIT;
	DIR *d = opendir(cfg);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (has_suffix(de->d_name, "_defconfig"))
				strv_push(&names, de->d_name);
		closedir(d);
	}
	strv_sort(&names);
	if (names.n)
		found = xstrdup(names.v[0]);
	strv_release(&names);
	free(cfg);
	return found;
}

static int has_file_like(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)))
		found = has_suffix(de->d_name, suffix);
	closedir(d);
	return found;
}

static void make_steps(const char *text, int kconfig, struct scaffold *s)
{
	int mapped = strstr(text, "prefix-map") != NULL;
	char *defconfig = kconfig ? first_defconfig(s->source_dir) : NULL;

	if (kconfig) {
		strv_pushf(&s->steps, "make %s", defconfig ? defconfig : "defconfig");
		strv_pushf(&s->notes, "steps: the configuration is \"%s\"; pick yours (a defconfig "
				      "target, or a .config kept in the source)",
			   defconfig ? defconfig : "defconfig");
	}
	/* Kbuild-style trees take extra compiler flags in KCFLAGS: the build
	 * directory is always /build in the sandbox. */
	if (!mapped && strstr(text, "KCFLAGS"))
		strv_pushf(&s->steps, "make -j2%s KCFLAGS=-ffile-prefix-map=/build=.",
			   has_rule(text, "all") ? " all" : "");
	else
		strv_pushf(&s->steps, "make -j2%s", has_rule(text, "all") ? " all" : "");
	if (!mapped && !strstr(text, "KCFLAGS"))
		strv_push(&s->notes, "the Makefile maps no build paths: add "
				     "-ffile-prefix-map=$(CURDIR)=. to its compiler flags "
				     "(docs/recipe.md, \"Writing a recipe that reproduces\")");
	if (has_file_like(s->source_dir, ".S") && !strstr(text, "debug-prefix-map"))
		strv_push(&s->notes, "for the .S files add -Wa,--debug-prefix-map=$(CURDIR)=. too: "
				     "GCC 12 does not pass -ffile-prefix-map to the assembler");
	free(defconfig);
}

static void cmake_steps(struct scaffold *s)
{
	int bare = strstr(s->triple, "linux") == NULL;
	const char *flags = "-march=$MARCH -mabi=$MABI -ffile-prefix-map=/build=.";

	strv_pushf(&s->steps,
		   "cmake -S . -B obj -DCMAKE_BUILD_TYPE=Release -DCMAKE_SYSTEM_NAME=%s%s "
		   "-DCMAKE_C_COMPILER=${CROSS_COMPILE}gcc -DCMAKE_CXX_COMPILER=${CROSS_COMPILE}g++ "
		   "\"-DCMAKE_C_FLAGS=%s\" \"-DCMAKE_CXX_FLAGS=%s\" "
		   "\"-DCMAKE_ASM_FLAGS=%s -Wa,--debug-prefix-map=/build=.\"",
		   bare ? "Generic" : "Linux",
		   bare ? " -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY" : "", flags, flags, flags);
	strv_push(&s->steps, "cmake --build obj -j2");
	strv_push(&s->packages, "cmake");
	strv_push(&s->notes, "packages: the environment pin must carry cmake; if it does not, "
			     "'lockstep env pin NAME --packages ...,cmake' makes one that does");
}

/* What add_executable and add_library name, where cmake_steps' build
 * directory (obj/) puts them by default. */
static void cmake_outputs(const char *text, struct scaffold *s)
{
	struct strv names = STRV_INIT, kinds = STRV_INIT;
	const char *lib = "add_library\\([ \t]*([A-Za-z0-9_.+-]+)[ \t]+(STATIC|SHARED)";

	all_matches(text, "add_executable\\([ \t]*([A-Za-z0-9_.+-]+)", 1, &names);
	for (size_t i = 0; i < names.n; i++)
		strv_pushf(&s->outputs, "obj/%s", names.v[i]);
	strv_release(&names);
	all_matches(text, lib, 1, &names);
	all_matches(text, lib, 2, &kinds);
	for (size_t i = 0; i < names.n && i < kinds.n; i++)
		strv_pushf(&s->outputs, "obj/lib%s.%s", names.v[i], strcmp(kinds.v[i], "SHARED") ? "a" : "so");
	strv_release(&names);
	strv_release(&kinds);
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
		err_set(e, "%s: not inside \"%s\", where the recipe goes: a recipe's source is below "
			   "it (write the recipe into the tree or a directory above it)",
			dir, recipe_dir);
		goto out;
	}
	for (const char *const *m = (const char *const[]){ "GNUmakefile", "makefile", "Makefile", NULL };
	     *m && !text; m++)
		text = read_text(s->source_dir, *m);
	cmake = read_text(s->source_dir, "CMakeLists.txt");
	kconfig = read_text(s->source_dir, "Kconfig");
	if (!text && !cmake) {
		err_set(e, "%s: no Makefile and no CMakeLists.txt: lockstep init knows make (with or "
			   "without Kconfig) and CMake; write the recipe's \"steps\" by hand "
			   "(docs/recipe.md)", dir);
		goto out;
	}
	s->system = text ? (kconfig ? "make+kconfig" : "make") : "cmake";

	if (environment) {
		if (toolchain_load(environment, &t, e) < 0)
			goto out;
		s->environment = xstrdup(environment);
		prefix = xstrdup(toolchain_prefix(t));
	} else {
		prefix = find_prefix(text ? text : cmake);
		if (!prefix) {
			err_set(e, "%s: no cross tool prefix found (CROSS_COMPILE = riscv64-...-): name the "
				   "environment with --environment NAME ('lockstep env list')", dir);
			goto out;
		}
		if (choose_pin(prefix, s, e) < 0)
			goto out;
	}
	s->triple = xstrndup(prefix, strlen(prefix) - (has_suffix(prefix, "-") ? 1 : 0));
	s->kind = xstrdup(strstr(s->triple, "linux") ? "driver" : "firmware");
	s->name = choose_name(s->source_dir);
	choose_epoch(s);
	choose_version(text, s);
	choose_target(text ? text : cmake, s);
	if (text) {
		make_steps(text, kconfig != NULL, s);
		all_matches(text, "^([A-Za-z0-9_./+-]+)[ \t]*:([^=]|$)", 1, &s->outputs);
		for (size_t i = 0; i < s->outputs.n;) {
			int dup = 0;
			for (size_t j = 0; j < i; j++)
				dup |= !strcmp(s->outputs.v[j], s->outputs.v[i]);
			if (artifact_name(s->outputs.v[i]) && !dup) {
				i++;
				continue;
			}
			free(s->outputs.v[i]);
			memmove(&s->outputs.v[i], &s->outputs.v[i + 1],
				(s->outputs.n - i - 1) * sizeof(*s->outputs.v));
			s->outputs.n--;
		}
	} else {
		cmake_steps(s);
		cmake_outputs(cmake, s);
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

static char *recipe_json(const struct scaffold *s, int placeholder)
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
	return recipe_json(s, 0);
}

/* Reserved by the builder for what it writes beside the artifacts. */
static int reserved_name(const char *base)
{
	return base[0] == '.' || !strcmp(base, "provenance.json") || !strcmp(base, "build.log") ||
	       !strcmp(base, "environment.json") || !strncmp(base, "source.", 7);
}

/* An artifact by its bytes: an ELF file other than an object file (ET_REL)
 * or a core dump, an ar archive (a static library); else by its name. */
static int artifact_file(const char *path, const char *rel)
{
	unsigned char h[20];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned type;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n == (ssize_t)sizeof(h) && !memcmp(h, "\177ELF", 4)) {
		type = h[5] == 2 ? (unsigned)(h[16] << 8 | h[17]) : (unsigned)(h[17] << 8 | h[16]);
		return type != 1 && type != 4;
	}
	if (n >= 8 && !memcmp(h, "!<arch>\n", 8))
		return 1;
	return artifact_name(rel);
}

struct trial {
	const char *source_dir;
	struct strv found;
	size_t files;
};

static int trial_walk(struct trial *t, const char *build_dir, const char *rel, int depth,
		      struct err *e)
{
	char *dir = rel ? fs_join(build_dir, rel) : xstrdup(build_dir);
	DIR *d = depth > WALK_MAX_DEPTH ? NULL : opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		free(dir);
		return 0;
	}
	while (ret == 0 && (de = readdir(d))) {
		char *r, *p, *src;
		struct stat st;
		if (de->d_name[0] == '.')
			continue; /* ".", "..", and hidden files are never outputs */
		if (++t->files > WALK_MAX_FILES) {
			ret = err_set(e, "the trial build left more than %d files; list the outputs by hand",
				      WALK_MAX_FILES);
			break;
		}
		r = rel ? fs_join(rel, de->d_name) : xstrdup(de->d_name);
		p = fs_join(build_dir, r);
		if (lstat(p, &st) < 0) {
			/* gone since readdir: nothing to list */
		} else if (S_ISDIR(st.st_mode)) {
			ret = trial_walk(t, build_dir, r, depth + 1, e);
		} else if (S_ISREG(st.st_mode) && !reserved_name(de->d_name)) {
			/* What the source already had is input, not output. */
			src = fs_join(t->source_dir, r);
			if (!fs_exists(src) && artifact_file(p, r))
				strv_push(&t->found, r);
			free(src);
		}
		free(p);
		free(r);
	}
	closedir(d);
	free(dir);
	return ret;
}

static int trial_found(const char *build_dir, void *arg, struct err *e)
{
	struct trial *t = arg;
	return trial_walk(t, build_dir, NULL, 0, e);
}

int scaffold_trial(struct scaffold *s, int quiet, struct err *e)
{
	struct trial t = { .source_dir = s->source_dir, .found = STRV_INIT };
	struct recipe r = { 0 };
	struct build_options o = { 0 };
	char *text = recipe_json(s, 1), *work = NULL, *out = NULL;
	int ret = -1;

	if (recipe_load_buf(text, strlen(text), "lockstep init (trial)", &r, e) < 0)
		goto out;
	r.source_dir = xstrdup(s->source_dir);
	if (!(work = workdir_make("init", e)))
		goto out;
	out = fs_join(work, "out");
	o.out_dir = out;
	o.quiet = quiet;
	o.no_smoke = 1;
	o.tag = "trial";
	o.after_steps = trial_found;
	o.after_steps_arg = &t;
	if (build_run(&r, &o, e) < 0)
		goto out;
	strv_sort(&t.found);
	/* Outputs are published by file name: the first of two namesakes. */
	strv_release(&s->outputs);
	for (size_t i = 0; i < t.found.n; i++) {
		const char *base = recipe_output_name(t.found.v[i]);
		int dup = 0;
		for (size_t k = 0; k < s->outputs.n; k++)
			dup |= !strcmp(recipe_output_name(s->outputs.v[k]), base);
		if (dup)
			strv_pushf(&s->notes, "outputs: \"%s\" left out: another output has its file name",
				   t.found.v[i]);
		else
			strv_push(&s->outputs, t.found.v[i]);
	}
	if (!s->outputs.n) {
		err_set(e, "%s: the trial build produced no artifacts (ELF programs or libraries, "
			   "archives, images): list the outputs by hand", s->source_dir);
		goto out;
	}
	ret = 0;
out:
	workdir_remove(work);
	recipe_release(&r);
	strv_release(&t.found);
	free(out);
	free(text);
	return ret;
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
