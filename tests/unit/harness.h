/* SPDX-License-Identifier: MIT */
/* A tiny unit-test harness: each TEST is a function; CHECK records a failure
 * with its line and goes on; main() runs them all and prints one
 * "PASS: file: name" or "FAIL: file: name" line each, which tests/run counts. */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(int *failed);
};

#define TEST(name) static void test_##name(int *failed_)
#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			*failed_ = 1; \
		} \
	} while (0)
#define CHECK_STR(a, b) \
	do { \
		const char *a_ = (a), *b_ = (b); \
		if (!a_ || !b_ || strcmp(a_, b_)) { \
			fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			*failed_ = 1; \
		} \
	} while (0)
#define CHECK_CONTAINS(hay, needle) \
	do { \
		const char *h_ = (hay), *n_ = (needle); \
		if (!h_ || !n_ || !strstr(h_, n_)) { \
			fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
				__LINE__, h_ ? h_ : "(null)", n_ ? n_ : "(null)"); \
			*failed_ = 1; \
		} \
	} while (0)
#define T(name) \
	{ \
#name, test_##name \
	}

static inline int harness_run(const char *file, const struct test_case *t, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		int failed = 0;
		t[i].fn(&failed);
		printf("%s: %s: %s\n", failed ? "FAIL" : "PASS", file, t[i].name);
		fflush(stdout);
		any |= failed;
	}
	return any;
}

#define TEST_MAIN(...) \
	int main(void) \
	{ \
		static const struct test_case cases_[] = { __VA_ARGS__ }; \
		return harness_run(__FILE__, cases_, sizeof(cases_) / sizeof(cases_[0])); \
	}

#endif
