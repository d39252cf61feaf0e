/* SPDX-License-Identifier: MIT */
/* The live line of a long build step on a terminal: the step, the time
 * so far and the last line the step wrote to its log, rewritten in place
 * (\r) a few times a second by a small child process, so that the build
 * itself stays one thread (the sandbox forks) and never waits on the
 * terminal. */
#ifndef BUILDER_LIVE_H
#define BUILDER_LIVE_H

#include <sys/types.h>

/* How often the line is rewritten: at most 1 / LIVE_INTERVAL times a
 * second. */
#define LIVE_INTERVAL 0.25

/* 1 when a live line would be shown: stderr is a terminal. */
int live_wanted(void);
/* Starts rewriting "lockstep: [ELAPSED] TAG STEP  LAST-LINE" on stderr,
 * LAST-LINE read from the end of the file at log (which the step appends
 * to), ELAPSED counted from the monotonic time t0 (clock_mono); tag may
 * be NULL.  Returns the child's pid, or -1 when none was started (not a
 * terminal, fork failed: the build goes on without the line). */
pid_t live_start(const char *log, const char *tag, const char *step, double t0);
/* Stops the child started by live_start (pid -1: nothing) and clears the
 * line, so that what is printed next starts at column 0. */
void live_stop(pid_t pid);

#endif
