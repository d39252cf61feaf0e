/* SPDX-License-Identifier: MIT */
/* lockstep audit: everything in a release bundle checked against a trusted
 * public key, then (unless told not to) rebuilt. */
#include "verifier/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/provenance.h"
#include "archive/archive.h"
#include "builder/source_store.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/json.h"
#include "core/sign.h"
#include "verifier/audit_sigstore.h"
#include "verifier/release.h"
#include "verifier/sbom.h"
#include "verifier/verify.h"
#include "verifier/vsa.h"

struct audit {
	const char *bundle;
	char *dir;                /* owned: extraction directory */
	char *key_path;           /* owned: the bundled key read out, in dir */
	struct sign_key *trusted; /* owned */
	struct buf *report;
	cJSON *subjects;     /* owned: see struct audit_result */
	int sigstore_absent; /* an older layout: no sigstore members */
};

static cJSON *subject_entry(const struct audit *a, const char *name)
{
	cJSON *o;

	cJSON_ArrayForEach(o, a->subjects)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return o;
	}
	return NULL;
}

struct plain_members {
	const char *kind;
	struct err e;
};

/* A release bundle holds regular files and directories only: a link in one
 * is refused before anything is extracted. */
static int only_plain_members(const char *name, int64_t size, unsigned mode, char type, void *arg)
{
	struct plain_members *pm = arg;
	char *clean = xstrdup(name);
	size_t n = strlen(clean);
	int escapes;

	/* A directory member's trailing '/' is not part of the path. */
	while (n > 1 && clean[n - 1] == '/')
		clean[--n] = '\0';
	escapes = !fs_rel_path_ok(clean);
	free(clean);
	if (escapes) {
		err_set(&pm->e, "member \"%s\": path escapes the destination", name);
		return -1;
	}
	if (type == ARCHIVE_TYPE_FILE || type == ARCHIVE_TYPE_DIR)
		return 0;
	err_set(&pm->e, "member \"%s\": a %s holds only regular files (this is a %s)", name,
		pm->kind,
		type == ARCHIVE_TYPE_SYMLINK    ? "symlink"
		: type == ARCHIVE_TYPE_HARDLINK ? "hard link"
						: "special file");
	return -1;
}

int audit_check_members(const char *tar, const char *kind, struct err *e)
{
	struct plain_members pm = { kind, ERR_INIT };
	if (archive_list(tar, only_plain_members, &pm, e) < 0 || pm.e.kind != ERR_NONE) {
		if (pm.e.kind != ERR_NONE)
			err_set(e, "%s: %s", tar, pm.e.msg);
		return -1;
	}
	return 0;
}

/* The bundle's members as listed, before anything is extracted. */
struct listing {
	struct strv files, dirs; /* names as stored ("artifacts/" as "artifacts") */
};

static int list_member(const char *name, int64_t size, unsigned mode, char type, void *arg)
{
	struct listing *l = arg;
	char *n = xstrdup(name);
	size_t len = strlen(n);

	if (type == ARCHIVE_TYPE_DIR && len > 1 && n[len - 1] == '/')
		n[len - 1] = '\0';
	if (type == ARCHIVE_TYPE_DIR)
		strv_take(&l->dirs, n);
	else
		strv_take(&l->files, n);
	return 0;
}

/* Lists the bundle: only regular files and directories, each name once
 * (a second copy would let first-match and last-match readers see
 * different bytes under one signed name). */
static int list_bundle(const char *bundle, struct listing *l, struct err *e)
{
	struct strv all = STRV_INIT;
	int ret = -1;

	if (audit_check_members(bundle, "release bundle", e) < 0)
		return -1;
	if (archive_list(bundle, list_member, l, e) < 0)
		return -1;
	for (size_t i = 0; i < l->files.n; i++)
		strv_push(&all, l->files.v[i]);
	for (size_t i = 0; i < l->dirs.n; i++)
		strv_push(&all, l->dirs.v[i]);
	strv_sort(&all);
	for (size_t i = 1; i < all.n; i++)
		if (!strcmp(all.v[i - 1], all.v[i])) {
			err_setk(e, ERR_NO, "%s: member \"%s\": appears more than once", bundle,
				 all.v[i]);
			goto out;
		}
	ret = 0;
out:
	strv_release(&all);
	return ret;
}

