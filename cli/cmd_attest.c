/* SPDX-License-Identifier: MIT */
/* `lockstep attest agree|merge`: k-of-n agreement across independent
 * rebuilders' signed verification summaries, and one release-level summary
 * of them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/sign.h"
#include "verifier/attest.h"

static const char usage[] =
	"usage: lockstep attest agree --require K --pubkeys DIR [--recipe RECIPE]\n"
	"                             [--json] [-q] VSA...\n"
	"       lockstep attest merge VSA... -o OUT [--pubkeys DIR [--require K]]\n"
	"                             [--key KEY] [--passphrase-file F]\n"
	"\n"
	"VSA... are the signed verification summaries (DSSE envelopes) that\n"
	"`lockstep verify --key` writes, from any number of rebuilders, cells and\n"
	"machines.  An artifact is a subject name within one resourceUri (one\n"
	"recipe, version and matrix cell).\n"
	"\n"
	"agree: the trusted keys are every public key PEM file in DIR.  A summary\n"
	"counts when a trusted key verifies its signature (that key is the\n"
	"rebuilder's identity) and it is a PASSED lockstep byte-identical-rebuild\n"
	"summary; a key counts once per artifact however many summaries it signed.\n"
	"Exit 0 only when every artifact any counted summary names has exactly one\n"
	"digest vouched for by at least K distinct trusted keys.  Rejected\n"
	"summaries, duplicates and dissenting rebuilders are reported.\n"
	"  --recipe RECIPE  also require every artifact RECIPE promises (each\n"
	"                   output of each matrix cell), named by a summary or not\n"
	"  --json   print the report as JSON (schema lockstep-agree/1)\n"
	"  -q       print only what is wrong and the verdict\n"
	"\n"
	"merge: writes OUT (atomically), an in-toto statement (predicateType\n"
	"https://lockstep.dev/attestation-summary/v1) whose subjects are the\n"
	"artifacts every rebuilder naming them agrees on, listing cells,\n"
	"rebuilders, digests and rejected inputs; with --key, OUT is its DSSE\n"
	"envelope instead.  Without --pubkeys, signatures are not checked and the\n"
	"summary says so (rebuilders are then named by their envelopes' keyids).\n"
	"  --require K  a subject is the one digest at least K distinct trusted\n"
	"               keys vouch for, even when another rebuilder dissents (the\n"
	"               dissent is annotated): the artifacts `attest agree\n"
	"               --require K` accepts (needs --pubkeys)\n"
	"\n"
	"See docs/attestation.md.\n"
	"exit status: agree: 0 policy met, 1 not met; merge: 0 written, 1 nothing\n"
	"agreed to attest; 2 usage error or bad input (unreadable file, not JSON,\n"
	"malformed envelope, K < 1, no trusted key in DIR).";

/* The first 16 hex digits: enough to tell keys apart on a terminal; the
 * JSON report carries the whole id. */
static void print_key(const char *keyid, const char *file)
{
	printf("%.16s", keyid);
	if (file)
		printf(" (%s)", file);
}

static void print_keyring(const struct attest_keyring *kr)
{
	for (size_t i = 0; i < kr->nkeys; i++)
		printf("trusted: %s: keyid %s\n", kr->keys[i].file, sign_key_id(kr->keys[i].key));
	for (size_t i = 0; i < kr->nskipped; i++)
		printf("skipped: %s: %s\n", kr->skipped[i].file, kr->skipped[i].reason);
}

static void print_summaries(const struct attest_tally *t, int quiet)
{
	for (size_t i = 0; i < t->nsums; i++) {
		const struct attest_summary *s = &t->sums[i];
		if (!s->counted) {
			printf("rejected: %s: %s: counts zero\n", s->file, s->reason);
			continue;
		}
		if (quiet && !s->duplicate)
			continue;
		printf("%s: %s: key ", s->duplicate ? "duplicate" : "counted", s->file);
		print_key(s->keyid, s->key_file);
		printf(", %s, %zu artifact%s%s\n", s->resource_uri, s->nsubjects,
		       s->nsubjects == 1 ? "" : "s",
		       s->duplicate ? ": its key already vouched for the same, counts once" : "");
	}
}

/* One line per digest: who vouches for it, with the summaries they signed. */
static void print_sides(const struct attest_artifact *a)
{
	for (size_t i = 0; i < a->nvoters; i++) {
		const struct attest_voter *v = &a->voters[i];
		size_t n, m, first = 1;
		if (v->contradicts)
			continue;
		for (m = 0; m < i; m++)
			if (!a->voters[m].contradicts && !strcmp(a->voters[m].sha256, v->sha256))
				break;
		if (m < i)
			continue;
		n = attest_votes_for(a, v->sha256);
		printf("    sha256 %s: %zu key%s:", v->sha256, n, n == 1 ? "" : "s");
		for (m = i; m < a->nvoters; m++) {
			const struct attest_voter *w = &a->voters[m];
			if (w->contradicts || strcmp(w->sha256, v->sha256))
				continue;
			printf("%s ", first ? "" : ";");
			print_key(w->keyid, w->key_file);
			printf(" in %s", w->files.v[0]);
			for (size_t f = 1; f < w->files.n; f++)
				printf(", %s", w->files.v[f]);
			first = 0;
		}
		putchar('\n');
	}
	if (!a->nvoters)
		printf("    no counted summary names it\n");
	for (size_t i = 0; i < a->nvoters; i++) {
		const struct attest_voter *v = &a->voters[i];
		if (!v->contradicts)
			continue;
		printf("    contradicts itself: key ");
		print_key(v->keyid, v->key_file);
		printf(" also vouches for sha256 %s in %s: counts for neither digest\n", v->sha256,
		       v->files.v[0]);
	}
}

