/* SPDX-License-Identifier: MIT */
/* A small process pool: runs numbered jobs each in its own forked child, a
 * bounded number at once, and hands back how each ended as a struct (never
 * as a magic exit code).  The parent waits for whichever child ends first,
 * passes SIGINT/SIGTERM on to the children and reaps every one of them
 * before it returns.  Children end with _exit(): the parent's atexit
 * cleanup (core/cleanup.h) never runs in them. */
#ifndef CORE_POOL_H
#define CORE_POOL_H

#include <stddef.h>
#include "core/err.h"

/* How one job ended. */
enum pool_outcome {
	POOL_NOT_RUN = 0, /* never started: the pool stopped first */
	POOL_OK,          /* run() returned 0 */
	POOL_FAILED,      /* run() returned -1, or the child exited without
			   * saying how it ended (msg says which) */
	POOL_INTERRUPTED, /* run() returned -1 with ERR_INTERRUPT */
	POOL_KILLED       /* the child died of a signal (sig) */
};

struct pool_result {
	enum pool_outcome outcome;
	enum err_kind kind; /* POOL_FAILED: the child's error kind */
	int sig;            /* POOL_KILLED: the signal */
	char *msg;          /* owned: POOL_FAILED, POOL_INTERRUPTED: the
			     * child's message; NULL otherwise */
	double secs;        /* from fork to reaping */
};

struct pool_ops {
	unsigned max; /* children at once; 0 counts as 1 */
	/* In the child: does job `job`.  Returns 0, or -1 with e set. */
	int (*run)(size_t job, void *arg, struct err *e);
	/* In the parent, may be NULL: whether job can start now (jobs are
	 * started in index order, a job not ready is passed over and asked
	 * again once a child ends; one not ready while nothing runs is never
	 * started). */
	int (*ready)(size_t job, void *arg);
	/* In the parent just before the fork, may be NULL.  -1 with e set:
	 * the job is not started, nor any after it; the running ones are
	 * waited for. */
	int (*start)(size_t job, void *arg, struct err *e);
	/* In the parent once the job's child was reaped, may be NULL; also
	 * for the children reaped after the pool stopped (e is then a
	 * scratch one: the first error is the one returned).  -1 with e set:
	 * no job is started any more (as for start). */
	int (*done)(size_t job, const struct pool_result *res, void *arg, struct err *e);
	void *arg;
};

/* Runs jobs 0..n-1 as ops says.  *res gets n results (NULL when n is 0;
 * free with pool_results_free, also on error).  Returns 0 when every job
 * was run, whatever each outcome; -1 with e set when the pool stopped
 * early: a callback's error, ERR_INTERRUPT when SIGINT/SIGTERM/SIGHUP
 * arrived (forwarded to the children, each waited for), or a fork that
 * failed (the running children terminated and waited for).  The caller
 * has no other child processes while this runs: any that ends is reaped
 * here and ignored. */
int pool_run(const struct pool_ops *ops, size_t n, struct pool_result **res, struct err *e);
void pool_results_free(struct pool_result *res, size_t n);

#endif
