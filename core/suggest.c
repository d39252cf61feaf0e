/* SPDX-License-Identifier: MIT */
/* Edit distance (optimal string alignment) for "did you mean". */
#include "core/suggest.h"

#include <string.h>

#define SUGGEST_MAX 128

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Damerau-Levenshtein without repeated edits of one substring: enough for
 * typos, and three rows of memory. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t rows[3][SUGGEST_MAX + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *suggest_closest(const char *word, const char *const *names, size_t n)
{
	size_t lw = strlen(word), best = (size_t)-1;
	const char *found = NULL;

	if (lw > SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t ln = strlen(names[i]), d;
		if (ln > SUGGEST_MAX)
			continue;
		d = distance(word, lw, names[i], ln);
		if (d < best) {
			best = d;
			found = names[i];
		}
	}
	return found && best <= 2 && best * 2 < lw ? found : NULL;
}
