/* SPDX-License-Identifier: MIT */
/* The sandbox's parent side: checking the config, resolving host paths,
 * cloning into the namespaces, mapping ids, waiting with a timeout and
 * Ctrl-C, and the profile as canonical JSON. */
#include "sandbox/sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"
#include "sandbox/internal.h"

#define NS_FLAGS \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)

void sandbox_config_init(struct sandbox_config *c)
{
	memset(c, 0, sizeof(*c));
	c->build_path = "/build";
	c->out_path = "/out";
	c->stdout_fd = c->stderr_fd = -1;
	c->hostname = c->domainname = "lockstep";
	c->uid = c->gid = 1000;
	c->user = "build";
	c->tz = "UTC";
	c->locale = "C.UTF-8";
	c->umask = 022;
	c->aslr = 1;
	c->max_procs = 512;
	c->max_data = 8ull << 30;
	c->max_fsize = 8ull << 30;
	c->max_files = 4096;
	c->tmp_size = 2ull << 30;
	c->max_disk = 8ull << 30;
	c->max_log = 1ull << 30;
}

/* An absolute path with no empty, "." or ".." component, outside the
 * places the sandbox itself builds. */
static int inside_ok(const char *what, const char *p, struct err *e)
{
	static const char *const reserved[] = { "usr",    "bin", "sbin", "lib",  "lib32", "lib64",
						"libx32", "etc", "dev",  "proc", "tmp",   NULL };
	const char *s;

	if (!p || p[0] != '/' || !p[1] || strlen(p) > 255)
		return err_set(e, "sandbox: %s \"%s\": not an absolute path below /", what,
			       p ? p : "");
	for (s = p + 1;;) {
		size_t n = strcspn(s, "/");
		if (!n || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return err_set(e, "sandbox: %s \"%s\": not a normalized path", what, p);
		if (s == p + 1)
			for (size_t i = 0; reserved[i]; i++)
				if (strlen(reserved[i]) == n && !strncmp(s, reserved[i], n) &&
				    (s[n] == 0 || strcmp(reserved[i], "tmp")))
					return err_set(
						e, "sandbox: %s \"%s\": reserved by the sandbox",
						what, p);
		if (!s[n])
			break;
		s += n + 1;
	}
	return 0;
}

static int nested(const char *a, const char *b)
{
	size_t n = strlen(a);
	return !strncmp(a, b, n) && (b[n] == '/' || !b[n]);
}

static int word_ok(const char *s, size_t max, const char *extra)
{
	if (!s || !*s || strlen(s) > max)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

static int env_key_len(const char *kv)
{
	size_t n = strcspn(kv, "=");

	if (!n || !kv[n] || isdigit((unsigned char)kv[0]))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)kv[i]) && kv[i] != '_')
			return -1;
	return (int)n;
}

int sandbox_config_check(const struct sandbox_config *c, struct err *e)
{
	const char *ins[64];
	size_t nins = 0;

	if (!c->argv || !c->argv[0] || !c->argv[0][0])
		return err_set(e, "sandbox: no command to run");
	if (!c->build_dir)
		return err_set(e, "sandbox: no build directory");
	if (inside_ok("build path", c->build_path, e) < 0 ||
	    (c->out_dir && inside_ok("output path", c->out_path, e) < 0) ||
	    (c->home && inside_ok("home", c->home, e) < 0))
		return -1;
	if (c->nbinds > 60)
		return err_set(e, "sandbox: %zu binds: at most 60", c->nbinds);
	ins[nins++] = c->build_path;
	if (c->out_dir)
		ins[nins++] = c->out_path;
	for (size_t i = 0; i < c->nbinds; i++) {
		if (!c->binds[i].host)
			return err_set(e, "sandbox: bind %zu: no host path", i);
		if (inside_ok("bind", c->binds[i].inside, e) < 0)
			return -1;
		ins[nins++] = c->binds[i].inside;
	}
	/* A bind below another would be mounted through a directory the build
	 * controls (a symlink there could point the mount anywhere). */
	for (size_t i = 0; i < nins; i++)
		for (size_t j = 0; j < nins; j++)
			if (i != j && nested(ins[i], ins[j]))
				return err_set(
					e, "sandbox: \"%s\" and \"%s\": one is inside the other",
					ins[i], ins[j]);
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (env_key_len(c->env[i]) < 0)
			return err_set(e, "sandbox: environment \"%s\": not KEY=VALUE", c->env[i]);
	if (!word_ok(c->hostname, 64, "-.") || !word_ok(c->domainname, 64, "-."))
		return err_set(e,
			       "sandbox: host name \"%s\" or domain name \"%s\": not a host name",
			       c->hostname ? c->hostname : "", c->domainname ? c->domainname : "");
	if (!word_ok(c->user, 32, "_-"))
		return err_set(e, "sandbox: user name \"%s\": letters, digits, _ and - only",
			       c->user ? c->user : "");
	if (c->uid >= 65534 || c->gid >= 65534)
		return err_set(e, "sandbox: uid %u gid %u: must be below 65534", c->uid, c->gid);
	if (!word_ok(c->tz, 64, "_-+/:") || !word_ok(c->locale, 64, "_-.@"))
		return err_set(e, "sandbox: TZ \"%s\" or locale \"%s\": unexpected characters",
			       c->tz ? c->tz : "", c->locale ? c->locale : "");
	if (c->umask > 0777)
		return err_set(e, "sandbox: umask %o: not a file mode mask", c->umask);
	if (c->max_procs < 8 || c->max_files < 16 || c->max_data < (1u << 20) ||
	    c->max_fsize < (1u << 20) || c->tmp_size < (1u << 20) || c->max_disk < (1u << 20) ||
	    c->max_log < (1u << 16))
		return err_set(e, "sandbox: limits too small to run anything");
	if (c->source_date_epoch < 0)
		return err_set(e, "sandbox: SOURCE_DATE_EPOCH %lld: negative",
			       (long long)c->source_date_epoch);
	return 0;
}

