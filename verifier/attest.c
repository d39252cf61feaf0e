/* SPDX-License-Identifier: MIT */
/* Reading rebuilders' signed verification summaries and tallying, per
 * artifact, which trusted keys vouch for which digest. */
#include "verifier/attest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder/matrix.h"
#include "builder/recipe.h"
#include "core/base64.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "verifier/vsa.h"

static char *dup_or_null(const cJSON *s)
{
	return cJSON_IsString(s) ? xstrdup(s->valuestring) : NULL;
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* Without trusted keys (merge only): the envelope's payload and keyid hint,
 * unverified.  A sigstore bundle names its key in the publicKey hint. */
static int open_unverified(const cJSON *j, const char *file, char **payload, size_t *plen,
			   char **type, char **keyid, struct err *e)
{
	const cJSON *env = j, *sig;
	const char *hint = NULL;
	unsigned char *body = NULL;

	if (get(j, "mediaType")) {
		env = get(j, "dsseEnvelope");
		hint = cJSON_GetStringValue(
			get(get(get(j, "verificationMaterial"), "publicKey"), "hint"));
	}
	sig = cJSON_GetArrayItem(get(env, "signatures"), 0);
	if (!cJSON_IsString(get(env, "payload")) || !cJSON_IsString(get(env, "payloadType")) ||
	    !cJSON_IsObject(sig))
		return err_set(e, "%s: not a DSSE envelope (payload, payloadType, signatures)",
			       file);
	if (base64_decode(json_str(env, "payload"), file, &body, plen, e) < 0)
		return -1;
	*payload = (char *)body;
	*type = xstrdup(json_str(env, "payloadType"));
	if (json_str(sig, "keyid") && *json_str(sig, "keyid")) {
		*keyid = xstrdup(json_str(sig, "keyid"));
	} else if (hint) {
		/* The bundle's hint is the same sha256 in base64: name the key
		 * the way envelopes do, so one key is one rebuilder. */
		unsigned char *raw = NULL;
		size_t n = 0;
		struct err he = ERR_INIT;
		if (base64_decode(hint, file, &raw, &n, &he) == 0 && n == 32) {
			char *hex = xmalloc(65);
			for (size_t i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", raw[i]);
			*keyid = hex;
		} else {
			*keyid = xstrdup(hint);
		}
		free(raw);
	}
	return 0;
}

/* Checks that the statement vouches, under lockstep's byte-identical
 * rebuild policy, for its subjects, and fills s.  A "no" (ERR_NO) says
 * why the summary counts zero. */
static int read_vsa(const char *text, size_t len, struct attest_summary *s, struct err *e)
{
	const cJSON *p, *pol, *c, *subj;
	cJSON *j = NULL;
	char policy_digest[DIGEST_HEX_LEN + 1];
	const char *pd, *res;
	struct err se = ERR_INIT;
	int has_level = 0, ret = -1;

	if (dsse_check_statement(text, len, s->file, &se) < 0) {
		err_setk(e, ERR_NO, "not an in-toto statement: %s", se.msg);
		goto out;
	}
	if (json_parse_buf(text, len, s->file, &j, e) < 0)
		goto out;
	if (!json_str(j, "predicateType") ||
	    strcmp(json_str(j, "predicateType"), VSA_PREDICATE_TYPE)) {
		err_setk(e, ERR_NO, "predicateType \"%s\" is not a SLSA verification summary",
			 json_str(j, "predicateType") ? json_str(j, "predicateType") : "");
		goto out;
	}
	p = get(j, "predicate");
	res = cJSON_GetStringValue(get(p, "verificationResult"));
	if (!res || strcmp(res, "PASSED")) {
		err_setk(e, ERR_NO, "verificationResult is \"%s\", not \"PASSED\"",
			 res ? res : "(none)");
		goto out;
	}
	pol = get(p, "policy");
	pd = cJSON_GetStringValue(get(get(pol, "digest"), "sha256"));
	digest_buf(VSA_POLICY_TEXT, strlen(VSA_POLICY_TEXT), policy_digest);
	if (!json_str(pol, "uri") || strcmp(json_str(pol, "uri"), VSA_POLICY_URI) || !pd ||
	    strcmp(pd, policy_digest)) {
		err_setk(e, ERR_NO,
			 "policy is not lockstep's byte-identical rebuild policy "
			 "(uri " VSA_POLICY_URI ", sha256 %.16s...)",
			 policy_digest);
		goto out;
	}
	cJSON_ArrayForEach(c, get(p, "verifiedLevels")) if (cJSON_IsString(c) &&
							    !strcmp(c->valuestring, VSA_LEVEL))
		has_level = 1;
	if (!has_level) {
		err_setk(e, ERR_NO, "verifiedLevels lacks \"" VSA_LEVEL "\"");
		goto out;
	}
	s->resource_uri = dup_or_null(get(p, "resourceUri"));
	s->verifier_id = dup_or_null(get(get(p, "verifier"), "id"));
	if (!s->resource_uri || !*s->resource_uri || !s->verifier_id) {
		err_setk(e, ERR_NO, "a verification summary needs resourceUri and verifier.id");
		goto out;
	}
	/* The version sits in the subjects' annotations (the in-toto VSA proto
	 * has no verifier.version); summaries from before kept it there. */
	s->verifier_version = dup_or_null(
		get(get(get(cJSON_GetArrayItem(get(j, "subject"), 0), "annotations"),
			VSA_VERSION_ANNOTATION),
		    "lockstep"));
	if (!s->verifier_version)
		s->verifier_version = dup_or_null(
			get(get(get(p, "verifier"), "version"), "lockstep"));
	s->time_verified = dup_or_null(get(p, "timeVerified"));
	s->provenance_sha256 = dup_or_null(
		get(get(cJSON_GetArrayItem(get(p, "inputAttestations"), 0), "digest"), "sha256"));
	subj = get(j, "subject");
	s->subjects = xcalloc((size_t)cJSON_GetArraySize(subj), sizeof(*s->subjects));
	cJSON_ArrayForEach(c, subj)
	{
		const char *name = cJSON_GetStringValue(get(c, "name"));
		const char *sha = cJSON_GetStringValue(get(get(c, "digest"), "sha256"));
		if (!name || !*name || !sha) {
			err_setk(e, ERR_NO, "subject[%zu] needs a name and a sha256 digest",
				 s->nsubjects);
			goto out;
		}
		for (size_t i = 0; i < s->nsubjects; i++)
			if (!strcmp(s->subjects[i].name, name)) {
				err_setk(e, ERR_NO, "subject \"%s\" is named twice", name);
				goto out;
			}
		s->subjects[s->nsubjects].name = xstrdup(name);
		s->subjects[s->nsubjects].sha256 = xstrdup(sha);
		s->nsubjects++;
	}
	ret = 0;
out:
	cJSON_Delete(j);
	return ret;
}

/* Reads one file into s: -1 only for input we cannot judge at all
 * (unreadable, not JSON, a malformed envelope); a summary that counts zero
 * is 0 with s->reason set. */
static int read_one(const char *file, const struct attest_keyring *kr, struct attest_summary *s,
		    struct err *e)
{
	char *buf = NULL, *payload = NULL, *type = NULL;
	size_t len = 0, plen = 0;
	cJSON *j = NULL;
	struct err ve = ERR_INIT;
	int ret = -1;

	s->file = xstrdup(file);
	if (fs_read_file(file, JSON_MAX_FILE, &buf, &len, e) < 0 ||
	    json_parse_buf(buf, len, file, &j, e) < 0)
		goto out;
	if (!cJSON_IsObject(j)) {
		err_set(e, "%s: expected a DSSE envelope (a JSON object)", file);
		goto out;
	}
	if (get(j, "_type")) {
		s->reason = xstrdup("not signed: a bare statement, not a DSSE envelope");
		ret = 0;
		goto out;
	}
	if (!kr) {
		if (open_unverified(j, file, &payload, &plen, &type, &s->keyid, e) < 0)
			goto out;
		if (!s->keyid) {
			s->reason = xstrdup(
				"names no keyid: without --pubkeys its signer is unknown");
			ret = 0;
			goto out;
		}
	} else {
		for (size_t i = 0; i < kr->nkeys; i++) {
			err_clear(&ve);
			if (dsse_verify_ex(kr->keys[i].key, buf, len, file, &payload, &plen, &type,
					   NULL, &ve) == 0) {
				/* Identity is the key that verified, not the keyid it names. */
				s->keyid = xstrdup(sign_key_id(kr->keys[i].key));
				s->key_file = kr->keys[i].file;
				break;
			}
			if (ve.kind != ERR_NO) {
				*e = ve;
				goto out;
			}
		}
		if (!s->keyid) {
			const cJSON *sig = cJSON_GetArrayItem(get(j, "signatures"), 0);
			const char *named = cJSON_GetStringValue(get(sig, "keyid"));
			s->reason = xasprintf(
				"bad signature: no trusted key verifies it (it names keyid %s)",
				named && *named ? named : "(none)");
			ret = 0;
			goto out;
		}
	}
	if (strcmp(type, DSSE_INTOTO_TYPE)) {
		s->reason = xasprintf("payloadType \"%s\" is not an in-toto statement", type);
	} else if (read_vsa(payload, plen, s, &ve) < 0) {
		if (ve.kind != ERR_NO) {
			*e = ve;
			goto out;
		}
		s->reason = xstrdup(ve.msg);
	} else {
		s->counted = 1;
	}
	ret = 0;
out:
	cJSON_Delete(j);
	free(buf);
	free(payload);
	free(type);
	return ret;
}

static struct attest_artifact *find_artifact(struct attest_tally *t, const char *uri,
					     const char *name)
{
	for (size_t i = 0; i < t->narts; i++)
		if (!strcmp(t->arts[i].resource_uri, uri) && !strcmp(t->arts[i].name, name))
			return &t->arts[i];
	t->arts = xrealloc(t->arts, (t->narts + 1) * sizeof(*t->arts));
	memset(&t->arts[t->narts], 0, sizeof(*t->arts));
	t->arts[t->narts].resource_uri = uri;
	t->arts[t->narts].name = name;
	return &t->arts[t->narts++];
}

/* Casts s's vote for one subject; returns 1 when the vote is new (not one
 * its key already cast for this artifact). */
static int cast(struct attest_tally *t, const struct attest_summary *s,
		const struct attest_subject *sub)
{
	struct attest_artifact *a = find_artifact(t, s->resource_uri, sub->name);
	struct attest_voter *v;
	int other = 0;

	for (size_t i = 0; i < a->nvoters; i++) {
		if (strcmp(a->voters[i].keyid, s->keyid))
			continue;
		if (!strcmp(a->voters[i].sha256, sub->sha256)) {
			strv_push(&a->voters[i].files, s->file);
			return 0;
		}
		other = 1;
	}
	a->voters = xrealloc(a->voters, (a->nvoters + 1) * sizeof(*a->voters));
	v = &a->voters[a->nvoters++];
	memset(v, 0, sizeof(*v));
	v->keyid = s->keyid;
	v->key_file = s->key_file;
	v->sha256 = sub->sha256;
	strv_push(&v->files, s->file);
	/* One key, two digests for one artifact: it vouches for neither. */
	if (other)
		for (size_t i = 0; i < a->nvoters; i++)
			if (!strcmp(a->voters[i].keyid, s->keyid))
				a->voters[i].contradicts = 1;
	return 1;
}

int attest_read(const char *const *files, size_t n, const struct attest_keyring *kr,
		struct attest_tally *t, struct err *e)
{
	memset(t, 0, sizeof(*t));
	t->checked = kr != NULL;
	if (n > ATTEST_MAX_INPUTS)
		return err_set(e, "%zu summaries: at most %u per run", n, ATTEST_MAX_INPUTS);
	t->sums = xcalloc(n ? n : 1, sizeof(*t->sums));
	for (size_t i = 0; i < n; i++) {
		struct attest_summary *s = &t->sums[i];
		size_t fresh = 0;

		t->nsums++;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(files[j], files[i]))
				return err_set(e, "%s: given twice", files[i]);
		if (read_one(files[i], kr, s, e) < 0)
			return -1;
		if (!s->counted)
			continue;
		t->ncounted++;
		for (size_t j = 0; j < s->nsubjects; j++)
			fresh += cast(t, s, &s->subjects[j]);
		s->duplicate = fresh == 0;
	}
	return 0;
}

int attest_unanimous(const struct attest_artifact *a)
{
	for (size_t i = 0; i < a->nvoters; i++)
		if (strcmp(a->voters[i].sha256, a->voters[0].sha256))
			return 0;
	return a->nvoters > 0;
}

int attest_expect_recipe(struct attest_tally *t, const char *path, struct err *e)
{
	struct recipe r;
	struct strv cells = STRV_INIT, uris = STRV_INIT;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	if (recipe_load(path, &r, e) < 0 || matrix_cells(&r, &cells, e) < 0)
		goto out;
	/* The same resourceUri verifier/verify.c gives a summary. */
	if (!cells.n)
		strv_pushf(&uris, "urn:lockstep:recipe:%s:%s", r.name, r.version);
	for (size_t i = 0; i < cells.n; i++)
		strv_pushf(&uris, "urn:lockstep:recipe:%s:%s:%s", r.name, r.version, cells.v[i]);
	for (size_t i = 0; i < uris.n; i++)
		/* A glob's files are known only from a build: the recipe
		 * promises the ones it names. */
		for (size_t j = 0; j < r.noutputs; j++)
			if (recipe_output_published(&r.outputs[j]))
				strv_pushf(&t->expected, "%s\t%s", uris.v[i],
					   recipe_output_published(&r.outputs[j]));
	for (size_t i = 0; i < t->expected.n; i++) {
		char *tab = strchr(t->expected.v[i], '\t');
		*tab = '\0';
		/* find_artifact adds it, with no voters, when nobody named it. */
		find_artifact(t, t->expected.v[i], tab + 1);
	}
	ret = 0;
out:
	recipe_release(&r);
	strv_release(&cells);
	strv_release(&uris);
	return ret;
}

size_t attest_votes_for(const struct attest_artifact *a, const char *sha256)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nvoters; i++)
		if (!a->voters[i].contradicts && !strcmp(a->voters[i].sha256, sha256))
			n++;
	return n;
}

