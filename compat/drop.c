/* SPDX-License-Identifier: MIT */
/* lockstep drop create: checked release bundles and a signed compatibility
 * manifest in one deterministic tar, signed by a drop statement. */
#include "compat/drop.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/provenance.h"
#include "compat/manifest.h"
#include "compat/matrix.h"
#include "archive/archive.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/sign.h"
#include "verifier/release.h"

void drop_err_rename(struct err *e, const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	size_t fl = strlen(from);
	const char *s = e->msg, *hit;

	if (!fl)
		return;
	while ((hit = strstr(s, from))) {
		buf_add(&b, s, (size_t)(hit - s));
		buf_addstr(&b, to);
		s = hit + fl;
	}
	buf_addstr(&b, s);
	snprintf(e->msg, sizeof(e->msg), "%s", b.data);
	buf_release(&b);
}

void drop_component_release(struct drop_component *c)
{
	if (!c)
		return;
	free(c->member);
	free(c->name);
	free(c->version);
	free(c->kind);
	free(c->provenance);
	cJSON_Delete(c->artifacts);
	memset(c, 0, sizeof(*c));
}

/* name, version and kind come from the recipe the provenance carries (its
 * digest checked by provenance_parse), so they are as signed as the rest. */
static int recipe_fields(const struct provenance_record *rec, const char *what,
			 struct drop_component *c, struct err *e)
{
	cJSON *r = NULL;
	const char *name, *version, *kind;
	int ret = -1;

	if (json_parse_buf(rec->recipe_text, rec->recipe_len, what, &r, e) < 0 ||
	    json_get_string(r, "name", 1, what, "recipe", &name, e) < 0 ||
	    json_get_string(r, "version", 1, what, "recipe", &version, e) < 0 ||
	    json_get_string(r, "kind", 0, what, "recipe", &kind, e) < 0)
		goto out;
	c->name = xstrdup(name);
	c->version = xstrdup(version);
	c->kind = xstrdup(kind ? kind : "");
	ret = 0;
out:
	cJSON_Delete(r);
	return ret;
}

int drop_component_load(const char *path, const char *member, int rebuild, int quiet,
			struct buf *report, struct drop_component *c, struct err *e)
{
	struct audit_result res = { 0 };
	struct provenance_record rec;
	struct buf sink = BUF_INIT;
	const cJSON *ip, *sde;
	int ret = -1;

	memset(&rec, 0, sizeof(rec));
	memset(c, 0, sizeof(*c));
	c->member = xstrdup(member);
	if (audit_bundle(path, NULL, rebuild, quiet, report ? report : &sink, &res, e) < 0)
		goto out;
	memcpy(c->keyid, res.keyid, sizeof(c->keyid));
	if (provenance_parse(res.provenance, res.provenance_len, member, &rec, e) < 0 ||
	    recipe_fields(&rec, member, c, e) < 0 || digest_file(path, c->sha256, e) < 0)
		goto out;
	ip = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(rec.json, "predicate"), "buildDefinition"),
		"internalParameters");
	sde = cJSON_GetObjectItemCaseSensitive(ip, "SOURCE_DATE_EPOCH");
	c->sde = cJSON_IsNumber(sde) && sde->valuedouble > 0 ? (int64_t)sde->valuedouble : 0;
	c->artifacts = cJSON_CreateArray();
	for (size_t i = 0; i < rec.nsubjects; i++) {
		cJSON *a = cJSON_CreateObject();
		json_add_str(a, "name", rec.subjects[i].name);
		json_add_sha256(a, rec.subjects[i].sha256);
		cJSON_AddItemToArray(c->artifacts, a);
	}
	c->provenance = res.provenance;
	c->provenance_len = res.provenance_len;
	res.provenance = NULL;
	ret = 0;
out:
	audit_result_release(&res);
	provenance_record_release(&rec);
	buf_release(&sink);
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	const char *nx = json_str(x, "name"), *ny = json_str(y, "name");

	return strcmp(nx ? nx : "", ny ? ny : "");
}

