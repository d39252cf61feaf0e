/* SPDX-License-Identifier: MIT */
/* What the parent resolves before clone() and the child uses to set up the
 * sandbox: private to sandbox/. */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include "core/err.h"
#include "sandbox/sandbox.h"

/* One host path to bind, resolved by the parent. */
struct sandbox_mount {
	char *src;       /* owned: absolute host path, symlinks resolved */
	const char *dst; /* borrowed: inside path */
	int writable;
	int is_dir;
	int tree_fd; /* root only: a detached idmapped clone of src, or -1 */
};

struct sandbox_plan {
	const struct sandbox_config *c;
	struct sandbox_mount *mounts; /* owned: build dir, out dir, extra binds */
	size_t nmounts;
	char *root;         /* owned: realpath of c->root_dir, or NULL (host /usr) */
	char **env;         /* owned: the command's environment */
	const char *home;   /* borrowed: c->home or c->build_path */
	int as_root;        /* the caller is host root: idmapped binds, fixed host id */
	int usr_fd;         /* root caller with a build root: its usr/, detached, or -1 */
	int etc_fd;         /* root caller with a build root: its etc/, detached, or -1 */
	int report_fd;      /* child's end of the report pipe (close-on-exec) */
	int out_fd, err_fd; /* the command's stdout and stderr (-1: inherit) */
	int relay_fd;       /* parent: the read end of the pipe standing in for a
			   * terminal, or -1 */
	int tty_fd;         /* parent: the terminal it is copied to, or -1 */
};

/* Parent, root only: the child runs as SANDBOX_ROOT_HOST_ID from the start
 * and may not reach root's private paths, so the mounts of host paths are
 * made here, detached: each bind an idmapped clone (tree_fd) mapping uid/gid
 * 0 on disk to SANDBOX_ROOT_HOST_ID (the build writes root-owned files), and
 * the build root's usr/ and etc/ (usr_fd, etc_fd) read-only. */
int mounts_prepare_root(struct sandbox_plan *p, struct err *e);
/* Child (in the new namespaces, with capabilities there): builds the new
 * root and pivots into it; the cwd is the build path afterwards. */
int mounts_setup(const struct sandbox_plan *p, struct err *e);
/* Child: runs init and the command; never returns. */
void child_main(const struct sandbox_plan *p, int sync_fd) __attribute__((noreturn));

/* The parent's disk watch (sandbox/usage.c): what the writable mounts'
 * trees and file systems held when the sandbox started. */
#define USAGE_MAX_WATCH 16
struct sandbox_usage {
	const char *path[USAGE_MAX_WATCH]; /* borrowed from the plan's mounts */
	uint64_t tree0[USAGE_MAX_WATCH];   /* bytes allocated in the tree */
	uint64_t fs0[USAGE_MAX_WATCH];     /* bytes used on its file system */
	size_t n;
	uint64_t grown;   /* the trees' growth at the last walk */
	double next_walk; /* clock_mono() of the next walk */
};
/* Bytes allocated at path: a file's blocks, or a directory tree's. */
uint64_t usage_path(const char *path);
/* Bytes in use on the file system holding path (0 when unknown). */
uint64_t usage_fs(const char *path);
void usage_start(const struct sandbox_plan *p, struct sandbox_usage *u);
/* 1 when the watched trees together grew by more than limit bytes, or one
 * file system under them filled by more than limit.  The file systems are
 * read at every call; the trees are walked again only once the last walk
 * is at least USAGE_WALK_SHARE times its own duration ago (u remembers
 * the last walk's growth meanwhile). */
int usage_over_disk(struct sandbox_usage *u, uint64_t limit);
/* 1 when fd is a regular file holding more than limit bytes. */
int usage_over_log(int fd, uint64_t limit);

/* The report the child sends on report_fd: a one-byte tag then text. */
#define REPORT_ERROR 'E'  /* setup failed: the message follows */
#define REPORT_STATUS 'S' /* the command's wait status follows, as decimal */

#endif