void attest_decide(struct attest_tally *t, size_t k)
{
	for (size_t i = 0; i < t->narts; i++) {
		struct attest_artifact *a = &t->arts[i];
		size_t meeting = 0, best = 0;

		a->ndigests = 0;
		a->agreed = NULL;
		for (size_t j = 0; j < a->nvoters; j++) {
			const struct attest_voter *v = &a->voters[j];
			size_t seen = 0, votes;
			if (v->contradicts)
				continue;
			for (size_t m = 0; m < j; m++)
				if (!a->voters[m].contradicts &&
				    !strcmp(a->voters[m].sha256, v->sha256))
					seen = 1;
			if (seen)
				continue;
			a->ndigests++;
			votes = attest_votes_for(a, v->sha256);
			if (votes > best)
				best = votes;
			if (votes >= k) {
				meeting++;
				a->agreed = v->sha256;
			}
		}
		/* Two digests each with K keys is no agreement at all. */
		if (meeting != 1)
			a->agreed = NULL;
		a->agreed_keys = a->agreed ? attest_votes_for(a, a->agreed) : best;
		if (a->agreed)
			a->verdict = a->ndigests == 1 ? ATTEST_AGREED : ATTEST_DISSENT;
		else
			a->verdict = a->ndigests > 1 ? ATTEST_DISPUTED : ATTEST_SHORT;
	}
}

