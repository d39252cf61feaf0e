/* SPDX-License-Identifier: MIT */
/* lockstep drop verify: a drop checked against a trusted public key, down
 * to every artifact in every bundle, naming the member, row or artifact
 * that does not hold. */
#include "compat/drop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/manifest.h"
#include "archive/archive.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/sign.h"
#include "verifier/audit.h"

struct dv {
	const char *drop;         /* as the user named it */
	char *dir;                /* owned: where it is extracted */
	struct sign_key *trusted; /* owned */
	struct buf *report;
	struct strv members; /* regular members, archive order */
	cJSON *statement;    /* owned: the verified drop statement */
	cJSON *manifest;     /* owned: the verified manifest */
	char manifest_keyid[DIGEST_HEX_LEN + 1];
	struct drop_component *c; /* owned: one per bundle present */
	size_t nc;
};

struct members {
	struct strv *names;
	char dup[ARCHIVE_MAX_NAME + 1];
};

/* A name given twice would let what a listing shows differ from what
 * extraction leaves on disk: refused. */
static int collect(const char *name, int64_t size, unsigned mode, char type, void *arg)
{
	struct members *m = arg;

	if (type != ARCHIVE_TYPE_FILE)
		return 0;
	for (size_t i = 0; i < m->names->n; i++)
		if (!strcmp(m->names->v[i], name)) {
			snprintf(m->dup, sizeof(m->dup), "%s", name);
			return 1;
		}
	strv_push(m->names, name);
	return 0;
}

static char *at(const struct dv *d, const char *name)
{
	return fs_join(d->dir, name);
}

static int present(const struct dv *d, const char *name)
{
	for (size_t i = 0; i < d->members.n; i++)
		if (!strcmp(d->members.v[i], name))
			return 1;
	return 0;
}

static const char *sha_of(const cJSON *o)
{
	const cJSON *h =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "digest"),
						 "sha256");
	return cJSON_IsString(h) ? h->valuestring : "";
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The bundled key must be the trusted one: the trust comes from the
 * person verifying, never from the drop. */
static int check_pubkey(struct dv *d, struct err *e)
{
	char *p = at(d, DROP_PUBKEY);
	struct sign_key *k = NULL;
	int ret = -1;

	if (!present(d, DROP_PUBKEY)) {
		err_setk(e, ERR_NO, "%s: %s: missing", d->drop, DROP_PUBKEY);
		goto out;
	}
	if (sign_key_load_public(p, &k, e) < 0) {
		err_wrap(e, "%s: %s", d->drop, DROP_PUBKEY);
		goto out;
	}
	if (strcmp(sign_key_id(k), sign_key_id(d->trusted))) {
		err_setk(e, ERR_NO, "%s: %s: the drop's public key %s is not the trusted key %s",
			 d->drop, DROP_PUBKEY, sign_key_id(k), sign_key_id(d->trusted));
		goto out;
	}
	buf_addf(d->report, "%s: the trusted key %s\n", DROP_PUBKEY, sign_key_id(k));
	ret = 0;
out:
	sign_key_free(k);
	free(p);
	return ret;
}

static int open_statement(struct dv *d, struct err *e)
{
	char *p = at(d, DROP_STATEMENT), *text = NULL, *payload = NULL;
	char *what = xasprintf("%s: %s", d->drop, DROP_STATEMENT);
	size_t n = 0, plen = 0;
	const cJSON *pred;
	int ret = -1;

	if (!present(d, DROP_STATEMENT)) {
		err_setk(e, ERR_NO, "%s: missing", what);
		goto out;
	}
	if (fs_read_file(p, JSON_MAX_FILE, &text, &n, e) < 0 ||
	    dsse_verify(d->trusted, text, n, what, &payload, &plen, e) < 0 ||
	    dsse_check_statement(payload, plen, what, e) < 0 ||
	    json_parse_buf(payload, plen, what, &d->statement, e) < 0)
		goto out;
	if (strcmp(str_of(d->statement, "predicateType"), DROP_PREDICATE_TYPE)) {
		err_set(e, "%s: \"predicateType\": not a drop statement (want \"%s\")", what,
			DROP_PREDICATE_TYPE);
		goto out;
	}
	pred = cJSON_GetObjectItemCaseSensitive(d->statement, "predicate");
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pred, "manifest")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(pred, "components"))) {
		err_set(e, "%s: \"predicate\": expected \"manifest\" and \"components\"", what);
		goto out;
	}
	buf_addf(d->report, "%s: signature good (key %s)\n", DROP_STATEMENT,
		 sign_key_id(d->trusted));
	ret = 0;
