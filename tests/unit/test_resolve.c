/* SPDX-License-Identifier: MIT */
/* toolchains/resolve: dpkg's version order, the Packages parser and its
 * refusals, and the closure's choices (essential seed, alternatives,
 * virtual packages, versions, suites); with RESOLVE_REAL_INDEX naming a
 * decompressed bookworm main Packages file, the real index too. */
#include <stdlib.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/fs.h"
#include "toolchains/resolve.h"
#include "tests/unit/harness.h"

TEST(debversion_orders_as_dpkg_does)
{
	/* Each pair checked with `dpkg --compare-versions`. */
	static const struct {
		const char *a, *b;
		int sign;
	} t[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0", "1.0-0", 0 }, /* a missing revision is "0" */
		{ "0:1.0", "1.0", 0 }, /* a missing epoch is 0 */
		{ "1.0", "1.00", 0 },  /* leading zeros do not count */
		{ "1.0", "1.0-1", -1 },
		{ "1:1.0", "2.0", 1 }, /* the epoch decides first */
		{ "1:0.1", "0:9.9", 1 },
		{ "1.0~rc1", "1.0", -1 }, /* '~' sorts before the end */
		{ "1.0~~", "1.0~", -1 },
		{ "1.0~", "1.0", -1 },
		{ "1.0-1~bpo1", "1.0-1", -1 },
		{ "1.0a", "1.0", 1 }, /* a letter sorts after the end */
		{ "1.0", "1.0+", -1 },
		{ "1.0.1", "1.0a", 1 },    /* letters before other characters */
		{ "1.0-a", "1.0-A", 1 },   /* by ASCII among letters */
		{ "1.2.3", "1.2.10", -1 }, /* digits numerically */
		{ "10", "9", 1 },
		{ "2.30-2", "2.30-11", -1 },
		{ "1.0-1.1", "1.0-1+b1", 1 },
		{ "1.0-1", "1.0-1.0", -1 },
		{ "1.0+dfsg", "1.0-1", 1 }, /* upstream before revision */
		{ "7.88.1-10+deb12u12", "7.88.1-10+deb12u5", 1 },
		{ "2.36-9+deb12u10", "2.36-9+deb12u9", 1 },
		{ "1:2.38.1-5+deb12u3", "2.39", 1 },
		{ "1.2-3-4", "1.2-3-10", -1 }, /* the revision starts at the last '-' */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int ab = debversion_cmp(t[i].a, t[i].b), ba = debversion_cmp(t[i].b, t[i].a);
		int s = (ab > 0) - (ab < 0);

		if (s != t[i].sign || (ba > 0) - (ba < 0) != -t[i].sign) {
			fprintf(stderr, "  %s vs %s: %d, expected %d\n", t[i].a, t[i].b, ab,
				t[i].sign);
			*failed_ = 1;
		}
	}
}

/* One stanza with the fields every stanza needs, plus extra lines. */
static void stanza(struct buf *b, const char *name, const char *version, const char *arch,
		   const char *extra)
{
	buf_addf(b,
		 "Package: %s\nVersion: %s\nArchitecture: %s\n%s"
		 "Filename: pool/main/%c/%s/%s_%s_%s.deb\nSize: 1000\nInstalled-Size: 4\n"
		 "SHA256: %064x\nDescription: %s\n it is a test package\n .\n really\n\n",
		 name, version, arch, extra, name[0], name, name, version, arch, (unsigned)b->len,
		 name);
}

/* A small archive: an essential core, a required package, alternatives,
 * virtual packages with one and two providers, versioned Provides. */
