/* SPDX-License-Identifier: MIT */
/* Base64 via OpenSSL's EVP block coder, after mapping the URL-safe alphabet
 * and restoring padding, so the decoder never guesses. */
#include "core/base64.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

char *base64_encode(const void *p, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}

int base64_decode(const char *s, const char *what, unsigned char **out, size_t *len, struct err *e)
{
	size_t n = strlen(s), pad = 0, padded;
	int std = 0, url = 0, r;
	char *t = NULL;
	unsigned char *o = NULL;

	*out = NULL;
	*len = 0;
	while (n && s[n - 1] == '=') {
		n--;
		pad++;
	}
	if (pad > 2 || (pad && (n + pad) % 4))
		return err_set(e, "%s: malformed base64 (bad padding)", what);
	if (n % 4 == 1)
		return err_set(e, "%s: malformed base64 (bad length)", what);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '+' || c == '/')
			std = 1;
		else if (c == '-' || c == '_')
			url = 1;
		else
			return err_set(e, "%s: malformed base64 (character 0x%02x at offset %zu)",
				       what, (unsigned char)c, i);
	}
	if (std && url)
		return err_set(e,
			       "%s: malformed base64 (mixes the standard and URL-safe alphabets)",
			       what);
	padded = (n + 3) / 4 * 4;
	t = xmalloc(padded + 1);
	for (size_t i = 0; i < n; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	for (size_t i = n; i < padded; i++)
		t[i] = '=';
	t[padded] = '\0';
	o = xmalloc(padded / 4 * 3 + 1);
	r = padded ? EVP_DecodeBlock(o, (unsigned char *)t, (int)padded) : 0;
	if (r < 0) {
		free(t);
		free(o);
		return err_set(e, "%s: malformed base64", what);
	}
	/* EVP_DecodeBlock counts padding as zero bytes: take them back off. */
	r -= (int)(padded - n);
	o[r] = '\0';
	*out = o;
	*len = (size_t)r;
	free(t);
	return 0;
}
