/* SPDX-License-Identifier: MIT */
/* The build sandbox: runs one command in fresh namespaces with a minimal,
 * read-only root, a scrubbed environment, rlimits, a seccomp filter and a
 * wall-clock timeout.  Only this module touches namespaces, mounts, seccomp
 * and rlimits.
 *
 * Order of the steps (sandbox_run):
 *   parent  1. validate the config, build the environment (before any fork)
 *           2. as root only: make idmapped detached clones of the read-write
 *              binds, so files the build creates are owned by the caller
 *              although the build runs as an unprivileged host uid
 *           3. clone() into new user, mount, pid, net, uts, ipc namespaces;
 *              write uid_map/gid_map (inside uid/gid -> caller, or -> the
 *              fixed unprivileged SANDBOX_ROOT_HOST_ID when root); release
 *              the child
 *   child   4. (pid 1, our init) die with the parent (PR_SET_PDEATHSIG)
 *           5. mounts (sandbox/mounts.c): "/" made private; tmpfs root; the
 *              build root's usr/ read-only as /usr (nothing of the host's;
 *              the host's /usr only when no root is given), /bin /lib
 *              /lib64 /sbin as symlinks; synthetic /etc with the build
 *              root's etc/ entries bound in read-only; minimal
 *              /dev; fresh /proc; tmpfs /tmp; build dir at build_path; the
 *              output dir; the extra binds; pivot_root and detach the host
 *              root; the root made read-only
 *           6. loopback up, hostname and domainname set
 *           7. drop supplementary groups, become uid/gid inside
 *           8. fork the command (pid 2): new session, umask, CPU affinity,
 *              personality, rlimits, capabilities dropped, NO_NEW_PRIVS,
 *              seccomp (sandbox/seccomp.c), execve with the scrubbed env
 *           9. init reaps zombies; when the command exits it kills what is
 *              left in the pid namespace and reports the status
 *   parent 10. waits, polling cleanup_interrupted() and the timeout, and
 *              every second the disk and log limits (sandbox/usage.c); on
 *              any of them it kills init, which takes the whole namespace
 *              down */
#ifndef SANDBOX_SANDBOX_H
#define SANDBOX_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* The host uid/gid a root caller's build runs as (inside uid -> this), so
 * RLIMIT_NPROC applies (the kernel exempts host root) and the build holds
 * no host privilege; idmapped binds make its files the caller's. */
#define SANDBOX_ROOT_HOST_ID 1879049192u /* 0x70000000 + 1000 */

struct sandbox_bind {
	const char *host;   /* existing host path (file or directory) */
	const char *inside; /* absolute normalized path inside */
	int writable;
};

/* Every pointer is borrowed for the duration of sandbox_run. */
struct sandbox_config {
	const char *const *argv; /* run inside; argv[0] looked up in PATH */
	const char *build_dir;   /* host dir mounted rw at build_path, the cwd */
	const char *build_path;  /* inside path, default "/build" */
	const char *out_dir;     /* host dir mounted rw at out_path; NULL: none */
	const char *out_path;    /* default "/out" */
	const char *root_dir;    /* host dir whose usr/ is /usr and whose etc/ entries are in
					* /etc (an environment pin's root); NULL: the host's /usr */
	const struct sandbox_bind *binds;
	size_t nbinds;
	const char *const
		*env; /* extra KEY=VALUE (replacing fixed keys), NULL-terminated or NULL */
	int64_t source_date_epoch;
	unsigned timeout_sec;     /* 0: none */
	int stdout_fd, stderr_fd; /* the command's output; -1: inherit */

	/* Variation knobs (lockstep check varies them); defaults are the pins. */
	const char *hostname, *domainname; /* "lockstep" */
	unsigned uid, gid;                 /* 1000 */
	const char *user;                  /* "build": passwd name, USER, LOGNAME */
	const char *home;                  /* NULL: build_path */
	const char *tz;                    /* "UTC" */
	const char *locale;                /* "C.UTF-8": LC_ALL and LANG */
	unsigned umask;                    /* 022 */
	unsigned ncpus;           /* 0: inherit the affinity; else the first n allowed CPUs */
	int uname26;              /* personality UNAME26: kernel release 2.6.x */
	int aslr;                 /* 1; 0 sets ADDR_NO_RANDOMIZE */
	int no_source_date_epoch; /* 1: SOURCE_DATE_EPOCH is not exported */

	/* Limits (per sandbox; NPROC counts the inside uid in its namespace). */
	uint64_t max_procs; /* RLIMIT_NPROC, 512 */
	uint64_t max_data;  /* RLIMIT_DATA bytes, 8 GiB */
	uint64_t max_fsize; /* RLIMIT_FSIZE bytes, 8 GiB */
	uint64_t max_files; /* RLIMIT_NOFILE, 4096 */
	uint64_t tmp_size;  /* /tmp and /dev/shm tmpfs size, 2 GiB each */
	uint64_t max_disk;  /* bytes the writable host dirs (build dir,
					* out dir, writable binds) may grow by, 8 GiB;
					* checked every second, the build killed
					* past it (see sandbox_result.over_disk) */
	uint64_t max_log;   /* bytes stdout_fd/stderr_fd may hold when
					* they are regular files, 1 GiB; the same */
};

struct sandbox_result {
	int exit_code;   /* the command's exit status, or -1 */
	int signal;      /* the signal that ended the command, or 0 */
	int timed_out;   /* killed by the timeout */
	int interrupted; /* killed because SIGINT/SIGTERM reached us (the signal) */
	int over_disk;   /* killed, or finished, past max_disk */
	int over_log;    /* killed, or finished, past max_log */
};

/* The fixed defaults; argv and build_dir are left NULL for the caller. */
void sandbox_config_init(struct sandbox_config *c);
/* Checks c without running anything: required fields, absolute normalized
 * inside paths, no bind nested in another, KEY=VALUE env.  0 or -1. */
int sandbox_config_check(const struct sandbox_config *c, struct err *e);
/* Runs c->argv in a fresh sandbox and waits.  Returns 0 once the command
 * ran (whatever its status: see r), -1 with e set when the sandbox could not
 * be set up or the command could not be started.  A timeout or interruption
 * returns 0 with r->timed_out / r->interrupted set; nothing is left running. */
int sandbox_run(const struct sandbox_config *c, struct sandbox_result *r, struct err *e);
/* The profile (every setting that can change a build's output, no host
 * paths) as canonical JSON; caller frees.  NULL if c is invalid. */
char *sandbox_profile_json(const struct sandbox_config *c);
/* The exact environment the command gets, NULL-terminated; caller frees
 * with sandbox_env_free. */
char **sandbox_env_build(const struct sandbox_config *c);
void sandbox_env_free(char **env);

#endif
