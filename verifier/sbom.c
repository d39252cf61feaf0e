/* SPDX-License-Identifier: MIT */
/* The release SBOM (CycloneDX 1.6), generated from the provenance and the
 * environment pin. */
#include "verifier/sbom.h"

#include <stdlib.h>
#include <string.h>

#include "builder/provenance.h"
#include "builder/recipe.h"
#include "core/alloc.h"
#include "core/digest.h"
#include "core/json.h"
#include "toolchains/toolchain.h"

#define REF_RELEASE "release"
#define REF_SOURCE "source"
#define REF_ENV "build-environment"
#define REF_BUILD "build"

static cJSON *hash_list(const char *sha256)
{
	cJSON *arr = cJSON_CreateArray(), *h = cJSON_CreateObject();

	json_add_str(h, "alg", "SHA-256");
	json_add_str(h, "content", sha256);
	cJSON_AddItemToArray(arr, h);
	return arr;
}

static void add_property(cJSON *arr, const char *name, const char *value)
{
	cJSON *p = cJSON_CreateObject();

	json_add_str(p, "name", name);
	json_add_str(p, "value", value);
	cJSON_AddItemToArray(arr, p);
}

static cJSON *file_component(const char *ref, const char *name, const char *sha256,
			     const char *scope)
{
	cJSON *c = cJSON_CreateObject();

	json_add_str(c, "type", "file");
	json_add_str(c, "bom-ref", ref);
	json_add_str(c, "name", name);
	json_add_str(c, "scope", scope);
	cJSON_AddItemToObject(c, "hashes", hash_list(sha256));
	return c;
}

static cJSON *ref_resource(const char *ref)
{
	cJSON *o = cJSON_CreateObject();

	json_add_str(cJSON_AddObjectToObject(o, "resource"), "ref", ref);
	return o;
}

/* CycloneDX's component type for a recipe's kind. */
static const char *component_type(const char *kind)
{
	if (kind && !strcmp(kind, "firmware"))
		return "firmware";
	if (kind && !strcmp(kind, "driver"))
		return "device-driver";
	return "application";
}

/* A serial number must be a UUID; ours is derived from the provenance's
 * digest (an RFC 9562 version 8 UUID), so the BOM stays a function of
 * what it describes and two releases never share one. */
