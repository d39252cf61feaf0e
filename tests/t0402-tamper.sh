#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lockstep verify-signature` against forgeries and malformed envelopes:
# each tampering is its own test and must be caught (exit 1, naming the
# envelope and the keyid); malformed input is exit 2 and writes nothing.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
DATA=$TOP/tests/data/sign
cd "$T" || exit 2
unset LOCKSTEP_PASSPHRASE
KID=$(openssl pkey -pubin -in "$DATA/kat-ed25519.key.pub" -outform DER | sha256sum | cut -c1-64)
cp "$DATA/statement.intoto.json" good.json
cp "$DATA/kat-ed25519.key.pub" pub.pem

# edit IN OUT PYCODE: queues a rewrite of a JSON envelope (e) in python;
# apply_edits runs the queue in one python process (starting python once per
# copy would dominate the test's time).  b64/unb64/flip help with base64.
: >edits.txt
edit() { printf '%s\0%s\0%s\0' "$1" "$2" "$3" >>edits.txt; }
apply_edits() {
	python3 -c '
import base64, json, sys
b64 = lambda b: base64.b64encode(b).decode()
unb64 = lambda s: base64.b64decode(s)
def flip(s, i):
    b = bytearray(unb64(s)); b[i] ^= 1; return b64(bytes(b))
f = open("edits.txt").read().split("\0")
for i in range(0, len(f) - 1, 3):
    e = json.load(open(f[i]))
    exec(f[i + 2])
    open(f[i + 1], "w").write(json.dumps(e, separators=(",", ":")))'
}
# verify NAME CODE PATTERN FILE [PUB]: verify-signature with --payload-out,
# and check that the payload is written only on success.
verify() {
	rm -f payload.out
	if [ "$2" -eq 0 ]; then
		expect_exit "$1" 0 "$L" verify-signature "$4" --pubkey "${5:-pub.pem}" --payload-out payload.out
		check "$1: the report says $3" grep -q "$3" "$T/out"
		check "$1: the payload is written" cmp -s payload.out "${6:-$DATA/statement.json}"
	else
		expect_err "$1" "$2" "$3" "$L" verify-signature "$4" --pubkey "${5:-pub.pem}" --payload-out payload.out
		check "$1: no payload is written" test ! -e payload.out
	fi
}

# The tampered copies, each changing one thing.
"$L" keygen -o other.key >/dev/null 2>&1
OTHER=$(openssl pkey -pubin -in other.key.pub -outform DER | sha256sum | cut -c1-64)
sed 's/"kat"/"other"/' "$DATA/statement.json" >other.json
"$L" sign other.json --key other.key -o t-other.json >/dev/null
edit good.json t-payload.json 'e["payload"] = flip(e["payload"], 40)'
edit good.json t-sig.json 'e["signatures"][0]["sig"] = flip(e["signatures"][0]["sig"], 10)'
edit good.json t-type.json 'e["payloadType"] = "application/json"'
edit good.json t-keyid.json 'e["signatures"][0]["keyid"] = "0" * 64'
edit good.json t-swap.json 'e["payload"] = json.load(open("t-other.json"))["payload"]'
edit good.json t-trunc-sig.json 'e["signatures"][0]["sig"] = b64(unb64(e["signatures"][0]["sig"])[:63])'
edit good.json t-url.json 'e["payload"] = e["payload"].replace("+", "-").replace("/", "_").rstrip("=")
e["signatures"][0]["sig"] = e["signatures"][0]["sig"].replace("+", "-").replace("/", "_").rstrip("=")
s = e["payload"] + e["signatures"][0]["sig"]
assert any(c in s for c in "-_") and not any(c in s for c in "+/=")'
edit good.json t-nopad.json 'e["signatures"][0]["sig"] = e["signatures"][0]["sig"].rstrip("=")'
edit good.json t-garbage.json 'e["signatures"][0]["sig"] = "not*base64!"'
edit good.json t-mixed.json 'e["signatures"][0]["sig"] = e["signatures"][0]["sig"].replace("+", "-", 1)'
edit good.json t-space.json 'e["payload"] = e["payload"][:8] + " " + e["payload"][8:]'
edit good.json t-pad.json 'e["payload"] = e["payload"].rstrip("=") + "==="'
edit good.json t-zero.json 'e["signatures"] = []'
edit good.json t-two.json 'e["signatures"] = e["signatures"] * 2'
edit good.json t-nosig.json 'del e["signatures"][0]["sig"]'
edit good.json t-extra.json 'e["signed"] = True'
check "the tampered copies are made" apply_edits

