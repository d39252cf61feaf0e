/* SPDX-License-Identifier: MIT */
/* lockstep release: build, independent rebuild, sign, bundle. */
#include "verifier/release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/provenance.h"
#include "builder/matrix.h"
#include "builder/recipe.h"
#include "core/archive.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/sign.h"
#include "verifier/verify.h"
#include "verifier/vsa.h"
#include "toolchains/toolchain.h"

static int write_text(const char *dir, const char *name, const char *text, struct err *e)
{
	char *p = fs_join(dir, name);
	int r = fs_write_atomic(p, text, strlen(text), 0644, e);
	free(p);
	return r;
}

/* RELEASE.md: what a person reads first.  Compiler data comes from the
 * provenance's byproducts, i.e. from the ELF files themselves. */
static char *release_md(const struct recipe *r, const cJSON *prov, const struct sign_key *k)
{
	const cJSON *bd = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(prov, "predicate"), "buildDefinition");
	const cJSON *rd = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(prov, "predicate"), "runDetails");
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(bd, "internalParameters"), "toolchain");
	const cJSON *c, *d;
	struct buf b = BUF_INIT;

	buf_addf(&b, "# %s %s\n\n", r->name, r->version);
	if (r->cell)
		buf_addf(&b, "Matrix cell: `%s`.\n\n", r->cell);
	buf_addf(&b, "Kind: %s. Target: %s, -march=%s, -mabi=%s. SOURCE_DATE_EPOCH: %lld.\n\n",
		 r->kind, r->triple, r->march, r->mabi, (long long)r->source_date_epoch);
	buf_addstr(&b, "## Artifacts\n\n| file | sha256 |\n|---|---|\n");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(prov, "subject"))
		buf_addf(&b, "| %s | `%s` |\n", cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring,
			 cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "digest"), "sha256")->valuestring);
	buf_addf(&b, "\n## Toolchain\n\nPin `%s`, combined digest `%s`.\n\n",
		 cJSON_GetObjectItemCaseSensitive(tc, "name")->valuestring,
		 cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tc, "digest"), "sha256")->valuestring);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(bd, "resolvedDependencies")) {
		d = cJSON_GetObjectItemCaseSensitive(c, "uri");
		if (cJSON_IsString(d) && !strncmp(d->valuestring, "pkg:deb/", 8) &&
		    !cJSON_GetObjectItemCaseSensitive(c, "annotations"))
			buf_addf(&b, "- `%s`\n", d->valuestring);
	}
	buf_addstr(&b, "\n## Compilers and flags (read from the ELF files)\n\n");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rd, "byproducts")) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "annotations"), *x;
		buf_addf(&b, "### %s\n\n", cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(a, "comment"))
			if (cJSON_IsString(x))
				buf_addf(&b, "- compiler: `%s`\n", x->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(a, "producers")) {
			const cJSON *p = cJSON_IsString(x) ? x : cJSON_GetObjectItemCaseSensitive(x, "producer");
			if (cJSON_IsString(p))
				buf_addf(&b, "- producer: `%s`\n", p->valuestring);
		}
		buf_addstr(&b, "\n");
	}
	buf_addf(&b, "## Verification\n\nRebuilt independently in a fresh sandbox from a different host\n"
		     "directory: every artifact byte-identical (policy %s).\n"
		     "Signed with key `%s` (%s).\n\n"
		     "Check it: `lockstep audit BUNDLE --pubkey pubkey.pem`, or with openssl alone\n"
		     "as docs/signing.md shows.\n", VSA_POLICY_URI, sign_key_id(k), sign_key_type(k));
	return buf_take(&b, NULL);
}

static int sign_file(const struct sign_key *k, const char *text, size_t len, const char *dir,
		     const char *name, struct err *e)
{
	char *env = NULL;
	int r;

	if (dsse_sign(k, DSSE_INTOTO_TYPE, text, len, &env, e) < 0)
		return -1;
	r = write_text(dir, name, env, e);
	free(env);
	return r;
}

