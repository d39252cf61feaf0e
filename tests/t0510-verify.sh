#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep verify: rebuilds from the provenance alone and compares; every
# input is checked against its digest before anything is built.
. "$(dirname "$0")/lib.sh"

R="$TOP/recipes/rv64-linux-driver/recipe.json"
"$LOCKSTEP" build -q "$R" -o "$T/b" || fail "build for verify"
P="$T/b/provenance.json"
cp "$T/b/libacme.so.1.0.0" "$T/shipped-under-another-name.so"

expect_exit "verify rebuilds and finds every artifact identical" 0 \
	"$LOCKSTEP" verify -q "$P" --artifact "$T/shipped-under-another-name.so" -o "$T/v"
# vsa_names SUMMARY PROVENANCE-FILE: the summary names the file by name (a
# URI reference) and by the sha256 of its bytes; one SLSA Build level.
vsa_names() {
	python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys
v = json.load(open(sys.argv[1])); p = v["predicate"]
assert v["predicateType"] == "https://slsa.dev/verification_summary/v1"
assert p["verificationResult"] == "PASSED" and p["policy"]["uri"]
ia = p["inputAttestations"]
assert len(ia) == 1 and ia[0]["uri"] == os.path.basename(sys.argv[2]), ia
assert ia[0]["digest"]["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert [l for l in p["verifiedLevels"] if l.startswith("SLSA_")] == ["SLSA_BUILD_LEVEL_1"], p["verifiedLevels"]
assert "version" not in p["verifier"]
assert all(s["annotations"]["verifierVersion"]["lockstep"] for s in v["subject"])
PY
}
check "verify writes a SLSA verification summary naming the provenance by name and digest" \
	vsa_names "$T/v/verification.json" "$P"
if /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null; then
	check "the summary parses with strict protojson as an in-toto Statement and a VSA v1" \
		/usr/bin/python3 "$TOP/tests/proto/intoto_strict.py" "$T/v/verification.json" vsa
	python3 - "$T/v/verification.json" "$T/vsa-extra.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1])); v["predicate"]["verifier"]["version"] = {"lockstep": "0"}
json.dump(v, open(sys.argv[2], "w"))
PY
	expect_err "the strict parser refuses what the in-toto proto lacks (verifier.version)" 1 'no field named "version"' \
		/usr/bin/python3 "$TOP/tests/proto/intoto_strict.py" "$T/vsa-extra.json" vsa
else
	skip "strict protojson: Debian's python3-protobuf is not installed (scripts/install-deps)"
fi
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
expect_exit "verify --key signs the summary" 0 "$LOCKSTEP" verify -q "$P" --key "$T/k" -o "$T/v2"
expect_exit "the signed summary checks with verify-signature" 0 \
	"$LOCKSTEP" verify-signature "$T/v2/verification.intoto.json" --pubkey "$T/k.pub"
# A signed provenance: the summary names the envelope, the file given.
"$LOCKSTEP" sign "$P" --key "$T/k" -o "$T/b/provenance.intoto.json" >/dev/null 2>&1
expect_exit "verify of a signed provenance (DSSE envelope)" 0 \
	"$LOCKSTEP" verify -q "$T/b/provenance.intoto.json" --pubkey "$T/k.pub" -o "$T/v5"
check "its summary names the envelope file and the envelope's digest, not the statement's" \
	vsa_names "$T/v5/verification.json" "$T/b/provenance.intoto.json"

head -c 1000 /dev/urandom >"$T/stranger"
expect_exit "a shipped file that matches no subject is a \"no\"" 1 \
	"$LOCKSTEP" verify -q "$P" --artifact "$T/stranger" -o "$T/v3"
check "the report names the stranger as matching no subject" grep -q 'stranger: shipped file sha256 .* matches no subject' "$T/out"

cp "$T/b/source.tar.zst" "$T/src-tampered.tar.zst"
printf '\x01' | dd of="$T/src-tampered.tar.zst" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_err "a tampered source archive is refused before building, naming both digests" 1 \
	'src-tampered.tar.zst: source archive sha256 [0-9a-f]{64} does not match the provenance.s [0-9a-f]{64}' \
	"$LOCKSTEP" verify -q "$P" --source "$T/src-tampered.tar.zst" -o "$T/v4"
check "nothing was rebuilt for a tampered source" test ! -e "$T/v4/rebuild"

# The source archive is stored once, by digest, in the store
# ($LOCKSTEP_HOME/sources/SHA256.tar.zst); the output's source.tar.zst is a
# hard link to it.  Without one beside the provenance, verify takes the
# store's.
digest=$(sha256_of "$T/b/source.tar.zst")
check "the build stored its source archive once, by digest: the output's is a hard link to the store's" \
	[ "$T/b/source.tar.zst" -ef "$LOCKSTEP_HOME/sources/$digest.tar.zst" ]
mkdir -p "$T/nosrc"; cp "$P" "$T/b/environment.json" "$T/nosrc/"
expect_exit "without a source beside the provenance, verify rebuilds from the store's copy by digest" 0 \
	"$LOCKSTEP" verify -q "$T/nosrc/provenance.json" -o "$T/v5"
# A build of an older lockstep wrote source.tar.gz and named it so in the
# provenance: the same tar, gzip-compressed.  verify still rebuilds from it.
mkdir -p "$T/old"; cp "$T/b/environment.json" "$T/old/"
zstd -dc "$T/b/source.tar.zst" | gzip -n >"$T/old/source.tar.gz"
python3 - "$P" "$T/old/provenance.json" "$(sha256_of "$T/old/source.tar.gz")" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); bd = p["predicate"]["buildDefinition"]
for r in [bd["externalParameters"]["source"]] + [d for d in bd["resolvedDependencies"] if d.get("name") == "source.tar.zst"]:
    r["name"] = "source.tar.gz"; r["digest"]["sha256"] = sys.argv[3]
