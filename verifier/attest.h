/* SPDX-License-Identifier: MIT */
/* Agreement across independent rebuilders: many signed verification
 * summaries (the VSA envelopes `lockstep verify --key` writes) are read,
 * checked against a directory of trusted public keys, tallied per artifact
 * (resourceUri + subject name: which keys vouch for which digest), then
 * judged by a k-of-n policy (`attest agree`) or merged into one signed
 * release-level summary (`attest merge`).  docs/attestation.md says what
 * counts and what does not. */
#ifndef VERIFIER_ATTEST_H
#define VERIFIER_ATTEST_H

#include <stddef.h>
#include "core/alloc.h"
#include "core/err.h"
#include "core/json.h"
#include "core/sign.h"

#define ATTEST_MAX_INPUTS 4096    /* summaries per run */
#define ATTEST_MAX_KEY_FILES 1024 /* entries looked at in a --pubkeys directory */
#define ATTEST_SUMMARY_TYPE "https://lockstep.dev/attestation-summary/v1"
#define ATTEST_AGREE_SCHEMA "lockstep-agree/1"

/* The trusted keys: every public key PEM file in one directory. */
struct attest_key {
	char *file;           /* owned: DIR/NAME */
	struct sign_key *key; /* owned */
};
struct attest_skipped {
	char *file;   /* owned */
	char *reason; /* owned */
};
struct attest_keyring {
	struct attest_key *keys; /* owned */
	size_t nkeys;
	struct attest_skipped *skipped; /* owned: entries that are not a usable key */
	size_t nskipped;
};

/* Loads every entry of dir in byte order of names: public keys become
 * trusted, anything else (a private key, not PEM, a directory, a second
 * file holding a key already loaded) is listed in kr->skipped with the
 * reason.  No key at all, or an unreadable dir, is an error.  kr is filled
 * (release with attest_keyring_release, also after an error). */
int attest_keyring_load(const char *dir, struct attest_keyring *kr, struct err *e);
void attest_keyring_release(struct attest_keyring *kr);

struct attest_subject {
	char *name;   /* owned */
	char *sha256; /* owned */
};

/* One input file. */
struct attest_summary {
	char *file;           /* owned: as given */
	int counted;          /* 1: signature and content accepted, its votes are cast */
	int duplicate;        /* counted, but every vote it carries its key had already cast */
	char *reason;         /* owned: why it counts zero (NULL when counted) */
	char *keyid;          /* owned: id of the trusted key that verified it; without a
		       * keyring, the envelope's unverified keyid hint */
	const char *key_file; /* borrowed from the keyring: the file of that key */
	char *resource_uri, *verifier_id, *verifier_version, *time_verified; /* owned */
	char *provenance_sha256;         /* owned: inputAttestations[0], or NULL */
	struct attest_subject *subjects; /* owned */
	size_t nsubjects;
};

/* One key's word on one artifact: "this artifact has digest sha256". */
struct attest_voter {
	const char *keyid, *key_file; /* borrowed from the summary that cast it first */
	const char *sha256;           /* borrowed */
	int contradicts;              /* the same key vouched for another digest of this artifact
			   * too: it counts for neither */
	struct strv files; /* the summaries carrying this vote (more than one: duplicates) */
};

/* What agree decided about one artifact (attest_decide). */
enum attest_verdict {
	ATTEST_AGREED,   /* one digest has >= K keys, nobody dissents */
	ATTEST_DISSENT,  /* one digest has >= K keys, some key vouches for another */
	ATTEST_DISPUTED, /* digests differ and none (or more than one) has >= K keys */
	ATTEST_SHORT     /* all that vouch agree, but fewer than K keys */
};

struct attest_artifact {
	const char *resource_uri, *name; /* borrowed from the first summary naming it */
	struct attest_voter *voters;     /* owned */
	size_t nvoters;
	size_t ndigests; /* distinct digests among non-contradicting voters */
	enum attest_verdict verdict;
	const char *agreed; /* the digest vouched for by >= K keys when there is exactly one */
	size_t agreed_keys; /* how many keys vouch for agreed (else the best count) */
};

struct attest_tally {
	int checked;                 /* signatures were checked against a keyring */
	struct strv expected;        /* attest_expect_recipe: "URI\tNAME" strings the
			       * artifacts added for it borrow from */
	struct attest_summary *sums; /* owned, in input order */
	size_t nsums, ncounted;
	struct attest_artifact *arts; /* owned, in order of first appearance */
	size_t narts;
};

/* Reads files[0..n): each must be readable JSON (else -1, ERR_OP, naming
 * the file).  With kr, a summary counts when a trusted key verifies its
 * DSSE envelope (identity = that key, never the envelope's keyid) and its
 * statement is a PASSED VSA under lockstep's byte-identical-rebuild policy;
 * without kr (merge only) the payload is read unverified and the keyid
 * hint names the rebuilder.  Anything else counts zero with its reason.  A
 * malformed envelope is -1.  Fills t (release it also after an error). */
int attest_read(const char *const *files, size_t n, const struct attest_keyring *kr,
		struct attest_tally *t, struct err *e);
/* Adds every artifact the recipe at path promises (each cell's resourceUri,
 * as `lockstep verify` writes it, with each output's name) that no counted
 * summary names, with no keys behind it: a cell nobody vouched for then
 * fails the policy instead of going unnoticed.  Call after attest_read. */
int attest_expect_recipe(struct attest_tally *t, const char *path, struct err *e);
/* Judges every artifact of t against the k-of-n policy (k >= 1). */
void attest_decide(struct attest_tally *t, size_t k);
/* 1 when at least one summary counted and every artifact is AGREED or
 * DISSENT (after attest_decide). */
int attest_policy_met(const struct attest_tally *t);
/* The agree report, schema ATTEST_AGREE_SCHEMA (docs/attestation.md);
 * kr may be NULL.  Caller owns the result. */
cJSON *attest_agree_json(const struct attest_tally *t, const struct attest_keyring *kr, size_t k);
/* 1 when every key naming a is vouching for one same digest (no dissent,
 * no key contradicting itself): what merge makes a subject. */
int attest_unanimous(const struct attest_artifact *a);
/* Digest counts: distinct non-contradicting keys vouching for sha256. */
size_t attest_votes_for(const struct attest_artifact *a, const char *sha256);
const char *attest_verdict_name(enum attest_verdict v);
void attest_tally_release(struct attest_tally *t);

/* The digest merge makes a subject of a, or NULL.  k == 0: the digest
 * every counted rebuilder naming a agrees on.  k >= 1 (attest_decide(t, k)
 * has run): the one digest at least k keys vouch for, dissent or not, so a
 * release the k-of-n policy accepts gets every artifact as a subject. */
const char *attest_merge_subject(const struct attest_artifact *a, size_t k);
/* The release-level summary of t: an in-toto Statement v1 whose subjects
 * are the artifacts attest_merge_subject(a, k) names (each annotated with
 * its resourceUri, how many keys vouch for it, and a dissent) and whose
 * predicate (ATTEST_SUMMARY_TYPE) lists cells, rebuilders, digests and
 * rejected inputs.  With key, *out is the DSSE envelope around it; else the
 * statement.  -1 with ERR_NO when no artifact qualifies (an empty statement
 * is not valid in-toto).  Caller frees *out. */
int attest_merge(const struct attest_tally *t, const struct attest_keyring *kr, size_t k,
		 const struct sign_key *key, char **out, struct err *e);

#endif
