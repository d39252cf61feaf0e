#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lockstep keygen`: keys OpenSSL reads as written, key ids anyone can
# recompute, private keys kept private (0600, never overwritten), and
# passphrase-protected keys that open only with their passphrase.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
cd "$T" || exit 2
unset LOCKSTEP_PASSPHRASE

# keyid_of PUB: the key id computed without lockstep.
keyid_of() { openssl pkey -pubin -in "$1" -outform DER | sha256sum | cut -c1-64; }

for type in ed25519 ecdsa-p256; do
	expect_exit "keygen $type writes a key pair" 0 "$L" keygen -o "$type.key" --type "$type"
	check "keygen $type prints the sha256 of the DER public key as keyid" \
		test "$(cat "$T/out")" = "$(keyid_of "$type.key.pub")"
	check "keygen $type: private key has mode 0600" test "$(stat -c %a "$type.key")" = 600
	check "keygen $type: public key has mode 0644" test "$(stat -c %a "$type.key.pub")" = 644
	check "keygen $type: private key is unencrypted PKCS#8 PEM" \
		grep -qx -- '-----BEGIN PRIVATE KEY-----' "$type.key"
	check "keygen $type: public key is SubjectPublicKeyInfo PEM" \
		grep -qx -- '-----BEGIN PUBLIC KEY-----' "$type.key.pub"
	check "keygen $type: openssl derives the same public key from the private key" \
		cmp -s <(openssl pkey -in "$type.key" -pubout) "$type.key.pub"
	check "keygen $type: no temporary files are left behind" \
		test -z "$(find . -name '*.tmp.*')"
done
check "keygen ed25519 makes an ED25519 key" \
	sh -c 'openssl pkey -in ed25519.key -noout -text | grep -q "ED25519 Private-Key"'
check "keygen ecdsa-p256 makes a P-256 key" \
	sh -c 'openssl pkey -in ecdsa-p256.key -noout -text | grep -q "NIST CURVE: P-256"'
expect_exit "keygen without --type makes ed25519" 0 "$L" keygen -o default.key
check "the default key type is ed25519" \
	sh -c 'openssl pkey -in default.key -noout -text | grep -q "ED25519 Private-Key"'
check "two keygens give two different keys" \
	test "$(keyid_of ed25519.key.pub)" != "$(keyid_of default.key.pub)"

cp ed25519.key before.key
cp ed25519.key.pub before.key.pub
expect_err "keygen refuses to overwrite an existing key" 2 'ed25519.key: already exists, refusing to overwrite' \
	"$L" keygen -o ed25519.key
check "the refused keygen left the private key untouched" cmp -s ed25519.key before.key
check "the refused keygen left the public key untouched" cmp -s ed25519.key.pub before.key.pub
echo existing >only.key.pub
expect_err "keygen refuses when only KEY.pub exists" 2 'only.key.pub: already exists' \
	"$L" keygen -o only.key
check "nothing is written when KEY.pub exists" test ! -e only.key
expect_err "an unknown key type is a usage error" 2 '"rsa": unknown key type' \
	"$L" keygen -o rsa.key --type rsa
check "nothing is written for an unknown key type" test ! -e rsa.key
expect_exit "keygen without -o is a usage error" 2 "$L" keygen
expect_exit "keygen has --help" 0 "$L" keygen --help

# A passphrase from a file; the file's newline is not part of it.
printf 'correct horse battery staple\n' >pass
printf 'wrong horse\n' >wrongpass
expect_exit "keygen --passphrase-file writes an encrypted key" 0 \
	"$L" keygen -o enc.key --type ecdsa-p256 --passphrase-file pass
check "the encrypted key is PKCS#8 ENCRYPTED PRIVATE KEY PEM" \
	grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' enc.key
check "openssl opens the encrypted key with the passphrase (AES-256-CBC)" \
	sh -c 'openssl pkey -in enc.key -passin pass:"correct horse battery staple" -noout &&
	       openssl asn1parse -in enc.key | grep -q aes-256-cbc'
