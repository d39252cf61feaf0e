/* SPDX-License-Identifier: MIT */
/* lockstep check's findings: how each is named and kept (--keep), its diff
 * report relabelled to paths that exist, and the result as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/json.h"
#include "sandbox/sandbox.h"
#include "verifier/check.h"
#include "verifier/check_int.h"

void check_culprit_release(struct check_culprit *c)
{
	free(c->artifact);
	strv_release(&c->differing);
	free(c->hint);
	free(c->detail);
	free(c->dir_a);
	free(c->dir_b);
}

/* Forgets the culprits found so far (a flaky finding replaces them). */
void check_culprits_release(struct check_result *res)
{
	for (size_t i = 0; i < res->nculprits; i++)
		check_culprit_release(&res->culprits[i]);
	free(res->culprits);
	res->culprits = NULL;
	res->nculprits = 0;
}

/* The name a culprit's other build is kept (and shown) under: the
 * variation, or for a flaky finding control-round-N or all-varied. */
static void culprit_label(const struct check_state *s, const struct check_culprit *c, char *name,
			  size_t size)
{
	if (c->var < CHECK_NVARS)
		snprintf(name, size, "%s", check_var_name(c->var));
	else
		snprintf(name, size, "all-varied");
	for (size_t k = 0; c->var >= CHECK_NVARS && !c->all_varied && k < s->nb; k++)
		if (!strcmp(s->b[k].dir, c->dir_b))
			snprintf(name, size, "control-round-%u", s->b[k].round + 1);
}

/* text with every occurrence of from replaced by to; caller frees. */
static char *replace_all(const char *text, const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	size_t fl = strlen(from);
	const char *p;

	while ((p = strstr(text, from))) {
		buf_add(&b, text, (size_t)(p - text));
		buf_addstr(&b, to);
		text = p + fl;
	}
	buf_addstr(&b, text);
	return buf_take(&b, NULL);
}

/* The diff reports name the builds' temporary directories, which go when
 * check returns: each culprit's report names the kept copies instead
 * (--keep), else the labels "control" and the culprit's. */
void check_relabel(struct check_state *s, struct check_culprit *list, size_t n, int kept)
{
	for (size_t i = 0; i < n; i++) {
		struct check_culprit *c = &list[i];
		char name[32], *a, *b, *t;
		char *da = xasprintf("%s/", c->dir_a), *db = xasprintf("%s/", c->dir_b);

		/* With the slash: ".../b1" is also the start of ".../b11". */
		culprit_label(s, c, name, sizeof name);
		a = kept ? xasprintf("%s/control/", s->o->keep_dir) : xstrdup("control/");
		b = kept ? xasprintf("%s/%s/", s->o->keep_dir, name) : xasprintf("%s/", name);
		t = replace_all(c->detail, da, a);
		free(c->detail);
		c->detail = replace_all(t, db, b);
		free(t);
		free(a);
		free(b);
		free(da);
		free(db);
	}
}

/* Copies the control build and every culprit's other build into o->keep_dir
 * (all or nothing) and points the culprits at the copies. */
int check_keep(struct check_state *s, const char *staging, struct err *e)
{
	const char *keep = s->o->keep_dir;
	char *to = NULL;
	struct check_result *res = s->res;
	int ret = -1;

	to = fs_join(staging, "control");
	if (fs_copy_tree(check_cb_find(s, 0, 0)->dir, to, e) < 0)
		goto out;
	for (size_t i = 0; i < res->nculprits + res->nraw_only; i++) {
		struct check_culprit *c = i < res->nculprits ? &res->culprits[i]
							     : &res->raw_only[i - res->nculprits];
		char name[32];

		culprit_label(s, c, name, sizeof name);
		free(to);
		to = fs_join(staging, name);
		/* Two findings against one build (a raw-only one too). */
		if (!fs_exists(to) && fs_copy_tree(c->dir_b, to, e) < 0)
			goto out;
		free(c->dir_a);
		free(c->dir_b);
		c->dir_a = fs_join(keep, "control");
		c->dir_b = fs_join(keep, name);
	}
	if (fs_publish_dir(staging, keep, e) < 0)
		goto out;
	ret = 0;
out:
	free(to);
	return ret;
}

