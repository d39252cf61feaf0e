/* SPDX-License-Identifier: MIT */
/* Unit tests of the diff engine's pieces: cause hints, byte ranges, the
 * report's JSON schema and the verifier's first-offset helper. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "diff/internal.h"
#include "tests/unit/harness.h"

static struct diff_options opts = DIFF_OPTIONS_INIT;
static struct diff_names names = { 1, "buildhost7", "alice" };

static void ctx(struct diff_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->o = &opts;
	c->now = 1700000000;
	c->names = &names;
}

TEST(hint_dates_are_timestamps)
{
	struct diff_ctx c;
	ctx(&c);
	CHECK(hints_strings(&c, "built Nov 14 2023 22:13:20", "built Nov 15 2023 01:00:00") ==
	      HINT_TIMESTAMP);
	CHECK(hints_strings(&c, "v1 2023-11-14", "v1 2023-11-15") == HINT_TIMESTAMP);
	CHECK(hints_strings(&c, "epoch=1699999000", "epoch=1700000000") == HINT_TIMESTAMP);
	CHECK(hints_strings(&c, "version 1", "version 2") == HINT_CONTENT);
}

TEST(hint_paths_hosts_users)
{
	struct diff_ctx c;
	const char *bp[] = { "/srv/ci/job42" };
	ctx(&c);
	CHECK(hints_strings(&c, "/tmp/build-a/src/main.c", "/tmp/build-b/src/main.c") ==
	      HINT_BUILD_PATH);
	CHECK(hints_strings(&c, "/home/alice/x.c", "/home/bob/x.c") == HINT_USERNAME);
	CHECK(hints_strings(&c, "built on buildhost7", "built on otherhost") == HINT_HOSTNAME);
	CHECK(hints_strings(&c, "/usr/include/a.h", "/usr/include/b.h") == HINT_CONTENT);
	opts.build_paths = bp;
	opts.n_build_paths = 1;
	CHECK(hints_strings(&c, "/srv/ci/job42/x.c", "/srv/ci/job43/x.c") == HINT_BUILD_PATH);
	opts.build_paths = NULL;
	opts.n_build_paths = 0;
}

TEST(hint_integers_and_randomness)
{
	struct diff_ctx c;
	unsigned char a[32] = { 0 }, b[32] = { 0 }, r[64];
	uint32_t t1 = 1699990000, t2 = 1699999999;
	ctx(&c);
	memcpy(a + 8, &t1, 4);
	memcpy(b + 8, &t2, 4);
	CHECK(hints_span(&c, a, 32, b, 32, 8, 2) == HINT_TIMESTAMP);
	for (int i = 0; i < 64; i++)
		r[i] = (unsigned char)(i * 37 + 11);
	CHECK(hints_is_random(r, 64));
	CHECK(!hints_is_random((const unsigned char *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32));
	CHECK(!hints_is_random((const unsigned char *)"Nov 14 2023 22:1", 16));
}

TEST(hint_strings_that_change_length_are_text_not_integers)
{
	struct diff_ctx c;
	/* "built on buildhost7" -> "built on otherhost-12": the range runs past
	 * the shorter string's NUL; its letters read as integers would fall in
	 * 2020-2035 and say "timestamp". */
	const unsigned char a[32] = "built on buildhost7";
	const unsigned char b[32] = "built on otherhost-12";
	/* After a common printable prefix, 32 random bytes that start with a
	 * printable byte on both sides and then a NUL on one: random, not a
	 * one-letter string. */
	const unsigned char ra[48] =
		"salt:x\0\xf3\x5a\xc2\x11\x8e\x6d\x39\xa4\xfe\x02\x77\xb0\x1c\xd5"
		"\x48\x9a\x63\xef\x20\x8b\x14\xc7\x5e\xa9\x36\xf1\x0d\x82\x91\x07";
	const unsigned char rb[48] =
		"salt:QZ\x2f\xe6\x50\x9d\x13\xba\x74\xc8\x05\x6e\xd1\x3a\x87\x29"
		"\xfc\x41\xb6\x1e\x93\x58\xe0\x0a\xcd\x67\x22\x9f\x44\xeb\x16\x71";
	ctx(&c);
	CHECK(hints_span(&c, a, 32, b, 32, 9, 12) == HINT_HOSTNAME);
	CHECK(hints_span(&c, ra, 48, rb, 48, 5, 32) == HINT_RANDOM);
}

TEST(hint_yyyymmdd_is_a_timestamp_near_now_only)
{
	struct diff_ctx c;
	ctx(&c); /* now: 2023-11-14 */
	CHECK(hints_strings(&c, "fw-20231114.bin", "fw-20231117.bin") == HINT_TIMESTAMP);
	CHECK(hints_strings(&c, "build 20231114", "build 20231115") == HINT_TIMESTAMP);
	/* Not a date (month 56), or a year far from now: content. */
	CHECK(hints_strings(&c, "part 12345678", "part 12345679") == HINT_CONTENT);
	CHECK(hints_strings(&c, "id 19870101", "id 19870102") == HINT_CONTENT);
}

