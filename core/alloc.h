/* SPDX-License-Identifier: MIT */
/* Allocation that never returns NULL: running out of memory is not an input
 * error we can name a file for, so it aborts with a message. */
#ifndef CORE_ALLOC_H
#define CORE_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; always NUL-terminated after data[len]. */
struct buf {
	char *data; /* owned */
	size_t len, cap;
};
#define BUF_INIT \
	{ \
		NULL, 0, 0 \
	}
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addstr(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands data to the caller (never NULL) and resets b. */
char *buf_take(struct buf *b, size_t *len);
void buf_release(struct buf *b);

/* A list of owned strings, NULL-terminated so it can be an argv. */
struct strv {
	char **v; /* owned, each element owned */
	size_t n, cap;
};
#define STRV_INIT \
	{ \
		NULL, 0, 0 \
	}
void strv_push(struct strv *s, const char *str); /* copies str */
void strv_take(struct strv *s, char *str);       /* takes ownership of str */
void strv_pushf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_release(struct strv *s);
/* Sorts s's strings bytewise (strcmp). */
void strv_sort(struct strv *s);
/* The comparator strv_sort uses, for qsort and bsearch over any array of
 * char * (a and b point at the elements). */
int strv_cmp(const void *a, const void *b);

#endif
