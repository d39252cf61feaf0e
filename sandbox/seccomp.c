/* SPDX-License-Identifier: MIT */
/* The seccomp policy as one table, and its loading with libseccomp.  Denials
 * return an errno (not a kill) so a build fails with a readable message. */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define MOUNTS "changes the mount tree"
#define PEEK "reads or writes another process's memory"
#define KERNEL "changes the running kernel"
#define KEYS "kernel keyrings are not namespaced"
#define URING "io_uring operations bypass seccomp"
#define NS "enters or creates namespaces"
#define CLOCK "the clock is the host's"
#define TTY "injects input into the caller's terminal"
/* As root the build's files are root's on the host (idmapped binds): a
 * set-id file there is a set-id-root program for whoever reaches it. */
#define SETID "a set-id file would be set-id on the host"
#define SETID_BITS (S_ISUID | S_ISGID)
#define MODE_SETID "mode has S_ISUID or S_ISGID"
#define CREATE_SETID "creates (O_CREAT, O_TMPFILE) with S_ISUID or S_ISGID in the mode"

/* clang-format off */
static const struct seccomp_rule rules[] = {
	/* syscall            when               arg value          errno         condition                     why */
	{ "mount",            SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "umount2",          SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "pivot_root",       SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "chroot",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "open_tree",        SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "move_mount",       SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "fsopen",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "fsconfig",         SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "fsmount",          SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "fspick",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "mount_setattr",    SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           MOUNTS },
	{ "ptrace",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           PEEK },
	{ "process_vm_readv", SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           PEEK },
	{ "process_vm_writev",SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           PEEK },
	{ "pidfd_getfd",      SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           "steals another process's descriptors" },
	{ "kexec_load",       SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "kexec_file_load",  SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "init_module",      SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "finit_module",     SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "delete_module",    SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "reboot",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "swapon",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "swapoff",          SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "acct",             SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "quotactl",         SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KERNEL },
	{ "syslog",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           "reads the kernel log" },
	{ "bpf",              SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           "loads programs into the kernel" },
	{ "perf_event_open",  SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           "observes the host; large attack surface" },
	{ "userfaultfd",      SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           "stalls the kernel at will (exploit aid)" },
	{ "keyctl",           SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KEYS },
	{ "add_key",          SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KEYS },
	{ "request_key",      SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           KEYS },
	{ "io_uring_setup",   SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           URING },
	{ "io_uring_enter",   SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           URING },
	{ "io_uring_register",SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           URING },
	{ "unshare",          SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           NS },
	{ "setns",            SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           NS },
	{ "clone3",           SECCOMP_ALWAYS,    0,  0,             ENOSYS,       "",                           "its flags are in memory seccomp cannot read; libc falls back to clone" },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWNS,   EPERM,        "flags has CLONE_NEWNS",      NS },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWUSER, EPERM,        "flags has CLONE_NEWUSER",    NS },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWPID,  EPERM,        "flags has CLONE_NEWPID",     NS },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWNET,  EPERM,        "flags has CLONE_NEWNET",     NS },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWUTS,  EPERM,        "flags has CLONE_NEWUTS",     NS },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWIPC,  EPERM,        "flags has CLONE_NEWIPC",     NS },
	{ "clone",            SECCOMP_ARG_HAS,   0,  CLONE_NEWCGROUP, EPERM,      "flags has CLONE_NEWCGROUP",  NS },
	{ "settimeofday",     SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           CLOCK },
	{ "clock_settime",    SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           CLOCK },
	{ "clock_adjtime",    SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           CLOCK },
	{ "adjtimex",         SECCOMP_ALWAYS,    0,  0,             EPERM,        "",                           CLOCK },
	{ "socket",           SECCOMP_ARG_NOT,   0,  AF_UNIX,       EAFNOSUPPORT, "family is not AF_UNIX",      "no network: only local sockets" },
	{ "socketpair",       SECCOMP_ARG_NOT,   0,  AF_UNIX,       EAFNOSUPPORT, "family is not AF_UNIX",      "no network: only local sockets" },
	{ "ioctl",            SECCOMP_ARG_IS,    1,  TIOCSTI,       EPERM,        "request is TIOCSTI",         TTY },
	{ "ioctl",            SECCOMP_ARG_IS,    1,  TIOCLINUX,     EPERM,        "request is TIOCLINUX",       TTY },
	{ "chmod",            SECCOMP_ARG_ANY,   1,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "fchmod",           SECCOMP_ARG_ANY,   1,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "fchmodat",         SECCOMP_ARG_ANY,   2,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "fchmodat2",        SECCOMP_ARG_ANY,   2,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "open",             SECCOMP_CREATE_ANY,2,  SETID_BITS,    EPERM,        CREATE_SETID,                 SETID },
	{ "openat",           SECCOMP_CREATE_ANY,3,  SETID_BITS,    EPERM,        CREATE_SETID,                 SETID },
	{ "openat2",          SECCOMP_ALWAYS,    0,  0,             ENOSYS,       "",                           "its mode is in memory seccomp cannot read; libc falls back to openat" },
	{ "creat",            SECCOMP_ARG_ANY,   1,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "mkdir",            SECCOMP_ARG_ANY,   1,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "mkdirat",          SECCOMP_ARG_ANY,   2,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "mknod",            SECCOMP_ARG_ANY,   1,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
	{ "mknodat",          SECCOMP_ARG_ANY,   2,  SETID_BITS,    EPERM,        MODE_SETID,                   SETID },
};
/* clang-format on */

