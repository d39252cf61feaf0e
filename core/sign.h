/* SPDX-License-Identifier: MIT */
/* Keys and raw signatures: the one module that holds OpenSSL key objects.
 * Ed25519 (default) signs the message itself and gives 64 raw bytes;
 * ECDSA P-256 signs SHA-256 of the message and gives ASN.1 DER.  Keys are
 * PEM as OpenSSL writes them: PKCS#8 private keys (optionally encrypted
 * with AES-256-CBC), SubjectPublicKeyInfo public keys.  Private keys are
 * only ever loaded by cli/ and verifier/ code, never inside a sandbox. */
#ifndef CORE_SIGN_H
#define CORE_SIGN_H

#include <stddef.h>
#include "core/err.h"

#define SIGN_KEY_MAX_FILE (64u << 10) /* a PEM key is a few hundred bytes */
#define SIGN_SIG_MAX 256              /* Ed25519 64, ECDSA P-256 DER <= 72 */
#define SIGN_PASSPHRASE_ENV "LOCKSTEP_PASSPHRASE"

/* A loaded key, private or public only.  Opaque; freed with sign_key_free. */
struct sign_key;

/* Loads a PKCS#8 PEM private key (O_NOFOLLOW, regular file).  An encrypted
 * key is decrypted with the passphrase in $LOCKSTEP_PASSPHRASE; without it
 * the error says so.  Only ed25519 and ecdsa-p256 keys are accepted; the
 * error names the file and the type found.  *out is owned by the caller. */
int sign_key_load_private(const char *path, struct sign_key **out, struct err *e);
/* Same with an explicit passphrase (NULL: the key must not be encrypted). */
int sign_key_load_private_pass(const char *path, const char *passphrase, struct sign_key **out,
			       struct err *e);
/* Loads a SubjectPublicKeyInfo PEM public key.  A private key, a non-PEM
 * file or another key type is an error naming the file and what it is. */
int sign_key_load_public(const char *path, struct sign_key **out, struct err *e);
/* Generates a key of type "ed25519" or "ecdsa-p256" (NULL: ed25519) and
 * writes path (PKCS#8 PEM, mode 0600, encrypted with AES-256-CBC when
 * passphrase is not NULL) and path.pub (SPKI PEM, 0644).  Each file is
 * written to a temporary name and linked into place, so it never
 * overwrites: when either file exists, nothing is written. */
int sign_key_generate(const char *type, const char *path, const char *passphrase, struct err *e);
/* Reads a passphrase: the first line of the file at path (its newline
 * dropped).  *out is owned by the caller; wipe it with sign_wipe_free. */
int sign_read_passphrase(const char *path, char **out, struct err *e);

/* The key id: lowercase hex sha256 of the DER SubjectPublicKeyInfo
 * (borrowed, lives as long as k). */
const char *sign_key_id(const struct sign_key *k);
/* The sigstore bundle hint: standard base64 of the same sha256 (borrowed). */
const char *sign_key_hint(const struct sign_key *k);
/* "ed25519" or "ecdsa-p256" (static string). */
const char *sign_key_type(const struct sign_key *k);
/* 1 when k holds private material. */
int sign_key_is_private(const struct sign_key *k);
/* The SubjectPublicKeyInfo PEM text of k; *pem is owned by the caller. */
int sign_key_public_pem(const struct sign_key *k, char **pem, struct err *e);
/* Frees k; private material is wiped by OpenSSL.  Accepts NULL. */
void sign_key_free(struct sign_key *k);

/* Signs len bytes at msg with the private key k; *sig (caller frees) gets
 * *siglen bytes in the key type's raw form (see the top of this file). */
int sign_data(const struct sign_key *k, const void *msg, size_t len, unsigned char **sig,
	      size_t *siglen, struct err *e);
/* 1 when sig is a valid signature of msg by k (public or private), else 0;
 * a malformed signature is simply not valid. */
int sign_verify_data(const struct sign_key *k, const void *msg, size_t len,
		     const unsigned char *sig, size_t siglen);
/* Wipes and frees a NUL-terminated secret (passphrase).  Accepts NULL. */
void sign_wipe_free(char *s);

#endif
