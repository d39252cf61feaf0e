/* SPDX-License-Identifier: MIT */
/* The release-level summary: many rebuilders' verification summaries
 * merged into one in-toto statement (docs/attestation.md). */
#include "verifier/attest.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "verifier/vsa.h"

const char *attest_merge_subject(const struct attest_artifact *a, size_t k)
{
	if (!k)
		return attest_unanimous(a) ? a->voters[0].sha256 : NULL;
	return a->verdict == ATTEST_AGREED || a->verdict == ATTEST_DISSENT ? a->agreed : NULL;
}

static cJSON *artifact_json(const struct attest_artifact *a, size_t k)
{
	cJSON *o = cJSON_CreateObject(), *ds = NULL;

	json_add_str(o, "name", a->name);
	if (k)
		json_add_str(o, "verdict", attest_verdict_name(a->verdict));
	else
		json_add_str(o, "verdict", attest_unanimous(a) ? "unanimous" : "disputed");
	ds = cJSON_AddArrayToObject(o, "digests");
	for (size_t i = 0; i < a->nvoters; i++) {
		cJSON *d, *r;
		size_t m;
		for (m = 0; m < i; m++)
			if (!strcmp(a->voters[m].sha256, a->voters[i].sha256))
				break;
		if (m < i)
			continue;
		d = cJSON_CreateObject();
		json_add_str(d, "sha256", a->voters[i].sha256);
		r = cJSON_AddArrayToObject(d, "rebuilders");
		for (m = i; m < a->nvoters; m++)
			if (!strcmp(a->voters[m].sha256, a->voters[i].sha256))
				cJSON_AddItemToArray(r, cJSON_CreateString(a->voters[m].keyid));
		cJSON_AddItemToArray(ds, d);
	}
	return o;
}

/* cells: one entry per resourceUri, its artifacts in order of appearance. */
static cJSON *cells_json(const struct attest_tally *t, size_t k)
{
	cJSON *cells = cJSON_CreateArray();

	for (size_t i = 0; i < t->narts; i++) {
		cJSON *c = NULL, *arts;
		size_t m;
		for (m = 0; m < i; m++)
			if (!strcmp(t->arts[m].resource_uri, t->arts[i].resource_uri))
				break;
		if (m < i)
			continue;
		c = cJSON_CreateObject();
		json_add_str(c, "resourceUri", t->arts[i].resource_uri);
		arts = cJSON_AddArrayToObject(c, "artifacts");
		for (m = i; m < t->narts; m++)
			if (!strcmp(t->arts[m].resource_uri, t->arts[i].resource_uri))
				cJSON_AddItemToArray(arts, artifact_json(&t->arts[m], k));
		cJSON_AddItemToArray(cells, c);
	}
	return cells;
}

static cJSON *summary_json(const struct attest_summary *s)
{
	cJSON *o = cJSON_CreateObject(), *v;

	json_add_str(o, "file", s->file);
	json_add_str(o, "resourceUri", s->resource_uri);
	v = cJSON_AddObjectToObject(o, "verifier");
	json_add_str(v, "id", s->verifier_id);
	if (s->verifier_version)
		json_add_str(cJSON_AddObjectToObject(v, "version"), "lockstep",
			     s->verifier_version);
	if (s->time_verified)
		json_add_str(o, "timeVerified", s->time_verified);
	if (s->provenance_sha256) {
		cJSON *p = cJSON_AddObjectToObject(o, "provenance");
		json_add_str(cJSON_AddObjectToObject(p, "digest"), "sha256", s->provenance_sha256);
	}
	cJSON_AddBoolToObject(o, "duplicate", s->duplicate);
	return o;
}

/* rebuilders: one entry per key, with every summary it signed. */
static cJSON *rebuilders_json(const struct attest_tally *t)
{
	cJSON *rs = cJSON_CreateArray();

	for (size_t i = 0; i < t->nsums; i++) {
		const struct attest_summary *s = &t->sums[i];
		cJSON *r, *sums;
		size_t m;
		if (!s->counted)
			continue;
		for (m = 0; m < i; m++)
			if (t->sums[m].counted && !strcmp(t->sums[m].keyid, s->keyid))
				break;
		if (m < i)
			continue;
		r = cJSON_CreateObject();
		json_add_str(r, "keyid", s->keyid);
		cJSON_AddBoolToObject(r, "keyidVerified", t->checked);
		if (s->key_file)
			json_add_str(r, "keyFile", s->key_file);
		sums = cJSON_AddArrayToObject(r, "summaries");
		for (m = i; m < t->nsums; m++)
			if (t->sums[m].counted && !strcmp(t->sums[m].keyid, s->keyid))
				cJSON_AddItemToArray(sums, summary_json(&t->sums[m]));
		cJSON_AddItemToArray(rs, r);
	}
	return rs;
}

