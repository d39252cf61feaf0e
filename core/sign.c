/* SPDX-License-Identifier: MIT */
/* OpenSSL keys and signatures: loading, generating, key ids, raw sign and
 * verify.  EVP_PKEY never leaves this file. */
#include "core/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/fs.h"

enum key_kind { KEY_NONE = 0, KEY_ED25519, KEY_P256 };

struct sign_key {
	EVP_PKEY *pkey; /* owned */
	enum key_kind kind;
	int priv;
	char id[DIGEST_HEX_LEN + 1];
	char hint[48]; /* base64 of 32 bytes: 44 chars */
};

/* OpenSSL's reason for the last failure, then its queue emptied so a later
 * call does not report a stale error. */
static const char *ossl_reason(void)
{
	unsigned long c = ERR_peek_last_error();
	const char *r = c ? ERR_reason_error_string(c) : NULL;
	ERR_clear_error();
	return r ? r : "unknown reason";
}

static enum key_kind kind_of(EVP_PKEY *p)
{
	char group[64];

	if (EVP_PKEY_is_a(p, "ED25519"))
		return KEY_ED25519;
	if (EVP_PKEY_is_a(p, "EC") &&
	    EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) == 1 &&
	    OBJ_txt2nid(group) == NID_X9_62_prime256v1)
		return KEY_P256;
	return KEY_NONE;
}

static const char *type_name(EVP_PKEY *p, char *buf, size_t n)
{
	char group[64];
	const char *t = EVP_PKEY_get0_type_name(p);

	if (EVP_PKEY_is_a(p, "EC") &&
	    EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) == 1) {
		snprintf(buf, n, "ec %s", group);
		return buf;
	}
	snprintf(buf, n, "%s", t ? t : "unknown");
	for (char *c = buf; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return buf;
}

/* Wraps pkey (taken) in a sign_key with its id and hint computed from the
 * DER SubjectPublicKeyInfo. */
static int key_wrap(EVP_PKEY *pkey, int priv, const char *path, struct sign_key **out,
		    struct err *e)
{
	unsigned char *der = NULL, raw[32];
	char tn[80];
	struct sign_key *k;
	int n;

	*out = NULL;
	if (kind_of(pkey) == KEY_NONE) {
		err_set(e, "%s: unsupported key type \"%s\" (lockstep uses ed25519 or ecdsa-p256)",
			path, type_name(pkey, tn, sizeof(tn)));
		EVP_PKEY_free(pkey);
		return -1;
	}
	n = i2d_PUBKEY(pkey, &der);
	if (n <= 0) {
		err_set(e, "%s: cannot encode the public key: %s", path, ossl_reason());
		EVP_PKEY_free(pkey);
		return -1;
	}
	k = xcalloc(1, sizeof(*k));
	k->pkey = pkey;
	k->kind = kind_of(pkey);
	k->priv = priv;
	digest_buf(der, (size_t)n, k->id);
	digest_buf_raw(der, (size_t)n, raw);
	EVP_EncodeBlock((unsigned char *)k->hint, raw, sizeof(raw));
	OPENSSL_free(der);
	*out = k;
	return 0;
}

