/* SPDX-License-Identifier: MIT */
/* Compatibility manifests: which combinations of board, RTOS, RISC-V core
 * and microcode, drivers and firmware were tested, how they fared, and the
 * digests of the artifacts tested.  JSON is canonical, YAML is accepted;
 * a signed manifest is a DSSE envelope around an in-toto Statement whose
 * predicate is the manifest (docs/compat-manifest.md). */
#ifndef COMPAT_MANIFEST_H
#define COMPAT_MANIFEST_H

#include <stddef.h>
#include "core/alloc.h"
#include "core/json.h"
#include "core/sign.h"

#define MANIFEST_PREDICATE_TYPE "https://lockstep.dev/compat-manifest/v1"
#define MANIFEST_MAX_ROWS 10000
#define MANIFEST_MAX_PROBLEMS 100

/* One tested_on row, borrowed from the manifest's tree. */
struct manifest_row {
	int index; /* position in tested_on */
	const char *board, *rtos, *riscv_core, *riscv_microcode, *gpu_firmware;
	const char *firmware, *status, *notes; /* firmware, notes may be NULL */
	const cJSON *driver;                   /* object: component -> version */
	const cJSON *artifacts;                /* array or NULL */
	char *drivers; /* owned: "kernel=v2.4.1 nvlink=nvlink-1.0.3", sorted */
	char *key;     /* owned: the combination, for duplicates and diffs */
};

/* Reads path: JSON, YAML (by extension .yaml/.yml, or when it does not
 * start with '{'), or a signed manifest (a DSSE envelope or sigstore
 * bundle), which needs pub to check it: without pub, or with a signature
 * that fails, it is an error (ERR_NO for a bad signature).  *out is the
 * manifest itself (caller cJSON_Deletes); it is not validated yet.
 * *was_signed (may be NULL) says whether it came signed. */
int manifest_load(const char *path, const struct sign_key *pub, cJSON **out, int *was_signed,
		  struct err *e);
/* Checks m against the schema and the versioning policy; every problem is
 * pushed to problems as `FILE: "tested_on[2].status": unknown status
 * "blue"` (at most MANIFEST_MAX_PROBLEMS).  When prov_dir is not NULL,
 * each artifact digest must be a subject of a provenance statement there
 * (signed by pub when pub is not NULL).  Returns the number of problems,
 * or -1 with e set when prov_dir cannot be read. */
int manifest_validate(const cJSON *m, const char *file, const char *prov_dir,
		      const struct sign_key *pub, struct strv *problems, struct err *e);
/* manifest_load + manifest_validate (no provenance): the first problem is
 * the error (ERR_OP).  For commands that only read manifests. */
int manifest_open(const char *path, const struct sign_key *pub, cJSON **out, struct err *e);

/* The rows of a validated manifest (caller frees with manifest_rows_free). */
size_t manifest_rows(const cJSON *m, struct manifest_row **rows);
void manifest_rows_free(struct manifest_row *rows, size_t n);

/* The in-toto Statement for m as canonical JSON (caller frees): subjects
 * are the artifacts its rows reference, sorted and unique; a manifest that
 * references none has itself as the one subject (name
 * "compat-manifest.json", the sha256 of its canonical JSON). */
char *manifest_statement(const cJSON *m);
/* Signs the statement with k: *envelope is the DSSE envelope JSON (caller
 * frees). */
int manifest_sign(const cJSON *m, const struct sign_key *k, char **envelope, struct err *e);

/* Rank of a status for sorting and colour: green 0, yellow 1, red 2, else 3. */
int manifest_status_rank(const char *status);

#endif
