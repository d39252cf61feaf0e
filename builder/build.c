/* SPDX-License-Identifier: MIT */
/* The build pipeline (see build.h): the one place that strings the
 * capabilities together in order; what the build publishes once its steps
 * ran (outputs, provenance) is build_publish.c's. */
#include "builder/build.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build_int.h"
#include "builder/fileorder.h"
#include "builder/live.h"
#include "builder/outputs.h"
#include "builder/provenance.h"
#include "builder/source.h"
#include "archive/archive.h"
#include "builder/source_store.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/json.h"
#include "sandbox/sandbox.h"
#include "toolchains/debsource.h"
#include "toolchains/toolchain.h"

#define SMOKE_MAX_OUTPUT (1u << 20)

void build_progress(const struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->o->quiet)
		return;
	fprintf(stderr, "lockstep: %s%s[%5.1fs] ", b->o->tag ? b->o->tag : "", b->o->tag ? " " : "",
		clock_mono() - b->t0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int debian_source_archive(struct build *b, const char *path, struct err *e);

const char *build_source_name(const struct build *b)
{
	return b->o->source_archive && b->o->source_name ? b->o->source_name : BUILD_SOURCE_NAME;
}

/* The source archive is written once into the store, by digest
 * (builder/source_store.h), and the output directory's source.tar.zst is a
 * hard link to it: a large tree is not copied per build.  A rebuild from a
 * given archive (verify, audit) stores that archive the same way. */
static int make_source_archive(struct build *b, struct err *e)
{
	const char *name = build_source_name(b);
	char *fresh = fs_join(b->work, name), *stored = NULL;
	char *path = fs_join(b->staging, name);
	int ret = -1;

	if (b->o->source_archive) {
		if (source_store_put(b->o->source_archive, name, 0, b->source_digest, &stored, e) <
		    0)
			goto out;
	} else {
		if ((b->r->source_kind == RECIPE_SOURCE_DEBIAN
			     ? debian_source_archive(b, fresh, e)
			     : source_archive_write(b->r, b->work, fresh, e)) < 0)
			goto out;
		if (source_store_put(fresh, name, 1, b->source_digest, &stored, e) < 0)
			goto out;
	}
	if (source_store_link(stored, path, e) < 0)
		goto out;
	/* The build sees exactly what the archive holds, nothing else of the
	 * source directory: what is hashed is what is built. */
	if (!b->o->file_order) {
		if (archive_extract(path, b->build_dir, e) < 0)
			goto out;
	} else {
		/* Extracted first where a normal build extracts, so that its
		 * listing order is the one to reverse. */
		char *plain = fs_join(b->work, "source-order");
		int r = mkdir(plain, 0755) < 0 ? err_sys(e, "%s: cannot create", plain) : 0;

		if (r == 0)
			r = archive_extract(path, plain, e);
		if (r == 0)
			r = fileorder_copy(plain, b->build_dir, e);
		fs_remove_tree(plain, NULL);
		free(plain);
		if (r < 0) {
			err_wrap(e, "%s: file order", b->r->file);
			goto out;
		}
	}
	if (source_check_outputs(b->r, b->build_dir,
				 b->o->source_archive ? b->o->source_archive
				 : b->r->source_dir   ? b->r->source_dir
						      : b->r->source_path,
				 e) < 0)
		goto out;
	ret = 0;
out:
	free(fresh);
	free(stored);
	free(path);
	return ret;
}

void build_base_config(const struct build *b, struct sandbox_config *c, int out_fd)
{
	/* Every step runs through the same shell; the profile needs a command
	 * to be complete, so it names that one. */
	static const char *const shell[] = { "/bin/sh", NULL };

	sandbox_config_init(c);
	c->argv = shell;
	c->build_dir = b->build_dir;
	c->root_dir = b->root;
	c->env = (const char *const *)b->env.v;
	c->source_date_epoch = b->r->source_date_epoch;
	c->max_disk = b->r->max_disk;
	c->max_log = b->r->max_log;
	c->stdout_fd = out_fd;
	c->stderr_fd = out_fd;
	if (b->o->vary)
		b->o->vary(c, b->o->vary_arg);
}

/* Runs cmd in a sandbox whose /build is dir (NULL: the build directory). */
static int run_in_sandbox(struct build *b, const char *dir, const char *cmd, unsigned timeout,
			  int out_fd, const char *what, struct err *e)
{
	const char *argv[] = { "/bin/sh", "-e", "-c", cmd, NULL };
	struct sandbox_config c;
	struct sandbox_result res;

	build_base_config(b, &c, out_fd);
	if (dir)
		c.build_dir = dir;
	c.argv = argv;
	c.timeout_sec = timeout;
	if (sandbox_run(&c, &res, e) < 0)
		return err_wrap(e, "%s: %s", b->r->file, what);
	if (res.interrupted)
		return err_setk(e, ERR_INTERRUPT, "%s: %s: interrupted", b->r->file, what);
	if (res.timed_out)
		return err_set(e, "%s: %s: stopped after the %u-second timeout", b->r->file, what,
			       timeout);
	if (res.over_disk)
		return err_set(e,
			       "%s: %s: stopped: the build directory grew past its %llu-byte limit "
			       "(\"limits.disk_bytes\")",
			       b->r->file, what, (unsigned long long)c.max_disk);
	if (res.over_log)
		return err_set(e,
			       "%s: %s: stopped: the build log grew past its %llu-byte limit "
			       "(\"limits.log_bytes\")",
			       b->r->file, what, (unsigned long long)c.max_log);
	if (res.signal)
		return err_set(e, "%s: %s: killed by signal %d", b->r->file, what, res.signal);
	if (res.exit_code != 0)
		return err_set(e, "%s: %s: exited %d", b->r->file, what, res.exit_code);
	return 0;
}

/* How much of a failed build's log its message quotes: the reason is
 * nearly always in the last lines (a compiler error, make's "Error 2"). */
#define LOG_TAIL_LINES 10
#define LOG_TAIL_LINE_MAX 200

/* Appends the last LOG_TAIL_LINES lines of the log at path to e's
 * message, each on its own "  | " line and cut at LOG_TAIL_LINE_MAX. */
static void quote_log_tail(const char *path, struct err *e)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n;
	const char *start;
	int lines = 0;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	n = pread(fd, buf, sizeof(buf) - 1,
		  size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	for (start = buf + n; start > buf; start--)
		if (start[-1] == '\n' && ++lines == LOG_TAIL_LINES)
			break;
	/* A partial first line (the window cut it) is dropped. */
	if (start == buf && size > (off_t)sizeof(buf) - 1 && strchr(buf, '\n'))
		start = strchr(buf, '\n') + 1;
	while (*start) {
		size_t len = strcspn(start, "\n"), used = strlen(e->msg);

		snprintf(e->msg + used, sizeof(e->msg) - used, "\n  | %.*s",
			 (int)(len > LOG_TAIL_LINE_MAX ? LOG_TAIL_LINE_MAX : len), start);
		start += len + (start[len] == '\n');
	}
}

/* Keeps the log of a failed build where the user can read it, and quotes
 * its last lines in the message: the reason is then on the terminal. */
static void keep_log(struct build *b, struct err *e)
{
	char *kept = xasprintf("%s/lockstep-%s-failed-XXXXXX.log",
			       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", b->r->name);
	int fd = mkstemps(kept, 4);

	if (fd >= 0) {
		close(fd);
		if (rename(b->log_path, kept) == 0) {
			size_t n = strlen(e->msg);
			snprintf(e->msg + n, sizeof(e->msg) - n,
				 " (log: %s); its last lines:", kept);
			quote_log_tail(kept, e);
		} else {
			unlink(kept);
		}
	}
	free(kept);
}

/* A Debian source package: fetched and checked on the host (debsource.h),
 * unpacked with its patches by the pin's own dpkg-source in a sandbox
 * whose /build holds only the .dsc and its files (dpkg-source parses
 * archives and applies patches: nothing of it runs on the host), the
 * unpacked tree archived at path.  Its output goes to the build log. */
static int debian_source_archive(struct build *b, const char *path, struct err *e)
{
	char *dir = fs_join(b->work, "debian-source"), *tree = NULL, *cmd = NULL;
	int fd = -1, ret = -1;

	if (!toolchain_has_package(b->tc, BUILD_UNPACK_PACKAGE)) {
		err_set(e,
			"%s: \"source\": a Debian source package is unpacked with dpkg-source, and \"%s\" is not in the environment pin \"%s\" (%s); make a pin that has it: lockstep env pin NAME --packages ...,%s",
			b->r->file, BUILD_UNPACK_PACKAGE, toolchain_name(b->tc),
			toolchain_path(b->tc), BUILD_UNPACK_PACKAGE);
		goto out;
	}
	if (mkdir(dir, 0755) < 0) {
		err_sys(e, "%s: cannot create", dir);
		goto out;
	}
	{
		const char *one[] = { b->r->source_suite, NULL };
		if (debsource_fetch(b->r->source_path, b->r->source_version,
				    b->r->source_suite ? one : toolchain_suites(b->tc), NULL, dir,
				    &b->debsrc, e) < 0) {
			err_wrap(e, "%s: \"source\"", b->r->file);
			goto out;
		}
	}
	build_progress(b, "unpacking %s (sha256 %s, %s) with the pin's dpkg-source",
		       b->debsrc.dsc_name, b->debsrc.dsc_sha256, b->debsrc.suite);
	fd = open(b->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_sys(e, "%s: cannot create", b->log_path);
		goto out;
	}
	cmd = xasprintf("dpkg-source -x %s src", b->debsrc.dsc_name);
	ret = run_in_sandbox(b, dir, cmd, b->r->timeout, fd, "dpkg-source -x", e);
	close(fd);
	if (ret < 0) {
		if (e->kind != ERR_INTERRUPT)
			keep_log(b, e);
		goto out;
	}
	tree = fs_join(dir, "src");
	ret = archive_write_tree(tree, "", path, SOURCE_COMPRESS, b->r->source_date_epoch, e);
out:
	fs_remove_tree(dir, NULL);
	free(dir);
	free(tree);
	free(cmd);
	return ret;
}

static int run_steps(struct build *b, struct err *e)
{
	double deadline = clock_mono() + b->r->timeout;
	int fd, ret = 0;

	fd = open(b->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(e, "%s: cannot create", b->log_path);
	for (size_t i = 0; i < b->r->steps.n && ret == 0; i++) {
		double left = deadline - clock_mono();
		char what[64];

		snprintf(what, sizeof(what), "steps[%zu]", i);
		/* The log grows while the step runs: its path lets anyone follow
		 * it (tail -f) where no live line is shown, in a CI log. */
		build_progress(b, "step %zu/%zu: %s (live log: %s)", i + 1, b->r->steps.n,
			       b->r->steps.v[i], b->log_path);
		if (left < 1) {
			ret = err_set(e, "%s: %s: the build's %u-second timeout ran out",
				      b->r->file, what, b->r->timeout);
		} else {
			char step[32];
			pid_t live;

			snprintf(step, sizeof(step), "step %zu/%zu", i + 1, b->r->steps.n);
			live = b->o->quiet ? -1 : live_start(b->log_path, b->o->tag, step, b->t0);
			ret = run_in_sandbox(b, NULL, b->r->steps.v[i], (unsigned)left, fd, what,
					     e);
			live_stop(live);
		}
	}
	close(fd);
	if (ret < 0 && e->kind != ERR_INTERRUPT)
		keep_log(b, e);
	return ret;
}

static int smoke_test(struct build *b, struct err *e)
{
	char *path = fs_join(b->work, "smoke.log"), *text = NULL;
	size_t len = 0;
	int fd, ret = -1;

	if (!b->r->smoke_command || b->o->no_smoke)
		return 0;
	build_progress(b, "smoke test: %s", b->r->smoke_command);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_sys(e, "%s: cannot create", path);
		goto out;
	}
	ret = run_in_sandbox(b, NULL, b->r->smoke_command, b->r->smoke_timeout, fd, "smoke test",
			     e);
	close(fd);
	if (ret < 0 && e->kind == ERR_INTERRUPT)
		goto out;
	if (fs_read_file(path, SMOKE_MAX_OUTPUT, &text, &len, NULL) < 0 ||
	    !memmem(text, len, b->r->smoke_expect, strlen(b->r->smoke_expect))) {
		if (ret == 0)
			err_set(e, "%s: smoke test: the output does not contain \"%s\"", b->r->file,
				b->r->smoke_expect);
		ret = -1;
		goto out;
	}
	/* The expected line came out: a non-zero exit (QEMU powered off by a
	 * test device) is still a pass. */
	ret = 0;
	build_progress(b, "smoke test passed: \"%s\"", b->r->smoke_expect);
out:
	free(text);
	free(path);
	return ret;
}

static int prepare(struct build *b, struct err *e)
{
	struct sandbox_config c;

	b->staging = fs_make_staging(b->o->out_dir, e);
	if (!b->staging)
		return -1;
	if (b->o->work_dir) {
		/* lockstep check's fixed per-class directory, inside its own
		 * work tree. */
		b->work = xstrdup(b->o->work_dir);
		if (mkdir(b->work, 0700) < 0) {
			err_sys(e, "%s: cannot create a work directory", b->work);
			free(b->work);
			b->work = NULL; /* not ours to remove */
			return -1;
		}
		cleanup_add_path(b->work);
	} else if (!(b->work = workdir_make("work", e))) {
		return -1;
	}
	b->log_path = fs_join(b->work, "build.log");
	if (b->o->file_order) {
		b->shm_dir = b->o->fileorder_dir ? xstrdup(b->o->fileorder_dir)
						 : xstrdup(FILEORDER_DIR "/lockstep-build-XXXXXX");
		if (b->o->fileorder_dir ? mkdir(b->shm_dir, 0700) < 0 : !mkdtemp(b->shm_dir)) {
			err_sys(e, "%s: cannot create a build directory", b->shm_dir);
			free(b->shm_dir);
			b->shm_dir = NULL;
			return -1;
		}
		cleanup_add_path(b->shm_dir);
		/* The build dir is 0755 (what the build sees); its parent stays
		 * 0700 so no other user can reach what the build leaves in it. */
		b->build_dir = fs_join(b->shm_dir, "build");
		if (mkdir(b->build_dir, 0755) < 0)
			return err_sys(e, "%s: cannot create", b->build_dir);
	} else {
		b->build_dir = fs_join(b->work, "build");
		if (mkdir(b->build_dir, 0755) < 0)
			return err_sys(e, "%s: cannot create", b->build_dir);
	}

	build_progress(b, "environment %s", b->r->toolchain);
	if (b->o->toolchain) {
		b->tc = b->o->toolchain;
		b->root = b->o->toolchain_root;
	} else if ((b->o->pin_path ? toolchain_load_file(b->o->pin_path, &b->own_tc, e)
				   : toolchain_load(b->r->toolchain, &b->own_tc, e)) < 0 ||
		   toolchain_prepare(b->own_tc, &b->root, e) < 0) {
		return err_wrap(e, "%s: \"environment\"", b->r->file);
	} else {
		b->tc = b->own_tc;
	}
	if (strcmp(toolchain_name(b->tc), b->r->toolchain))
		return err_set(e,
			       "%s: \"environment\": the recipe names \"%s\" but the pin is \"%s\"",
			       b->r->file, b->r->toolchain, toolchain_name(b->tc));
	for (size_t i = 0; i < b->r->packages.n; i++)
		if (!toolchain_has_package(b->tc, b->r->packages.v[i]))
			return err_set(
				e,
				"%s: \"packages[%zu]\": \"%s\" is not in the environment pin "
				"\"%s\" (%s); make a pin that has it: lockstep env pin NAME "
				"--packages ...,%s",
				b->r->file, i, b->r->packages.v[i], toolchain_name(b->tc),
				toolchain_path(b->tc), b->r->packages.v[i]);
	strv_pushf(&b->env, "CROSS_COMPILE=%s", toolchain_prefix(b->tc));
	strv_pushf(&b->env, "TARGET_TRIPLE=%s", b->r->triple);
	strv_pushf(&b->env, "MARCH=%s", b->r->march);
	strv_pushf(&b->env, "MABI=%s", b->r->mabi);
	for (size_t i = 0; i < b->r->env.n; i++)
		strv_push(&b->env, b->r->env.v[i]);
	build_base_config(b, &c, -1);
	b->profile = sandbox_profile_json(&c);
	if (!b->profile)
		return err_set(e, "%s: invalid sandbox settings", b->r->file);

	build_progress(b, "source archive");
	return make_source_archive(b, e);
}

/* What was published, for the caller (res may be NULL). */
static void fill_result(const struct build *b, struct build_result *res)
{
	if (!res)
		return;
	res->out_dir = xstrdup(b->o->out_dir);
	res->provenance_path = fs_join(res->out_dir, BUILD_PROVENANCE_NAME);
	res->source_path = fs_join(res->out_dir, BUILD_SOURCE_NAME);
	res->pin_path = fs_join(res->out_dir, BUILD_PIN_NAME);
	memcpy(res->source_sha256, b->source_digest, sizeof(res->source_sha256));
	res->subjects = xcalloc(b->nsubjects ? b->nsubjects : 1, sizeof(*res->subjects));
	for (size_t i = 0; i < b->nsubjects; i++) {
		res->subjects[i].name = xstrdup(b->subjects[i].name);
		memcpy(res->subjects[i].sha256, b->subjects[i].sha256,
		       sizeof(res->subjects[i].sha256));
	}
	res->nsubjects = b->nsubjects;
}

void build_result_release(struct build_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nsubjects; i++)
		free(res->subjects[i].name);
	free(res->subjects);
	free(res->out_dir);
	free(res->provenance_path);
	free(res->source_path);
	free(res->pin_path);
	memset(res, 0, sizeof(*res));
}

int build_run(const struct recipe *r, const struct build_options *o, struct build_result *res,
	      struct err *e)
{
	struct build b = { .r = r, .o = o, .t0 = clock_mono() };
	int64_t started = clock_now();
	int ret = -1;

	if (res)
		memset(res, 0, sizeof(*res));

	build_progress(&b, "building %s %s%s%s", r->name, r->version, r->cell ? " " : "",
		       r->cell ? r->cell : "");
	if (prepare(&b, e) < 0 || run_steps(&b, e) < 0)
		goto out;
	if (o->after_steps) {
		ret = o->after_steps(b.build_dir, o->after_steps_arg, e);
		goto out;
	}
	if (build_collect_outputs(&b, e) < 0 || smoke_test(&b, e) < 0 ||
	    build_write_provenance(&b, started, e) < 0)
		goto out;
	{
		char *log = fs_join(b.staging, BUILD_LOG_NAME);
		int r2 = fs_copy_file(b.log_path, log, e);
		free(log);
		if (r2 < 0)
			goto out;
	}
	if (cleanup_interrupted()) {
		err_setk(e, ERR_INTERRUPT, "%s: interrupted", r->file);
		goto out;
	}
	if (fs_publish_dir(b.staging, o->out_dir, e) < 0)
		goto out;
	build_progress(&b, "wrote %s", o->out_dir);
	fill_result(&b, res);
	ret = 0;
out:
	if (b.staging) {
		fs_remove_tree(b.staging, NULL);
		cleanup_remove_path(b.staging);
	}
	if (b.work) {
		fs_remove_tree(b.work, NULL);
		cleanup_remove_path(b.work);
	}
	if (b.shm_dir) {
		fs_remove_tree(b.shm_dir, NULL);
		cleanup_remove_path(b.shm_dir);
	}
	for (size_t i = 0; i < b.nsubjects; i++)
		cJSON_Delete(b.subjects[i].elf);
	free(b.subjects);
	outputs_free(b.files, b.nfiles);
	free(b.staging);
	free(b.work);
	free(b.shm_dir);
	free(b.build_dir);
	free(b.log_path);
	free(b.profile);
	strv_release(&b.env);
	toolchain_free(b.own_tc);
	debsource_release(&b.debsrc);
	return ret;
}
