/* SPDX-License-Identifier: MIT */
/* toolchains/mirror.c: which base URLs packages are fetched from.  apt
 * sources (one-line and deb822) are written into a temporary
 * LOCKSTEP_APT_DIR; --mirror and LOCKSTEP_MIRROR replace them; a snapshot
 * base comes last; duplicates and trailing slashes go; a malformed value of
 * ours is refused by name, a malformed apt line is skipped. */
#include <stdlib.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "toolchains/fetch.h"
#include "tests/unit/harness.h"

/* A fresh apt directory (with an empty sources.list.d), made the one
 * mirror_bases reads; no mirror or snapshot set in the environment. */
static char *apt_dir(void)
{
	char *dir = xstrdup("/tmp/lockstep-apt-XXXXXX"), *d;
	struct err e = ERR_INIT;

	if (!mkdtemp(dir))
		abort();
	d = fs_join(dir, "sources.list.d");
	fs_mkdirs(d, &e);
	free(d);
	setenv("LOCKSTEP_APT_DIR", dir, 1);
	unsetenv("LOCKSTEP_MIRROR");
	unsetenv("LOCKSTEP_SNAPSHOT");
	return dir;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *path = fs_join(dir, rel);
	struct err e = ERR_INIT;

	if (fs_write_atomic(path, text, strlen(text), 0644, &e) < 0) {
		fprintf(stderr, "  %s\n", e.msg);
		abort();
	}
	free(path);
}

/* The bases as one space-separated string (or the error), then freed. */
static char *bases_of(const char *cli_mirror, const char *cli_snapshot, struct err *e)
{
	char **v = mirror_bases(cli_mirror, cli_snapshot, e);
	struct buf b = BUF_INIT;

	if (!v)
		return xasprintf("error: %s", e->msg);
	for (size_t i = 0; v[i]; i++)
		buf_addf(&b, "%s%s", i ? " " : "", v[i]);
	mirror_bases_free(v);
	return buf_take(&b, NULL);
}

static void done(char *dir, char *got)
{
	struct err e = ERR_INIT;

	fs_remove_tree(dir, &e);
	free(dir);
	free(got);
}

TEST(one_line_sources_give_deb_uris_in_order_without_slashes_or_duplicates)
{
	char *dir = apt_dir(), *got;
	struct err e = ERR_INIT;

	put(dir, "sources.list",
	    "# the main archive\n"
	    "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://mirror.example/debian/ "
	    "bookworm main\n"
	    "deb-src http://src.example/debian bookworm main\n"
	    "\n"
	    "deb http://mirror.example/debian bookworm-updates main contrib # a comment\n"
	    "deb https://security.example/debian-security bookworm-security main\n"
	    "deb [ arch=amd64 trusted=yes ] file:/srv/mirror bookworm main\n"
	    "deb ftp://old.example/debian bookworm main\n"
	    "deb mirror+http://list.example/mirrors.txt bookworm main\n"
	    "deb http://nosuite.example/debian\n"
	    "deb [arch=amd64 http://unclosed.example/debian bookworm main\n"
	    "this is not a source line\n");
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://mirror.example/debian https://security.example/debian-security "
		       "file:///srv/mirror");
	done(dir, got);
}

TEST(deb822_stanzas_give_enabled_deb_uris_after_list_files_in_name_order)
{
	char *dir = apt_dir(), *got;
	struct err e = ERR_INIT;

	put(dir, "sources.list.d/b.sources",
	    "# enabled, deb and deb-src, two URIs\n"
	    "Types: deb deb-src\n"
	    "URIs: http://a.example/debian/ http://b.example/debian\n"
	    "Suites: bookworm bookworm-updates\n"
	    "Components: main\n"
	    "Signed-By:\n"
	    " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
	    " .\n"
	    " http://not-a-uri.example/debian\n"
	    " -----END PGP PUBLIC KEY BLOCK-----\n"
	    "\n"
	    "Types: deb-src\n"
	    "URIs: http://src.example/debian\n"
	    "Suites: bookworm\n"
	    "\n"
	    "Types: deb\n"
	    "URIs: http://off.example/debian\n"
	    "Suites: bookworm\n"
	    "Enabled: no\n"
	    "\n"
	    "\n"
	    "types: deb\n"
	    "# a comment inside a stanza does not end it\n"
	    "uris: http://c.example/debian\n"
	    "  http://d.example/debian\n"
	    "  http://a.example/debian\n"
	    "suites: bookworm\n"
	    "\n"
	    "Types: deb\n"
	    "URIs: http://nosuite.example/debian\n");
	put(dir, "sources.list.d/a.list", "deb http://z.example/debian bookworm main\n");
	put(dir, "sources.list.d/c.list.disabled",
	    "deb http://disabled.example/debian bookworm main\n");
	put(dir, "sources.list.d/d.list~", "deb http://backup.example/debian bookworm main\n");
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://z.example/debian http://a.example/debian http://b.example/debian "
		       "http://c.example/debian http://d.example/debian");
	done(dir, got);
}

