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
#include "verifier/audit.h"

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
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec.json,
										  "predicate"),
						 "buildDefinition"),
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

	cJSON_ArrayForEach(f, files) cJSON_AddItemToArray(subj, cJSON_Duplicate(f, 1));
	for (size_t i = 0; i < n; i++)
		cJSON_ArrayForEach(a, c[i].artifacts)
		{
			x = cJSON_Duplicate(a, 1);
			cJSON_DeleteItemFromObjectCaseSensitive(x, "name");
			s = xasprintf("%s/%s", c[i].name,
				      json_str(a, "name") ? json_str(a, "name") : "");
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
		buf_addf(
			&b,
			"\n### %s %s\n\nSigned with key `%s`.\n\n| artifact | sha256 |\n|---|---|\n",
			c[i].name, c[i].version, c[i].keyid);
		cJSON_ArrayForEach(a, c[i].artifacts)
		{
			const char *an = json_str(a, "name");
			const char *ad = json_str(cJSON_GetObjectItemCaseSensitive(a, "digest"),
						  "sha256");

			buf_addf(&b, "| %s | `%s` |\n", an ? an : "", ad ? ad : "");
		}
	}
	/* The matrix brings its own heading. */
	buf_addf(&b, "\n%s\nThe manifest (%s) is signed with key `%s`.\n\n", matrix ? matrix : "",
		 DROP_MANIFEST, manifest_keyid);
	buf_addf(&b,
		 "## Checking it\n\nThe drop statement (%s) is signed with key `%s` (%s); it\n"
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
static int load_bundles(const struct drop_create_options *o, const char *stage, const char *vouch,
			struct drop_component *c, struct buf *report, struct err *e)
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
			 member, c[i].name, c[i].version, c[i].kind,
			 cJSON_GetArraySize(c[i].artifacts));
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
		err_set(e,
			"%s: not a signed manifest, so --manifest-pubkey %s has nothing to check",
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
			return err_set(e, "%s: is also an input (%s), refusing to overwrite it",
				       o->out, in);
	}
	return 0;
}

/* One drop in progress: what each step of drop_create hands the next. */
struct drop_state {
	const struct drop_create_options *o;
	struct sign_key *key;     /* owned: the drop's signing key */
	struct sign_key *mpub;    /* owned: the manifest signer's, or NULL */
	char *work;               /* owned: private work directory */
	char *stage;              /* owned: work/drop, the drop's members */
	char *vouch;              /* owned: work/vouch */
	char *mcopy;              /* owned: the private copy of the manifest */
	struct drop_component *c; /* owned: o->nbundles */
	cJSON *m;                 /* owned: the manifest */
	int was_signed;           /* the manifest came signed */
	char *menv;               /* owned: its envelope */
	size_t mlen;
	struct strv names; /* the members staged so far */
	int64_t sde;       /* the newest component's SOURCE_DATE_EPOCH */
};

/* Who signed the manifest. */
static const struct sign_key *manifest_signer(const struct drop_state *d)
{
	return d->was_signed && d->mpub ? d->mpub : d->key;
}

/* Keys first (a typo in --key should not cost the bundle checks), then the
 * work directories and the private copy of the manifest (its own name
 * kept: the extension tells YAML), so the bytes checked are the bytes that
 * go in, as for the bundles. */
static int drop_prepare(struct drop_state *d, struct err *e)
{
	const struct drop_create_options *o = d->o;
	const char *slash = strrchr(o->manifest, '/');
	char *b, *in;
	int r;

	if (check_out(o, e) < 0 || sign_key_load_private(o->key, &d->key, e) < 0 ||
	    (o->manifest_pubkey && sign_key_load_public(o->manifest_pubkey, &d->mpub, e) < 0))
		return -1;
	d->work = workdir_make("drop", e);
	if (!d->work)
		return -1;
	d->stage = fs_join(d->work, "drop");
	d->vouch = fs_join(d->work, "vouch");
	b = fs_join(d->stage, DROP_BUNDLES);
	in = fs_join(d->work, "in");
	r = fs_mkdirs(b, e) < 0 || fs_mkdirs(d->vouch, e) < 0 || fs_mkdirs(in, e) < 0;
	d->mcopy = fs_join(in, slash ? slash + 1 : o->manifest);
	r = r || fs_copy_file(o->manifest, d->mcopy, e) < 0;
	free(b);
	free(in);
	return r ? -1 : 0;
}

/* The bundles audited and staged, the manifest checked against them and
 * staged with DROP.md (and its signer's key when that is not ours). */
