/* SPDX-License-Identifier: MIT */
/* Base64 (RFC 4648) through OpenSSL: standard alphabet out; in, both the
 * standard and the URL-safe alphabets, padding optional, nothing else. */
#ifndef CORE_BASE64_H
#define CORE_BASE64_H

#include <stddef.h>
#include "core/err.h"

/* Returns the standard, padded encoding of len bytes (caller frees). */
char *base64_encode(const void *p, size_t len);
/* Decodes s (standard or URL-safe, padded or not, no whitespace); *out is
 * owned by the caller and NUL-terminated after *len bytes.  `what` names
 * the field in messages. */
int base64_decode(const char *s, const char *what, unsigned char **out, size_t *len, struct err *e);

#endif
