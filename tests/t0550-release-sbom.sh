#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The release SBOM: a CycloneDX 1.6 BOM in every release bundle, plain and
# signed (an in-toto statement in a DSSE envelope), listing the artifacts,
# the source archive and every package of the environment pin by package URL
# and .deb sha256; valid for CycloneDX's own validator; audit regenerates it
# from the signed provenance and the pin and refuses any other.
. "$(dirname "$0")/lib.sh"

R="$TOP/recipes/qemu-virt-firmware/recipe.json"
NPM=$TOP/tests/npm
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
expect_exit "release of the firmware" 0 "$LOCKSTEP" release -q "$R" --key "$T/k" -o "$T/rel"
B=$(ls "$T"/rel/*.tar 2>/dev/null | head -1)
mkdir -p "$T/x"; tar -xf "$B" -C "$T/x"

if [ -d "$NPM/node_modules/@cyclonedx/cyclonedx-library" ] && command -v node >/dev/null; then
	expect_exit "the SBOM is valid CycloneDX 1.6 for CycloneDX's own validator (strict schema)" 0 \
		node "$NPM/validate-sbom.js" "$T/x/sbom.cdx.json"
	python3 - "$T/x/sbom.cdx.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["components"][0]["hashes"][0]["alg"] = "SHA256"
json.dump(d, open(sys.argv[2], "w"))
PY
	expect_exit "the validator is not a rubber stamp: a misspelt hash algorithm is invalid" 1 \
		node "$NPM/validate-sbom.js" "$T/bad.json"
else
	skip "CycloneDX validator not installed (scripts/install-deps installs it into tests/npm)"
fi

check "the SBOM lists every artifact, the source and every pinned package, by the right digests" \
	python3 - "$T/x" <<'PY'
import hashlib, json, os, sys, urllib.parse
d = sys.argv[1]
bom = json.load(open(f"{d}/sbom.cdx.json"))
pin = json.load(open(f"{d}/environment.json"))
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
comps = {c["bom-ref"]: c for c in bom["components"]}
h = lambda c: {x["alg"]: x["content"] for x in c["hashes"]}["SHA-256"]
arts = sorted(os.listdir(f"{d}/artifacts"))
assert sorted(n for n in comps if n.startswith("artifact:")) == ["artifact:" + a for a in arts], comps
for a in arts:
    assert h(comps["artifact:" + a]) == sha(f"{d}/artifacts/{a}"), a
assert h(comps["source"]) == sha(f"{d}/source.tar.zst")
env = {c["name"]: c for c in bom["formulation"][0]["components"]}
assert len(env) == len(pin["packages"]) > 10, (len(env), len(pin["packages"]))
for p in pin["packages"]:
    c = env[p["name"]]
    assert c["version"] == p["version"] and h(c) == p["deb_sha256"], p["name"]
    name = urllib.parse.quote(p["name"], safe=".-_~")
    assert c["purl"].startswith(f"pkg:deb/debian/{name}@") and "arch=" in c["purl"], c["purl"]
# Every reference resolves to a bom-ref, and bom-refs are unique.
refs = [bom["metadata"]["component"]["bom-ref"]] + list(comps) + list(env.values() and [c["bom-ref"] for c in env.values()]) \
    + [f["bom-ref"] for f in bom["formulation"]] + [w["bom-ref"] for w in bom["formulation"][0]["workflows"]]
assert len(refs) == len(set(refs)), "duplicate bom-ref"
used = [x for dep in bom["dependencies"] for x in [dep["ref"]] + dep.get("dependsOn", [])]
w = bom["formulation"][0]["workflows"][0]
used += [io["resource"]["ref"] for io in w["inputs"] + w["outputs"]]
assert set(used) <= set(refs), set(used) - set(refs)
PY

check "the signed statement's predicate is the SBOM and its subjects are the provenance's" \
	python3 - "$T/x" <<'PY'
import base64, json, sys
d = sys.argv[1]
st = json.loads(base64.b64decode(json.load(open(f"{d}/sbom.intoto.json"))["payload"]))
prov = json.loads(base64.b64decode(json.load(open(f"{d}/provenance.intoto.json"))["payload"]))
assert st["_type"] == "https://in-toto.io/Statement/v1"
assert st["predicateType"] == "https://cyclonedx.org/bom"
assert st["predicate"] == json.load(open(f"{d}/sbom.cdx.json"))
assert st["subject"] == prov["subject"]
assert set(st) == {"_type", "subject", "predicateType", "predicate"}
PY

# The same release again: the SBOM differs only where it names the
# provenance (whose run times differ), and its serial number with it.
expect_exit "a second release" 0 "$LOCKSTEP" release -q "$R" --key "$T/k" -o "$T/rel2"
tar -xOf "$(ls "$T"/rel2/*.tar | head -1)" sbom.cdx.json >"$T/sbom2.json"
check "a second release's SBOM differs only by the provenance it names" python3 - "$T/x/sbom.cdx.json" "$T/sbom2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["serialNumber"] != b["serialNumber"]
for d in (a, b):
    del d["serialNumber"], d["metadata"]["properties"][0]["value"], d["formulation"][0]["workflows"][0]["uid"]
assert a == b
PY

expect_exit "audit of the untouched bundle passes" 0 "$LOCKSTEP" audit "$B" --pubkey "$T/k.pub" --no-rebuild
check "audit reports the SBOM checked against the provenance and the pin" \
	grep -q 'sbom.cdx.json, sbom.intoto.json: match' "$T/out" "$T/err"

# repack NAME MEMBER PYTHON: the bundle with MEMBER's bytes `b` changed.
repack() {
	python3 - "$B" "$T/$1" "$2" "$3" <<'PY'
import io, sys, tarfile
src, dst, member, code = sys.argv[1:]
out = tarfile.open(dst, "w", format=tarfile.PAX_FORMAT)
for m in tarfile.open(src):
    data = tarfile.open(src).extractfile(m).read() if m.isfile() else None
    if m.name == member:
        if code == "drop":
            continue
        b = bytearray(data); exec(code); data = bytes(b); m.size = len(data)
    out.addfile(m, io.BytesIO(data) if data is not None else None)
out.close()
PY
}
repack plain.tar sbom.cdx.json 'b[:] = b.replace(b"\"scope\":\t\"excluded\"", b"\"scope\":\t\"required\"", 1)'
expect_err "an edited plain SBOM is refused and named" 1 'sbom.cdx.json: differs from the signed SBOM' \
	"$LOCKSTEP" audit "$T/plain.tar" --pubkey "$T/k.pub" --no-rebuild
# A package left out of the BOM, signed with the right key: still refused,
# because the BOM must be the one the pin and the provenance give.
python3 - "$T/x/sbom.intoto.json" "$T/st.json" <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
st["predicate"]["formulation"][0]["components"].pop()
open(sys.argv[2], "w").write(json.dumps(st))
PY
# Both forms of it replaced, as whoever holds the key would.
"$LOCKSTEP" sign "$T/st.json" --key "$T/k" -o "$T/st.intoto.json" --bundle "$T/st.sigstore.json" >/dev/null 2>&1
repack signed1.tar sbom.intoto.json "b[:] = open('$T/st.intoto.json','rb').read()"
B="$T/signed1.tar" repack signed.tar sbom.sigstore.json "b[:] = open('$T/st.sigstore.json','rb').read()"
expect_err "a properly signed SBOM that leaves a package out is refused" 1 \
	'sbom.intoto.json: the signed SBOM differs' \
	"$LOCKSTEP" audit "$T/signed.tar" --pubkey "$T/k.pub" --no-rebuild
repack nosbom.tar sbom.intoto.json drop
expect_err "a bundle without the signed SBOM is refused" 1 'sbom.intoto.json' \
	"$LOCKSTEP" audit "$T/nosbom.tar" --pubkey "$T/k.pub" --no-rebuild