static int drop_stage_members(struct drop_state *d, struct buf *report, struct err *e)
{
	const struct drop_create_options *o = d->o;
	char *md = NULL, *mpem = NULL;
	int ret = -1;

	d->c = xcalloc(o->nbundles, sizeof(*d->c));
	if (load_bundles(o, d->stage, d->vouch, d->c, report, e) < 0 ||
	    check_manifest(o, d->mcopy, d->mpub ? d->mpub : d->key, d->vouch, &d->m, &d->was_signed,
			   e) < 0 ||
	    manifest_envelope(d->mcopy, d->m, d->was_signed, d->key, &d->menv, &d->mlen, e) < 0)
		goto out;
	for (size_t i = 0; i < o->nbundles; i++) {
		strv_push(&d->names, d->c[i].member);
		if (d->c[i].sde > d->sde)
			d->sde = d->c[i].sde;
	}
	md = readme(d->c, o->nbundles, d->m, d->key, sign_key_id(manifest_signer(d)));
	if (stage_file(d->stage, DROP_MANIFEST, d->menv, d->mlen, &d->names, e) < 0 ||
	    stage_file(d->stage, DROP_README, md, strlen(md), &d->names, e) < 0)
		goto out;
	/* A manifest signed by someone else travels with their key, so the
	 * drop can be checked from itself and the drop key alone. */
	if (d->was_signed && d->mpub && strcmp(sign_key_id(d->mpub), sign_key_id(d->key)) &&
	    (sign_key_public_pem(d->mpub, &mpem, e) < 0 ||
	     stage_file(d->stage, DROP_MANIFEST_PUBKEY, mpem, strlen(mpem), &d->names, e) < 0))
		goto out;
	ret = 0;
out:
	free(md);
	free(mpem);
	return ret;
}

/* The drop statement over every member staged so far, signed, staged with
 * the drop key. */
static int drop_sign_statement(struct drop_state *d, struct err *e)
{
	cJSON *files = cJSON_CreateArray(), *minfo = NULL;
	char *stmt = NULL, *denv = NULL, *pem = NULL, hex[DIGEST_HEX_LEN + 1];
	int ret = -1;

	for (size_t i = 0; i < d->names.n; i++) {
		cJSON *x = file_subject(d->stage, d->names.v[i], e);
		if (!x)
			goto out;
		cJSON_AddItemToArray(files, x);
	}
	minfo = cJSON_CreateObject();
	json_add_str(minfo, "name", DROP_MANIFEST);
	digest_buf(d->menv, d->mlen, hex);
	json_add_sha256(minfo, hex);
	json_add_str(minfo, "keyid", sign_key_id(manifest_signer(d)));
	json_add_str(minfo, "platform", json_str(d->m, "platform"));
	stmt = drop_statement(d->c, d->o->nbundles, files, minfo);
	if (dsse_sign(d->key, DSSE_INTOTO_TYPE, stmt, strlen(stmt), &denv, e) < 0 ||
	    sign_key_public_pem(d->key, &pem, e) < 0 ||
	    stage_file(d->stage, DROP_STATEMENT, denv, strlen(denv), &d->names, e) < 0 ||
	    stage_file(d->stage, DROP_PUBKEY, pem, strlen(pem), &d->names, e) < 0)
		goto out;
	ret = 0;
out:
	cJSON_Delete(files);
	cJSON_Delete(minfo);
	free(stmt);
	free(denv);
	free(pem);
	return ret;
}

/* Every member settled at the drop's date, the tar written to o->out. */
static int drop_write(struct drop_state *d, struct err *e)
{
	struct archive_entry_spec *specs = xcalloc(d->names.n ? d->names.n : 1, sizeof(*specs));
	struct strv paths = STRV_INIT;
	int ret = -1;

	for (size_t i = 0; i < d->names.n; i++) {
		strv_take(&paths, fs_join(d->stage, d->names.v[i]));
		if (settle(paths.v[i], d->sde, e) < 0)
			goto out;
		specs[i].name = d->names.v[i];
		specs[i].path = paths.v[i];
	}
	if (cleanup_interrupted()) {
		err_setk(e, ERR_INTERRUPT, "%s: interrupted", d->o->out);
		goto out;
	}
	ret = archive_write_files(specs, d->names.n, d->o->out, "none", d->sde, e);
out:
	free(specs);
	strv_release(&paths);
	return ret;
}

int drop_create(const struct drop_create_options *o, struct buf *report, struct err *e)
{
	struct drop_state d = { .o = o, .names = STRV_INIT };
	int ret = -1;

	if (!o->nbundles || o->nbundles > DROP_MAX_BUNDLES)
		return err_set(e, "%s: give 1 to %d bundles", o->out, DROP_MAX_BUNDLES);
	if (drop_prepare(&d, e) == 0 && drop_stage_members(&d, report, e) == 0 &&
	    drop_sign_statement(&d, e) == 0 && drop_write(&d, e) == 0) {
		buf_addf(report, "%s: signed manifest (key %s)\n", DROP_MANIFEST,
			 sign_key_id(manifest_signer(&d)));
		buf_addf(report, "%s: drop statement signed with key %s (%s)\n", DROP_STATEMENT,
			 sign_key_id(d.key), sign_key_type(d.key));
		ret = 0;
	}
	if (d.work) {
		fs_remove_tree(d.work, NULL);
		cleanup_remove_path(d.work);
	}
	for (size_t i = 0; d.c && i < o->nbundles; i++)
		drop_component_release(&d.c[i]);
	free(d.c);
	strv_release(&d.names);
	sign_key_free(d.key);
	sign_key_free(d.mpub);
	cJSON_Delete(d.m);
	free(d.work);
	free(d.stage);
	free(d.vouch);
	free(d.menv);
	free(d.mcopy);
	return ret;
}
