/* SPDX-License-Identifier: MIT */
/* lockstep check: control builds, an all-varied build, and delta debugging
 * over the variations (halves built two at a time: check_builds.c) to
 * name the ones that change the artifacts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/fileorder.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"
#include "diff/diff.h"
#include "sandbox/sandbox.h"
#include "toolchains/toolchain.h"
#include "verifier/check.h"
#include "verifier/check_int.h"

/* The index of the first output that differs between a and b, or -1. */
static int cb_first_diff(const struct check_state *s, const struct cb *a, const struct cb *b)
{
	char **da = s->raw_pass ? a->raw_digests : a->digests;
	char **db = s->raw_pass ? b->raw_digests : b->digests;

	for (size_t i = 0; i < s->r->noutputs; i++)
		if (strcmp(da[i], db[i]))
			return (int)i;
	return -1;
}

/* Records var as responsible, with the diff between control and b. */
static int check_blame(struct check_state *s, unsigned var, const struct cb *ctl,
		       const struct cb *b, struct err *e)
{
	static const char *const bps[] = { "/build", VARIED_BUILD_PATH };
	struct diff_options d = DIFF_OPTIONS_INIT;
	struct diff_report *rep = NULL;
	struct check_culprit *c;
	const char *name;
	char *pa = NULL, *pb = NULL, *text = NULL;
	size_t len = 0;
	FILE *f;
	int i = cb_first_diff(s, ctl, b), ret = -1;

	for (size_t k = 0; k < s->res->nculprits; k++)
		if (s->res->culprits[k].var == var)
			return 0;
	if (i < 0)
		return 0;
	name = recipe_output_published(&s->r->outputs[i]);
	pa = check_cb_path(s, ctl, (size_t)i);
	pb = check_cb_path(s, b, (size_t)i);
	d.have_sde = 1;
	d.sde = s->r->source_date_epoch;
	d.build_paths = bps;
	d.n_build_paths = 2;
	d.hostname = VARIED_HOSTNAME;
	d.username = VARIED_USER;
	d.timeout = 60;
	if (diff_paths(pa, pb, &d, &rep, e) < 0)
		goto out;
	f = open_memstream(&text, &len);
	if (!f) {
		err_sys(e, "check: memory stream");
		goto out;
	}
	diff_report_print_text(rep, f, 0, 12);
	fclose(f);
	s->res->culprits = xrealloc(s->res->culprits, (s->res->nculprits + 1) * sizeof *c);
	c = &s->res->culprits[s->res->nculprits++];
	memset(c, 0, sizeof(*c));
	c->var = var;
	c->artifact = xstrdup(name);
	for (size_t k = (size_t)i; k < s->r->noutputs; k++)
		if ((s->raw_pass ? strcmp(ctl->raw_digests[k], b->raw_digests[k])
				 : strcmp(ctl->digests[k], b->digests[k])))
			strv_push(&c->differing, recipe_output_published(&s->r->outputs[k]));
	c->hint = xstrdup(diff_report_first_hint(rep) ? diff_report_first_hint(rep) : "content");
	c->detail = text;
	c->dir_a = xstrdup(ctl->dir);
	c->dir_b = xstrdup(b->dir);
	text = NULL;
	ret = 0;
out:
	diff_report_free(rep);
	free(pa);
	free(pb);
	free(text);
	return ret;
}

/* Builds one more control round and compares it with the first: a build
 * that differs from itself at fixed settings is flaky, and whatever the
 * bisection would blame next is noise.  Returns 1 (verdict flaky, the
 * finding recorded), 0 when the control held, -1 on error. */
static int check_recheck(struct check_state *s, struct err *e)
{
	unsigned mask = 0, round = s->ctl_rounds;
	const struct cb *ctl, *b;

	if (check_builds(s, &mask, &round, 1, e) < 0)
		return -1;
	s->ctl_rounds++;
	ctl = check_cb_find(s, 0, 0);
	b = check_cb_find(s, 0, round);
	if (cb_first_diff(s, ctl, b) < 0)
		return 0;
	s->verdict = CHECK_FLAKY;
	check_culprits_release(s->res);
	return check_blame(s, CHECK_NVARS, ctl, b, e) < 0 ? -1 : 1;
}

