/* SPDX-License-Identifier: MIT */
/* lockstep check: builds a recipe under deliberate variations of the
 * environment and names the variations that change its artifacts, by
 * delta debugging over a fixed-order list (deterministic, never random),
 * independent builds run in parallel (o->jobs at once). */
#ifndef VERIFIER_CHECK_H
#define VERIFIER_CHECK_H

#include <stddef.h>
#include "builder/recipe.h"
#include "core/alloc.h"
#include "core/err.h"

/* The variations, in the fixed order bisection splits them. */
enum check_var {
	CHECK_TIME,
	CHECK_HOST_PATH,
	CHECK_BUILD_PATH,
	CHECK_HOSTNAME,
	CHECK_USER,
	CHECK_ENV,
	CHECK_TZ,
	CHECK_LOCALE,
	CHECK_UMASK,
	CHECK_FILE_ORDER,
	CHECK_CPUS,
	CHECK_KERNEL,
	CHECK_ASLR,
	CHECK_SDE,
	CHECK_NVARS
};

/* Its name as users write it in --vary ("host-path"). */
const char *check_var_name(unsigned v);
/* What differs between a builder's machine and an auditor's even inside the
 * sandbox; strict adds what the sandbox pins. */
unsigned check_default_mask(int strict);
/* Applies a "+all,-kernel,tz" specification to *mask (a bare name adds). */
int check_parse_vary(const char *spec, unsigned *mask, struct err *e);

struct check_options {
	unsigned mask;   /* variations to try (1u << enum check_var) */
	unsigned rounds; /* identical control builds, at least 1 (the CLI's
			  * default: 2); more are built when the bisection
			  * looks like noise */
	unsigned jobs;   /* builds at once, at least 1 */
	int quiet;       /* no progress lines on stderr */
	int raw;         /* the verdict on the outputs before lockstep build
			  * normalizes archives and modes (else on the
			  * normalized ones, the raw ones giving raw_only) */
	/* NULL, or a directory where the builds each culprit was found
	 * between are kept once a verdict is reached: DIR/control and
	 * DIR/VARIATION (a flaky finding: DIR/control-round-N, or
	 * DIR/all-varied), each the
	 * build's whole output directory. */
	const char *keep_dir;
};

enum check_verdict { CHECK_REPRODUCIBLE, CHECK_NOT_REPRODUCIBLE, CHECK_FLAKY };

/* One variation found responsible (or, for a flaky result, var is
 * CHECK_NVARS and the finding is between two control builds, or between
 * the control and the all-varied build when no variation alone changes
 * the output). */
struct check_culprit {
	unsigned var;
	char *artifact;        /* owned: the first differing output (the one diffed) */
	struct strv differing; /* every output that differs, artifact first */
	char *hint;            /* owned: the diff's most telling cause */
	char *detail;          /* owned: the first lines of the diff report */
	char *dir_a;           /* owned: the control build's directory, kept only
			 * with keep_dir (else NULL once check_run returns) */
	char *dir_b;           /* owned: the varied (or other round's) build's */
	int all_varied;        /* a flaky finding against the all-varied build */
};

struct check_result {
	enum check_verdict verdict;
	unsigned applied;               /* variations applied */
	unsigned not_applied;           /* asked for but impossible here */
	unsigned not_tried;             /* not asked for (--strict, --vary add them) */
	char *why_not[CHECK_NVARS];     /* owned: why, per not-applied variation */
	char *notes[CHECK_NVARS];       /* owned: how each applied one was applied */
	struct check_culprit *culprits; /* owned */
	size_t nculprits;
	/* Without --raw: what differs only in the outputs as the steps wrote
	 * them (archive modes, member times...), which lockstep build's
	 * normalization hides: the same search over the raw outputs, less the
	 * variations already culprits.  A var of CHECK_NVARS: the raw
	 * outputs differ at fixed settings too. */
	struct check_culprit *raw_only; /* owned */
	size_t nraw_only;
	int raw;         /* outputs compared as the steps wrote them */
	unsigned builds; /* sandboxed builds run */
	double elapsed;  /* seconds */
};

/* Builds r (loaded by recipe_load) as o says and fills res (released with
 * check_result_release, also on error).  Returns 0 when a verdict was
 * reached, -1 with e set when a build failed or was interrupted. */
int check_run(const struct recipe *r, const struct check_options *o, struct check_result *res,
	      struct err *e);
/* The result as JSON (schema "lockstep-check/1", docs/check.md); caller frees. */
char *check_result_json(const struct recipe *r, const struct check_result *res);
/* A check that reached no verdict, as JSON (verdict "error", the message
 * in "error"); r may be NULL or half loaded.  Caller frees. */
char *check_error_json(const struct recipe *r, const char *msg);
void check_result_release(struct check_result *res);

#endif