static void env_put(struct strv *v, const char *kv)
{
	size_t n = strcspn(kv, "=") + 1;

	for (size_t i = 0; i < v->n; i++)
		if (!strncmp(v->v[i], kv, n)) {
			free(v->v[i]);
			v->v[i] = xstrdup(kv);
			return;
		}
	strv_push(v, kv);
}

char **sandbox_env_build(const struct sandbox_config *c)
{
	struct strv v = STRV_INIT;
	const char *home = c->home ? c->home : c->build_path;

	strv_push(&v, "PATH=/usr/local/bin:/usr/bin:/bin");
	strv_pushf(&v, "TZ=%s", c->tz);
	strv_pushf(&v, "LC_ALL=%s", c->locale);
	strv_pushf(&v, "LANG=%s", c->locale);
	if (!c->no_source_date_epoch)
		strv_pushf(&v, "SOURCE_DATE_EPOCH=%lld", (long long)c->source_date_epoch);
	strv_pushf(&v, "HOME=%s", home);
	strv_pushf(&v, "USER=%s", c->user);
	strv_pushf(&v, "LOGNAME=%s", c->user);
	for (size_t i = 0; c->env && c->env[i]; i++)
		env_put(&v, c->env[i]);
	if (!v.v)
		strv_push(&v, "");
	return v.v; /* strv keeps the array NULL-terminated */
}

void sandbox_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static void plan_release(struct sandbox_plan *p)
{
	for (size_t i = 0; i < p->nmounts; i++) {
		free(p->mounts[i].src);
		if (p->mounts[i].tree_fd >= 0)
			close(p->mounts[i].tree_fd);
	}
	free(p->mounts);
	if (p->usr_fd >= 0)
		close(p->usr_fd);
	if (p->etc_fd >= 0)
		close(p->etc_fd);
	free(p->root);
	sandbox_env_free(p->env);
	memset(p, 0, sizeof(*p));
}

static int plan_mount(struct sandbox_plan *p, const char *host, const char *inside, int writable,
		      int need_dir, struct err *e)
{
	struct sandbox_mount *m = &p->mounts[p->nmounts];
	struct stat st;

	m->tree_fd = -1;
	m->src = fs_realpath(host, e);
	if (!m->src)
		return err_wrap(e, "sandbox: bind for \"%s\"", inside);
	p->nmounts++;
	if (stat(m->src, &st) < 0)
		return err_sys(e, "sandbox: \"%s\"", host);
	if (!S_ISDIR(st.st_mode) && (need_dir || !S_ISREG(st.st_mode)))
		return err_set(e, "sandbox: \"%s\": not a %s", host,
			       need_dir ? "directory" : "directory or regular file");
	m->dst = inside;
	m->writable = writable;
	m->is_dir = S_ISDIR(st.st_mode);
	return 0;
}

static int plan_build(struct sandbox_plan *p, const struct sandbox_config *c, struct err *e)
{
	struct stat st;
	char *usr;
	int ok;

	p->c = c;
	p->report_fd = -1;
	p->out_fd = c->stdout_fd;
	p->err_fd = c->stderr_fd;
	p->usr_fd = -1;
	p->etc_fd = -1;
	p->home = c->home ? c->home : c->build_path;
	p->as_root = geteuid() == 0;
	p->env = sandbox_env_build(c);
	p->mounts = xcalloc(c->nbinds + 2, sizeof(*p->mounts));
	if (plan_mount(p, c->build_dir, c->build_path, 1, 1, e) < 0 ||
	    (c->out_dir && plan_mount(p, c->out_dir, c->out_path, 1, 1, e) < 0))
		return -1;
	for (size_t i = 0; i < c->nbinds; i++)
		if (plan_mount(p, c->binds[i].host, c->binds[i].inside, c->binds[i].writable, 0,
			       e) < 0)
			return -1;
	if (!c->root_dir)
		return 0;
	p->root = fs_realpath(c->root_dir, e);
	if (!p->root)
		return err_wrap(e, "sandbox: build root");
	usr = fs_join(p->root, "usr");
	ok = stat(usr, &st) == 0 && S_ISDIR(st.st_mode);
	free(usr);
	if (!ok)
		return err_set(e, "sandbox: build root \"%s\": no usr/ directory", c->root_dir);
	return 0;
}

