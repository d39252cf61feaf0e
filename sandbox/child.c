/* SPDX-License-Identifier: MIT */
/* Inside the new namespaces: our pid 1 (sets up the root, then reaps and
 * reports) and the command's last steps before execve (limits, privileges,
 * seccomp). */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "sandbox/seccomp.h"

static void report(int fd, char tag, const char *text)
{
	struct buf b = BUF_INIT;

	buf_add(&b, &tag, 1);
	buf_addstr(&b, text);
	buf_add(&b, "", 1); /* messages are NUL-separated */
	(void)!write(fd, b.data, b.len);
	buf_release(&b);
}

static void __attribute__((noreturn))
die(const struct sandbox_plan *p, const struct err *e, int code)
{
	report(p->report_fd, REPORT_ERROR, e->msg);
	_exit(code);
}

static int loopback_up(struct err *e)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (s < 0)
		return err_sys(e, "sandbox: socket for the loopback");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	err_sys(e, "sandbox: bringing up the loopback");
out:
	close(s);
	return ret;
}

/* Keeps the first n CPUs of those we may run on. */
static int limit_cpus(unsigned n, struct err *e)
{
	cpu_set_t have, want;
	unsigned got = 0;

	if (!n)
		return 0;
	if (sched_getaffinity(0, sizeof(have), &have) < 0)
		return err_sys(e, "sandbox: reading the CPU affinity");
	CPU_ZERO(&want);
	for (int i = 0; i < CPU_SETSIZE && got < n; i++)
		if (CPU_ISSET(i, &have)) {
			CPU_SET(i, &want);
			got++;
		}
	if (got < n)
		return err_set(e, "sandbox: %u CPUs asked for, %u available", n, got);
	if (sched_setaffinity(0, sizeof(want), &want) < 0)
		return err_sys(e, "sandbox: setting the CPU affinity");
	return 0;
}

static int set_limit(int res, const char *name, uint64_t want, struct err *e)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return err_sys(e, "sandbox: reading %s", name);
	/* Lowering only: the hard limit cannot be raised without privilege. */
	if (rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max)
		rl.rlim_max = want;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(res, &rl) < 0)
		return err_sys(e, "sandbox: setting %s", name);
	return 0;
}

static int drop_caps(struct err *e)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return err_sys(e, "sandbox: dropping capability %d", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return err_sys(e, "sandbox: clearing ambient capabilities");
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e, "sandbox: dropping capabilities");
	return 0;
}

/* Our argv and environment are the host's (paths, the caller's variables)
 * and /proc/1/cmdline is readable by everyone: wipe them in place. */
static void hide_host_args(void)
{
	char buf[1024], *s;
	unsigned long v[4];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	s = strrchr(buf, ')');
	/* Fields 48-51 (arg_start .. env_end) follow "(comm)" and 45 others. */
	for (int field = 3; s && field <= 48; field++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s, " %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return;
	for (int i = 0; i < 4; i += 2)
		if (v[i + 1] > v[i])
			memset((void *)v[i], 0, v[i + 1] - v[i]);
	if (v[1] - v[0] > sizeof("lockstep-init"))
		memcpy((void *)v[0], "lockstep-init", sizeof("lockstep-init"));
	prctl(PR_SET_NAME, "lockstep-init", 0, 0, 0);
}

/* execve through the PATH of the sandbox's environment (execvp would use
 * ours). */
static void exec_path(const struct sandbox_plan *p, struct err *e)
{
	const char *cmd = p->c->argv[0], *path = "/usr/bin:/bin", *all;
	char *const *argv = (char *const *)p->c->argv;
	int saw_eacces = 0;

	if (strchr(cmd, '/')) {
		execve(cmd, argv, p->env);
		err_sys(e, "sandbox: \"%s\"", cmd);
		return;
	}
	for (size_t i = 0; p->env[i]; i++)
		if (!strncmp(p->env[i], "PATH=", 5))
			path = p->env[i] + 5;
	all = path;
	while (*path) {
		size_t n = strcspn(path, ":");
		char *full = xasprintf("%.*s/%s", (int)n, path, cmd);

		execve(full, argv, p->env);
		if (errno == EACCES)
			saw_eacces = 1;
		free(full);
		path += n;
		if (*path == ':')
			path++;
	}
	if (saw_eacces)
		err_set(e, "sandbox: \"%s\": permission denied", cmd);
	else
		err_set(e, "sandbox: \"%s\": command not found in PATH %s", cmd, all);
}

/* The command's process, pid 2: the last steps, then execve. */
static void __attribute__((noreturn)) command(const struct sandbox_plan *p)
{
	const struct sandbox_config *c = p->c;
	struct err e = ERR_INIT;
	int pers = PER_LINUX, fd;

	signal(SIGPIPE, SIG_DFL);
	setsid(); /* no controlling terminal: nothing to inject input into */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0)
		err_sys(&e, "sandbox: stdin from /dev/null");
	else if (p->out_fd >= 0 && dup2(p->out_fd, 1) < 0)
		err_sys(&e, "sandbox: stdout");
	else if (p->err_fd >= 0 && dup2(p->err_fd, 2) < 0)
		err_sys(&e, "sandbox: stderr");
	if (e.kind)
		die(p, &e, 127);
	/* No descriptor of ours leaks into the build beyond 0, 1, 2. */
	close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	umask(c->umask);
	if (c->uname26)
		pers |= UNAME26;
	if (!c->aslr)
		pers |= ADDR_NO_RANDOMIZE;
	if (limit_cpus(c->ncpus, &e) < 0)
		die(p, &e, 127);
	if (personality((unsigned long)pers) < 0) {
		err_sys(&e, "sandbox: personality");
		die(p, &e, 127);
	}
	if (set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", c->max_procs, &e) < 0 ||
	    set_limit(RLIMIT_DATA, "RLIMIT_DATA", c->max_data, &e) < 0 ||
	    set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", c->max_fsize, &e) < 0 ||
	    set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", c->max_files, &e) < 0 ||
	    set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, &e) < 0)
		die(p, &e, 127);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err_sys(&e, "sandbox: PR_SET_NO_NEW_PRIVS");
		die(p, &e, 127);
	}
	if (seccomp_install(&e) < 0)
		die(p, &e, 127);
	exec_path(p, &e);
	die(p, &e, 127);
}

