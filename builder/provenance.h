/* SPDX-License-Identifier: MIT */
/* The provenance record: an in-toto Statement v1 whose predicate is SLSA
 * Provenance v1 (see docs/provenance.md and ../shared/SPECS.md). */
#ifndef BUILDER_PROVENANCE_H
#define BUILDER_PROVENANCE_H

#include <stdint.h>
#include "core/json.h"

#define PROVENANCE_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PROVENANCE_PREDICATE_TYPE "https://slsa.dev/provenance/v1"
/* Resolves to docs/build-type.md in spirit: the document describing our
 * externalParameters and internalParameters. */
#define PROVENANCE_BUILD_TYPE "https://lockstep.dev/build-types/recipe/v2"
/* The environment pin, shipped beside the provenance, named by digest in it. */
#define PROVENANCE_PIN_MEDIA_TYPE "application/vnd.lockstep.environment-pin+json"
#define PROVENANCE_BUILDER_ID "https://lockstep.dev/builder/v1"

struct provenance_subject {
	const char *name; /* borrowed */
	char sha256[65];
	cJSON *elf; /* owned: elfinfo of an ELF artifact, or NULL */
};

/* Everything the record says; all borrowed except where marked. */
struct provenance_input {
	const char *recipe_text; /* exact bytes of the recipe */
	size_t recipe_len;
	const char *recipe_digest;
	const char *recipe_name; /* e.g. "recipe.json" */
	const char *cell;        /* the matrix cell built, or NULL */
	const char *source_name; /* "source.tar.gz" */
	const char *source_digest;
	/* How the source was selected, recorded beside its digest. */
	const char *source_kind;    /* "dir", "git", "tarball" or "debian-source" */
	const char *source_path;    /* the directory, tarball or package as the recipe names it */
	const cJSON *source_origin; /* NULL, or members added as they are (a
				       * tarball's sha256, a Debian source's
				       * version, suite, .dsc) */
	const char *source_commit;  /* "git": the commit; else NULL */
	const char *const *source_exclude; /* "dir": the recipe's globs (NULL-terminated or NULL) */
	const char *toolchain_name;        /* the environment pin's name */
	const char *toolchain_digest;      /* its combined digest */
	const char *pin_file_name;   /* the pin file shipped beside, e.g. "environment.json" */
	const char *pin_file_sha256; /* sha256 of its bytes */
	cJSON *toolchain_packages;   /* owned: [ResourceDescriptor], every package of the root */
	const char *sandbox_profile; /* canonical JSON */
	const char *const *env;      /* the complete environment inside, KEY=VALUE */
	const char *build_path;
	int64_t source_date_epoch;
	struct provenance_subject *subjects;
	size_t nsubjects;
	int64_t started, finished;
};

/* Builds the Statement; caller owns the result (cJSON_Delete). */
cJSON *provenance_build(const struct provenance_input *in);

/* What the verifier needs back from a provenance record, validated strictly
 * (the statement type, the predicate type, our buildType, digests). */
struct provenance_record {
	cJSON *json;       /* owned: the whole statement */
	char *recipe_text; /* owned: decoded, digest checked */
	size_t recipe_len;
	char recipe_digest[65];
	char source_digest[65];
	char *source_name;                   /* owned */
	char *cell;                          /* owned: externalParameters.cell, the
				    * matrix cell built; NULL for a plain recipe */
	char *toolchain_name;                /* owned: the environment pin's name */
	char toolchain_digest[65];           /* its combined digest */
	char *pin_file_name;                 /* owned: the pin file shipped beside the record */
	char pin_file_sha256[65];            /* the sha256 of that file's bytes */
	struct provenance_subject *subjects; /* owned array; names owned by json */
	size_t nsubjects;
};

/* Parses and validates a provenance statement from bytes; `what` names the
 * file in messages.  rec is released with provenance_record_release, also
 * on error. */
int provenance_parse(const char *text, size_t len, const char *what, struct provenance_record *rec,
		     struct err *e);
void provenance_record_release(struct provenance_record *rec);

#endif