static char *test_index(size_t *len)
{
	struct buf b = BUF_INIT;

	stanza(&b, "base-files", "12.4", "amd64",
	       "Essential: yes\nPriority: required\nPre-Depends: libc6 (>= 2.36)\n");
	stanza(&b, "libc6", "2.36-9", "amd64",
	       "Multi-Arch: same\nPriority: optional\nDepends: libgcc-s1\n");
	stanza(&b, "libgcc-s1", "12.2.0-14", "amd64",
	       "Multi-Arch: same\nDepends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)\n");
	stanza(&b, "gcc-12-base", "12.2.0-14", "amd64", "Multi-Arch: same\n");
	stanza(&b, "coreutils", "9.1-1", "amd64", "Essential: yes\nPre-Depends: libc6\n");
	stanza(&b, "mount", "2.38.1-5", "amd64", "Priority: required\nDepends: libc6\n");
	stanza(&b, "lsb-base", "11.6", "all", "Priority: optional\n");
	/* alternatives */
	stanza(&b, "wants-alt", "1.0", "all", "Depends: no-such-thing | bar | baz\n");
	stanza(&b, "bar", "1.0", "all", "");
	stanza(&b, "baz", "1.0", "all", "");
	stanza(&b, "wants-selected", "1.0", "all", "Depends: zed | coreutils\n");
	stanza(&b, "zed", "1.0", "all", "");
	/* virtual packages */
	stanza(&b, "wants-awk", "1.0", "all", "Depends: awk\n");
	stanza(&b, "mawk", "1.4", "amd64", "Provides: awk\n");
	stanza(&b, "gawk", "5.2", "amd64", "Provides: awk\n");
	stanza(&b, "wants-mta", "1.0", "all", "Depends: mail-transport-agent\n");
	stanza(&b, "exim4", "4.96", "all", "Provides: mail-transport-agent\n");
	stanza(&b, "wants-abi", "1.0", "all", "Depends: libfoo-abi (>= 2)\n");
	stanza(&b, "afoo-impl", "9.0", "amd64", "Provides: libfoo-abi\n");
	stanza(&b, "foo-impl", "2.5-1", "amd64", "Provides: libfoo-abi (= 2.5), foo-tools\n");
	stanza(&b, "wants-abi-3", "1.0", "all", "Depends: libfoo-abi (>= 3)\n");
	/* versions and qualifiers; Depends over continuation lines */
	stanza(&b, "wants-old", "1.0", "all", "Depends: libold (>= 3)\n");
	stanza(&b, "wants-old-ok", "1.0", "all", "Depends: libold (<< 3)\n");
	stanza(&b, "libold", "2.1-1", "amd64", "");
	stanza(&b, "wants-python", "1.0", "all",
	       "Depends: python3:any (>= 3.11~),\n libc6:amd64 (>= 2.36),\n gawk (>> 5)\n");
	stanza(&b, "python3", "3.11.2-1", "amd64", "Multi-Arch: allowed\n");
	stanza(&b, "wants-i386", "1.0", "all", "Depends: only-i386\n");
	stanza(&b, "only-i386", "1.0", "i386", "");
	return buf_take(&b, len);
}

static struct deb_index *load(void)
{
	struct deb_index *ix = deb_index_new();
	struct err e = ERR_INIT;
	size_t len;
	char *text = test_index(&len);

	if (deb_index_add(ix, text, len, "bookworm", "test/Packages", &e) < 0)
		fprintf(stderr, "  %s\n", e.msg);
	free(text);
	return ix;
}

/* The selection's names, space-separated ("" when resolution failed); e
 * gets the failure. */
static char *resolve_names(const struct deb_index *ix, const char *const *req, size_t nreq,
			   int with_required, struct err *e)
{
	struct resolved_pkg *p = NULL;
	struct buf b = BUF_INIT;
	size_t n = 0, len;

	buf_addstr(&b, "");
	if (deb_index_resolve(ix, "amd64", req, nreq, with_required, &p, &n, e) == 0)
		for (size_t i = 0; i < n; i++)
			buf_addf(&b, "%s%s", i ? " " : "", p[i].name);
	resolved_free(p, n);
	return buf_take(&b, &len);
}

/* 1 when the space-separated list holds the word. */
static int has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

static const struct resolved_pkg *find(const struct resolved_pkg *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return &p[i];
	return NULL;
}

TEST(essential_packages_and_their_dependencies_are_the_seed)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	char *s;

	CHECK(deb_index_count(ix) == 28);
	CHECK_STR(s = resolve_names(ix, NULL, 0, 0, &e),
		  "base-files coreutils gcc-12-base libc6 libgcc-s1");
	free(s);
	/* Priority: required adds mount (and nothing optional). */
	CHECK_STR(s = resolve_names(ix, NULL, 0, 1, &e),
		  "base-files coreutils gcc-12-base libc6 libgcc-s1 mount");
	free(s);
	deb_index_free(ix);
}

TEST(resolved_packages_carry_what_the_index_says)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	struct resolved_pkg *p = NULL;
	const struct resolved_pkg *r;
	size_t n = 0;

	CHECK(deb_index_resolve(ix, "amd64", NULL, 0, 1, &p, &n, &e) == 0);
	CHECK((r = find(p, n, "base-files")) != NULL);
	if (r) {
		CHECK_STR(r->version, "12.4");
		CHECK_STR(r->arch, "amd64");
		CHECK_STR(r->filename, "pool/main/b/base-files/base-files_12.4_amd64.deb");
		CHECK_STR(r->suite, "bookworm");
		CHECK(strlen(r->sha256) == 64);
		CHECK(r->size == 1000);
		CHECK(r->installed_size == 4096); /* KiB in the index */
		CHECK(r->essential && r->required);
		CHECK(r->multi_arch == NULL);
	}
	CHECK((r = find(p, n, "libc6")) != NULL);
	if (r) {
		CHECK(!r->essential && !r->required);
		CHECK_STR(r->multi_arch, "same");
	}
	resolved_free(p, n);
	deb_index_free(ix);
}