/* Moves the items of arr (objects with a "name") into a new array sorted
 * by name; arr is freed. */
static cJSON *sorted_by_name(cJSON *arr)
{
	cJSON **v = NULL, *out = cJSON_CreateArray();
	size_t n = 0;

	while (arr->child) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = cJSON_DetachItemViaPointer(arr, arr->child);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(out, v[i]);
	free(v);
	cJSON_Delete(arr);
	return out;
}

char *drop_statement(const struct drop_component *c, size_t n, const cJSON *files,
		     const cJSON *manifest)
{
	cJSON *st = cJSON_CreateObject(), *subj = cJSON_CreateArray(), *pred, *comps, *x;
	const cJSON *f, *a;
	char *s;

	cJSON_ArrayForEach(f, files)
		cJSON_AddItemToArray(subj, cJSON_Duplicate(f, 1));
	for (size_t i = 0; i < n; i++)
		cJSON_ArrayForEach(a, c[i].artifacts) {
			x = cJSON_Duplicate(a, 1);
			cJSON_DeleteItemFromObjectCaseSensitive(x, "name");
			s = xasprintf("%s/%s", c[i].name, json_str(a, "name") ? json_str(a, "name") : "");
			json_add_str(x, "name", s);
			free(s);
			cJSON_AddItemToArray(subj, x);
		}
	json_add_str(st, "_type", DSSE_STATEMENT_V1);
	cJSON_AddItemToObject(st, "subject", sorted_by_name(subj));
	json_add_str(st, "predicateType", DROP_PREDICATE_TYPE);
	pred = cJSON_AddObjectToObject(st, "predicate");
	cJSON_AddItemToObject(pred, "manifest", cJSON_Duplicate(manifest, 1));
	comps = cJSON_AddArrayToObject(pred, "components");
	for (size_t i = 0; i < n; i++) {
		x = cJSON_CreateObject();
		json_add_str(x, "name", c[i].name);
		json_add_str(x, "version", c[i].version);
		json_add_str(x, "kind", c[i].kind);
		json_add_str(x, "bundle", c[i].member);
		json_add_sha256(x, c[i].sha256);
		json_add_str(x, "keyid", c[i].keyid);
		cJSON_AddItemToObject(x, "artifacts", cJSON_Duplicate(c[i].artifacts, 1));
		cJSON_AddItemToArray(comps, x);
	}
	s = json_print_canonical(st);
	cJSON_Delete(st);
	return s;
}

/* DROP.md: what a person reads first.  It is a subject of the statement
 * like every other member, so it cannot be edited unnoticed either. */
static char *readme(const struct drop_component *c, size_t n, const cJSON *m,
		    const struct sign_key *k, const char *manifest_keyid)
{
	const char *p = json_str(m, "platform"), *rec = json_str(m, "recommended");
	const cJSON *a;
	struct buf b = BUF_INIT;
	char *matrix = matrix_render(m, "md");

	buf_addf(&b, "# Integration drop: %s\n\n", p ? p : "");
	if (rec)
		buf_addf(&b, "Recommended: %s\n\n", rec);
	buf_addstr(&b, "## Components\n\n| component | version | kind | bundle | sha256 |\n"
		       "|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "| %s | %s | %s | `%s` | `%s` |\n", c[i].name, c[i].version, c[i].kind,
			 c[i].member, c[i].sha256);
	for (size_t i = 0; i < n; i++) {
		buf_addf(&b, "\n### %s %s\n\nSigned with key `%s`.\n\n| artifact | sha256 |\n|---|---|\n",
			 c[i].name, c[i].version, c[i].keyid);
		cJSON_ArrayForEach(a, c[i].artifacts) {
			const char *an = json_str(a, "name");
			const char *ad = json_str(cJSON_GetObjectItemCaseSensitive(a, "digest"), "sha256");

			buf_addf(&b, "| %s | `%s` |\n", an ? an : "", ad ? ad : "");
		}
	}
	/* The matrix brings its own heading. */
	buf_addf(&b, "\n%s\nThe manifest (%s) is signed with key `%s`.\n\n", matrix ? matrix : "",
		 DROP_MANIFEST, manifest_keyid);
	buf_addf(&b, "## Checking it\n\nThe drop statement (%s) is signed with key `%s` (%s); it\n"
		     "names the sha256 of every bundle, artifact and member here.  With a trusted\n"
		     "copy of that public key:\n\n"
		     "    lockstep drop verify DROP.tar --pubkey drop.pub\n\n"
		     "or by hand: docs/drop.md.\n",
		 DROP_STATEMENT, sign_key_id(k), sign_key_type(k));
	free(matrix);
	return buf_take(&b, NULL);
}

