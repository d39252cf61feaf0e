/* SPDX-License-Identifier: MIT */
/* A Linux kernel module's .modinfo: NUL-separated "key=value" entries
 * (license, vermagic, srcversion, depends, alias, parm...) compared by key,
 * each key's values in order, so that a changed vermagic reads as one
 * difference, not as a byte range. */
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

/* The values of key in the entries of p, joined with " | "; NULL when the
 * key is absent. */
static char *values_of(const unsigned char *p, size_t len, const char *key, size_t klen)
{
	struct buf b = BUF_INIT;
	int found = 0;

	for (size_t i = 0; i < len;) {
		size_t n = strnlen((const char *)p + i, len - i);
		if (n > klen && !memcmp(p + i, key, klen) && p[i + klen] == '=') {
			buf_addf(&b, "%s%.*s", found ? " | " : "", (int)(n - klen - 1),
				 (const char *)p + i + klen + 1);
			found = 1;
		}
		i += n + 1;
	}
	if (!found) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

/* Adds the keys of p not in keys yet, in order of first appearance. */
static void keys_of(const unsigned char *p, size_t len, struct strv *keys)
{
	for (size_t i = 0; i < len;) {
		size_t n = strnlen((const char *)p + i, len - i);
		const char *eq = memchr(p + i, '=', n);
		if (eq) {
			char *k = xasprintf("%.*s", (int)(eq - (const char *)p - i),
					    (const char *)p + i);
			size_t j = 0;
			while (j < keys->n && strcmp(keys->v[j], k))
				j++;
			if (j == keys->n)
				strv_push(keys, k);
			free(k);
		}
		i += n + 1;
	}
}

void diff_elf_modinfo(struct diff_ctx *c, const char *name, const unsigned char *a, size_t alen,
		      const unsigned char *b, size_t blen, enum diff_hint *dominant)
{
	struct strv keys = STRV_INIT;

	keys_of(a, alen, &keys);
	keys_of(b, blen, &keys);
	for (size_t i = 0; i < keys.n; i++) {
		size_t kl = strlen(keys.v[i]);
		char *va = values_of(a, alen, keys.v[i], kl),
		     *vb = values_of(b, blen, keys.v[i], kl);
		enum diff_hint h;
		if (va && vb && !strcmp(va, vb)) {
			free(va);
			free(vb);
			continue;
		}
		h = va && vb ? hints_strings(c, va, vb) : HINT_CONTENT;
		/* vermagic is the kernel release and the compiler's options
		 * the module was built for. */
		if (h == HINT_CONTENT && !strcmp(keys.v[i], "vermagic"))
			h = HINT_COMPILER;
		if (*dominant == HINT_CONTENT)
			*dominant = h;
		report_add(c, name, "modinfo", h, xstrdup(keys.v[i]), va ? va : xstrdup("absent"),
			   vb ? vb : xstrdup("absent"));
	}
	strv_release(&keys);
}
