/* SPDX-License-Identifier: MIT */
/* Private to toolchains/resolve*.c: the parsed index (stanzas, the name
 * table, the string arena) that resolve_index.c builds and resolve.c walks.
 * Nothing outside the resolver includes this header. */
#ifndef TOOLCHAINS_RESOLVE_INT_H
#define TOOLCHAINS_RESOLVE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "toolchains/resolve.h"

#define DEB_NONE SIZE_MAX /* no stanza */
#define DEB_VERSION_MAX 256
#define DEB_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789+.-"
#define DEB_VERSION_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+~:-"

/* Strings live in blocks released all at once. */
struct deb_arena {
	struct deb_arena *next;
	size_t used, cap;
	char data[];
};

/* Copies [s, s+n) into *a, NUL-terminated, newlines (continuation lines)
 * turned into spaces; the copy lives until deb_arena_free(*a). */
const char *deb_arena_copy(struct deb_arena **a, const char *s, size_t n);
/* Frees every block; accepts NULL. */
void deb_arena_free(struct deb_arena *a);

/* An open-addressing table from a borrowed, NUL-terminated key to a size_t,
 * looked up by (pointer, length) so dependency names need no copy. */
struct deb_map_slot {
	const char *key; /* borrowed; NULL: an empty slot */
	size_t len;
	uint64_t hash;
	size_t val;
};
struct deb_map {
	struct deb_map_slot *slots; /* owned; free() releases it */
	size_t cap, n;
};

/* The slot of [k, k+n), or NULL. */
struct deb_map_slot *deb_map_find(const struct deb_map *m, const char *k, size_t n);
/* Adds key (not in m yet; borrowed, must outlive m) → val. */
void deb_map_put(struct deb_map *m, const char *key, size_t val);

/* One (name, architecture): the highest version seen so far. */
struct stanza {
	/* All in the index's arena; multi_arch, depends, pre_depends and
	 * provides may be NULL. */
	const char *name, *version, *arch, *filename, *sha256, *suite, *multi_arch;
	const char *depends, *pre_depends, *provides;
	uint64_t size, installed_size; /* bytes */
	int essential, required;
	size_t next; /* the same name for another architecture, or DEB_NONE */
};

struct deb_index {
	struct stanza *st; /* owned */
	size_t n, cap;
	struct deb_map names;    /* name → first stanza of its chain */
	struct deb_arena *arena; /* owned */
};

#endif