TEST(alternatives_take_the_selected_else_the_first_real_one)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	const char *alt[] = { "wants-alt" }, *sel[] = { "wants-selected" };
	const char *both[] = { "wants-alt", "baz" };
	char *s;

	/* no-such-thing is skipped, bar is first */
	s = resolve_names(ix, alt, 1, 0, &e);
	CHECK(has(s, "bar"));
	CHECK(!has(s, "baz"));
	free(s);
	/* baz requested too: already selected, so bar is not added */
	s = resolve_names(ix, both, 2, 0, &e);
	CHECK(has(s, "baz"));
	CHECK(!has(s, "bar"));
	free(s);
	/* zed | coreutils: coreutils is essential, so zed never comes in */
	s = resolve_names(ix, sel, 1, 0, &e);
	CHECK(has(s, "wants-selected"));
	CHECK(!has(s, "zed"));
	free(s);
	deb_index_free(ix);
}

TEST(virtual_packages_take_a_selected_provider_else_the_first_by_name)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	const char *awk[] = { "wants-awk" }, *mawk[] = { "wants-awk", "mawk" };
	const char *mta[] = { "wants-mta" };
	char *s;

	s = resolve_names(ix, awk, 1, 0, &e);
	CHECK(has(s, "gawk"));
	CHECK(!has(s, "mawk"));
	free(s);
	s = resolve_names(ix, mawk, 2, 0, &e);
	CHECK(has(s, "mawk"));
	CHECK(!has(s, "gawk"));
	free(s);
	s = resolve_names(ix, mta, 1, 0, &e);
	CHECK(has(s, "exim4"));
	free(s);
	deb_index_free(ix);
}

TEST(versioned_dependencies_are_checked_on_packages_and_provides)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	const char *abi[] = { "wants-abi" }, *abi3[] = { "wants-abi-3" };
	const char *old[] = { "wants-old" }, *oldok[] = { "wants-old-ok" };
	char *s;

	/* afoo-impl sorts first but its Provides has no version */
	s = resolve_names(ix, abi, 1, 0, &e);
	CHECK(has(s, "foo-impl"));
	CHECK(!has(s, "afoo-impl"));
	free(s);
	CHECK_STR(s = resolve_names(ix, abi3, 1, 0, &e), "");
	CHECK_STR(e.msg, "package \"wants-abi-3\": dependency \"libfoo-abi (>= 3)\": the index has "
			 "libfoo-abi provided by afoo-impl, foo-impl (= 2.5)");
	free(s);
	CHECK_STR(s = resolve_names(ix, old, 1, 0, &e), "");
	CHECK_STR(e.msg, "package \"wants-old\": dependency \"libold (>= 3)\": the index has "
			 "libold 2.1-1");
	free(s);
	s = resolve_names(ix, oldok, 1, 0, &e);
	CHECK(has(s, "libold"));
	free(s);
	deb_index_free(ix);
}

TEST(architecture_qualifiers_are_stripped_and_other_architectures_ignored)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	const char *py[] = { "wants-python" }, *i386[] = { "wants-i386" }, *x[] = { "only-i386" };
	char *s;

	s = resolve_names(ix, py, 1, 0, &e);
	CHECK(has(s, "python3"));
	CHECK(has(s, "gawk"));
	free(s);
	CHECK_STR(s = resolve_names(ix, i386, 1, 0, &e), "");
	CHECK_STR(e.msg, "package \"wants-i386\": dependency \"only-i386\": the index has "
			 "only-i386 only for i386");
	free(s);
	CHECK_STR(s = resolve_names(ix, x, 1, 0, &e), "");
	CHECK_STR(e.msg, "requested package \"only-i386\": not in the index for amd64");
	free(s);
	deb_index_free(ix);
}

TEST(requested_names_must_be_real_packages)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	const char *unknown[] = { "make", "nonesuch" }, *virt[] = { "awk" };
	char *s;

	CHECK_STR(s = resolve_names(ix, unknown, 2, 0, &e), "");
	CHECK_STR(e.msg, "requested package \"make\": not in the index for amd64");
	free(s);
	CHECK_STR(s = resolve_names(ix, virt, 1, 0, &e), "");
	CHECK_STR(e.msg, "requested package \"awk\": a virtual package, provided by gawk, mawk; "
			 "name one of them");
	free(s);
	deb_index_free(ix);
}

