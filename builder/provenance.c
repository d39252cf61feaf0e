/* SPDX-License-Identifier: MIT */
/* Writing and reading the provenance statement. */
#include "builder/provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "builder/recipe.h"
#include "builder/source.h"
#include "core/alloc.h"
#include "core/base64.h"
#include "core/clock.h"
#include "core/digest.h"

/* A ResourceDescriptor naming a file by its name and sha256. */
static cJSON *resource(const char *name, const char *hex)
{
	cJSON *r = cJSON_CreateObject();
	json_add_str(r, "name", name);
	json_add_sha256(r, hex);
	return r;
}

/* externalParameters.source: the archive, and how its files were chosen. */
static cJSON *source_param(const struct provenance_input *in)
{
	cJSON *r = resource(in->source_name, in->source_digest), *ex;

	if (!in->source_kind)
		return r;
	json_add_str(r, "kind", in->source_kind);
	json_add_str(r, "path", in->source_path);
	if (in->source_commit)
		json_add_str(r, "commit", in->source_commit);
	for (const cJSON *c = in->source_origin ? in->source_origin->child : NULL; c; c = c->next)
		cJSON_AddItemToObject(r, c->string, cJSON_Duplicate(c, 1));
	if (!strcmp(in->source_kind, "dir")) {
		ex = cJSON_AddArrayToObject(r, "exclude");
		cJSON_AddItemToArray(ex, cJSON_CreateString(SOURCE_ALWAYS_EXCLUDED));
		for (const char *const *g = in->source_exclude; g && *g; g++)
			cJSON_AddItemToArray(ex, cJSON_CreateString(*g));
	}
	return r;
}

static void invocation_id(char out[37])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	b[6] = (b[6] & 0x0f) | 0x40; /* UUID version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static cJSON *build_definition(const struct provenance_input *in)
{
	cJSON *bd = cJSON_CreateObject(), *ext, *intl, *deps, *env, *recipe, *r, *prof;
	char *b64, pdigest[65];

	json_add_str(bd, "buildType", PROVENANCE_BUILD_TYPE);

	ext = cJSON_AddObjectToObject(bd, "externalParameters");
	recipe = cJSON_AddObjectToObject(ext, "recipe");
	json_add_str(recipe, "name", in->recipe_name);
	json_add_sha256(recipe, in->recipe_digest);
	cJSON_AddItemToObject(recipe, "content",
			      cJSON_ParseWithLength(in->recipe_text, in->recipe_len));
	if (in->cell)
		json_add_str(ext, "cell", in->cell);
	cJSON_AddItemToObject(ext, "source", source_param(in));

	intl = cJSON_AddObjectToObject(bd, "internalParameters");
	cJSON_AddNumberToObject(intl, "SOURCE_DATE_EPOCH", (double)in->source_date_epoch);
	json_add_str(intl, "buildPath", in->build_path);
	env = cJSON_AddObjectToObject(intl, "environment");
	for (const char *const *v = in->env; v && *v; v++) {
		const char *eq = strchr(*v, '=');
		char *k = xstrndup(*v, (size_t)(eq - *v));
		json_add_str(env, k, eq + 1);
		free(k);
	}
	digest_buf(in->sandbox_profile, strlen(in->sandbox_profile), pdigest);
	prof = cJSON_AddObjectToObject(intl, "sandboxProfile");
	json_add_sha256(prof, pdigest);
	cJSON_AddItemToObject(prof, "settings", cJSON_Parse(in->sandbox_profile));
	r = cJSON_AddObjectToObject(intl, "environmentPin");
	json_add_str(r, "name", in->toolchain_name);
	json_add_sha256(r, in->toolchain_digest);

	/* Inputs by digest.  The recipe travels as content; the environment pin
	 * (megabytes: every file of the root) travels beside this record and is
	 * checked against the digest named here. */
	deps = cJSON_AddArrayToObject(bd, "resolvedDependencies");
	cJSON_AddItemToArray(deps, resource(in->source_name, in->source_digest));
	r = resource(in->recipe_name, in->recipe_digest);
	b64 = base64_encode(in->recipe_text, in->recipe_len);
	json_add_str(r, "content", b64);
	json_add_str(r, "mediaType", "application/vnd.lockstep.recipe+json");
	free(b64);
	cJSON_AddItemToArray(deps, r);
	r = resource(in->pin_file_name, in->pin_file_sha256);
	json_add_str(r, "mediaType", PROVENANCE_PIN_MEDIA_TYPE);
	cJSON_AddItemToObject(r, "annotations", cJSON_CreateObject());
	json_add_str(cJSON_GetObjectItemCaseSensitive(r, "annotations"), "environment",
		     in->toolchain_name);
	cJSON_AddItemToArray(deps, r);
	if (in->toolchain_packages) {
		cJSON *c;
		while ((c = cJSON_DetachItemFromArray(in->toolchain_packages, 0)))
			cJSON_AddItemToArray(deps, c);
	}
	return bd;
}

