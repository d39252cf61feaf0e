/* SPDX-License-Identifier: MIT */
/* Building many cells of a matrix recipe: one child process per cell in
 * the process pool (core/pool.h; each publishes its own directory whole
 * through build_run), up to N at once, the toolchain store verified once
 * for all of them. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/build.h"
#include "builder/matrix.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/pool.h"
#include "toolchains/toolchain.h"

/* What the pool's callbacks share. */
struct cells_run {
	struct recipe *r;
	const struct strv *cells;
	const char *root;
	const struct build_options *o;
	size_t done, built;
};

/* In the child: select the cell, build it into ROOT/CELL. */
static int cell_build(size_t k, void *arg, struct err *e)
{
	struct cells_run *c = arg;
	struct build_options co = *c->o;
	char *dir = fs_join(c->root, c->cells->v[k]);
	int rc;

	co.out_dir = dir;
	co.quiet = 1;
	rc = recipe_select_cell(c->r, c->cells->v[k], e) < 0 || build_run(c->r, &co, NULL, e) < 0
		     ? -1
		     : 0;
	free(dir);
	return rc;
}

/* A cell build killed outright (SIGKILL, a crash) could not remove its
 * staging directory (.CELL.lockstep-XXXXXX beside ROOT/CELL): remove it, so
 * nothing half-written stays. */
static void remove_staging(const char *root, const char *cell)
{
	char *prefix = xasprintf(".%s.lockstep-", cell);
	struct dirent *d;
	DIR *dir = opendir(root);

	while (dir && (d = readdir(dir)))
		if (!strncmp(d->d_name, prefix, strlen(prefix))) {
			char *p = fs_join(root, d->d_name);
			fs_remove_tree(p, NULL);
			free(p);
		}
	if (dir)
		closedir(dir);
	free(prefix);
}

/* In the parent, as each cell ends: its progress line. */
static int cell_done(size_t k, const struct pool_result *res, void *arg, struct err *e)
{
	struct cells_run *c = arg;

	c->done++;
	c->built += res->outcome == POOL_OK;
	if (res->outcome == POOL_KILLED)
		remove_staging(c->root, c->cells->v[k]);
	if (!c->o->quiet && !cleanup_interrupted())
		fprintf(stderr, "[%zu/%zu] %s: %s (%.1f s)\n", c->done, c->cells->n, c->cells->v[k],
			res->outcome == POOL_OK ? "built" : "FAILED", res->secs);
	return 0;
}

/* Why a cell is not built, from how its process ended; caller frees. */
static char *cell_failure(const struct pool_result *res)
{
	if (res->outcome == POOL_KILLED)
		return xasprintf("the build process was killed by signal %d", res->sig);
	return xstrdup(res->msg ? res->msg : "the build process ended without a message");
}

/* Runs the cell builds, at most par at once.  Returns the number that
 * failed, or -1 when interrupted (every child stopped and waited for). */
static int run_cells(struct recipe *r, const struct strv *cells, const char *root, unsigned par,
		     const struct build_options *o, struct matrix_cell_result *out, struct err *e)
{
	struct cells_run c = { .r = r, .cells = cells, .root = root, .o = o };
	struct pool_ops ops = { .max = par, .run = cell_build, .done = cell_done, .arg = &c };
	struct pool_result *res = NULL;
	int failed = 0, rc = pool_run(&ops, cells->n, &res, e);

	if (rc < 0 && e->kind == ERR_INTERRUPT)
		err_setk(
			e, ERR_INTERRUPT,
			"%s: interrupted after %zu of %zu cells were built; no unfinished cell was published",
			r->file, c.built, cells->n);
	for (size_t i = 0; rc == 0 && i < cells->n; i++) {
		out[i].built = res[i].outcome == POOL_OK;
		out[i].secs = res[i].secs;
		out[i].msg = out[i].built ? NULL : cell_failure(&res[i]);
		failed += !out[i].built;
	}
	pool_results_free(res, cells->n);
	return rc < 0 ? -1 : failed;
}

int matrix_build(struct recipe *r, const struct strv *cells, const char *root, unsigned par,
		 const struct build_options *bo, struct matrix_cell_result **res, struct err *e)
{
	struct matrix_cell_result *out = xcalloc(cells->n ? cells->n : 1, sizeof(*out));
	struct build_options opts = *bo, *o = &opts;
	struct toolchain *tc = NULL;
	int failed = -1, tc_axis = 0;

	*res = NULL;
	for (size_t a = 0; a < r->naxes; a++)
		tc_axis |= !strcmp(r->axes[a].name, "toolchain");
	/* Every cell uses the same pin unless the matrix varies it: fetch and
	 * verify the store once here, and let each cell's process inherit it. */
	if (!tc_axis && !o->toolchain) {
		if (toolchain_load(r->toolchain, &tc, e) < 0 ||
		    toolchain_prepare(tc, &o->toolchain_root, e) < 0) {
			err_wrap(e, "%s: \"toolchain\"", r->file);
			goto out;
		}
		o->toolchain = tc;
	}
	for (size_t i = 0; i < cells->n; i++) {
		out[i].cell = cells->v[i];
		out[i].dir = fs_join(root, cells->v[i]);
	}
	/* The root only holds cell directories, each published whole. */
	if (fs_mkdirs(root, e) < 0)
		goto out;
	if (!o->quiet)
		fprintf(stderr, "%s: building %zu cell%s, up to %u at once, into %s/\n", r->file,
			cells->n, cells->n == 1 ? "" : "s", par, root);
	failed = run_cells(r, cells, root, par ? par : 1, o, out, e);
	if (failed < 0)
		goto out;
	*res = out;
	out = NULL;
out:
	matrix_results_free(out, cells->n);
	toolchain_free(tc);
	return failed;
}

void matrix_results_free(struct matrix_cell_result *res, size_t n)
{
	for (size_t i = 0; res && i < n; i++) {
		free(res[i].dir);
		free(res[i].msg);
	}
	free(res);
}
