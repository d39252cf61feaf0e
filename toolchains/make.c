/* SPDX-License-Identifier: MIT */
/* Making an environment pin (`lockstep env pin`), what a release engineer
 * does once like updating a lock file: the suites' indexes from a mirror
 * (signature checked with gpgv), the closure resolved, every .deb fetched
 * and scanned, the alternatives read from the maintainer scripts, the root
 * made and the compiler asked who it is.  Needs no apt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/run.h"
#include "toolchains/fetch.h"
#include "toolchains/internal.h"
#include "toolchains/resolve.h"
#include "toolchains/toolchain.h"

/* Adds suite's main Packages index for arch to ix, checked against the
 * signed InRelease. */
static int load_suite(struct deb_index *ix, const char *const *bases, const char *suite,
		      const char *arch, const char *keyring, struct err *e)
{
	char *index = xasprintf("main/binary-%s/Packages", arch), *rel = NULL, *text = NULL;
	size_t tlen = 0;
	int ret = release_fetch_index(bases, suite, keyring, index, &rel, &text, &tlen, e);

	if (ret == 0)
		ret = deb_index_add(ix, text, tlen, suite, rel, e);
	free(index);
	free(rel);
	free(text);
	return ret;
}

struct alt_candidate {
	char *name, *link, *path, *master; /* owned */
	long prio;
	size_t pkg; /* index of the package whose script says so */
};

struct alt_list {
	struct alt_candidate *v;
	size_t n;
};

static void alt_add(struct alt_list *l, const char *name, const char *link, const char *path,
		    const char *master, long prio, size_t pkg)
{
	struct alt_candidate *c;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	c = &l->v[l->n++];
	c->name = xstrdup(name);
	c->link = xstrdup(link);
	c->path = xstrdup(path);
	c->master = xstrdup(master);
	c->prio = prio;
	c->pkg = pkg;
}

static void alt_release(struct alt_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].link);
		free(l->v[i].path);
		free(l->v[i].master);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A word a script spells literally: no expansion, quoting or globbing that
 * only running it would resolve. */
static int literal(const char *w)
{
	return w && *w && !strpbrk(w, "$`\"'*?[\\");
}

/* Reads the `update-alternatives --install LINK NAME PATH PRIO [--slave
 * LINK NAME PATH]...` calls of a postinst script, as running it with
 * "configure" would make them; calls built from variables are skipped. */
static void parse_postinst(const char *script, size_t pkg, struct alt_list *out)
{
	char *s = xstrdup(script), *line, *save = NULL;

	/* Continuation lines joined, so one call is one line. */
	for (char *p = s; (p = strstr(p, "\\\n"));)
		p[0] = p[1] = ' ';
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct strv w = STRV_INIT;
		char *cut = strstr(line, " #"), *tok, *save2 = NULL;
		const char *master = NULL;
		long prio = 0;
		if (cut)
			*cut = '\0';
		if (!strstr(line, "update-alternatives"))
			continue;
		for (tok = strtok_r(line, " \t;", &save2); tok;
		     tok = strtok_r(NULL, " \t;", &save2))
			strv_push(&w, tok);
		for (size_t i = 0; i < w.n; i++) {
			int inst = !strcmp(w.v[i], "--install"), slave = !strcmp(w.v[i], "--slave");
			if (inst && i + 4 < w.n && literal(w.v[i + 1]) && literal(w.v[i + 2]) &&
			    literal(w.v[i + 3])) {
				char *end;
				prio = strtol(w.v[i + 4], &end, 10);
				if (*end)
					break;
				master = w.v[i + 2];
				alt_add(out, w.v[i + 2], w.v[i + 1], w.v[i + 3], master, prio, pkg);
			} else if (slave && master && i + 3 < w.n && literal(w.v[i + 1]) &&
				   literal(w.v[i + 2]) && literal(w.v[i + 3])) {
				alt_add(out, w.v[i + 2], w.v[i + 1], w.v[i + 3], master, prio, pkg);
			}
		}
		strv_release(&w);
	}
	free(s);
}

/* One scanned package: its files for the pin. */
struct scan {
	struct pin_file *files; /* owned */
	size_t n, cap;
};

static int scan_add(void *ctx, const struct deb_entry *ent, struct err *e)
{
	struct scan *s = ctx;
	struct pin_file *f;

	if (s->n >= PIN_MAX_FILES)
		return err_set(e, "more than %d files", PIN_MAX_FILES);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->files = xrealloc(s->files, s->cap * sizeof(*s->files));
	}
	f = &s->files[s->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(ent->path);
	if (ent->symlink)
		f->symlink = xstrdup(ent->symlink);
	else
		memcpy(f->sha256, ent->sha256, sizeof(f->sha256));
	return 0;
}

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct pin_file *)a)->path, ((const struct pin_file *)b)->path);
}

