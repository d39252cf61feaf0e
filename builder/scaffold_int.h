/* SPDX-License-Identifier: MIT */
/* Private to builder/scaffold*.c: what the proposal, the build-file
 * readers and the trial build share. */
#ifndef BUILDER_SCAFFOLD_INT_H
#define BUILDER_SCAFFOLD_INT_H

#include "builder/scaffold.h"

/* How deep a walk of the source or the build directory goes. */
#define WALK_MAX_DEPTH 32

/* builder/scaffold_buildfiles.c: reading Makefiles and CMakeLists.txt. */
int scaffold_has_suffix(const char *s, const char *suf);
/* 1 when a file name says "artifact" (.elf, .bin, .a, .so, images,
 * archives); hidden files and make patterns are not. */
int scaffold_artifact_name(const char *path);
/* Group `group` of every match of the extended regex pattern in text, one
 * line at a time, appended to out. */
void scaffold_matches(const char *text, const char *pattern, int group, struct strv *out);
/* The cross tool prefix the text names ("riscv64-unknown-elf-"), or NULL.
 * Caller frees. */
char *scaffold_find_prefix(const char *text);
/* s->march and s->mabi: what text sets, else the defaults for s->triple. */
void scaffold_choose_target(const char *text, struct scaffold *s);
/* The make steps (a defconfig first with Kconfig), with notes on build
 * paths the Makefile does not map. */
void scaffold_make_steps(const char *text, int kconfig, struct scaffold *s);
/* The Makefile's rule targets whose names say "artifact", each once. */
void scaffold_make_outputs(const char *text, struct scaffold *s);
void scaffold_cmake_steps(struct scaffold *s);
/* What add_executable and add_library name, below cmake's obj/. */
void scaffold_cmake_outputs(const char *text, struct scaffold *s);

/* builder/scaffold.c: the proposal as recipe JSON text (caller frees); with
 * placeholder, a recipe without outputs gets one (the trial's). */
char *scaffold_json(const struct scaffold *s, int placeholder);

#endif
