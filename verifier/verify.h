/* SPDX-License-Identifier: MIT */
/* Independent rebuild from a provenance record and byte-for-byte
 * comparison: the heart of verify, release and audit. */
#ifndef VERIFIER_VERIFY_H
#define VERIFIER_VERIFY_H

#include <stddef.h>
#include "core/alloc.h"
#include "core/err.h"
#include "core/json.h"

struct provenance_record;

struct verify_input {
	const char *provenance; /* the statement's exact bytes */
	size_t provenance_len;
	const char *provenance_file; /* its path, for messages */
	/* NULL, or those bytes already parsed (provenance_parse; borrowed):
	 * a caller that holds the record does not have it parsed again. */
	const struct provenance_record *record;
	const char *source_archive;   /* checked against the record; NULL: the
				      * file the record names beside
				      * provenance_file, else the store's */
	const char *pin_file;         /* the environment pin; NULL: the file the
				      * record names, beside provenance_file */
	const char *original_dir;     /* where the recorded artifacts are (by
				      * subject name), to locate differences;
				      * NULL: unknown */
	const char *const *artifacts; /* shipped files compared by digest */
	size_t nartifacts;
	const char *rebuild_dir; /* where the rebuild is published (kept) */
	int quiet;
	const char *tag; /* progress prefix */
};

struct verify_outcome {
	int identical;           /* every subject and every shipped file matched */
	int reproducible;        /* every subject rebuilt byte for byte (and no
			       * more): the build's verdict, whatever the
			       * shipped files are */
	size_t unmatched;        /* shipped files that match no subject (or could
			       * not be read): they do not match the
			       * provenance */
	struct buf report;       /* one line per finding, for people */
	char *provenance_sha256; /* owned: sha256 of the statement bytes */
	char *resource_uri;      /* owned: urn naming the recipe and version,
				  * and the cell for a matrix recipe */
	char *cell;              /* owned: the matrix cell rebuilt, or NULL */
	/* The recorded subjects (names and digests), owned. */
	struct strv names, digests;
	/* owned: the same findings as report, one JSON object each: per
	 * subject {"name", "sha256" (recorded), "rebuiltSha256" (absent when
	 * not rebuilt), "result": "identical" | "different" | "missing",
	 * "detail"}, per shipped file {"file", "sha256", "result": "matches" |
	 * "matches no subject" | "unreadable", "subject"}. */
	cJSON *findings;
};

/* Validates the record, checks every input's digest before building
 * (source archive, recipe, toolchain pin: a mismatch is ERR_NO naming the
 * expected and found digests), rebuilds in a fresh sandbox from a fresh host
 * directory, and compares.  Returns 0 when the comparison could be made
 * (see out->identical), -1 with e set otherwise.  out is released with
 * verify_outcome_release, also on error. */
int verify_rebuild(const struct verify_input *in, struct verify_outcome *out, struct err *e);
void verify_outcome_release(struct verify_outcome *out);

#endif