static void scan_release(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].symlink);
	}
	free(s->files);
	memset(s, 0, sizeof(*s));
}

static cJSON *package_json(const struct resolved_pkg *p, const struct scan *s)
{
	cJSON *o = cJSON_CreateObject(), *files = cJSON_CreateArray();

	json_add_str(o, "name", p->name);
	json_add_str(o, "version", p->version);
	json_add_str(o, "architecture", p->arch);
	json_add_str(o, "suite", p->suite);
	json_add_str(o, "pool", p->filename);
	json_add_str(o, "deb_sha256", p->sha256);
	cJSON_AddNumberToObject(o, "installed_size", (double)p->installed_size);
	for (size_t i = 0; i < s->n; i++) {
		cJSON *f = cJSON_CreateObject();
		json_add_str(f, "path", s->files[i].path);
		if (s->files[i].symlink)
			json_add_str(f, "symlink", s->files[i].symlink);
		else
			json_add_str(f, "sha256", s->files[i].sha256);
		cJSON_AddItemToArray(files, f);
	}
	cJSON_AddItemToObject(o, "files", files);
	return o;
}

/* 1 when some package of the pin ships path (absolute) at its root path. */
static int shipped(const cJSON *pkgs, const char *path)
{
	char *want = pin_root_path(path + 1);
	const cJSON *p, *f;
	int found = 0;

	cJSON_ArrayForEach(p, pkgs)
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(p, "files"))
	{
		const char *fp = json_str(f, "path");
		char *rel = fp ? pin_root_path(fp) : NULL;
		found = found || (rel && want && !strcmp(rel, want));
		free(rel);
	}
	free(want);
	return found;
}

static int usable(const struct alt_candidate *c, const cJSON *pkgs)
{
	return c->link[0] == '/' && strncmp(c->link, "/etc/", 5) && shipped(pkgs, c->path) &&
	       !shipped(pkgs, c->link);
}

/* The alternatives a dpkg run would leave: for each name, the highest
 * priority candidate (the first package in name order on a tie), with the
 * slaves that package's call gives it; entries whose path no package ships,
 * or whose link a package ships itself, are left out (dpkg would leave them
 * dangling or refuse them). */
static cJSON *choose_alternatives(const struct alt_list *l, const cJSON *pkgs)
{
	cJSON *arr = cJSON_CreateArray();
	struct strv done = STRV_INIT;

	for (size_t i = 0; i < l->n; i++) {
		const struct alt_candidate *best = NULL, *m = &l->v[i];
		int seen = 0;
		if (strcmp(m->name, m->master))
			continue;
		for (size_t k = 0; k < done.n && !seen; k++)
			seen = !strcmp(done.v[k], m->name);
		if (seen)
			continue;
		strv_push(&done, m->name);
		for (size_t j = 0; j < l->n; j++)
			if (!strcmp(l->v[j].name, m->name) && !strcmp(l->v[j].master, m->name) &&
			    (!best || l->v[j].prio > best->prio))
				best = &l->v[j];
		if (!usable(best, pkgs))
			continue;
		for (size_t j = 0; j < l->n; j++) {
			const struct alt_candidate *c = &l->v[j];
			cJSON *o;
			/* The master, then the slaves of the same call. */
			if (c->pkg != best->pkg || strcmp(c->master, best->name) ||
			    (c != best && !strcmp(c->name, c->master)) || !usable(c, pkgs))
				continue;
			o = cJSON_CreateObject();
			json_add_str(o, "name", c->name);
			json_add_str(o, "link", c->link);
			json_add_str(o, "path", c->path);
			cJSON_AddItemToArray(arr, o);
		}
	}
	strv_release(&done);
	return arr;
}

