/* SPDX-License-Identifier: MIT */
/* The source a recipe's "source" selects (docs/recipe.md): a directory
 * (always without .git, minus the "exclude" globs) or the files git tracks
 * below a directory at one named commit, as the normalized source archive
 * the build extracts and the provenance names by digest. */
#ifndef BUILDER_SOURCE_H
#define BUILDER_SOURCE_H

#include "builder/recipe.h"
#include "core/err.h"

/* What a directory source always leaves out: a repository's own data. */
#define SOURCE_ALWAYS_EXCLUDED ".git"

/* Writes r's selected source (r->source_dir set: a loaded recipe) as a
 * zstd source archive at out_path.  scratch is an existing private
 * directory for the git form's checkout, left as it was found.  Returns 0
 * or -1 with e naming the recipe and the field. */
int source_archive_write(const struct recipe *r, const char *scratch, const char *out_path,
			 struct err *e);
/* Refuses (-1, ERR_OP) when a declared output of r already exists in
 * build_dir, the extracted source, before any step ran: a stale host-built
 * output would otherwise be shipped as the sandbox's.  origin names the
 * source in the message (its directory or archive). */
int source_check_outputs(const struct recipe *r, const char *build_dir, const char *origin,
			 struct err *e);

#endif
