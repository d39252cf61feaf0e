#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep attest agree / merge: k-of-n agreement across rebuilders.  One
# tiny recipe is really built once and really verified by three rebuilders
# with three keys (two Ed25519, one ECDSA P-256); a lying rebuilder signs a
# summary with a different digest with its own key; forged, untrusted,
# duplicate and unsigned summaries must count zero or once, and the merged
# release summary's signature must verify with the plain openssl CLI.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
export LOCKSTEP_TOOLCHAINS="${LOCKSTEP_TOOLCHAINS:-$TOP/toolchains}"
unset LOCKSTEP_PASSPHRASE
cd "$T" || exit 2

mkdir -p tiny/src keys
printf 'all:\n\tmkdir -p out\n\techo firmware > out/fw.bin\n\techo table > out/dtb.txt\n' >tiny/src/Makefile
cat >tiny/recipe.json <<'JSON'
{"name": "tiny", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/fw.bin", "out/dtb.txt"]}
JSON
"$L" build -q tiny/recipe.json -o b >/dev/null || { fail "build the tiny recipe"; exit 1; }
for i in 1 2 3; do
	type=ed25519; [ "$i" = 3 ] && type=ecdsa-p256
	"$L" keygen -o "r$i.key" --type "$type" >/dev/null 2>&1
	cp "r$i.key.pub" "keys/r$i.pub"
	"$L" verify -q b/provenance.json --key "r$i.key" -o "v$i" >/dev/null ||
		fail "rebuilder $i verifies the tiny recipe"
done
V1=v1/verification.intoto.json V2=v2/verification.intoto.json V3=v3/verification.intoto.json
URI=urn:lockstep:recipe:tiny:fwT1.r1.20260112
FW=$(sha256sum b/fw.bin | cut -c1-64)

agree() { "$L" attest agree --pubkeys keys "$@"; }
expect_exit "three rebuilders agree: 2-of-3 holds" 0 agree --require 2 $V1 $V2 $V3
expect_exit "three rebuilders agree: 3-of-3 holds" 0 agree --require 3 $V1 $V2 $V3
check "the report names each artifact, its digest and 3 keys" \
	grep -q "^agreed: $URI \"fw.bin\": sha256 $FW, 3 keys" "$T/out"
expect_exit "--recipe: the recipe's artifacts are exactly those the summaries name" 0 \
	agree --require 3 --recipe tiny/recipe.json $V1 $V2 $V3
expect_exit "4-of-3 cannot hold" 1 agree --require 4 $V1 $V2 $V3
check "the report says 4 keys are required and only 3 are trusted" \
	grep -q "^policy not met: 4 keys required, only 3 trusted" "$T/out"

# A lying rebuilder: rebuilder 3's own statement with fw.bin's digest
# changed, genuinely signed with rebuilder 3's key.
python3 - "$V3" lie.json <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
for s in st["subject"]:
    if s["name"] == "fw.bin":
        s["digest"]["sha256"] = "ab" * 32
json.dump(st, open(sys.argv[2], "w"), indent=1)
PY
"$L" sign lie.json --key r3.key -o lie.intoto.json >/dev/null
expect_exit "one dissenting rebuilder: 2-of-3 still holds" 0 agree --require 2 $V1 $V2 lie.intoto.json
check "the dissent is reported with both sides" \
	grep -q "^agreed with dissent: $URI \"fw.bin\"" "$T/out"
expect_exit "one dissenting rebuilder: 3-of-3 fails" 1 agree --require 3 $V1 $V2 lie.intoto.json
check "the disagreement names the artifact" grep -q "^disagreement: $URI \"fw.bin\": 2 digests" "$T/out"
check "one side: fw.bin's real digest, rebuilders 1 and 2 with their summaries" \
	grep -qE "^    sha256 $FW: 2 keys: [0-9a-f]{16} \(keys/r1.pub\) in $V1; [0-9a-f]{16} \(keys/r2.pub\) in $V2$" "$T/out"
check "other side: the lie, rebuilder 3 and its summary" \
	grep -qE "^    sha256 (ab){32}: 1 key: [0-9a-f]{16} \(keys/r3.pub\) in lie.intoto.json$" "$T/out"
check "the undisputed artifact still agrees" grep -q "^agreed: $URI \"dtb.txt\"" "$T/out"
expect_exit "--json: the same verdict" 1 agree --require 3 --json $V1 $V2 lie.intoto.json
check "--json (lockstep-agree/1) names the disputed artifact, both digests and the keys" \
	python3 - "$T/out" "$FW" "$(openssl pkey -pubin -in keys/r3.pub -outform DER | sha256sum | cut -c1-64)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); fw, k3 = sys.argv[2], sys.argv[3]
assert r["schema"] == "lockstep-agree/1" and r["require"] == 3 and r["policyMet"] is False, r
a = {x["name"]: x for x in r["artifacts"]}
assert a["fw.bin"]["verdict"] == "disputed" and a["fw.bin"]["digest"] is None
sides = {d["sha256"]: [k["keyid"] for k in d["keys"]] for d in a["fw.bin"]["digests"]}
assert len(sides[fw]) == 2 and sides["ab" * 32] == [k3], sides
assert a["dtb.txt"]["verdict"] == "agreed" and a["dtb.txt"]["keys"] == 3
assert [s["status"] for s in r["summaries"]] == ["counted"] * 3
PY

cp $V1 again.intoto.json
expect_exit "a second summary from the same key counts once: 3-of-3 fails with 2 keys" 1 \
	agree --require 3 $V1 $V2 again.intoto.json
check "the duplicate is reported" \
	grep -q "^duplicate: again.intoto.json: key .* (keys/r1.pub).*counts once" "$T/out"
expect_exit "the same two keys meet 2-of-3" 0 agree --require 2 $V1 $V2 again.intoto.json

# Identity is the key that verifies, never the keyid an envelope names.
python3 - "$V2" flipped.intoto.json <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1]))
s = bytearray(base64.b64decode(e["signatures"][0]["sig"])); s[7] ^= 1
e["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
json.dump(e, open(sys.argv[2], "w"))
PY
"$L" keygen -o stranger.key >/dev/null 2>&1
"$L" sign v1/verification.json --key stranger.key -o stranger.intoto.json >/dev/null
python3 - stranger.intoto.json "$(openssl pkey -pubin -in keys/r2.pub -outform DER | sha256sum | cut -c1-64)" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); e["signatures"][0]["keyid"] = sys.argv[2]
json.dump(e, open(sys.argv[1], "w"))
PY
expect_exit "a flipped signature byte and an untrusted key claiming a trusted keyid: 2-of-3 fails" 1 \
	agree --require 2 $V1 flipped.intoto.json stranger.intoto.json