/* A staged member: written, mode 0644, mtime sde, so neither the umask nor
 * the time of day reaches the tar. */
static int stage_file(const char *dir, const char *name, const char *text, size_t len,
		      struct strv *names, struct err *e)
{
	char *p = fs_join(dir, name);
	int r = fs_write_atomic(p, text, len, 0644, e);
	free(p);
	if (r == 0)
		strv_push(names, name);
	return r;
}

static int settle(const char *path, int64_t sde, struct err *e)
{
	struct timespec ts[2] = { { (time_t)sde, 0 }, { (time_t)sde, 0 } };

	if (chmod(path, 0644) < 0 || utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "%s: cannot set mode and time", path);
	return 0;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct drop_component *)a)->member,
		      ((const struct drop_component *)b)->member);
}

/* Copies and audits each bundle: the copy is what gets checked and what
 * goes in, so a bundle changed after its check cannot slip through. */
static int load_bundles(const struct drop_create_options *o, const char *stage,
			const char *vouch, struct drop_component *c, struct buf *report,
			struct err *e)
{
	for (size_t i = 0; i < o->nbundles; i++) {
		const char *slash = strrchr(o->bundles[i], '/');
		const char *base = slash ? slash + 1 : o->bundles[i];
		char *member = xasprintf("%s%s", DROP_BUNDLES, base);
		char *copy = fs_join(stage, member), *vp = NULL;
		int r = -1;

		for (size_t j = 0; j < i; j++)
			if (!strcmp(c[j].member, member)) {
				err_set(e, "%s: a second bundle named \"%s\"", o->bundles[i], base);
				goto next;
			}
		if (!fs_rel_path_ok(base) || !strcmp(base, ".")) {
			err_set(e, "%s: not a bundle file name", o->bundles[i]);
			goto next;
		}
		if (fs_copy_file(o->bundles[i], copy, e) < 0)
			goto next;
		if (drop_component_load(copy, member, 0, 1, NULL, &c[i], e) < 0) {
			drop_err_rename(e, copy, o->bundles[i]);
			goto next;
		}
		vp = xasprintf("%s/%zu.json", vouch, i);
		if (fs_write_atomic(vp, c[i].provenance, c[i].provenance_len, 0644, e) < 0)
			goto next;
		buf_addf(report, "%s: %s %s (%s): signatures and digests good, %d artifacts\n",
			 member, c[i].name, c[i].version, c[i].kind, cJSON_GetArraySize(c[i].artifacts));
		r = 0;
next:
		free(member);
		free(copy);
		free(vp);
		if (r < 0)
			return -1;
	}
	qsort(c, o->nbundles, sizeof(*c), cmp_member);
	return 0;
}

/* Loads and validates the manifest; the artifacts in its rows must be
 * vouched for by the provenance of the bundles (written to vouch). */
static int check_manifest(const struct drop_create_options *o, const char *copy,
			  const struct sign_key *pub, const char *vouch, cJSON **m, int *was_signed,
			  struct err *e)
{
	struct strv problems = STRV_INIT;
	int n, ret = -1;