static int in_strv(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

/* The bundle holds exactly what the signed statements name: the fixed
 * members (the environment pin among them, named by digest in the
 * provenance), the sigstore bundle of each signed statement (all or, from
 * an older lockstep, none), artifacts/ and one artifacts/NAME per
 * provenance subject. */
static int check_member_set(struct audit *a, const struct listing *l,
			    const struct provenance_record *rec, struct err *e)
{
	static const char *const fixed[] = { BUNDLE_PROVENANCE,  BUNDLE_SUMMARY, BUNDLE_SBOM,
					     BUNDLE_SBOM_SIGNED, BUNDLE_PUBKEY,  BUNDLE_PIN,
					     BUNDLE_RELEASE_MD };
	struct strv want = STRV_INIT, dirs = STRV_INIT;
	char dir[] = BUNDLE_ARTIFACTS;
	int ret = -1;

	dir[sizeof(dir) - 2] = '\0'; /* "artifacts" */
	if (!source_name_known(rec->source_name))
		return err_setk(e, ERR_NO,
				"%s: the provenance calls the source archive \"%s\", not %s or %s",
				a->bundle, rec->source_name, BUILD_SOURCE_NAME,
				BUILD_SOURCE_NAME_GZ);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		strv_push(&want, fixed[i]);
	/* The source under the name the provenance gives it (an older
	 * release's source.tar.gz too). */
	strv_push(&want, rec->source_name);
	if (audit_sigstore_members(a->bundle, &l->files, &want, &a->sigstore_absent, e) < 0)
		goto out;
	for (size_t i = 0; i < rec->nsubjects; i++)
		strv_pushf(&want, "%s%s", BUNDLE_ARTIFACTS, rec->subjects[i].name);
	for (size_t i = 0; i < l->files.n; i++)
		if (!in_strv(&want, l->files.v[i])) {
			err_setk(
				e, ERR_NO,
				"%s: member \"%s\": not named by the signed statements (an unsigned extra)",
				a->bundle, l->files.v[i]);
			goto out;
		}
	/* A directory is named only as one that holds a named artifact
	 * (artifacts/platform/ for artifacts/platform/fw.bin). */
	for (size_t i = 0; i < rec->nsubjects; i++)
		for (const char *s = strchr(rec->subjects[i].name, '/'); s; s = strchr(s + 1, '/'))
			strv_pushf(&dirs, "%s%.*s", BUNDLE_ARTIFACTS,
				   (int)(s - rec->subjects[i].name), rec->subjects[i].name);
	for (size_t i = 0; i < l->dirs.n; i++)
		if (strcmp(l->dirs.v[i], dir) && !in_strv(&dirs, l->dirs.v[i])) {
			err_setk(
				e, ERR_NO,
				"%s: member \"%s/\": not named by the signed statements (an unsigned extra)",
				a->bundle, l->dirs.v[i]);
			goto out;
		}
	for (size_t i = 0; i < want.n; i++)
		if (!in_strv(&l->files, want.v[i])) {
			err_setk(e, ERR_NO, "%s: member \"%s\": missing", a->bundle, want.v[i]);
			goto out;
		}
	buf_addf(a->report, "members: exactly the %zu the signed statements name\n", want.n);
	ret = 0;
out:
	strv_release(&want);
	strv_release(&dirs);
	return ret;
}

/* RELEASE.md is not signed itself: it must be exactly what release writes
 * from the signed provenance and the trusted key. */
static int check_release_md(const struct audit *a, const struct provenance_record *rec,
			    struct err *e)
{
	char *md = NULL, *want = NULL;
	size_t len = 0;
	int ret = -1;

	if (archive_read_member(a->bundle, BUNDLE_RELEASE_MD, RELEASE_MD_MAX, &md, &len, e) < 0)
		goto out;
	want = release_md_regenerate(rec, a->trusted, e);
	if (!want) {
		err_wrap(e, "%s: %s", a->bundle, BUNDLE_RELEASE_MD);
		goto out;
	}
	if (len != strlen(want) || memcmp(md, want, len)) {
		err_setk(e, ERR_NO,
			 "%s: %s: differs from the one regenerated from the signed provenance",
			 a->bundle, BUNDLE_RELEASE_MD);
		goto out;
	}
	buf_addf(a->report, "%s: matches the signed provenance\n", BUNDLE_RELEASE_MD);
	ret = 0;
out:
	free(md);
	free(want);
	return ret;
}

/* The bundled public key, read out of the bundle (size-capped) into the
 * private work directory, where the key loaders read it. */
static int read_pubkey(const struct audit *a, struct err *e)
{
	char *pem = NULL;
	size_t len = 0;
	int ret = -1;

	if (archive_read_member(a->bundle, BUNDLE_PUBKEY, 64u << 10, &pem, &len, e) == 0)
		ret = fs_write_atomic(a->key_path, pem, len, 0600, e);
	free(pem);
	return ret;
}

static char *member(const struct audit *a, const char *name)
{
	return fs_join(a->dir, name);
}

/* Reads a signed member and returns its verified payload; file_sha256 (may
 * be NULL) gets the sha256 of the envelope's bytes. */
static int open_envelope(const struct audit *a, const char *name, char **payload, size_t *len,
			 char file_sha256[DIGEST_HEX_LEN + 1], struct err *e)
{
	char *text = NULL, *what = xasprintf("%s: %s", a->bundle, name);
	size_t n = 0;
	int ret = -1;

	/* Read straight from the bundle, capped: nothing is extracted before
	 * the envelopes are authenticated. */
	if (archive_read_member(a->bundle, name, JSON_MAX_FILE, &text, &n, e) < 0)
		goto out;
	if (dsse_verify(a->trusted, text, n, what, payload, len, e) < 0)
		goto out;
	if (file_sha256)
		digest_buf(text, n, file_sha256);
	buf_addf(a->report, "%s: signature good (key %s)\n", name, sign_key_id(a->trusted));
	ret = 0;
out:
	free(text);
	free(what);
	return ret;
}

static int check_pubkey(const struct audit *a, struct err *e)
{
	struct sign_key *k = NULL;
	int ret = -1;

	if (sign_key_load_public(a->key_path, &k, e) < 0) {
		err_wrap(e, "%s: bundled public key", a->bundle);
		goto out;
	}
	/* The trusted key comes from the auditor, never from the bundle; a
	 * bundle carrying another key was tampered with or mislabelled. */
	if (strcmp(sign_key_id(k), sign_key_id(a->trusted))) {
		err_setk(e, ERR_NO, "%s: %s: bundled public key %s is not the trusted key %s",
			 a->bundle, BUNDLE_PUBKEY, sign_key_id(k), sign_key_id(a->trusted));
		goto out;
	}
	ret = 0;
out:
	sign_key_free(k);
	return ret;
}

static int load_bundled_key(struct audit *a, struct err *e)
{
	int r = sign_key_load_public(a->key_path, &a->trusted, e);

	if (r < 0)
		err_wrap(e, "%s: bundled public key", a->bundle);
	return r;
}

static int check_digests(const struct audit *a, const struct provenance_record *rec, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1], *src = member(a, rec->source_name);
	int ret = -1;

	if (digest_file(src, hex, e) < 0) {
		err_wrap(e, "%s", a->bundle);
		goto out;
	}
	if (strcmp(hex, rec->source_digest)) {
		err_setk(e, ERR_NO, "%s: %s: sha256 %s does not match the provenance's %s",
			 a->bundle, rec->source_name, hex, rec->source_digest);
		goto out;
	}
	buf_addf(a->report, "%s: sha256 matches the provenance\n", rec->source_name);
	/* The environment pin: named by digest in the signed provenance. */
	free(src);
	src = member(a, BUNDLE_PIN);
	if (!fs_exists(src)) {
		err_setk(e, ERR_NO, "%s: %s: missing (the provenance names the environment pin %s)",
			 a->bundle, BUNDLE_PIN, rec->pin_file_name);
		goto out;
	}
	if (digest_file(src, hex, e) < 0) {
		err_wrap(e, "%s", a->bundle);
		goto out;
	}
	if (strcmp(hex, rec->pin_file_sha256)) {
		err_setk(e, ERR_NO,
			 "%s: %s: sha256 %s does not match the provenance's %s: the "
			 "environment pin was altered",
			 a->bundle, BUNDLE_PIN, hex, rec->pin_file_sha256);
		goto out;
	}
	buf_addf(a->report, "%s: sha256 matches the provenance\n", BUNDLE_PIN);
	for (size_t i = 0; i < rec->nsubjects; i++) {
		char *rel = xasprintf("%s%s", BUNDLE_ARTIFACTS, rec->subjects[i].name);
		char *p = member(a, rel);
		cJSON *js = subject_entry(a, rec->subjects[i].name);
		int r = digest_file(p, hex, e);

		if (r < 0) {
			err_wrap(e, "%s: %s", a->bundle, rel);
			json_add_str(js, "bundled", "missing");
		} else if (strcmp(hex, rec->subjects[i].sha256)) {
			r = err_setk(e, ERR_NO,
				     "%s: %s: sha256 %s does not match the provenance's %s",
				     a->bundle, rel, hex, rec->subjects[i].sha256);
			json_add_str(js, "bundled", "differs");
			json_add_str(js, "bundledSha256", hex);
		} else {
			buf_addf(a->report, "%s: sha256 matches the provenance\n", rel);
			json_add_str(js, "bundled", "matches");
		}
		free(rel);
		free(p);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	free(src);
	return ret;
}

/* The SBOM, plain and signed, must be exactly what release generates from
 * the signed provenance and the (digest-checked) environment pin: a BOM
 * that lists another package than the build root had is caught here. */
static int check_sbom(const struct audit *a, const struct provenance_record *rec,
		      const char *prov_sha256, const char *signed_st, size_t signed_len,
		      struct err *e)
{
	char *pin = member(a, BUNDLE_PIN), *bom = NULL, *st = NULL, *plain = NULL;
	size_t len = 0;
	int ret = -1;

	if (sbom_generate(rec, prov_sha256, pin, &bom, &st, e) < 0) {
		err_wrap(e, "%s: %s", a->bundle, BUNDLE_SBOM);
		goto out;
	}
	if (signed_len != strlen(st) || memcmp(signed_st, st, signed_len)) {
		err_setk(
			e, ERR_NO,
			"%s: %s: the signed SBOM differs from the one generated from the signed provenance and the environment pin",
			a->bundle, BUNDLE_SBOM_SIGNED);
		goto out;
	}
	if (archive_read_member(a->bundle, BUNDLE_SBOM, JSON_MAX_FILE, &plain, &len, e) < 0)
		goto out;
	if (len != strlen(bom) || memcmp(plain, bom, len)) {
		err_setk(e, ERR_NO, "%s: %s: differs from the signed SBOM", a->bundle, BUNDLE_SBOM);
		goto out;
	}
	buf_addf(a->report, "%s, %s: match the signed provenance and the environment pin\n",
		 BUNDLE_SBOM, BUNDLE_SBOM_SIGNED);
	ret = 0;
out:
	free(pin);
	free(bom);
	free(st);
	free(plain);
	return ret;
}

/* The sigstore members, read out of the bundle like the envelopes; a
 * bundle from before them says so rather than passing in silence. */
static int check_sigstore(const struct audit *a, struct err *e)
{
	if (!a->sigstore_absent)
		return audit_sigstore_check(a->bundle, a->trusted, a->report, e);
	buf_addf(a->report,
		 "note: no sigstore bundles (%s, %s, %s): a bundle made by a lockstep "
		 "from before them; its DSSE envelopes are checked as always\n",
		 BUNDLE_PROVENANCE_SIGSTORE, BUNDLE_SUMMARY_SIGSTORE, BUNDLE_SBOM_SIGSTORE);
	return 0;
}

void audit_result_release(struct audit_result *res)
{
	if (!res)
		return;
	free(res->provenance);
	res->provenance = NULL;
	cJSON_Delete(res->subjects);
	res->subjects = NULL;
	res->provenance_len = 0;
}

int audit_run(const char *bundle, const char *pubkey_path, int rebuild, int quiet,
	      struct buf *report, struct err *e)
{
	return audit_bundle(bundle, pubkey_path, rebuild, quiet, report, NULL, e);
}

int audit_bundle(const char *bundle, const char *pubkey_path, int rebuild, int quiet,
		 struct buf *report, struct audit_result *res, struct err *e)
{
	struct audit a = { .bundle = bundle, .report = report };
	struct listing l = { STRV_INIT, STRV_INIT };
	struct provenance_record rec;
	struct verify_input vi = { 0 };
	struct verify_outcome vo;
	char *prov = NULL, *vsa = NULL, *sbom = NULL, *arts = NULL, *src = NULL, *rb = NULL,
	     *pin = NULL, hex[DIGEST_HEX_LEN + 1];
	char prov_sha256[DIGEST_HEX_LEN + 1];
	size_t prov_len = 0, vsa_len = 0, sbom_len = 0;
	int ret = -1;

	memset(&rec, 0, sizeof(rec));
	memset(&vo, 0, sizeof(vo));
	if (res)
		memset(res, 0, sizeof(*res));
	if (pubkey_path && sign_key_load_public(pubkey_path, &a.trusted, e) < 0)
		goto out;
	a.dir = workdir_make("audit", e);
	if (!a.dir)
		goto out;
	a.key_path = fs_join(a.dir, ".bundled-pubkey.pem");
	/* In this order: the listing (headers only), the key and the two
	 * envelopes read out of the bundle and authenticated, the member set
	 * and RELEASE.md checked against them; only then is anything
	 * extracted, so an unsigned member never reaches the disk. */
	if (list_bundle(bundle, &l, e) < 0 || read_pubkey(&a, e) < 0)
		goto out;
	/* No trusted key given: the caller vouches for the bundle's bytes some
	 * other way (a drop's signed digest of it), so its own key is trusted. */
	if (!pubkey_path && load_bundled_key(&a, e) < 0)
		goto out;
	if (check_pubkey(&a, e) < 0 ||
	    open_envelope(&a, BUNDLE_PROVENANCE, &prov, &prov_len, hex, e) < 0 ||
	    provenance_parse(prov, prov_len, BUNDLE_PROVENANCE, &rec, e) < 0)
		goto out;
	a.subjects = cJSON_CreateArray();
	for (size_t i = 0; i < rec.nsubjects; i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_str(o, "name", rec.subjects[i].name);
		json_add_str(o, "sha256", rec.subjects[i].sha256);
		cJSON_AddItemToArray(a.subjects, o);
	}
	if (open_envelope(&a, BUNDLE_SUMMARY, &vsa, &vsa_len, NULL, e) < 0)
		goto out;
	/* The summary names the provenance envelope by its file's sha256. */
	if (vsa_check(vsa, vsa_len, BUNDLE_SUMMARY, BUNDLE_PROVENANCE, hex, e) < 0) {
		err_wrap(e, "%s", bundle);
		goto out;
	}
	buf_addf(report, "%s: PASSED, vouches for %s (sha256 %s)\n", BUNDLE_SUMMARY,
		 BUNDLE_PROVENANCE, hex);
	/* The SBOM's envelope after the member set (a bundle without one is
	 * named as missing), still before anything is extracted. */
	digest_buf(prov, prov_len, prov_sha256);
	if (check_member_set(&a, &l, &rec, e) < 0 || check_release_md(&a, &rec, e) < 0 ||
	    open_envelope(&a, BUNDLE_SBOM_SIGNED, &sbom, &sbom_len, NULL, e) < 0 ||
	    check_sigstore(&a, e) < 0 || archive_extract(bundle, a.dir, e) < 0 ||
	    check_digests(&a, &rec, e) < 0 ||
	    check_sbom(&a, &rec, prov_sha256, sbom, sbom_len, e) < 0)
		goto out;
	if (rebuild) {
		arts = member(&a, BUNDLE_ARTIFACTS);
		src = member(&a, rec.source_name);
		rb = member(&a, "rebuild");
		vi.provenance = prov;
		vi.provenance_len = prov_len;
		vi.provenance_file = BUNDLE_PROVENANCE;
		vi.record = &rec;
		vi.source_archive = src;
		vi.pin_file = pin = member(&a, BUNDLE_PIN);
		vi.original_dir = arts;
		vi.rebuild_dir = rb;
		vi.quiet = quiet;
		vi.tag = "audit";
		if (verify_rebuild(&vi, &vo, e) < 0)
			goto out;
		buf_add(report, vo.report.data ? vo.report.data : "", vo.report.len);
		{
			const cJSON *f;
			cJSON_ArrayForEach(f, vo.findings)
			{
				const char *n = json_str(f, "name"), *x;
				cJSON *js = n ? subject_entry(&a, n) : NULL;
				if (!js)
					continue;
				if ((x = json_str(f, "result")))
					json_add_str(js, "rebuild", x);
				if ((x = json_str(f, "rebuiltSha256")))
					json_add_str(js, "rebuiltSha256", x);
				if ((x = json_str(f, "detail")))
					json_add_str(js, "detail", x);
			}
		}
		if (!vo.identical) {
			err_setk(e, ERR_NO,
				 "%s: the independent rebuild differs from the bundled artifacts",
				 bundle);
			goto out;
		}
	}
	if (res) {
		res->provenance = prov;
		res->provenance_len = prov_len;
		prov = NULL;
		memcpy(res->keyid, sign_key_id(a.trusted), sizeof(res->keyid) - 1);
		res->sigstore_absent = a.sigstore_absent;
	}
	ret = 0;
out:
	if (res) {
		res->subjects = a.subjects;
		a.subjects = NULL;
	}
	cJSON_Delete(a.subjects);
	if (a.dir) {
		fs_remove_tree(a.dir, NULL);
		cleanup_remove_path(a.dir);
	}
	sign_key_free(a.trusted);
	strv_release(&l.files);
	strv_release(&l.dirs);
	provenance_record_release(&rec);
	verify_outcome_release(&vo);
	free(a.dir);
	free(a.key_path);
	free(prov);
	free(vsa);
	free(sbom);
	free(arts);
	free(src);
	free(rb);
	free(pin);
	return ret;
}
