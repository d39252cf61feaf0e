/* SPDX-License-Identifier: MIT */
/* What a build publishes once its steps ran: each output opened strictly
 * below the build directory, copied, normalized, hashed and its ELF
 * identity checked; then the provenance that names them all. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "archive/archive.h"
#include "builder/build.h"
#include "builder/build_int.h"
#include "builder/elfinfo.h"
#include "builder/outputs.h"
#include "builder/provenance.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "sandbox/sandbox.h"
#include "toolchains/toolchain.h"

/* Opens an output strictly below the build directory: no symlink anywhere
 * on the way, no "..", nothing but a regular file.  O_NONBLOCK: opening a
 * FIFO the build left would otherwise wait forever for a writer (the
 * recipe's timeout is over by now); the type check refuses it. */
static int open_output(const struct build *b, int dirfd, const struct output_file *f, struct err *e)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	const char *rel = f->rel;
	size_t i = f->entry;
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e,
				       "%s: \"outputs[%zu]\": \"%s\" was not produced by the build",
				       b->r->file, i, rel);
		if (errno == ELOOP || errno == EXDEV)
			return err_set(
				e,
				"%s: \"outputs[%zu]\": \"%s\" is a symlink (outputs must be regular files inside the build directory)",
				b->r->file, i, rel);
		return err_sys(e, "%s: \"outputs[%zu]\": \"%s\"", b->r->file, i, rel);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "%s: \"outputs[%zu]\": \"%s\" is not a regular file", b->r->file,
			       i, rel);
	}
	return fd;
}

/* Creates the directories of a published name with a '/' below the
 * staging directory: the layout below a glob's fixed part is kept. */
static int make_parents(const struct build *b, const char *name, struct err *e)
{
	const char *slash = strrchr(name, '/');
	char *dir;
	int r;

	if (!slash)
		return 0;
	dir = xasprintf("%s/%.*s", b->staging, (int)(slash - name), name);
	r = fs_mkdirs(dir, e);
	free(dir);
	return r;
}

int build_collect_outputs(struct build *b, struct err *e)
{
	int dirfd = open(b->build_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = -1;

	if (dirfd < 0)
		return err_sys(e, "%s: cannot open", b->build_dir);
	if (outputs_expand(b->r, b->build_dir, 1, &b->files, &b->nfiles, e) < 0)
		goto out;
	b->subjects = xcalloc(b->nfiles + 1, sizeof(*b->subjects));
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct output_file *f = &b->files[i];
		const char *name = f->name;
		char *to = fs_join(b->staging, name);
		struct stat st;
		int fd, changed = 0, r;
		struct provenance_subject *s = &b->subjects[i];

		s->name = name;
		b->nsubjects = i + 1;
		fd = open_output(b, dirfd, f, e);
		if (fd < 0) {
			free(to);
			goto out;
		}
		fstat(fd, &st);
		/* Modes are normalized too: executable or not is all that survives. */
		r = make_parents(b, name, e);
		if (r == 0)
			r = fs_copy_fd_atomic(fd, f->rel, to,
					      b->o->raw_outputs     ? (st.st_mode & 0777) | 0400
					      : (st.st_mode & 0100) ? 0755
								    : 0644,
					      BUILD_MAX_OUTPUT, e);
		close(fd);
		if (r == 0 && !b->o->raw_outputs && archive_detect(to)) {
			r = archive_normalize(to, b->r->source_date_epoch, &changed, e);
			if (r == 0 && changed)
				build_progress(b, "normalized archive %s", name);
		}
		if (r == 0)
			r = digest_file(to, s->sha256, e);
		if (r == 0 && elfinfo_is_elf(to)) {
			const struct strv *shipped = NULL;
			struct err first = ERR_INIT;

			/* The pin's own libraries (picolibc) may come from
			 * another compiler than the pinned one: linked in,
			 * their identities are the pin's too.  Reading them
			 * walks the root's libraries, so only when the pinned
			 * compiler alone does not account for the file. */
			r = elfinfo_read(to, &s->elf, e);
			if (r == 0 && elfinfo_check_compilers(s->elf, toolchain_compiler_id(b->tc),
							      NULL, 0, name, &first) < 0) {
				r = toolchain_shipped_ids(b->root, &shipped, e);
				if (r == 0)
					r = elfinfo_check_compilers(s->elf,
								    toolchain_compiler_id(b->tc),
								    (const char *const *)shipped->v,
								    shipped->n, name, e);
			}
			/* For build a foreign compiler is a failed build (exit 2),
			 * whatever kind of "no" the check itself reports. */
			if (r < 0)
				e->kind = ERR_OP;
		}
		free(to);
		if (r < 0) {
			err_wrap(e, "%s: \"outputs[%zu]\"", b->r->file, f->entry);
			goto out;
		}
		build_progress(b, "%s  %s", s->sha256, name);
	}
	ret = 0;
out:
	close(dirfd);
	return ret;
}

