/* SPDX-License-Identifier: MIT */
/* Building a recipe: source archive, sandboxed steps with the pinned
 * toolchain, outputs collected and normalized, ELF files inspected, smoke
 * test, provenance.  Everything lands in a staging directory next to the
 * output directory and is published by rename only when all of it worked. */
#ifndef BUILDER_BUILD_H
#define BUILDER_BUILD_H

#include <stdint.h>
#include "builder/recipe.h"
#include "core/err.h"

struct sandbox_config;
struct toolchain;

/* Names of what a build writes next to the artifacts. */
/* The source archive (zstd; a hard link into the store,
 * builder/source_store.h).  Builds before wrote gzip under the older name,
 * which verify, release and audit still read. */
#define BUILD_SOURCE_NAME "source.tar.zst"
#define BUILD_SOURCE_NAME_GZ "source.tar.gz"
#define BUILD_PROVENANCE_NAME "provenance.json"
#define BUILD_LOG_NAME "build.log"
/* The environment pin the build ran in, byte for byte (the provenance names
 * its sha256). */
#define BUILD_PIN_NAME "environment.json"
/* An output larger than this is refused (its copy would fill the disk
 * twice): the sandbox's RLIMIT_FSIZE is 8 GiB too. */
#define BUILD_MAX_OUTPUT ((uint64_t)8 << 30)

struct build_options {
	const char *out_dir;        /* required: where the results are published */
	const char *source_archive; /* rebuild from this archive (verify, audit)
				     * instead of archiving r->source_dir */
	const char *source_name;    /* what source_archive is called (its
				     * provenance's name: BUILD_SOURCE_NAME or
				     * BUILD_SOURCE_NAME_GZ); NULL: the former */
	const char *pin_path;       /* use this toolchain pin file instead of
				     * the recipe's pin by name (verify) */
	/* NULL, or the exact paths (not existing yet, parents made) of the
	 * work directory and of the file-order directory (the build directory
	 * is made in it), instead of fresh random names: lockstep check gives
	 * builds that must not differ by host path the same ones, one build at
	 * a time.  Both are made 0700: no other user reaches into a build. */
	const char *work_dir;
	const char *fileorder_dir;
	int raw_outputs; /* outputs kept as the steps wrote them: no
				     * archive normalization, modes as they are
				     * (lockstep check --raw; never published) */
	int quiet;       /* no progress lines on stderr */
	int no_smoke;    /* skip the recipe's smoke test */
	/* Called on the sandbox settings before each step (lockstep check's
	 * variations); NULL for a normal build. */
	void (*vary)(struct sandbox_config *c, void *arg);
	void *vary_arg;
	const char *tag; /* prefix of progress lines, e.g. "verify" */
	/* lockstep check's file-order variation: the build directory is made
	 * on the tmpfs FILEORDER_DIR and the source tree recreated there
	 * so that every directory lists its entries in the reverse of the
	 * order it lists them in a normal build (builder/fileorder.h). */
	int file_order;
	/* NULL, or the recipe's toolchain already loaded and prepared
	 * (toolchain_prepare) with its root, both borrowed: lockstep check
	 * verifies the toolchain once for all its builds. */
	struct toolchain *toolchain;
	const char *toolchain_root;
	/* lockstep init --trial: called with the build directory once the
	 * steps have run; the build stops there (nothing is collected or
	 * published) and returns what this returns.  NULL for a build. */
	int (*after_steps)(const char *build_dir, void *arg, struct err *e);
	void *after_steps_arg;
};

/* One artifact of a finished build: what the provenance's subject says. */
struct build_subject {
	char *name; /* owned: its name below the output directory */
	char sha256[65];
};

/* What a published build holds, as the build itself knew it: callers use
 * this rather than reading the provenance back from the disk. */
struct build_result {
	char *out_dir;         /* owned: o->out_dir */
	char *provenance_path; /* owned: out_dir/BUILD_PROVENANCE_NAME */
	char *source_path;     /* owned: out_dir/BUILD_SOURCE_NAME */
	char *pin_path;        /* owned: out_dir/BUILD_PIN_NAME */
	char source_sha256[65];
	struct build_subject *subjects; /* owned, in the provenance's order */
	size_t nsubjects;
};

/* Builds r as o says.  On success the directory o->out_dir holds the
 * artifacts, BUILD_SOURCE_NAME, BUILD_PROVENANCE_NAME, BUILD_PIN_NAME and
 * BUILD_LOG_NAME, and res (may be NULL) says what they are (release it
 * with build_result_release; zeroed on failure, where o->after_steps'
 * return is returned too);
 * on failure it is untouched, and the message names the step (and, for a
 * failing step, where its log was kept). */
int build_run(const struct recipe *r, const struct build_options *o, struct build_result *res,
	      struct err *e);
void build_result_release(struct build_result *res);

#endif
