/* SPDX-License-Identifier: MIT */
/* A recipe's "outputs" made into the files a build publishes: each plain
 * path is one file under its file name (or its "as"), each glob every
 * matching regular file under its path below the glob's fixed leading
 * directories.  The rules are in docs/recipe.md, "Outputs". */
#ifndef BUILDER_OUTPUTS_H
#define BUILDER_OUTPUTS_H

#include <stddef.h>
#include "builder/recipe.h"
#include "core/err.h"

/* At most this many files from all the globs of one recipe: a provenance
 * record lists every one. */
#define OUTPUTS_MAX_FILES 16384

struct output_file {
	char *rel;    /* owned: the path below the build directory */
	char *name;   /* owned: the published name (a subject name) */
	size_t entry; /* index of the "outputs" entry it comes from */
};

/* 1 when path (relative, '/'-separated) matches the glob pattern: '*', '?'
 * and '[...]' within one component, "**" for any number of whole
 * components; no wildcard matches a leading '.' of a component. */
int outputs_match(const char *pattern, const char *path);

/* Expands r's outputs against the tree at build_dir into *files (*n of
 * them; release with outputs_free, also on error).  Plain paths are taken
 * as written (whether they exist is the caller's question); globs are
 * matched against the tree without following symlinks.  With must_match,
 * a non-optional glob that matches nothing is an error naming it; a match
 * that is not a regular file, and two files published under one name (or
 * a name that is a directory of another), are errors in any case. */
int outputs_expand(const struct recipe *r, const char *build_dir, int must_match,
		   struct output_file **files, size_t *n, struct err *e);
void outputs_free(struct output_file *files, size_t n);

#endif
