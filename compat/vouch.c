/* SPDX-License-Identifier: MIT */
/* Provenance that vouches for artifacts: subjects of in-toto Statements,
 * read plain or out of DSSE envelopes (verified when a key is given). */
#include "compat/vouch.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/json.h"

#define VOUCH_MAX_FILE (64u << 20)

static void add_subjects(const cJSON *st, struct strv *out)
{
	const cJSON *subj = cJSON_GetObjectItemCaseSensitive(st, "subject"), *s;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(st, "_type");

	if (!cJSON_IsString(type) || strcmp(type->valuestring, DSSE_STATEMENT_V1) ||
	    !cJSON_IsArray(subj))
		return;
	cJSON_ArrayForEach(s, subj)
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(s, "digest");
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(d, "sha256");
		if (cJSON_IsString(h) && digest_is_hex(h->valuestring))
			strv_push(out, h->valuestring);
	}
}

/* One JSON value: a Statement, an envelope, or a bundle holding one. */
static void add_value(const char *text, size_t len, const char *what, const struct sign_key *pub,
		      struct strv *out)
{
	struct err e = ERR_INIT;
	cJSON *j = NULL, *st = NULL;
	char *payload = NULL;
	size_t plen = 0;
	int envelope;

	if (json_parse_buf(text, len, what, &j, &e) < 0 || !cJSON_IsObject(j))
		goto out;
	envelope = cJSON_GetObjectItemCaseSensitive(j, "payload") ||
		   cJSON_GetObjectItemCaseSensitive(j, "dsseEnvelope");
	if (!envelope) {
		if (!pub)
			add_subjects(j, out);
		goto out;
	}
	if (pub) {
		/* A signature that fails vouches for nothing. */
		if (dsse_verify(pub, text, len, what, &payload, &plen, &e) < 0)
			goto out;
	} else {
		const cJSON *env = cJSON_GetObjectItemCaseSensitive(j, "dsseEnvelope");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(env ? env : j, "payload");
		if (!cJSON_IsString(p) || base64_decode(p->valuestring, "payload",
							(unsigned char **)&payload, &plen, &e) < 0)
			goto out;
	}
	if (json_parse_buf(payload, plen, what, &st, &e) == 0)
		add_subjects(st, out);
out:
	free(payload);
	cJSON_Delete(st);
	cJSON_Delete(j);
}

int vouch_collect(const char *dir, const struct sign_key *pub, struct strv *digests, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t j = 0;

	if (!d)
		return err_sys(e, "%s: cannot read the provenance directory", dir);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int jsonl = n > 6 && !strcmp(de->d_name + n - 6, ".jsonl");
		char *path, *text = NULL;
		size_t len = 0;

		if (!jsonl && !(n > 5 && !strcmp(de->d_name + n - 5, ".json")))
			continue;
		path = fs_join(dir, de->d_name);
		if (fs_read_file(path, VOUCH_MAX_FILE, &text, &len, NULL) == 0) {
			if (!jsonl) {
				add_value(text, len, path, pub, digests);
			} else {
				for (char *line = text; *line;) {
					char *nl = strchr(line, '\n');
					size_t ll = nl ? (size_t)(nl - line) : strlen(line);
					if (ll)
						add_value(line, ll, path, pub, digests);
					if (!nl)
						break;
					line = nl + 1;
				}
			}
		}
		free(text);
		free(path);
	}
	closedir(d);
	strv_sort(digests);
	for (size_t i = 0; i < digests->n; i++) {
		if (j && !strcmp(digests->v[j - 1], digests->v[i])) {
			free(digests->v[i]);
			continue;
		}
		digests->v[j++] = digests->v[i];
	}
	digests->n = j;
	if (digests->v)
		digests->v[j] = NULL;
	return 0;
}

int vouch_has(const struct strv *digests, const char *hex)
{
	size_t lo = 0, hi = digests->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(digests->v[mid], hex);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
