/* SPDX-License-Identifier: MIT */
/* Queries, diffs and the rollback target over compatibility manifests. */
#include "compat/history.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "versioning/version.h"

static const char *status_static(const char *s)
{
	static const char *const names[] = { "green", "yellow", "red", "unknown" };
	return names[manifest_status_rank(s)];
}

static int driver_matches(const cJSON *driver, const char *want)
{
	const char *eq = strchr(want, '=');
	const cJSON *c;

	if (eq) {
		char *name = xstrndup(want, (size_t)(eq - want));
		c = cJSON_GetObjectItemCaseSensitive(driver, name);
		free(name);
		return cJSON_IsString(c) && !strcmp(c->valuestring, eq + 1);
	}
	cJSON_ArrayForEach(c,
			   driver) if (cJSON_IsString(c) && !strcmp(c->valuestring, want)) return 1;
	return 0;
}

static int eq_or_any(const char *want, const char *have)
{
	return !want || (have && !strcmp(want, have));
}

int history_row_matches(const struct manifest_row *r, const struct history_query *q)
{
	if (!eq_or_any(q->board, r->board) || !eq_or_any(q->rtos, r->rtos) ||
	    !eq_or_any(q->riscv_core, r->riscv_core) ||
	    !eq_or_any(q->riscv_microcode, r->riscv_microcode) ||
	    !eq_or_any(q->gpu_firmware, r->gpu_firmware) || !eq_or_any(q->firmware, r->firmware))
		return 0;
	for (size_t i = 0; i < q->ndrivers; i++)
		if (!driver_matches(r->driver, q->drivers[i]))
			return 0;
	return 1;
}

/* Sort order: green -> red first, then status changes that got worse
 * (by how much), then better, then removed, then added; by key within. */
static int urgency(const struct history_change *c)
{
	int o, n;
	if (!strcmp(c->kind, "regressed"))
		return 0;
	if (!strcmp(c->kind, "status")) {
		o = manifest_status_rank(c->old_status);
		n = manifest_status_rank(c->new_status);
		return n > o ? 1 : 2;
	}
	return !strcmp(c->kind, "removed") ? 3 : 4;
}

static int cmp_change(const void *a, const void *b)
{
	const struct history_change *x = a, *y = b;
	int ux = urgency(x), uy = urgency(y);
	return ux != uy ? ux - uy : strcmp(x->key, y->key);
}

static void push(struct history_change **out, size_t *n, const char *kind, const char *key,
		 const char *o, const char *s)
{
	struct history_change *c;
	*out = xrealloc(*out, (*n + 1) * sizeof(**out));
	c = &(*out)[(*n)++];
	c->kind = xstrdup(kind);
	c->key = xstrdup(key);
	c->old_status = o ? status_static(o) : NULL;
	c->new_status = s ? status_static(s) : NULL;
}

size_t history_diff(const cJSON *old_m, const cJSON *new_m, struct history_change **out)
{
	struct manifest_row *o = NULL, *w = NULL;
	size_t no = manifest_rows(old_m, &o), nw = manifest_rows(new_m, &w), n = 0;

	*out = NULL;
	for (size_t i = 0; i < no; i++) {
		size_t j;
		for (j = 0; j < nw && strcmp(o[i].key, w[j].key); j++)
			;
		if (j == nw)
			push(out, &n, "removed", o[i].key, o[i].status, NULL);
		else if (strcmp(o[i].status, w[j].status))
			push(out, &n,
			     !strcmp(o[i].status, "green") && !strcmp(w[j].status, "red")
				     ? "regressed"
				     : "status",
			     o[i].key, o[i].status, w[j].status);
	}
	for (size_t j = 0; j < nw; j++) {
		size_t i;
		for (i = 0; i < no && strcmp(o[i].key, w[j].key); i++)
			;
		if (i == no)
			push(out, &n, "added", w[j].key, NULL, w[j].status);
	}
	if (n)
		qsort(*out, n, sizeof(**out), cmp_change);
	manifest_rows_free(o, no);
	manifest_rows_free(w, nw);
	return n;
}

