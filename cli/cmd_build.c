/* SPDX-License-Identifier: MIT */
/* lockstep build RECIPE [-o DIR], and for matrix recipes --cell, --all,
 * --shard and --list: options in, builder out. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/matrix.h"
#include "builder/provenance.h"
#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"
#include "toolchains/toolchain.h"

static const char usage[] =
	"usage: lockstep build RECIPE [-o DIR] [--no-smoke] [--quiet] [--json]\n"
	"       lockstep build RECIPE --cell SEL [-o DIR] [options]\n"
	"       lockstep build RECIPE --all | --shard I/N [-j N] [-o DIR] [options]\n"
	"       lockstep build RECIPE --list [--shard I/N] [--json]\n"
	"\n"
	"Builds RECIPE (a recipe.json) in the sandbox with its pinned RISC-V\n"
	"toolchain and writes into DIR (default: out/NAME next to the current\n"
	"directory): the artifacts, source.tar.gz (the normalized source, whose\n"
	"sha256 is the source's identity), provenance.json (an in-toto Statement\n"
	"with a SLSA Provenance v1 predicate) and build.log.  DIR is only touched\n"
	"when the whole build succeeded.\n"
	"\n"
	"A recipe with a \"matrix\" has one cell per combination of its axes'\n"
	"values, named \"axis=value,axis=value\" (see docs/recipe.md); it needs one\n"
	"of --cell, --all, --shard or --list.\n"
	"\n"
	"  -o, --output DIR   where to write the results; with --all and --shard\n"
	"                     each cell goes to DIR/CELL (default out/NAME/CELL;\n"
	"                     --cell writes into DIR itself, default out/NAME/CELL)\n"
	"      --cell SEL     build one cell; SEL names every axis once, in any\n"
	"                     order: board=virt,march=rv64gc_zicsr_zifencei\n"
	"      --all          build every cell; a failing cell does not stop the\n"
	"                     others, the summary names each failure and its log\n"
	"      --shard I/N    build the cells numbered k (from 0, in --list order)\n"
	"                     with k %% N + 1 == I: N machines each take one shard\n"
	"  -j, --jobs N       build up to N cells at once (default: the CPUs this\n"
	"                     process may use)\n"
	"      --list         print the cells (of the shard) without building\n"
	"      --no-smoke     skip the recipe's smoke test\n"
	"  -q, --quiet        no progress lines\n"
	"      --json         print the artifacts and their sha256 as JSON (with\n"
	"                     --all/--shard: every cell's directory, status and\n"
	"                     subjects; with --list: the cells)\n"
	"\n"
	"exit status: 0 built, 2 error (the message names the file and field; for\n"
	"a matrix: any cell failed).\n";

/* The JSON summary of a finished build directory. */
static cJSON *dir_json(const char *dir)
{
	char *prov = fs_join(dir, BUILD_PROVENANCE_NAME);
	cJSON *j = NULL, *out = cJSON_CreateObject();

	if (json_parse_file(prov, &j, NULL) == 0) {
		cJSON_AddItemToObject(out, "subject",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "subject"), 1));
		json_add_str(out, "provenance", prov);
		json_add_str(out, "directory", dir);
	}
	cJSON_Delete(j);
	free(prov);
	return out;
}

static void print_json(cJSON *j)
{
	char *s = json_print(j);
	fputs(s, stdout);
	free(s);
	cJSON_Delete(j);
}

/* One cell of a --all/--shard build. */
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
		rc = EXIT_ERR;
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

static unsigned cpus_available(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	return 1;
}