static void print_artifacts(const struct attest_tally *t, size_t k, int quiet)
{
	for (size_t i = 0; i < t->narts; i++) {
		const struct attest_artifact *a = &t->arts[i];
		/* Every key naming it, counted or contradicting, backs the digest. */
		int unanimous = a->verdict == ATTEST_AGREED && a->nvoters == a->agreed_keys;
		switch (a->verdict) {
		case ATTEST_AGREED:
			if (!quiet || !unanimous)
				printf("agreed: %s \"%s\": sha256 %s, %zu key%s\n", a->resource_uri,
				       a->name, a->agreed, a->agreed_keys,
				       a->agreed_keys == 1 ? "" : "s");
			break;
		case ATTEST_DISSENT:
			printf("agreed with dissent: %s \"%s\": sha256 %s has %zu of %zu required keys; "
			       "others disagree:\n",
			       a->resource_uri, a->name, a->agreed, a->agreed_keys, k);
			break;
		case ATTEST_DISPUTED:
			printf("disagreement: %s \"%s\": %zu digests, none vouched for by %zu keys "
			       "alone:\n",
			       a->resource_uri, a->name, a->ndigests, k);
			break;
		case ATTEST_SHORT:
			printf("too few keys: %s \"%s\": %zu key%s, %zu required:\n",
			       a->resource_uri, a->name, a->agreed_keys,
			       a->agreed_keys == 1 ? "" : "s", k);
			break;
		}
		if (!unanimous)
			print_sides(a);
	}
}

static int parse_k(const char *s, size_t *k)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 1000000)
		return -1;
	*k = v;
	return 0;
}

static int attest_agree(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "require", required_argument, NULL, 'k' },
		{ "pubkeys", required_argument, NULL, 'p' },
		{ "recipe", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attest_keyring kr = { 0 };
	struct attest_tally t = { 0 };
	struct err e = ERR_INIT;
	const char *dir = NULL, *kstr = NULL, *recipe = NULL;
	size_t k = 0;
	int c, json = 0, quiet = 0, ret = EXIT_ERR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kstr = optarg;
			break;
		case 'p':
			dir = optarg;
			break;
		case 'r':
			recipe = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			puts(usage);
			return EXIT_OK;
		default:
			return cli_bad_option("attest agree", argv, "qh");
		}
	}
	if (!kstr || !dir)
		return cli_usage_error("attest agree", "expected --require K and --pubkeys DIR");
	if (parse_k(kstr, &k) < 0)
		return cli_usage_error("attest agree",
				       "--require \"%s\": expected a whole number >= 1", kstr);
	if (optind >= argc)
		return cli_usage_error("attest agree", "expected at least one VSA");
	if (attest_keyring_load(dir, &kr, &e) < 0 ||
	    attest_read((const char *const *)argv + optind, (size_t)(argc - optind), &kr, &t, &e) <
		    0 ||
	    (recipe && attest_expect_recipe(&t, recipe, &e) < 0))
		goto out;
	attest_decide(&t, k);
	if (json) {
		cli_json_print(attest_agree_json(&t, &kr, k));
	} else {
		if (!quiet)
			print_keyring(&kr);
		print_summaries(&t, quiet);
		print_artifacts(&t, k, quiet);
	}
	ret = attest_policy_met(&t) ? EXIT_OK : EXIT_NO;
	if (json)
		goto out;
	if (ret == EXIT_OK) {
		printf("policy met: %zu artifact%s, each vouched for by at least %zu of %zu trusted "
		       "keys (%zu of %zu summaries counted)\n",
		       t.narts, t.narts == 1 ? "" : "s", k, kr.nkeys, t.ncounted, t.nsums);
	} else if (k > kr.nkeys) {
		printf("policy not met: %zu keys required, only %zu trusted\n", k, kr.nkeys);
	} else if (!t.ncounted) {
		printf("policy not met: none of the %zu summaries counts\n", t.nsums);
	} else {
		size_t bad = 0;
		for (size_t i = 0; i < t.narts; i++)
			bad += t.arts[i].verdict == ATTEST_DISPUTED ||
			       t.arts[i].verdict == ATTEST_SHORT;
		printf("policy not met: %zu of %zu artifacts lack one digest vouched for by %zu "
		       "distinct trusted keys\n",
		       bad, t.narts, k);
	}