check "the flipped signature counts zero and is reported by file" \
	grep -q "^rejected: flipped.intoto.json: bad signature: no trusted key verifies it" "$T/out"
check "the untrusted signer counts zero and is reported by file" \
	grep -q "^rejected: stranger.intoto.json: bad signature" "$T/out"
expect_exit "with both forgeries present, the three honest rebuilders meet 3-of-3" 0 \
	agree --require 3 flipped.intoto.json $V1 stranger.intoto.json $V2 $V3
"$L" sign v2/verification.json --key r2.key -o v2.env.json --bundle v2.sigstore.json >/dev/null
expect_exit "a sigstore bundle counts like its envelope" 0 agree --require 3 $V1 v2.sigstore.json $V3
expect_exit "an unsigned summary counts zero" 1 agree --require 1 v1/verification.json
check "the unsigned summary is reported" grep -q "^rejected: v1/verification.json: not signed" "$T/out"

python3 - "$V1" failed.json <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
st["predicate"]["verificationResult"] = "FAILED"
json.dump(st, open(sys.argv[2], "w"))
PY
"$L" sign failed.json --key r1.key -o failed.intoto.json >/dev/null
python3 -c 'import json; json.dump({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"'"$FW"'"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}, open("notvsa.json","w"))'
"$L" sign notvsa.json --key r2.key -o notvsa.intoto.json >/dev/null
expect_exit "a FAILED summary and a non-VSA statement, though signed by trusted keys, count zero" 1 \
	agree --require 1 failed.intoto.json notvsa.intoto.json
check "the FAILED summary is reported" \
	grep -q '^rejected: failed.intoto.json: verificationResult is "FAILED"' "$T/out"
check "the non-VSA statement is reported" \
	grep -q '^rejected: notvsa.intoto.json: predicateType "https://slsa.dev/provenance/v1" is not' "$T/out"

mkdir -p keys2; cp keys/r1.pub keys2/; cp r2.key keys2/r2-private; echo notes >keys2/README; cp keys/r1.pub keys2/zz-r1-copy.pub
expect_exit "private keys and other files in --pubkeys are skipped, not trusted" 1 \
	"$L" attest agree --require 2 --pubkeys keys2 $V1 $V2
check "the skipped files are named with the reason" \
	sh -c "grep -q '^skipped: keys2/r2-private: is a private key' '$T/out' &&
	       grep -q '^skipped: keys2/README: not a PEM public key' '$T/out' &&
	       grep -q '^skipped: keys2/zz-r1-copy.pub: the same key as keys2/r1.pub' '$T/out' &&
	       grep -q '^trusted: keys2/r1.pub' '$T/out'"