/* Never lets OpenSSL prompt on a terminal: the passphrase comes from the
 * caller or the load fails. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (!pass)
		return -1;
	n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

int sign_key_load_private_pass(const char *path, const char *passphrase, struct sign_key **out,
			       struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int ret = -1;

	*out = NULL;
	if (fs_read_file(path, SIGN_KEY_MAX_FILE, &buf, &len, e) < 0)
		goto out;
	if (len == 0) {
		err_set(e, "%s: empty file, expected a private key", path);
		goto out;
	}
	if (!strstr(buf, "-----BEGIN ")) {
		err_set(e, "%s: not a PEM file, expected a private key", path);
		goto out;
	}
	if (!strstr(buf, "PRIVATE KEY-----")) {
		err_set(e, "%s: %s, expected a private key", path,
			strstr(buf, "-----BEGIN PUBLIC KEY-----") ? "is a public key"
								  : "holds no private key");
		goto out;
	}
	if (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") && !passphrase) {
		err_set(e,
			"%s: the private key is encrypted: set " SIGN_PASSPHRASE_ENV
			" or give --passphrase-file",
			path);
		goto out;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		abort();
	pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, (void *)passphrase);
	if (!pkey) {
		if (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
			err_set(e, "%s: cannot decrypt the private key (wrong passphrase?): %s",
				path, ossl_reason());
		else
			err_set(e, "%s: cannot read the private key: %s", path, ossl_reason());
		goto out;
	}
	ret = key_wrap(pkey, 1, path, out, e);
out:
	BIO_free(bio);
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	return ret;
}

int sign_key_load_private(const char *path, struct sign_key **out, struct err *e)
{
	const char *pass = getenv(SIGN_PASSPHRASE_ENV);
	return sign_key_load_private_pass(path, pass && *pass ? pass : NULL, out, e);
}

int sign_key_load_public(const char *path, struct sign_key **out, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int ret = -1;

	*out = NULL;
	if (fs_read_file(path, SIGN_KEY_MAX_FILE, &buf, &len, e) < 0)
		goto out;
	if (len == 0) {
		err_set(e, "%s: empty file, expected a public key", path);
		goto out;
	}
	if (strstr(buf, "PRIVATE KEY-----")) {
		err_set(e, "%s: is a private key, expected a public key (the .pub file)", path);
		goto out;
	}
	if (!strstr(buf, "-----BEGIN PUBLIC KEY-----")) {
		err_set(e, "%s: not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")",
			path);
		goto out;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		abort();
	pkey = PEM_read_bio_PUBKEY(bio, NULL, pass_cb, NULL);
	if (!pkey) {
		err_set(e, "%s: cannot read the public key: %s", path, ossl_reason());
		goto out;
	}
	ret = key_wrap(pkey, 0, path, out, e);
out:
	BIO_free(bio);
	free(buf);
	return ret;
}

/* The PEM text a BIO holds, copied out (caller frees). */
static char *bio_text(BIO *bio, size_t *len)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	char *s = xmalloc((size_t)(n > 0 ? n : 0) + 1);

	if (n > 0)
		memcpy(s, p, (size_t)n);
	s[n > 0 ? n : 0] = '\0';
	*len = (size_t)(n > 0 ? n : 0);
	return s;
}

int sign_key_generate(const char *type, const char *path, const char *passphrase, struct err *e)
{
	EVP_PKEY *pkey = NULL;
	BIO *privbio = NULL, *pubbio = NULL;
	char *pubpath = xasprintf("%s.pub", path), *priv = NULL, *pub = NULL;
	size_t privlen = 0, publen = 0;
	int ret = -1;

	if (!type || !strcmp(type, "ed25519")) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else if (!strcmp(type, "ecdsa-p256")) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	} else {
		err_set(e, "\"%s\": unknown key type (expected ed25519 or ecdsa-p256)", type);
		goto out;
	}
	if (!pkey) {
		err_set(e, "%s: cannot generate a key: %s", path, ossl_reason());
		goto out;
	}
	/* Checked before anything is written, so an existing .pub does not
	 * leave a fresh private key behind; fs_write_new still catches a race. */
	if (fs_exists(path) || fs_exists(pubpath)) {
		err_set(e, "%s: already exists, refusing to overwrite",
			fs_exists(path) ? path : pubpath);
		goto out;
	}
	/* The secure-memory BIO clears its buffer when freed. */
	privbio = BIO_new(BIO_s_secmem());
	pubbio = BIO_new(BIO_s_mem());
	if (!privbio || !pubbio)
		abort();
	if (PEM_write_bio_PKCS8PrivateKey(privbio, pkey, passphrase ? EVP_aes_256_cbc() : NULL,
					  (char *)passphrase,
					  passphrase ? (int)strlen(passphrase) : 0, NULL,
					  NULL) != 1 ||
	    PEM_write_bio_PUBKEY(pubbio, pkey) != 1) {
		err_set(e, "%s: cannot encode the key: %s", path, ossl_reason());
		goto out;
	}
	priv = bio_text(privbio, &privlen);
	pub = bio_text(pubbio, &publen);
	if (fs_write_new(path, priv, privlen, 0600, e) < 0)
		goto out;
	if (fs_write_new(pubpath, pub, publen, 0644, e) < 0) {
		unlink(path);
		goto out;
	}
	ret = 0;
