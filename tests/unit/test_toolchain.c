/* SPDX-License-Identifier: MIT */
/* toolchains/: strict pin loading and its combined digest, package URLs,
 * the merged-/usr path mapping, the .deb reader's refusals (devices,
 * escaping paths, setuid bits) on packages built here with libarchive, and
 * the committed pins. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "toolchains/internal.h"
#include "toolchains/toolchain.h"
#include "tests/unit/harness.h"

/* A pin with two files; the %s are the .deb and file digests, more files
 * and more top-level members. */
#define PIN_BODY \
	"{\"format\":2,\"name\":\"tiny\",\"distro\":\"debian-12\",\"suites\":[\"bookworm\"]," \
	"\"architecture\":\"amd64\",\"prefix\":\"riscv64-unknown-elf-\"," \
	"\"compiler_id\":\"GCC: (x) 12.2.0\",\"requested\":[\"g++-x\"],\"alternatives\":[]," \
	"\"packages\":[{\"name\":\"g++-x\",\"version\":\"4:12.2.0-5+b1\"," \
	"\"architecture\":\"amd64\",\"suite\":\"bookworm\"," \
	"\"pool\":\"pool/main/g/g++-x/g++-x_12.2.0-5+b1_amd64.deb\",\"installed_size\":1024," \
	"\"deb_sha256\":\"%s\",\"files\":[{\"path\":\"bin/a\",\"sha256\":\"%s\"}," \
	"{\"path\":\"usr/bin/b\",\"symlink\":\"a\"}%s]}]%s}"
#define SHA_A "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* Writes a pin into dir/name.json, sealed with the right digest unless
 * digest is given; extra is spliced into the files array and top level. */
static char *write_pin(const char *dir, const char *name, const char *files_extra,
		       const char *top_extra, const char *digest)
{
	char *body = xasprintf(PIN_BODY, SHA_A, SHA_A, files_extra, top_extra), *text, *path;
	char hex[DIGEST_HEX_LEN + 1];
	cJSON *j = NULL;
	struct err e = ERR_INIT;

	if (json_parse_buf(body, strlen(body), "pin", &j, &e) < 0) {
		fprintf(stderr, "  test pin does not parse: %s\n", e.msg);
		abort();
	}
	pin_compute_digest(j, hex);
	json_add_str(j, "digest", digest ? digest : hex);
	text = json_print(j);
	path = xasprintf("%s/%s.json", dir, name);
	fs_write_atomic(path, text, strlen(text), 0644, &e);
	cJSON_Delete(j);
	free(body);
	free(text);
	return path;
}

TEST(a_sealed_pin_loads_and_names_its_packages_as_purls)
{
	char dir[] = "/tmp/lockstep-tc-XXXXXX";
	struct toolchain *t = NULL;
	struct err e = ERR_INIT;
	char *path;
	cJSON *deps;

	CHECK(mkdtemp(dir) != NULL);
	path = write_pin(dir, "tiny", "", "", NULL);
	CHECK(toolchain_load_file(path, &t, &e) == 0);
	if (t) {
		CHECK_STR(toolchain_name(t), "tiny");
		CHECK_STR(toolchain_prefix(t), "riscv64-unknown-elf-");
		CHECK_STR(toolchain_compiler_id(t), "GCC: (x) 12.2.0");
		CHECK(digest_is_hex(toolchain_digest(t)));
		deps = toolchain_resolved_deps(t);
		/* ECMA-427: '+' is %2B, the epoch's ':' stays, qualifiers sorted. */
		CHECK_STR(json_str(cJSON_GetArrayItem(deps, 0), "uri"),
			  "pkg:deb/debian/g%2B%2B-x@4:12.2.0-5%2Bb1?arch=amd64&distro=debian-12");
		CHECK_STR(json_str(cJSON_GetObjectItem(cJSON_GetArrayItem(deps, 0), "digest"),
				   "sha256"),
			  SHA_A);
		cJSON_Delete(deps);
	}
	toolchain_free(t);
	/* By name, through LOCKSTEP_TOOLCHAINS, and the name must match. */
	setenv("LOCKSTEP_TOOLCHAINS", dir, 1);
	CHECK(toolchain_load("tiny", &t, &e) == 0);
	toolchain_free(t);
	/* The same pin under another file name. */
	{
		char *other = xasprintf("%s/other.json", dir);
		CHECK(rename(path, other) == 0);
		free(other);
	}
	CHECK(toolchain_load("other", &t, &e) < 0);
	CHECK_CONTAINS(e.msg, "differs from the file name");
	unsetenv("LOCKSTEP_TOOLCHAINS");
	fs_remove_tree(dir, NULL);
	free(path);
}