static cJSON *run_details(const struct provenance_input *in)
{
	cJSON *rd = cJSON_CreateObject(), *b, *m, *bp;
	char t[32], id[37];

	b = cJSON_AddObjectToObject(rd, "builder");
	json_add_str(b, "id", PROVENANCE_BUILDER_ID);
	json_add_str(cJSON_AddObjectToObject(b, "version"), "lockstep", LOCKSTEP_VERSION);
	m = cJSON_AddObjectToObject(rd, "metadata");
	invocation_id(id);
	json_add_str(m, "invocationId", id);
	clock_rfc3339(in->started, t);
	json_add_str(m, "startedOn", t);
	clock_rfc3339(in->finished, t);
	json_add_str(m, "finishedOn", t);

	/* What the ELF files say about the compilers that made them, read from
	 * the files themselves: structured, so a reader need not parse logs. */
	bp = cJSON_AddArrayToObject(rd, "byproducts");
	for (size_t i = 0; i < in->nsubjects; i++) {
		cJSON *r;
		if (!in->subjects[i].elf)
			continue;
		r = resource(in->subjects[i].name, in->subjects[i].sha256);
		json_add_str(r, "mediaType", "application/vnd.lockstep.elf-info+json");
		cJSON_AddItemToObject(r, "annotations", cJSON_Duplicate(in->subjects[i].elf, 1));
		cJSON_AddItemToArray(bp, r);
	}
	return rd;
}

cJSON *provenance_build(const struct provenance_input *in)
{
	cJSON *st = cJSON_CreateObject(), *subj, *pred;

	json_add_str(st, "_type", PROVENANCE_STATEMENT_TYPE);
	subj = cJSON_AddArrayToObject(st, "subject");
	for (size_t i = 0; i < in->nsubjects; i++)
		cJSON_AddItemToArray(subj, resource(in->subjects[i].name, in->subjects[i].sha256));
	json_add_str(st, "predicateType", PROVENANCE_PREDICATE_TYPE);
	pred = cJSON_AddObjectToObject(st, "predicate");
	cJSON_AddItemToObject(pred, "buildDefinition", build_definition(in));
	cJSON_AddItemToObject(pred, "runDetails", run_details(in));
	return st;
}

/* ---- reading ---- */

static int get_digest(const cJSON *rd, const char *what, const char *at, char out[65],
		      struct err *e)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(rd, "digest");
	const cJSON *h = d ? cJSON_GetObjectItemCaseSensitive(d, "sha256") : NULL;

	if (!cJSON_IsString(h) || !digest_is_hex(h->valuestring))
		return err_set(e,
			       "%s: \"%s.digest.sha256\": missing or not 64 lowercase hex digits",
			       what, at);
	memcpy(out, h->valuestring, 65);
	return 0;
}