static cJSON *str_array(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; v && *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

/* Fetches, scans and reads the maintainer scripts of every resolved
 * package; pkgs gets one pin entry each, alts the candidates. */
static int scan_packages(const struct resolved_pkg *r, size_t n, const char *home,
			 const char *const *bases, cJSON *pkgs, struct alt_list *alts,
			 struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct pin_package p = { .name = r[i].name,
					 .version = r[i].version,
					 .arch = r[i].arch };
		struct scan s = { 0 };
		char *deb = pin_deb_path(home, &p), *what = NULL, *script = NULL;
		int rc = 0;
		if (!fs_exists(deb)) {
			what = xasprintf("package \"%s\" %s (%s)", r[i].name, r[i].version,
					 r[i].arch);
			fprintf(stderr, "lockstep: fetching %s\n", r[i].filename);
			rc = fetch_file(bases, r[i].filename, deb, r[i].sha256, what, 0, 1, NULL,
					e);
		}
		if (rc == 0)
			rc = deb_scan(deb, scan_add, &s, e);
		if (rc == 0) {
			qsort(s.files, s.n, sizeof(*s.files), cmp_files);
			for (size_t j = 1; j < s.n && rc == 0; j++)
				if (!strcmp(s.files[j - 1].path, s.files[j].path))
					rc = err_set(e, "%s: \"%s\": twice in the data archive",
						     deb, s.files[j].path);
		}
		if (rc == 0)
			rc = deb_control_file(deb, "postinst", &script, e);
		if (rc == 0) {
			if (script)
				parse_postinst(script, i, alts);
			cJSON_AddItemToArray(pkgs, package_json(&r[i], &s));
		}
		scan_release(&s);
		free(script);
		free(what);
		free(deb);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int toolchain_pin_make(const struct pin_request *rq,
		       int (*probe)(void *arg, const char *root, const char *prefix, char **cid,
				    struct err *e),
		       void *probe_arg, char **out, struct err *e)
{
	const char *keyring = rq->keyring ? rq->keyring : RELEASE_DEFAULT_KEYRING;
	struct deb_index *ix = deb_index_new();
	struct resolved_pkg *res = NULL;
	struct alt_list alts = { 0 };
	struct toolchain *t = NULL;
	size_t nres = 0, nreq = 0;
	char **bases = NULL, *home = NULL, *tmp = NULL, *text = NULL, *cid = NULL;
	cJSON *root = cJSON_CreateObject(), *pkgs = cJSON_CreateArray();
	char hex[DIGEST_HEX_LEN + 1];
	int ret = -1;

	*out = NULL;
	while (rq->packages && rq->packages[nreq])
		nreq++;
	if (!fs_exists(keyring)) {
		err_set(e,
			"%s: no such keyring (install debian-archive-keyring, or name one with "
			"--keyring)",
			keyring);
		goto out;
	}
	home = toolchain_home(e);
	bases = home ? mirror_bases(toolchain_mirror(), toolchain_snapshot(), e) : NULL;
	if (!bases)
		goto out;
	tmp = fs_join(home, "debs");
	if (fs_mkdirs(tmp, e) < 0)
		goto out;
	for (size_t i = 0; rq->suites[i]; i++)
		if (load_suite(ix, (const char *const *)bases, rq->suites[i], rq->arch, keyring,
			       e) < 0)
			goto out;
	if (deb_index_resolve(ix, rq->arch, rq->packages, nreq, 1, &res, &nres, e) < 0)
		goto out;
	fprintf(stderr, "lockstep: %zu packages in the closure\n", nres);
	if (scan_packages(res, nres, home, (const char *const *)bases, pkgs, &alts, e) < 0)
		goto out;
	cJSON_AddNumberToObject(root, "format", 2);
	json_add_str(root, "name", rq->name);
	json_add_str(root, "distro", rq->distro);
	cJSON_AddItemToObject(root, "suites", str_array(rq->suites));
	json_add_str(root, "architecture", rq->arch);
	/* No prefix yet: the compiler is asked who it is once the root exists. */
	json_add_str(root, "prefix", "");
	json_add_str(root, "compiler_id", "");
	cJSON_AddItemToObject(root, "requested", str_array(rq->packages));
	cJSON_AddItemToObject(root, "packages", pkgs);
	cJSON_AddItemToObject(root, "alternatives", choose_alternatives(&alts, pkgs));
	pkgs = NULL;
	/* Made and loaded like any pin, so the root is made the same way. */
	pin_compute_digest(root, hex);
	json_add_str(root, "digest", hex);
	free(tmp);
	tmp = xasprintf("%s/debs/pin-%d.json", home, (int)getpid());
	text = json_print(root);
	if (fs_write_atomic(tmp, text, strlen(text), 0600, e) < 0)
		goto out;
	cleanup_add_path(tmp);
	if (toolchain_load_file(tmp, &t, e) < 0 || toolchain_fetch(t, e) < 0)
		goto out;
	if (rq->prefix && *rq->prefix) {
		char *rootdir = pin_root_dir(home, t);
		int r = probe(probe_arg, rootdir, rq->prefix, &cid, e);
		free(rootdir);
		if (r < 0)
			goto out;
		cJSON_ReplaceItemInObjectCaseSensitive(root, "prefix",
						       cJSON_CreateString(rq->prefix));
		cJSON_ReplaceItemInObjectCaseSensitive(root, "compiler_id",
						       cJSON_CreateString(cid));
		cJSON_DeleteItemFromObjectCaseSensitive(root, "digest");
		pin_compute_digest(root, hex);
		json_add_str(root, "digest", hex);
	}
	free(text);
	text = json_print(root);
	*out = text;
	text = NULL;
	ret = 0;
out:
	if (tmp) {
		unlink(tmp);
		cleanup_remove_path(tmp);
	}
	toolchain_free(t);
	deb_index_free(ix);
	resolved_free(res, nres);
	alt_release(&alts);
	mirror_bases_free(bases);
	cJSON_Delete(root);
	cJSON_Delete(pkgs);
	free(home);
	free(tmp);
	free(text);
	free(cid);
	return ret;
}
