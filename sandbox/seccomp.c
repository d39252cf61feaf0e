/* SPDX-License-Identifier: MIT */
/* The seccomp policy as one table, and its loading with libseccomp.  Denials
 * return an errno (not a kill) so a build fails with a readable message. */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define MOUNTS "changes the mount tree"
#define PEEK "reads or writes another process's memory"
#define KERNEL "changes the running kernel"
#define KEYS "kernel keyrings are not namespaced"
#define URING "io_uring operations bypass seccomp"
#define NS "enters or creates namespaces"
#define CLOCK "the clock is the host's"
#define TTY "injects input into the caller's terminal"

/* clang-format off */
static const struct seccomp_rule rules[] = {
	/* syscall            when               value          errno         condition                     why */
	{ "mount",            SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "umount2",          SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "pivot_root",       SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "chroot",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "open_tree",        SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "move_mount",       SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "fsopen",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "fsconfig",         SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "fsmount",          SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "fspick",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "mount_setattr",    SECCOMP_ALWAYS,    0,             EPERM,        "",                           MOUNTS },
	{ "ptrace",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           PEEK },
	{ "process_vm_readv", SECCOMP_ALWAYS,    0,             EPERM,        "",                           PEEK },
	{ "process_vm_writev",SECCOMP_ALWAYS,    0,             EPERM,        "",                           PEEK },
	{ "pidfd_getfd",      SECCOMP_ALWAYS,    0,             EPERM,        "",                           "steals another process's descriptors" },
	{ "kexec_load",       SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "kexec_file_load",  SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "init_module",      SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "finit_module",     SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "delete_module",    SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "reboot",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "swapon",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "swapoff",          SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "acct",             SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "quotactl",         SECCOMP_ALWAYS,    0,             EPERM,        "",                           KERNEL },
	{ "syslog",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           "reads the kernel log" },
	{ "bpf",              SECCOMP_ALWAYS,    0,             EPERM,        "",                           "loads programs into the kernel" },
	{ "perf_event_open",  SECCOMP_ALWAYS,    0,             EPERM,        "",                           "observes the host; large attack surface" },
	{ "userfaultfd",      SECCOMP_ALWAYS,    0,             EPERM,        "",                           "stalls the kernel at will (exploit aid)" },
	{ "keyctl",           SECCOMP_ALWAYS,    0,             EPERM,        "",                           KEYS },
	{ "add_key",          SECCOMP_ALWAYS,    0,             EPERM,        "",                           KEYS },
	{ "request_key",      SECCOMP_ALWAYS,    0,             EPERM,        "",                           KEYS },
	{ "io_uring_setup",   SECCOMP_ALWAYS,    0,             EPERM,        "",                           URING },
	{ "io_uring_enter",   SECCOMP_ALWAYS,    0,             EPERM,        "",                           URING },
	{ "io_uring_register",SECCOMP_ALWAYS,    0,             EPERM,        "",                           URING },
	{ "unshare",          SECCOMP_ALWAYS,    0,             EPERM,        "",                           NS },
	{ "setns",            SECCOMP_ALWAYS,    0,             EPERM,        "",                           NS },
	{ "clone3",           SECCOMP_ALWAYS,    0,             ENOSYS,       "",                           "its flags are in memory seccomp cannot read; libc falls back to clone" },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWNS,   EPERM,        "flags has CLONE_NEWNS",      NS },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWUSER, EPERM,        "flags has CLONE_NEWUSER",    NS },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWPID,  EPERM,        "flags has CLONE_NEWPID",     NS },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWNET,  EPERM,        "flags has CLONE_NEWNET",     NS },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWUTS,  EPERM,        "flags has CLONE_NEWUTS",     NS },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWIPC,  EPERM,        "flags has CLONE_NEWIPC",     NS },
	{ "clone",            SECCOMP_ARG0_HAS,  CLONE_NEWCGROUP, EPERM,      "flags has CLONE_NEWCGROUP",  NS },
	{ "settimeofday",     SECCOMP_ALWAYS,    0,             EPERM,        "",                           CLOCK },
	{ "clock_settime",    SECCOMP_ALWAYS,    0,             EPERM,        "",                           CLOCK },
	{ "clock_adjtime",    SECCOMP_ALWAYS,    0,             EPERM,        "",                           CLOCK },
	{ "adjtimex",         SECCOMP_ALWAYS,    0,             EPERM,        "",                           CLOCK },
	{ "socket",           SECCOMP_ARG0_NOT,  AF_UNIX,       EAFNOSUPPORT, "family is not AF_UNIX",      "no network: only local sockets" },
	{ "socketpair",       SECCOMP_ARG0_NOT,  AF_UNIX,       EAFNOSUPPORT, "family is not AF_UNIX",      "no network: only local sockets" },
	{ "ioctl",            SECCOMP_ARG1_IS,   TIOCSTI,       EPERM,        "request is TIOCSTI",         TTY },
	{ "ioctl",            SECCOMP_ARG1_IS,   TIOCLINUX,     EPERM,        "request is TIOCLINUX",       TTY },
};
/* clang-format on */

const struct seccomp_rule *seccomp_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, int nr)
{
	uint32_t act = SCMP_ACT_ERRNO((uint32_t)r->err);

	switch (r->when) {
	case SECCOMP_ALWAYS:
		return seccomp_rule_add(ctx, act, nr, 0);
	case SECCOMP_ARG0_HAS:
		return seccomp_rule_add(ctx, act, nr, 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, r->value, r->value));
	case SECCOMP_ARG0_NOT:
		return seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_NE, r->value));
	case SECCOMP_ARG1_IS:
		return seccomp_rule_add(ctx, act, nr, 1,
					SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, r->value));
	}
	return -EINVAL;
}

int seccomp_install(struct err *e)
{
	scmp_filter_ctx ctx;
	int rc, ret = -1;

	/* Allow by default; a foreign-architecture call (int 0x80, x32) kills,
	 * since the table's numbers only hold for the native ABI. */
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return err_set(e, "sandbox: seccomp: cannot create the filter");
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0) {
		err_set(e, "sandbox: seccomp: bad-arch action: %s", strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		int nr = seccomp_syscall_resolve_name(rules[i].syscall);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a system call on this architecture */
		rc = add_rule(ctx, &rules[i], nr);
		if (rc < 0) {
			err_set(e, "sandbox: seccomp: rule for \"%s\": %s", rules[i].syscall,
				strerror(-rc));
			goto out;
		}
	}
	if ((rc = seccomp_load(ctx)) < 0) {
		err_set(e, "sandbox: seccomp: loading the filter: %s", strerror(-rc));
		goto out;
	}
	ret = 0;
out:
	seccomp_release(ctx);
	return ret;
}