TEST(the_same_request_in_any_order_gives_the_same_closure)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	const char *a[] = { "wants-awk", "wants-alt", "wants-abi", "wants-python" };
	const char *b[] = { "wants-python", "wants-abi", "wants-alt", "wants-awk", "wants-alt" };
	char *x = resolve_names(ix, a, 4, 1, &e), *y = resolve_names(ix, b, 5, 1, &e);

	CHECK(*x);
	CHECK_STR(x, y);
	free(x);
	free(y);
	deb_index_free(ix);
}

TEST(the_highest_version_across_suites_wins)
{
	struct deb_index *ix = load();
	struct err e = ERR_INIT;
	struct buf up = BUF_INIT, down = BUF_INIT;
	struct resolved_pkg *p = NULL;
	const struct resolved_pkg *r;
	size_t n = 0;

	stanza(&up, "libc6", "2.36-9+deb12u10", "amd64", "Depends: libgcc-s1\n");
	stanza(&down, "libc6", "2.36-8", "amd64", "Depends: libgcc-s1, nonesuch\n");
	stanza(&down, "coreutils", "9.1-1", "amd64", "Essential: yes\n"); /* equal: first stays */
	CHECK(deb_index_add(ix, up.data, up.len, "bookworm-updates", "u", &e) == 0);
	CHECK(deb_index_add(ix, down.data, down.len, "old", "o", &e) == 0);
	CHECK(deb_index_count(ix) == 28);
	CHECK(deb_index_resolve(ix, "amd64", NULL, 0, 0, &p, &n, &e) == 0);
	CHECK((r = find(p, n, "libc6")) != NULL);
	if (r) {
		CHECK_STR(r->version, "2.36-9+deb12u10");
		CHECK_STR(r->suite, "bookworm-updates");
		CHECK_STR(r->filename, "pool/main/l/libc6/libc6_2.36-9+deb12u10_amd64.deb");
		CHECK(r->multi_arch == NULL); /* the winner's fields, not a mix */
	}
	CHECK((r = find(p, n, "coreutils")) != NULL);
	if (r)
		CHECK_STR(r->suite, "bookworm");
	resolved_free(p, n);
	buf_release(&up);
	buf_release(&down);
	deb_index_free(ix);
}

static const char *add_error(const char *text)
{
	static struct err e;
	struct deb_index *ix = deb_index_new();

	err_clear(&e);
	if (deb_index_add(ix, text, strlen(text), "bookworm", "main/Packages", &e) == 0)
		err_set(&e, "(accepted)");
	deb_index_free(ix);
	return e.msg;
}

#define SHA "SHA256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
#define GOOD "Package: ok\nVersion: 1.0\nArchitecture: all\nFilename: pool/ok.deb\n" SHA

TEST(malformed_stanzas_are_refused_with_their_line)
{
	CHECK_STR(add_error(GOOD "\n\n" GOOD), "(accepted)");
	CHECK_STR(add_error(GOOD "\nPackage: bad\nVersion: 1\nArchitecture: all\n"
				 "Filename: pool/bad.deb\n"),
		  "main/Packages: line 7: package \"bad\": no \"SHA256\" field");
	CHECK_STR(add_error(GOOD "\n\nVersion: 1\nArchitecture: all\n"),
		  "main/Packages: line 8: stanza has no \"Package\" field");
	CHECK_STR(add_error("Package: x1\nVersion: 1\nArchitecture: all\n"
			    "Filename: ../etc/passwd\n" SHA),
		  "main/Packages: line 1: package \"x1\": \"Filename\": \"../etc/passwd\": "
		  "malformed");
	CHECK_STR(add_error("Package: x1\nVersion: 1\nArchitecture: all\n"
			    "Filename: pool/x.deb\nSHA256: abc\n"),
		  "main/Packages: line 1: package \"x1\": \"SHA256\": \"abc\": malformed");
	CHECK_STR(add_error("Package: x1\nVersion: one\nArchitecture: all\n"
			    "Filename: pool/x.deb\n" SHA),
		  "main/Packages: line 1: package \"x1\": \"Version\": \"one\": malformed");
	CHECK_STR(add_error(GOOD "Installed-Size: 12k\n"),
		  "main/Packages: line 1: package \"ok\": \"Installed-Size\": \"12k\": malformed");
	CHECK_STR(add_error(GOOD "Package: again\n"),
		  "main/Packages: line 6: \"Package\" given twice");
	CHECK_STR(add_error(GOOD "no colon here\n"),
		  "main/Packages: line 6: expected \"Field: value\"");
	CHECK_STR(add_error(" leading continuation\n" GOOD),
		  "main/Packages: line 1: continuation line outside a stanza");
}

