/* SPDX-License-Identifier: MIT */
/* Where Debian packages are downloaded from: the --mirror option, else
 * LOCKSTEP_MIRROR, else the host's apt sources (one-line and deb822), then
 * a snapshot archive as the last resort.  No archive host is built in. */
#include "toolchains/fetch.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/fs.h"

#define APT_SOURCE_MAX_BYTES (1u << 20) /* a sources file is a few lines */
#define BLANKS " \t\r\n"

/* The next blank-separated token of *p (NULL at the end); *len gets its
 * length and *p moves past it. */
static const char *next_token(const char **p, size_t *len)
{
	const char *s = *p + strspn(*p, BLANKS);

	if (!*s)
		return NULL;
	*len = strcspn(s, BLANKS);
	*p = s + *len;
	return s;
}

static int has_token(const char *list, const char *word)
{
	const char *tok;
	size_t n;

	while ((tok = next_token(&list, &n)))
		if (n == strlen(word) && !strncmp(tok, word, n))
			return 1;
	return 0;
}

/* 1 when u (n bytes) is an http://, https:// or file:// URL with something
 * after the scheme. */
static int url_ok(const char *u, size_t n)
{
	static const char *const schemes[] = { "http://", "https://", "file://" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t k = strlen(schemes[i]);
		if (n > k && !strncmp(u, schemes[i], k))
			return 1;
	}
	return 0;
}

/* Appends u (n bytes, trailing slashes removed) unless it is there. */
static void add_base(struct strv *v, const char *u, size_t n)
{
	while (n && u[n - 1] == '/')
		n--;
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->v[i]) == n && !strncmp(v->v[i], u, n))
			return;
	strv_take(v, xstrndup(u, n));
}

/* A user's value (--mirror, LOCKSTEP_MIRROR, the snapshot): blank-separated
 * URLs, each of which must be one; what names the value in the error. */
static int add_user_list(struct strv *v, const char *value, const char *what, struct err *e)
{
	const char *p = value, *tok;
	size_t n;
	int any = 0;

	while ((tok = next_token(&p, &n))) {
		if (!url_ok(tok, n))
			return err_set(e, "%s: \"%.*s\": not an http://, https:// or file:// URL",
				       what, (int)n, tok);
		add_base(v, tok, n);
		any = 1;
	}
	if (!any)
		return err_set(e, "%s: \"%s\": names no URL", what, value);
	return 0;
}

/* An apt source URI, if it is one we can fetch from: apt also writes
 * file:/path, which curl wants as file:///path. */
static void add_apt_uri(struct strv *v, const char *u, size_t n)
{
	if (n > 6 && !strncmp(u, "file:/", 6) && u[6] != '/') {
		char *full = xasprintf("file://%.*s", (int)n - 5, u + 5);
		add_base(v, full, strlen(full));
		free(full);
	} else if (url_ok(u, n)) {
		add_base(v, u, n);
	}
}

/* One line of the one-line format: "deb [opts] URI SUITE [COMPONENT...]";
 * anything else (deb-src, comments, malformed lines) adds nothing. */
static void apt_one_line(struct strv *v, char *line)
{
	const char *p = line, *tok, *uri;
	size_t n, urin;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	tok = next_token(&p, &n);
	if (!tok || n != 3 || strncmp(tok, "deb", 3))
		return;
	uri = next_token(&p, &urin);
	if (uri && *uri == '[') {
		/* Options may hold blanks: skip to the token that closes them. */
		for (tok = uri, n = urin; tok && tok[n - 1] != ']'; tok = next_token(&p, &n))
			if (memchr(tok, ']', n))
				return;
		uri = tok ? next_token(&p, &urin) : NULL;
	}
	if (uri && next_token(&p, &n)) /* a suite is required */
		add_apt_uri(v, uri, urin);
}

/* The fields of one deb822 stanza that matter here. */
struct stanza {
	struct buf types, uris, suites, enabled;
	struct buf *cur; /* the field continuation lines extend; NULL: ignored */
};

static int apt_false(const char *value)
{
	static const char *const no[] = { "no", "false", "off", "without", "disable", "0" };
	const char *p = value, *tok;
	size_t n;

	tok = next_token(&p, &n);
	for (size_t i = 0; tok && i < sizeof(no) / sizeof(no[0]); i++)
		if (n == strlen(no[i]) && !strncasecmp(tok, no[i], n))
			return 1;
	return 0;
}

/* Adds the stanza's URIs when it is an enabled deb source, and empties it. */
static void stanza_end(struct strv *v, struct stanza *st)
{
	const char *p = st->uris.data, *tok;
	size_t n;

	if (st->types.len && has_token(st->types.data, "deb") && st->suites.len &&
	    !(st->enabled.len && apt_false(st->enabled.data)))
		while (p && (tok = next_token(&p, &n)))
			add_apt_uri(v, tok, n);
	buf_release(&st->types);
	buf_release(&st->uris);
	buf_release(&st->suites);
	buf_release(&st->enabled);
	st->cur = NULL;
}