/* Delta debugging: building base alone matches the control, base plus all
 * of vars[] does not.  Splits vars in halves (fixed order) and recurses
 * into each half that changes the output alone; when neither does, the
 * cause is an interaction and each half is searched with the other kept.
 * Both halves differing, or neither, is also what a build that is merely
 * nondeterministic looks like: the control is built once more before
 * recursing, and when it differs the search stops.  Returns 0, 1 when it
 * stopped so (verdict flaky), -1 on error. */
static int check_bisect(struct check_state *s, const unsigned *vars, size_t n, unsigned base,
			struct err *e)
{
	const struct cb *ctl = check_cb_find(s, 0, 0);
	unsigned m1 = base, m2 = base, masks[2];
	size_t h = n / 2;
	int d1, d2, rc;

	if (n == 1)
		return check_blame(s, vars[0], ctl, check_cb_find(s, base | 1u << vars[0], 0), e);
	for (size_t i = 0; i < n; i++)
		*(i < h ? &m1 : &m2) |= 1u << vars[i];
	masks[0] = m1, masks[1] = m2;
	if (check_builds(s, masks, NULL, 2, e) < 0)
		return -1;
	ctl = check_cb_find(s, 0, 0);
	d1 = cb_first_diff(s, ctl, check_cb_find(s, m1, 0)) >= 0;
	d2 = cb_first_diff(s, ctl, check_cb_find(s, m2, 0)) >= 0;
	if (d1 == d2 && (rc = check_recheck(s, e)) != 0)
		return rc;
	if (d1 && (rc = check_bisect(s, vars, h, base, e)) != 0)
		return rc;
	if (d2 && (rc = check_bisect(s, vars + h, n - h, base, e)) != 0)
		return rc;
	if (!d1 && !d2) {
		if ((rc = check_bisect(s, vars, h, m2, e)) != 0 ||
		    (rc = check_bisect(s, vars + h, n - h, m1, e)) != 0)
			return rc;
	}
	return 0;
}

/* One pass over the builds, comparing normalized or (s->raw_pass) raw
 * outputs: control rounds, the all-varied build, then bisection.  Sets
 * s->verdict and s->res->culprits; 0 or -1. */
static int check_analyse(struct check_state *s, struct err *e)
{
	struct check_result *res = s->res;
	unsigned vars[CHECK_NVARS];
	size_t nv = 0;
	int ret;

	for (unsigned i = 1; i < s->o->rounds; i++) {
		const struct cb *b = check_cb_find(s, 0, i);

		if (cb_first_diff(s, check_cb_find(s, 0, 0), b) >= 0) {
			s->verdict = CHECK_FLAKY;
			return check_blame(s, CHECK_NVARS, check_cb_find(s, 0, 0), b, e);
		}
	}
	if (cb_first_diff(s, check_cb_find(s, 0, 0), check_cb_find(s, res->applied, 0)) < 0) {
		s->verdict = CHECK_REPRODUCIBLE;
		return 0;
	}
	s->verdict = CHECK_NOT_REPRODUCIBLE;
	for (unsigned v = 0; v < CHECK_NVARS; v++)
		if (res->applied & 1u << v)
			vars[nv++] = v;
	ret = check_bisect(s, vars, nv, 0, e);
	/* Every variation blamed (or none although the all-varied build
	 * differs) is what noise looks like: more control rounds decide. */
	for (unsigned k = 0; ret == 0 && nv > 1 && k < CHECK_EXTRA_ROUNDS &&
			     (res->nculprits == nv || !res->nculprits);
	     k++)
		ret = check_recheck(s, e);
	if (ret == 0 && !res->nculprits) {
		s->verdict = CHECK_FLAKY;
		ret = check_blame(s, CHECK_NVARS, check_cb_find(s, 0, 0),
				  check_cb_find(s, res->applied, 0), e);
		if (ret == 0 && res->nculprits)
			res->culprits[0].all_varied = 1;
	}
	return ret < 0 ? -1 : 0;
}

/* The same search over the raw outputs, into res->raw_only, less what the
 * normalized one already blames. */
