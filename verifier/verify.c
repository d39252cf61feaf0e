/* SPDX-License-Identifier: MIT */
/* verify_rebuild: re-derive everything from the provenance record, rebuild,
 * compare. */
#include "verifier/verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/provenance.h"
#include "builder/recipe.h"
#include "builder/source_store.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/json.h"
#include "diff/diff.h"
#include "toolchains/toolchain.h"

/* The source archive the record names: the one given, else the file of
 * that name beside the provenance, else the store's copy by its digest
 * (builder/source_store.h); checked against the recorded sha256.  *path
 * gets it (caller frees). */
/* name in the directory of file (the current one for a bare file name:
 * strrchr finds no '/' to cut at). */
static char *beside(const char *file, const char *name)
{
	const char *slash = strrchr(file, '/');

	return slash ? xasprintf("%.*s/%s", (int)(slash - file), file, name) : xstrdup(name);
}

static int check_source(const struct verify_input *in, const struct provenance_record *rec,
			char **path, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1];

	*path = NULL;
	if (!source_name_known(rec->source_name))
		return err_set(e, "%s: the source archive is called \"%s\", not %s or %s",
			       in->provenance_file, rec->source_name, BUILD_SOURCE_NAME,
			       BUILD_SOURCE_NAME_GZ);
	if (in->source_archive) {
		*path = xstrdup(in->source_archive);
	} else {
		*path = beside(in->provenance_file, rec->source_name);
		if (!fs_exists(*path)) {
			char *stored = source_store_path(rec->source_digest, rec->source_name, e);

			if (!stored)
				return -1;
			if (!fs_exists(stored)) {
				err_set(e,
					"%s: missing --source: no %s beside it, and the store has no %s",
					in->provenance_file, *path, stored);
				free(stored);
				return -1;
			}
			free(*path);
			*path = stored;
		}
	}
	if (digest_file(*path, hex, e) < 0)
		return -1;
	if (strcmp(hex, rec->source_digest))
		return err_setk(
			e, ERR_NO,
			"%s: source archive sha256 %s does not match the provenance's %s (%s)",
			*path, hex, rec->source_digest, in->provenance_file);
	return 0;
}

/* The environment pin the record names: the file beside the provenance
 * (or the one given), its bytes' sha256 equal to the recorded one, its
 * combined digest too.  *path gets the file checked (caller frees). */
static int check_pin(const struct verify_input *in, const struct provenance_record *rec,
		     char **path, struct err *e)
{
	struct toolchain *t = NULL;
	char hex[DIGEST_HEX_LEN + 1];
	int ret = -1;

	*path = in->pin_file ? xstrdup(in->pin_file)
			     : beside(in->provenance_file, rec->pin_file_name);
	if (!fs_exists(*path)) {
		err_set(e,
			"%s: the environment pin \"%s\" it names is missing (no %s); give it with --pin",
			in->provenance_file, rec->pin_file_name, *path);
		goto out;
	}
	if (digest_file(*path, hex, e) < 0)
		goto out;
	if (strcmp(hex, rec->pin_file_sha256)) {
		err_setk(
			e, ERR_NO,
			"%s: environment pin %s: sha256 %s differs from the %s the provenance names "
			"(%s): altered or not the one the build used",
			in->provenance_file, *path, hex, rec->pin_file_sha256, in->provenance_file);
		goto out;
	}
	if (toolchain_load_file(*path, &t, e) < 0)
		goto out;
	if (strcmp(toolchain_digest(t), rec->toolchain_digest)) {
		err_setk(
			e, ERR_NO,
			"%s: environment pin \"%s\": combined digest %s does not match the recorded %s",
			in->provenance_file, rec->toolchain_name, toolchain_digest(t),
			rec->toolchain_digest);
		goto out;
	}
	ret = 0;
out:
	toolchain_free(t);
	return ret;
}

/* The rebuilt digest of subject name, or NULL when the rebuild has none. */
static const char *rebuilt_digest(const struct build_result *rebuilt, const char *name)
{
	for (size_t i = 0; i < rebuilt->nsubjects; i++)
		if (!strcmp(rebuilt->subjects[i].name, name))
			return rebuilt->subjects[i].sha256;
	return NULL;
}

