/* SPDX-License-Identifier: MIT */
/* "Did you mean": the known name a mistyped one was most likely meant to
 * be, for messages about unknown commands and pin names. */
#ifndef CORE_SUGGEST_H
#define CORE_SUGGEST_H

#include <stddef.h>

/* The name among names[0..n) closest to word by edit distance (insertions,
 * deletions, substitutions and swaps of two neighbours), when close enough
 * to be a typo: at most 2 edits and fewer than half of word's length.
 * NULL when none is (or word is longer than 128 bytes).  Borrowed from
 * names; the first of equally close names wins. */
const char *suggest_closest(const char *word, const char *const *names, size_t n);

#endif
