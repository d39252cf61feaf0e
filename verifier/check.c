/* SPDX-License-Identifier: MIT */
/* lockstep check: control builds, an all-varied build, and delta debugging
 * over the variations (halves built two at a time, each build a child of
 * the process pool, core/pool.h) to name the ones that change the
 * artifacts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/fileorder.h"
#include "core/alloc.h"
#include "archive/archive.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/pool.h"
#include "diff/diff.h"
#include "sandbox/sandbox.h"
#include "toolchains/toolchain.h"
#include "verifier/check.h"
#include "verifier/check_int.h"

static char *mask_label(unsigned m)
{
	struct buf b = BUF_INIT;

	for (unsigned v = 0; v < CHECK_NVARS; v++)
		if (m & 1u << v)
			buf_addf(&b, "%s%s", b.len ? "," : "", check_var_name(v));
	if (!b.len)
		buf_addstr(&b, "nothing varied");
	return buf_take(&b, NULL);
}

struct cb *check_cb_find(const struct check_state *s, unsigned mask, unsigned round)
{
	for (size_t i = 0; i < s->nb; i++)
		if (s->b[i].mask == mask && s->b[i].round == round)
			return &s->b[i];
	return NULL;
}

/* 1 when the build's host directories are the varied ones. */
static unsigned host_class(unsigned mask)
{
	return (mask >> CHECK_HOST_PATH) & 1u;
}

/* What lockstep build publishes, from the outputs as the steps wrote them
 * (raw/NAME): each copied to dir/NAME, an archive normalized there. */