# Bad input: one line naming what is wrong, exit 2.
echo '{"payload": ' >trunc.intoto.json
head -c 0 /dev/null >empty.json
mkdir -p nokeys; echo x >nokeys/README
python3 - "$V1" two.intoto.json <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); e["signatures"].append(e["signatures"][0])
json.dump(e, open(sys.argv[2], "w"))
PY
expect_err "K = 0 is a usage error" 2 '"0": expected a whole number >= 1' agree --require 0 $V1
expect_err "K = two is a usage error" 2 '"two": expected a whole number' agree --require two $V1
expect_err "no summaries is a usage error" 2 'expected at least one VSA' agree --require 1
expect_err "a missing summary is named" 2 'missing.intoto.json' agree --require 1 $V1 missing.intoto.json
expect_err "malformed JSON is named" 2 'trunc.intoto.json: .*JSON' agree --require 1 $V1 trunc.intoto.json
expect_err "an empty file is named" 2 'empty.json' agree --require 1 empty.json
expect_err "an envelope with two signatures is malformed" 2 'two.intoto.json' agree --require 1 two.intoto.json
expect_err "a --pubkeys directory without keys is an error" 2 'nokeys: no public key' \
	"$L" attest agree --require 1 --pubkeys nokeys $V1
expect_err "a missing --pubkeys directory is an error" 2 'nodir' \
	"$L" attest agree --require 1 --pubkeys nodir $V1
check "each error is one line" test "$(wc -l <"$T/err")" -le 2

# merge: one release-level summary, signed; openssl checks the signature.
# field ENVELOPE PYEXPR: one field of a JSON file (e is the parsed file).
field() { python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
openssl_verify() { # ENVELOPE PUB TYPE: the DSSE PAE rebuilt with printf, checked by openssl
	local env=$1 pub=$2 ptype
	field "$env" '"\n".join([e["payloadType"], e["payload"], e["signatures"][0]["sig"]])' >"$env.f" || return 1
	ptype=$(sed -n 1p "$env.f")
	sed -n 2p "$env.f" | base64 -d >"$env.payload" && sed -n 3p "$env.f" | base64 -d >"$env.sig" || return 1
	{ printf 'DSSEv1 %d %s %d ' "${#ptype}" "$ptype" "$(stat -c %s "$env.payload")"; cat "$env.payload"; } >"$env.pae"
	if [ "$3" = ed25519 ]; then
		openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -in "$env.pae" -sigfile "$env.sig" >/dev/null
	else
		openssl dgst -sha256 -verify "$pub" -signature "$env.sig" "$env.pae" >/dev/null
	fi
}
for m in 1 3; do
	type=ed25519; [ "$m" = 3 ] && type=ecdsa-p256
	expect_exit "merge signs the release summary with a $type key" 0 \
		"$L" attest merge $V1 $V2 lie.intoto.json flipped.intoto.json again.intoto.json \
		--pubkeys keys --key "r$m.key" -o "merged$m.intoto.json"
	check "the merged $type signature verifies with the plain openssl command line" \
		openssl_verify "merged$m.intoto.json" "r$m.key.pub" "$type"
	check "openssl rejects the merged $type signature over a different PAE (the check can fail)" \
		sh -c "printf x >>merged$m.intoto.json.pae; ! { if [ $type = ed25519 ]; then
			openssl pkeyutl -verify -pubin -inkey r$m.key.pub -rawin -in merged$m.intoto.json.pae -sigfile merged$m.intoto.json.sig;
			else openssl dgst -sha256 -verify r$m.key.pub -signature merged$m.intoto.json.sig merged$m.intoto.json.pae; fi; } >/dev/null 2>&1"
done
check "the merged summary lists cells, rebuilders, digests and the rejected input" \
	python3 - merged1.intoto.json.payload "$URI" "$FW" <<'PY'
