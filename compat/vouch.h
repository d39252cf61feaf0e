/* SPDX-License-Identifier: MIT */
/* Which artifact digests a directory of provenance vouches for: the
 * sha256 of every subject of the in-toto Statements found there. */
#ifndef COMPAT_VOUCH_H
#define COMPAT_VOUCH_H

#include "core/alloc.h"
#include "core/err.h"
#include "core/sign.h"

/* Reads every *.json and *.jsonl file directly in dir: plain Statements,
 * DSSE envelopes and sigstore bundles around them (JSON Lines: one per
 * line).  With pub, only envelopes whose signature verifies with pub count
 * (plain Statements never do); without, every Statement counts.  Files
 * that hold neither are skipped.  Pushes each subject's sha256 (lowercase
 * hex) to digests, sorted and unique.  -1 when dir cannot be read. */
int vouch_collect(const char *dir, const struct sign_key *pub, struct strv *digests, struct err *e);
/* 1 when hex is in the sorted digests. */
int vouch_has(const struct strv *digests, const char *hex);

#endif
