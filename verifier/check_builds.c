/* SPDX-License-Identifier: MIT */
/* lockstep check's builds: each one a child of the process pool
 * (core/pool.h), o->jobs at once and one per host-path class at a time,
 * its outputs hashed once it is done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "builder/build.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/pool.h"
#include "sandbox/sandbox.h"
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

char *check_cb_path(const struct check_state *s, const struct cb *b, size_t i)
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
		p = check_cb_path(s, b, i % s->r->noutputs);
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
	what = fb->mask ? xasprintf("varied: %s", vs)
			: xasprintf("control, round %u", fb->round + 1);
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

int check_builds(struct check_state *s, const unsigned *masks, const unsigned *rounds, size_t n,
		 struct err *e)
{
	struct builds_run br = { .s = s };
	struct pool_ops ops = { .max = s->o->jobs,
				.run = builds_child,
				.ready = builds_ready,
				.start = builds_start,
				.done = builds_done,
				.arg = &br };
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
