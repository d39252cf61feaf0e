/* SPDX-License-Identifier: MIT */
/* A release bundle's sigstore members: each the same signed statement as
 * the DSSE envelope beside it, for sigstore tooling.  They are checked for
 * what they mean (signature, statement, key hint), not against bytes this
 * lockstep would write, so a bundle stays auditable by a later lockstep
 * whose writer prints them differently. */
#include "verifier/audit_sigstore.h"

#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "core/dsse.h"
#include "core/json.h"
#include "core/sign.h"
#include "verifier/bundle.h"

static const struct {
	const char *envelope, *sigstore;
} pairs[] = {
	{ BUNDLE_PROVENANCE, BUNDLE_PROVENANCE_SIGSTORE },
	{ BUNDLE_SUMMARY, BUNDLE_SUMMARY_SIGSTORE },
	{ BUNDLE_SBOM_SIGNED, BUNDLE_SBOM_SIGSTORE },
};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

int audit_sigstore_members(const char *bundle, const struct strv *files, struct strv *want,
			   int *absent, struct err *e)
{
	int have[NPAIRS], n = 0;

	for (size_t i = 0; i < NPAIRS; i++) {
		have[i] = 0;
		for (size_t j = 0; j < files->n; j++)
			if (!strcmp(files->v[j], pairs[i].sigstore))
				have[i] = 1;
		n += have[i];
	}
	*absent = n == 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < NPAIRS; i++)
		if (!have[i])
			return err_setk(
				e, ERR_NO,
				"%s: member \"%s\": missing (the bundle holds other sigstore "
				"bundles: a release has all three, or none when made by a "
				"lockstep from before them)",
				bundle, pairs[i].sigstore);
	for (size_t i = 0; i < NPAIRS; i++)
		strv_push(want, pairs[i].sigstore);
	return 0;
}

/* The hint the sigstore member names its key by, "" when it names none;
 * the member verified already, so its shape is known good. */
static const char *bundle_hint(const cJSON *j)
{
	const cJSON *vm = cJSON_GetObjectItemCaseSensitive(j, "verificationMaterial");
	const char *h = json_str(cJSON_GetObjectItemCaseSensitive(vm, "publicKey"), "hint");

	return h ? h : "";
}

/* One member read out of the bundle and verified: its bytes, payload and
 * payloadType, and the parsed document. */
struct opened {
	char *text, *payload, *type; /* owned */
	size_t len, plen;
	cJSON *json; /* owned */
};

static void opened_release(struct opened *o)
{
	free(o->text);
	free(o->payload);
	free(o->type);
	cJSON_Delete(o->json);
}

static int open_signed(const char *bundle, const char *name, const struct sign_key *trusted,
		       struct opened *o, struct err *e)
{
	char *what = xasprintf("%s: %s", bundle, name);
	int r = -1;

	if (archive_read_member(bundle, name, JSON_MAX_FILE, &o->text, &o->len, e) == 0 &&
	    dsse_verify_ex(trusted, o->text, o->len, what, &o->payload, &o->plen, &o->type, NULL,
			   e) == 0 &&
	    json_parse_buf(o->text, o->len, what, &o->json, e) == 0)
		r = 0;
	free(what);
	return r;
}

static int check_pair(const char *bundle, const char *env_name, const char *sig_name,
		      const struct sign_key *trusted, struct buf *report, struct err *e)
{
	struct opened env = { 0 }, sb = { 0 };
	int ret = -1;

	if (open_signed(bundle, env_name, trusted, &env, e) < 0 ||
	    open_signed(bundle, sig_name, trusted, &sb, e) < 0)
		goto out;
	/* dsse_verify reads a plain envelope too: this member must be the
	 * sigstore form, which alone carries a mediaType. */
	if (!cJSON_GetObjectItemCaseSensitive(sb.json, "mediaType")) {
		err_setk(e, ERR_NO, "%s: %s: a bare DSSE envelope, not a sigstore bundle v0.3",
			 bundle, sig_name);
		goto out;
	}
	if (strcmp(sb.type, env.type) || sb.plen != env.plen ||
	    memcmp(sb.payload, env.payload, env.plen)) {
		err_setk(e, ERR_NO, "%s: %s: its statement is not the one signed in %s", bundle,
			 sig_name, env_name);
		goto out;
	}
	/* Without the right hint a sigstore verifier given the release key
	 * does not find it, whatever the signature. */
	if (strcmp(bundle_hint(sb.json), sign_key_hint(trusted))) {
		err_setk(e, ERR_NO,
			 "%s: %s: \"verificationMaterial.publicKey.hint\": \"%s\" does not "
			 "name the trusted key (its hint is \"%s\")",
			 bundle, sig_name, bundle_hint(sb.json), sign_key_hint(trusted));
		goto out;
	}
	buf_addf(report, "%s: signature good, the statement of %s\n", sig_name, env_name);
	ret = 0;
out:
	opened_release(&env);
	opened_release(&sb);
	return ret;
}

int audit_sigstore_check(const char *bundle, const struct sign_key *trusted, struct buf *report,
			 struct err *e)
{
	for (size_t i = 0; i < NPAIRS; i++)
		if (check_pair(bundle, pairs[i].envelope, pairs[i].sigstore, trusted, report, e) <
		    0)
			return -1;
	return 0;
}
