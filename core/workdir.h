/* SPDX-License-Identifier: MIT */
/* Temporary work directories (see workdir.c): one idiom for every
 * capability, and the sweep of those a killed lockstep left behind. */
#ifndef CORE_WORKDIR_H
#define CORE_WORKDIR_H

#include "core/err.h"

/* $TMPDIR when it is an absolute path, else /tmp (static storage). */
const char *workdir_base(void);
/* Makes BASE/lockstep-KIND-XXXXXX (0700), registered for removal at exit
 * and on SIGINT/SIGTERM/SIGHUP/SIGPIPE, with an owner file naming this
 * process.  Returns the path (caller owns: workdir_remove) or NULL with e
 * set.  workdir_make uses workdir_base(). */
char *workdir_make_in(const char *base, const char *kind, struct err *e);
char *workdir_make(const char *kind, struct err *e);
/* Removes the tree, forgets it and frees dir; accepts NULL. */
void workdir_remove(char *dir);
/* Keeps dir after exit (evidence for the user): forgotten by the cleanup
 * and by later sweeps.  dir stays the caller's. */
void workdir_keep(const char *dir);
/* Removes every lockstep-* directory directly below base that this user
 * owns and whose owner process is gone (killed with SIGKILL, say). */
void workdir_sweep(const char *base);

#endif