void child_main(const struct sandbox_plan *p, int sync_fd)
{
	const struct sandbox_config *c = p->c;
	struct err e = ERR_INIT;
	pid_t cmd, pid;
	int status = 0, cmd_status = 0, hidden[2];
	char go;

	/* If lockstep dies, so does the namespace (we are its init). */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (read(sync_fd, &go, 1) != 1)
		_exit(1); /* the parent could not map our ids and said nothing */
	close(sync_fd);
	/* The ids first: files the setup creates need mapped owners, and a
	 * root caller's host privileges must not reach the setup (the parent
	 * opened its host paths).  Its groups (gid 0 among them) must not
	 * come along; an unprivileged caller's cannot be dropped (setgroups
	 * is denied) and give nothing the caller does not have. */
	if (p->as_root && setgroups(0, NULL) < 0) {
		err_sys(&e, "sandbox: dropping supplementary groups");
		die(p, &e, 1);
	}
	if (setresgid(c->gid, c->gid, c->gid) < 0 || setresuid(c->uid, c->uid, c->uid) < 0) {
		err_sys(&e, "sandbox: becoming uid %u gid %u", c->uid, c->gid);
		die(p, &e, 1);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* changing ids cleared it */
	if (mounts_setup(p, &e) < 0 || loopback_up(&e) < 0)
		die(p, &e, 1);
	if (sethostname(c->hostname, strlen(c->hostname)) < 0 ||
	    setdomainname(c->domainname, strlen(c->domainname)) < 0) {
		err_sys(&e, "sandbox: setting the host name");
		die(p, &e, 1);
	}
	/* Init needs no privilege from here on, and nothing the command could
	 * use: no capabilities, not dumpable (so /proc/1/mem and environ stay
	 * closed to the command), no host argv. */
	if (drop_caps(&e) < 0)
		die(p, &e, 1);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (pipe2(hidden, O_CLOEXEC) < 0) {
		err_sys(&e, "sandbox: pipe");
		die(p, &e, 1);
	}
	cmd = fork();
	if (cmd < 0) {
		err_sys(&e, "sandbox: fork");
		die(p, &e, 1);
	}
	if (cmd == 0) {
		char ok;
		/* The config may live in the argv we wipe: the command keeps its
		 * copy, and waits until init's is gone. */
		close(hidden[1]);
		(void)!read(hidden[0], &ok, 1);
		close(hidden[0]);
		command(p);
	}
	hide_host_args();
	close(hidden[0]);
	close(hidden[1]);
	/* Reap everything; when the command is gone, end the rest of the tree
	 * (daemons it left) so nothing outlives the build. */
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		if (pid == cmd) {
			cmd_status = status;
			kill(-1, SIGKILL);
		}
	}
	{
		char num[32];

		snprintf(num, sizeof(num), "%d", cmd_status);
		report(p->report_fd, REPORT_STATUS, num);
	}
	_exit(0);
}
