/* SPDX-License-Identifier: MIT */
/* ELF build attribute sections (.riscv.attributes, and any section laid
 * out as the ARM/RISC-V "A" format): decoded into tags by name, so that an
 * assembler that records another ISA string (binutils 2.40 appending
 * _zmmul1p0 to Tag_RISCV_arch) reads as that, a toolchain difference,
 * instead of a few changed length bytes. */
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

/* The RISC-V psABI's tags; others by number.  Odd tags hold a string,
 * even ones a ULEB128 number (the psABI's rule, also for unknown tags). */
static const char *riscv_tag(uint64_t t)
{
	switch (t) {
	case 4:
		return "Tag_RISCV_stack_align";
	case 5:
		return "Tag_RISCV_arch";
	case 6:
		return "Tag_RISCV_unaligned_access";
	case 8:
		return "Tag_RISCV_priv_spec";
	case 10:
		return "Tag_RISCV_priv_spec_minor";
	case 12:
		return "Tag_RISCV_priv_spec_revision";
	case 14:
		return "Tag_RISCV_atomic_abi";
	case 16:
		return "Tag_RISCV_x3_reg_usage";
	default:
		return NULL;
	}
}

struct attr {
	char *key; /* owned: "riscv File Tag_RISCV_arch" */
	char *val; /* owned: "\"rv64i2p1_m2p0\"" or "16" */
};

struct attrs {
	struct attr *v; /* owned */
	size_t n, cap;
};

static void attrs_release(struct attrs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].val);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int uleb(const unsigned char *p, size_t end, size_t *at, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*at < end && shift < 64) {
		unsigned char b = p[(*at)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* -1 when the section is not in the format (then it is compared as bytes). */
static int attrs_parse(const unsigned char *p, size_t n, struct attrs *out)
{
	static const char *const scopes[] = { "?", "File", "Section", "Symbol" };
	size_t at = 1;

	if (n < 1 || p[0] != 'A')
		return -1;
	while (at < n) {
		size_t sub_end, vlen;
		const char *vendor;
		if (n - at < 4 || le32(p + at) < 5 || le32(p + at) > n - at)
			return -1;
		sub_end = at + le32(p + at);
		vendor = (const char *)p + at + 4;
		vlen = strnlen(vendor, sub_end - at - 4);
		if (vlen == sub_end - at - 4)
			return -1;
		at += 4 + vlen + 1;
		while (at < sub_end) {
			uint64_t scope, tag, num;
			size_t end, start = at;
			/* The length counts the scope tag and itself. */
			if (uleb(p, sub_end, &at, &scope) < 0 || sub_end - at < 4 ||
			    le32(p + at) > sub_end - start || le32(p + at) < at - start + 4)
				return -1;
			end = start + le32(p + at);
			at += 4;
			while (at < end) {
				const char *nm;
				char *key, *val;
				if (uleb(p, end, &at, &tag) < 0)
					return -1;
				nm = !strcmp(vendor, "riscv") ? riscv_tag(tag) : NULL;
				if (tag & 1) {
					size_t l = strnlen((const char *)p + at, end - at);
					if (l == end - at)
						return -1;
					val = xasprintf("\"%.*s\"", (int)l, p + at);
					at += l + 1;
				} else {
					if (uleb(p, end, &at, &num) < 0)
						return -1;
					val = xasprintf("%llu", (unsigned long long)num);
				}
				key = nm ? xasprintf("%s", nm)
					 : xasprintf("%s Tag_%llu", vendor,
						     (unsigned long long)tag);
				if (scope != 1) {
					char *k = xasprintf("%s (%s)", key,
							    scopes[scope < 4 ? scope : 0]);
					free(key);
					key = k;
				}
				if (out->n == out->cap)
					out->v = xrealloc(out->v,
							  (out->cap = out->cap ? 2 * out->cap : 8) *
								  sizeof(*out->v));
				out->v[out->n++] = (struct attr){ key, val };
			}
		}
	}
	return 0;
}

static const struct attr *attrs_find(const struct attrs *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return &s->v[i];
	return NULL;
}

int diff_elf_attributes(struct diff_ctx *c, const char *name, const char *sec,
			const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	struct attrs x = { NULL, 0, 0 }, y = { NULL, 0, 0 };
	int ret = -1;

	if (attrs_parse(a, alen, &x) < 0 || attrs_parse(b, blen, &y) < 0)
		goto out;
	/* Every tag either side has, in a's order then b's new ones: what the
	 * assembler was told (-march) or chose is the toolchain's doing. */
	for (int pass = 0; pass < 2; pass++) {
		const struct attrs *s = pass ? &y : &x;
		for (size_t i = 0; i < s->n; i++) {
			const struct attr *p = pass ? attrs_find(&x, s->v[i].key) : &s->v[i];
			const struct attr *q = pass ? &s->v[i] : attrs_find(&y, s->v[i].key);
			if ((pass && p) || (p && q && !strcmp(p->val, q->val)))
				continue;
			report_add(c, name, "attribute", HINT_COMPILER,
				   xasprintf("%s %s", sec, s->v[i].key),
				   xstrdup(p ? p->val : "absent"), xstrdup(q ? q->val : "absent"));
		}
	}
	ret = 0;
out:
	attrs_release(&x);
	attrs_release(&y);
	return ret;
}
