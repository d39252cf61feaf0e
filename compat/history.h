/* SPDX-License-Identifier: MIT */
/* Questions across manifests: is a combination tested (query), what
 * changed between two manifests (diff), and the newest green combination
 * in a history of signed manifests (last-good, the rollback target). */
#ifndef COMPAT_HISTORY_H
#define COMPAT_HISTORY_H

#include <stddef.h>
#include "compat/manifest.h"

/* What a query asks; NULL fields match anything.  Each of drivers is "V"
 * (any component has version V) or "NAME=V" (component NAME has V); all
 * must hold. */
struct history_query {
	const char *board, *rtos, *riscv_core, *riscv_microcode, *gpu_firmware, *firmware;
	const char *const *drivers;
	size_t ndrivers;
};

/* 1 when row r matches q. */
int history_row_matches(const struct manifest_row *r, const struct history_query *q);

/* One difference between two manifests. */
struct history_change {
	char *kind; /* owned: "regressed" (green -> red), "status", "removed", "added" */
	char *key;  /* owned: the combination */
	const char *old_status, *new_status; /* static strings or NULL */
};

/* Compares the rows of two validated manifests by combination.  Changes
 * come most urgent first: green -> red, other status changes (worse
 * first), removed, added.  *out (free with history_changes_free). */
size_t history_diff(const cJSON *old_m, const cJSON *new_m, struct history_change **out);
void history_changes_free(struct history_change *c, size_t n);

/* Reads every compat-YYYY-MM-DD*.json in dir, newest name first, each
 * checked with pub (unsigned, badly signed or invalid ones are errors
 * naming the file), and finds the newest manifest with a green row for
 * board; within it, the row with the highest kernel driver, then the
 * newest firmware.  *row (a copy, caller cJSON_Deletes) and *file (caller
 * frees) describe it.  No green row anywhere: ERR_NO. */
int history_last_good(const char *dir, const char *board, const struct sign_key *pub, cJSON **row,
		      char **file, struct err *e);

#endif
