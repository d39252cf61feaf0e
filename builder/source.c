/* SPDX-License-Identifier: MIT */
/* The source a recipe selects, as the normalized source archive: a
 * directory without .git and the recipe's exclude globs, the files git
 * tracks below a directory at one named commit (read with the git command
 * line as a trusted host tool; nothing of .git comes along), or a tarball
 * checked by sha256 and extracted safely.  A Debian source package is
 * unpacked in the sandbox (builder/build.c). */
#include "builder/source.h"
#include "builder/source_store.h"
#include "builder/outputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/run.h"
#include "toolchains/fetch.h"
#include "toolchains/toolchain.h"

/* Creates the parents of rel below top (0755). */
static int make_parents(const char *top, const char *rel, struct err *e)
{
	char *path = fs_join(top, rel), *slash = strrchr(path, '/');
	int ret = 0;

	if (slash) {
		*slash = '\0';
		ret = fs_mkdirs(path, e);
	}
	free(path);
	return ret;
}

/* A name from git: clean, relative, and never into a .git directory. */
static int git_name_ok(const char *name)
{
	const char *s = name;

	if (!*name || *name == '/')
		return 0;
	for (;;) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)) ||
		    (n == 4 && !strncasecmp(s, ".git", 4)))
			return 0;
		if (!end)
			return 1;
		s = end + 1;
	}
}

