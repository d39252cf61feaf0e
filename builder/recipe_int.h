/* SPDX-License-Identifier: MIT */
/* Private to builder/recipe*.c: the loaders of the fields with a file of
 * their own, and the check they share with recipe.c. */
#ifndef BUILDER_RECIPE_INT_H
#define BUILDER_RECIPE_INT_H

#include "builder/recipe.h"
#include "core/json.h"

/* A name of lowercase letters, digits, '-', '_' and '.' (at most 64, not
 * starting with '.' or '-'): recipe names, triples, pins, suites. */
int recipe_name_ok(const char *s);
/* "source" (builder/recipe_source.c); s may be NULL (missing). */
int recipe_load_source(const cJSON *s, struct recipe *r, const char *f, struct err *e);
/* 1 when s is an http(s) URL: a tarball fetched, not read beside the recipe. */
int recipe_url_ok(const char *s);
/* "outputs" of the recipe object j (builder/recipe_outputs.c). */
int recipe_load_outputs(const cJSON *j, struct recipe *r, const char *f, struct err *e);

#endif