TEST(hint_printable_words_are_never_integer_times)
{
	struct diff_ctx c;
	/* Two names swapped: "abcd" and "efgh" read as little-endian words
	 * fall in 2023 and 2025, near "now"; they are text all the same. */
	const unsigned char a[16] = "abcd\x01\x01\x01\x01"
				    "efgh";
	const unsigned char b[16] = "efgh\x01\x01\x01\x01"
				    "abcd";
	ctx(&c);
	c.now = 1760000000;
	CHECK(hints_span(&c, a, 16, b, 16, 0, 12) == HINT_CONTENT);
}

TEST(hint_random_salts_are_random_every_time)
{
	struct diff_ctx c;
	/* 32 random bytes each side (one of the 1 in 500 pairs whose one side
	 * failed the test alone, and that opens with two printable bytes and
	 * a NUL): random, as every other pair. */
	static const char ha[] = "50230067f4e836589444c630d5777d9a73fe3972e9a0f3cd82803e1f6b92bfb6";
	static const char hb[] = "4a307bfe847399ae8af82dd6bb7e29cdbe73652d5a1ff8881148b01496e92c33";
	unsigned char a[96] = { 0 }, b[96] = { 0 };
	ctx(&c);
	for (int i = 0; i < 32; i++) {
		a[32 + i] = (unsigned char)strtoul((char[]){ ha[2 * i], ha[2 * i + 1], 0 }, NULL,
						   16);
		b[32 + i] = (unsigned char)strtoul((char[]){ hb[2 * i], hb[2 * i + 1], 0 }, NULL,
						   16);
	}
	CHECK(hints_span(&c, a, 96, b, 96, 32, 32) == HINT_RANDOM);
}

TEST(byte_ranges_merge_close_differences)
{
	unsigned char a[100] = { 0 }, b[100] = { 0 };
	size_t off[4], len[4], nb;
	b[10] = b[12] = 1; /* one range: gap below the merge distance */
	b[60] = 1;
	CHECK(bytes_ranges(a, b, 100, off, len, 4, &nb) == 2);
	CHECK(off[0] == 10 && len[0] == 3 && off[1] == 60 && len[1] == 1 && nb == 3);
}

static char *tmpfile_with(const char *dir, const char *name, const char *text)
{
	char *p = fs_join(dir, name);
	struct err e = ERR_INIT;
	if (fs_write_atomic(p, text, strlen(text), 0644, &e) < 0)
		fprintf(stderr, "%s\n", e.msg);
	return p;
}

TEST(report_json_and_first_offset)
{
	char dir[] = "/tmp/lockstep-unit-diff.XXXXXX";
	struct diff_report *r = NULL;
	struct err e = ERR_INIT;
	char *a, *b, *json, *sec = NULL;
	uint64_t off = 0;

	CHECK(mkdtemp(dir) != NULL);
	a = tmpfile_with(dir, "a.txt", "one\ntwo\nthree\n");
	b = tmpfile_with(dir, "b.txt", "one\nTWO\nthree\n");
	CHECK(diff_paths(a, b, &opts, &r, &e) == 0);
	CHECK(r && !diff_report_identical(r));
	json = r ? diff_report_json(r) : NULL;
	CHECK_CONTAINS(json, "\"schema\":\t\"lockstep-diff/1\"");
	CHECK_CONTAINS(json, "\"kind\":\t\"text\"");
	CHECK_STR(r ? diff_report_first_hint(r) : NULL, "content");
	CHECK(diff_first_offset(a, b, &off, &sec, &e) == 1 && off == 4 && !sec);
	CHECK(diff_first_offset(a, a, &off, &sec, &e) == 0);
	{
		struct diff_report *none = NULL;
		CHECK(diff_paths(a, "/nonexistent/x", &opts, &none, &e) == -1 && !none);
		CHECK_CONTAINS(e.msg, "\"/nonexistent/x\": cannot compare");
	}
	free(json);
	diff_report_free(r);
	r = NULL;
	CHECK(diff_paths(a, a, &opts, &r, &e) == 0 && r && diff_report_identical(r));
	CHECK(r && diff_report_first_hint(r) == NULL);
	diff_report_free(r);
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
}

TEST_MAIN(T(hint_dates_are_timestamps), T(hint_yyyymmdd_is_a_timestamp_near_now_only),
	  T(hint_printable_words_are_never_integer_times),
	  T(hint_random_salts_are_random_every_time), T(hint_paths_hosts_users),
	  T(hint_integers_and_randomness), T(hint_strings_that_change_length_are_text_not_integers),
	  T(byte_ranges_merge_close_differences), T(report_json_and_first_offset))