import json, sys
st = json.load(open(sys.argv[1])); uri, fw = sys.argv[2], sys.argv[3]
p = st["predicate"]
assert st["_type"] == "https://in-toto.io/Statement/v1"
assert st["predicateType"] == "https://lockstep.dev/attestation-summary/v1"
# Only what every rebuilder agrees on is a subject: dtb.txt, not fw.bin.
assert [(s["name"], s["annotations"]["resourceUri"]) for s in st["subject"]] == [("dtb.txt", uri)], st["subject"]
assert p["signaturesChecked"] is True and len(p["trustedKeys"]) == 3
cell = p["cells"][0]; assert cell["resourceUri"] == uri and len(p["cells"]) == 1
fwa = [a for a in cell["artifacts"] if a["name"] == "fw.bin"][0]
assert fwa["verdict"] == "disputed"
assert sorted(len(d["rebuilders"]) for d in fwa["digests"]) == [1, 2]
assert fw in [d["sha256"] for d in fwa["digests"]]
assert len(p["rebuilders"]) == 3 and all(r["keyidVerified"] for r in p["rebuilders"])
r1 = [r for r in p["rebuilders"] if r["keyFile"] == "keys/r1.pub"][0]
assert [s["file"] for s in r1["summaries"]] == ["v1/verification.intoto.json", "again.intoto.json"]
assert r1["summaries"][0]["verifier"]["id"] == "https://lockstep.dev/verifier/v1"
assert r1["summaries"][0]["timeVerified"].endswith("Z") and r1["summaries"][1]["duplicate"] is True
assert [x["file"] for x in p["rejected"]] == ["flipped.intoto.json"]
PY
expect_exit "merge without --key writes the statement itself" 0 \
	"$L" attest merge $V1 $V2 $V3 -o merged.json
check "unchecked: the summary says signatures were not checked and is a valid statement" \
	sh -c "python3 -c 'import json,sys; p=json.load(open(\"merged.json\"))[\"predicate\"]; assert p[\"signaturesChecked\"] is False and len(p[\"rebuilders\"])==3' &&
	       '$L' sign merged.json --key r1.key -o merged.signed.json >/dev/null"
expect_exit "merge with nothing agreed writes nothing (exit 1)" 1 \
	"$L" attest merge flipped.intoto.json --pubkeys keys -o none.json
check "no summary was written when nothing is agreed" test ! -e none.json
# What the CI gate does after `agree --require 2` passed with a dissent:
# merge --require 2 must make every artifact a subject, fw.bin with the
# digest two keys vouch for, the dissent annotated.
expect_exit "merge --require 2 with one dissenting rebuilder writes the summary" 0 \
	"$L" attest merge $V1 $V2 lie.intoto.json --pubkeys keys --require 2 -o merged-k2.json
check "merge --require 2 reports the dissent by artifact" \
	grep -q "^dissent: $URI \"fw.bin\": merged with the digest 2 keys vouch for" "$T/out"
check "merge --require 2: both artifacts are subjects, fw.bin with its real digest, dissent annotated" \
	python3 - merged-k2.json "$FW" <<'PY'
import json, sys
st = json.load(open(sys.argv[1])); fw = sys.argv[2]
subj = {s["name"]: s for s in st["subject"]}
assert sorted(subj) == ["dtb.txt", "fw.bin"], subj
assert subj["fw.bin"]["digest"]["sha256"] == fw
assert subj["fw.bin"]["annotations"]["rebuilders"] == 2 and subj["fw.bin"]["annotations"]["dissent"] is True
assert subj["dtb.txt"]["annotations"]["rebuilders"] == 3 and "dissent" not in subj["dtb.txt"]["annotations"]
assert st["predicate"]["require"] == 2
fwa = [a for a in st["predicate"]["cells"][0]["artifacts"] if a["name"] == "fw.bin"][0]
assert fwa["verdict"] == "agreed-with-dissent", fwa
PY
expect_exit "merge --require 3 with the same dissent leaves fw.bin out" 0 \
	"$L" attest merge $V1 $V2 lie.intoto.json --pubkeys keys --require 3 -o merged-k3.json
check "merge --require 3: fw.bin is named as left out" \
	grep -q "^left out: $URI \"fw.bin\": no digest has 3 keys (disputed)" "$T/out"
check "merge --require 3: only dtb.txt is a subject" \
	python3 -c 'import json,sys; st=json.load(open(sys.argv[1])); assert [s["name"] for s in st["subject"]] == ["dtb.txt"], st["subject"]' merged-k3.json
expect_err "merge --require without --pubkeys is a usage error" 2 'needs --pubkeys' \
	"$L" attest merge $V1 $V2 --require 2 -o nokeys.json
expect_err "merge --require 0 is a usage error" 2 'whole number' \
	"$L" attest merge $V1 $V2 --pubkeys keys --require 0 -o zero.json
expect_err "merge refuses malformed input naming it, writing nothing" 2 'trunc.intoto.json' \
	"$L" attest merge $V1 trunc.intoto.json -o bad.json
check "nothing was written for malformed input" test ! -e bad.json
expect_err "merge refuses an output that is also an input" 2 'also an input' \
	"$L" attest merge $V1 $V2 -o $V2
expect_exit "attest has --help" 0 "$L" attest --help
expect_exit "attest agree has --help" 0 "$L" attest agree --help
