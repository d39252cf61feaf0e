/* SPDX-License-Identifier: MIT */
/* The process pool (see pool.h): fork, a pipe per child for its result,
 * waitpid(-1) for whichever ends first, signals passed on. */
#include "core/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/clock.h"

/* What a child writes up its pipe, followed by its message: one write
 * below PIPE_BUF, so it never blocks and arrives whole. */
struct pool_wire {
	int outcome; /* enum pool_outcome */
	int kind;    /* enum err_kind */
};

/* The parent's view of the jobs; arrays of n, owned. */
struct pool {
	const struct pool_ops *ops;
	size_t n;
	struct pool_result *res;
	pid_t *pid; /* > 0 while running */
	int *fd;    /* read end of the running child's pipe */
	double *t0;
	unsigned char *state; /* JOB_* */
	size_t running;
	sigset_t old_mask;  /* the caller's, restored in children and at the end */
	sigset_t wait_mask; /* the caller's less what the pool blocks */
	struct sigaction old_chld;
};

enum { JOB_PENDING, JOB_RUNNING, JOB_DONE };

static void on_chld(int sig)
{
	(void)sig; /* only there to end sigsuspend */
}

/* The signals that wake the pool: blocked except inside sigsuspend, so
 * none can slip in between looking at the interrupt flag and waiting. */
static void wake_signals(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGCHLD);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGPIPE);
}

/* In the child: the caller's signal set-up back, the job, its result up
 * the pipe.  Never returns; _exit() so the parent's atexit handlers (its
 * cleanup list) do not run here. */
static void child(struct pool *p, size_t job, int wfd)
{
	struct {
		struct pool_wire w;
		char msg[sizeof(((struct err *)0)->msg)];
	} rec;
	struct err e = ERR_INIT;
	size_t len;
	int rc;

	sigaction(SIGCHLD, &p->old_chld, NULL);
	sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
	for (size_t i = 0; i < p->n; i++)
		if (p->state[i] == JOB_RUNNING)
			close(p->fd[i]);
	rc = p->ops->run(job, p->ops->arg, &e);
	rec.w.outcome = rc == 0                   ? POOL_OK
			: e.kind == ERR_INTERRUPT ? POOL_INTERRUPTED
						  : POOL_FAILED;
	rec.w.kind = rc == 0 ? ERR_NONE : e.kind;
	len = rc == 0 ? 0 : strnlen(e.msg, sizeof(e.msg) - 1);
	memcpy(rec.msg, e.msg, len);
	fflush(NULL);
	if (write(wfd, &rec, sizeof(rec.w) + len) < 0)
		_exit(127);
	_exit(rc == 0 ? 0 : 1);
}

static int spawn(struct pool *p, size_t job, struct err *e)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(e, "cannot create a pipe");
	fflush(NULL);
	p->t0[job] = clock_mono();
	p->pid[job] = fork();
	if (p->pid[job] < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_sys(e, "cannot fork");
	}
	if (p->pid[job] == 0) {
		close(fds[0]);
		child(p, job, fds[1]);
	}
	close(fds[1]);
	p->fd[job] = fds[0];
	p->state[job] = JOB_RUNNING;
	p->running++;
	return 0;
}

/* Reads what the child wrote, until the pipe closes. */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t k;

	while (got < cap && ((k = read(fd, buf + got, cap - got)) > 0 || (k < 0 && errno == EINTR)))
		if (k > 0)
			got += (size_t)k;
	return got;
}

/* Turns a reaped child's status and pipe into its result. */
static void collect(struct pool *p, size_t job, int status)
{
	struct pool_result *r = &p->res[job];
	struct {
		struct pool_wire w;
		char msg[sizeof(((struct err *)0)->msg)];
	} rec;
	size_t got = read_all(p->fd[job], (char *)&rec, sizeof(rec));

	close(p->fd[job]);
	p->fd[job] = -1;
	p->pid[job] = 0;
	p->state[job] = JOB_DONE;
	p->running--;
	r->secs = clock_mono() - p->t0[job];
	if (WIFSIGNALED(status)) {
		r->outcome = POOL_KILLED;
		r->sig = WTERMSIG(status);
		return;
	}
	if (got < sizeof(rec.w) || rec.w.outcome < POOL_OK || rec.w.outcome > POOL_INTERRUPTED) {
		r->outcome = POOL_FAILED;
		r->kind = ERR_OP;
		r->msg = xasprintf("the process exited with status %d without a result",
				   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return;
	}
	r->outcome = (enum pool_outcome)rec.w.outcome;
	r->kind = (enum err_kind)rec.w.kind;
	if (r->outcome != POOL_OK)
		r->msg = xasprintf("%.*s", (int)(got - sizeof(rec.w)), rec.msg);
}

static void signal_running(struct pool *p, int sig)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->state[i] == JOB_RUNNING)
			kill(p->pid[i], sig);
}

