/* SPDX-License-Identifier: MIT */
/* Fetching a Debian source package (debsource.h): the Sources stanza of
 * NAME at VERSION from a signed index, the .dsc it names by sha256, the
 * files the .dsc names by sha256, all kept in the store. */
#include "toolchains/debsource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "toolchains/fetch.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"

#define DSC_MAX (1u << 20)
#define RECORD_NAME "selected"

/* The value of field in the stanza [s, end) (deb822: the name is matched
 * without regard to case, the value runs over continuation lines); *v and
 * *n point into the stanza.  0 when present. */
static int stanza_field(const char *s, const char *end, const char *field, const char **v,
			size_t *n)
{
	size_t flen = strlen(field);

	for (const char *p = s; p && p < end;
	     p = memchr(p, '\n', (size_t)(end - p)), p = p ? p + 1 : p) {
		const char *q;

		if ((size_t)(end - p) <= flen || strncasecmp(p, field, flen) || p[flen] != ':')
			continue;
		p += flen + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (q = p; q < end; q++)
			if (*q == '\n' && (q + 1 == end || (q[1] != ' ' && q[1] != '\t')))
				break;
		*v = p;
		*n = (size_t)(q - p);
		return 0;
	}
	return -1;
}

static int value_is(const char *v, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(v, want, n);
}

/* A file name a .dsc or an index may give: it becomes a path below the
 * store and the build directory. */
static int file_name_ok(const char *s)
{
	return *s && *s != '.' && strlen(s) < 256 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+~_-") ==
		       strlen(s);
}

/* Calls fn for each " SHA256 SIZE NAME" line of the Checksums-Sha256 field
 * of [s, end); stops at fn's first non-zero return, which it returns; -2
 * when a line is malformed, -3 when the field is missing. */