int attest_policy_met(const struct attest_tally *t)
{
	if (!t->ncounted || !t->narts)
		return 0;
	for (size_t i = 0; i < t->narts; i++)
		if (t->arts[i].verdict != ATTEST_AGREED && t->arts[i].verdict != ATTEST_DISSENT)
			return 0;
	return 1;
}

const char *attest_verdict_name(enum attest_verdict v)
{
	switch (v) {
	case ATTEST_AGREED:
		return "agreed";
	case ATTEST_DISSENT:
		return "agreed-with-dissent";
	case ATTEST_DISPUTED:
		return "disputed";
	case ATTEST_SHORT:
		return "too-few-keys";
	}
	return "?";
}

void attest_tally_release(struct attest_tally *t)
{
	for (size_t i = 0; i < t->nsums; i++) {
		struct attest_summary *s = &t->sums[i];
		for (size_t j = 0; j < s->nsubjects; j++) {
			free(s->subjects[j].name);
			free(s->subjects[j].sha256);
		}
		free(s->subjects);
		free(s->file);
		free(s->reason);
		free(s->keyid);
		free(s->resource_uri);
		free(s->verifier_id);
		free(s->verifier_version);
		free(s->time_verified);
		free(s->provenance_sha256);
	}
	for (size_t i = 0; i < t->narts; i++) {
		for (size_t j = 0; j < t->arts[i].nvoters; j++)
			strv_release(&t->arts[i].voters[j].files);
		free(t->arts[i].voters);
	}
	free(t->sums);
	free(t->arts);
	strv_release(&t->expected);
	memset(t, 0, sizeof(*t));
}

