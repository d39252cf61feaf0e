/* SPDX-License-Identifier: MIT */
/* The versioning policy: which strings are valid driver, firmware and
 * microcode versions, how two of them order, and how big a step between two
 * driver versions is.  The patterns live in a JSON file a team can adjust
 * (docs/versioning.md); without one the built-in defaults apply. */
#ifndef VERSIONING_VERSION_H
#define VERSIONING_VERSION_H

#include "core/err.h"

/* How much a release changes, smallest first (so they compare with <). */
enum version_bump { BUMP_NONE = 0, BUMP_PATCH, BUMP_MINOR, BUMP_MAJOR };

/* "none", "PATCH", "MINOR", "MAJOR". */
const char *version_bump_name(enum version_bump b);

/* Where the policy comes from: $LOCKSTEP_POLICY, else
 * <dir of the binary>/../compat/version-policy.json, else
 * /usr/local/share/lockstep/compat/version-policy.json; NULL when none of
 * them exists (the built-in defaults apply).  Caller frees. */
char *version_policy_find(void);
/* Replaces the policy in force with the file at path (NULL: the built-in
 * defaults).  A bad file is an error naming it and leaves the old policy. */
int version_policy_load(const char *path, struct err *e);
/* Path of the policy in force, or "built-in defaults".  Borrowed. */
const char *version_policy_source(void);

/* 0 when version is a valid version of kind ("driver", "firmware",
 * "microcode", or any kind the policy file adds); else -1 with a message
 * naming the kind, the version and what is wrong.  Loads the policy with
 * version_policy_find() on first use. */
int version_check(const char *kind, const char *version, struct err *e);
/* The same against the policy file at policy_path alone (a project's own,
 * named by its recipe), leaving the policy in force untouched.  -1 with a
 * message naming the file when it is missing or malformed (ERR_OP) or the
 * version does not match (ERR_NO). */
int version_check_file(const char *policy_path, const char *kind, const char *version,
		       struct err *e);
/* Compares two valid versions of kind by the policy's "order" groups:
 * *cmp < 0, 0, > 0.  -1 with e set when either is invalid, or when the two
 * are not comparable (firmware of two different boards). */
int version_compare(const char *kind, const char *a, const char *b, int *cmp, struct err *e);
/* The step from driver version old to new: MAJOR when MAJOR grew, MINOR
 * when MINOR grew, PATCH when only PATCH grew, NONE when equal.  A step
 * backwards is an error. */
int version_bump(const char *old_v, const char *new_v, enum version_bump *out, struct err *e);
/* 1 when YYYYMMDD (8 digits) is a real calendar date in 1970..9999. */
int version_date_ok(const char *yyyymmdd);

#endif
