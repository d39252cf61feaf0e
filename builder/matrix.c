/* SPDX-License-Identifier: MIT */
/* Expanding a recipe's matrix into cells, sharding them (selecting one
 * is the recipe's side: builder/recipe_cell.c). */
#include "builder/matrix.h"

#include <stdlib.h>
#include <string.h>

int matrix_cells(const struct recipe *r, struct strv *cells, struct err *e)
{
	size_t idx[MATRIX_MAX_AXES] = { 0 };
	struct buf b = BUF_INIT;

	(void)e;
	if (r->naxes == 0)
		return 0;
	/* An odometer: the last axis turns fastest, so the first declared axis
	 * varies slowest. */
	for (;;) {
		size_t a;

		for (a = 0; a < r->naxes; a++)
			buf_addf(&b, "%s%s=%s", a ? "," : "", r->axes[a].name,
				 r->axes[a].values.v[idx[a]]);
		strv_take(cells, buf_take(&b, NULL));
		for (a = r->naxes; a-- > 0;) {
			if (++idx[a] < r->axes[a].values.n)
				break;
			idx[a] = 0;
		}
		if (a == (size_t)-1)
			break;
	}
	return 0;
}

static int parse_uint(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int matrix_parse_shard(const char *spec, unsigned *index, unsigned *count, struct err *e)
{
	const char *slash = strchr(spec, '/');
	unsigned i, n;

	if (!slash || parse_uint(spec, (size_t)(slash - spec), &i) < 0 ||
	    parse_uint(slash + 1, strlen(slash + 1), &n) < 0)
		return err_set(e, "--shard \"%s\": expected I/N, e.g. 2/4", spec);
	if (n < 1 || n > MATRIX_MAX_SHARDS)
		return err_set(e, "--shard \"%s\": N must be between 1 and %d", spec,
			       MATRIX_MAX_SHARDS);
	if (i < 1 || i > n)
		return err_set(e, "--shard \"%s\": I must be between 1 and N (%u)", spec, n);
	*index = i;
	*count = n;
	return 0;
}

int matrix_in_shard(size_t k, unsigned index, unsigned count)
{
	return count > 0 && (k % count) + 1 == index;
}