out:
	free(p);
	free(text);
	free(payload);
	free(what);
	return ret;
}

/* The signed subject named name, or NULL. */
static const cJSON *subject(const struct dv *d, const char *name)
{
	const cJSON *s;
	cJSON_ArrayForEach(s,
			   cJSON_GetObjectItemCaseSensitive(d->statement,
							    "subject")) if (!strcmp(str_of(s,
											   "name"),
										    name)) return s;
	return NULL;
}

/* Members other than bundles are compared with their subject before they
 * are parsed: a changed byte is named as such, not as a parse error. */
static int check_plain_members(struct dv *d, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1];

	for (size_t i = 0; i < d->members.n; i++) {
		const char *name = d->members.v[i];
		const cJSON *s = subject(d, name);
		char *p;
		int r;

		if (!s || !strncmp(name, DROP_BUNDLES, strlen(DROP_BUNDLES)))
			continue;
		p = at(d, name);
		r = digest_file(p, hex, e);
		free(p);
		if (r < 0)
			return err_wrap(e, "%s", d->drop);
		if (strcmp(hex, sha_of(s)))
			return err_setk(e, ERR_NO,
					"%s: %s: sha256 %s is not the drop statement's %s", d->drop,
					name, hex, sha_of(s));
	}
	return 0;
}

static int open_manifest(struct dv *d, struct err *e)
{
	const cJSON *mi = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(d->statement, "predicate"), "manifest");
	struct sign_key *mk = NULL;
	struct strv problems = STRV_INIT;
	char *p = at(d, DROP_MANIFEST), *kp = at(d, DROP_MANIFEST_PUBKEY);
	int signed_ = 0, ret = -1;

	if (!present(d, DROP_MANIFEST)) {
		err_setk(e, ERR_NO, "%s: %s: missing", d->drop, DROP_MANIFEST);
		goto out;
	}
	if (present(d, DROP_MANIFEST_PUBKEY) && sign_key_load_public(kp, &mk, e) < 0) {
		err_wrap(e, "%s: %s", d->drop, DROP_MANIFEST_PUBKEY);
		goto out;
	}
	snprintf(d->manifest_keyid, sizeof(d->manifest_keyid), "%s",
		 sign_key_id(mk ? mk : d->trusted));
	if (strcmp(d->manifest_keyid, str_of(mi, "keyid"))) {
		err_setk(e, ERR_NO, "%s: %s: checked with key %s, the drop statement says key %s%s",
			 d->drop, DROP_MANIFEST, d->manifest_keyid, str_of(mi, "keyid"),
			 mk ? "" : " (is " DROP_MANIFEST_PUBKEY " missing?)");
		goto out;
	}
	if (manifest_load(p, mk ? mk : d->trusted, &d->manifest, &signed_, e) < 0) {
		drop_err_rename(e, d->dir, d->drop);
		goto out;
	}
	if (!signed_) {
		err_setk(e, ERR_NO, "%s: %s: not signed", d->drop, DROP_MANIFEST);
		goto out;
	}
	if (manifest_validate(d->manifest, DROP_MANIFEST, NULL, NULL, &problems, e) < 0)
		goto out;
	if (problems.n) {
		err_setk(e, ERR_NO, "%s: %s", d->drop, problems.v[0]);
		goto out;
	}
	buf_addf(d->report, "%s: signature good (key %s), %d rows\n", DROP_MANIFEST,
		 d->manifest_keyid,
		 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d->manifest, "tested_on")));
	ret = 0;