/* --all, --shard: every selected cell into ROOT/CELL. */
static int build_cells(struct recipe *r, const struct strv *cells, const char *root,
		       unsigned par, const struct build_options *bo, int json)
{
	struct cell_job *jobs = xcalloc(cells->n ? cells->n : 1, sizeof(*jobs));
	struct build_options opts = *bo, *o = &opts;
	struct toolchain *tc = NULL;
	struct err e = ERR_INIT;
	int failed, ret;
	int tc_axis = 0;

	for (size_t a = 0; a < r->naxes; a++)
		tc_axis |= !strcmp(r->axes[a].name, "toolchain");
	/* Every cell uses the same pin unless the matrix varies it: fetch and
	 * verify the store once here, and let each cell's process inherit it. */
	if (!tc_axis && !o->toolchain) {
		if (toolchain_load(r->toolchain, &tc, &e) < 0 ||
		    toolchain_prepare(tc, &o->toolchain_layers, &e) < 0) {
			err_wrap(&e, "%s: \"toolchain\"", r->file);
			ret = cli_fail(&e);
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
	if (fs_mkdirs(root, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (!o->quiet)
		fprintf(stderr, "%s: building %zu cell%s, up to %u at once, into %s/\n", r->file,
			cells->n, cells->n == 1 ? "" : "s", par, root);
	failed = run_jobs(r, root, jobs, cells->n, par, o, &e);
	if (failed < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (json) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "cells");
		json_add_str(j, "recipe", r->name);
		json_add_str(j, "version", r->version);
		cJSON_AddNumberToObject(j, "built", (double)(cells->n - (size_t)failed));
		cJSON_AddNumberToObject(j, "failed", failed);
		for (size_t i = 0; i < cells->n; i++) {
			cJSON *c = jobs[i].state == JOB_BUILT ? dir_json(jobs[i].dir) : cJSON_CreateObject();
			json_add_str(c, "cell", jobs[i].name);
			json_add_str(c, "status", jobs[i].state == JOB_BUILT ? "built" : "failed");
			if (jobs[i].state != JOB_BUILT) {
				json_add_str(c, "directory", jobs[i].dir);
				json_add_str(c, "error", jobs[i].msg ? jobs[i].msg : "not built");
			}
			cJSON_AddItemToArray(arr, c);
		}
		print_json(j);
	}
	if (failed) {
		fprintf(stderr, "lockstep: %s: %d of %zu cells failed:\n", r->file, failed, cells->n);
		for (size_t i = 0; i < cells->n; i++)
			if (jobs[i].state == JOB_FAILED)
				fprintf(stderr, "  %s: %s\n", jobs[i].name, jobs[i].msg);
		ret = EXIT_ERR;
		goto out;
	}
	if (!o->quiet)
		fprintf(stderr, "%s: all %zu cells built into %s/\n", r->file, cells->n, root);
	ret = EXIT_OK;
out:
	for (size_t i = 0; i < cells->n; i++) {
		free(jobs[i].dir);
		free(jobs[i].msg);
	}
	free(jobs);
	toolchain_free(tc);
	return ret;
}

static int list_cells(const struct recipe *r, const struct strv *cells, int json)
{
	if (json) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "cells");
		json_add_str(j, "recipe", r->name);
		json_add_str(j, "version", r->version);
		for (size_t i = 0; i < cells->n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(cells->v[i]));
		print_json(j);
		return EXIT_OK;
	}
	for (size_t i = 0; i < cells->n; i++)
		printf("%s\n", cells->v[i]);
	return EXIT_OK;
}

int cmd_build(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_CELL, OPT_ALL, OPT_SHARD, OPT_LIST };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-smoke", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "cell", required_argument, NULL, OPT_CELL },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct build_options o = { 0 };
	struct recipe r;
	struct err e = ERR_INIT;
	struct strv cells = STRV_INIT, picked = STRV_INIT;
	const char *cell = NULL, *shard = NULL;
	char *dflt = NULL, *end;
	unsigned sidx = 0, scount = 0, par = 0;
	int c, json = 0, all = 0, list = 0, ret;

	while ((c = getopt_long(argc, argv, "o:qhj:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out_dir = optarg; break;
		case 'S': o.no_smoke = 1; break;
		case 'q': o.quiet = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_CELL: cell = optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_SHARD: shard = optarg; break;
		case OPT_LIST: list = 1; break;
		case 'j':
			errno = 0;
			par = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '1' || optarg[0] > '9' || par > 256)
				return cli_usage_error("build", "-j \"%s\": expected a number from 1 to 256",
						       optarg);
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage_error("build", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("build", "expected exactly one RECIPE");
	if ((cell != NULL) + all + (shard && !list) + list > 1)
		return cli_usage_error("build", "--cell, --all, --shard and --list exclude each other (--list may take --shard)");
	if (shard && matrix_parse_shard(shard, &sidx, &scount, &e) < 0)
		return cli_fail(&e);
	if (recipe_load(argv[optind], &r, &e) < 0)
		goto fail;
	if (!r.naxes && (cell || all || shard || list)) {
		err_set(&e, "%s: the recipe has no \"matrix\": --%s needs one", r.file,
			cell ? "cell" : all ? "all" : shard ? "shard" : "list");
		goto fail;
	}
	if (r.naxes && !cell && !all && !shard && !list) {
		err_set(&e, "%s: the recipe has a \"matrix\": choose --cell SEL, --all or --shard I/N (--list shows the cells)",
			r.file);
		goto fail;
	}
	if (r.naxes && !cell) {
		if (matrix_cells(&r, &cells, &e) < 0)
			goto fail;
		for (size_t k = 0; k < cells.n; k++)
			if (!shard || matrix_in_shard(k, sidx, scount))
				strv_push(&picked, cells.v[k]);
		if (list) {
			ret = list_cells(&r, &picked, json);
			goto out;
		}
		if (!o.out_dir)
			o.out_dir = dflt = xasprintf("out/%s", r.name);
		ret = build_cells(&r, &picked, o.out_dir, par ? par : cpus_available(), &o, json);
		goto out;
	}
	if (cell && recipe_select_cell(&r, cell, &e) < 0)
		goto fail;
	if (!o.out_dir && r.cell) {
		char *parent = xasprintf("out/%s", r.name);
		int m = fs_mkdirs(parent, &e);
		free(parent);
		if (m < 0)
			goto fail;
		o.out_dir = dflt = xasprintf("out/%s/%s", r.name, r.cell);
	}
	if (!o.out_dir)
		o.out_dir = dflt = xasprintf("out/%s", r.name);
	if (build_run(&r, &o, &e) < 0)
		goto fail;
	if (json)
		print_json(dir_json(o.out_dir));
	ret = EXIT_OK;
	goto out;
fail:
	ret = cli_fail(&e);
out:
	strv_release(&cells);
	strv_release(&picked);
	recipe_release(&r);
	free(dflt);
	return ret;
}
