/* SPDX-License-Identifier: MIT */
/* Building many cells of a matrix recipe: one child process per cell (each
 * publishes its own directory whole through build_run), up to N at once,
 * the toolchain store verified once for all of them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/matrix.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"
#include "toolchains/toolchain.h"

/* One cell's child process and how it ended. */
struct cell_job {
	const char *name;  /* borrowed from the cell list */
	char *dir;         /* owned: ROOT/CELL */
	pid_t pid;
	int fd;            /* read end of the child's error pipe */
	double start, secs;
	enum { JOB_PENDING, JOB_RUNNING, JOB_BUILT, JOB_FAILED } state;
	char *msg;         /* owned: why it failed */
};

/* In the child: select the cell, build it, report the error through fd.
 * Exits; never returns. */
static void child_build(struct recipe *r, struct cell_job *job, const struct build_options *o,
			int fd)
{
	struct build_options co = *o;
	struct err e = ERR_INIT;
	int rc = 0;

	co.out_dir = job->dir;
	co.quiet = 1;
	if (recipe_select_cell(r, job->name, &e) < 0 || build_run(r, &co, &e) < 0) {
		/* At most sizeof(e.msg) bytes: below PIPE_BUF, so this never
		 * blocks and arrives whole. */
		ssize_t w = write(fd, e.msg, strlen(e.msg));
		(void)w;
		rc = 2;
	}
	close(fd);
	exit(rc);
}

static int spawn(struct recipe *r, struct cell_job *job, const struct build_options *o,
		 struct err *e)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "cannot create a pipe");
	fflush(stdout);
	fflush(stderr);
	job->start = clock_mono();
	job->pid = fork();
	if (job->pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, "cannot fork the build of cell \"%s\"", job->name);
	}
	if (job->pid == 0) {
		close(p[0]);
		child_build(r, job, o, p[1]);
	}
	close(p[1]);
	job->fd = p[0];
	job->state = JOB_RUNNING;
	return 0;
}

/* A cell build killed outright (SIGKILL, a crash) could not remove its
 * staging directory (.CELL.lockstep-XXXXXX beside ROOT/CELL): remove it, so
 * nothing half-written stays. */
static void remove_staging(const char *root, const char *cell)
{
	char *prefix = xasprintf(".%s.lockstep-", cell);
	struct dirent *d;
	DIR *dir = opendir(root);

	while (dir && (d = readdir(dir)))
		if (!strncmp(d->d_name, prefix, strlen(prefix))) {
			char *p = fs_join(root, d->d_name);
			fs_remove_tree(p, NULL);
			free(p);
		}
	if (dir)
		closedir(dir);
	free(prefix);
}