out:
	sign_key_free(mk);
	strv_release(&problems);
	free(p);
	free(kp);
	return ret;
}

/* Every bundle present, audited with its own key; whether that key is the
 * one the signed statement names is checked with the rest of the
 * statement. */
static int check_bundles(struct dv *d, int rebuild, int quiet, struct err *e)
{
	size_t pl = strlen(DROP_BUNDLES);
	char *prefix = xasprintf("%s/", d->dir), *with = xasprintf("%s: ", d->drop);
	int ret = -1;

	d->c = xcalloc(d->members.n + 1, sizeof(*d->c));
	for (size_t i = 0; i < d->members.n; i++) {
		const char *name = d->members.v[i];
		char *p;
		int r;

		if (strncmp(name, DROP_BUNDLES, pl))
			continue;
		p = at(d, name);
		r = drop_component_load(p, name, rebuild, quiet, rebuild ? d->report : NULL,
					&d->c[d->nc++], e);
		free(p);
		if (r < 0) {
			drop_err_rename(e, prefix, with);
			goto out;
		}
		buf_addf(d->report, "%s: %s %s: signatures and digests good%s\n", name,
			 d->c[d->nc - 1].name, d->c[d->nc - 1].version,
			 rebuild ? ", rebuilt byte for byte" : "");
	}
	ret = 0;
out:
	free(prefix);
	free(with);
	return ret;
}

static int has_artifact(const struct dv *d, const char *hex)
{
	const cJSON *a;
	for (size_t i = 0; i < d->nc; i++)
		cJSON_ArrayForEach(a, d->c[i].artifacts) if (!strcmp(sha_of(a), hex)) return 1;
	return 0;
}

/* What the operator relies on: every artifact the manifest says was
 * tested is in the drop, byte for byte. */
static int check_rows(struct dv *d, struct err *e)
{
	const cJSON *r, *a;
	int i = 0, n = 0;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(d->manifest, "tested_on"))
	{
		int j = 0;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "artifacts"))
		{
			const char *hex = str_of(a, "sha256");
			if (!has_artifact(d, hex))
				return err_setk(e, ERR_NO,
						"%s: %s: \"tested_on[%d].artifacts[%d]\": %s "
						"(sha256 %.12s...) is in no bundle of the drop",
						d->drop, DROP_MANIFEST, i, j, str_of(a, "name"),
						hex);
			j++;
			n++;
		}
		i++;
	}
	buf_addf(d->report, "%s: every artifact of its %d rows (%d) is inside the drop\n",
		 DROP_MANIFEST, i, n);
	return 0;
}

/* Names the first subject that differs between the signed statement and
 * the one the drop's contents give. */
static int name_difference(const struct dv *d, const cJSON *want, const cJSON *got, struct err *e)
{
	const cJSON *s, *t;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(want, "subject"))
	{
		int found = 0;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(
					      got, "subject")) if (!strcmp(str_of(s, "name"),
									   str_of(t, "name")))
		{
			found = 1;
			if (strcmp(sha_of(s), sha_of(t)))
				return err_setk(e, ERR_NO,
						"%s: %s: sha256 %s is not the drop statement's %s",
						d->drop, str_of(s, "name"), sha_of(t), sha_of(s));
		}
		if (!found)
			return err_setk(e, ERR_NO, "%s: %s: missing (the drop statement lists it)",
					d->drop, str_of(s, "name"));
	}
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(got, "subject")) if (
		!subject(
			d,
			str_of(t,
			       "name"))) return err_setk(e, ERR_NO,
							 "%s: %s: not listed in the drop statement",
							 d->drop, str_of(t, "name"));
	return err_setk(e, ERR_NO,
			"%s: %s: \"predicate\": does not match the drop's contents "
			"(components, their keys or the manifest)",
			d->drop, DROP_STATEMENT);
}

