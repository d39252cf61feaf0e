/* SPDX-License-Identifier: MIT */
/* sha256 of files and buffers (OpenSSL EVP), as lowercase hex. */
#ifndef CORE_DIGEST_H
#define CORE_DIGEST_H

#include <stddef.h>
#include "core/err.h"

#define DIGEST_HEX_LEN 64 /* plus NUL: char hex[DIGEST_HEX_LEN + 1] */

/* Hashes the regular file at path (opened with O_NOFOLLOW: a symlink is an
 * error); writes 64 hex chars + NUL into hex.  Returns 0 or -1 with e set. */
int digest_file(const char *path, char hex[DIGEST_HEX_LEN + 1], struct err *e);
/* Same for an already open descriptor (read from its current offset). */
int digest_fd(int fd, const char *name, char hex[DIGEST_HEX_LEN + 1], struct err *e);
/* Hashes len bytes at p. */
void digest_buf(const void *p, size_t len, char hex[DIGEST_HEX_LEN + 1]);
/* Raw 32-byte form. */
void digest_buf_raw(const void *p, size_t len, unsigned char out[32]);
/* 1 when s is exactly 64 lowercase hex digits. */
int digest_is_hex(const char *s);

/* Streaming, for callers that produce bytes piece by piece.  The context is
 * opaque; digest_stream_free accepts NULL. */
struct digest_stream;
struct digest_stream *digest_stream_new(void);
void digest_stream_add(struct digest_stream *d, const void *p, size_t len);
/* Finishes and frees d. */
void digest_stream_finish(struct digest_stream *d, char hex[DIGEST_HEX_LEN + 1]);
void digest_stream_free(struct digest_stream *d);

#endif
