/* SPDX-License-Identifier: MIT */
/* Running trusted host tools (git, gpgv) outside the
 * sandbox.  Never used for anything a recipe or an artifact controls: those
 * run inside sandbox/. */
#ifndef CORE_RUN_H
#define CORE_RUN_H

#include <stddef.h>
#include "core/err.h"

/* Runs argv[0] (searched in PATH) with argv, in directory cwd (NULL: the
 * current one), stdin from /dev/null.  When out is not NULL, stdout is
 * captured (at most 64 MiB) into *out (caller frees); otherwise it goes to
 * our stderr.  stderr is captured into the error message on failure.
 * Returns 0 when the command exits 0, else -1 with e naming the command. */
int run_capture(char *const argv[], const char *cwd, char **out, struct err *e);
/* As run_capture, with stdout written to fd (not closed; any size, binary
 * safe) instead of captured. */
int run_to_fd(char *const argv[], const char *cwd, int fd, struct err *e);

#endif