/* One ls-tree entry ("MODE TYPE OID\tNAME") written below top. */
static int git_entry(const struct recipe *r, const char *top, char *line, struct err *e)
{
	char *tab = strchr(line, '\t'), mode[8], type[8], oid[65];
	char *argv[] = { "git", "-C", r->source_dir, "cat-file", "blob", oid, NULL };
	char *path = NULL, *target = NULL;
	int fd = -1, ret = -1;

	if (!tab || sscanf(line, "%7s %7s %64s", mode, type, oid) != 3)
		return err_set(e, "%s: \"source\": unexpected git ls-tree line \"%s\"", r->file,
			       line);
	tab++;
	if (!strcmp(type, "commit"))
		return err_set(
			e,
			"%s: \"source\": \"%s\" is a submodule: its files are not in this repository (not followed)",
			r->file, tab);
	if (strcmp(type, "blob") || !git_name_ok(tab))
		return err_set(
			e, "%s: \"source\": git entry \"%s\" (%s %s) cannot be part of a source",
			r->file, tab, mode, type);
	if (make_parents(top, tab, e) < 0)
		return -1;
	path = fs_join(top, tab);
	if (!strcmp(mode, "120000")) {
		if (run_capture(argv, NULL, &target, e) < 0)
			goto out;
		if (symlink(target, path) < 0) {
			err_sys(e, "%s: cannot create", path);
			goto out;
		}
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  !strcmp(mode, "100755") ? 0755 : 0644);
		if (fd < 0) {
			err_sys(e, "%s: cannot create", path);
			goto out;
		}
		if (run_to_fd(argv, NULL, fd, e) < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		err_wrap(e, "%s: \"source\": \"%s\" at %s", r->file, tab, r->source_commit);
	if (fd >= 0)
		close(fd);
	free(target);
	free(path);
	return ret;
}

/* Writes the files git tracks below r->source_dir at r->source_commit into
 * the new directory top. */
static int git_checkout(const struct recipe *r, const char *top, const char *scratch, struct err *e)
{
	char *spec = xasprintf("%s^{commit}", r->source_commit), *resolved = NULL;
	char *rev[] = {
		"git", "-C", r->source_dir, "rev-parse", "--verify", "--quiet", spec, NULL
	};
	char *ls[] = { "git", "-C", r->source_dir, "ls-tree", "-r", "-z", r->source_commit, NULL };
	char *list_path = fs_join(scratch, "ls-tree"), *list = NULL;
	size_t len = 0;
	int fd = -1, ret = -1;

	if (run_capture(rev, NULL, &resolved, e) < 0) {
		err_wrap(e, "%s: \"source.commit\": %s is not a commit of the repository at %s",
			 r->file, r->source_commit, r->source_dir);
		goto out;
	}
	resolved[strcspn(resolved, "\n")] = '\0';
	if (strcmp(resolved, r->source_commit)) {
		err_set(e, "%s: \"source.commit\": %s resolves to %s", r->file, r->source_commit,
			resolved);
		goto out;
	}
	fd = open(list_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(e, "%s: cannot create", list_path);
		goto out;
	}
	if (run_to_fd(ls, NULL, fd, e) < 0) {
		err_wrap(e, "%s: \"source\"", r->file);
		goto out;
	}
	if (fs_read_file(list_path, 256u << 20, &list, &len, e) < 0)
		goto out;
	if (mkdir(top, 0755) < 0) {
		err_sys(e, "%s: cannot create", top);
		goto out;
	}
	for (size_t at = 0; at < len;) {
		size_t n = strnlen(list + at, len - at);

		if (at + n == len) {
			err_set(e, "%s: \"source\": git ls-tree output does not end in NUL",
				r->file);
			goto out;
		}
		if (git_entry(r, top, list + at, e) < 0)
			goto out;
		at += n + 1;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(list_path);
	free(list_path);
	free(list);
	free(resolved);
	free(spec);
	return ret;
}

/* The tarball a recipe names, checked against its sha256: the file itself,
 * or, for a URL, a copy kept in <home>/sources/tarballs/SHA256 (fetched
 * once, checked while it arrives).  *path gets it (caller frees). */
static int tarball_get(const struct recipe *r, char **path, struct err *e)
{
	char have[DIGEST_HEX_LEN + 1], *home = NULL, *dir = NULL, *base = NULL, *slash;
	const char *bases[2] = { NULL, NULL };
	int ret = -1;

	*path = NULL;
	if (r->source_dir) {
		if (digest_file(r->source_dir, have, e) < 0)
			return -1;
		if (strcmp(have, r->source_sha256))
			return err_setk(
				e, ERR_NO,
				"%s: \"source.sha256\": %s has sha256 %s, the recipe says %s",
				r->file, r->source_path, have, r->source_sha256);
		*path = xstrdup(r->source_dir);
		return 0;
	}
	home = toolchain_home(e);
	if (!home)
		goto out;
	dir = fs_join(home, "sources/tarballs");
	if (fs_mkdirs(dir, e) < 0)
		goto out;
	*path = fs_join(dir, r->source_sha256);
	if (fs_exists(*path) && digest_file(*path, have, NULL) == 0 &&
	    !strcmp(have, r->source_sha256)) {
		ret = 0;
		goto out;
	}
	/* fetch_file takes a base and a name below it. */
	base = xstrdup(r->source_path);
	slash = strrchr(base, '/');
	*slash = '\0';
	bases[0] = base;
	ret = fetch_file(bases, slash + 1, *path, r->source_sha256, r->source_path, 0, 1, NULL, e);
	if (ret < 0)
		err_wrap(e, "%s: \"source.tarball\"", r->file);
out:
	if (ret < 0) {
		free(*path);
		*path = NULL;
	}
	free(home);
	free(dir);
	free(base);
	return ret;
}

/* The one directory at the top of top, for "strip": 1; NULL with e set
 * when top holds anything else. */
static char *only_dir(const struct recipe *r, const char *top, struct err *e)
{
	DIR *d = opendir(top);
	struct dirent *de;
	char *found = NULL;
	int n = 0;

	if (!d) {
		err_sys(e, "%s: cannot open", top);
		return NULL;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = fs_join(top, de->d_name);
		if (n++ == 0 && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			found = p;
		else
			free(p);
	}
	closedir(d);
	if (n != 1 || !found) {
		free(found);
		err_set(e, "%s: \"source.strip\": %s does not hold exactly one top directory",
			r->file, r->source_path);
		return NULL;
	}
	return found;
}

static int tarball_archive(const struct recipe *r, const char *scratch, const char *out_path,
			   struct err *e)
{
	char *tarball = NULL, *top = fs_join(scratch, "source-tarball"), *tree = NULL;
	int ret = -1;

	if (tarball_get(r, &tarball, e) < 0)
		goto out;
	if (mkdir(top, 0755) < 0) {
		err_sys(e, "%s: cannot create", top);
		goto out;
	}
	if (archive_extract_any(tarball, top, e) < 0) {
		err_wrap(e, "%s: \"source.tarball\"", r->file);
		goto out;
	}
	tree = r->source_strip ? only_dir(r, top, e) : xstrdup(top);
	if (tree)
		ret = archive_write_tree(tree, "", out_path, SOURCE_COMPRESS, r->source_date_epoch,
					 e);
out:
	fs_remove_tree(top, NULL);
	free(top);
	free(tree);
	free(tarball);
	return ret;
}

int source_archive_write(const struct recipe *r, const char *scratch, const char *out_path,
			 struct err *e)
{
	char *top = NULL;
	struct strv exclude = STRV_INIT;
	int ret = -1;

	if (r->source_kind == RECIPE_SOURCE_TARBALL)
		return tarball_archive(r, scratch, out_path, e);
	if (r->source_kind == RECIPE_SOURCE_DEBIAN)
		return err_set(e,
			       "%s: \"source\": a Debian source package is unpacked by the build",
			       r->file);
	if (r->source_kind == RECIPE_SOURCE_GIT) {
		top = fs_join(scratch, "source-git");
		if (git_checkout(r, top, scratch, e) == 0)
			ret = archive_write_tree(top, "", out_path, SOURCE_COMPRESS,
						 r->source_date_epoch, e);
		fs_remove_tree(top, NULL);
		free(top);
		return ret;
	}
	strv_push(&exclude, SOURCE_ALWAYS_EXCLUDED);
	for (size_t i = 0; i < r->source_exclude.n; i++)
		strv_push(&exclude, r->source_exclude.v[i]);
	ret = archive_write_tree_excluding(r->source_dir, "", (const char *const *)exclude.v,
					   out_path, SOURCE_COMPRESS, r->source_date_epoch, e);
	strv_release(&exclude);
	return ret;
}

int source_check_outputs(const struct recipe *r, const char *build_dir, const char *origin,
			 struct err *e)
{
	struct output_file *f = NULL;
	size_t n = 0;
	int ret = -1;

	/* The globs too: a stale module left in a kernel tree would be
	 * shipped as the sandbox's. */
	if (outputs_expand(r, build_dir, 0, &f, &n, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *path = fs_join(build_dir, f[i].rel);
		struct stat st;
		int there = lstat(path, &st) == 0;

		free(path);
		if (there) {
			err_set(e,
				"%s: \"outputs[%zu]\": \"%s\" is already in the source %s before the steps run (a stale build output? remove it, or leave it out of the source)",
				r->file, f[i].entry, f[i].rel, origin);
			goto out;
		}
	}
	ret = 0;
out:
	outputs_free(f, n);
	return ret;
}
