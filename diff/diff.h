/* SPDX-License-Identifier: MIT */
/* The structural comparison engine: two files or two directory trees in,
 * a report out that says what differs (ELF sections and symbols, DWARF
 * strings, archive members and their metadata, text lines, byte ranges) and
 * a likely cause for each difference.  Used by `lockstep diff`, the verifier
 * and `check`. */
#ifndef DIFF_DIFF_H
#define DIFF_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/err.h"

/* What a caller may set; zero-initialize and fill what matters
 * (struct diff_options o = DIFF_OPTIONS_INIT). */
struct diff_options {
	int have_sde;                   /* sde below is set */
	int64_t sde;                    /* SOURCE_DATE_EPOCH the build used */
	const char *const *build_paths; /* borrowed: build directories to recognise */
	size_t n_build_paths;
	const char *hostname; /* borrowed, NULL: this machine's */
	const char *username; /* borrowed, NULL: this process's user */
	size_t max_memory;    /* bytes of member contents held at once; 0: 1 GiB */
	double timeout;       /* seconds; 0: none */
	int full;             /* keep every detail, not only the first few */
	size_t max_items;     /* differences kept in the report (text and
				     * JSON); past it only counted, partial;
				     * 0: 20000, or 2000000 with full */
	const char *symbols;  /* borrowed, may be NULL: the ELF file an
				     * Intel HEX or S-record image was made
				     * from, to name addresses by symbol */
};
#define DIFF_OPTIONS_INIT \
	{ \
		0, 0, NULL, 0, NULL, NULL, 0, 0, 0, 0, NULL \
	}

struct diff_report; /* opaque */

/* Compares a and b (two regular files, or two directories compared by
 * relative path).  *out is owned by the caller (diff_report_free).  Returns
 * 0 when the comparison ran (identical or not; a limit that cut it short
 * marks the report partial), -1 with e set on bad input or failure. */
int diff_paths(const char *a, const char *b, const struct diff_options *o, struct diff_report **out,
	       struct err *e);
/* 1 when nothing differs. */
int diff_report_identical(const struct diff_report *r);
/* 1 when a limit (time, memory, detail caps) cut the comparison short;
 * *why (borrowed, may be NULL) says which. */
int diff_report_partial(const struct diff_report *r, const char **why);
/* The most telling cause: the first difference's hint that is not
 * "content", else "content"; NULL when identical.  Borrowed, static. */
const char *diff_report_first_hint(const struct diff_report *r);
/* How many differences carry hint (e.g. "timestamp"). */
size_t diff_report_hint_count(const struct diff_report *r, const char *hint);
/* Prints the report for people to f, at most max_lines lines (0: no cap),
 * the rest summarized by one last line; color: ANSI colours. */
void diff_report_print_text(const struct diff_report *r, FILE *f, int color, size_t max_lines);
/* The report as JSON (schema "lockstep-diff/1", see docs/diff.md); caller
 * frees. */
char *diff_report_json(const struct diff_report *r);
/* The report as one self-contained HTML page (inline CSS, no script, no
 * external reference; every text from the files escaped), every kept
 * difference shown; caller frees, *len (may be NULL) its length. */
char *diff_report_html(const struct diff_report *r, size_t *len);
void diff_report_free(struct diff_report *r);

/* The verifier's cheap helper: the first offset at which files a and b
 * differ (*off; the shorter length when one is a prefix of the other) and,
 * when a is an ELF file, the name of the section holding that offset
 * (*section, caller frees, NULL when none).  Returns 1 when they differ,
 * 0 when identical, -1 with e set on failure. */
int diff_first_offset(const char *a, const char *b, uint64_t *off, char **section, struct err *e);

#endif