static const char *source_kind_name(enum recipe_source_kind k)
{
	switch (k) {
	case RECIPE_SOURCE_GIT:
		return "git";
	case RECIPE_SOURCE_TARBALL:
		return "tarball";
	case RECIPE_SOURCE_DEBIAN:
		return "debian-source";
	default:
		return "dir";
	}
}

/* How a tarball or a Debian source package was selected, beyond its path:
 * the fields docs/provenance.md lists; NULL for a directory or git. */
static cJSON *source_origin(const struct build *b)
{
	const struct recipe *r = b->r;
	cJSON *o;

	if (r->source_kind == RECIPE_SOURCE_TARBALL) {
		o = cJSON_CreateObject();
		json_add_str(o, "sha256", r->source_sha256);
		cJSON_AddNumberToObject(o, "strip", r->source_strip);
		return o;
	}
	if (r->source_kind != RECIPE_SOURCE_DEBIAN || !b->debsrc.dsc_name)
		return NULL;
	o = cJSON_CreateObject();
	json_add_str(o, "version", r->source_version);
	json_add_str(o, "suite", b->debsrc.suite);
	json_add_str(o, "pool", b->debsrc.directory);
	{
		cJSON *d = cJSON_AddObjectToObject(o, "dsc");
		json_add_str(d, "name", b->debsrc.dsc_name);
		json_add_sha256(d, b->debsrc.dsc_sha256);
	}
	{
		char *tool = xasprintf("dpkg-source -x (%s %s, from the environment pin)",
				       BUILD_UNPACK_PACKAGE,
				       toolchain_package_version(b->tc, BUILD_UNPACK_PACKAGE));
		json_add_str(o, "unpacked_with", tool);
		free(tool);
	}
	return o;
}

int build_write_provenance(struct build *b, int64_t started, struct err *e)
{
	struct provenance_input in = { 0 };
	char **env = NULL, *path = NULL;
	struct sandbox_config c;
	cJSON *st = NULL, *origin = NULL;
	const char *pin_text;
	char pin_sha[65], *pin_path = fs_join(b->staging, BUILD_PIN_NAME);
	size_t pin_len = 0;
	int ret = -1;

	/* The pin ships beside the provenance, exactly the bytes named there. */
	pin_text = toolchain_pin_bytes(b->tc, &pin_len);
	digest_buf(pin_text, pin_len, pin_sha);
	if (fs_write_atomic(pin_path, pin_text, pin_len, 0644, e) < 0)
		goto out;
	build_base_config(b, &c, -1);
	in.recipe_text = b->r->text;
	in.recipe_len = b->r->text_len;
	in.recipe_digest = b->r->digest;
	in.recipe_name = "recipe.json";
	in.source_name = build_source_name(b);
	in.source_digest = b->source_digest;
	in.source_kind = source_kind_name(b->r->source_kind);
	in.source_path = b->r->source_path;
	origin = source_origin(b);
	in.source_origin = origin;
	in.source_commit = b->r->source_commit;
	in.source_exclude = (const char *const *)b->r->source_exclude.v;
	in.toolchain_name = toolchain_name(b->tc);
	in.toolchain_digest = toolchain_digest(b->tc);
	in.pin_file_name = BUILD_PIN_NAME;
	in.pin_file_sha256 = pin_sha;
	in.toolchain_packages = toolchain_resolved_deps(b->tc);
	in.sandbox_profile = b->profile;
	env = sandbox_env_build(&c);
	in.env = (const char *const *)env;
	in.build_path = c.build_path;
	in.cell = b->r->cell;
	in.source_date_epoch = b->r->source_date_epoch;
	in.subjects = b->subjects;
	in.nsubjects = b->nsubjects;
	in.started = started;
	in.finished = clock_now();
	st = provenance_build(&in);
	path = fs_join(b->staging, BUILD_PROVENANCE_NAME);
	ret = json_write_file(path, st, e);
out:
	cJSON_Delete(in.toolchain_packages);
	cJSON_Delete(origin);
	cJSON_Delete(st);
	sandbox_env_free(env);
	free(path);
	free(pin_path);
	return ret;
}