/* A command given the caller's terminal as stdout or stderr could change
 * its settings (ioctl) or read from it: it gets a pipe instead, which the
 * parent copies to the terminal (wait_init).  pfd gets the pipe. */
static int plan_relay(struct sandbox_plan *p, int pfd[2], struct err *e)
{
	int out = p->out_fd >= 0 ? p->out_fd : 1, err = p->err_fd >= 0 ? p->err_fd : 2;
	int out_tty = isatty(out), err_tty = isatty(err);

	if (!out_tty && !err_tty)
		return 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, "sandbox: pipe");
	p->relay_fd = pfd[0];
	p->tty_fd = out_tty ? out : err;
	if (out_tty)
		p->out_fd = pfd[1];
	if (err_tty)
		p->err_fd = pfd[1];
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct err *e)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = err_sys(e, "sandbox: writing \"%s\"", path);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Inside uid/gid -> the caller (unprivileged: the only mapping allowed), or
 * -> SANDBOX_ROOT_HOST_ID for root, whose files the idmapped binds keep. */
static int map_ids(const struct sandbox_plan *p, pid_t pid, struct err *e)
{
	char map[64];
	unsigned hu = p->as_root ? SANDBOX_ROOT_HOST_ID : (unsigned)geteuid();
	unsigned hg = p->as_root ? SANDBOX_ROOT_HOST_ID : (unsigned)getegid();

	snprintf(map, sizeof(map), "%u %u 1\n", p->c->uid, hu);
	if (write_proc(pid, "uid_map", map, e) < 0)
		return -1;
	if (!p->as_root && write_proc(pid, "setgroups", "deny", e) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", p->c->gid, hg);
	return write_proc(pid, "gid_map", map, e);
}

/* Copies what the command wrote for the terminal to it; 0 at the end of
 * the pipe (every writer gone). */
static int relay(const struct sandbox_plan *p)
{
	char buf[4096];
	ssize_t n = read(p->relay_fd, buf, sizeof(buf));

	if (n > 0 && write(p->tty_fd, buf, (size_t)n) < 0)
		return 1; /* the terminal went away: the command's output is lost */
	return n > 0 || (n < 0 && errno == EINTR);
}

/* How often the disk and log limits are checked: a build writing as fast
 * as the disk takes can pass them by what it writes in this time. */
#define USAGE_CHECK_SEC 1.0

/* 1 (and the reason set in r) when the build passed its disk or log limit. */
static int over_limits(const struct sandbox_plan *p, struct sandbox_usage *u,
		       struct sandbox_result *r)
{
	const struct sandbox_config *c = p->c;
	/* -1: the command inherits ours, and writes where they point. */
	int out = c->stdout_fd >= 0 ? c->stdout_fd : 1, err = c->stderr_fd >= 0 ? c->stderr_fd : 2;

	if (usage_over_log(out, c->max_log) || (err != out && usage_over_log(err, c->max_log)))
		r->over_log = 1;
	else if (usage_over_disk(u, c->max_disk))
		r->over_disk = 1;
	return r->over_log || r->over_disk;
}

/* Waits for init; kills it (and so the namespace) on timeout, Ctrl-C or a
 * passed disk or log limit; relays the command's output to the caller's
 * terminal meanwhile. */
static int wait_init(const struct sandbox_plan *p, struct sandbox_usage *u, pid_t pid,
		     unsigned timeout, struct sandbox_result *r, int *status, struct err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	double deadline = timeout ? clock_mono() + timeout : 0;
	double next_check = clock_mono() + USAGE_CHECK_SEC;

	if (pidfd < 0) {
		err_sys(e, "sandbox: pidfd_open");
		kill(pid, SIGKILL);
	}
	while (pidfd >= 0) {
		struct pollfd pfd[2] = { { pidfd, POLLIN, 0 }, { p->relay_fd, POLLIN, 0 } };
		int ms = 250, sig = cleanup_interrupted();

		if (sig) {
			r->interrupted = sig;
			kill(pid, SIGKILL);
			break;
		}
		if (clock_mono() >= next_check) {
			if (over_limits(p, u, r)) {
				kill(pid, SIGKILL);
				break;
			}
			next_check = clock_mono() + USAGE_CHECK_SEC;
		}
		if (deadline) {
			double left = deadline - clock_mono();
			if (left <= 0) {
				r->timed_out = 1;
				kill(pid, SIGKILL);
				break;
			}
			if (left * 1000 < ms)
				ms = (int)(left * 1000) + 1;
		}
		/* Our signal handlers do not restart: Ctrl-C ends the poll. */
		if (poll(pfd, p->relay_fd >= 0 ? 2 : 1, ms) > 0) {
			if (pfd[1].revents && p->relay_fd >= 0)
				relay(p);
			if (pfd[0].revents)
				break;
		}
	}
	/* Init and everything in its namespace are gone: what is left in the
	 * pipe is the end of the output. */
	if (p->relay_fd >= 0) {
		int fl = fcntl(p->relay_fd, F_GETFL);
		fcntl(p->relay_fd, F_SETFL, fl | O_NONBLOCK);
		while (relay(p))
			;
	}
	if (pidfd >= 0)
		close(pidfd);
	/* Init's death takes every process of its namespace with it; the
	 * kernel reaps them before init can be waited for. */
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "sandbox: waiting for the sandbox");
	return pidfd < 0 ? -1 : 0;
}