static int normalize_outputs(const struct check_state *s, const char *dir, const char *raw,
			     struct err *e)
{
	for (size_t i = 0; i < s->r->noutputs; i++) {
		const char *name = recipe_output_published(&s->r->outputs[i]);
		char *from = fs_join(raw, name), *to = fs_join(dir, name);
		int changed, rc = fs_copy_file(from, to, e);

		if (rc == 0 && archive_detect(to))
			rc = archive_normalize(to, s->r->source_date_epoch, &changed, e);
		free(from);
		free(to);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* In a child of the pool: one build into its own directory.  The build keeps its outputs raw (CHECK_RAW_DIR below the directory) and
 * the normalized ones are derived here, so that one build answers both
 * "is the published artifact reproducible?" and "would it be without
 * lockstep's normalization?". */
static int child_build(struct check_state *s, struct cb *b, struct err *e)
{
	struct vary_ctx v = { .s = s, .mask = b->mask, .env = STRV_INIT };
	struct build_options bo = { 0 };
	/* --raw compares nothing else: the raw outputs are the build's own. */
	char *raw = s->o->raw ? xstrdup(b->dir) : fs_join(b->dir, CHECK_RAW_DIR);
	int rc;

	bo.out_dir = raw;
	bo.quiet = 1;
	bo.vary = check_vary_apply;
	bo.vary_arg = &v;
	bo.tag = "check";
	bo.file_order = (b->mask & 1u << CHECK_FILE_ORDER) != 0;
	bo.work_dir = s->work_dir[host_class(b->mask)];
	bo.fileorder_dir = s->fileorder_dir[host_class(b->mask)];
	bo.raw_outputs = 1;
	bo.toolchain = s->tc;
	bo.toolchain_root = s->root;
	rc = s->o->raw ? 0 : fs_mkdirs(b->dir, e);
	if (rc == 0)
		rc = build_run(s->r, &bo, NULL, e);
	if (rc == 0 && !s->o->raw)
		rc = normalize_outputs(s, b->dir, raw, e);
	strv_release(&v.env);
	free(v.inside);
	free(raw);
	return rc;
}

/* Where output i of build b is, as compared now: normalized (dir/NAME) or,
 * in a raw pass, as the steps wrote it (dir/CHECK_RAW_DIR/NAME; with --raw
 * the build's outputs are raw, dir/NAME). */
static char *cb_path(const struct check_state *s, const struct cb *b, size_t i)
{
	const char *name = recipe_output_published(&s->r->outputs[i]);

	return s->raw_pass && !s->o->raw ? xasprintf("%s/" CHECK_RAW_DIR "/%s", b->dir, name)
			   : fs_join(b->dir, name);
}

static int cb_digests(struct check_state *s, struct cb *b, struct err *e)
{
	int pass = s->raw_pass;

	b->digests = xcalloc(s->r->noutputs + 1, sizeof *b->digests);
	b->raw_digests = xcalloc(s->r->noutputs + 1, sizeof *b->raw_digests);
	for (size_t i = 0; i < 2 * s->r->noutputs; i++) {
		char hex[DIGEST_HEX_LEN + 1], *p;
		int rc;

		s->raw_pass = i >= s->r->noutputs;
		p = cb_path(s, b, i % s->r->noutputs);
		rc = digest_file(p, hex, e);
		free(p);
		if (rc < 0) {
			s->raw_pass = pass;
			return -1;
		}
		(s->raw_pass ? b->raw_digests : b->digests)[i % s->r->noutputs] = xstrdup(hex);
	}
	s->raw_pass = pass;
	return 0;
}

/* One check_builds call's jobs, shared by the pool's callbacks. */
struct builds_run {
	struct check_state *s;
	unsigned *mask, *round; /* owned: per job */
	size_t *cb;             /* owned: per job, its index in s->b once
				 * started (s->b moves when it grows) */
	unsigned busy[2];       /* a build of that host-path class runs */
};

static int builds_ready(size_t j, void *arg)
{
	struct builds_run *br = arg;

	return !br->busy[host_class(br->mask[j])];
}

/* Before the fork: the build's directory and number, its progress line. */
static int builds_start(size_t j, void *arg, struct err *e)
{
	struct builds_run *br = arg;
	struct check_state *s = br->s;
	unsigned m = br->mask[j], rd = br->round[j];
	struct cb *b;
	char *label;

	br->busy[host_class(m)] = 1;
	s->b = xrealloc(s->b, (s->nb + 1) * sizeof *s->b);
	b = &s->b[s->nb++];
	b->mask = m, b->round = rd, b->digests = b->raw_digests = NULL;
	b->dir = xasprintf("%s/b%zu", s->tmp, s->nb);
	br->cb[j] = s->nb - 1;
	label = mask_label(m);
	if (!s->o->quiet && m)
		fprintf(stderr, "lockstep: check [%5.1fs] build %zu: varied: %s\n",
			clock_mono() - s->t0, s->nb, label);
	else if (!s->o->quiet)
		fprintf(stderr, "lockstep: check [%5.1fs] build %zu: control, round %u\n",
			clock_mono() - s->t0, s->nb, rd + 1);
	free(label);
	/* A reader that went away (check ... 2>&1 | head; the CLI ignores
	 * SIGPIPE): stop, and clean up, rather than build on for nobody or
	 * die leaving directories. */
	if (!s->o->quiet && ferror(stderr))
		return err_setk(e, ERR_INTERRUPT, "check: the output was closed");
	s->res->builds++;
	return 0;
}

static int builds_child(size_t j, void *arg, struct err *e)
{
	struct builds_run *br = arg;

	return child_build(br->s, &br->s->b[br->cb[j]], e);
}

/* Once a build ended: its digests, or why it has none. */
static int builds_done(size_t j, const struct pool_result *res, void *arg, struct err *e)
{
	struct builds_run *br = arg;
	struct check_state *s = br->s;
	const struct cb *fb = &s->b[br->cb[j]];
	char *vs, *what;

	br->busy[host_class(fb->mask)] = 0;
	if (res->outcome == POOL_OK)
		return cb_digests(s, &s->b[br->cb[j]], e);
	if (res->outcome == POOL_INTERRUPTED)
		return err_setk(e, ERR_INTERRUPT, "check: interrupted");
	/* Named as the progress lines name it: its directory goes when check
	 * returns. */
	vs = mask_label(fb->mask);
	what = fb->mask ? xasprintf("varied: %s", vs) : xasprintf("control, round %u", fb->round + 1);
	if (res->outcome == POOL_KILLED)
		err_set(e, "check: build %zu (%s) failed: killed by signal %d", br->cb[j] + 1, what,
			res->sig);
	else
		err_set(e, "check: build %zu (%s) failed: %s", br->cb[j] + 1, what,
			res->msg && *res->msg ? res->msg : "no message");
	free(what);
	free(vs);
	return -1;
}

/* Runs the builds not yet run among masks/rounds, o->jobs at a time and
 * one per host-path class at a time (they share its directories), in the
 * order given as far as that allows. */
static int check_builds(struct check_state *s, const unsigned *masks, const unsigned *rounds,
			size_t n, struct err *e)
{
	struct builds_run br = { .s = s };
	struct pool_ops ops = { .max = s->o->jobs, .run = builds_child, .ready = builds_ready,
				.start = builds_start, .done = builds_done, .arg = &br };
	struct pool_result *res = NULL;
	size_t nj = 0;
	int ret;

	br.mask = xcalloc(n ? n : 1, sizeof *br.mask);
	br.round = xcalloc(n ? n : 1, sizeof *br.round);
	br.cb = xcalloc(n ? n : 1, sizeof *br.cb);
	/* Each build once: what an earlier call built is reused. */
	for (size_t q = 0; q < n; q++) {
		unsigned m = masks[q], rd = rounds ? rounds[q] : 0;
		int dup = check_cb_find(s, m, rd) != NULL;

		for (size_t k = 0; k < nj && !dup; k++)
			dup = br.mask[k] == m && br.round[k] == rd;
		if (!dup)
			br.mask[nj] = m, br.round[nj++] = rd;
	}
	ret = pool_run(&ops, nj, &res, e);
	if (ret < 0 && cleanup_interrupted())
		err_setk(e, ERR_INTERRUPT, "check: interrupted");
	pool_results_free(res, nj);
	free(br.mask);
	free(br.round);
	free(br.cb);
	return ret;
}

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
	pa = cb_path(s, ctl, (size_t)i);
	pb = cb_path(s, b, (size_t)i);
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
			     (res->nculprits == nv || !res->nculprits); k++)
		ret = check_recheck(s, e);
	if (ret == 0 && !res->nculprits) {
		s->verdict = CHECK_FLAKY;
		ret = check_blame(s, CHECK_NVARS, check_cb_find(s, 0, 0), check_cb_find(s, res->applied, 0), e);
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

int check_run(const struct recipe *r, const struct check_options *o, struct check_result *res,
	      struct err *e)
{
	struct check_state s = { 0 };
	unsigned *masks = NULL, *rounds = NULL;
	size_t n = 0;
	char *staging = NULL; /* owned: --keep's, made first to fail early */
	int ret = -1;

	memset(res, 0, sizeof *res);
	res->raw = o->raw;
	res->not_tried = ~o->mask & ((1u << CHECK_NVARS) - 1);
	s.r = r, s.o = o, s.res = res, s.t0 = clock_mono();
	s.start = clock_now();
	check_plan(&s);
	if (o->rounds < 1 || o->rounds > 32 || o->jobs < 1) {
		err_set(e, "check: rounds must be 1 to 32 and jobs at least 1");
		goto out;
	}
	/* Builds are compared output by output, by entry: a glob's matches
	 * are known only per build, and may differ between them. */
	for (size_t i = 0; i < r->noutputs; i++)
		if (r->outputs[i].glob) {
			err_set(e, "check: %s: \"outputs[%zu]\": \"%s\" is a glob, and check compares named outputs only (list the files, or check a copy of the recipe that does)",
				r->file, i, r->outputs[i].path);
			goto out;
		}
	/* Identical builds compared prove nothing about any variation. */
	if (!res->applied) {
		err_set(e, "check: %s: none of the variations asked for can be applied here",
			r->file);
		goto out;
	}
	s.tmp = xasprintf("%s/lockstep-check-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(s.tmp)) {
		err_sys(e, "check: temporary directory");
		free(s.tmp);
		s.tmp = NULL;
		goto out;
	}
	cleanup_add_path(s.tmp);
	/* s.tmp and s.shm stay 0700 (mkdtemp's mode): the builds' trees below
	 * them are no other user's business, whatever a build leaves there. */
	if (res->applied & 1u << CHECK_FILE_ORDER) {
		s.shm = xstrdup(FILEORDER_DIR "/lockstep-check-XXXXXX");
		if (!mkdtemp(s.shm)) {
			err_sys(e, "check: %s: cannot create", s.shm);
			free(s.shm);
			s.shm = NULL;
			goto out;
		}
		cleanup_add_path(s.shm);
	}
	if (check_host_dirs(&s, e) < 0)
		goto out;
	if (o->keep_dir && !(staging = fs_make_staging(o->keep_dir, e)))
		goto out;
	/* Hashing the toolchain's files takes seconds: once, not per build. */
	if (!o->quiet)
		fprintf(stderr, "lockstep: check [%5.1fs] toolchain %s: verifying once for every build\n",
			clock_mono() - s.t0, r->toolchain);
	if (toolchain_load(r->toolchain, &s.tc, e) < 0 || toolchain_prepare(s.tc, &s.root, e) < 0) {
		err_wrap(e, "%s: \"toolchain\"", r->file);
		goto out;
	}
	/* Read once here, not in every build's child. */
	{
		const struct strv *ids;

		if (toolchain_shipped_ids(s.root, &ids, e) < 0)
			goto out;
	}
	if (res->applied & 1u << CHECK_LOCALE && check_locale_probe(&s, e) < 0)
		goto out;
	if (!res->applied) {
		err_set(e, "check: %s: none of the variations asked for can be applied here",
			r->file);
		goto out;
	}
	/* The all-varied build rides along with the control rounds. */
	masks = xcalloc(o->rounds + 1, sizeof *masks);
	rounds = xcalloc(o->rounds + 1, sizeof *rounds);
	for (unsigned i = 0; i < o->rounds; i++)
		masks[n] = 0, rounds[n++] = i;
	if (res->applied)
		masks[n] = res->applied, rounds[n++] = 0;
	if (check_builds(&s, masks, rounds, n, e) < 0)
		goto out;
	s.ctl_rounds = o->rounds;
	s.raw_pass = o->raw;
	ret = check_analyse(&s, e);
	res->verdict = s.verdict;
	if (ret == 0 && !o->raw && s.verdict != CHECK_FLAKY)
		ret = check_raw_only(&s, e);
out:
	if (ret == 0) {
		check_relabel(&s, res->culprits, res->nculprits, staging != NULL);
		check_relabel(&s, res->raw_only, res->nraw_only, staging != NULL);
	}
	if (ret == 0 && staging && check_keep(&s, staging, e) < 0)
		ret = -1;
	if (staging && (ret < 0 || fs_exists(staging))) {
		fs_remove_tree(staging, NULL);
		cleanup_remove_path(staging);
	}
	free(staging);
	/* Without a kept copy the directories go with s.tmp. */
	for (size_t i = 0; i < res->nculprits + res->nraw_only && (ret < 0 || !o->keep_dir); i++) {
		struct check_culprit *c = i < res->nculprits ? &res->culprits[i]
							     : &res->raw_only[i - res->nculprits];

		free(c->dir_a);
		free(c->dir_b);
		c->dir_a = c->dir_b = NULL;
	}
	res->elapsed = clock_mono() - s.t0;
	if (s.tmp) {
		fs_remove_tree(s.tmp, NULL);
		cleanup_remove_path(s.tmp);
	}
	for (size_t i = 0; i < s.nb; i++) {
		for (size_t k = 0; s.b[i].digests && s.b[i].digests[k]; k++)
			free(s.b[i].digests[k]);
		for (size_t k = 0; s.b[i].raw_digests && s.b[i].raw_digests[k]; k++)
			free(s.b[i].raw_digests[k]);
		free(s.b[i].digests);
		free(s.b[i].raw_digests);
		free(s.b[i].dir);
	}
	free(s.b);
	if (s.shm) {
		fs_remove_tree(s.shm, NULL);
		cleanup_remove_path(s.shm);
	}
	for (unsigned c = 0; c < 2; c++) {
		free(s.work_dir[c]);
		free(s.fileorder_dir[c]);
	}
	free(masks);
	free(rounds);
	free(s.shm);
	free(s.tmp);
	free(s.faketime_lib);
	free(s.locale);
	free(s.locale_dir);
	toolchain_free(s.tc);
	return ret;
}
