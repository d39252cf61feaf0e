/* SPDX-License-Identifier: MIT */
/* Shared inside lockstep check: check.c runs the builds and bisects,
 * check_vary.c says what each variation changes and whether it applies. */
#ifndef VERIFIER_CHECK_INT_H
#define VERIFIER_CHECK_INT_H

#include <stdint.h>
#include "core/alloc.h"
#include "verifier/check.h"

struct sandbox_config;
struct toolchain;

/* The values a varied build gets; the control keeps the sandbox's pins. */
#define VARIED_BUILD_PATH "/build-varied-path"
#define VARIED_HOSTNAME "other-machine"
#define VARIED_DOMAIN "other.invalid"
#define VARIED_USER "auditor"
#define VARIED_ID 1001u
#define VARIED_HOME "/home/auditor"
#define VARIED_ENV "LOCKSTEP_CHECK_VARIED=1"
#define VARIED_TZ "Pacific/Kiritimati"
#define VARIED_UMASK 002u
/* Three days and a bit later: dates, weekdays and the hour change, and diff
 * still recognises the value as a timestamp (it looks a week ahead). */
#define VARIED_TIME_SHIFT (3 * 86400 + 3661)
/* The varied build's work directory sits this much deeper (and longer)
 * under the check's directory than the "host" of the other builds. */
#define VARIED_HOST_SUBDIR "host-path-varied/an/other/machine"
/* The varied build's make runs this many jobs at once (MAKEFLAGS), on one
 * CPU: a race between rules shows, whatever -j the control used. */
#define VARIED_MAKE_JOBS 4

/* Control rounds added when every variation, or none, came out blamed:
 * what a nondeterministic build looks like. */
#define CHECK_EXTRA_ROUNDS 2

/* Below each build's directory: its outputs as the steps wrote them (the
 * normalized ones, what lockstep build publishes, are beside it). */
#define CHECK_RAW_DIR "lockstep-raw"

/* What every build of one check shares. */
struct check_state {
	const struct recipe *r;
	const struct check_options *o;
	struct check_result *res;
	char *tmp; /* owned: holds every build's output and work directory */
	char *shm; /* owned: FILEORDER_DIR/lockstep-check-XXXXXX, or NULL */
	/* Per host-path class (0 control, 1 varied): the work directory and
	 * file-order build directory every build of that class uses, so that
	 * builds differ by host path only when the variation says so.  One
	 * build of a class runs at a time. */
	char *work_dir[2], *fileorder_dir[2]; /* owned */
	char *faketime_lib;                   /* owned: libfaketime, NULL when missing */
	char *locale;                         /* owned: the varied locale, or NULL: none here */
	char *locale_dir;                     /* owned: the host directory holding it (a locale
			      * compiled without the archive), or NULL */
	struct toolchain *tc;                 /* owned: loaded and verified once for every build */
	const char *root;                     /* borrowed from tc: the build root */
	unsigned ncpus;                       /* CPUs this process may use */
	struct cb {
		unsigned mask, round;
		char *dir;
		char **digests, **raw_digests; /* normalized, as written */
	} * b;                                 /* owned */
	size_t nb;
	unsigned ctl_rounds;        /* control rounds built so far */
	int raw_pass;               /* comparing raw outputs (--raw, or the raw-only pass) */
	enum check_verdict verdict; /* of the pass under way */
	double t0;
	int64_t start; /* wall clock when the check began */
};

/* Per child: the varied environment array lives here between steps. */
struct vary_ctx {
	const struct check_state *s;
	unsigned mask;
	struct strv env;
	/* The host files a variation brings into the sandbox (libfaketime, a
	 * locale): the build root is the pin's, which has neither. */
	struct sandbox_bind binds[2];
	char *inside; /* owned: binds' locale path */
};

/* Where those host files appear inside. */
#define VARY_FAKETIME_INSIDE "/run/lockstep/libfaketime.so.1"
#define VARY_LOCPATH_INSIDE "/run/lockstep/locale"

/* The build with that mask and control round, or NULL (borrowed: s->b
 * moves when a build is added). */
struct cb *check_cb_find(const struct check_state *s, unsigned mask, unsigned round);
/* Where output i of build b is, as compared now: normalized (dir/NAME) or,
 * in a raw pass, as the steps wrote it (dir/CHECK_RAW_DIR/NAME; with --raw
 * the build's outputs are raw, dir/NAME).  Caller frees. */
char *check_cb_path(const struct check_state *s, const struct cb *b, size_t i);
/* Runs the builds not yet run among masks/rounds (rounds NULL: all 0),
 * o->jobs at a time and one per host-path class at a time (they share its
 * directories), in the order given as far as that allows; each build's
 * digests are in s->b once this returns 0.  -1 with e set when a build
 * failed or check was interrupted (every child reaped). */
int check_builds(struct check_state *s, const unsigned *masks, const unsigned *rounds, size_t n,
		 struct err *e);

/* check_report.c: a finding's release; all of res's culprits released and
 * forgotten (a flaky finding replaces them). */
void check_culprit_release(struct check_culprit *c);
void check_culprits_release(struct check_result *res);
/* Rewrites the diff reports of list[0..n) to name, instead of the builds'
 * temporary directories, the kept copies (kept) or the labels "control"
 * and the culprit's ("time", "control-round-2", "all-varied"). */
void check_relabel(struct check_state *s, struct check_culprit *list, size_t n, int kept);
/* Copies the control build and every finding's other build into staging
 * (published as o->keep_dir, all or nothing) and points the findings at
 * the copies.  0 or -1. */
int check_keep(struct check_state *s, const char *staging, struct err *e);

/* Applies the variations of a vary_ctx to one step's sandbox settings
 * (build_options.vary). */
void check_vary_apply(struct sandbox_config *c, void *arg);
/* Decides which asked-for variations this machine can apply, and how:
 * fills s->res->applied/not_applied/notes/why_not and s's tools. */
void check_plan(struct check_state *s);
/* Sorts a probe under the varied locale inside a sandbox on s->root (made
 * under s->tmp): unless the order differs from C's, the locale variation
 * moves to not_applied with the reason; else its note shows the order.
 * 0, or -1 with e set when the probe could not run. */
int check_locale_probe(struct check_state *s, struct err *e);

#endif