TEST(malformed_dependencies_are_refused_when_reached)
{
	struct deb_index *ix = deb_index_new();
	struct err e = ERR_INIT;
	struct resolved_pkg *p = NULL;
	size_t n = 0;
	const char *req[] = { "ok" };
	const char *text = GOOD "Depends: foo [amd64]\n";

	CHECK(deb_index_add(ix, text, strlen(text), "s", "w", &e) == 0);
	CHECK(deb_index_resolve(ix, "amd64", req, 1, 0, &p, &n, &e) < 0);
	CHECK_STR(e.msg, "package \"ok\": dependency \"foo [amd64]\": malformed");
	CHECK(p == NULL && n == 0);
	deb_index_free(ix);
}

/* The real bookworm main index, when RESOLVE_REAL_INDEX names it
 * (tests/run decompresses the host's apt list there). */
TEST(the_real_index_gives_the_riscv_toolchain_closure)
{
	const char *path = getenv("RESOLVE_REAL_INDEX");
	const char *req[] = { "gcc-riscv64-unknown-elf", "make", "picolibc-riscv64-unknown-elf" };
	const char *want[] = { "binutils-riscv64-unknown-elf",
			       "libc6",
			       "libmpc3",
			       "libmpfr6",
			       "libgmp10",
			       "libisl23",
			       "libzstd1",
			       "base-files",
			       "dpkg" };
	struct deb_index *ix = deb_index_new();
	struct err e = ERR_INIT;
	struct resolved_pkg *p = NULL, *q = NULL;
	size_t n = 0, m = 0, len = 0;
	char *text = NULL;
	double t0, t1, t2;

	CHECK(fs_read_file(path, DEB_INDEX_MAX_BYTES, &text, &len, &e) == 0);
	t0 = clock_mono();
	CHECK(deb_index_add(ix, text, len, "bookworm", path, &e) == 0);
	t1 = clock_mono();
	CHECK(deb_index_resolve(ix, "amd64", req, 3, 1, &p, &n, &e) == 0);
	t2 = clock_mono();
	if (e.msg[0])
		fprintf(stderr, "  %s\n", e.msg);
	printf("# %zu bytes, %zu packages parsed in %.3f s; closure of %zu packages in %.3f s\n",
	       len, deb_index_count(ix), t1 - t0, n, t2 - t1);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!find(p, n, want[i])) {
			fprintf(stderr, "  %s is not in the closure\n", want[i]);
			*failed_ = 1;
		}
	CHECK(!find(p, n, "gcc-12")); /* the host compiler is not needed */
	for (size_t i = 1; i < n; i++)
		CHECK(strcmp(p[i - 1].name, p[i].name) < 0);
	CHECK(deb_index_resolve(ix, "amd64", req, 3, 1, &q, &m, &e) == 0);
	CHECK(n == m);
	for (size_t i = 0; i < n && i < m; i++)
		CHECK(!strcmp(p[i].name, q[i].name) && !strcmp(p[i].version, q[i].version));
	resolved_free(p, n);
	resolved_free(q, m);
	deb_index_free(ix);
	free(text);
}

int main(void)
{
	static const struct test_case cases[] = {
		T(debversion_orders_as_dpkg_does),
		T(essential_packages_and_their_dependencies_are_the_seed),
		T(resolved_packages_carry_what_the_index_says),
		T(alternatives_take_the_selected_else_the_first_real_one),
		T(virtual_packages_take_a_selected_provider_else_the_first_by_name),
		T(versioned_dependencies_are_checked_on_packages_and_provides),
		T(architecture_qualifiers_are_stripped_and_other_architectures_ignored),
		T(requested_names_must_be_real_packages),
		T(the_same_request_in_any_order_gives_the_same_closure),
		T(the_highest_version_across_suites_wins),
		T(malformed_stanzas_are_refused_with_their_line),
		T(malformed_dependencies_are_refused_when_reached),
	};
	static const struct test_case real[] = { T(
		the_real_index_gives_the_riscv_toolchain_closure) };
	int rc = harness_run(__FILE__, cases, sizeof(cases) / sizeof(cases[0]));

	if (!getenv("RESOLVE_REAL_INDEX")) {
		printf("SKIP: %s: %s (RESOLVE_REAL_INDEX unset)\n", __FILE__, real[0].name);
		return rc;
	}
	return rc | harness_run(__FILE__, real, 1);
}
