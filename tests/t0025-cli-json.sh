#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a pipeline reads: --json on release, sign, keygen (one object with
# the files and their sha256), verify and audit (one object per subject);
# exit codes as without --json.  And a mistyped option is one error line of
# ours (then the hint), never getopt's line and ours.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
cd "$T" || exit 2

ok=1
for cmd in build verify release audit "attest agree" "attest merge" "ci github" keygen sign check \
	diff init verify-signature abi-diff "version check" "env show"; do
	# shellcheck disable=SC2086
	$L $cmd --no-such-option >out 2>err; rc=$?
	if [ "$rc" -ne 2 ] || [ "$(grep -c '^lockstep:' err)" -ne 1 ] || ! grep -q -- '--no-such-option' err ||
		grep -qi 'unrecognized' err || [ "$(wc -l <err)" -gt 2 ]; then
		ok=0; echo "    $cmd: exit $rc"; sed 's/^/    | /' err
	fi
done
check "an unknown option is one error line naming it, exit 2, in every command" [ "$ok" = 1 ]
expect_err "a long option without its value says so" 2 '^lockstep: verify: "--pubkey": missing its value' \
	$L verify x.json --pubkey

expect_exit "keygen --json" 0 $L keygen -o k --json
check "keygen --json: the public key file and its sha256, the key id" python3 - k.pub out <<'PY'
import hashlib, json, sys
o = json.load(open(sys.argv[2]))
assert o["pubkey"]["sha256"] == hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
assert o["key"] == {"file": "k"} and len(o["keyid"]) == 64 and o["type"] == "ed25519"
PY

R="$TOP/recipes/qemu-virt-firmware/recipe.json"
expect_exit "release --json" 0 $L release -q "$R" --key k -o rel --json
check "release --json: one object, the bundle and every member with its sha256" python3 - out <<'PY'
import hashlib, json, sys, tarfile
o = json.load(open(sys.argv[1]))
assert o["result"] == "released"
b = o["bundle"]["file"]
assert o["bundle"]["sha256"] == hashlib.sha256(open(b, "rb").read()).hexdigest()
t = tarfile.open(b)
want = {m.name: hashlib.sha256(t.extractfile(m).read()).hexdigest() for m in t if m.isfile()}
assert {m["name"]: m["sha256"] for m in o["members"]} == want
PY
B=$(ls rel/*.tar | head -1)

expect_exit "audit --json" 0 $L audit "$B" --pubkey k.pub --no-rebuild --json
check "audit --json: one object per subject, each bundled copy matching" python3 - out <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "PASSED" and o["rebuilt"] is False
assert sorted(s["name"] for s in o["subjects"]) == ["fw.bin", "fw.elf"]
assert all(s["bundled"] == "matches" and len(s["sha256"]) == 64 for s in o["subjects"])
PY
python3 - "$B" bad.tar <<'PY'
import io, sys, tarfile
out = tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
for m in tarfile.open(sys.argv[1]):
    d = tarfile.open(sys.argv[1]).extractfile(m).read() if m.isfile() else None
    if m.name == "artifacts/fw.bin":
        d = bytearray(d); d[10] ^= 1; d = bytes(d)
    out.addfile(m, io.BytesIO(d) if d is not None else None)
out.close()
PY
expect_exit "audit --json of a tampered artifact: exit 1 as without --json" 1 \
	$L audit bad.tar --pubkey k.pub --no-rebuild --json
check "... and the object names the subject whose bundled copy differs" python3 - out <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in o["subjects"]}
assert o["result"] == "FAILED" and s["fw.bin"]["bundled"] == "differs" and "error" in o
PY

mkdir x; tar -xf "$B" -C x
python3 - x/provenance.intoto.json prov.json <<'PY'
import base64, json, sys
open(sys.argv[2], "wb").write(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
PY
expect_exit "sign --json" 0 $L sign prov.json --key k --bundle prov.sigstore.json --json
check "sign --json: statement, envelope and bundle with their sha256, the key id" python3 - out <<'PY'
import hashlib, json, sys
o = json.load(open(sys.argv[1]))
h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
for k, f in (("statement", "prov.json"), ("envelope", "prov.intoto.json"), ("bundle", "prov.sigstore.json")):
    assert o[k] == {"file": f, "sha256": h(f)}, k
assert len(o["keyid"]) == 64
PY

cp x/source.tar.zst x/environment.json .
cp x/artifacts/fw.bin shipped.bin
expect_exit "verify --json" 0 $L verify -q prov.json --artifact shipped.bin -o v --json
check "verify --json: one object per subject and per shipped file, the summary with its sha256" python3 - out <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "PASSED" and "report" not in o
assert sorted(s["name"] for s in o["subjects"]) == ["fw.bin", "fw.elf"]
assert all(s["result"] == "identical" and s["sha256"] == s["rebuiltSha256"] for s in o["subjects"])
assert o["shippedFiles"] == [{"file": "shipped.bin", "sha256": o["shippedFiles"][0]["sha256"], "result": "matches"}]
assert len(o["summary"]["sha256"]) == 64
PY