const struct seccomp_rule *seccomp_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

static struct scmp_arg_cmp arg_has(unsigned arg, uint64_t bits)
{
	struct scmp_arg_cmp c = { arg, SCMP_CMP_MASKED_EQ, bits, bits };

	return c;
}

/* "Any of these bits" is one rule per bit: libseccomp ANDs the comparisons
 * of a rule and has no "mask is not zero". */
static int add_any(scmp_filter_ctx ctx, uint32_t act, int nr, const struct seccomp_rule *r,
		   const uint64_t *flags, size_t nflags)
{
	int rc = 0;

	for (unsigned b = 0; b < 64 && rc == 0; b++) {
		uint64_t bit = (uint64_t)1 << b;

		if (!(r->value & bit))
			continue;
		if (!nflags)
			rc = seccomp_rule_add(ctx, act, nr, 1, arg_has(r->arg, bit));
		for (size_t f = 0; f < nflags && rc == 0; f++)
			rc = seccomp_rule_add(ctx, act, nr, 2, arg_has(r->arg - 1, flags[f]),
					      arg_has(r->arg, bit));
	}
	return rc;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, int nr)
{
	/* The open flags that make open/openat use their mode argument. */
	static const uint64_t creating[] = { O_CREAT, __O_TMPFILE };
	uint32_t act = SCMP_ACT_ERRNO((uint32_t)r->err);
	struct scmp_arg_cmp c = { r->arg, SCMP_CMP_EQ, r->value, 0 };

	switch (r->when) {
	case SECCOMP_ALWAYS:
		return seccomp_rule_add(ctx, act, nr, 0);
	case SECCOMP_ARG_HAS:
		return seccomp_rule_add(ctx, act, nr, 1, arg_has(r->arg, r->value));
	case SECCOMP_ARG_NOT:
		c.op = SCMP_CMP_NE;
		return seccomp_rule_add(ctx, act, nr, 1, c);
	case SECCOMP_ARG_IS:
		c.op = SCMP_CMP_MASKED_EQ;
		c.datum_a = 0xffffffffu;
		c.datum_b = r->value;
		return seccomp_rule_add(ctx, act, nr, 1, c);
	case SECCOMP_ARG_ANY:
		return add_any(ctx, act, nr, r, NULL, 0);
	case SECCOMP_CREATE_ANY:
		return add_any(ctx, act, nr, r, creating, sizeof(creating) / sizeof(creating[0]));
	}
	return -EINVAL;
}

/* System calls an older libseccomp may not know by name, by their number
 * (the same on every architecture lockstep runs on).  A rule must never be
 * skipped because the library is older than the kernel. */
static int resolve(const char *name)
{
	static const struct {
		const char *name;
		int nr;
	} late[] = { { "fchmodat2", 452 }, { "openat2", 437 }, { "clone3", 435 } };
	int nr = seccomp_syscall_resolve_name(name);

	for (size_t i = 0; nr == __NR_SCMP_ERROR && i < sizeof(late) / sizeof(late[0]); i++)
		if (!strcmp(late[i].name, name))
			nr = late[i].nr;
	return nr;
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
		int nr = resolve(rules[i].syscall);

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