void history_changes_free(struct history_change *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].kind);
		free(c[i].key);
	}
	free(c);
}

/* compat-YYYY-MM-DD followed by anything, ending in .json. */
static int history_name(const char *n)
{
	char date[9];
	size_t len = strlen(n);

	if (len < 20 || strncmp(n, "compat-", 7) || strcmp(n + len - 5, ".json") || n[11] != '-' ||
	    n[14] != '-')
		return 0;
	memcpy(date, n + 7, 4);
	memcpy(date + 4, n + 12, 2);
	memcpy(date + 6, n + 15, 2);
	date[8] = '\0';
	return version_date_ok(date);
}

/* Newest first: by the date in the name, then a plain compat-DATE.json
 * before any compat-DATE-SUFFIX.json of the same day, which re-issues it
 * (byte order alone would put "-b.json" before ".json"). */
static int cmp_name_desc(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = strncmp(y, x, 17); /* "compat-YYYY-MM-DD" */
	int px = !strcmp(x + 17, ".json"), py = !strcmp(y + 17, ".json");

	if (c)
		return c;
	if (px != py)
		return px - py;
	return strcmp(y + 17, x + 17);
}

/* 1 when row a is a better rollback target than row b. */
static int better(const struct manifest_row *a, const struct manifest_row *b)
{
	const cJSON *ka = cJSON_GetObjectItemCaseSensitive(a->driver, "kernel");
	const cJSON *kb = cJSON_GetObjectItemCaseSensitive(b->driver, "kernel");
	struct err e = ERR_INIT;
	int c = 0;

	if (cJSON_IsString(ka) && cJSON_IsString(kb) &&
	    version_compare("driver", ka->valuestring, kb->valuestring, &c, &e) == 0 && c)
		return c > 0;
	if (a->firmware && b->firmware &&
	    version_compare("firmware", a->firmware, b->firmware, &c, &e) == 0 && c)
		return c > 0;
	return 0;
}

int history_last_good(const char *dir, const char *board, const struct sign_key *pub, cJSON **row,
		      char **file, struct err *e)
{
	struct strv names = STRV_INIT;
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = -1;

	*row = NULL;
	*file = NULL;
	if (!d)
		return err_sys(e, "%s: cannot read the manifest history", dir);
	while ((de = readdir(d)))
		if (history_name(de->d_name))
			strv_push(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_name_desc);
	for (size_t i = 0; i < names.n && !*row; i++) {
		char *path = fs_join(dir, names.v[i]);
		struct manifest_row *rows = NULL, *best = NULL;
		cJSON *m = NULL;
		int was_signed = 0;
		size_t n = 0;

		/* Every manifest on the way is checked: a rollback target found
		 * past a tampered file could have been planted there. */
		if (manifest_load(path, pub, &m, &was_signed, e) < 0) {
			free(path);
			goto out;
		}
		if (!was_signed) {
			err_set(e, "%s: not signed: a rollback history holds signed manifests only",
				path);
			cJSON_Delete(m);
			free(path);
			goto out;
		}
		cJSON_Delete(m);
		if (manifest_open(path, pub, &m, e) < 0) {
			free(path);
			goto out;
		}
		n = manifest_rows(m, &rows);
		for (size_t j = 0; j < n; j++)
			if (!strcmp(rows[j].board, board) && !strcmp(rows[j].status, "green") &&
			    (!best || better(&rows[j], best)))
				best = &rows[j];
		if (best) {
			*row = cJSON_Duplicate(
				cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "tested_on"),
						   best->index),
				1);
			*file = path;
			path = NULL;
		}
		manifest_rows_free(rows, n);
		cJSON_Delete(m);
		free(path);
	}
	if (!*row) {
		err_setk(e, ERR_NO,
			 "%s: no green combination for board \"%s\" in %zu signed manifest%s", dir,
			 board, names.n, names.n == 1 ? "" : "s");
		goto out;
	}
	ret = 0;
out:
	strv_release(&names);
	return ret;
}