int release_run(const char *recipe_path, const char *cell, const char *key_path,
		const char *out_dir, int quiet, struct buf *report, char **bundle_path, struct err *e)
{
	struct sign_key *k = NULL;
	struct recipe r;
	struct build_options bo = { 0 };
	struct verify_input vi = { 0 };
	struct verify_outcome vo;
	char *work = NULL, *first = NULL, *second = NULL, *prov_path = NULL, *prov = NULL;
	char *src = NULL, *stage = NULL, *md = NULL, *pem = NULL, *bundle = NULL, *vsa_text = NULL;
	char *base = NULL;
	struct vsa_subject *vs = NULL;
	struct archive_entry_spec *members = NULL;
	struct strv paths = STRV_INIT, names = STRV_INIT;
	size_t prov_len = 0;
	cJSON *pj = NULL, *vsa = NULL;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	memset(&vo, 0, sizeof(vo));
	*bundle_path = NULL;
	/* The key is checked first: a release must not build for minutes and
	 * then fail on a typo in --key.  It never enters a sandbox. */
	if (sign_key_load_private(key_path, &k, e) < 0 || recipe_load(recipe_path, &r, e) < 0)
		goto out;
	/* A release is one artifact set; a matrix recipe has one per cell. */
	if (cell && recipe_select_cell(&r, cell, e) < 0)
		goto out;
	if (r.naxes && !r.cell) {
		err_set(e, "%s: the recipe has a \"matrix\": release one cell with --cell SEL (lockstep build --list shows them)",
			recipe_path);
		goto out;
	}
	base = r.cell ? xasprintf("%s-%s-%s", r.name, r.version, r.cell)
		      : xasprintf("%s-%s", r.name, r.version);
	work = xasprintf("%s/lockstep-release-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(work)) {
		err_sys(e, "%s: cannot create", work);
		goto out;
	}
	cleanup_add_path(work);
	first = fs_join(work, "build");
	second = fs_join(work, "rebuild");
	bo.out_dir = first;
	bo.quiet = quiet;
	bo.tag = "build";
	if (build_run(&r, &bo, e) < 0)
		goto out;
	prov_path = fs_join(first, BUILD_PROVENANCE_NAME);
	src = fs_join(first, BUILD_SOURCE_NAME);
	if (fs_read_file(prov_path, JSON_MAX_FILE, &prov, &prov_len, e) < 0)
		goto out;

	vi.provenance = prov;
	vi.provenance_len = prov_len;
	vi.provenance_file = prov_path;
	vi.source_archive = src;
	vi.original_dir = first;
	vi.rebuild_dir = second;
	vi.quiet = quiet;
	vi.tag = "verify";
	if (verify_rebuild(&vi, &vo, e) < 0)
		goto out;
	buf_add(report, vo.report.data ? vo.report.data : "", vo.report.len);
	if (!vo.identical) {
		err_setk(e, ERR_NO, "%s: not reproducible: the independent rebuild differs; nothing was signed (rebuilt files kept in %s)",
			 recipe_path, second);
		/* The evidence outlives us: keep the work directory. */
		cleanup_remove_path(work);
		free(work);
		work = NULL;
		goto out;
	}

	/* Identical: sign the provenance and a summary naming it. */
	vs = xcalloc(vo.names.n, sizeof(*vs));
	for (size_t i = 0; i < vo.names.n; i++) {
		vs[i].name = vo.names.v[i];
		vs[i].sha256 = vo.digests.v[i];
	}
	vsa = vsa_build(vs, vo.names.n, vo.resource_uri, BUNDLE_PROVENANCE, vo.provenance_sha256);
	vsa_text = json_print(vsa);
	if (json_parse_buf(prov, prov_len, prov_path, &pj, e) < 0)
		goto out;
	md = release_md(&r, pj, k);
	if (sign_file(k, prov, prov_len, work, BUNDLE_PROVENANCE, e) < 0 ||
	    sign_file(k, vsa_text, strlen(vsa_text), work, BUNDLE_SUMMARY, e) < 0 ||
	    sign_key_public_pem(k, &pem, e) < 0 || write_text(work, BUNDLE_PUBKEY, pem, e) < 0 ||
	    write_text(work, BUNDLE_RELEASE_MD, md, e) < 0)
		goto out;

	for (size_t i = 0; i < vo.names.n; i++) {
		strv_pushf(&names, "%s%s", BUNDLE_ARTIFACTS, vo.names.v[i]);
		strv_take(&paths, fs_join(first, vo.names.v[i]));
	}
	{
		/* The first two come from the build, the rest were written here. */
		static const char *const fixed[] = { BUNDLE_SOURCE,  BUNDLE_PIN,     BUNDLE_PROVENANCE,
						     BUNDLE_SUMMARY, BUNDLE_PUBKEY, BUNDLE_RELEASE_MD };
		static const char *const built[] = { BUILD_SOURCE_NAME, BUILD_PIN_NAME };
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			strv_push(&names, fixed[i]);
			strv_take(&paths, fs_join(i < 2 ? first : work, i < 2 ? built[i] : fixed[i]));
		}
	}
	members = xcalloc(names.n, sizeof(*members));
	for (size_t i = 0; i < names.n; i++) {
		members[i].name = names.v[i];
		members[i].path = paths.v[i];
	}
	stage = fs_make_staging(out_dir, e);
	if (!stage)
		goto out;
	bundle = xasprintf("%s/%s.tar", stage, base);
	if (archive_write_files(members, names.n, bundle, "none", r.source_date_epoch, e) < 0 ||
	    write_text(stage, BUNDLE_RELEASE_MD, md, e) < 0)
		goto out;
	if (cleanup_interrupted()) {
		err_setk(e, ERR_INTERRUPT, "%s: interrupted", recipe_path);
		goto out;
	}
	if (fs_publish_dir(stage, out_dir, e) < 0)
		goto out;
	*bundle_path = xasprintf("%s/%s.tar", out_dir, base);
	ret = 0;
