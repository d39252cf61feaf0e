#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lockstep sign --bundle`: sigstore bundles v0.3 that an independent
# implementation (sigstore-js: @sigstore/bundle + @sigstore/verify, offline,
# trusting only the public key) accepts, and that lockstep reads back.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
DATA=$TOP/tests/data/sign
NPM=$TOP/tests/npm
cd "$T" || exit 2
unset LOCKSTEP_PASSPHRASE

field() { python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
edit() {
	python3 -c '
import base64, json, sys
e = json.load(open(sys.argv[1]))
def flip(s, i):
    b = bytearray(base64.b64decode(s)); b[i] ^= 1; return base64.b64encode(bytes(b)).decode()
exec(sys.argv[3])
open(sys.argv[2], "w").write(json.dumps(e))' "$1" "$2" "$3"
}

have_sigstore_js=1
if ! command -v node >/dev/null || [ ! -d "$NPM/node_modules/@sigstore/verify" ]; then
	have_sigstore_js=0
fi
# sigstore_js NAME CODE BUNDLE "PUB [ARTIFACT]" [PATTERN]: the independent
# verdict (and its reason, matched against its output).
sigstore_js() {
	if [ "$have_sigstore_js" = 0 ]; then
		skip "$1 (sigstore-js is not installed: run scripts/install-deps)"
		return
	fi
	if [ "$2" -eq 0 ]; then
		# shellcheck disable=SC2086 # PUB and the artifact: two words
		expect_exit "$1" 0 node "$NPM/verify-bundle.js" "$3" $4
	else
		# shellcheck disable=SC2086
		expect_err "$1" "$2" "$5" node "$NPM/verify-bundle.js" "$3" $4
	fi
}

for type in ed25519 ecdsa-p256; do
	"$L" keygen -o "$type.key" --type "$type" >/dev/null 2>&1
	expect_exit "sign --bundle with $type writes an envelope and a bundle" 0 \
		"$L" sign "$DATA/statement.json" --key "$type.key" -o "$type.intoto.json" --bundle "$type.sigstore.json"
	check "$type bundle has mediaType application/vnd.dev.sigstore.bundle.v0.3+json" \
		test "$(field "$type.sigstore.json" 'e["mediaType"]')" = application/vnd.dev.sigstore.bundle.v0.3+json
	check "$type bundle's hint is base64 sha256 of the DER public key" \
		test "$(field "$type.sigstore.json" 'e["verificationMaterial"]["publicKey"]["hint"]')" = \
		"$(openssl pkey -pubin -in "$type.key.pub" -outform DER | openssl dgst -sha256 -binary | base64 -w0)"
	check "$type bundle has no transparency log entries" \
		test "$(field "$type.sigstore.json" 'e["verificationMaterial"]["tlogEntries"]')" = "[]"
	check "$type bundle's envelope has one signature and no keyid" \
		test "$(field "$type.sigstore.json" '[sorted(s) for s in e["dsseEnvelope"]["signatures"]]')" = "[['sig']]"
	check "$type bundle carries the same payload and signature as the envelope" \
		test "$(field "$type.sigstore.json" '(e["dsseEnvelope"]["payload"], e["dsseEnvelope"]["signatures"][0]["sig"])')" = \
		"$(field "$type.intoto.json" '(e["payload"], e["signatures"][0]["sig"])')"
	sigstore_js "sigstore-js verifies the $type bundle with the public key alone" 0 "$type.sigstore.json" "$type.key.pub"
	expect_exit "lockstep verify-signature accepts the $type bundle" 0 \
		"$L" verify-signature "$type.sigstore.json" --pubkey "$type.key.pub" --payload-out "$type.payload"
	check "the $type bundle's payload is the statement" cmp -s "$type.payload" "$DATA/statement.json"
	edit "$type.sigstore.json" "$type.tampered.json" \
		'e["dsseEnvelope"]["signatures"][0]["sig"] = flip(e["dsseEnvelope"]["signatures"][0]["sig"], 20)'
	sigstore_js "sigstore-js rejects the $type bundle with a flipped signature byte" 1 "$type.tampered.json" "$type.key.pub" SIGNATURE_ERROR
	expect_err "lockstep rejects the $type bundle with a flipped signature byte" 1 \
		"$type.tampered.json: bad signature" "$L" verify-signature "$type.tampered.json" --pubkey "$type.key.pub"
	edit "$type.sigstore.json" "$type.payload-tampered.json" \
		'e["dsseEnvelope"]["payload"] = flip(e["dsseEnvelope"]["payload"], 30)'
	sigstore_js "sigstore-js rejects the $type bundle with a flipped payload byte" 1 "$type.payload-tampered.json" "$type.key.pub" SIGNATURE_ERROR
	expect_err "lockstep rejects the $type bundle with a flipped payload byte" 1 \
		"$type.payload-tampered.json: bad signature" "$L" verify-signature "$type.payload-tampered.json" --pubkey "$type.key.pub"
done
sigstore_js "sigstore-js rejects an ed25519 bundle checked against the ecdsa key" 1 ed25519.sigstore.json ecdsa-p256.key.pub \
	'key not found'
expect_err "lockstep rejects an ed25519 bundle checked against the ecdsa key" 1 \
	'ed25519.sigstore.json: bad signature' "$L" verify-signature ed25519.sigstore.json --pubkey ecdsa-p256.key.pub

# What lockstep cannot vouch for in a bundle is refused, not skipped.
edit ed25519.sigstore.json t-tlog.json 'e["verificationMaterial"]["tlogEntries"] = [{"logIndex": "1"}]'
expect_err "a bundle with transparency log entries is refused (lockstep does not check them)" 2 \
	't-tlog.json: "verificationMaterial.tlogEntries": transparency log entries are not checked' \
	"$L" verify-signature t-tlog.json --pubkey ed25519.key.pub
edit ed25519.sigstore.json t-v01.json 'e["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"'
expect_err "a bundle of another version is refused" 2 't-v01.json: "mediaType": .* is not a sigstore bundle v0.3' \
	"$L" verify-signature t-v01.json --pubkey ed25519.key.pub
edit ed25519.sigstore.json t-two.json 'e["dsseEnvelope"]["signatures"] *= 2'
expect_err "a bundle whose envelope has two signatures is refused" 2 \
	't-two.json: "dsseEnvelope.signatures": 2 signatures' "$L" verify-signature t-two.json --pubkey ed25519.key.pub
edit ed25519.sigstore.json t-cert.json 'e["verificationMaterial"]["certificate"] = {"rawBytes": "AAAA"}'
expect_err "a keyless (certificate) bundle is refused" 2 't-cert.json: "verificationMaterial": a certificate' \
	"$L" verify-signature t-cert.json --pubkey ed25519.key.pub
edit ed25519.sigstore.json t-legacy.json 'e["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.3"'
expect_exit "the older spelling of the v0.3 media type is accepted" 0 \
	"$L" verify-signature t-legacy.json --pubkey ed25519.key.pub

# Message-signature bundles (cosign sign-blob style), made with plain
# openssl: the signature is over the file's bytes, the messageDigest its
# sha256.  lockstep verify-signature --artifact and sigstore-js agree.
printf 'firmware image bytes\n' >blob.bin
msg_bundle() { # KEY SIG OUT [DIGEST-FILE]: a v0.3 bundle around SIG
	python3 -c '
import base64, hashlib, json, subprocess, sys
key, sig, out, art = sys.argv[1:5]
der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
b = {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
     "verificationMaterial": {"publicKey": {"hint": base64.b64encode(hashlib.sha256(der).digest()).decode()}, "tlogEntries": []},
     "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": base64.b64encode(hashlib.sha256(open(art, "rb").read()).digest()).decode()},
                          "signature": base64.b64encode(open(sig, "rb").read()).decode()}}