/* Reads init's reports: an error message, or the command's wait status. */
static int read_reports(int fd, int init_status, struct sandbox_result *r, struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[4096], *err_msg = NULL;
	int have_status = 0, ret = -1;
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len > 65536)
			break;
		buf_add(&b, chunk, (size_t)n);
	}
	for (size_t at = 0; at < b.len; at += strlen(b.data + at) + 1) {
		const char *m = b.data + at;
		if (m[0] == REPORT_ERROR && !err_msg)
			err_msg = xstrdup(m + 1);
		else if (m[0] == REPORT_STATUS) {
			int st = atoi(m + 1);
			have_status = 1;
			if (WIFEXITED(st))
				r->exit_code = WEXITSTATUS(st);
			else if (WIFSIGNALED(st))
				r->signal = WTERMSIG(st);
		}
	}
	if (r->timed_out || r->interrupted || r->over_disk || r->over_log)
		ret = 0;
	else if (err_msg)
		err_set(e, "%s", err_msg);
	else if (!have_status)
		err_set(e, "sandbox: init ended without a report (wait status %d)", init_status);
	else
		ret = 0;
	free(err_msg);
	buf_release(&b);
	return ret;
}

int sandbox_run(const struct sandbox_config *c, struct sandbox_result *r, struct err *e)
{
	struct sandbox_plan p = { .usr_fd = -1, .etc_fd = -1, .relay_fd = -1, .tty_fd = -1 };
	struct sandbox_usage usage;
	int sync[2] = { -1, -1 }, rep[2] = { -1, -1 }, tty[2] = { -1, -1 }, status = 0, ret = -1;
	pid_t pid = -1;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	if (sandbox_config_check(c, e) < 0)
		return -1;
	if (plan_build(&p, c, e) < 0)
		goto out;
	if (p.as_root && mounts_prepare_root(&p, e) < 0)
		goto out;
	usage_start(&p, &usage);
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 || plan_relay(&p, tty, e) < 0) {
		if (!e->msg[0])
			err_sys(e, "sandbox: pipe");
		goto out;
	}
	/* A fork into the new namespaces: the child becomes pid 1 there. */
	pid = (pid_t)syscall(SYS_clone, NS_FLAGS | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		err_sys(e, "sandbox: creating the namespaces");
		goto out;
	}
	if (pid == 0) {
		close(sync[1]);
		close(rep[0]);
		p.report_fd = rep[1];
		child_main(&p, sync[0]);
	}
	close(rep[1]);
	rep[1] = -1;
	/* Only the child writes into the relay. */
	if (tty[1] >= 0) {
		close(tty[1]);
		tty[1] = -1;
	}
	if (map_ids(&p, pid, e) < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	if (write(sync[1], "", 1) != 1) {
		err_sys(e, "sandbox: releasing the child");
		kill(pid, SIGKILL);
	}
	close(sync[1]);
	sync[1] = -1;
	if (wait_init(&p, &usage, pid, c->timeout_sec, r, &status, e) < 0)
		goto out;
	/* The last writes before the command ended count too. */
	if (!r->timed_out && !r->interrupted)
		over_limits(&p, &usage, r);
	ret = read_reports(rep[0], status, r, e);
out:
	for (int i = 0; i < 2; i++) {
		if (sync[i] >= 0)
			close(sync[i]);
		if (rep[i] >= 0)
			close(rep[i]);
		if (tty[i] >= 0)
			close(tty[i]);
	}
	plan_release(&p);
	return ret;
}
