/* SPDX-License-Identifier: MIT */
/* lockstep check's file-order variation: the source tree recreated on a
 * tmpfs so that every directory lists its entries in the reverse of the
 * order the same tree lists in on the filesystem normal builds use. */
#ifndef BUILDER_FILEORDER_H
#define BUILDER_FILEORDER_H

#include "core/err.h"

/* Where file-order builds run: a tmpfs every user may write. */
#define FILEORDER_DIR "/dev/shm"
/* Checks that FILEORDER_DIR is a writable tmpfs and learns how it
 * lists a directory: *newest_first is 1 when readdir returns the entry
 * created last first (measured on Linux 6.18), 0 when it returns creation
 * order (the stable-offset directories of other kernels).  -1 with e set
 * when neither holds. */
int fileorder_probe(int *newest_first, struct err *e);
/* Recreates the tree from (a normal extraction, on the filesystem normal
 * builds use) inside the existing empty directory to (on
 * FILEORDER_DIR), creating each directory's entries in the order that
 * makes to's listing the reverse of from's; modes and times kept. */
int fileorder_copy(const char *from, const char *to, struct err *e);

#endif
