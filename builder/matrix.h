/* SPDX-License-Identifier: MIT */
/* Matrix recipes: one recipe, several cells (the product of its axes), each
 * built as its own artifact.  Cells are named "axis=value,axis=value" in the
 * recipe's declared axis order; that name is the cell's directory under a
 * matrix build's output and its identity in provenance. */
#ifndef BUILDER_MATRIX_H
#define BUILDER_MATRIX_H

#include <stddef.h>
#include "builder/recipe.h"
#include "core/alloc.h"
#include "core/err.h"

#define MATRIX_MAX_AXES 8
#define MATRIX_MAX_CELLS 256
#define MATRIX_MAX_SHARDS 1024

/* Every cell of r's matrix, deterministic order (first declared axis varies
 * slowest, values in declared order), as names "axis=value,axis=value" in
 * declared axis order; a recipe without a matrix has zero cells. */
int matrix_cells(const struct recipe *r, struct strv *cells, struct err *e);
/* "I/N" with 1 <= I <= N <= 1024; anything else is an error quoting spec. */
int matrix_parse_shard(const char *spec, unsigned *index, unsigned *count, struct err *e);
/* Whether cell number k (0-based in matrix_cells order) is in shard
 * index/count: (k % count) + 1 == index. */
int matrix_in_shard(size_t k, unsigned index, unsigned count);

struct build_options;

/* How one cell of matrix_build ended. */
struct matrix_cell_result {
	const char *cell; /* borrowed from the cell list */
	char *dir;        /* owned: ROOT/CELL */
	int built;        /* published; else msg says why not */
	double secs;
	char *msg; /* owned; NULL when built */
};
/* Builds each of cells into root/CELL, up to par at once, each cell in its
 * own process through build_run (so each directory is published whole); a
 * failing cell does not stop the others.  Progress lines on stderr unless
 * o->quiet.  Returns how many cells failed, with *res (cells->n entries,
 * freed with matrix_results_free); -1 when the build could not go on or
 * was interrupted (every child stopped, no unfinished cell left). */
int matrix_build(struct recipe *r, const struct strv *cells, const char *root, unsigned par,
		 const struct build_options *o, struct matrix_cell_result **res, struct err *e);
void matrix_results_free(struct matrix_cell_result *res, size_t n);

#endif