out:
	if (priv)
		OPENSSL_cleanse(priv, privlen);
	free(priv);
	free(pub);
	BIO_free(privbio);
	BIO_free(pubbio);
	EVP_PKEY_free(pkey);
	free(pubpath);
	return ret;
}

int sign_read_passphrase(const char *path, char **out, struct err *e)
{
	char *buf = NULL;
	size_t len = 0, n;
	int ret = -1;

	*out = NULL;
	if (fs_read_file(path, 4096, &buf, &len, e) < 0)
		goto out;
	/* An empty file's buffer is not NUL-terminated by fs_read_file. */
	n = len ? strcspn(buf, "\n") : 0;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (memchr(buf, '\0', len)) {
		err_set(e, "%s: the passphrase file contains a NUL byte", path);
		goto out;
	}
	if (n == 0) {
		err_set(e, "%s: empty passphrase", path);
		goto out;
	}
	*out = xstrndup(buf, n);
	ret = 0;
out:
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	return ret;
}

void sign_wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

const char *sign_key_id(const struct sign_key *k)
{
	return k->id;
}

const char *sign_key_hint(const struct sign_key *k)
{
	return k->hint;
}

const char *sign_key_type(const struct sign_key *k)
{
	return k->kind == KEY_P256 ? "ecdsa-p256" : "ed25519";
}

int sign_key_is_private(const struct sign_key *k)
{
	return k->priv;
}

int sign_key_public_pem(const struct sign_key *k, char **pem, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	size_t len;

	*pem = NULL;
	if (!bio)
		abort();
	if (PEM_write_bio_PUBKEY(bio, k->pkey) != 1) {
		BIO_free(bio);
		return err_set(e, "key %s: cannot encode the public key: %s", k->id, ossl_reason());
	}
	*pem = bio_text(bio, &len);
	BIO_free(bio);
	return 0;
}

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	/* EVP_PKEY_free clears the private scalar as it frees it. */
	EVP_PKEY_free(k->pkey);
	free(k);
}

int sign_data(const struct sign_key *k, const void *msg, size_t len, unsigned char **sig,
	      size_t *siglen, struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *s = NULL;
	size_t n = 0;
	int ret = -1;

	*sig = NULL;
	*siglen = 0;
	if (!k->priv)
		return err_set(e, "key %s: signing needs the private key", k->id);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		abort();
	/* Ed25519 takes the message whole (no digest); ECDSA hashes it first. */
	if (EVP_DigestSignInit(ctx, NULL, k->kind == KEY_P256 ? EVP_sha256() : NULL, NULL,
			       k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, msg, len) != 1) {
		err_set(e, "key %s: cannot sign: %s", k->id, ossl_reason());
		goto out;
	}
	s = xmalloc(n ? n : 1);
	if (EVP_DigestSign(ctx, s, &n, msg, len) != 1) {
		err_set(e, "key %s: cannot sign: %s", k->id, ossl_reason());
		goto out;
	}
	*sig = s;
	*siglen = n;
	s = NULL;
	ret = 0;
out:
	free(s);
	EVP_MD_CTX_free(ctx);
	return ret;
}

int sign_verify_data(const struct sign_key *k, const void *msg, size_t len,
		     const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		abort();
	ok = siglen > 0 && siglen <= SIGN_SIG_MAX &&
	     EVP_DigestVerifyInit(ctx, NULL, k->kind == KEY_P256 ? EVP_sha256() : NULL, NULL,
				  k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
