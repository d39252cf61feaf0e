/* SPDX-License-Identifier: MIT */
/* Inside builder/build*.c only: one build in progress, shared by the
 * pipeline (build.c) and what it publishes (build_publish.c). */
#ifndef BUILDER_BUILD_INT_H
#define BUILDER_BUILD_INT_H

#include <stdint.h>
#include "builder/build.h"
#include "builder/outputs.h"
#include "builder/provenance.h"
#include "core/alloc.h"
#include "toolchains/debsource.h"

struct sandbox_config;

/* The package a Debian source is unpacked with, as `dpkg-source -x`
 * would: it must be in the environment pin, so the unpacking tool is as
 * pinned as the compiler. */
#define BUILD_UNPACK_PACKAGE "dpkg-dev"

struct build {
	const struct recipe *r;
	const struct build_options *o;
	char *staging;            /* owned: published as o->out_dir */
	char *work;               /* owned: host scratch dir, removed at the end */
	char *build_dir;          /* owned: work/build, mounted at /build */
	char *shm_dir;            /* owned: 0700 parent of the file-order build dir, or NULL */
	char *log_path;           /* owned: work/build.log */
	struct toolchain *tc;     /* in use: own_tc or o->toolchain */
	struct toolchain *own_tc; /* owned, NULL when borrowed from o */
	const char *root;         /* borrowed from tc: the build root */
	struct strv env;          /* extra variables for the steps */
	char source_digest[65];
	struct debsource debsrc;   /* owned: which Debian source package it was */
	char *profile;             /* owned: sandbox profile JSON */
	struct output_file *files; /* owned: the outputs expanded */
	size_t nfiles;
	struct provenance_subject *subjects; /* owned array, names borrowed
					      * from files */
	size_t nsubjects;
	double t0;
};

/* A progress line on stderr ("lockstep: TAG [  1.2s] ..."), unless quiet. */
/* What the source archive is called: the given archive's name (verify,
 * audit of an older build's source.tar.gz) or BUILD_SOURCE_NAME. */
const char *build_source_name(const struct build *b);
void build_progress(const struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The sandbox settings every step (and the provenance) starts from; out_fd
 * takes the steps' output. */
void build_base_config(const struct build *b, struct sandbox_config *c, int out_fd);
/* Copies, normalizes and hashes every output into b->staging and fills
 * b->files and b->subjects; an ELF output's compiler must be the pin's.
 * 0, or -1 with e set naming the output. */
int build_collect_outputs(struct build *b, struct err *e);
/* Writes the pin file and the provenance (started: when the build began)
 * into b->staging.  0, or -1 with e set. */
int build_write_provenance(struct build *b, int64_t started, struct err *e);

#endif