static int get_content(const cJSON *rd, const char *what, const char *at, const char *digest,
		       char **out, size_t *len, struct err *e)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(rd, "content");
	char hex[65], field[256];
	unsigned char *p = NULL;

	snprintf(field, sizeof(field), "%s: \"%s.content\"", what, at);
	if (!cJSON_IsString(c))
		return err_set(e, "%s: missing", field);
	if (base64_decode(c->valuestring, field, &p, len, e) < 0)
		return -1;
	digest_buf(p, *len, hex);
	if (strcmp(hex, digest)) {
		free(p);
		return err_set(e, "%s: sha256 %s does not match the recorded digest %s", field, hex,
			       digest);
	}
	*out = (char *)p;
	return 0;
}

int provenance_parse(const char *text, size_t len, const char *what, struct provenance_record *rec,
		     struct err *e)
{
	static const char *const top[] = { "_type", "subject", "predicateType", "predicate", NULL };
	const cJSON *subj, *pred, *bd, *bt, *deps, *ext, *c, *tc;
	const char *s, *why;
	int i = 0;

	memset(rec, 0, sizeof(*rec));
	if (json_parse_buf(text, len, what, &rec->json, e) < 0 ||
	    json_check_object(rec->json, top, what, "", e) < 0 ||
	    json_get_string(rec->json, "_type", 1, what, "", &s, e) < 0)
		return -1;
	if (strcmp(s, PROVENANCE_STATEMENT_TYPE))
		return err_set(e, "%s: \"_type\": \"%s\" is not an in-toto Statement v1", what, s);
	if (json_get_string(rec->json, "predicateType", 1, what, "", &s, e) < 0)
		return -1;
	if (strcmp(s, PROVENANCE_PREDICATE_TYPE))
		return err_set(e, "%s: \"predicateType\": \"%s\" is not SLSA Provenance v1", what,
			       s);
	subj = cJSON_GetObjectItemCaseSensitive(rec->json, "subject");
	if (!cJSON_IsArray(subj) || cJSON_GetArraySize(subj) == 0)
		return err_set(e, "%s: \"subject\": expected a non-empty array", what);
	rec->subjects = xcalloc((size_t)cJSON_GetArraySize(subj), sizeof(*rec->subjects));
	cJSON_ArrayForEach(c, subj)
	{
		char at[64];
		snprintf(at, sizeof(at), "subject[%d]", i);
		if (json_get_string(c, "name", 1, what, at, &s, e) < 0 ||
		    get_digest(c, what, at, rec->subjects[i].sha256, e) < 0)
			return -1;
		/* Names become paths below an output directory and a
		 * bundle's artifacts/: a record may not reach outside them. */
		if (!recipe_subject_name_ok(s, &why))
			return err_set(e, "%s: \"%s.name\": \"%s\" %s", what, at, s, why);
		rec->subjects[i].name = s;
		rec->nsubjects = (size_t)++i;
	}
	pred = cJSON_GetObjectItemCaseSensitive(rec->json, "predicate");
	bd = pred ? cJSON_GetObjectItemCaseSensitive(pred, "buildDefinition") : NULL;
	bt = bd ? cJSON_GetObjectItemCaseSensitive(bd, "buildType") : NULL;
	if (!cJSON_IsString(bt))
		return err_set(e, "%s: \"predicate.buildDefinition.buildType\": missing", what);
	if (strcmp(bt->valuestring, PROVENANCE_BUILD_TYPE))
		return err_set(
			e,
			"%s: \"predicate.buildDefinition.buildType\": unknown build type \"%s\" (lockstep rebuilds %s)",
			what, bt->valuestring, PROVENANCE_BUILD_TYPE);
	ext = cJSON_GetObjectItemCaseSensitive(bd, "externalParameters");
	c = ext ? cJSON_GetObjectItemCaseSensitive(ext, "recipe") : NULL;
	if (!c || get_digest(c, what, "externalParameters.recipe", rec->recipe_digest, e) < 0)
		return c ? -1 : err_set(e, "%s: \"externalParameters.recipe\": missing", what);
	c = ext ? cJSON_GetObjectItemCaseSensitive(ext, "source") : NULL;
	if (!c || get_digest(c, what, "externalParameters.source", rec->source_digest, e) < 0)
		return c ? -1 : err_set(e, "%s: \"externalParameters.source\": missing", what);
	if (json_get_string(c, "name", 1, what, "externalParameters.source", &s, e) < 0)
		return -1;
	rec->source_name = xstrdup(s);
	/* A matrix build names its cell; the verifier selects it again on the
	 * embedded recipe, which checks it against the recipe's axes. */
	if (json_get_string(ext, "cell", 0, what, "externalParameters", &s, e) < 0)
		return -1;
	if (s && !*s)
		return err_set(e, "%s: \"externalParameters.cell\": empty", what);
	rec->cell = s ? xstrdup(s) : NULL;
	tc = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(bd, "internalParameters"), "environmentPin");
	if (!tc ||
	    json_get_string(tc, "name", 1, what, "internalParameters.environmentPin", &s, e) < 0 ||
	    get_digest(tc, what, "internalParameters.environmentPin", rec->toolchain_digest, e) < 0)
		return tc ? -1
			  : err_set(e, "%s: \"internalParameters.environmentPin\": missing", what);
	rec->toolchain_name = xstrdup(s);

	/* The recipe and the pin are recovered from resolvedDependencies, each
	 * checked against its digest before anyone trusts it. */
	deps = cJSON_GetObjectItemCaseSensitive(bd, "resolvedDependencies");
	i = 0;
	cJSON_ArrayForEach(c, deps)
	{
		const cJSON *mt = cJSON_GetObjectItemCaseSensitive(c, "mediaType");
		char at[64], hex[65];
		snprintf(at, sizeof(at), "resolvedDependencies[%d]", i++);
		if (!cJSON_IsString(mt))
			continue;
		if (!strcmp(mt->valuestring, "application/vnd.lockstep.recipe+json")) {
			/* One recipe: a second would leave which one was built
			 * to the reader (and leaked the first copy: found by
			 * tests/fuzz/fuzz_provenance). */
			if (rec->recipe_text)
				return err_set(e, "%s: \"%s\": a second recipe", what, at);
			if (get_digest(c, what, at, hex, e) < 0)
				return -1;
			if (strcmp(hex, rec->recipe_digest))
				return err_set(
					e,
					"%s: \"%s\": recipe digest %s differs from externalParameters' %s",
					what, at, hex, rec->recipe_digest);
			if (get_content(c, what, at, hex, &rec->recipe_text, &rec->recipe_len, e) <
			    0)
				return -1;
		} else if (!strcmp(mt->valuestring, PROVENANCE_PIN_MEDIA_TYPE)) {
			if (rec->pin_file_name)
				return err_set(e, "%s: \"%s\": a second environment pin", what, at);
			if (get_digest(c, what, at, rec->pin_file_sha256, e) < 0 ||
			    json_get_string(c, "name", 1, what, at, &s, e) < 0)
				return -1;
			if (!*s || strchr(s, '/') || s[0] == '.')
				return err_set(e,
					       "%s: \"%s.name\": \"%s\" is not a plain file name",
					       what, at, s);
			rec->pin_file_name = xstrdup(s);
		}
	}
	if (!rec->recipe_text)
		return err_set(e, "%s: \"resolvedDependencies\": the recipe's content is missing",
			       what);
	if (!rec->pin_file_name)
		return err_set(e, "%s: \"resolvedDependencies\": no environment pin named", what);
	return 0;
}

void provenance_record_release(struct provenance_record *rec)
{
	cJSON_Delete(rec->json);
	free(rec->recipe_text);
	free(rec->source_name);
	free(rec->cell);
	free(rec->toolchain_name);
	free(rec->pin_file_name);
	free(rec->subjects);
	memset(rec, 0, sizeof(*rec));
}
