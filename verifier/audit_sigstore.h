/* SPDX-License-Identifier: MIT */
/* The sigstore bundle members of a release bundle, as audit checks them
 * (verifier/audit_sigstore.c; their names: verifier/bundle.h). */
#ifndef VERIFIER_AUDIT_SIGSTORE_H
#define VERIFIER_AUDIT_SIGSTORE_H

#include "core/alloc.h"
#include "core/err.h"

struct sign_key;

/* Which sigstore members the bundle's files (names as listed) hold: all
 * three (added to want, *absent 0), or none (*absent 1: a bundle made by a
 * lockstep from before them, still auditable).  Some but not all: ERR_NO
 * naming the first missing one. */
int audit_sigstore_members(const char *bundle, const struct strv *files, struct strv *want,
			   int *absent, struct err *e);

/* Each sigstore member read out of the bundle (capped) and checked against
 * the DSSE envelope beside it: both verify with trusted, carry the same
 * payloadType and payload bytes, and the bundle names trusted by its hint
 * (what sigstore verifiers look the key up by).  A mismatch is ERR_NO
 * naming the member.  One line a member goes to report. */
int audit_sigstore_check(const char *bundle, const struct sign_key *trusted, struct buf *report,
			 struct err *e);

#endif
