/* SPDX-License-Identifier: MIT */
/* Filling struct err: formatting only, never printing. */
#include "core/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int vset(struct err *e, enum err_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int vset(struct err *e, enum err_kind kind, const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	e->kind = kind;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, ERR_OP, fmt, ap);
	va_end(ap);
	return -1;
}

int err_setk(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vset(e, ERR_OP, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char prefix[512];
	size_t pl, room = sizeof(e->msg);
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	pl = strlen(prefix);
	/* Shift the old message right and put "prefix: " in front of it. */
	memmove(e->msg + pl + 2, e->msg, room - pl - 2);
	memcpy(e->msg, prefix, pl);
	e->msg[pl] = ':';
	e->msg[pl + 1] = ' ';
	e->msg[room - 1] = '\0';
	if (e->kind == ERR_NONE)
		e->kind = ERR_OP;
	return -1;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	e->kind = ERR_NONE;
	e->msg[0] = '\0';
}
