/* SPDX-License-Identifier: MIT */
/* The sandbox's seccomp policy: one table of denied system calls, each with
 * the errno it returns and why it is denied.  Everything not in the table
 * is allowed; a system call of a foreign architecture kills the process. */
#ifndef SANDBOX_SECCOMP_H
#define SANDBOX_SECCOMP_H

#include <stddef.h>
#include "core/err.h"

/* When a rule applies, beyond the system call's name. */
enum seccomp_when {
	SECCOMP_ALWAYS,
	SECCOMP_ARG_HAS,   /* (args[arg] & value) == value: a flag is set */
	SECCOMP_ARG_NOT,   /* args[arg] != value */
	SECCOMP_ARG_IS,    /* (args[arg] & 0xffffffff) == value: an ioctl request */
	SECCOMP_ARG_ANY,   /* args[arg] has any bit of value: a mode with a set-id bit */
	SECCOMP_CREATE_ANY /* as SECCOMP_ARG_ANY, and args[arg - 1] (open's flags)
			     * has O_CREAT or O_TMPFILE, so the mode is used */
};

struct seccomp_rule {
	const char *syscall;
	enum seccomp_when when;
	unsigned arg; /* the argument the condition is about (0-5) */
	unsigned long value;
	int err;          /* the errno returned */
	const char *cond; /* the condition in words, "" when always */
	const char *why;
};

/* The table (static storage) and its length. */
const struct seccomp_rule *seccomp_rules(size_t *n);
/* Loads the filter into the calling thread; NO_NEW_PRIVS must be set. */
int seccomp_install(struct err *e);

#endif
