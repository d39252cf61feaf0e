/* SPDX-License-Identifier: MIT */
/* Interruption and leftovers.  SIGINT/SIGTERM only set a flag (long work
 * polls cleanup_interrupted() and unwinds through its normal error path);
 * paths registered here (staging directories, temporary files) are removed
 * at exit if their owner did not take them back, so Ctrl-C never leaves a
 * half-written result. */
#ifndef CORE_CLEANUP_H
#define CORE_CLEANUP_H

/* Installs the signal handlers (without SA_RESTART, so blocking calls
 * return EINTR) and the exit hook.  Called once by cli/main.c. */
void cleanup_init(void);
/* Nonzero once SIGINT or SIGTERM arrived; the value is the signal. */
int cleanup_interrupted(void);
/* Remembers path (copied) for removal at exit; cleanup_remove_path forgets
 * it (the owner published or removed it itself). */
void cleanup_add_path(const char *path);
void cleanup_remove_path(const char *path);
/* Removes every remembered path now (also run at exit). */
void cleanup_run(void);

#endif
