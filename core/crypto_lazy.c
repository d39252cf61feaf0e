/* SPDX-License-Identifier: MIT */
/* libcrypto (OpenSSL 3), loaded on its first call (core/lazylib.h): file
 * digests, base64 and signatures need it; `lockstep diff` of two device
 * trees, `version`, `--help` do not, and a linked libcrypto cost them
 * ~0.7 ms of every start (loading and relocating 4.5 MB, measured here
 * against a program linked with the rest of our libraries).
 *
 * A NEW OPENSSL CALL fails the link with "undefined reference": add its
 * wrapper below.  A macro such as OPENSSL_free or BIO_get_mem_data needs
 * the function it expands to. */
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <string.h>

#include "core/lazylib.h"

/* The soname whose ABI the OpenSSL 3 headers describe (Debian's libssl3,
 * libssl3t64 in Debian 13); scripts/make-dist reads it here to bundle the
 * library. */
#define LAZY_LIBCRYPTO "libcrypto.so.3"

static struct lazylib libcrypto = LAZYLIB_INIT(LAZY_LIBCRYPTO, "libssl3");
#define LAZY_LIB (&libcrypto)

/* Memory BIOs, errors. */
LAZY(const BIO_METHOD *, BIO_s_mem, (void), ())
LAZY(const BIO_METHOD *, BIO_s_secmem, (void), ())
LAZY(BIO *, BIO_new, (const BIO_METHOD *type), (type))
LAZY(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len))
LAZY(long, BIO_ctrl, (BIO * bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg))
LAZY(int, BIO_free, (BIO * a), (a))
LAZY_VOID(CRYPTO_free, (void *ptr, const char *file, int line), (ptr, file, line))
LAZY_VOID(OPENSSL_cleanse, (void *ptr, size_t len), (ptr, len))
LAZY_VOID(ERR_clear_error, (void), ())
LAZY(unsigned long, ERR_peek_last_error, (void), ())
LAZY(const char *, ERR_reason_error_string, (unsigned long e), (e))
LAZY(int, OBJ_txt2nid, (const char *s), (s))

/* Digests and base64. */
LAZY(const EVP_MD *, EVP_sha256, (void), ())
LAZY(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
LAZY_VOID(EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
LAZY(int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl),
     (ctx, type, impl))
LAZY(int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void *d, size_t cnt), (ctx, d, cnt))
LAZY(int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s), (ctx, md, s))
LAZY(int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
LAZY(int, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))

/* Keys and signatures. */
LAZY(int, EVP_DigestSignInit,
     (EVP_MD_CTX * ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
     (ctx, pctx, type, e, pkey))
LAZY(int, EVP_DigestSign,
     (EVP_MD_CTX * ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs,
      size_t tbslen),
     (ctx, sigret, siglen, tbs, tbslen))
LAZY(int, EVP_DigestVerifyInit,
     (EVP_MD_CTX * ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
     (ctx, pctx, type, e, pkey))
LAZY(int, EVP_DigestVerify,
     (EVP_MD_CTX * ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs,
      size_t tbslen),
     (ctx, sigret, siglen, tbs, tbslen))
LAZY_VOID(EVP_PKEY_free, (EVP_PKEY * pkey), (pkey))
LAZY(const char *, EVP_PKEY_get0_type_name, (const EVP_PKEY *key), (key))
LAZY(int, EVP_PKEY_is_a, (const EVP_PKEY *pkey, const char *name), (pkey, name))
LAZY(int, EVP_PKEY_get_utf8_string_param,
     (const EVP_PKEY *pkey, const char *key_name, char *str, size_t max_buf_sz, size_t *out_sz),
     (pkey, key_name, str, max_buf_sz, out_sz))
LAZY(const EVP_CIPHER *, EVP_aes_256_cbc, (void), ())
LAZY(EVP_PKEY *, PEM_read_bio_PUBKEY, (BIO * bp, EVP_PKEY **x, pem_password_cb *cb, void *u),
     (bp, x, cb, u))
LAZY(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO * bp, EVP_PKEY **x, pem_password_cb *cb, void *u),
     (bp, x, cb, u))
LAZY(int, PEM_write_bio_PUBKEY, (BIO * bp, const EVP_PKEY *x), (bp, x))
LAZY(int, PEM_write_bio_PKCS8PrivateKey,
     (BIO * bp, const EVP_PKEY *x, const EVP_CIPHER *enc, const char *kstr, int klen,
      pem_password_cb *cb, void *u),
     (bp, x, enc, kstr, klen, cb, u))
LAZY(int, i2d_PUBKEY, (const EVP_PKEY *a, unsigned char **pp), (a, pp))

/* The one variadic function: its extra argument depends on the key type,
 * as OpenSSL reads it (EC: the curve's name; RSA: the bits, a size_t;
 * ED25519 and the like: none). */
EVP_PKEY *EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	EVP_PKEY *k;
	va_list ap;

	LAZY_RESOLVE(EVP_PKEY_Q_keygen)
	va_start(ap, type);
	if (!strcmp(type, "EC"))
		k = real_(libctx, propq, type, va_arg(ap, const char *));
	else if (!strcmp(type, "RSA"))
		k = real_(libctx, propq, type, va_arg(ap, size_t));
	else
		k = real_(libctx, propq, type);
	va_end(ap);
	return k;
}