	if (manifest_load(copy, pub, m, was_signed, e) < 0) {
		drop_err_rename(e, copy, o->manifest);
		goto out;
	}
	/* An option that cannot take effect is an error, not a silent no-op. */
	if (o->manifest_pubkey && !*was_signed) {
		err_set(e, "%s: not a signed manifest, so --manifest-pubkey %s has nothing to check",
			o->manifest, o->manifest_pubkey);
		goto out;
	}
	n = manifest_validate(*m, o->manifest, vouch, NULL, &problems, e);
	if (n < 0)
		goto out;
	if (n) {
		err_set(e, "%s%s", problems.v[0],
			n > 1 ? " (and more: see 'lockstep compat validate')" : "");
		drop_err_rename(e, vouch, "the given bundles");
		goto out;
	}
	ret = 0;
out:
	strv_release(&problems);
	return ret;
}

/* The manifest's envelope: a signed one goes in as it came; an unsigned
 * one is signed with the drop key. */
static int manifest_envelope(const char *copy, const cJSON *m, int was_signed,
			     const struct sign_key *key, char **env, size_t *len, struct err *e)
{
	if (was_signed)
		return fs_read_file(copy, JSON_MAX_FILE, env, len, e);
	if (manifest_sign(m, key, env, e) < 0)
		return -1;
	*len = strlen(*env);
	return 0;
}

static cJSON *file_subject(const char *stage, const char *name, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1], *p = fs_join(stage, name);
	cJSON *x = NULL;

	if (digest_file(p, hex, e) == 0) {
		x = cJSON_CreateObject();
		json_add_str(x, "name", name);
		json_add_sha256(x, hex);
	}
	free(p);
	return x;
}