static long long file_size(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* One line about a differing subject: sizes, first offset, ELF section. */
static void describe(struct verify_outcome *out, const char *name, const char *want,
		     const char *got, const char *orig, const char *rebuilt)
{
	uint64_t off = 0;
	char *section = NULL;

	struct buf d = BUF_INIT;
	char *detail;
	cJSON *o = cJSON_CreateObject();

	buf_addf(&d, "rebuilt sha256 %s, recorded %s", got ? got : "(missing)", want);
	if (orig && got && fs_exists(orig) &&
	    diff_first_offset(orig, rebuilt, &off, &section, NULL) == 1) {
		buf_addf(
			&d,
			"; sizes %lld (recorded) vs %lld (rebuilt); first difference at offset 0x%" PRIx64,
			file_size(orig), file_size(rebuilt), off);
		if (section)
			buf_addf(&d, " in section %s", section);
	}
	detail = buf_take(&d, NULL);
	buf_addf(&out->report, "%s: %s\n", name, detail);
	json_add_str(o, "name", name);
	json_add_str(o, "sha256", want);
	if (got)
		json_add_str(o, "rebuiltSha256", got);
	json_add_str(o, "result", got ? "different" : "missing");
	json_add_str(o, "detail", detail);
	cJSON_AddItemToArray(out->findings, o);
	free(detail);
	free(section);
}

static void finding(struct verify_outcome *out, const char *key, const char *name,
		    const char *sha256, const char *rebuilt, const char *result)
{
	cJSON *o = cJSON_CreateObject();

	json_add_str(o, key, name);
	if (sha256)
		json_add_str(o, "sha256", sha256);
	if (rebuilt)
		json_add_str(o, "rebuiltSha256", rebuilt);
	json_add_str(o, "result", result);
	cJSON_AddItemToArray(out->findings, o);
}

static void compare(const struct verify_input *in, const struct provenance_record *rec,
		    const struct build_result *rebuilt, struct verify_outcome *out)
{
	out->identical = 1;
	if (!out->findings)
		out->findings = cJSON_CreateArray();
	for (size_t i = 0; i < rec->nsubjects; i++) {
		const char *name = rec->subjects[i].name, *want = rec->subjects[i].sha256;
		const char *got = rebuilt_digest(rebuilt, name);
		char *orig = in->original_dir ? fs_join(in->original_dir, name) : NULL;
		char *mine = fs_join(in->rebuild_dir, name);

		strv_push(&out->names, name);
		strv_push(&out->digests, want);
		if (got && !strcmp(got, want)) {
			buf_addf(&out->report, "%s: identical (sha256 %s)\n", name, want);
			finding(out, "name", name, want, got, "identical");
		} else {
			out->identical = 0;
			describe(out, name, want, got, orig, mine);
		}
		free(orig);
		free(mine);
	}
	/* A glob may match more in the rebuild than in the recorded build: a
	 * file nobody vouched for is a difference too. */
	for (size_t k = 0; k < rebuilt->nsubjects; k++) {
		const char *name = rebuilt->subjects[k].name;
		int known = 0;

		for (size_t i = 0; i < rec->nsubjects; i++)
			known |= !strcmp(rec->subjects[i].name, name);
		if (!known) {
			out->identical = 0;
			buf_addf(&out->report, "%s: rebuilt, but %s names no such subject\n", name,
				 in->provenance_file);
		}
	}
	out->reproducible = out->identical;
	/* Shipped files are matched by digest: a renamed artifact is still the
	 * artifact, an unknown one is a finding about the file, not about the
	 * build. */
	for (size_t i = 0; i < in->nartifacts; i++) {
		char hex[DIGEST_HEX_LEN + 1];
		struct err e2 = ERR_INIT;
		int found = 0;

		if (digest_file(in->artifacts[i], hex, &e2) < 0) {
			out->identical = 0;
			out->unmatched++;
			buf_addf(&out->report, "%s\n", e2.msg);
			finding(out, "file", in->artifacts[i], NULL, NULL, "unreadable");
			continue;
		}
		for (size_t j = 0; j < rec->nsubjects; j++)
			found |= !strcmp(hex, rec->subjects[j].sha256);
		if (found) {
			buf_addf(&out->report,
				 "%s: shipped file matches a rebuilt subject (sha256 %s)\n",
				 in->artifacts[i], hex);
			finding(out, "file", in->artifacts[i], hex, NULL, "matches");
			continue;
		}
		out->identical = 0;
		out->unmatched++;
		buf_addf(&out->report, "%s: shipped file sha256 %s matches no subject of %s",
			 in->artifacts[i], hex, in->provenance_file);
		/* Named like a subject: most likely that artifact, altered
		 * after the build. */
		for (size_t j = 0; j < rec->nsubjects; j++) {
			const char *a = in->artifacts[i], *n = rec->subjects[j].name;
			size_t la = strlen(a), ln = strlen(n);

			if (la >= ln && !strcmp(a + la - ln, n) &&
			    (la == ln || a[la - ln - 1] == '/')) {
				buf_addf(&out->report,
					 ": does not match the provenance's \"%s\" (sha256 %s)", n,
					 rec->subjects[j].sha256);
				break;
			}
		}
		buf_addstr(&out->report, "\n");
		finding(out, "file", in->artifacts[i], hex, NULL, "matches no subject");
	}
}

int verify_rebuild(const struct verify_input *in, struct verify_outcome *out, struct err *e)
{
	struct provenance_record own;
	const struct provenance_record *rec;
	struct recipe r;
	struct build_options bo = { 0 };
	struct build_result rebuilt = { 0 };
	char *pin = NULL, *tmpdir = NULL, *src = NULL;
	char hex[DIGEST_HEX_LEN + 1];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	memset(&own, 0, sizeof(own));
	if (!in->record &&
	    provenance_parse(in->provenance, in->provenance_len, in->provenance_file, &own, e) < 0)
		goto out;
	rec = in->record ? in->record : &own;
	digest_buf(in->provenance, in->provenance_len, hex);
	out->provenance_sha256 = xstrdup(hex);
	if (check_source(in, rec, &src, e) < 0)
		goto out;
	if (recipe_load_buf(rec->recipe_text, rec->recipe_len, in->provenance_file, &r, e) < 0) {
		err_wrap(e, "the recipe embedded in the provenance");
		goto out;
	}
	/* A matrix recipe is rebuilt as the very cell the record names; a
	 * record of a matrix recipe without a cell could not have been built. */
	if (rec->cell && recipe_select_cell(&r, rec->cell, e) < 0) {
		err_wrap(e, "%s: \"externalParameters.cell\"", in->provenance_file);
		goto out;
	}
	if (!rec->cell && r.naxes) {
		err_set(e,
			"%s: the recipe has a \"matrix\" but \"externalParameters.cell\" is missing",
			in->provenance_file);
		goto out;
	}
	if (r.cell) {
		out->cell = xstrdup(r.cell);
		out->resource_uri = xasprintf("urn:lockstep:recipe:%s:%s:%s", r.name, r.version,
					      r.cell);
	} else
		out->resource_uri = xasprintf("urn:lockstep:recipe:%s:%s", r.name, r.version);
	tmpdir = workdir_make("verify", e);
	if (!tmpdir)
		goto out;
	if (check_pin(in, rec, &pin, e) < 0)
		goto out;

	bo.out_dir = in->rebuild_dir;
	bo.source_archive = src;
	bo.source_name = rec->source_name;
	bo.pin_path = pin;
	bo.quiet = in->quiet;
	bo.tag = in->tag ? in->tag : "rebuild";
	if (build_run(&r, &bo, &rebuilt, e) < 0) {
		err_wrap(e, "independent rebuild failed");
		goto out;
	}
	compare(in, rec, &rebuilt, out);
	ret = 0;
out:
	if (tmpdir) {
		fs_remove_tree(tmpdir, NULL);
		cleanup_remove_path(tmpdir);
	}
	build_result_release(&rebuilt);
	provenance_record_release(&own);
	recipe_release(&r);
	free(pin);
	free(src);
	free(tmpdir);
	return ret;
}

void verify_outcome_release(struct verify_outcome *out)
{
	buf_release(&out->report);
	cJSON_Delete(out->findings);
	out->findings = NULL;
	free(out->provenance_sha256);
	free(out->resource_uri);
	free(out->cell);
	strv_release(&out->names);
	strv_release(&out->digests);
	memset(out, 0, sizeof(*out));
}
