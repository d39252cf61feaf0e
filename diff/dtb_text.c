/* SPDX-License-Identifier: MIT */
/* How diff writes a device tree's property values as text: as dtc would
 * (strings, cells, bytes), a hash as hex, a FIT timestamp as a date. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/digest.h"
#include "diff/dtb_text.h"

uint32_t dtb_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 1 when v is a list of NUL-terminated printable strings. */
int dtb_is_strings(const unsigned char *v, int len)
{
	if (len < 2 || v[len - 1] || !v[0])
		return 0;
	for (int i = 0; i < len; i++)
		if (v[i] ? v[i] < 0x20 || v[i] >= 0x7f : !v[i - 1])
			return 0;
	return 1;
}

/* A value as dtc would write it: "a", "b" for strings, <0x1 0x2> for
 * cells, [01 02] for other bytes; long values cut short with their size. */
char *dtb_render_value(const unsigned char *v, int len)
{
	struct buf b = BUF_INIT;

	if (!len)
		return xstrdup("(empty)");
	if (dtb_is_strings(v, len)) {
		for (int i = 0; i < len && b.len < 160; i += (int)strlen((const char *)v + i) + 1)
			buf_addf(&b, "%s\"%s\"", i ? ", " : "", (const char *)v + i);
	} else if (len % 4 == 0) {
		buf_addstr(&b, "<");
		for (int i = 0; i < len && i < 64; i += 4)
			buf_addf(&b, "%s0x%x", i ? " " : "", dtb_be32(v + i));
		buf_addstr(&b, len > 64 ? " ...>" : ">");
	} else {
		buf_addstr(&b, "[");
		for (int i = 0; i < len && i < 32; i++)
			buf_addf(&b, "%s%02x", i ? " " : "", v[i]);
		buf_addstr(&b, len > 32 ? " ...]" : "]");
	}
	if (len > 64) {
		char hex[DIGEST_HEX_LEN + 1];
		digest_buf(v, (size_t)len, hex);
		buf_addf(&b, " (%d bytes, sha256 %.16s)", len, hex);
	}
	return buf_take(&b, NULL);
}

/* A digest as it is usually written: hex, no spaces. */
char *dtb_render_hex(const unsigned char *v, int len)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < len && i < 64; i++)
		buf_addf(&b, "%02x", v[i]);
	if (len > 64)
		buf_addstr(&b, "...");
	return len ? buf_take(&b, NULL) : xstrdup("(empty)");
}

char *dtb_render_time(const unsigned char *v, int len)
{
	char t[32];

	if (len != 4)
		return dtb_render_value(v, len);
	clock_rfc3339(dtb_be32(v), t);
	return xasprintf("%s (%u)", t, dtb_be32(v));
}