TEST(pins_that_are_edited_or_loose_are_refused_by_name)
{
	char dir[] = "/tmp/lockstep-tc-XXXXXX";
	struct toolchain *t = NULL;
	struct err e = ERR_INIT;
	char *p;

	CHECK(mkdtemp(dir) != NULL);
	p = write_pin(dir, "a", "", ",\"extra\":1", NULL);
	CHECK(toolchain_load_file(p, &t, &e) < 0);
	CHECK_CONTAINS(e.msg, "a.json: \"extra\": unknown field");
	free(p);
	p = write_pin(dir, "b", "", "",
		      "0000000000000000000000000000000000000000000000000000000000000000");
	CHECK(toolchain_load_file(p, &t, &e) < 0);
	CHECK_CONTAINS(e.msg, "b.json: \"digest\": combined digest differs");
	free(p);
	p = write_pin(dir, "c",
		      ",{\"path\":\"usr/bin/c\",\"symlink\":\"a\",\"sha256\":\"" SHA_A "\"}", "",
		      NULL);
	CHECK(toolchain_load_file(p, &t, &e) < 0);
	CHECK_CONTAINS(e.msg, "\"packages[0].files[2]\": needs exactly one");
	free(p);
	p = write_pin(dir, "d", ",{\"path\":\"usr/bin/b\",\"sha256\":\"" SHA_A "\"}", "", NULL);
	CHECK(toolchain_load_file(p, &t, &e) < 0);
	CHECK_CONTAINS(e.msg, "without duplicates");
	free(p);
	p = write_pin(dir, "e", ",{\"path\":\"usr/bin/c\",\"sha256\":\"ABC\"}", "", NULL);
	CHECK(toolchain_load_file(p, &t, &e) < 0);
	CHECK_CONTAINS(e.msg, "\"packages[0].files[2].sha256\": not a sha256");
	free(p);
	CHECK(t == NULL);
	fs_remove_tree(dir, NULL);
}

/* Builds a .deb (ar: debian-binary, control.tar, data.tar) whose data
 * archive holds one entry of type `type` at `name` plus a setuid file. */
static void make_deb(const char *path, const char *name, mode_t type)
{
	struct archive *tar = archive_write_new(), *ar = archive_write_new();
	struct archive_entry *ent = archive_entry_new();
	static char data[1 << 16];
	size_t used = 0;

	archive_write_set_format_pax_restricted(tar);
	archive_write_open_memory(tar, data, sizeof(data), &used);
	archive_entry_set_pathname(ent, "./usr/bin/su-ish");
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 04755);
	archive_entry_set_size(ent, 3);
	archive_write_header(tar, ent);
	archive_write_data(tar, "abc", 3);
	archive_entry_clear(ent);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(ent, "su-ish");
	archive_write_header(tar, ent);
	archive_write_close(tar);
	archive_write_free(tar);

	archive_write_set_format_ar_svr4(ar);
	archive_write_open_filename(ar, path);
	archive_entry_clear(ent);
	archive_entry_set_pathname(ent, "debian-binary");
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, 4);
	archive_write_header(ar, ent);
	archive_write_data(ar, "2.0\n", 4);
	archive_entry_set_pathname(ent, "data.tar");
	archive_entry_set_size(ent, (la_int64_t)used);
	archive_write_header(ar, ent);
	archive_write_data(ar, data, used);
	archive_write_close(ar);
	archive_write_free(ar);
	archive_entry_free(ent);
}

static int count_entries(void *ctx, const struct deb_entry *ent, struct err *e)
{
	int *n = ctx;
	(*n)++;
	if (!strcmp(ent->path, "usr/bin/su-ish") && (!ent->sha256 || strcmp(ent->sha256, SHA_A)))
		return err_set(e, "wrong digest for su-ish");
	if (!strcmp(ent->path, "usr/bin/link") && (!ent->symlink || strcmp(ent->symlink, "su-ish")))
		return err_set(e, "wrong target for link");
	return 0;
}

TEST(a_deb_is_read_and_extracted_without_setuid_bits)
{
	char dir[] = "/tmp/lockstep-tc-XXXXXX";
	struct err e = ERR_INIT;
	struct stat st;
	char *deb, *dest, *f;
	int n = 0;

	CHECK(mkdtemp(dir) != NULL);
	deb = fs_join(dir, "ok.deb");
	dest = fs_join(dir, "out");
	make_deb(deb, "./usr/bin/link", AE_IFLNK);
	CHECK(deb_scan(deb, count_entries, &n, &e) == 0);
	CHECK(n == 2);
	CHECK(mkdir(dest, 0755) == 0);
	CHECK(deb_extract(deb, dest, &e) == 0);
	f = fs_join(dest, "usr/bin/su-ish");
	CHECK(lstat(f, &st) == 0 && S_ISREG(st.st_mode) && !(st.st_mode & 07000) &&
	      (st.st_mode & 0111));
	free(f);
	fs_remove_tree(dir, NULL);
	free(deb);
	free(dest);
}