/* Collects a finished child: its status and its error message. */
static void reap(const char *root, struct cell_job *job, int status)
{
	struct buf b = BUF_INIT;
	char chunk[1024];
	ssize_t n;

	while ((n = read(job->fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_add(&b, chunk, (size_t)n);
	close(job->fd);
	job->fd = -1;
	job->secs = clock_mono() - job->start;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		job->state = JOB_BUILT;
	} else {
		job->state = JOB_FAILED;
		if (WIFSIGNALED(status))
			remove_staging(root, job->name);
		if (!b.len && WIFSIGNALED(status))
			buf_addf(&b, "the build process was killed by signal %d", WTERMSIG(status));
		else if (!b.len)
			buf_addf(&b, "the build process exited with status %d", WEXITSTATUS(status));
		job->msg = buf_take(&b, NULL);
	}
	buf_release(&b);
}

/* Runs the jobs, at most par at once.  Returns the number that failed, or
 * -1 when interrupted (every child stopped and waited for). */
static int run_jobs(struct recipe *r, const char *root, struct cell_job *jobs, size_t n,
		    unsigned par, const struct build_options *o, struct err *e)
{
	size_t next = 0, running = 0, done = 0;
	int failed = 0, stopping = 0;

	while (done < n) {
		while (!stopping && !cleanup_interrupted() && running < par && next < n) {
			if (spawn(r, &jobs[next], o, e) < 0) {
				stopping = 1;
				break;
			}
			next++;
			running++;
		}
		if (running == 0)
			break;
		if ((cleanup_interrupted() || stopping) && stopping < 2) {
			/* Ctrl-C reaches the children through the terminal;
			 * a SIGTERM sent to us alone is passed on. */
			for (size_t i = 0; i < n; i++)
				if (jobs[i].state == JOB_RUNNING)
					kill(jobs[i].pid, SIGTERM);
			stopping = 2;
		}
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			err_sys(e, "waiting for cell builds");
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			struct cell_job *j = &jobs[i];
			if (j->state != JOB_RUNNING || j->pid != pid)
				continue;
			reap(root, j, status);
			running--;
			done++;
			failed += j->state == JOB_FAILED;
			if (!o->quiet && !stopping && !cleanup_interrupted())
				fprintf(stderr, "[%zu/%zu] %s: %s (%.1f s)\n", done, n, j->name,
					j->state == JOB_BUILT ? "built" : "FAILED", j->secs);
		}
	}
	if (cleanup_interrupted())
		return err_setk(e, ERR_INTERRUPT, "%s: interrupted after %zu of %zu cells were built; no unfinished cell was published",
				r->file, done - (size_t)failed, n);
	if (stopping)
		return -1;
	return failed;
}

int matrix_build(struct recipe *r, const struct strv *cells, const char *root, unsigned par,
		 const struct build_options *bo, struct matrix_cell_result **res, struct err *e)
{
	struct cell_job *jobs = xcalloc(cells->n ? cells->n : 1, sizeof(*jobs));
	struct build_options opts = *bo, *o = &opts;
	struct toolchain *tc = NULL;
	int failed = -1, tc_axis = 0;

	*res = NULL;
	for (size_t a = 0; a < r->naxes; a++)
		tc_axis |= !strcmp(r->axes[a].name, "toolchain");
	/* Every cell uses the same pin unless the matrix varies it: fetch and
	 * verify the store once here, and let each cell's process inherit it. */
	if (!tc_axis && !o->toolchain) {
		if (toolchain_load(r->toolchain, &tc, e) < 0 ||
		    toolchain_prepare(tc, &o->toolchain_root, e) < 0) {
			err_wrap(e, "%s: \"toolchain\"", r->file);
			goto out;
		}
		o->toolchain = tc;
	}
	for (size_t i = 0; i < cells->n; i++) {
		jobs[i].name = cells->v[i];
		jobs[i].dir = fs_join(root, cells->v[i]);
		jobs[i].fd = -1;
	}
	/* The root only holds cell directories, each published whole. */
	if (fs_mkdirs(root, e) < 0)
		goto out;
	if (!o->quiet)
		fprintf(stderr, "%s: building %zu cell%s, up to %u at once, into %s/\n", r->file,
			cells->n, cells->n == 1 ? "" : "s", par, root);
	failed = run_jobs(r, root, jobs, cells->n, par ? par : 1, o, e);
	if (failed < 0)
		goto out;
	*res = xcalloc(cells->n ? cells->n : 1, sizeof(**res));
	for (size_t i = 0; i < cells->n; i++) {
		(*res)[i].cell = jobs[i].name;
		(*res)[i].dir = jobs[i].dir;
		(*res)[i].built = jobs[i].state == JOB_BUILT;
		(*res)[i].secs = jobs[i].secs;
		(*res)[i].msg = jobs[i].msg;
		jobs[i].dir = jobs[i].msg = NULL;
	}
out:
	for (size_t i = 0; i < cells->n; i++) {
		free(jobs[i].dir);
		free(jobs[i].msg);
	}
	free(jobs);
	toolchain_free(tc);
	return failed;
}

void matrix_results_free(struct matrix_cell_result *res, size_t n)
{
	for (size_t i = 0; res && i < n; i++) {
		free(res[i].dir);
		free(res[i].msg);
	}
	free(res);
}