/* The drop replaces OUT by rename: OUT must not be one of the inputs. */
static int check_out(const struct drop_create_options *o, struct err *e)
{
	struct stat so, si;

	if (stat(o->out, &so) < 0)
		return 0;
	for (size_t i = 0; i <= o->nbundles; i++) {
		const char *in = i < o->nbundles ? o->bundles[i] : o->manifest;
		if (stat(in, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
			return err_set(e, "%s: is also an input (%s), refusing to overwrite it", o->out, in);
	}
	return 0;
}

int drop_create(const struct drop_create_options *o, struct buf *report, struct err *e)
{
	struct sign_key *key = NULL, *mpub = NULL;
	struct drop_component *c = NULL;
	struct archive_entry_spec *specs = NULL;
	struct strv names = STRV_INIT, paths = STRV_INIT;
	char *work = NULL, *stage = NULL, *vouch = NULL, *menv = NULL, *pem = NULL, *md = NULL;
	char *stmt = NULL, *denv = NULL, *mpem = NULL, *mcopy = NULL, hex[DIGEST_HEX_LEN + 1];
	cJSON *m = NULL, *files = NULL, *minfo = NULL;
	size_t mlen = 0;
	int64_t sde = 0;
	int was_signed = 0, ret = -1;

	if (!o->nbundles || o->nbundles > DROP_MAX_BUNDLES)
		return err_set(e, "%s: give 1 to %d bundles", o->out, DROP_MAX_BUNDLES);
	/* Keys first: a typo in --key should not cost the bundle checks. */
	if (check_out(o, e) < 0 || sign_key_load_private(o->key, &key, e) < 0 ||
	    (o->manifest_pubkey && sign_key_load_public(o->manifest_pubkey, &mpub, e) < 0))
		goto out;
	work = workdir_make("drop", e);
	if (!work)
		goto out;
	stage = fs_join(work, "drop");
	vouch = fs_join(work, "vouch");
	{
		/* The manifest is read from a private copy (its own name kept:
		 * the extension tells YAML), so the bytes checked are the bytes
		 * that go in, as for the bundles. */
		const char *slash = strrchr(o->manifest, '/');
		char *b = fs_join(stage, DROP_BUNDLES), *in = fs_join(work, "in");
		int r = fs_mkdirs(b, e) < 0 || fs_mkdirs(vouch, e) < 0 || fs_mkdirs(in, e) < 0;
		mcopy = fs_join(in, slash ? slash + 1 : o->manifest);
		r = r || fs_copy_file(o->manifest, mcopy, e) < 0;
		free(b);
		free(in);
		if (r)
			goto out;
	}
	c = xcalloc(o->nbundles, sizeof(*c));
	if (load_bundles(o, stage, vouch, c, report, e) < 0 ||
	    check_manifest(o, mcopy, mpub ? mpub : key, vouch, &m, &was_signed, e) < 0 ||
	    manifest_envelope(mcopy, m, was_signed, key, &menv, &mlen, e) < 0)
		goto out;
	for (size_t i = 0; i < o->nbundles; i++) {
		strv_push(&names, c[i].member);
		if (c[i].sde > sde)
			sde = c[i].sde;
	}
	md = readme(c, o->nbundles, m, key,
		    sign_key_id(was_signed && mpub ? mpub : key));
	if (stage_file(stage, DROP_MANIFEST, menv, mlen, &names, e) < 0 ||
	    stage_file(stage, DROP_README, md, strlen(md), &names, e) < 0)
		goto out;
	/* A manifest signed by someone else travels with their key, so the
	 * drop can be checked from itself and the drop key alone. */
	if (was_signed && mpub && strcmp(sign_key_id(mpub), sign_key_id(key)) &&
	    (sign_key_public_pem(mpub, &mpem, e) < 0 ||
	     stage_file(stage, DROP_MANIFEST_PUBKEY, mpem, strlen(mpem), &names, e) < 0))
		goto out;
	files = cJSON_CreateArray();
	for (size_t i = 0; i < names.n; i++) {
		cJSON *x = file_subject(stage, names.v[i], e);
		if (!x)
			goto out;
		cJSON_AddItemToArray(files, x);
	}
	minfo = cJSON_CreateObject();
	json_add_str(minfo, "name", DROP_MANIFEST);
	digest_buf(menv, mlen, hex);
	json_add_sha256(minfo, hex);
	json_add_str(minfo, "keyid", sign_key_id(was_signed && mpub ? mpub : key));
	json_add_str(minfo, "platform", json_str(m, "platform"));
	stmt = drop_statement(c, o->nbundles, files, minfo);
	if (dsse_sign(key, DSSE_INTOTO_TYPE, stmt, strlen(stmt), &denv, e) < 0 ||
	    sign_key_public_pem(key, &pem, e) < 0 ||
	    stage_file(stage, DROP_STATEMENT, denv, strlen(denv), &names, e) < 0 ||
	    stage_file(stage, DROP_PUBKEY, pem, strlen(pem), &names, e) < 0)
		goto out;
	specs = xcalloc(names.n, sizeof(*specs));
	for (size_t i = 0; i < names.n; i++) {
		strv_take(&paths, fs_join(stage, names.v[i]));
		if (settle(paths.v[i], sde, e) < 0)
			goto out;
		specs[i].name = names.v[i];
		specs[i].path = paths.v[i];
	}
	if (cleanup_interrupted()) {
		err_setk(e, ERR_INTERRUPT, "%s: interrupted", o->out);
		goto out;
	}
	if (archive_write_files(specs, names.n, o->out, "none", sde, e) < 0)
		goto out;
	buf_addf(report, "%s: signed manifest (key %s)\n", DROP_MANIFEST,
		 sign_key_id(was_signed && mpub ? mpub : key));
	buf_addf(report, "%s: drop statement signed with key %s (%s)\n", DROP_STATEMENT,
		 sign_key_id(key), sign_key_type(key));
	ret = 0;
out:
	if (work) {
		fs_remove_tree(work, NULL);
		cleanup_remove_path(work);
	}
	for (size_t i = 0; c && i < o->nbundles; i++)
		drop_component_release(&c[i]);
	free(c);
	free(specs);
	strv_release(&names);
	strv_release(&paths);
	sign_key_free(key);
	sign_key_free(mpub);
	cJSON_Delete(m);
	cJSON_Delete(files);
	cJSON_Delete(minfo);
	free(work);
	free(stage);
	free(vouch);
	free(menv);
	free(pem);
	free(mpem);
	free(md);
	free(stmt);
	free(denv);
	free(mcopy);
	return ret;
}
