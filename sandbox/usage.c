/* SPDX-License-Identifier: MIT */
/* The parent's disk watch: how much the sandbox's writable host
 * directories hold, and how much the file systems under them have filled,
 * since the sandbox started; and how long the log has got.  wait_init
 * polls these and stops the build past its limits (docs/sandbox.md,
 * "Disk and log limits"). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/clock.h"
#include "sandbox/internal.h"

/* How much of the time the tree walks may take (1/50: 2%), and their
 * longest spacing. */
#define USAGE_WALK_SHARE 50.0
#define USAGE_WALK_MAX_SEC 15.0

/* Deeper than this, a directory's own blocks count but not its entries;
 * the file-system check below still sees what they hold. */
#define USAGE_MAX_DEPTH 256

/* Bytes allocated under the directory open at dfd (closed here): every
 * entry's st_blocks, links counted once per name (over-counting is the
 * safe side), symlinks never followed, each directory opened relative to
 * its parent with O_NOFOLLOW, so a build swapping a directory for a link
 * cannot send the walk elsewhere. */
static uint64_t usage_dir(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	uint64_t total = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		total += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode) || depth >= USAGE_MAX_DEPTH)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			total += usage_dir(fd, depth + 1);
	}
	closedir(d);
	return total;
}

uint64_t usage_path(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return (uint64_t)st.st_blocks * 512;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return (uint64_t)st.st_blocks * 512 + (fd >= 0 ? usage_dir(fd, 0) : 0);
}

uint64_t usage_fs(const char *path)
{
	struct statvfs v;

	if (statvfs(path, &v) < 0 || v.f_bfree > v.f_blocks)
		return 0;
	return (uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize;
}

void usage_start(const struct sandbox_plan *p, struct sandbox_usage *u)
{
	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < p->nmounts && u->n < USAGE_MAX_WATCH; i++) {
		if (!p->mounts[i].writable)
			continue;
		u->path[u->n] = p->mounts[i].src;
		u->tree0[u->n] = usage_path(u->path[u->n]);
		u->fs0[u->n] = usage_fs(u->path[u->n]);
		u->n++;
	}
}

int usage_over_disk(struct sandbox_usage *u, uint64_t limit)
{
	double t0 = clock_mono();

	for (size_t i = 0; i < u->n; i++) {
		uint64_t fs = usage_fs(u->path[i]);

		/* Files the build unlinked but holds open, and trees deeper than
		 * the walk goes, only show here: the file system filled by
		 * more than the whole limit is over it, whoever else writes. */
		if (fs > u->fs0[i] && fs - u->fs0[i] > limit)
			return 1;
	}
	/* A walk reads every inode of the trees: for a kernel tree (90,000
	 * files) that is a fifth of a second, which once a second would be a
	 * tenth of the build's CPU.  So the walks are spaced to cost at most
	 * 1/USAGE_WALK_SHARE of the time, and never more than
	 * USAGE_WALK_MAX_SEC apart; a small tree is still walked every
	 * call. */
	if (t0 >= u->next_walk) {
		uint64_t grown = 0;
		double cost;

		for (size_t i = 0; i < u->n; i++) {
			uint64_t now = usage_path(u->path[i]);

			if (now > u->tree0[i])
				grown += now - u->tree0[i];
		}
		u->grown = grown;
		cost = clock_mono() - t0;
		u->next_walk = t0 + (cost * USAGE_WALK_SHARE < USAGE_WALK_MAX_SEC
					     ? cost * USAGE_WALK_SHARE
					     : USAGE_WALK_MAX_SEC);
	}
	return u->grown > limit;
}

int usage_over_log(int fd, uint64_t limit)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       ((uint64_t)st.st_size > limit || (uint64_t)st.st_blocks * 512 > limit);
}