static cJSON *predicate_json(const struct attest_tally *t, const struct attest_keyring *kr,
			     size_t k)
{
	cJSON *p = cJSON_CreateObject(), *pol, *a;
	char now[32], pd[DIGEST_HEX_LEN + 1];

	pol = cJSON_AddObjectToObject(p, "policy");
	json_add_str(pol, "uri", VSA_POLICY_URI);
	digest_buf(VSA_POLICY_TEXT, strlen(VSA_POLICY_TEXT), pd);
	json_add_sha256(pol, pd);
	cJSON_AddBoolToObject(p, "signaturesChecked", t->checked);
	/* 0: a subject is what every rebuilder naming it agrees on. */
	cJSON_AddNumberToObject(p, "require", (double)k);
	a = cJSON_AddArrayToObject(p, "trustedKeys");
	for (size_t i = 0; kr && i < kr->nkeys; i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "keyid", sign_key_id(kr->keys[i].key));
		json_add_str(o, "file", kr->keys[i].file);
		cJSON_AddItemToArray(a, o);
	}
	cJSON_AddItemToObject(p, "cells", cells_json(t, k));
	cJSON_AddItemToObject(p, "rebuilders", rebuilders_json(t));
	a = cJSON_AddArrayToObject(p, "rejected");
	for (size_t i = 0; i < t->nsums; i++) {
		cJSON *o;
		if (t->sums[i].counted)
			continue;
		o = cJSON_CreateObject();
		json_add_str(o, "file", t->sums[i].file);
		json_add_str(o, "reason", t->sums[i].reason);
		cJSON_AddItemToArray(a, o);
	}
	clock_rfc3339(clock_now(), now);
	json_add_str(p, "timeMerged", now);
	json_add_str(cJSON_AddObjectToObject(p, "merger"), "lockstep", LOCKSTEP_VERSION);
	return p;
}

int attest_merge(const struct attest_tally *t, const struct attest_keyring *kr, size_t k,
		 const struct sign_key *key, char **out, struct err *e)
{
	cJSON *st = cJSON_CreateObject(), *subj;
	char *text = NULL;
	size_t agreed = 0;
	int ret = -1;

	*out = NULL;
	json_add_str(st, "_type", DSSE_STATEMENT_V1);
	subj = cJSON_AddArrayToObject(st, "subject");
	for (size_t i = 0; i < t->narts; i++) {
		const struct attest_artifact *a = &t->arts[i];
		const char *digest = attest_merge_subject(a, k);
		cJSON *s, *an;
		/* Disputes and artifacts short of K stay in the predicate, for
		 * people to read; they are not subjects. */
		if (!digest)
			continue;
		s = cJSON_CreateObject();
		json_add_str(s, "name", a->name);
		json_add_sha256(s, digest);
		an = cJSON_AddObjectToObject(s, "annotations");
		json_add_str(an, "resourceUri", a->resource_uri);
		cJSON_AddNumberToObject(an, "rebuilders",
					(double)(k ? a->agreed_keys : a->nvoters));
		if (k && a->verdict == ATTEST_DISSENT)
			cJSON_AddBoolToObject(an, "dissent", 1);
		cJSON_AddItemToArray(subj, s);
		agreed++;
	}
	if (!agreed) {
		if (k)
			err_setk(e, ERR_NO,
				 "no artifact has one digest vouched for by %zu keys (%zu of "
				 "%zu summaries counted): nothing to attest",
				 k, t->ncounted, t->nsums);
		else
			err_setk(e, ERR_NO,
				 "no artifact is agreed on by the rebuilders that name it "
				 "(%zu of %zu summaries counted): nothing to attest",
				 t->ncounted, t->nsums);
		goto out;
	}
	json_add_str(st, "predicateType", ATTEST_SUMMARY_TYPE);
	cJSON_AddItemToObject(st, "predicate", predicate_json(t, kr, k));
	text = json_print(st);
	/* What we write must pass the same strict check `lockstep sign` applies. */
	if (dsse_check_statement(text, strlen(text), "merged summary", e) < 0)
		goto out;
	if (key) {
		if (dsse_sign(key, DSSE_INTOTO_TYPE, text, strlen(text), out, e) < 0)
			goto out;
	} else {
		*out = text;
		text = NULL;
	}
	ret = 0;
out:
	cJSON_Delete(st);
	free(text);
	return ret;
}
