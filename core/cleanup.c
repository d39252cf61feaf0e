/* SPDX-License-Identifier: MIT */
/* The interrupt flag and the list of paths to remove at exit. */
#include "core/cleanup.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"

static volatile sig_atomic_t interrupted;
static char **paths; /* owned, each owned; NULL slots are free */
static size_t npaths;

static void on_signal(int sig)
{
	interrupted = sig;
}

void cleanup_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: waits must wake up */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe (lockstep check ... | head) stops the work and cleans
	 * up like Ctrl-C, instead of killing us with work trees left behind. */
	sigaction(SIGPIPE, &sa, NULL);
	atexit(cleanup_run);
}

int cleanup_interrupted(void)
{
	return interrupted;
}

void cleanup_add_path(const char *path)
{
	for (size_t i = 0; i < npaths; i++)
		if (!paths[i]) {
			paths[i] = xstrdup(path);
			return;
		}
	paths = xrealloc(paths, (npaths + 1) * sizeof(*paths));
	paths[npaths++] = xstrdup(path);
}

void cleanup_remove_path(const char *path)
{
	for (size_t i = 0; i < npaths; i++)
		if (paths[i] && !strcmp(paths[i], path)) {
			free(paths[i]);
			paths[i] = NULL;
		}
}

void cleanup_run(void)
{
	for (size_t i = 0; i < npaths; i++) {
		if (!paths[i])
			continue;
		fs_remove_tree(paths[i], NULL);
		free(paths[i]);
		paths[i] = NULL;
	}
	free(paths);
	paths = NULL;
	npaths = 0;
}
