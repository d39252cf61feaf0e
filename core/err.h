/* SPDX-License-Identifier: MIT */
/* The one error idiom: library code returns 0 or -1 and fills a struct err
 * owned by the caller; only cli/ prints it and chooses the exit code. */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#include <stdarg.h>

/* What kind of failure: decides the exit code in cli/. */
enum err_kind {
	ERR_NONE = 0,
	ERR_OP,       /* usage, bad input, operational failure: exit 2 */
	ERR_NO,       /* the answer is "no" (differs, bad signature): exit 1 */
	ERR_INTERRUPT /* SIGINT/SIGTERM arrived: exit 2, after cleanup */
};

struct err {
	enum err_kind kind;
	char msg[2048];
};

#define ERR_INIT \
	{ \
		ERR_NONE, "" \
	}

/* Sets e (when not NULL) to an ERR_OP message; returns -1 so callers can
 * write `return err_set(e, "...")`.  Messages are lowercase, name the file
 * and quote the subject: `recipes/x.json: "outputs[1]": path escapes ...`. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with errno's text appended as ": <strerror>". */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same as err_set with an explicit kind. */
int err_setk(struct err *e, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to the message already in e; returns -1. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clears e. */
void err_clear(struct err *e);

#endif
