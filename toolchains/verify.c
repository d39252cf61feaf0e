/* SPDX-License-Identifier: MIT */
/* Checking a root against its pin: every pinned file hashed (on every CPU
 * this process may use) and nothing unpinned beside them. */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "toolchains/internal.h"

/* More threads than this stop paying on the disks we meet. */
#define VERIFY_MAX_THREADS 8

int pin_check_file(const struct toolchain *t, const struct pin_package *p, const struct pin_file *f,
		   const char *full, struct err *e)
{
	struct stat st;
	char hex[DIGEST_HEX_LEN + 1];

	if (lstat(full, &st) < 0)
		return err_setk(e, ERR_NO, "%s: package \"%s\": file \"/%s\": missing (%s)",
				t->path, p->name, f->path, full);
	if (f->symlink) {
		char target[PATH_MAX];
		ssize_t n = S_ISLNK(st.st_mode) ? readlink(full, target, sizeof(target) - 1) : -1;
		if (n < 0)
			return err_setk(e, ERR_NO,
					"%s: package \"%s\": file \"/%s\": not a symlink (pinned "
					"one to \"%s\")",
					t->path, p->name, f->path, f->symlink);
		target[n] = '\0';
		if (strcmp(target, f->symlink))
			return err_setk(e, ERR_NO,
					"%s: package \"%s\": file \"/%s\": symlink target differs "
					"(pinned \"%s\", found \"%s\")",
					t->path, p->name, f->path, f->symlink, target);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return err_setk(e, ERR_NO, "%s: package \"%s\": file \"/%s\": not a regular file",
				t->path, p->name, f->path);
	if (digest_file(full, hex, e) < 0) {
		e->kind = ERR_NO;
		return err_wrap(e, "%s: package \"%s\"", t->path, p->name);
	}
	if (strcmp(hex, f->sha256))
		return err_setk(e, ERR_NO,
				"%s: package \"%s\": file \"/%s\": sha256 differs (pinned %.12s…, "
				"found %.12s…)",
				t->path, p->name, f->path, f->sha256, hex);
	return 0;
}

/* The files of all packages, hashed by a pool of threads that take the
 * next file from a shared counter.  The error reported is the one of the
 * first failing file in pin order, so the message does not depend on
 * which thread got there first. */
struct job_pool {
	const struct toolchain *t;
	const char *root;
	size_t n;
	size_t *first; /* owned: index of each package's first file */
	size_t total;
	size_t next; /* the next file to take (atomic) */
	pthread_mutex_t lock;
	size_t failed_at; /* lowest failing file index, total when none */
	struct err err;   /* its error */
};

static void *pool_work(void *arg)
{
	struct job_pool *jp = arg;
	struct err e = ERR_INIT;

	for (;;) {
		size_t k = __atomic_fetch_add(&jp->next, 1, __ATOMIC_RELAXED), i = 0;
		char *full;
		int r;

		if (k >= jp->total || __atomic_load_n(&jp->failed_at, __ATOMIC_RELAXED) < k)
			break;
		while (i + 1 < jp->n && jp->first[i + 1] <= k)
			i++;
		if (cleanup_interrupted()) {
			err_setk(&e, ERR_INTERRUPT, "%s: interrupted", jp->root);
			r = -1;
		} else {
			const struct pin_package *p = &jp->t->pkgs[i];
			const struct pin_file *f = &p->files[k - jp->first[i]];
			char *rel = pin_root_path(f->path);
			/* A top-level alias ("bin") is the sandbox's, not the root's. */
			full = rel ? fs_join(jp->root, rel) : NULL;
			r = full ? pin_check_file(jp->t, p, f, full, &e) : 0;
			free(full);
			free(rel);
		}
		if (r < 0) {
			pthread_mutex_lock(&jp->lock);
			if (k < jp->failed_at) {
				__atomic_store_n(&jp->failed_at, k, __ATOMIC_RELAXED);
				jp->err = e;
			}
			pthread_mutex_unlock(&jp->lock);
			break;
		}
	}
	return NULL;
}

static unsigned pool_threads(size_t total)
{
	cpu_set_t set;
	unsigned n = 1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		n = (unsigned)CPU_COUNT(&set);
	if (n > VERIFY_MAX_THREADS)
		n = VERIFY_MAX_THREADS;
	if (n > total)
		n = total ? (unsigned)total : 1;
	return n;
}

/* Every path the root may hold besides directories: the packages' files at
 * their root paths and the alternatives' two links.  Sorted; caller frees
 * with strv_release. */
static void root_paths(const struct toolchain *t, struct strv *out)
{
	for (size_t i = 0; i < t->npkgs; i++)
		for (size_t j = 0; j < t->pkgs[i].nfiles; j++) {
			char *rel = pin_root_path(t->pkgs[i].files[j].path);
			if (rel)
				strv_push(out, rel);
			free(rel);
		}
	for (size_t i = 0; i < t->nalts; i++) {
		char *rel = pin_root_path(t->alts[i].link + 1);
		strv_push(out, rel);
		strv_pushf(out, "etc/alternatives/%s", t->alts[i].name);
		free(rel);
	}
	strv_sort(out);
}

/* Walks dir/rel: every non-directory entry must be in the sorted paths. */
static int find_extra(const struct toolchain *t, const struct strv *paths, const char *dir,
		      const char *rel, struct err *e)
{
	char *full = *rel ? fs_join(dir, rel) : xstrdup(dir);
	DIR *d = opendir(full);
	struct dirent *de;
	int ret = -1;

	if (!d) {
		err_sys(e, "%s: cannot open", full);
		goto out;
	}
	while ((de = readdir(d))) {
		char *r, *f;
		struct stat st;
		int bad = 0;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = *rel ? fs_join(rel, de->d_name) : xstrdup(de->d_name);
		f = fs_join(dir, r);
		if (lstat(f, &st) < 0)
			bad = err_sys(e, "%s: cannot stat", f);
		else if (S_ISDIR(st.st_mode))
			bad = find_extra(t, paths, dir, r, e);
		else if (!bsearch(&r, paths->v, paths->n, sizeof(*paths->v), strv_cmp))
			bad = err_setk(e, ERR_NO,
				       "%s: file \"/%s\": no package of the pin ships it (%s)",
				       t->path, r, f);
		free(r);
		free(f);
		if (bad < 0)
			goto out;
	}
	ret = 0;
out:
	if (d)
		closedir(d);
	free(full);
	return ret;
}

int pin_verify_root(const struct toolchain *t, const char *root, struct err *e)
{
	struct job_pool jp = { .t = t, .root = root, .n = t->npkgs };
	struct strv paths = STRV_INIT;
	pthread_t tids[VERIFY_MAX_THREADS];
	unsigned nt, started = 0;
	int ret = -1;

	jp.first = xcalloc(jp.n + 1, sizeof(*jp.first));
	for (size_t i = 0; i < jp.n; i++) {
		jp.first[i] = jp.total;
		jp.total += t->pkgs[i].nfiles;
	}
	jp.failed_at = jp.total;
	pthread_mutex_init(&jp.lock, NULL);
	nt = pool_threads(jp.total);
	/* The calling thread works too; helpers that fail to start just
	 * leave more files to the others. */
	for (unsigned i = 1; i < nt; i++)
		if (pthread_create(&tids[started], NULL, pool_work, &jp) == 0)
			started++;
	pool_work(&jp);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&jp.lock);
	if (jp.failed_at < jp.total) {
		*e = jp.err;
		goto out;
	}
	root_paths(t, &paths);
	if (find_extra(t, &paths, root, "", e) < 0)
		goto out;
	ret = 0;
out:
	strv_release(&paths);
	free(jp.first);
	return ret;
}