json.dump(p, open(sys.argv[2], "w"))
PY
expect_exit "an older build's provenance with its source.tar.gz beside it still verifies" 0 \
	"$LOCKSTEP" verify -q "$T/old/provenance.json" -o "$T/v-old"
python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); p["predicate"]["buildDefinition"]["externalParameters"]["source"]["name"] = "../../etc/passwd"; json.dump(p, open(sys.argv[2], "w"))' \
	"$T/old/provenance.json" "$T/old/odd.json"
expect_err "a provenance calling its source archive anything else is refused, naming it" 2 \
	'odd.json: the source archive is called "../../etc/passwd", not source.tar.zst or source.tar.gz' \
	"$LOCKSTEP" verify -q "$T/old/odd.json" -o "$T/v-odd"

mkdir -p "$T/lonely" "$T/empty-home"; cp "$P" "$T/lonely/"
expect_err "a source neither beside the provenance nor in the store is named" 2 'missing --source: no .*lonely/source.tar.zst beside it, and the store has no .*empty-home/sources/[0-9a-f]{64}\.tar\.zst' \
	env LOCKSTEP_HOME="$T/empty-home" "$LOCKSTEP" verify -q "$T/lonely/provenance.json" -o "$T/v5b"
head -c 300 "$P" >"$T/trunc.json"
expect_err "a truncated provenance is refused naming the file" 2 'trunc.json' \
	"$LOCKSTEP" verify -q "$T/trunc.json" --source "$T/b/source.tar.zst" -o "$T/v6"
echo 'not json' >"$T/nj.json"
expect_err "a non-JSON provenance is refused" 2 'nj.json: .*JSON' \
	"$LOCKSTEP" verify -q "$T/nj.json" --source "$T/b/source.tar.zst" -o "$T/v6"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["predicate"]["buildDefinition"]["buildType"]="https://example.org/other"; json.dump(p,open(sys.argv[2],"w"))' "$P" "$T/bt.json"
expect_err "a provenance with an unknown buildType is refused" 2 'unknown build type' \
	"$LOCKSTEP" verify -q "$T/bt.json" --source "$T/b/source.tar.zst" -o "$T/v6"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["predicate"]["buildDefinition"]["externalParameters"]["recipe"]["digest"]["sha256"]="0"*64; json.dump(p,open(sys.argv[2],"w"))' "$P" "$T/rd.json"
expect_err "a recipe that does not match its recorded digest is refused" 2 'recipe digest' \
	"$LOCKSTEP" verify -q "$T/rd.json" --source "$T/b/source.tar.zst" -o "$T/v6"
check "no summary was written for refused inputs" test ! -e "$T/v6/verification.json"
