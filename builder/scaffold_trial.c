/* SPDX-License-Identifier: MIT */
/* lockstep init --trial: builds the proposed recipe once in the sandbox
 * and lists what the build produced that the source did not have. */
#include "builder/scaffold_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/recipe.h"
#include "core/fs.h"
#include "core/workdir.h"

#define WALK_MAX_FILES 200000

/* Reserved by the builder for what it writes beside the artifacts. */
static int reserved_name(const char *base)
{
	return base[0] == '.' || !strcmp(base, "provenance.json") || !strcmp(base, "build.log") ||
	       !strcmp(base, "environment.json") || !strncmp(base, "source.", 7);
}

/* An artifact by its bytes: an ELF file other than an object file (ET_REL)
 * or a core dump, an ar archive (a static library); else by its name. */
static int artifact_file(const char *path, const char *rel)
{
	unsigned char h[20];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned type;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n == (ssize_t)sizeof(h) && !memcmp(h, "\177ELF", 4)) {
		type = h[5] == 2 ? (unsigned)(h[16] << 8 | h[17]) : (unsigned)(h[17] << 8 | h[16]);
		return type != 1 && type != 4;
	}
	if (n >= 8 && !memcmp(h, "!<arch>\n", 8))
		return 1;
	return scaffold_artifact_name(rel);
}

struct trial {
	const char *source_dir;
	struct strv found;
	size_t files;
};

static int trial_walk(struct trial *t, const char *build_dir, const char *rel, int depth,
		      struct err *e)
{
	char *dir = rel ? fs_join(build_dir, rel) : xstrdup(build_dir);
	DIR *d = depth > WALK_MAX_DEPTH ? NULL : opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		free(dir);
		return 0;
	}
	while (ret == 0 && (de = readdir(d))) {
		char *r, *p, *src;
		struct stat st;
		if (de->d_name[0] == '.')
			continue; /* ".", "..", and hidden files are never outputs */
		if (++t->files > WALK_MAX_FILES) {
			ret = err_set(
				e,
				"the trial build left more than %d files; list the outputs by hand",
				WALK_MAX_FILES);
			break;
		}
		r = rel ? fs_join(rel, de->d_name) : xstrdup(de->d_name);
		p = fs_join(build_dir, r);
		if (lstat(p, &st) < 0) {
			/* gone since readdir: nothing to list */
		} else if (S_ISDIR(st.st_mode)) {
			ret = trial_walk(t, build_dir, r, depth + 1, e);
		} else if (S_ISREG(st.st_mode) && !reserved_name(de->d_name)) {
			/* What the source already had is input, not output. */
			src = fs_join(t->source_dir, r);
			if (!fs_exists(src) && artifact_file(p, r))
				strv_push(&t->found, r);
			free(src);
		}
		free(p);
		free(r);
	}
	closedir(d);
	free(dir);
	return ret;
}

static int trial_found(const char *build_dir, void *arg, struct err *e)
{
	struct trial *t = arg;
	return trial_walk(t, build_dir, NULL, 0, e);
}

int scaffold_trial(struct scaffold *s, int quiet, struct err *e)
{
	struct trial t = { .source_dir = s->source_dir, .found = STRV_INIT };
	struct recipe r = { 0 };
	struct build_options o = { 0 };
	char *text = scaffold_json(s, 1), *work = NULL, *out = NULL;
	int ret = -1;

	if (recipe_load_buf(text, strlen(text), "lockstep init (trial)", &r, e) < 0)
		goto out;
	r.source_dir = xstrdup(s->source_dir);
	if (!(work = workdir_make("init", e)))
		goto out;
	out = fs_join(work, "out");
	o.out_dir = out;
	o.quiet = quiet;
	o.no_smoke = 1;
	o.tag = "trial";
	o.after_steps = trial_found;
	o.after_steps_arg = &t;
	if (build_run(&r, &o, NULL, e) < 0)
		goto out;
	strv_sort(&t.found);
	/* Outputs are published by file name: the first of two namesakes. */
	strv_release(&s->outputs);
	for (size_t i = 0; i < t.found.n; i++) {
		const char *base = recipe_output_name(t.found.v[i]);
		int dup = 0;
		for (size_t k = 0; k < s->outputs.n; k++)
			dup |= !strcmp(recipe_output_name(s->outputs.v[k]), base);
		if (dup)
			strv_pushf(&s->notes,
				   "outputs: \"%s\" left out: another output has its file name",
				   t.found.v[i]);
		else
			strv_push(&s->outputs, t.found.v[i]);
	}
	if (!s->outputs.n) {
		err_set(e,
			"%s: the trial build produced no artifacts (ELF programs or libraries, "
			"archives, images): list the outputs by hand",
			s->source_dir);
		goto out;
	}
	ret = 0;
out:
	workdir_remove(work);
	recipe_release(&r);
	strv_release(&t.found);
	free(out);
	free(text);
	return ret;
}