TEST(a_symlinked_sources_file_is_read_as_apt_reads_it)
{
	char *dir = apt_dir(), *got, *target = fs_join(dir, "elsewhere.list");
	char *link = fs_join(dir, "sources.list.d/linked.list");
	struct err e = ERR_INIT;

	put(dir, "elsewhere.list", "deb http://linked.example/debian bookworm main\n");
	CHECK(symlink(target, link) == 0);
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://linked.example/debian");
	free(target);
	free(link);
	done(dir, got);
}

TEST(lockstep_mirror_replaces_the_apt_sources_and_mirror_option_replaces_both)
{
	char *dir = apt_dir(), *got;
	struct err e = ERR_INIT;

	put(dir, "sources.list", "deb http://apt.example/debian bookworm main\n");
	setenv("LOCKSTEP_MIRROR",
	       "  http://m1.example/debian//\thttps://m2.example/debian "
	       "http://m1.example/debian ",
	       1);
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://m1.example/debian https://m2.example/debian");
	free(got);
	got = bases_of("file:///srv/local-mirror/", NULL, &e);
	CHECK_STR(got, "file:///srv/local-mirror");
	free(got);
	/* An empty LOCKSTEP_MIRROR is as good as unset. */
	setenv("LOCKSTEP_MIRROR", "", 1);
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://apt.example/debian");
	done(dir, got);
}

TEST(the_snapshot_base_comes_last_and_once)
{
	char *dir = apt_dir(), *got;
	struct err e = ERR_INIT;

	put(dir, "sources.list", "deb http://apt.example/debian bookworm main\n");
	setenv("LOCKSTEP_SNAPSHOT", "http://snapshot.example/archive/debian/20240101T000000Z/", 1);
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://apt.example/debian "
		       "http://snapshot.example/archive/debian/20240101T000000Z");
	free(got);
	/* The argument wins over the environment; one already listed stays
	 * where it was. */
	got = bases_of("http://m.example/debian http://s.example/debian", "http://s.example/debian",
		       &e);
	CHECK_STR(got, "http://m.example/debian http://s.example/debian");
	free(got);
	/* A snapshot alone is enough. */
	put(dir, "sources.list", "");
	got = bases_of(NULL, NULL, &e);
	CHECK_STR(got, "http://snapshot.example/archive/debian/20240101T000000Z");
	done(dir, got);
}

TEST(a_value_that_is_not_an_http_https_or_file_url_is_refused_by_name)
{
	char *dir = apt_dir(), *got;
	struct err e = ERR_INIT;

	got = bases_of("http://ok.example/debian ftp://m.example/debian", NULL, &e);
	CHECK_STR(got, "error: --mirror: \"ftp://m.example/debian\": not an http://, https:// or "
		       "file:// URL");
	free(got);
	got = bases_of("   ", NULL, &e);
	CHECK_CONTAINS(got, "--mirror: \"   \": names no URL");
	free(got);
	setenv("LOCKSTEP_MIRROR", "mirror.example/debian", 1);
	got = bases_of(NULL, NULL, &e);
	CHECK_CONTAINS(got, "LOCKSTEP_MIRROR: \"mirror.example/debian\": not an http://");
	free(got);
	got = bases_of("http://", NULL, &e);
	CHECK_CONTAINS(got, "--mirror: \"http://\": not an http://");
	free(got);
	unsetenv("LOCKSTEP_MIRROR");
	setenv("LOCKSTEP_SNAPSHOT", "snapshot", 1);
	got = bases_of(NULL, NULL, &e);
	CHECK_CONTAINS(got, "LOCKSTEP_SNAPSHOT: \"snapshot\": not an http://");
	free(got);
	got = bases_of(NULL, "rsync://s.example/debian", &e);
	CHECK_CONTAINS(got, "--snapshot: \"rsync://s.example/debian\"");
	CHECK(e.kind == ERR_OP);
	done(dir, got);
}

TEST(no_source_at_all_says_how_to_configure_one)
{
	char *dir = apt_dir(), *got;
	struct err e = ERR_INIT;

	put(dir, "sources.list",
	    "deb-src http://src.example/debian bookworm main\n"
	    "deb cdrom:[Debian]/ bookworm main\n");
	got = bases_of(NULL, NULL, &e);
	CHECK_CONTAINS(got, "error: no Debian mirror configured: give --mirror URL or set "
			    "LOCKSTEP_MIRROR");
	CHECK(e.kind == ERR_OP);
	free(got);
	/* A missing apt directory is the same: nothing configured. */
	setenv("LOCKSTEP_APT_DIR", "/nonexistent/apt", 1);
	got = bases_of(NULL, NULL, &e);
	CHECK_CONTAINS(got, "/nonexistent/apt/sources.list");
	mirror_bases_free(NULL);
	done(dir, got);
}

TEST_MAIN(T(one_line_sources_give_deb_uris_in_order_without_slashes_or_duplicates),
	  T(deb822_stanzas_give_enabled_deb_uris_after_list_files_in_name_order),
	  T(a_symlinked_sources_file_is_read_as_apt_reads_it),
	  T(lockstep_mirror_replaces_the_apt_sources_and_mirror_option_replaces_both),
	  T(the_snapshot_base_comes_last_and_once),
	  T(a_value_that_is_not_an_http_https_or_file_url_is_refused_by_name),
	  T(no_source_at_all_says_how_to_configure_one))
