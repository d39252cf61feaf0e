/* SPDX-License-Identifier: MIT */
/* Files and paths: atomic writes, bounded reads, directory trees.  Every
 * write that a user can see goes through a temporary file and a rename, so
 * an interruption never leaves a half-written file behind. */
#ifndef CORE_FS_H
#define CORE_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/err.h"

/* Writes len bytes to path through path.tmp.XXXXXX + fsync + rename.
 * mode is the final permission (e.g. 0644, 0600 for keys). */
int fs_write_atomic(const char *path, const void *p, size_t len, mode_t mode, struct err *e);
/* Same, but path must not exist yet: the file is put in place with link(2),
 * which fails rather than replace ("already exists, refusing to overwrite"). */
int fs_write_new(const char *path, const void *p, size_t len, mode_t mode, struct err *e);
/* Reads a whole regular file (O_NOFOLLOW) of at most max bytes; *out is
 * NUL-terminated and owned by the caller. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct err *e);
/* mkdir -p with mode 0755. */
int fs_mkdirs(const char *path, struct err *e);
/* rm -rf that never follows symlinks and stays on one filesystem; a missing
 * path is not an error.  Accepts NULL. */
int fs_remove_tree(const char *path, struct err *e);
/* cp -a of a tree (regular files, dirs, symlinks); refuses other types. */
int fs_copy_tree(const char *from, const char *to, struct err *e);
/* Copies one regular file (O_NOFOLLOW), mode preserved, atomically. */
int fs_copy_file(const char *from, const char *to, struct err *e);
/* Copies the regular file open on from (from its start; what names it in
 * messages) to to, atomically like fs_write_atomic, streaming: holes stay
 * holes, the bytes never sit in our memory.  More than max bytes (0: no
 * cap) is refused before anything is copied. */
int fs_copy_fd_atomic(int from, const char *what, const char *to, mode_t mode, uint64_t max,
		      struct err *e);
/* Creates a fresh directory next to `near` (same filesystem, so a later
 * rename works) named .NAME.lockstep-XXXXXX; returns it (caller frees). */
char *fs_make_staging(const char *near, struct err *e);
/* Moves every entry of staging into dir (created if missing) by rename,
 * then removes staging. */
int fs_publish_dir(const char *staging, const char *dir, struct err *e);
/* Joins a and b with one '/'; caller frees. */
char *fs_join(const char *a, const char *b);
/* 1 when the relative path p stays below its root lexically: not absolute,
 * no ".." component, not empty. */
int fs_rel_path_ok(const char *p);
/* Absolute, normalized form of an existing path; caller frees. */
char *fs_realpath(const char *p, struct err *e);
/* 1 if path exists (lstat), 0 otherwise. */
int fs_exists(const char *path);
/* The first of rels (NULL-terminated, relative to the directory holding
 * the running binary) that exists, as a new string; NULL when none does.
 * How a build tree (build/../toolchains) and an installed tree
 * (bin/../share/lockstep/toolchains) find their data alike. */
char *fs_beside_exe(const char *const *rels);

#endif