/* Starts what may start.  -1 (e set) when the pool must stop: a start
 * callback refused (*fatal 0) or a fork failed (*fatal 1). */
static int start_ready(struct pool *p, unsigned max, int *fatal, struct err *e)
{
	*fatal = 0;
	for (size_t j = 0; j < p->n && p->running < max; j++) {
		if (p->state[j] != JOB_PENDING)
			continue;
		if (p->ops->ready && !p->ops->ready(j, p->ops->arg))
			continue;
		if (p->ops->start && p->ops->start(j, p->ops->arg, e) < 0)
			return -1;
		if (spawn(p, j, e) < 0) {
			*fatal = 1;
			return -1;
		}
	}
	return 0;
}

/* Waits for one child to end (or a signal), and collects it.  Returns the
 * job reaped, n when none was (woken by a signal), -1 on error. */
static long reap_one(struct pool *p, struct err *e)
{
	int status;
	pid_t pid = waitpid(-1, &status, WNOHANG);

	if (pid == 0) {
		sigsuspend(&p->wait_mask);
		return (long)p->n;
	}
	if (pid < 0)
		return errno == EINTR ? (long)p->n : err_sys(e, "waiting for child processes");
	for (size_t j = 0; j < p->n; j++)
		if (p->state[j] == JOB_RUNNING && p->pid[j] == pid) {
			collect(p, j, status);
			return (long)j;
		}
	return (long)p->n; /* not one of ours */
}

static int pool_loop(struct pool *p, struct err *e)
{
	unsigned max = p->ops->max ? p->ops->max : 1;
	int stopping = 0, fatal = 0, forwarded = 0, ret = 0;
	struct err later = ERR_INIT; /* callbacks' errors after the first */

	for (;;) {
		int sig = cleanup_interrupted();

		if (!stopping && !sig && start_ready(p, max, &fatal, e) < 0) {
			stopping = 1;
			ret = -1;
			/* A pool that cannot fork cannot finish: the others
			 * end now too. */
			if (fatal)
				signal_running(p, SIGTERM);
		}
		if (sig && !forwarded) {
			/* Ctrl-C reaches the children through the terminal
			 * too; a signal sent to us alone is passed on. */
			signal_running(p, sig == SIGINT ? SIGINT : SIGTERM);
			forwarded = 1;
		}
		if (!p->running)
			break;
		long j = reap_one(p, e);
		if (j < 0) {
			/* waitpid itself failed: stop them, and wait for each
			 * by its pid. */
			signal_running(p, SIGKILL);
			for (size_t k = 0; k < p->n; k++) {
				int st = 0;

				if (p->state[k] != JOB_RUNNING)
					continue;
				while (waitpid(p->pid[k], &st, 0) < 0 && errno == EINTR)
					;
				collect(p, k, st);
			}
			return -1;
		}
		if ((size_t)j < p->n && p->ops->done &&
		    p->ops->done((size_t)j, &p->res[j], p->ops->arg, ret < 0 ? &later : e) < 0) {
			stopping = 1;
			ret = -1;
		}
	}
	if (cleanup_interrupted())
		return err_setk(e, ERR_INTERRUPT, "interrupted");
	return ret;
}

int pool_run(const struct pool_ops *ops, size_t n, struct pool_result **res, struct err *e)
{
	struct pool p = { .ops = ops, .n = n };
	struct sigaction sa;
	sigset_t wake;
	int ret;

	*res = NULL;
	if (!n)
		return 0;
	p.res = xcalloc(n, sizeof(*p.res));
	p.pid = xcalloc(n, sizeof(*p.pid));
	p.fd = xcalloc(n, sizeof(*p.fd));
	p.t0 = xcalloc(n, sizeof(*p.t0));
	p.state = xcalloc(n, sizeof(*p.state));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &p.old_chld);
	wake_signals(&wake);
	sigprocmask(SIG_BLOCK, &wake, &p.old_mask);
	p.wait_mask = p.old_mask;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&wake, s))
			sigdelset(&p.wait_mask, s);
	ret = pool_loop(&p, e);
	sigprocmask(SIG_SETMASK, &p.old_mask, NULL);
	sigaction(SIGCHLD, &p.old_chld, NULL);
	*res = p.res;
	free(p.pid);
	free(p.fd);
	free(p.t0);
	free(p.state);
	return ret;
}

void pool_results_free(struct pool_result *res, size_t n)
{
	for (size_t i = 0; res && i < n; i++)
		free(res[i].msg);
	free(res);
}