open(out, "w").write(json.dumps(b))' "$1" "$2" "$3" "${4:-blob.bin}"
}
openssl dgst -sha256 -sign ecdsa-p256.key -out blob.ecdsa-p256.sig blob.bin
openssl pkeyutl -sign -rawin -inkey ed25519.key -in blob.bin -out blob.ed25519.sig
printf 'firmware image bytez\n' >other.bin
for type in ed25519 ecdsa-p256; do
	msg_bundle "$type.key" "blob.$type.sig" "blob.$type.sigstore.json"
	# sigstore-js 3.1.1 checks a message signature as ECDSA over the
	# digest; pure Ed25519 over the file it rejects, so openssl is the
	# independent check there.
	if [ "$type" = ecdsa-p256 ]; then
		sigstore_js "sigstore-js verifies the openssl-made $type message-signature bundle" 0 \
			"blob.$type.sigstore.json" "$type.key.pub blob.bin"
	else
		check "openssl verifies the $type message signature" openssl pkeyutl -verify -rawin \
			-pubin -inkey "$type.key.pub" -in blob.bin -sigfile "blob.$type.sig"
	fi
	expect_exit "lockstep verify-signature --artifact accepts the $type message-signature bundle" 0 \
		"$L" verify-signature "blob.$type.sigstore.json" --pubkey "$type.key.pub" --artifact blob.bin
	expect_err "  ... and rejects it for another file (the digest differs)" 1 \
		"messageDigest is not the sha256 of other.bin" \
		"$L" verify-signature "blob.$type.sigstore.json" --pubkey "$type.key.pub" --artifact other.bin
	msg_bundle "$type.key" "blob.$type.sig" "t-$type-lie.json" other.bin
	expect_err "  ... and a bundle whose digest matches another file but whose signature does not" 1 \
		"bad signature: the signature over other.bin" \
		"$L" verify-signature "t-$type-lie.json" --pubkey "$type.key.pub" --artifact other.bin
	[ "$type" = ed25519 ] ||
		sigstore_js "  ... which sigstore-js rejects too" 1 "t-$type-lie.json" "$type.key.pub other.bin" SIGNATURE_ERROR
done
expect_err "a message-signature bundle checked with the other key is rejected" 1 'bad signature' \
	"$L" verify-signature blob.ed25519.sigstore.json --pubkey ecdsa-p256.key.pub --artifact blob.bin
expect_err "a message-signature bundle without --artifact says what to give" 2 \
	'"messageSignature": a message-signature bundle .*--artifact FILE' \
	"$L" verify-signature blob.ed25519.sigstore.json --pubkey ed25519.key.pub
expect_err "--artifact on a DSSE bundle is refused" 2 '"messageSignature": missing required field' \
	"$L" verify-signature ed25519.sigstore.json --pubkey ed25519.key.pub --artifact blob.bin
