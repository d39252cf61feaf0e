/* SPDX-License-Identifier: MIT */
/* Temporary work directories, made one way everywhere: 0700 below $TMPDIR
 * (else /tmp), named lockstep-KIND-XXXXXX, removed at exit or on a signal,
 * and marked with their owner (pid and process start time) so that a later
 * run that makes one removes what a killed lockstep could not
 * (workdir_sweep). */
#include "core/workdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"

#define OWNER_FILE ".lockstep-owner"

/* The start time of process pid (field 22 of /proc/PID/stat, clock ticks
 * since boot): with the pid it names one process, even after pid reuse.
 * 0 when the process does not exist. */
static unsigned long long start_time(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int fd, field = 3;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields count from the last ')'. */
	p = strrchr(buf, ')');
	for (p = p ? p + 2 : buf; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field == 22)
		t = strtoull(p, NULL, 10);
	return t;
}

const char *workdir_base(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t == '/' ? t : "/tmp";
}

char *workdir_make_in(const char *base, const char *kind, struct err *e)
{
	static int swept;
	char *dir, *owner, *text;
	int r;

	/* What a killed lockstep left behind (its owner is gone) goes before
	 * this process makes a tree of its own: only commands that work in
	 * $TMPDIR clean it; a diff or a --version touches nothing there. */
	if (!swept) {
		swept = 1;
		workdir_sweep(workdir_base());
		workdir_sweep("/dev/shm");
	}
	dir = xasprintf("%s/lockstep-%s-XXXXXX", base, kind);
	if (!mkdtemp(dir)) {
		err_sys(e, "%s: cannot create a work directory", dir);
		free(dir);
		return NULL;
	}
	cleanup_add_path(dir);
	owner = fs_join(dir, OWNER_FILE);
	text = xasprintf("%ld %llu\n", (long)getpid(), start_time((long)getpid()));
	r = fs_write_atomic(owner, text, strlen(text), 0600, e);
	free(owner);
	free(text);
	if (r < 0) {
		workdir_remove(dir);
		return NULL;
	}
	return dir;
}

char *workdir_make(const char *kind, struct err *e)
{
	return workdir_make_in(workdir_base(), kind, e);
}

void workdir_keep(const char *dir)
{
	char *owner = fs_join(dir, OWNER_FILE);

	unlink(owner);
	free(owner);
	cleanup_remove_path(dir);
}

void workdir_remove(char *dir)
{
	if (!dir)
		return;
	fs_remove_tree(dir, NULL);
	cleanup_remove_path(dir);
	free(dir);
}

/* 1 when dir is ours (same uid, not a link) and its owner is gone. */
static int abandoned(const char *dir)
{
	char *owner = fs_join(dir, OWNER_FILE), *text = NULL;
	struct stat st;
	size_t len;
	long pid;
	unsigned long long t;
	int dead = 0;

	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    fs_read_file(owner, 128, &text, &len, NULL) == 0 &&
	    sscanf(text, "%ld %llu", &pid, &t) == 2 && pid > 0)
		dead = start_time(pid) != t;
	free(owner);
	free(text);
	return dead;
}

void workdir_sweep(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "lockstep-", 9)) {
			char *dir = fs_join(base, de->d_name);
			if (abandoned(dir))
				fs_remove_tree(dir, NULL);
			free(dir);
		}
	closedir(d);
}