static cJSON *voter_json(const struct attest_voter *v)
{
	cJSON *o = cJSON_CreateObject(), *f = cJSON_AddArrayToObject(o, "summaries");

	json_add_str(o, "keyid", v->keyid);
	if (v->key_file)
		json_add_str(o, "keyFile", v->key_file);
	for (size_t i = 0; i < v->files.n; i++)
		cJSON_AddItemToArray(f, cJSON_CreateString(v->files.v[i]));
	return o;
}

static cJSON *artifact_json(const struct attest_artifact *a)
{
	cJSON *o = cJSON_CreateObject(), *ds, *cs;

	json_add_str(o, "resourceUri", a->resource_uri);
	json_add_str(o, "name", a->name);
	json_add_str(o, "verdict", attest_verdict_name(a->verdict));
	if (a->agreed)
		json_add_sha256(o, a->agreed);
	else
		cJSON_AddNullToObject(o, "digest");
	cJSON_AddNumberToObject(o, "keys", (double)a->agreed_keys);
	ds = cJSON_AddArrayToObject(o, "digests");
	cs = cJSON_AddArrayToObject(o, "contradicting");
	for (size_t i = 0; i < a->nvoters; i++) {
		const struct attest_voter *v = &a->voters[i];
		cJSON *d = NULL, *keys;
		int seen = 0;
		if (v->contradicts) {
			cJSON *c = voter_json(v);
			json_add_sha256(c, v->sha256);
			cJSON_AddItemToArray(cs, c);
			continue;
		}
		for (size_t m = 0; m < i; m++)
			if (!a->voters[m].contradicts && !strcmp(a->voters[m].sha256, v->sha256))
				seen = 1;
		if (seen)
			continue;
		d = cJSON_CreateObject();
		json_add_str(d, "sha256", v->sha256);
		keys = cJSON_AddArrayToObject(d, "keys");
		for (size_t m = i; m < a->nvoters; m++)
			if (!a->voters[m].contradicts && !strcmp(a->voters[m].sha256, v->sha256))
				cJSON_AddItemToArray(keys, voter_json(&a->voters[m]));
		cJSON_AddItemToArray(ds, d);
	}
	return o;
}

