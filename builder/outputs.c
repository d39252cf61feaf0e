/* SPDX-License-Identifier: MIT */
/* Expanding a recipe's outputs (see outputs.h). */
#include "builder/outputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"

/* Deeper trees are not walked: no build nests its outputs this far, and a
 * bound keeps a hostile tree from exhausting the stack. */
#define WALK_MAX_DEPTH 64

/* pc[0..np) against the path components sc[0..ns).  With dir, sc is a
 * directory and the question is whether a file below it could match, so
 * that the walk enters only directories that can hold a match. */
static int match_from(char *const *pc, size_t np, char *const *sc, size_t ns, int dir)
{
	if (ns == 0 && dir)
		return np > 0;
	if (np == 0)
		return !dir && ns == 0;
	if (!strcmp(pc[0], "**")) {
		if (match_from(pc + 1, np - 1, sc, ns, dir))
			return 1;
		/* "**" crosses only names a '*' could match: not ".git". */
		return ns > 0 && sc[0][0] != '.' && match_from(pc, np, sc + 1, ns - 1, dir);
	}
	if (ns == 0)
		return 0;
	/* FNM_PERIOD: as in the shell, a wildcard never matches a leading '.'. */
	return fnmatch(pc[0], sc[0], FNM_PERIOD) == 0 &&
	       match_from(pc + 1, np - 1, sc + 1, ns - 1, dir);
}

static void split(const char *s, struct strv *v)
{
	while (*s) {
		size_t n = strcspn(s, "/");
		strv_pushf(v, "%.*s", (int)n, s);
		s += n + (s[n] == '/');
	}
}

int outputs_match(const char *pattern, const char *path)
{
	struct strv pc = STRV_INIT, sc = STRV_INIT;
	int r;

	split(pattern, &pc);
	split(path, &sc);
	r = match_from(pc.v, pc.n, sc.v, sc.n, 0);
	strv_release(&pc);
	strv_release(&sc);
	return r;
}

struct walk {
	const struct recipe *r;
	size_t entry;
	struct strv pc;           /* the pattern's components */
	char *sc[WALK_MAX_DEPTH]; /* borrowed: the components of where we are */
	struct strv hits;         /* matching paths, in walk order */
};

/* Walks the directory open at fd (which it closes), at rel ("" for the
 * top) and depth components down, never following a symlink. */