out:
	if (stage) {
		fs_remove_tree(stage, NULL);
		cleanup_remove_path(stage);
	}
	if (work) {
		fs_remove_tree(work, NULL);
		cleanup_remove_path(work);
	}
	sign_key_free(k);
	recipe_release(&r);
	verify_outcome_release(&vo);
	cJSON_Delete(pj);
	cJSON_Delete(vsa);
	strv_release(&paths);
	strv_release(&names);
	free(members);
	free(vs);
	free(work);
	free(first);
	free(second);
	free(prov_path);
	free(prov);
	free(src);
	free(stage);
	free(md);
	free(pem);
	free(bundle);
	free(base);
	free(vsa_text);
	return ret;
}

char *release_env_path(const char *bundle)
{
	size_t n = strlen(bundle);

	if (n > 4 && !strcmp(bundle + n - 4, ".tar"))
		n -= 4;
	return xasprintf("%.*s.env.tar", (int)n, bundle);
}

int release_export_env(const char *bundle, const char *out, struct err *e)
{
	char *text = NULL, *dir = NULL, *pin = NULL;
	struct toolchain *t = NULL;
	size_t len;
	int ret = -1;

	if (archive_read_member(bundle, BUNDLE_PIN, JSON_MAX_FILE, &text, &len, e) < 0)
		goto out;
	dir = xasprintf("%s/lockstep-env-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		err_sys(e, "%s: cannot create", dir);
		free(dir);
		dir = NULL;
		goto out;
	}
	cleanup_add_path(dir);
	pin = fs_join(dir, BUNDLE_PIN);
	if (fs_write_atomic(pin, text, len, 0644, e) < 0 || toolchain_load_file(pin, &t, e) < 0 ||
	    toolchain_export(t, out, e) < 0)
		goto out;
	ret = 0;
out:
	if (dir) {
		fs_remove_tree(dir, NULL);
		cleanup_remove_path(dir);
	}
	toolchain_free(t);
	free(text);
	free(dir);
	free(pin);
	return ret;
}
