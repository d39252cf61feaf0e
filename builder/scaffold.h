/* SPDX-License-Identifier: MIT */
/* A first recipe for an existing source tree (lockstep init): what builds
 * it (a Makefile, with Kconfig or not, or CMakeLists.txt), the environment
 * pin whose tool prefix its Makefile names, the target, a version the policy
 * accepts, the steps, and the outputs: guessed from the Makefile's rules or,
 * after a trial build in the sandbox, the artifacts the build produced. */
#ifndef BUILDER_SCAFFOLD_H
#define BUILDER_SCAFFOLD_H

#include <stdint.h>
#include "core/alloc.h"
#include "core/err.h"

struct scaffold {
	char *source_dir;   /* owned: absolute, the tree the recipe builds */
	char *source;       /* owned: as the recipe names it, relative to its dir */
	const char *system; /* "make", "make+kconfig" or "cmake" (static) */
	char *name, *kind, *version, *environment; /* owned */
	char *triple, *march, *mabi;               /* owned */
	int64_t source_date_epoch;
	struct strv env;      /* KEY=VALUE for the recipe's "env" */
	struct strv packages; /* beyond the pin's usual tools (cmake) */
	struct strv steps;
	struct strv outputs;
	struct strv notes; /* advice for the person, one line each */
};

#define SCAFFOLD_INIT \
	{ \
		0 \
	}

/* Looks at the tree dir and proposes a recipe to be written in recipe_dir
 * (which must hold dir, or be it).  environment names a pin to use, or NULL
 * to choose one by the tool prefix the Makefile names.  -1 with e set when
 * there is nothing lockstep knows how to build, or no pin fits. */
int scaffold_propose(const char *dir, const char *recipe_dir, const char *environment,
		     struct scaffold *s, struct err *e);
/* Runs the proposed steps once in the sandbox (as `lockstep build` would,
 * progress on stderr unless quiet) and replaces s->outputs with the
 * artifacts the build produced: ELF programs and shared libraries, static
 * archives, tarballs and firmware images that are not in the source.  -1
 * with e set when the build fails (the message says where its log is) or
 * produced none. */
int scaffold_trial(struct scaffold *s, int quiet, struct err *e);
/* The recipe as JSON text, pretty-printed (caller frees). */
char *scaffold_recipe_json(const struct scaffold *s);
void scaffold_release(struct scaffold *s);

#endif