static int check_raw_only(struct check_state *s, struct err *e)
{
	struct check_result *res = s->res;
	struct check_culprit *found = res->culprits;
	size_t nfound = res->nculprits;
	enum check_verdict verdict = s->verdict;
	int ret;

	res->culprits = NULL, res->nculprits = 0;
	s->raw_pass = 1;
	ret = check_analyse(s, e);
	s->raw_pass = 0;
	s->verdict = verdict;
	for (size_t i = 0; i < res->nculprits; i++) {
		struct check_culprit *c = &res->culprits[i];
		int dup = 0;

		for (size_t k = 0; k < nfound && c->var < CHECK_NVARS; k++)
			dup |= found[k].var == c->var;
		if (dup) {
			check_culprit_release(c);
			continue;
		}
		res->raw_only = xrealloc(res->raw_only, (res->nraw_only + 1) * sizeof *c);
		res->raw_only[res->nraw_only++] = *c;
	}
	free(res->culprits);
	res->culprits = found, res->nculprits = nfound;
	return ret;
}

/* The two host-path classes' directories, parents made: the control's
 * TMP/host/lockstep-work, the varied TMP/VARIED_HOST_SUBDIR/lockstep-work
 * (deeper and longer); the same under s->shm for file-order builds. */
static int check_host_dirs(struct check_state *s, struct err *e)
{
	static const char *const sub[2] = { "host", VARIED_HOST_SUBDIR };

	for (unsigned c = 0; c < 2; c++) {
		char *parent = fs_join(s->tmp, sub[c]);
		int r = fs_mkdirs(parent, e);

		s->work_dir[c] = fs_join(parent, "lockstep-work");
		free(parent);
		if (r < 0)
			return -1;
		if (!s->shm)
			continue;
		parent = fs_join(s->shm, sub[c]);
		r = fs_mkdirs(parent, e);
		s->fileorder_dir[c] = fs_join(parent, "build");
		free(parent);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* What check_run refuses before it builds anything. */
static int check_validate(const struct check_state *s, struct err *e)
{
	const struct recipe *r = s->r;
	const struct check_options *o = s->o;

	if (o->rounds < 1 || o->rounds > 32 || o->jobs < 1)
		return err_set(e, "check: rounds must be 1 to 32 and jobs at least 1");
	/* Builds are compared output by output, by entry: a glob's matches
	 * are known only per build, and may differ between them. */
	for (size_t i = 0; i < r->noutputs; i++)
		if (r->outputs[i].glob)
			return err_set(
				e,
				"check: %s: \"outputs[%zu]\": \"%s\" is a glob, and check compares named outputs only (list the files, or check a copy of the recipe that does)",
				r->file, i, r->outputs[i].path);
	/* Identical builds compared prove nothing about any variation. */
	if (!s->res->applied)
		return err_set(e, "check: %s: none of the variations asked for can be applied here",
			       r->file);
	return 0;
}

/* A private directory from a mkdtemp template (taken), removed at exit
 * unless check_state_release removes it first; NULL on error, the message
 * saying what (or, with what NULL, the path) could not be made. */
static char *check_mkdtemp(char *tmpl, const char *what, struct err *e)
{
	if (!mkdtemp(tmpl)) {
		if (what)
			err_sys(e, "check: %s", what);
		else
			err_sys(e, "check: %s: cannot create", tmpl);
		free(tmpl);
		return NULL;
	}
	cleanup_add_path(tmpl);
	return tmpl;
}

/* The builds' directories: s->tmp, s->shm for file-order builds, the
 * host-path classes' directories.  s->tmp and s->shm stay 0700
 * (mkdtemp's mode): the builds' trees below them are no other user's
 * business, whatever a build leaves there. */
static int check_dirs(struct check_state *s, struct err *e)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	s->tmp = check_mkdtemp(xasprintf("%s/lockstep-check-XXXXXX", tmp), "temporary directory",
			       e);
	if (!s->tmp)
		return -1;
	if (s->res->applied & 1u << CHECK_FILE_ORDER &&
	    !(s->shm = check_mkdtemp(xstrdup(FILEORDER_DIR "/lockstep-check-XXXXXX"), NULL, e)))
		return -1;
	return check_host_dirs(s, e);
}

/* Hashing the toolchain's files takes seconds: once, not per build; the
 * ids its libraries ship are read once here too, not in every child. */
static int check_toolchain(struct check_state *s, struct err *e)
{
	const struct strv *ids;

	if (!s->o->quiet)
		fprintf(stderr,
			"lockstep: check [%5.1fs] toolchain %s: verifying once for every build\n",
			clock_mono() - s->t0, s->r->toolchain);
	if (toolchain_load(s->r->toolchain, &s->tc, e) < 0 ||
	    toolchain_prepare(s->tc, &s->root, e) < 0)
		return err_wrap(e, "%s: \"toolchain\"", s->r->file);
	return toolchain_shipped_ids(s->root, &ids, e);
}

/* The control rounds and the all-varied build riding along with them,
 * then the analysis over the normalized outputs (and the raw ones). */
static int check_search(struct check_state *s, struct err *e)
{
	const struct check_options *o = s->o;
	unsigned *masks = xcalloc(o->rounds + 1, sizeof *masks);
	unsigned *rounds = xcalloc(o->rounds + 1, sizeof *rounds);
	size_t n = 0;
	int ret;

	for (unsigned i = 0; i < o->rounds; i++)
		masks[n] = 0, rounds[n++] = i;
	masks[n] = s->res->applied, rounds[n++] = 0;
	ret = check_builds(s, masks, rounds, n, e);
	free(masks);
	free(rounds);
	if (ret < 0)
		return -1;
	s->ctl_rounds = o->rounds;
	s->raw_pass = o->raw;
	ret = check_analyse(s, e);
	s->res->verdict = s->verdict;
	if (ret == 0 && !o->raw && s->verdict != CHECK_FLAKY)
		ret = check_raw_only(s, e);
	return ret;
}

/* Without a kept copy the culprits' directories go with s->tmp. */
static void forget_dirs(struct check_result *res)
{
	for (size_t i = 0; i < res->nculprits + res->nraw_only; i++) {
		struct check_culprit *c = i < res->nculprits ? &res->culprits[i]
							     : &res->raw_only[i - res->nculprits];

		free(c->dir_a);
		free(c->dir_b);
		c->dir_a = c->dir_b = NULL;
	}
}

static void remove_dir(const char *dir)
{
	if (dir) {
		fs_remove_tree(dir, NULL);
		cleanup_remove_path(dir);
	}
}

static void check_state_release(struct check_state *s)
{
	remove_dir(s->tmp);
	for (size_t i = 0; i < s->nb; i++) {
		for (size_t k = 0; s->b[i].digests && s->b[i].digests[k]; k++)
			free(s->b[i].digests[k]);
		for (size_t k = 0; s->b[i].raw_digests && s->b[i].raw_digests[k]; k++)
			free(s->b[i].raw_digests[k]);
		free(s->b[i].digests);
		free(s->b[i].raw_digests);
		free(s->b[i].dir);
	}
	free(s->b);
	remove_dir(s->shm);
	for (unsigned c = 0; c < 2; c++) {
		free(s->work_dir[c]);
		free(s->fileorder_dir[c]);
	}
	free(s->shm);
	free(s->tmp);
	free(s->faketime_lib);
	free(s->locale);
	free(s->locale_dir);
	toolchain_free(s->tc);
}

int check_run(const struct recipe *r, const struct check_options *o, struct check_result *res,
	      struct err *e)
{
	struct check_state s = { 0 };
	char *staging = NULL; /* owned: --keep's, made first to fail early */
	int ret = -1;

	memset(res, 0, sizeof *res);
	res->raw = o->raw;
	res->not_tried = ~o->mask & ((1u << CHECK_NVARS) - 1);
	s.r = r, s.o = o, s.res = res, s.t0 = clock_mono();
	s.start = clock_now();
	check_plan(&s);
	if (check_validate(&s, e) < 0 || check_dirs(&s, e) < 0 ||
	    (o->keep_dir && !(staging = fs_make_staging(o->keep_dir, e))) ||
	    check_toolchain(&s, e) < 0 ||
	    (res->applied & 1u << CHECK_LOCALE && check_locale_probe(&s, e) < 0))
		goto out;
	/* The locale probe may have taken the last variation away. */
	if (!res->applied) {
		err_set(e, "check: %s: none of the variations asked for can be applied here",
			r->file);
		goto out;
	}
	ret = check_search(&s, e);
out:
	if (ret == 0) {
		check_relabel(&s, res->culprits, res->nculprits, staging != NULL);
		check_relabel(&s, res->raw_only, res->nraw_only, staging != NULL);
	}
	if (ret == 0 && staging && check_keep(&s, staging, e) < 0)
		ret = -1;
	if (staging && (ret < 0 || fs_exists(staging)))
		remove_dir(staging);
	free(staging);
	if (ret < 0 || !o->keep_dir)
		forget_dirs(res);
	res->elapsed = clock_mono() - s.t0;
	check_state_release(&s);
	return ret;
}
