/* SPDX-License-Identifier: MIT */
/* What a tree's build files say, for lockstep init (builder/scaffold.c):
 * the cross tool prefix, the target flags, the steps and the artifacts a
 * Makefile (with Kconfig or not) or a CMakeLists.txt names.  Read as text
 * with regular expressions: nothing here runs make or cmake. */
#include "builder/scaffold_int.h"

#include <dirent.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"

/* Variables that name a cross tool prefix in the makefiles we have met
 * (Linux, U-Boot and OpenSBI use CROSS_COMPILE). */
static const char *const prefix_vars[] = { "CROSS_COMPILE",    "CROSS",         "CROSS_PREFIX",
					   "TOOLCHAIN_PREFIX", "TARGET_PREFIX", NULL };

/* File names that say "artifact" without looking inside; ELF files and ar
 * archives are recognised by their magic instead. */
static const char *const artifact_suffixes[] = { ".elf",     ".bin",    ".img",  ".hex",
						 ".uf2",     ".dtb",    ".itb",  ".srec",
						 ".tar",     ".tar.gz", ".tgz",  ".tar.xz",
						 ".tar.zst", ".zip",    ".cpio", ".cpio.gz",
						 ".a",       ".so",     NULL };

int scaffold_has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && !strcmp(s + n - m, suf);
}

int scaffold_artifact_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (base[0] == '.' || strchr(path, '%') || strchr(path, '$'))
		return 0;
	if (strstr(base, ".so."))
		return 1;
	for (const char *const *s = artifact_suffixes; *s; s++)
		if (scaffold_has_suffix(base, *s))
			return 1;
	return 0;
}

/* Group `group` of every match of the extended regex pattern in text, one
 * line at a time (REG_NEWLINE: "^" and "$" are line ends). */
void scaffold_matches(const char *text, const char *pattern, int group, struct strv *out)
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
				  "([^ \t#\n]+)",
				  name);
	char *v = NULL;

	scaffold_matches(text, pattern, 3, &vals);
	for (size_t i = 0; i < vals.n && !v; i++)
		if (!strchr(vals.v[i], '$'))
			v = xstrdup(vals.v[i]);
	strv_release(&vals);
	free(pattern);
	return v;
}

/* The tool prefix: a prefix variable's value, else a literal
 * "riscv64-unknown-elf-gcc"-like tool name; NULL when neither is there. */
char *scaffold_find_prefix(const char *text)
{
	struct strv lit = STRV_INIT;
	char *p = NULL;

	for (const char *const *v = prefix_vars; *v && !p; v++) {
		p = make_var(text, *v);
		if (p && !scaffold_has_suffix(p, "-")) {
			free(p);
			p = NULL;
		}
	}
	if (!p) {
		scaffold_matches(text,
				 "([a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)*-)(gcc|cc|as|ld|objcopy|ar)"
				 "([^a-z0-9_+-]|$)",
				 1, &lit);
		if (lit.n)
			p = xstrdup(lit.v[0]);
		strv_release(&lit);
	}
	return p;
}

void scaffold_choose_target(const char *text, struct scaffold *s)
{
	const char *pfx = s->triple;
	int rv32 = !strncmp(pfx, "riscv32", 7), on_linux = strstr(pfx, "linux") != NULL;
	struct strv lit = STRV_INIT;

	s->march = text ? make_var(text, "MARCH") : NULL;
	s->mabi = text ? make_var(text, "MABI") : NULL;
	if (!s->march && text) {
		scaffold_matches(text, "-march=([a-z0-9_]+)", 1, &lit);
		if (lit.n)
			s->march = xstrdup(lit.v[0]);
		strv_release(&lit);
	}
	if (!s->mabi && text) {
		scaffold_matches(text, "-mabi=([a-z0-9_]+)", 1, &lit);
		if (lit.n)
			s->mabi = xstrdup(lit.v[0]);
		strv_release(&lit);
	}
	if (!s->march)
		s->march = xstrdup(on_linux ? "rv64gc"
				   : rv32   ? "rv32imac_zicsr_zifencei"
					    : "rv64imac_zicsr_zifencei");
	if (!s->mabi)
		s->mabi = xstrdup(on_linux ? "lp64d" : rv32 ? "ilp32" : "lp64");
}

static int has_rule(const char *text, const char *target)
{
	struct strv t = STRV_INIT;
	int found = 0;

	scaffold_matches(text, "^([A-Za-z0-9_./+ -]+):([^=]|$)", 1, &t);
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
			if (scaffold_has_suffix(de->d_name, "_defconfig"))
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
		found = scaffold_has_suffix(de->d_name, suffix);
	closedir(d);
	return found;
}

void scaffold_make_steps(const char *text, int kconfig, struct scaffold *s)
{
	int mapped = strstr(text, "prefix-map") != NULL;
	char *defconfig = kconfig ? first_defconfig(s->source_dir) : NULL;

	if (kconfig) {
		strv_pushf(&s->steps, "make %s", defconfig ? defconfig : "defconfig");
		strv_pushf(&s->notes,
			   "steps: the configuration is \"%s\"; pick yours (a defconfig "
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

void scaffold_cmake_steps(struct scaffold *s)
{
	int bare = strstr(s->triple, "linux") == NULL;
	const char *flags = "-march=$MARCH -mabi=$MABI -ffile-prefix-map=/build=.";

	strv_pushf(
		&s->steps,
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
void scaffold_cmake_outputs(const char *text, struct scaffold *s)
{
	struct strv names = STRV_INIT, kinds = STRV_INIT;
	const char *lib = "add_library\\([ \t]*([A-Za-z0-9_.+-]+)[ \t]+(STATIC|SHARED)";

	scaffold_matches(text, "add_executable\\([ \t]*([A-Za-z0-9_.+-]+)", 1, &names);
	for (size_t i = 0; i < names.n; i++)
		strv_pushf(&s->outputs, "obj/%s", names.v[i]);
	strv_release(&names);
	scaffold_matches(text, lib, 1, &names);
	scaffold_matches(text, lib, 2, &kinds);
	for (size_t i = 0; i < names.n && i < kinds.n; i++)
		strv_pushf(&s->outputs, "obj/lib%s.%s", names.v[i],
			   strcmp(kinds.v[i], "SHARED") ? "a" : "so");
	strv_release(&names);
	strv_release(&kinds);
}

/* The Makefile's rule targets whose names say "artifact", each once. */
void scaffold_make_outputs(const char *text, struct scaffold *s)
{
	scaffold_matches(text, "^([A-Za-z0-9_./+-]+)[ \t]*:([^=]|$)", 1, &s->outputs);
	for (size_t i = 0; i < s->outputs.n;) {
		int dup = 0;
		for (size_t j = 0; j < i; j++)
			dup |= !strcmp(s->outputs.v[j], s->outputs.v[i]);
		if (scaffold_artifact_name(s->outputs.v[i]) && !dup) {
			i++;
			continue;
		}
		free(s->outputs.v[i]);
		memmove(&s->outputs.v[i], &s->outputs.v[i + 1],
			(s->outputs.n - i - 1) * sizeof(*s->outputs.v));
		s->outputs.n--;
	}
}