/* The statement the drop's contents give, compared with the signed one:
 * one comparison covers every subject and the whole predicate. */
static int check_statement(struct dv *d, struct err *e)
{
	cJSON *files = cJSON_CreateArray(), *mi = cJSON_CreateObject(), *got = NULL;
	char hex[DIGEST_HEX_LEN + 1], *text = NULL, *want = NULL;
	int ret = -1;

	for (size_t i = 0; i < d->members.n; i++) {
		const char *name = d->members.v[i];
		char *p;
		cJSON *x;
		if (!strcmp(name, DROP_STATEMENT) || !strcmp(name, DROP_PUBKEY))
			continue;
		p = at(d, name);
		if (digest_file(p, hex, e) < 0) {
			free(p);
			err_wrap(e, "%s", d->drop);
			goto out;
		}
		free(p);
		x = cJSON_CreateObject();
		json_add_str(x, "name", name);
		json_add_sha256(x, hex);
		cJSON_AddItemToArray(files, x);
		if (!strcmp(name, DROP_MANIFEST)) {
			json_add_str(mi, "name", DROP_MANIFEST);
			json_add_sha256(mi, hex);
		}
	}
	json_add_str(mi, "keyid", d->manifest_keyid);
	json_add_str(mi, "platform", str_of(d->manifest, "platform"));
	text = drop_statement(d->c, d->nc, files, mi);
	want = json_print_canonical(d->statement);
	if (strcmp(text, want)) {
		if (json_parse_buf(text, strlen(text), DROP_STATEMENT, &got, e) == 0)
			name_difference(d, d->statement, got, e);
		goto out;
	}
	buf_addf(d->report, "%s: every subject (%d) matches the drop\n", DROP_STATEMENT,
		 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d->statement, "subject")));
	ret = 0;
out:
	cJSON_Delete(files);
	cJSON_Delete(mi);
	cJSON_Delete(got);
	free(text);
	free(want);
	return ret;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct drop_component *)a)->member,
		      ((const struct drop_component *)b)->member);
}

int drop_verify(const char *path, const char *pubkey_path, int rebuild, int quiet,
		struct buf *report, cJSON **components, struct err *e)
{
	struct dv d = { .drop = path, .report = report, .members = STRV_INIT };
	int ret = -1;

	if (components)
		*components = NULL;
	if (sign_key_load_public(pubkey_path, &d.trusted, e) < 0)
		goto out;
	/* Links and escaping names are refused before anything is written. */
	{
		struct members ms = { &d.members, "" };
		int r = audit_check_members(path, "drop", e) < 0
				? -1
				: archive_list(path, collect, &ms, e);
		if (r > 0)
			err_setk(e, ERR_NO, "%s: member \"%s\": appears twice", path, ms.dup);
		if (r)
			goto out;
	}
	d.dir = workdir_make("drop", e);
	if (!d.dir)
		goto out;
	if (archive_extract(path, d.dir, e) < 0 || check_pubkey(&d, e) < 0 ||
	    open_statement(&d, e) < 0 || check_plain_members(&d, e) < 0 ||
	    open_manifest(&d, e) < 0 || check_bundles(&d, rebuild, quiet, e) < 0)
		goto out;
	if (d.nc)
		qsort(d.c, d.nc, sizeof(*d.c), cmp_member);
	if (check_rows(&d, e) < 0 || check_statement(&d, e) < 0)
		goto out;
	if (components)
		*components = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
						      cJSON_GetObjectItemCaseSensitive(d.statement,
										       "predicate"),
						      "components"),
					      1);
	ret = 0;
out:
	if (d.dir) {
		fs_remove_tree(d.dir, NULL);
		cleanup_remove_path(d.dir);
	}
	for (size_t i = 0; i < d.nc; i++)
		drop_component_release(&d.c[i]);
	free(d.c);
	free(d.dir);
	sign_key_free(d.trusted);
	strv_release(&d.members);
	cJSON_Delete(d.statement);
	cJSON_Delete(d.manifest);
	return ret;
}
