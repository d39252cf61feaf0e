#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lockstep sign` and `verify-signature` round trips, every signature also
# checked the way an auditor without lockstep would: the DSSE PAE rebuilt
# with printf and verified by the plain openssl command line.  A known-answer
# test pins the Ed25519 signature of a fixed statement under a fixed key.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
DATA=$TOP/tests/data/sign
cd "$T" || exit 2
unset LOCKSTEP_PASSPHRASE

# field ENVELOPE PYEXPR: one field of a JSON file (e is the parsed file).
field() { python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# openssl_verify ENVELOPE PUB TYPE: rebuild the PAE from the envelope and
# verify its signature with openssl alone.
openssl_verify() {
	local env=$1 pub=$2 type=$3 ptype
	# The three strings, one per line: payloadType, payload, sig (base64).
	field "$env" '"\n".join([e["payloadType"], e["payload"], e["signatures"][0]["sig"]])' >"$env.fields" || return 1
	ptype=$(sed -n 1p "$env.fields")
	sed -n 2p "$env.fields" | base64 -d >"$env.payload" || return 1
	sed -n 3p "$env.fields" | base64 -d >"$env.sig" || return 1
	{ printf 'DSSEv1 %d %s %d ' "${#ptype}" "$ptype" "$(stat -c %s "$env.payload")"
	  cat "$env.payload"; } >"$env.pae"
	if [ "$type" = ed25519 ]; then
		openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -in "$env.pae" -sigfile "$env.sig" >/dev/null
	else
		openssl dgst -sha256 -verify "$pub" -signature "$env.sig" "$env.pae" >/dev/null
	fi
}

cp "$DATA/statement.json" fw.provenance.json
for type in ed25519 ecdsa-p256; do
	"$L" keygen -o "$type.key" --type "$type" >"$type.id" 2>/dev/null
	expect_exit "sign with $type writes an envelope" 0 \
		"$L" sign fw.provenance.json --key "$type.key" -o "$type.intoto.json"
	check "$type signature verifies with the plain openssl command line" \
		openssl_verify "$type.intoto.json" "$type.key.pub" "$type"
	check "$type envelope has payloadType application/vnd.in-toto+json" \
		test "$(sed -n 1p "$type.intoto.json.fields")" = application/vnd.in-toto+json
	check "$type envelope's payload is the statement's exact bytes" \
		cmp -s "$type.intoto.json.payload" fw.provenance.json
	check "$type envelope has exactly one signature whose keyid is the key's id" \
		test "$(field "$type.intoto.json" 'len(e["signatures"]), e["signatures"][0]["keyid"]')" = \
		"(1, '$(cat "$type.id")')"
	check "$type: openssl rejects the signature over a different PAE (the check can fail)" \
		sh -c "printf x >>'$type.intoto.json.pae'; ! { if [ $type = ed25519 ]; then
			openssl pkeyutl -verify -pubin -inkey $type.key.pub -rawin -in $type.intoto.json.pae -sigfile $type.intoto.json.sig;
			else openssl dgst -sha256 -verify $type.key.pub -signature $type.intoto.json.sig $type.intoto.json.pae; fi; } >/dev/null 2>&1"
	expect_exit "verify-signature accepts the $type envelope" 0 \
		"$L" verify-signature "$type.intoto.json" --pubkey "$type.key.pub" --payload-out "$type.payload"
	check "verify-signature --payload-out gives back the statement ($type)" \
		cmp -s "$type.payload" fw.provenance.json
done
check "the ed25519 signature is 64 raw bytes" test "$(stat -c %s ed25519.intoto.json.sig)" = 64
check "the ecdsa-p256 signature is ASN.1 DER" \
	sh -c 'openssl asn1parse -inform DER -in ecdsa-p256.intoto.json.sig | grep -c INTEGER | grep -qx 2'

expect_exit "sign without -o writes NAME.intoto.json next to NAME.json" 0 \
	"$L" sign fw.provenance.json --key ed25519.key
