/* SPDX-License-Identifier: MIT */
/* bin/lockstep of the self-contained bundle (make static, docs/install.md):
 * runs lib/lockstep.real through the bundle's own loader and libraries, so
 * nothing of the host's libraries is used.  Linked -static and kept out of
 * the lockstep binary; it only finds its directory and execs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The bundle's layout, relative to its top directory. */
#define LOADER "/lib/ld-linux-x86-64.so.2"
#define LIBDIR "/lib"
#define REAL "/lib/lockstep.real"

/* House exit status for "could not run at all" (cli/: 2 = operational). */
#define EXIT_ERR 2

/* Drops the last path component in place ("/bin" becomes "", the root, to
 * which the layout's paths are then appended); 0 when there is no '/'. */
static int strip_last(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash)
		return 0;
	*slash = '\0';
	return 1;
}

int main(int argc, char **argv)
{
	/* /proc/self/exe, not argv[0]: it names the real file whatever the
	 * caller typed, through any symlink to bin/lockstep. */
	char top[PATH_MAX], loader[PATH_MAX + 32], libdir[PATH_MAX + 32], real[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", top, sizeof(top) - 1);
	char **args;
	int i, k = 0;

	if (n <= 0) {
		perror("lockstep: /proc/self/exe");
		return EXIT_ERR;
	}
	top[n] = '\0';
	/* <top>/bin/lockstep → <top> */
	if (!strip_last(top) || !strip_last(top)) {
		fprintf(stderr, "lockstep: \"%s\": not inside a bundle's bin/\n", top);
		return EXIT_ERR;
	}
	snprintf(loader, sizeof(loader), "%s" LOADER, top);
	snprintf(libdir, sizeof(libdir), "%s" LIBDIR, top);
	snprintf(real, sizeof(real), "%s" REAL, top);

	/* --library-path rather than LD_LIBRARY_PATH: it applies to this
	 * process only, so the commands lockstep runs (dpkg-query, the
	 * sandboxed build) keep the host's or the root's own libraries.
	 * --argv0 keeps argv[0] as the user typed it. */
	args = calloc((size_t)argc + 7, sizeof(*args));
	if (!args) {
		perror("lockstep");
		return EXIT_ERR;
	}
	args[k++] = loader;
	args[k++] = "--library-path";
	args[k++] = libdir;
	args[k++] = "--argv0";
	args[k++] = argc > 0 ? argv[0] : "lockstep";
	args[k++] = real;
	for (i = 1; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	execv(loader, args);
	fprintf(stderr, "lockstep: %s: ", loader);
	perror("exec");
	return EXIT_ERR;
}