cJSON *attest_agree_json(const struct attest_tally *t, const struct attest_keyring *kr, size_t k)
{
	cJSON *j = cJSON_CreateObject(), *a;

	json_add_str(j, "schema", ATTEST_AGREE_SCHEMA);
	cJSON_AddNumberToObject(j, "require", (double)k);
	cJSON_AddBoolToObject(j, "policyMet", attest_policy_met(t));
	a = cJSON_AddArrayToObject(j, "trustedKeys");
	for (size_t i = 0; kr && i < kr->nkeys; i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "file", kr->keys[i].file);
		json_add_str(o, "keyid", sign_key_id(kr->keys[i].key));
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "skippedKeyFiles");
	for (size_t i = 0; kr && i < kr->nskipped; i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "file", kr->skipped[i].file);
		json_add_str(o, "reason", kr->skipped[i].reason);
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "summaries");
	for (size_t i = 0; i < t->nsums; i++) {
		const struct attest_summary *s = &t->sums[i];
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "file", s->file);
		json_add_str(o, "status",
			     !s->counted    ? "rejected"
			     : s->duplicate ? "duplicate"
					    : "counted");
		if (s->counted) {
			json_add_str(o, "keyid", s->keyid);
			if (s->key_file)
				json_add_str(o, "keyFile", s->key_file);
			json_add_str(o, "resourceUri", s->resource_uri);
		} else {
			json_add_str(o, "reason", s->reason);
		}
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "artifacts");
	for (size_t i = 0; i < t->narts; i++)
		cJSON_AddItemToArray(a, artifact_json(&t->arts[i]));
	return j;
}