check "the default output is fw.provenance.intoto.json" test -s fw.provenance.intoto.json
expect_exit "verify-signature --json reports a good signature" 0 \
	"$L" verify-signature fw.provenance.intoto.json --pubkey ed25519.key.pub --json
check "the --json report says verified true with the key id" \
	test "$(field "$T/out" 'e["verified"], e["keyid"]')" = "(True, '$(cat ed25519.id)')"

# Known answer: Ed25519 is deterministic, so the committed key and
# statement must always give the committed envelope.  A change in the PAE,
# the base64 or the JSON layout shows up here.
KAT_SIG='Yvm1m2esuFaMP/7vumwzJdWBhJturTwsOLDyzHBaNN1nB24VCyAQLQ8+XUTLpZLJMVjYsDk3FbUSqbx43dt0Cw=='
expect_exit "sign the known-answer statement with the known-answer key" 0 \
	"$L" sign "$DATA/statement.json" --key "$DATA/kat-ed25519.key" -o kat.intoto.json
check "the known-answer signature is unchanged" \
	test "$(field kat.intoto.json 'e["signatures"][0]["sig"]')" = "$KAT_SIG"
check "the known-answer envelope is byte for byte the committed one" \
	cmp -s kat.intoto.json "$DATA/statement.intoto.json"
check "the known-answer keyid is the committed key's sha256" \
	test "$(field kat.intoto.json 'e["signatures"][0]["keyid"]')" = \
	"$(openssl pkey -pubin -in "$DATA/kat-ed25519.key.pub" -outform DER | sha256sum | cut -c1-64)"
cp "$DATA/statement.intoto.json" committed.intoto.json
check "openssl verifies the committed known-answer envelope" \
	openssl_verify committed.intoto.json "$DATA/kat-ed25519.key.pub" ed25519

# Statements are checked strictly before anything is signed.
bad() { # NAME PATTERN JSON
	printf '%s' "$3" >bad.json
	expect_err "sign refuses a statement with $1" 2 "$2" "$L" sign bad.json --key ed25519.key -o bad.env
	check "nothing is written for a statement with $1" test ! -e bad.env
}
S='"subject":[{"name":"a","digest":{"sha256":"'$(printf '%064d' 0)'"}}]'
bad "the wrong _type" '"_type": "https://in-toto.io/Statement/v0.1" is not' \
	'{"_type":"https://in-toto.io/Statement/v0.1",'"$S"',"predicateType":"https://x/y","predicate":{}}'
bad "an extra top-level field" '"extra": unknown field' \
	'{"_type":"https://in-toto.io/Statement/v1",'"$S"',"predicateType":"https://x/y","predicate":{},"extra":1}'
bad "a subject without digest" '"subject\[0\].digest": missing required field' \
	'{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"https://x/y","predicate":{}}'
bad "an uppercase digest" '"subject\[0\].digest.sha256": expected a lowercase hex digest' \
	'{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"'$(printf '%064d' 0 | tr 0 A)'"}}],"predicateType":"https://x/y","predicate":{}}'
bad "no subjects" '"subject": expected a non-empty array' \
	'{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://x/y","predicate":{}}'
bad "no predicate" '"predicate": missing required field' \
	'{"_type":"https://in-toto.io/Statement/v1",'"$S"',"predicateType":"https://x/y"}'
bad "a predicateType that is not a URI" '"predicateType": "slsa provenance" is not a URI' \
	'{"_type":"https://in-toto.io/Statement/v1",'"$S"',"predicateType":"slsa provenance","predicate":{}}'
bad "malformed JSON" 'bad.json: line 1: malformed JSON' '{"_type": '
expect_exit "sign refuses to write its output over the statement" 2 \
	"$L" sign fw.provenance.json --key ed25519.key -o fw.provenance.json
check "the statement is untouched" cmp -s fw.provenance.json "$DATA/statement.json"
expect_exit "sign has --help" 0 "$L" sign --help
expect_exit "verify-signature has --help" 0 "$L" verify-signature --help