/* "Name: value" starts a field (names are case-insensitive); a line
 * starting with a blank continues the last one. */
static void stanza_line(struct stanza *st, const char *line)
{
	const struct {
		const char *name;
		struct buf *b;
	} fields[] = {
		{ "types", &st->types },
		{ "uris", &st->uris },
		{ "suites", &st->suites },
		{ "enabled", &st->enabled },
	};
	const char *colon = strchr(line, ':');

	if (*line == ' ' || *line == '\t') {
		if (st->cur) {
			buf_addstr(st->cur, " ");
			buf_addstr(st->cur, line);
		}
		return;
	}
	st->cur = NULL;
	for (size_t i = 0; colon && i < sizeof(fields) / sizeof(fields[0]); i++)
		if ((size_t)(colon - line) == strlen(fields[i].name) &&
		    !strncasecmp(line, fields[i].name, (size_t)(colon - line))) {
			st->cur = fields[i].b;
			buf_addstr(st->cur, colon + 1);
		}
}

/* A deb822 .sources file: stanzas separated by blank lines; lines starting
 * with '#' are comments and do not end a stanza. */
static void apt_deb822(struct strv *v, char *text)
{
	struct stanza st = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, NULL };

	/* strsep, not strtok_r: the empty lines between stanzas count. */
	for (char *line = strsep(&text, "\n"); line; line = strsep(&text, "\n")) {
		if (*line == '#')
			continue;
		if (!line[strspn(line, BLANKS)])
			stanza_end(v, &st);
		else
			stanza_line(&st, line);
	}
	stanza_end(v, &st);
}

/* Reads one sources file (through symlinks, as apt does) and adds what it
 * names; a file we cannot read adds nothing. */
static void apt_file(struct strv *v, const char *path, int deb822)
{
	struct err ignored = ERR_INIT;
	char *real = fs_realpath(path, &ignored), *text = NULL, *save = NULL;
	size_t len;

	if (!real || fs_read_file(real, APT_SOURCE_MAX_BYTES, &text, &len, &ignored) < 0)
		goto out;
	if (deb822)
		apt_deb822(v, text);
	else
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			apt_one_line(v, l);
out:
	free(real);
	free(text);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

/* dir/sources.list, then dir/sources.list.d/ *.list and *.sources in name
 * order: the order apt reads them in. */
static void apt_sources(struct strv *v, const char *dir)
{
	char *list = fs_join(dir, "sources.list"), *d = fs_join(dir, "sources.list.d");
	struct strv names = STRV_INIT;
	DIR *dh = opendir(d);
	struct dirent *de;

	apt_file(v, list, 0);
	while (dh && (de = readdir(dh)))
		if (ends_with(de->d_name, ".list") || ends_with(de->d_name, ".sources"))
			strv_push(&names, de->d_name);
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		char *path = fs_join(d, names.v[i]);
		apt_file(v, path, ends_with(names.v[i], ".sources"));
		free(path);
	}
	if (dh)
		closedir(dh);
	strv_release(&names);
	free(list);
	free(d);
}

/* An environment variable's value, NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *s = getenv(name);
	return s && *s ? s : NULL;
}

char **mirror_bases(const char *cli_mirror, const char *cli_snapshot, struct err *e)
{
	struct strv v = STRV_INIT;
	const char *apt_dir = env("LOCKSTEP_APT_DIR") ? env("LOCKSTEP_APT_DIR") : "/etc/apt";
	const char *snapshot = cli_snapshot ? cli_snapshot : env("LOCKSTEP_SNAPSHOT");

	if (cli_mirror) {
		if (add_user_list(&v, cli_mirror, "--mirror", e) < 0)
			goto fail;
	} else if (env("LOCKSTEP_MIRROR")) {
		if (add_user_list(&v, env("LOCKSTEP_MIRROR"), "LOCKSTEP_MIRROR", e) < 0)
			goto fail;
	} else {
		apt_sources(&v, apt_dir);
	}
	if (snapshot &&
	    add_user_list(&v, snapshot, cli_snapshot ? "--snapshot" : "LOCKSTEP_SNAPSHOT", e) < 0)
		goto fail;
	if (!v.n) {
		err_set(e,
			"no Debian mirror configured: give --mirror URL or set LOCKSTEP_MIRROR "
			"(%s/sources.list and %s/sources.list.d name no http, https or file "
			"source)",
			apt_dir, apt_dir);
		goto fail;
	}
	return v.v;
fail:
	strv_release(&v);
	return NULL;
}

void mirror_bases_free(char **bases)
{
	for (size_t i = 0; bases && bases[i]; i++)
		free(bases[i]);
	free(bases);
}