static int each_checksum(const char *s, const char *end,
			 int (*fn)(void *arg, const char *sha, const char *name), void *arg)
{
	const char *v, *p;
	size_t n;

	if (stanza_field(s, end, "Checksums-Sha256", &v, &n) < 0)
		return -3;
	for (p = v; p < v + n;) {
		const char *nl = memchr(p, '\n', (size_t)(v + n - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(v + n - p);
		char line[512], sha[DIGEST_HEX_LEN + 1], name[257];
		unsigned long long size;
		int r;

		if (len >= sizeof(line))
			return -2;
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + 1;
		if (strspn(line, " \t") == len)
			continue;
		if (sscanf(line, " %64s %llu %256s", sha, &size, name) != 3 ||
		    !digest_is_hex(sha) || !file_name_ok(name))
			return -2;
		r = fn(arg, sha, name);
		if (r)
			return r;
	}
	return 0;
}

struct find_dsc {
	const char *want;
	char sha[DIGEST_HEX_LEN + 1];
};

static int match_dsc(void *arg, const char *sha, const char *name)
{
	struct find_dsc *f = arg;

	if (strcmp(name, f->want))
		return 0;
	memcpy(f->sha, sha, sizeof(f->sha));
	return 1;
}

/* Looks for NAME at VERSION in the Sources text; fills d's directory and
 * .dsc sha256.  1 found, 0 not listed, -1 a malformed stanza. */
static int find_in_sources(const char *text, size_t len, const char *name, const char *version,
			   struct debsource *d, const char *rel, struct err *e)
{
	char *needle = xasprintf("Package: %s\n", name);
	const char *end = text + len, *p = text;
	struct find_dsc f = { .want = d->dsc_name };
	int ret = 0;

	while ((p = memmem(p, (size_t)(end - p), needle, strlen(needle)))) {
		const char *s = p, *t, *v;
		size_t n;

		p += strlen(needle);
		if (s != text && s[-1] != '\n')
			continue;
		/* The stanza around it: from the blank line before to the next. */
		while (s > text && !(s[-1] == '\n' && (s - 1 == text || s[-2] == '\n')))
			s--;
		t = memmem(p, (size_t)(end - p), "\n\n", 2);
		t = t ? t + 1 : end;
		if (stanza_field(s, t, "Version", &v, &n) < 0 || !value_is(v, n, version))
			continue;
		if (stanza_field(s, t, "Directory", &v, &n) < 0 || n == 0 || n > 200) {
			ret = err_set(e, "%s: source \"%s\" %s: no usable Directory field", rel,
				      name, version);
			break;
		}
		d->directory = xstrndup(v, n);
		if (!fs_rel_path_ok(d->directory) || strncmp(d->directory, "pool/", 5) ||
		    strspn(d->directory, "abcdefghijklmnopqrstuvwxyz0123456789+.-_/") != n) {
			ret = err_set(e,
				      "%s: source \"%s\" %s: Directory \"%s\" is not a pool path",
				      rel, name, version, d->directory);
			break;
		}
		if (each_checksum(s, t, match_dsc, &f) != 1) {
			ret = err_set(e, "%s: source \"%s\" %s: Checksums-Sha256 does not list %s",
				      rel, name, version, d->dsc_name);
			break;
		}
		memcpy(d->dsc_sha256, f.sha, sizeof(f.sha));
		ret = 1;
		break;
	}
	free(needle);
	return ret;
}

/* Reads the store's record of an earlier, fully checked fetch. */
static int read_record(const char *dir, struct debsource *d)
{
	char *path = fs_join(dir, RECORD_NAME), *text = NULL, sha[DIGEST_HEX_LEN + 1], suite[65],
	     directory[201];
	size_t len = 0;
	int ret = -1;

	if (fs_read_file(path, 4096, &text, &len, NULL) == 0 &&
	    sscanf(text, "%64s %64s %200s", sha, suite, directory) == 3 && digest_is_hex(sha)) {
		memcpy(d->dsc_sha256, sha, sizeof(sha));
		d->suite = xstrdup(suite);
		d->directory = xstrdup(directory);
		ret = 0;
	}
	free(path);
	free(text);
	return ret;
}

struct fetch_listed {
	const char *const *bases;
	const struct debsource *d;
	const char *store, *dest, *what;
	size_t n;
	struct err *e;
	int failed;
};

/* One file the .dsc lists: kept in the store when its digest is right
 * (fetched when missing or wrong), then copied to dest. */
static int fetch_listed(void *arg, const char *sha, const char *name)
{
	struct fetch_listed *fl = arg;
	char *path = fs_join(fl->store, name), *to = fs_join(fl->dest, name);
	char *rel = xasprintf("%s/%s", fl->d->directory, name), have[DIGEST_HEX_LEN + 1];
	int r = 0;

	if (++fl->n > DEBSOURCE_MAX_FILES)
		r = err_set(fl->e, "%s: lists more than %d files", fl->d->dsc_name,
			    DEBSOURCE_MAX_FILES);
	else if (!fs_exists(path) || digest_file(path, have, NULL) < 0 || strcmp(have, sha))
		r = fetch_file(fl->bases, rel, path, sha, fl->what, 0, 1, NULL, fl->e);
	if (r == 0 && link(path, to) < 0)
		r = fs_copy_file(path, to, fl->e);
	free(path);
	free(to);
	free(rel);
	if (r < 0) {
		fl->failed = 1;
		return -1;
	}
	return 0;
}

int debsource_fetch(const char *name, const char *version, const char *const *suites,
		    const char *keyring, const char *dest, struct debsource *out, struct err *e)
{
	const char *colon = strchr(version, ':');
	char *home = NULL, *store = NULL, *dsc = NULL, *to = NULL, *text = NULL, *rel = NULL;
	char *idx = NULL, **bases = NULL, *tried = xstrdup(""), have[DIGEST_HEX_LEN + 1];
	char *vdir = NULL;
	size_t len = 0;
	struct fetch_listed fl = { 0 };
	int r, ret = -1;

	memset(out, 0, sizeof(*out));
	if (!keyring)
		keyring = getenv("LOCKSTEP_KEYRING") ? getenv("LOCKSTEP_KEYRING")
						     : RELEASE_DEFAULT_KEYRING;
	/* The epoch is part of the version, never of a file name. */
	out->dsc_name = xasprintf("%s_%s.dsc", name, colon ? colon + 1 : version);
	home = toolchain_home(e);
	bases = home ? mirror_bases(toolchain_mirror(), toolchain_snapshot(), e) : NULL;
	if (!bases)
		goto out;
	vdir = xasprintf("sources/%s_%s", name, version);
	for (char *c = vdir; *c; c++)
		if (*c == ':')
			*c = '+'; /* no ':' in a store path */
	store = fs_join(home, vdir);
	if (fs_mkdirs(store, e) < 0)
		goto out;
	dsc = fs_join(store, out->dsc_name);
	if (read_record(store, out) < 0) {
		for (size_t i = 0; suites && suites[i] && !out->directory; i++) {
			free(idx);
			free(rel);
			idx = rel = NULL;
			if (release_fetch_index((const char *const *)bases, suites[i], keyring,
						"main/source/Sources", &rel, &idx, &len, e) < 0)
				goto out;
			r = find_in_sources(idx, len, name, version, out, rel, e);
			if (r < 0)
				goto out;
			if (r == 1)
				out->suite = xstrdup(suites[i]);
			else {
				char *t = xasprintf("%s%s%s", tried, *tried ? ", " : "", suites[i]);
				free(tried);
				tried = t;
			}
		}
		if (!out->directory) {
			err_set(e, "source package \"%s\" %s is not in the Sources index of %s",
				name, version, *tried ? tried : "any suite (none given)");
			goto out;
		}
	}
	if (!fs_exists(dsc) || digest_file(dsc, have, NULL) < 0 || strcmp(have, out->dsc_sha256)) {
		char *what = xasprintf("source \"%s\" %s (%s)", name, version, out->dsc_name);
		free(rel);
		rel = xasprintf("%s/%s", out->directory, out->dsc_name);
		r = fetch_file((const char *const *)bases, rel, dsc, out->dsc_sha256, what, DSC_MAX,
			       0, NULL, e);
		free(what);
		if (r < 0)
			goto out;
	}
	free(text);
	text = NULL;
	if (fs_read_file(dsc, DSC_MAX, &text, &len, e) < 0)
		goto out;
	to = fs_join(dest, out->dsc_name);
	if (link(dsc, to) < 0 && fs_copy_file(dsc, to, e) < 0)
		goto out;
	fl.bases = (const char *const *)bases;
	fl.d = out;
	fl.store = store;
	fl.dest = dest;
	fl.what = out->dsc_name;
	fl.e = e;
	r = each_checksum(text, text + len, fetch_listed, &fl);
	if (fl.failed)
		goto out;
	if (r < 0 || fl.n == 0) {
		err_set(e, "%s: %s", out->dsc_name,
			r == -3 || fl.n == 0 ? "no Checksums-Sha256 files"
					     : "a malformed Checksums-Sha256 line");
		goto out;
	}
	{
		/* Every link checked: the next build needs no index. */
		char *rec = fs_join(store, RECORD_NAME);
		char *line = xasprintf("%s %s %s\n", out->dsc_sha256, out->suite, out->directory);
		r = fs_write_atomic(rec, line, strlen(line), 0644, e);
		free(rec);
		free(line);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		debsource_release(out);
	mirror_bases_free(bases);
	free(home);
	free(store);
	free(dsc);
	free(to);
	free(text);
	free(rel);
	free(idx);
	free(tried);
	free(vdir);
	return ret;
}

void debsource_release(struct debsource *d)
{
	free(d->dsc_name);
	free(d->suite);
	free(d->directory);
	memset(d, 0, sizeof(*d));
}