check "openssl refuses the encrypted key with a wrong passphrase" \
	sh -c '! openssl pkey -in enc.key -passin pass:"wrong horse" -noout 2>/dev/null'
check "the encrypted key has mode 0600" test "$(stat -c %a enc.key)" = 600
expect_exit "LOCKSTEP_PASSPHRASE also encrypts a new key" 0 \
	env LOCKSTEP_PASSPHRASE=envsecret "$L" keygen -o envenc.key
check "a key encrypted through LOCKSTEP_PASSPHRASE opens with it in openssl" \
	sh -c 'grep -q "BEGIN ENCRYPTED PRIVATE KEY" envenc.key &&
	       openssl pkey -in envenc.key -passin pass:envsecret -noout'
: >emptypass
expect_err "an empty passphrase file is refused" 2 'emptypass: empty passphrase' \
	"$L" keygen -o e.key --passphrase-file emptypass
check "nothing is written for an empty passphrase" test ! -e e.key

# Round trip through sign and verify-signature with the encrypted key.
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"%064d"}}],"predicateType":"https://example.com/p/v1","predicate":{}}' 0 >st.json
expect_err "signing with an encrypted key and no passphrase says so" 2 \
	'enc.key: the private key is encrypted: set LOCKSTEP_PASSPHRASE' \
	env -u LOCKSTEP_PASSPHRASE "$L" sign st.json --key enc.key -o st.env
check "nothing is written without the passphrase" test ! -e st.env
expect_err "a wrong passphrase is refused" 2 'enc.key: cannot decrypt the private key \(wrong passphrase\?\)' \
	"$L" sign st.json --key enc.key --passphrase-file wrongpass -o st.env
check "nothing is written with a wrong passphrase" test ! -e st.env
expect_exit "an encrypted key signs with --passphrase-file" 0 \
	"$L" sign st.json --key enc.key --passphrase-file pass -o st.env
expect_exit "the passphrase-protected key's signature verifies" 0 \
	"$L" verify-signature st.env --pubkey enc.key.pub
expect_exit "an encrypted key signs with LOCKSTEP_PASSPHRASE" 0 \
	env LOCKSTEP_PASSPHRASE=envsecret "$L" sign st.json --key envenc.key -o st2.env
expect_exit "the LOCKSTEP_PASSPHRASE key's signature verifies" 0 \
	"$L" verify-signature st2.env --pubkey envenc.key.pub

# Keys made by plain openssl work too; other key types are named and refused.
openssl genpkey -algorithm ed25519 -out ossl.key 2>/dev/null
openssl pkey -in ossl.key -pubout -out ossl.pub
expect_exit "a key made by openssl genpkey signs" 0 "$L" sign st.json --key ossl.key -o st3.env
expect_exit "and verifies with openssl's public key" 0 "$L" verify-signature st3.env --pubkey ossl.pub
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
expect_err "an RSA private key is refused for signing, naming file and type" 2 \
	'rsa.pem: unsupported key type "rsa"' "$L" sign st.json --key rsa.pem -o st4.env
check "nothing is written with an RSA key" test ! -e st4.env
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-384 -out p384.pem 2>/dev/null
expect_err "an ECDSA P-384 key is refused, naming the curve" 2 \
	'p384.pem: unsupported key type "ec secp384r1"' "$L" sign st.json --key p384.pem -o st4.env
expect_err "a public key is refused where the private key is expected" 2 \
	'ed25519.key.pub: is a public key, expected a private key' \
	"$L" sign st.json --key ed25519.key.pub -o st4.env
ln -s ed25519.key link.key
expect_err "a private key reached through a symlink is refused" 2 'link.key: cannot open' \
	"$L" sign st.json --key link.key -o st4.env
check "nothing is written for any refused key" test ! -e st4.env