verify "the untouched envelope verifies" 0 'good signature' good.json
bad_sig="bad signature: the signature \\(keyid $KID\\)"

# Forgeries: exit 1, the envelope and the keyid named.
verify "a byte flipped in the payload is a bad signature" 1 "t-payload.json: $bad_sig" t-payload.json
verify "a byte flipped in the signature is a bad signature" 1 "t-sig.json: $bad_sig" t-sig.json
verify "a changed payloadType is a bad signature (the type is signed too)" 1 "t-type.json: bad signature" t-type.json
verify "a forged keyid hint does not matter: the signature decides" 0 'good signature' t-keyid.json
verify "a provenance signed by another key is a bad signature naming that key" 1 \
	"t-other.json: bad signature: the signature \\(keyid $OTHER\\) does not verify with public key $KID" t-other.json
verify "the other key's envelope verifies with the other key (control)" 0 'good signature' \
	t-other.json other.key.pub other.json
verify "another statement under our signature is a bad signature" 1 "t-swap.json: bad signature" t-swap.json
verify "a truncated signature is a bad signature" 1 "t-trunc-sig.json: bad signature" t-trunc-sig.json

# Base64: both alphabets, padding optional; anything else is refused.  (The
# URL-safe copy asserts it really has '-' or '_' and no '+', '/', '='.)
verify "URL-safe base64 without padding is accepted" 0 'good signature' t-url.json
verify "standard base64 without padding is accepted" 0 'good signature' t-nopad.json
verify "garbage base64 in the signature is refused" 2 't-garbage.json: "signatures\[0\].sig": malformed base64' t-garbage.json
verify "base64 mixing both alphabets is refused" 2 'mixes the standard and URL-safe alphabets' t-mixed.json
verify "whitespace inside base64 is refused" 2 't-space.json: "payload": malformed base64' t-space.json
verify "three padding characters are refused" 2 't-pad.json: "payload": malformed base64' t-pad.json

# Malformed envelopes: exit 2, the file and the problem named.
verify "an envelope with zero signatures is refused" 2 't-zero.json: "signatures": no signatures' t-zero.json
verify "an envelope with two signatures is refused" 2 't-two.json: "signatures": 2 signatures \(lockstep requires exactly one\)' t-two.json
verify "a signature entry without sig is refused" 2 '"signatures\[0\].sig": missing required field' t-nosig.json
verify "an unknown envelope field is refused" 2 't-extra.json: "signed": unknown field' t-extra.json
head -c 100 good.json >t-truncated.json
verify "a truncated envelope is refused" 2 't-truncated.json: line 1: malformed JSON' t-truncated.json
echo 'this is not json' >t-text.json
verify "a non-JSON envelope is refused" 2 't-text.json: line 1: malformed JSON' t-text.json
: >t-empty.json
verify "an empty envelope file is refused" 2 't-empty.json: empty file' t-empty.json
echo '[]' >t-array.json
verify "a JSON array is not an envelope" 2 't-array.json: expected a DSSE envelope' t-array.json
verify "a missing envelope file is refused" 2 'missing.json: cannot open' missing.json

# Wrong keys where the public key belongs: exit 2, the file named.
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout -out rsa.pub
verify "an RSA public key is refused, naming the file and the type" 2 'rsa.pub: unsupported key type "rsa"' good.json rsa.pub
verify "a private key given as --pubkey is refused as a private key" 2 \
	'other.key: is a private key, expected a public key' good.json other.key
echo 'not a key' >junk.pub
verify "a file that is not PEM is refused as --pubkey" 2 'junk.pub: not a PEM public key' good.json junk.pub
sed 's/A/B/; s/M/N/' pub.pem >corrupt.pub
verify "a corrupted PEM public key is refused" 2 'corrupt.pub: cannot read the public key' good.json corrupt.pub
expect_exit "verify-signature without --pubkey is a usage error" 2 "$L" verify-signature good.json
expect_exit "--json on a bad signature still exits 1" 1 \
	"$L" verify-signature t-sig.json --pubkey pub.pem --json
check "--json on a bad signature reports verified false with the reason" \
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["verified"] is False and "bad signature" in j["reason"]))' "$T/out"
