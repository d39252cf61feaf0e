/* SPDX-License-Identifier: MIT */
/* Device-tree property values as text, for diff/dtb.c. */
#ifndef DIFF_DTB_TEXT_H
#define DIFF_DTB_TEXT_H

#include <stdint.h>

/* A big-endian cell at p. */
uint32_t dtb_be32(const unsigned char *p);
/* 1 when v is a list of NUL-terminated printable strings. */
int dtb_is_strings(const unsigned char *v, int len);
/* Each returns a string the caller frees.  As dtc writes it: "a", "b" for
 * strings, <0x1 0x2> for cells, [01 02] for other bytes; a long value cut
 * short with its size and sha256. */
char *dtb_render_value(const unsigned char *v, int len);
/* Hex without spaces, as digests are written. */
char *dtb_render_hex(const unsigned char *v, int len);
/* A 32-bit UNIX time as RFC 3339 and its number; other sizes as values. */
char *dtb_render_time(const unsigned char *v, int len);

#endif
