/* SPDX-License-Identifier: MIT */
/* Writing and checking SLSA verification summaries. */
#include "verifier/vsa.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#include "core/clock.h"
#include "core/digest.h"

char *vsa_uri_ref(const char *name)
{
	static const char hexd[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;
	int first_segment = 1;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == '/')
			first_segment = 0;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=@/", *p) ||
		    (*p == ':' && !first_segment))
			buf_add(&b, (const char *)p, 1);
		else
			buf_addf(&b, "%%%c%c", hexd[*p >> 4], hexd[*p & 15]);
	}
	return buf_take(&b, NULL);
}

cJSON *vsa_build(const struct vsa_subject *s, size_t n, const char *resource_uri,
		 const char *provenance_name, const char *provenance_sha256)
{
	cJSON *st = cJSON_CreateObject(), *subj, *p, *v, *pol, *ia, *a, *lv;
	char now[32], policy_digest[DIGEST_HEX_LEN + 1], *uri;

	json_add_str(st, "_type", "https://in-toto.io/Statement/v1");
	subj = cJSON_AddArrayToObject(st, "subject");
	for (size_t i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		json_add_str(r, "name", s[i].name);
		json_add_sha256(r, s[i].sha256);
		json_add_str(cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "annotations"),
						     VSA_VERSION_ANNOTATION),
			     "lockstep", LOCKSTEP_VERSION);
		cJSON_AddItemToArray(subj, r);
	}
	json_add_str(st, "predicateType", VSA_PREDICATE_TYPE);
	p = cJSON_AddObjectToObject(st, "predicate");
	v = cJSON_AddObjectToObject(p, "verifier");
	json_add_str(v, "id", VSA_VERIFIER_ID);
	clock_rfc3339(clock_now(), now);
	json_add_str(p, "timeVerified", now);
	json_add_str(p, "resourceUri", resource_uri);
	pol = cJSON_AddObjectToObject(p, "policy");
	json_add_str(pol, "uri", VSA_POLICY_URI);
	digest_buf(VSA_POLICY_TEXT, strlen(VSA_POLICY_TEXT), policy_digest);
	json_add_sha256(pol, policy_digest);
	ia = cJSON_AddArrayToObject(p, "inputAttestations");
	a = cJSON_CreateObject();
	uri = vsa_uri_ref(provenance_name);
	json_add_str(a, "uri", uri);
	free(uri);
	json_add_sha256(a, provenance_sha256);
	cJSON_AddItemToArray(ia, a);
	json_add_str(p, "verificationResult", "PASSED");
	lv = cJSON_AddArrayToObject(p, "verifiedLevels");
	cJSON_AddItemToArray(lv, cJSON_CreateString(VSA_SLSA_LEVEL));
	cJSON_AddItemToArray(lv, cJSON_CreateString(VSA_LEVEL));
	json_add_str(p, "slsaVersion", "1.0");
	return st;
}

int vsa_check(const char *text, size_t len, const char *what, const char *provenance_name,
	      const char *provenance_sha256, struct err *e)
{
	const cJSON *p, *c, *ia;
	const char *s;
	char *uri = vsa_uri_ref(provenance_name);
	cJSON *j = NULL;
	int found = 0, ret = -1;

	if (json_parse_buf(text, len, what, &j, e) < 0)
		goto out;
	if (json_get_string(j, "predicateType", 1, what, "", &s, e) < 0)
		goto out;
	if (strcmp(s, VSA_PREDICATE_TYPE)) {
		err_set(e, "%s: \"predicateType\": \"%s\" is not a SLSA verification summary", what,
			s);
		goto out;
	}
	p = cJSON_GetObjectItemCaseSensitive(j, "predicate");
	if (json_get_string(p, "verificationResult", 1, what, "predicate", &s, e) < 0)
		goto out;
	if (strcmp(s, "PASSED")) {
		err_setk(e, ERR_NO, "%s: \"predicate.verificationResult\" is \"%s\"", what, s);
		goto out;
	}
	c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "policy"), "uri");
	if (!cJSON_IsString(c) || strcmp(c->valuestring, VSA_POLICY_URI)) {
		err_setk(
			e, ERR_NO,
			"%s: \"predicate.policy.uri\": not lockstep's byte-identical rebuild policy",
			what);
		goto out;
	}
	ia = cJSON_GetObjectItemCaseSensitive(p, "inputAttestations");
	cJSON_ArrayForEach(c, ia)
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(c, "digest"), "sha256");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(c, "uri");
		if (cJSON_IsString(d) && !strcmp(d->valuestring, provenance_sha256) &&
		    cJSON_IsString(u) && !strcmp(u->valuestring, uri))
			found = 1;
	}
	if (!found) {
		err_setk(
			e, ERR_NO,
			"%s: \"predicate.inputAttestations\": no entry names \"%s\" with its digest %s",
			what, uri, provenance_sha256);
		goto out;
	}
	ret = 0;
out:
	free(uri);
	cJSON_Delete(j);
	return ret;
}
