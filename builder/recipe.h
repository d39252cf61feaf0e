/* SPDX-License-Identifier: MIT */
/* Recipes: the JSON file a team writes to say how an artifact is built
 * (format in docs/recipe.md).  Loading validates strictly: an unknown field,
 * a path that escapes the build directory or a malformed value is an error
 * naming the file and the field. */
#ifndef BUILDER_RECIPE_H
#define BUILDER_RECIPE_H

#include <stddef.h>
#include <stdint.h>
#include "core/alloc.h"
#include "core/err.h"

/* One axis of a matrix: its name and its values in declared order. */
struct recipe_axis {
	char *name; /* owned */
	struct strv values;
};

/* One entry of "outputs" (docs/recipe.md, "Outputs"). */
struct recipe_output {
	char *path;   /* owned: a path relative to /build, or a glob */
	char *as;     /* owned: the name it is published under ("as"), or NULL */
	int glob;     /* path holds a wildcard ('*', '?', '['): builder/outputs.h
		       * expands it after the steps */
	int optional; /* a glob that may match no file */
};

/* How "source" selects the files (docs/recipe.md). */
enum recipe_source_kind {
	RECIPE_SOURCE_DIR,     /* a directory, minus .git and the "exclude" globs */
	RECIPE_SOURCE_GIT,     /* the files git tracks below a directory at a commit */
	RECIPE_SOURCE_TARBALL, /* an archive, a file or an http(s) URL, by sha256 */
	RECIPE_SOURCE_DEBIAN   /* a Debian source package by name and version */
};

struct recipe {
	char *file; /* owned: the path it was loaded from, for messages */
	char *text; /* owned: the exact bytes, hashed and embedded */
	size_t text_len;
	char digest[65];  /* sha256 of text */
	char *source_dir; /* owned: the source directory (dir, git) or tarball
			    * file, absolute, symlinks resolved; NULL when the
			    * recipe came from a provenance record, and for a
			    * tarball URL or a Debian source package */
	enum recipe_source_kind source_kind;
	char *source_path;                       /* owned: the directory, tarball path or URL, or
				     * Debian source package name, as the recipe
				     * names it */
	char *source_commit;                     /* owned: full hex commit (git form), else NULL */
	char *source_sha256;                     /* owned: the tarball's sha256, else NULL */
	int source_strip;                        /* tarball: 1 drops its one top directory */
	char *source_version;                    /* owned: the Debian source version, else NULL */
	char *source_suite;                      /* owned: the suite to find it in; NULL: the
				     * environment pin's suites */
	struct strv source_exclude;              /* the dir form's "exclude" globs */
	char *name, *kind, *version, *toolchain; /* owned */
	char *version_policy;                    /* owned: "version_policy" as written (relative to
			       * the recipe), NULL for the default policy */
	char *triple, *march, *mabi;             /* owned */
	struct strv env;                         /* KEY=VALUE from "env", sorted by key */
	struct strv steps;                       /* shell command lines */
	struct strv packages;                    /* Debian packages the steps need: each must be in
			       * the environment pin (checked at build time) */
	struct recipe_output *outputs;           /* owned: "outputs" in declared order */
	size_t noutputs;
	int64_t source_date_epoch;
	unsigned timeout;                   /* seconds for the whole build */
	char *smoke_command, *smoke_expect; /* owned; NULL without a smoke test */
	unsigned smoke_timeout;
	uint64_t max_disk;        /* "limits.disk_bytes": how much the build's
			      * writable directories may grow */
	uint64_t max_log;         /* "limits.log_bytes": the build log's size cap */
	struct recipe_axis *axes; /* owned: "matrix" in declared axis order */
	size_t naxes;             /* 0 without "matrix" */
	char *cell;               /* owned: the selected matrix cell, e.g.
			      * "board=virt,march=rv64gc"; NULL when the recipe
			      * has no matrix or no cell was selected */
};

/* The limits a recipe without "limits" gets. */
#define RECIPE_DEFAULT_DISK ((uint64_t)8 << 30)
#define RECIPE_DEFAULT_LOG ((uint64_t)1 << 30)
#define RECIPE_MAX_STEPS 64
#define RECIPE_MAX_OUTPUTS 64
#define RECIPE_MAX_EXCLUDES 256

/* Loads and validates the recipe at path into r (which the caller releases
 * with recipe_release, also on error). */
int recipe_load(const char *path, struct recipe *r, struct err *e);
/* Same from bytes (a recipe embedded in a provenance record); `what` names
 * the source in messages; the source directory is left NULL. */
int recipe_load_buf(const char *text, size_t len, const char *what, struct recipe *r,
		    struct err *e);
/* The last path component of a path (what a plain output is published
 * under). */
const char *recipe_output_name(const char *output);
/* The name a non-glob entry is published under: "as", else the last
 * component of its path; NULL for a glob (its names come from its matches,
 * builder/outputs.h). */
const char *recipe_output_published(const struct recipe_output *o);
/* 1 when s may name a published artifact (a subject): a relative path of
 * non-empty components, none "." or "..", of letters, digits and
 * ". _ + - @ = , ~" (so that scripts can pass it unquoted), at most 1024
 * bytes, whose first component is not one lockstep writes beside the
 * artifacts (provenance.json, build.log, environment.json, source.*). */
int recipe_subject_name_ok(const char *s, const char **why);
void recipe_release(struct recipe *r);

/* Selects one cell of a matrix recipe (builder/recipe_cell.c): sel names
 * every axis exactly once, any order ("march=rv64gc,board=virt"); sets
 * r->cell to the canonical name, applies the values (env,
 * march/mabi/toolchain).  Unknown axis, missing axis, unknown value,
 * repeated axis: error naming the recipe file and quoting the axis/value. */
int recipe_select_cell(struct recipe *r, const char *sel, struct err *e);

#endif