out:
	if (ret == EXIT_ERR)
		cli_fail(&e);
	attest_tally_release(&t);
	attest_keyring_release(&kr);
	return ret;
}

static int attest_merge_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pubkeys", required_argument, NULL, 'p' },
		{ "require", required_argument, NULL, 'r' },
		{ "key", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attest_keyring kr = { 0 };
	struct attest_tally t = { 0 };
	struct err e = ERR_INIT;
	struct sign_key *key = NULL;
	const char *out = NULL, *dir = NULL, *keypath = NULL, *passfile = NULL, *kstr = NULL;
	char *text = NULL, *pass = NULL;
	size_t cells = 0, rebuilders = 0, agreed = 0, k = 0;
	int c, ret = EXIT_ERR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'p':
			dir = optarg;
			break;
		case 'r':
			kstr = optarg;
			break;
		case 'k':
			keypath = optarg;
			break;
		case 'f':
			passfile = optarg;
			break;
		case 'h':
			puts(usage);
			return EXIT_OK;
		default:
			return cli_bad_option("attest merge", argv, "o:h");
		}
	}
	/* Counting keys means nothing when the keys are unverified hints. */
	if (kstr && !dir)
		return cli_usage_error("attest merge", "--require needs --pubkeys DIR");
	if (kstr && parse_k(kstr, &k) < 0)
		return cli_usage_error("attest merge",
				       "--require \"%s\": expected a whole number >= 1", kstr);
	if (!out)
		return cli_usage_error("attest merge", "expected -o OUT");
	if (optind >= argc)
		return cli_usage_error("attest merge", "expected at least one VSA");
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], out))
			return cli_usage_error("attest merge",
					       "\"%s\": the output is also an input", out);
	/* The key first: a typo fails before any reading. */
	if (keypath && passfile && sign_read_passphrase(passfile, &pass, &e) < 0)
		goto out;
	if (keypath && (passfile ? sign_key_load_private_pass(keypath, pass, &key, &e)
				 : sign_key_load_private(keypath, &key, &e)) < 0)
		goto out;
	if (dir && attest_keyring_load(dir, &kr, &e) < 0)
		goto out;
	if (attest_read((const char *const *)argv + optind, (size_t)(argc - optind),
			dir ? &kr : NULL, &t, &e) < 0)
		goto out;
	if (k)
		attest_decide(&t, k);
	if (attest_merge(&t, dir ? &kr : NULL, k, key, &text, &e) < 0)
		goto out;
	if (fs_write_atomic(out, text, strlen(text), 0644, &e) < 0)
		goto out;
	for (size_t i = 0; i < t.nsums; i++) {
		const struct attest_summary *s = &t.sums[i];
		size_t m;
		if (!s->counted) {
			printf("rejected: %s: %s\n", s->file, s->reason);
			continue;
		}
		for (m = 0; m < i && !(t.sums[m].counted && !strcmp(t.sums[m].keyid, s->keyid));
		     m++)
			;
		rebuilders += m == i;
		for (m = 0; m < i && !(t.sums[m].counted &&
				       !strcmp(t.sums[m].resource_uri, s->resource_uri));
		     m++)
			;
		cells += m == i;
	}
	for (size_t i = 0; i < t.narts; i++) {
		const struct attest_artifact *a = &t.arts[i];
		if (attest_merge_subject(a, k)) {
			agreed++;
			if (k && a->verdict == ATTEST_DISSENT)
				printf("dissent: %s \"%s\": merged with the digest %zu keys vouch for; "
				       "another rebuilder gives a different one\n",
				       a->resource_uri, a->name, a->agreed_keys);
		} else if (k) {
			printf("left out: %s \"%s\": no digest has %zu keys (%s)\n",
			       a->resource_uri, a->name, k, attest_verdict_name(a->verdict));
		} else {
			printf("disputed: %s \"%s\": its rebuilders give different digests\n",
			       a->resource_uri, a->name);
		}
	}
	printf("merged %zu of %zu summaries (%s): %zu cell%s, %zu rebuilder%s, %zu of %zu "
	       "artifacts %s -> %s%s\n",
	       t.ncounted, t.nsums, dir ? "signatures checked" : "signatures NOT checked", cells,
	       cells == 1 ? "" : "s", rebuilders, rebuilders == 1 ? "" : "s", agreed, t.narts,
	       k ? "agreed" : "unanimous", out, key ? " (signed)" : "");
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK)
		ret = cli_fail(&e);
	sign_key_free(key);
	sign_wipe_free(pass);
	attest_tally_release(&t);
	attest_keyring_release(&kr);
	free(text);
	return ret;
}

int cmd_attest(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("attest", "expected a subcommand: agree or merge");
	if (cli_is_help(argv[1])) {
		puts(usage);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "agree"))
		return attest_agree(argc - 1, argv + 1);
	if (!strcmp(argv[1], "merge"))
		return attest_merge_cmd(argc - 1, argv + 1);
	return cli_usage_error("attest", "\"%s\": not a subcommand (agree, merge)", argv[1]);
}
