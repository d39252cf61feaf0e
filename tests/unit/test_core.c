/* SPDX-License-Identifier: MIT */
/* core/: digests against known vectors, strict JSON, paths, atomic writes. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "tests/unit/harness.h"

TEST(sha256_of_abc_is_the_fips_vector)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_buf("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(digest_file_refuses_a_symlink)
{
	char dir[] = "/tmp/lockstep-test-XXXXXX", hex[DIGEST_HEX_LEN + 1];
	struct err e = ERR_INIT;
	char *f, *l;

	CHECK(mkdtemp(dir) != NULL);
	f = fs_join(dir, "f");
	l = fs_join(dir, "l");
	CHECK(fs_write_atomic(f, "abc", 3, 0644, &e) == 0);
	CHECK(symlink(f, l) == 0);
	CHECK(digest_file(f, hex, &e) == 0);
	CHECK(digest_file(l, hex, &e) < 0);
	CHECK_CONTAINS(e.msg, l);
	fs_remove_tree(dir, NULL);
	free(f);
	free(l);
}

TEST(relative_paths_that_escape_are_refused)
{
	CHECK(fs_rel_path_ok("out/fw.bin"));
	CHECK(fs_rel_path_ok("a..b/c"));
	CHECK(!fs_rel_path_ok("../x"));
	CHECK(!fs_rel_path_ok("a/../../x"));
	CHECK(!fs_rel_path_ok("/etc/passwd"));
	CHECK(!fs_rel_path_ok(""));
	CHECK(!fs_rel_path_ok("a/.."));
}

TEST(json_unknown_field_is_named)
{
	static const char *const allowed[] = { "name", NULL };
	struct err e = ERR_INIT;
	cJSON *j = NULL;

	CHECK(json_parse_buf("{\"name\":\"x\",\"nmae\":1}", 21, "r.json", &j, &e) == 0);
	CHECK(json_check_object(j, allowed, "r.json", "", &e) < 0);
	CHECK_STR(e.msg, "r.json: \"nmae\": unknown field");
	cJSON_Delete(j);
}

TEST(json_malformed_names_file_and_line)
{
	struct err e = ERR_INIT;
	cJSON *j = NULL;
	const char *s = "{\n\"a\": 1,\n\"b\": }";

	CHECK(json_parse_buf(s, strlen(s), "r.json", &j, &e) < 0);
	CHECK_CONTAINS(e.msg, "r.json: line 3");
	CHECK(json_parse_buf("{} x", 4, "r.json", &j, &e) < 0);
	CHECK_CONTAINS(e.msg, "trailing data");
}

TEST(json_canonical_sorts_keys)
{
	struct err e = ERR_INIT;
	cJSON *j = NULL;
	char *s;

	CHECK(json_parse_buf("{\"b\":[1,{\"d\":1,\"c\":2}],\"a\":\"x\"}", 31, "t", &j, &e) == 0);
	s = json_print_canonical(j);
	CHECK_STR(s, "{\"a\":\"x\",\"b\":[1,{\"c\":2,\"d\":1}]}");
	free(s);
	cJSON_Delete(j);
}

TEST(source_date_epoch_must_be_decimal)
{
	struct err e = ERR_INIT;
	int64_t t = 0;

	CHECK(clock_parse_epoch("1700000000", &t, "x", &e) == 0 && t == 1700000000);
	CHECK(clock_parse_epoch("-1", &t, "x", &e) < 0);
	CHECK(clock_parse_epoch("17e8", &t, "x", &e) < 0);
	CHECK(clock_parse_epoch("", &t, "x", &e) < 0);
}

TEST(rfc3339_is_utc_with_z)
{
	char s[32];
	clock_rfc3339(0, s);
	CHECK_STR(s, "1970-01-01T00:00:00Z");
}

TEST(publish_replaces_an_absent_dir_whole)
{
	char dir[] = "/tmp/lockstep-test-XXXXXX";
	struct err e = ERR_INIT;
	char *out, *stage, *f;

	CHECK(mkdtemp(dir) != NULL);
	out = fs_join(dir, "out");
	stage = fs_make_staging(out, &e);
	CHECK(stage != NULL);
	f = fs_join(stage, "a");
	CHECK(fs_write_atomic(f, "x", 1, 0644, &e) == 0);
	CHECK(fs_publish_dir(stage, out, &e) == 0);
	free(f);
	f = fs_join(out, "a");
	CHECK(fs_exists(f));
	CHECK(!fs_exists(stage));
	fs_remove_tree(dir, NULL);
	free(f);
	free(out);
	free(stage);
}

TEST(base64_accepts_both_alphabets_and_refuses_garbage)
{
	struct err e = ERR_INIT;
	unsigned char *o = NULL;
	size_t n = 0;
	char *enc = base64_encode("\xfb\xff\xfe", 3);

	CHECK_STR(enc, "+//+");
	CHECK(base64_decode("+//+", "t", &o, &n, &e) == 0 && n == 3 && o[0] == 0xfb);
	free(o);
	CHECK(base64_decode("-__-", "t", &o, &n, &e) == 0 && n == 3 && o[2] == 0xfe);
	free(o);
	CHECK(base64_decode("aGk", "t", &o, &n, &e) == 0 && n == 2 && !memcmp(o, "hi", 2));
	free(o);
	CHECK(base64_decode("aGk=", "t", &o, &n, &e) == 0 && n == 2);
	free(o);
	CHECK(base64_decode("aG k=", "sig", &o, &n, &e) < 0);
	CHECK_CONTAINS(e.msg, "sig: malformed base64");
	CHECK(base64_decode("+/-_", "t", &o, &n, &e) < 0);
	CHECK(base64_decode("a===", "t", &o, &n, &e) < 0);
	free(enc);
}

TEST_MAIN(T(base64_accepts_both_alphabets_and_refuses_garbage), T(sha256_of_abc_is_the_fips_vector),
	  T(digest_file_refuses_a_symlink), T(relative_paths_that_escape_are_refused),
	  T(json_unknown_field_is_named), T(json_malformed_names_file_and_line),
	  T(json_canonical_sorts_keys), T(source_date_epoch_must_be_decimal),
	  T(rfc3339_is_utc_with_z), T(publish_replaces_an_absent_dir_whole))