static char *serial_number(const char *prov_sha256)
{
	char *seed = xasprintf("lockstep sbom %s", prov_sha256), h[DIGEST_HEX_LEN + 1];

	digest_buf(seed, strlen(seed), h);
	free(seed);
	h[12] = '8';
	h[16] = "89ab"[strtol((char[]){ h[16], 0 }, NULL, 16) & 3];
	return xasprintf("urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static cJSON *bom_build(const struct provenance_record *rec, const struct recipe *r,
			const struct toolchain *t, const char *prov_sha256)
{
	cJSON *bom = cJSON_CreateObject(), *md, *tool, *main_c, *props, *comps, *form, *f, *envc;
	cJSON *wf, *in, *out, *deps, *dep, *on, *summary, *pkg;
	char *serial = serial_number(prov_sha256), *ref;

	json_add_str(bom, "bomFormat", "CycloneDX");
	json_add_str(bom, "specVersion", SBOM_SPEC_VERSION);
	json_add_str(bom, "serialNumber", serial);
	cJSON_AddNumberToObject(bom, "version", 1);

	md = cJSON_AddObjectToObject(bom, "metadata");
	{
		cJSON *lc = cJSON_AddArrayToObject(md, "lifecycles"), *ph = cJSON_CreateObject();
		json_add_str(ph, "phase", "build");
		cJSON_AddItemToArray(lc, ph);
	}
	tool = cJSON_CreateObject();
	json_add_str(tool, "type", "application");
	json_add_str(tool, "name", "lockstep");
	json_add_str(tool, "version", LOCKSTEP_VERSION);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(md, "tools"),
						    "components"),
			     tool);
	main_c = cJSON_AddObjectToObject(md, "component");
	json_add_str(main_c, "type", component_type(r->kind));
	json_add_str(main_c, "bom-ref", REF_RELEASE);
	json_add_str(main_c, "name", r->name);
	json_add_str(main_c, "version", r->version);
	props = cJSON_AddArrayToObject(md, "properties");
	add_property(props, "lockstep:provenance:sha256", prov_sha256);
	if (rec->cell)
		add_property(props, "lockstep:matrix-cell", rec->cell);
	add_property(props, "lockstep:environment-pin", rec->toolchain_name);
	add_property(props, "lockstep:environment-pin:digest", rec->toolchain_digest);

	/* What is delivered: the artifacts; and what they were built from. */
	comps = cJSON_AddArrayToObject(bom, "components");
	for (size_t i = 0; i < rec->nsubjects; i++) {
		ref = xasprintf("artifact:%s", rec->subjects[i].name);
		cJSON_AddItemToArray(comps, file_component(ref, rec->subjects[i].name,
							   rec->subjects[i].sha256, "required"));
		free(ref);
	}
	cJSON_AddItemToArray(comps, file_component(REF_SOURCE, rec->source_name, rec->source_digest,
						   "excluded"));

	/* How: the build environment, every package of the root by its
	 * package URL and the sha256 of its .deb, and the build that turned
	 * the source into the artifacts inside it. */
	form = cJSON_AddArrayToObject(bom, "formulation");
	f = cJSON_CreateObject();
	cJSON_AddItemToArray(form, f);
	json_add_str(f, "bom-ref", REF_ENV);
	envc = cJSON_AddArrayToObject(f, "components");
	summary = toolchain_summary(t);
	cJSON_ArrayForEach(pkg, cJSON_GetObjectItemCaseSensitive(summary, "packages"))
	{
		cJSON *c = cJSON_CreateObject();
		const char *purl = json_str(pkg, "uri"), *deb = json_str(pkg, "deb_sha256");

		json_add_str(c, "type", "library");
		json_add_str(c, "bom-ref", purl);
		json_add_str(c, "name", json_str(pkg, "name"));
		json_add_str(c, "version", json_str(pkg, "version"));
		json_add_str(c, "scope", "excluded");
		if (deb)
			cJSON_AddItemToObject(c, "hashes", hash_list(deb));
		json_add_str(c, "purl", purl);
		cJSON_AddItemToArray(envc, c);
	}
	cJSON_Delete(summary);
	wf = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(f, "workflows"), wf);
	json_add_str(wf, "bom-ref", REF_BUILD);
	json_add_str(wf, "uid", prov_sha256);
	json_add_str(wf, "name", "lockstep build, rebuilt byte for byte before release");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(wf, "taskTypes"), cJSON_CreateString("build"));
	in = cJSON_AddArrayToObject(wf, "inputs");
	cJSON_AddItemToArray(in, ref_resource(REF_SOURCE));
	out = cJSON_AddArrayToObject(wf, "outputs");

	/* The release is made of its artifacts; each was built from the
	 * source (the relationships an SPDX document would state). */
	deps = cJSON_AddArrayToObject(bom, "dependencies");
	dep = cJSON_CreateObject();
	json_add_str(dep, "ref", REF_RELEASE);
	on = cJSON_AddArrayToObject(dep, "dependsOn");
	cJSON_AddItemToArray(deps, dep);
	for (size_t i = 0; i < rec->nsubjects; i++) {
		ref = xasprintf("artifact:%s", rec->subjects[i].name);
		cJSON_AddItemToArray(out, ref_resource(ref));
		cJSON_AddItemToArray(on, cJSON_CreateString(ref));
		free(ref);
	}
	free(serial);
	return bom;
}

int sbom_generate(const struct provenance_record *rec, const char *prov_sha256,
		  const char *pin_path, char **bom, char **statement, struct err *e)
{
	struct recipe r;
	struct toolchain *t = NULL;
	cJSON *b = NULL, *st = NULL, *subj;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	*bom = *statement = NULL;
	if (recipe_load_buf(rec->recipe_text, rec->recipe_len, "provenance", &r, e) < 0 ||
	    toolchain_load_file(pin_path, &t, e) < 0)
		goto out;
	/* The pin must be the one the provenance names. */
	if (strcmp(toolchain_digest(t), rec->toolchain_digest)) {
		err_set(e, "%s: combined digest %s is not the provenance's %s", pin_path,
			toolchain_digest(t), rec->toolchain_digest);
		goto out;
	}
	b = bom_build(rec, &r, t, prov_sha256);
	st = cJSON_CreateObject();
	json_add_str(st, "_type", PROVENANCE_STATEMENT_TYPE);
	subj = cJSON_AddArrayToObject(st, "subject");
	for (size_t i = 0; i < rec->nsubjects; i++) {
		cJSON *s = cJSON_CreateObject();
		json_add_str(s, "name", rec->subjects[i].name);
		json_add_sha256(s, rec->subjects[i].sha256);
		cJSON_AddItemToArray(subj, s);
	}
	json_add_str(st, "predicateType", SBOM_PREDICATE_TYPE);
	*bom = json_print(b);
	cJSON_AddItemToObject(st, "predicate", b);
	b = NULL;
	*statement = json_print(st);
	ret = 0;
out:
	cJSON_Delete(b);
	cJSON_Delete(st);
	toolchain_free(t);
	recipe_release(&r);
	return ret;
}
