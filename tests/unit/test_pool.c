/* SPDX-License-Identifier: MIT */
/* The process pool: the bound on concurrent children, each job's result
 * mapped to its own index, failures and signals reported as such, the
 * parent's atexit handlers never run in a child, and SIGTERM passed on. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/pool.h"
#include "harness.h"

/* Counters the children share with the test (MAP_SHARED survives fork). */
struct shared {
	int running, max_running, started, atexit_runs;
};
static struct shared *sh;

static void map_shared(void)
{
	if (!sh) {
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			  0);
		if (sh == MAP_FAILED)
			abort();
	}
	memset(sh, 0, sizeof(*sh));
}

/* Each job counts itself in, stays a while so others overlap it, counts
 * itself out; job k % 4 == 1 fails with a message naming k, k % 4 == 2
 * answers "no", k % 4 == 3 dies of SIGKILL. */
static int job_run(size_t k, void *arg, struct err *e)
{
	int now = __atomic_add_fetch(&sh->running, 1, __ATOMIC_SEQ_CST), seen;

	__atomic_add_fetch(&sh->started, 1, __ATOMIC_SEQ_CST);
	seen = __atomic_load_n(&sh->max_running, __ATOMIC_SEQ_CST);
	while (now > seen && !__atomic_compare_exchange_n(&sh->max_running, &seen, now, 0,
							  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	usleep(20000);
	__atomic_sub_fetch(&sh->running, 1, __ATOMIC_SEQ_CST);
	if (k % 4 == 1)
		return err_set(e, "job %zu failed", k);
	if (k % 4 == 2)
		return err_setk(e, ERR_NO, "job %zu says no", k);
	if (k % 4 == 3)
		kill(getpid(), SIGKILL);
	return 0;
}

TEST(bound_respected_and_results_mapped_by_index)
{
	struct pool_ops ops = { .max = 3, .run = job_run };
	struct pool_result *res = NULL;
	struct err e = ERR_INIT;
	size_t n = 12;

	map_shared();
	CHECK(pool_run(&ops, n, &res, &e) == 0);
	CHECK(sh->started == (int)n);
	CHECK(sh->max_running >= 1 && sh->max_running <= 3);
	for (size_t k = 0; res && k < n; k++) {
		char want[64];

		switch (k % 4) {
		case 0:
			CHECK(res[k].outcome == POOL_OK);
			CHECK(res[k].msg == NULL);
			break;
		case 1:
			CHECK(res[k].outcome == POOL_FAILED);
			CHECK(res[k].kind == ERR_OP);
			snprintf(want, sizeof(want), "job %zu failed", k);
			CHECK_STR(res[k].msg, want);
			break;
		case 2:
			CHECK(res[k].outcome == POOL_FAILED);
			CHECK(res[k].kind == ERR_NO);
			snprintf(want, sizeof(want), "job %zu says no", k);
			CHECK_STR(res[k].msg, want);
			break;
		case 3:
			CHECK(res[k].outcome == POOL_KILLED);
			CHECK(res[k].sig == SIGKILL);
			CHECK(res[k].msg == NULL);
			break;
		}
	}
	pool_results_free(res, n);
}

TEST(one_at_a_time_never_overlaps)
{
	struct pool_ops ops = { .max = 1, .run = job_run };
	struct pool_result *res = NULL;
	struct err e = ERR_INIT;

	map_shared();
	CHECK(pool_run(&ops, 5, &res, &e) == 0);
	CHECK(sh->started == 5);
	CHECK(sh->max_running == 1);
	pool_results_free(res, 5);
}

/* The parent's view: ready() holds odd jobs back until every even one is
 * done; start() and done() see each job once, in a consistent order. */
struct order {
	int started[8], done[8], evens_done;
};

static int ord_ready(size_t k, void *arg)
{
	struct order *o = arg;

	return k % 2 == 0 || o->evens_done == 4;
}

static int ord_start(size_t k, void *arg, struct err *e)
{
	struct order *o = arg;

	o->started[k]++;
	return 0;
}

static int ord_done(size_t k, const struct pool_result *r, void *arg, struct err *e)
{
	struct order *o = arg;

	o->done[k]++;
	if (k % 2 == 0)
		o->evens_done++;
	else if (o->evens_done != 4)
		return err_set(e, "odd job %zu ran before the even ones were done", k);
	return 0;
}

static int ok_run(size_t k, void *arg, struct err *e)
{
	return 0;
}

TEST(ready_start_done_callbacks)
{
	struct order o = { { 0 }, { 0 }, 0 };
	struct pool_ops ops = { .max = 2,
				.run = ok_run,
				.ready = ord_ready,
				.start = ord_start,
				.done = ord_done,
				.arg = &o };
	struct pool_result *res = NULL;
	struct err e = ERR_INIT;

	CHECK(pool_run(&ops, 8, &res, &e) == 0);
	for (size_t k = 0; k < 8; k++) {
		CHECK(o.started[k] == 1);
		CHECK(o.done[k] == 1);
		CHECK(res && res[k].outcome == POOL_OK);
	}
	pool_results_free(res, 8);
}

/* A done() error stops new starts; what did not start is POOL_NOT_RUN. */
static int stop_done(size_t k, const struct pool_result *r, void *arg, struct err *e)
{
	return k == 0 ? err_set(e, "stop after job 0") : 0;
}

TEST(callback_error_stops_the_pool)
{
	struct pool_ops ops = { .max = 1, .run = ok_run, .done = stop_done };
	struct pool_result *res = NULL;
	struct err e = ERR_INIT;

	CHECK(pool_run(&ops, 4, &res, &e) == -1);
	CHECK_STR(e.msg, "stop after job 0");
	CHECK(res && res[0].outcome == POOL_OK);
	for (size_t k = 1; res && k < 4; k++)
		CHECK(res[k].outcome == POOL_NOT_RUN);
	pool_results_free(res, 4);
}

static void count_atexit(void)
{
	if (sh)
		__atomic_add_fetch(&sh->atexit_runs, 1, __ATOMIC_SEQ_CST);
}

/* A child that ran the parent's atexit handlers would run its cleanup
 * list: remove the directories the parent still uses. */
TEST(children_skip_the_parents_atexit_handlers)
{
	static int registered;
	struct pool_ops ops = { .max = 2, .run = job_run };
	struct pool_result *res = NULL;
	struct err e = ERR_INIT;

	map_shared();
	if (!registered++)
		atexit(count_atexit);
	CHECK(pool_run(&ops, 4, &res, &e) == 0);
	CHECK(sh->started == 4);
	CHECK(sh->atexit_runs == 0);
	pool_results_free(res, 4);
}

/* Waits (at most 10 s) for the interrupt flag, then reports it. */
static int wait_run(size_t k, void *arg, struct err *e)
{
	__atomic_add_fetch(&sh->started, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 1000 && !cleanup_interrupted(); i++)
		usleep(10000);
	if (cleanup_interrupted())
		return err_setk(e, ERR_INTERRUPT, "job %zu interrupted", k);
	return 0;
}

/* Before job 2 starts, once jobs 0 and 1 run: SIGTERM to the parent
 * alone (blocked there until the pool waits). */
static int term_start(size_t k, void *arg, struct err *e)
{
	if (k == 2) {
		for (int i = 0; i < 1000 && __atomic_load_n(&sh->started, __ATOMIC_SEQ_CST) < 2;
		     i++)
			usleep(10000);
		kill(getpid(), SIGTERM);
	}
	return 0;
}

/* Last: the interrupt flag stays set in this process afterwards. */
TEST(sigterm_is_forwarded_and_children_reaped)
{
	struct pool_ops ops = { .max = 3, .run = wait_run, .start = term_start };
	struct pool_result *res = NULL;
	struct err e = ERR_INIT;

	map_shared();
	cleanup_init();
	CHECK(pool_run(&ops, 4, &res, &e) == -1);
	CHECK(e.kind == ERR_INTERRUPT);
	CHECK(res && res[0].outcome == POOL_INTERRUPTED);
	CHECK(res && res[1].outcome == POOL_INTERRUPTED);
	CHECK_CONTAINS(res ? res[1].msg : NULL, "job 1 interrupted");
	CHECK(res && res[2].outcome == POOL_INTERRUPTED);
	CHECK(res && res[3].outcome == POOL_NOT_RUN);
	CHECK(waitpid(-1, NULL, WNOHANG) == -1); /* none left to reap */
	pool_results_free(res, 4);
}

TEST_MAIN(T(bound_respected_and_results_mapped_by_index), T(one_at_a_time_never_overlaps),
	  T(ready_start_done_callbacks), T(callback_error_stops_the_pool),
	  T(children_skip_the_parents_atexit_handlers), T(sigterm_is_forwarded_and_children_reaped))
