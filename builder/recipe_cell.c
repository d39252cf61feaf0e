/* SPDX-License-Identifier: MIT */
/* Selecting one cell of a matrix recipe: the axis values chosen become the
 * recipe's target, pin or variables (recipe.h, recipe_select_cell). */
#include "builder/recipe.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "builder/matrix.h"

static struct recipe_axis *find_axis(struct recipe *r, const char *name, size_t len, size_t *at)
{
	for (size_t a = 0; a < r->naxes; a++)
		if (strlen(r->axes[a].name) == len && !strncmp(r->axes[a].name, name, len)) {
			*at = a;
			return &r->axes[a];
		}
	return NULL;
}

/* Puts the chosen values where the build reads them: march/mabi/toolchain
 * replace the recipe's, every other axis becomes an upper-cased variable. */
static void apply(struct recipe *r, const char *const *chosen)
{
	for (size_t a = 0; a < r->naxes; a++) {
		const char *name = r->axes[a].name, *v = chosen[a];
		char *up;

		if (!strcmp(name, "march")) {
			free(r->march);
			r->march = xstrdup(v);
			continue;
		}
		if (!strcmp(name, "mabi")) {
			free(r->mabi);
			r->mabi = xstrdup(v);
			continue;
		}
		if (!strcmp(name, "toolchain")) {
			free(r->toolchain);
			r->toolchain = xstrdup(v);
		}
		up = xstrdup(name);
		for (char *p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		strv_pushf(&r->env, "%s=%s", up, v);
		free(up);
	}
	strv_sort(&r->env);
}

int recipe_select_cell(struct recipe *r, const char *sel, struct err *e)
{
	const char *chosen[MATRIX_MAX_AXES] = { NULL };
	struct buf name = BUF_INIT;
	const char *p = sel;

	if (r->naxes == 0)
		return err_set(e, "%s: cell \"%s\": the recipe has no \"matrix\"", r->file, sel);
	if (r->cell)
		return err_set(e, "%s: cell \"%s\": the cell \"%s\" is already selected", r->file,
			       sel, r->cell);
	while (*p) {
		const char *comma = strchr(p, ','), *eq;
		size_t len = comma ? (size_t)(comma - p) : strlen(p), a = 0;
		struct recipe_axis *ax;
		const char *val = NULL;

		eq = memchr(p, '=', len);
		if (!eq)
			return err_set(e, "%s: cell \"%s\": \"%.*s\" is not axis=value", r->file,
				       sel, (int)len, p);
		ax = find_axis(r, p, (size_t)(eq - p), &a);
		if (!ax)
			return err_set(e, "%s: cell \"%s\": unknown axis \"%.*s\"", r->file, sel,
				       (int)(eq - p), p);
		if (chosen[a])
			return err_set(e, "%s: cell \"%s\": axis \"%s\" given twice", r->file, sel,
				       ax->name);
		for (size_t k = 0; k < ax->values.n; k++) {
			const char *v = ax->values.v[k];
			if (strlen(v) == len - (size_t)(eq - p) - 1 &&
			    !strncmp(v, eq + 1, strlen(v)))
				val = v;
		}
		if (!val)
			return err_set(e, "%s: cell \"%s\": axis \"%s\" has no value \"%.*s\"",
				       r->file, sel, ax->name, (int)(len - (size_t)(eq - p) - 1),
				       eq + 1);
		chosen[a] = val;
		p += len;
		if (*p == ',' && *++p == '\0')
			return err_set(e, "%s: cell \"%s\": trailing ','", r->file, sel);
	}
	for (size_t a = 0; a < r->naxes; a++) {
		if (!chosen[a]) {
			buf_release(&name);
			return err_set(e, "%s: cell \"%s\": axis \"%s\" is missing", r->file, sel,
				       r->axes[a].name);
		}
		buf_addf(&name, "%s%s=%s", a ? "," : "", r->axes[a].name, chosen[a]);
	}
	apply(r, chosen);
	r->cell = buf_take(&name, NULL);
	return 0;
}