TEST(a_deb_with_a_device_or_an_escaping_path_is_refused)
{
	char dir[] = "/tmp/lockstep-tc-XXXXXX";
	struct err e = ERR_INIT;
	char *deb, *dest, *evil;
	int n = 0;

	CHECK(mkdtemp(dir) != NULL);
	deb = fs_join(dir, "bad.deb");
	dest = fs_join(dir, "out");
	evil = fs_join(dir, "evil");
	CHECK(mkdir(dest, 0755) == 0);
	make_deb(deb, "./dev/sda", AE_IFCHR);
	CHECK(deb_scan(deb, count_entries, &n, &e) < 0);
	CHECK_CONTAINS(e.msg, "\"./dev/sda\": device file or fifo refused");
	CHECK(deb_extract(deb, dest, &e) < 0);
	CHECK(!fs_exists(dest) || !fs_exists(evil));
	make_deb(deb, "./usr/../../evil", AE_IFREG);
	CHECK(deb_scan(deb, count_entries, &n, &e) < 0);
	CHECK_CONTAINS(e.msg, "path escapes");
	CHECK(deb_extract(deb, dest, &e) < 0);
	CHECK(!fs_exists(evil));
	fs_remove_tree(dir, NULL);
	free(deb);
	free(dest);
	free(evil);
}

TEST(the_home_is_lockstep_home_then_xdg_cache_then_home)
{
	struct err e = ERR_INIT;
	char *h;
	char *saved = getenv("LOCKSTEP_HOME") ? xstrdup(getenv("LOCKSTEP_HOME")) : NULL;

	setenv("LOCKSTEP_HOME", "/a", 1);
	setenv("XDG_CACHE_HOME", "/b", 1);
	setenv("HOME", "/c", 1);
	CHECK_STR(h = toolchain_home(&e), "/a");
	free(h);
	unsetenv("LOCKSTEP_HOME");
	CHECK_STR(h = toolchain_home(&e), "/b/lockstep");
	free(h);
	unsetenv("XDG_CACHE_HOME");
	CHECK_STR(h = toolchain_home(&e), "/c/.cache/lockstep");
	free(h);
	if (saved)
		setenv("LOCKSTEP_HOME", saved, 1);
	free(saved);
}

/* The builder's calls on a committed pin (fetches into the shared test
 * home when it is not there yet). */
TEST(package_paths_land_in_a_merged_usr_root)
{
	char *p;

	CHECK_STR(p = pin_root_path("bin/sh"), "usr/bin/sh");
	free(p);
	CHECK_STR(p = pin_root_path("lib/x86_64-linux-gnu/libc.so.6"),
		  "usr/lib/x86_64-linux-gnu/libc.so.6");
	free(p);
	CHECK_STR(p = pin_root_path("lib64/ld-linux-x86-64.so.2"),
		  "usr/lib64/ld-linux-x86-64.so.2");
	free(p);
	CHECK_STR(p = pin_root_path("usr/bin/make"), "usr/bin/make");
	free(p);
	CHECK_STR(p = pin_root_path("etc/perl/x"), "etc/perl/x");
	free(p);
	/* "library/x" is not "lib/": only whole components map. */
	CHECK_STR(p = pin_root_path("library/x"), "library/x");
	free(p);
	/* The alias itself is the sandbox's to make. */
	CHECK(pin_root_path("bin") == NULL);
	CHECK(pin_root_path("lib64") == NULL);
}

TEST(the_committed_pins_load_and_name_every_package_with_its_distro)
{
	static const char *const names[] = { "riscv64-unknown-elf", "riscv64-linux-gnu",
					     "riscv64-unknown-elf-debian13",
					     "riscv64-linux-gnu-debian13" };
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct toolchain *t = NULL;
		char *path = xasprintf("toolchains/%s.json", names[i]);
		cJSON *deps, *d;
		CHECK(toolchain_load_file(path, &t, &e) == 0);
		free(path);
		if (!t)
			continue;
		CHECK(toolchain_has_package(t, "make"));
		CHECK(toolchain_has_package(t, "dash"));
		CHECK(!toolchain_has_package(t, "no-such-package"));
		deps = toolchain_resolved_deps(t);
		CHECK((size_t)cJSON_GetArraySize(deps) == toolchain_package_count(t));
		cJSON_ArrayForEach(d, deps)
		{
			const char *uri = json_str(d, "uri");
			CHECK(uri && !strncmp(uri, "pkg:deb/debian/", 15));
			CHECK(uri && strstr(uri, strstr(names[i], "debian13")
							 ? "&distro=debian-13"
							 : "&distro=debian-12") != NULL);
			CHECK(!strchr(uri + 15, '+'));
		}
		cJSON_Delete(deps);
		toolchain_free(t);
	}
}

TEST_MAIN(T(a_sealed_pin_loads_and_names_its_packages_as_purls),
	  T(pins_that_are_edited_or_loose_are_refused_by_name),
	  T(a_deb_is_read_and_extracted_without_setuid_bits),
	  T(a_deb_with_a_device_or_an_escaping_path_is_refused),
	  T(the_home_is_lockstep_home_then_xdg_cache_then_home),
	  T(package_paths_land_in_a_merged_usr_root),
	  T(the_committed_pins_load_and_name_every_package_with_its_distro))