static const char *verdict_name(enum check_verdict v)
{
	return v == CHECK_REPRODUCIBLE ? "reproducible"
	       : v == CHECK_FLAKY      ? "flaky"
				       : "not-reproducible";
}

static cJSON *culprit_json(const struct check_culprit *c)
{
	cJSON *x = cJSON_CreateObject(), *d;

	json_add_str(x, "variation", c->var < CHECK_NVARS ? check_var_name(c->var) : "none");
	json_add_str(x, "artifact", c->artifact);
	d = cJSON_AddArrayToObject(x, "artifacts");
	for (size_t k = 0; k < c->differing.n; k++)
		cJSON_AddItemToArray(d, cJSON_CreateString(c->differing.v[k]));
	json_add_str(x, "hint", c->hint);
	json_add_str(x, "diff", c->detail);
	if (c->dir_a && c->dir_b) {
		json_add_str(x, "control_dir", c->dir_a);
		json_add_str(x, "varied_dir", c->dir_b);
	}
	return x;
}

char *check_result_json(const struct recipe *r, const struct check_result *res)
{
	cJSON *j = cJSON_CreateObject(), *vs, *cs;
	char *out;

	json_add_str(j, "schema", "lockstep-check/1");
	json_add_str(j, "recipe", r->name);
	if (r->cell)
		json_add_str(j, "cell", r->cell);
	json_add_str(j, "verdict", verdict_name(res->verdict));
	cJSON_AddBoolToObject(j, "raw", res->raw);
	vs = cJSON_AddArrayToObject(j, "variations");
	for (unsigned v = 0; v < CHECK_NVARS; v++) {
		cJSON *x;

		if (!((res->applied | res->not_applied) & 1u << v))
			continue;
		x = cJSON_CreateObject();
		json_add_str(x, "name", check_var_name(v));
		cJSON_AddBoolToObject(x, "applied", (res->applied & 1u << v) != 0);
		if (res->applied & 1u << v)
			json_add_str(x, "how", res->notes[v]);
		else
			json_add_str(x, "why_not", res->why_not[v]);
		cJSON_AddItemToArray(vs, x);
	}
	vs = cJSON_AddArrayToObject(j, "not_tried");
	for (unsigned v = 0; v < CHECK_NVARS; v++)
		if (res->not_tried & 1u << v)
			cJSON_AddItemToArray(vs, cJSON_CreateString(check_var_name(v)));
	cs = cJSON_AddArrayToObject(j, "culprits");
	for (size_t i = 0; i < res->nculprits; i++)
		cJSON_AddItemToArray(cs, culprit_json(&res->culprits[i]));
	if (!res->raw) {
		cs = cJSON_AddArrayToObject(j, "raw_only");
		for (size_t i = 0; i < res->nraw_only; i++)
			cJSON_AddItemToArray(cs, culprit_json(&res->raw_only[i]));
	}
	cJSON_AddNumberToObject(j, "builds", res->builds);
	cJSON_AddNumberToObject(j, "elapsed", (double)(long)(res->elapsed * 10) / 10);
	out = json_print(j);
	cJSON_Delete(j);
	return out;
}

char *check_error_json(const struct recipe *r, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	char *out;

	json_add_str(j, "schema", "lockstep-check/1");
	if (r && r->name)
		json_add_str(j, "recipe", r->name);
	else
		cJSON_AddNullToObject(j, "recipe");
	if (r && r->cell)
		json_add_str(j, "cell", r->cell);
	json_add_str(j, "verdict", "error");
	json_add_str(j, "error", msg);
	out = json_print(j);
	cJSON_Delete(j);
	return out;
}

void check_result_release(struct check_result *res)
{
	for (unsigned v = 0; v < CHECK_NVARS; v++) {
		free(res->why_not[v]);
		free(res->notes[v]);
	}
	check_culprits_release(res);
	for (size_t i = 0; i < res->nraw_only; i++)
		check_culprit_release(&res->raw_only[i]);
	free(res->raw_only);
	memset(res, 0, sizeof *res);
}