static int walk(struct walk *w, int fd, const char *rel, size_t depth, struct err *e)
{
	struct strv names = STRV_INIT;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = -1;

	if (!d) {
		close(fd);
		return err_sys(e, "%s: cannot read directory", *rel ? rel : ".");
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push(&names, de->d_name);
	/* Directory order is the file system's: sorted, the matches come in
	 * the same order on every host. */
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		char *sub = *rel ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);
		struct stat st;
		int r = 0;

		w->sc[depth] = names.v[i];
		if (fstatat(dirfd(d), names.v[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = err_sys(e, "%s", sub);
		} else if (S_ISDIR(st.st_mode)) {
			if (match_from(w->pc.v, w->pc.n, w->sc, depth + 1, 1)) {
				int sfd = depth + 1 >= WALK_MAX_DEPTH
						  ? (errno = ELOOP, -1)
						  : openat(dirfd(d), names.v[i],
							   O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								   O_CLOEXEC);
				r = sfd < 0 ? err_sys(e, "%s: cannot open", sub)
					    : walk(w, sfd, sub, depth + 1, e);
			}
		} else if (match_from(w->pc.v, w->pc.n, w->sc, depth + 1, 0)) {
			if (!S_ISREG(st.st_mode))
				r = err_set(
					e,
					"%s: \"outputs[%zu]\": \"%s\" matches \"%s\" but is not a regular file (outputs must be regular files inside the build directory)",
					w->r->file, w->entry, sub, w->r->outputs[w->entry].path);
			else if (w->hits.n >= OUTPUTS_MAX_FILES)
				r = err_set(e,
					    "%s: \"outputs\": the globs match more than %d files",
					    w->r->file, OUTPUTS_MAX_FILES);
			else
				strv_push(&w->hits, sub);
		}
		free(sub);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	closedir(d);
	strv_release(&names);
	return ret;
}

/* The length of the glob's fixed leading directories, '/' included (for
 * out, then "**", then "*.ko": "out/"): its matches are published below
 * them. */
static size_t glob_base(const char *g)
{
	size_t base = 0;

	for (const char *p = g; *p;) {
		size_t n = strcspn(p, "/");
		if (!p[n] || memchr(p, '*', n) || memchr(p, '?', n) || memchr(p, '[', n))
			break;
		p += n + 1;
		base = (size_t)(p - g);
	}
	return base;
}

static void add(struct output_file **files, size_t *n, const char *rel, const char *name,
		size_t entry)
{
	*files = xrealloc(*files, (*n + 1) * sizeof(**files));
	(*files)[*n].rel = xstrdup(rel);
	(*files)[*n].name = xstrdup(name);
	(*files)[*n].entry = entry;
	(*n)++;
}

static int expand_glob(const struct recipe *r, size_t i, int topfd, int must_match,
		       struct output_file **files, size_t *n, struct err *e)
{
	struct walk w = { .r = r, .entry = i, .pc = STRV_INIT, .hits = STRV_INIT };
	const char *pat = r->outputs[i].path;
	size_t base = glob_base(pat);
	/* Not dup(): a duplicate shares the read position, which the walk
	 * of the glob before left at the end. */
	int fd = openat(topfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = -1;

	split(pat, &w.pc);
	if (fd < 0) {
		err_sys(e, "cannot open the build directory");
		goto out;
	}
	if (walk(&w, fd, "", 0, e) < 0)
		goto out;
	if (!w.hits.n && must_match && !r->outputs[i].optional) {
		err_set(e,
			"%s: \"outputs[%zu]\": \"%s\" matched no file (an entry {\"glob\": ..., \"optional\": true} may match none)",
			r->file, i, pat);
		goto out;
	}
	if (*n + w.hits.n > OUTPUTS_MAX_FILES) {
		err_set(e, "%s: \"outputs\": the globs match more than %d files", r->file,
			OUTPUTS_MAX_FILES);
		goto out;
	}
	for (size_t k = 0; k < w.hits.n; k++)
		add(files, n, w.hits.v[k], w.hits.v[k] + base, i);
	ret = 0;
out:
	strv_release(&w.pc);
	strv_release(&w.hits);
	return ret;
}

static const struct output_file *sorted_find(struct output_file *const *v, size_t n,
					     const char *name, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(v[mid]->name, name, len);
		if (c == 0 && v[mid]->name[len])
			c = 1;
		if (c == 0)
			return v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(struct output_file *const *)a)->name,
		      (*(struct output_file *const *)b)->name);
}

/* Every published name is a valid subject name, once; none is a directory
 * that another one needs. */
static int check_names(const struct recipe *r, struct output_file *f, size_t n, struct err *e)
{
	struct output_file **v = xcalloc(n + 1, sizeof(*v));
	int ret = -1;

	for (size_t i = 0; i < n; i++) {
		const char *why;
		v[i] = &f[i];
		if (!recipe_subject_name_ok(f[i].name, &why)) {
			err_set(e,
				"%s: \"outputs[%zu]\": \"%s\" would be published as \"%s\", which %s",
				r->file, f[i].entry, f[i].rel, f[i].name, why);
			goto out;
		}
	}
	qsort(v, n, sizeof(*v), cmp_name);
	for (size_t i = 0; i < n; i++) {
		const struct output_file *o = i ? v[i - 1] : NULL;

		if (o && !strcmp(o->name, v[i]->name)) {
			if (o->entry > v[i]->entry) {
				const struct output_file *t = o;
				o = v[i];
				v[i] = (struct output_file *)t;
			}
			err_set(e,
				"%s: \"outputs[%zu]\": publishes \"%s\" (from \"%s\"), as outputs[%zu] does (from \"%s\")",
				r->file, v[i]->entry, v[i]->name, v[i]->rel, o->entry, o->rel);
			goto out;
		}
		for (const char *s = strchr(v[i]->name, '/'); s; s = strchr(s + 1, '/'))
			if ((o = sorted_find(v, n, v[i]->name, (size_t)(s - v[i]->name)))) {
				err_set(e,
					"%s: \"outputs[%zu]\": \"%s\" is published as a file, and outputs[%zu] publishes \"%s\" below it",
					r->file, o->entry, o->name, v[i]->entry, v[i]->name);
				goto out;
			}
	}
	ret = 0;
out:
	free(v);
	return ret;
}

int outputs_expand(const struct recipe *r, const char *build_dir, int must_match,
		   struct output_file **files, size_t *n, struct err *e)
{
	int fd = open(build_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = -1;

	*files = NULL;
	*n = 0;
	if (fd < 0)
		return err_sys(e, "%s: cannot open", build_dir);
	for (size_t i = 0; i < r->noutputs; i++) {
		const struct recipe_output *o = &r->outputs[i];

		if (!o->glob)
			add(files, n, o->path, recipe_output_published(o), i);
		else if (expand_glob(r, i, fd, must_match, files, n, e) < 0)
			goto out;
	}
	ret = check_names(r, *files, *n, e);
out:
	close(fd);
	return ret;
}

void outputs_free(struct output_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].rel);
		free(files[i].name);
	}
	free(files);
}
