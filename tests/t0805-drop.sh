#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration drops: both bundled recipes released once, a manifest that
# references their artifacts, one signed deterministic drop.  verify passes
# on the drop as made and names what was changed in every tampered copy.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
export LOCKSTEP_TOOLCHAINS="${LOCKSTEP_TOOLCHAINS:-$TOP/toolchains}"
cd "$T" || exit 2

"$L" keygen -o k >/dev/null 2>&1
"$L" keygen -o other >/dev/null 2>&1
"$L" keygen -o team >/dev/null 2>&1
"$L" keygen -o ec --type ecdsa-p256 >/dev/null 2>&1
for r in qemu-virt-firmware rv64-linux-driver; do
	"$L" release -q "$TOP/recipes/$r/recipe.json" --key k -o "rel-$r" >/dev/null 2>"rel-$r.err" ||
		{ fail "release $r for the drop"; cat "rel-$r.err"; exit 1; }
done
FW=$(ls rel-qemu-virt-firmware/*.tar) DRV=$(ls rel-rv64-linux-driver/*.tar)

# The sample manifest with the real digests filled in, as make demo does.
fill() { # TEMPLATE: prints it with each @ARTIFACT@ replaced by its sha256
	local s a b h
	s=$(cat "$1")
	for b in "$FW" "$DRV"; do
		for a in $(tar -tf "$b" | sed -n 's|^artifacts/\(..*\)$|\1|p'); do
			h=$(tar -xOf "$b" "artifacts/$a" | sha256sum | cut -c1-64)
			s=${s//@$a@/$h}
		done
	done
	printf '%s\n' "$s"
}
fill "$TOP/compat/samples/drop-manifest.yaml.in" >m.yaml
check "the sample manifest has every digest filled in" bash -c '! grep -v "^#" m.yaml | grep -q @'

expect_exit "drop create writes a drop from two bundles and a YAML manifest" 0 \
	"$L" drop create -o drop.tar "$FW" "$DRV" --manifest m.yaml --key k
check "the drop holds the bundles, the signed manifest and statement, the key, DROP.md" bash -c "
	tar -tf drop.tar | grep -v '/$' | tr '\n' ' ' | grep -qx 'DROP.md bundles/$(basename "$FW") bundles/$(basename "$DRV") compat-manifest.intoto.json drop.intoto.json pubkey.pem '"
check "the bundles go in unchanged" bash -c "
	tar -xOf drop.tar bundles/$(basename "$FW") | cmp -s - '$FW' && tar -xOf drop.tar bundles/$(basename "$DRV") | cmp -s - '$DRV'"
expect_exit "drop verify passes on the drop as made" 0 "$L" drop verify drop.tar --pubkey k.pub
check "verify says every subject matches" grep -q '^drop.intoto.json: every subject (10) matches the drop' "$T/out"
expect_exit "drop verify --json passes" 0 "$L" drop verify drop.tar --pubkey k.pub --json
check "the --json report lists both components by name and version" python3 - "$T/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "PASSED", r
assert sorted((c["name"], c["version"], c["kind"]) for c in r["components"]) == [
    ("qemu-virt-firmware", "fwVIRT.r1.20260112", "firmware"), ("rv64-linux-driver", "v1.0.0", "driver")], r
PY

# The drop statement, read and checked the way an auditor without lockstep
# would: PAE rebuilt by hand, signature checked by openssl alone.
mkdir x && tar -xf drop.tar -C x
pae() { # ENVELOPE: writes $T/pae, $T/sig, $T/payload
	python3 - "$1" "$T/pae" "$T/sig" "$T/payload" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1]))
body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open(sys.argv[2], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[3], "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
open(sys.argv[4], "wb").write(body)
PY
}
pae x/drop.intoto.json
check "openssl verifies the drop statement's signature over the PAE" \
	bash -c 'openssl pkeyutl -verify -pubin -inkey k.pub -rawin -in pae -sigfile sig >/dev/null'
check "openssl rejects it under another key (the check can fail)" \
	bash -c '! openssl pkeyutl -verify -pubin -inkey other.pub -rawin -in pae -sigfile sig >/dev/null 2>&1'
check "the statement's subjects are every member, bundle and artifact with its sha256" \
	python3 - payload x "$FW" "$DRV" <<'PY'
import hashlib, json, sys, tarfile
st = json.load(open(sys.argv[1])); d = sys.argv[2]
assert st["_type"] == "https://in-toto.io/Statement/v1"
assert st["predicateType"] == "https://lockstep.dev/integration-drop/v1"
sub = {s["name"]: s["digest"]["sha256"] for s in st["subject"]}
want = {}
for m in ["DROP.md", "compat-manifest.intoto.json"]:
    want[m] = hashlib.sha256(open(f"{d}/{m}", "rb").read()).hexdigest()
comps = {c["name"]: c for c in st["predicate"]["components"]}
for b in sys.argv[3:]:
    name = "bundles/" + b.rsplit("/", 1)[1]
    want[name] = hashlib.sha256(open(b, "rb").read()).hexdigest()
    comp = [c for c in comps.values() if c["bundle"] == name][0]
    assert comp["digest"]["sha256"] == want[name]
    for m in tarfile.open(b):
        if m.name.startswith("artifacts/") and m.isfile():
            a = m.name[len("artifacts/"):]
            want[comp["name"] + "/" + a] = hashlib.sha256(tarfile.open(b).extractfile(m).read()).hexdigest()
assert sub == want, (sub, want)
assert st["predicate"]["manifest"]["digest"]["sha256"] == want["compat-manifest.intoto.json"]
PY
pae x/compat-manifest.intoto.json
check "openssl verifies the manifest's signature too" \
	bash -c 'openssl pkeyutl -verify -pubin -inkey k.pub -rawin -in pae -sigfile sig >/dev/null'

expect_exit "the same inputs, bundles given in the other order, give a drop" 0 \
	"$L" drop create -o drop2.tar "$DRV" "$FW" --manifest m.yaml --key k
check "the second drop is byte for byte the first (Ed25519)" cmp -s drop.tar drop2.tar
check "drop members are owned by 0:0 with mtimes at SOURCE_DATE_EPOCH" python3 - drop.tar <<'PY'
import sys, tarfile
for m in tarfile.open(sys.argv[1]):
    assert m.uid == 0 and m.gid == 0 and m.uname == "" and m.gname == "" and m.mtime == 1768176000, m.name
PY

# A manifest signed before (compat sign): by the drop key, or by a team key
# given with --manifest-pubkey, which then travels in the drop.
"$L" compat validate --canonical m.yaml >m.json 2>/dev/null
"$L" compat sign m.json --key team -o m-team.json >/dev/null 2>&1
"$L" compat sign m.json --key k -o m-k.json >/dev/null 2>&1
expect_exit "a manifest signed with the drop key goes in as it is" 0 \
	"$L" drop create -o drop-k.tar "$FW" "$DRV" --manifest m-k.json --key k
check "its envelope is the signed file, byte for byte" bash -c 'tar -xOf drop-k.tar compat-manifest.intoto.json | cmp -s - m-k.json'
expect_err "a manifest signed by another key is refused without --manifest-pubkey" 1 'm-team.json.*signature' \
	"$L" drop create -o drop-t.tar "$FW" "$DRV" --manifest m-team.json --key k
check "nothing is written when create refuses" test ! -e drop-t.tar
expect_exit "with --manifest-pubkey the team-signed manifest goes in" 0 \
	"$L" drop create -o drop-t.tar "$FW" "$DRV" --manifest m-team.json --key k --manifest-pubkey team.pub
check "the team's key travels as manifest-pubkey.pem" bash -c 'tar -xOf drop-t.tar manifest-pubkey.pem | cmp -s - team.pub'
expect_exit "a drop with a team-signed manifest verifies with the drop key alone" 0 \
	"$L" drop verify drop-t.tar --pubkey k.pub

expect_exit "an ECDSA P-256 drop key works too" 0 \
	"$L" drop create -o drop-ec.tar "$FW" "$DRV" --manifest m.yaml --key ec
expect_exit "and its drop verifies" 0 "$L" drop verify drop-ec.tar --pubkey ec.pub

# repack DROP OUT PYTHON: copies the drop with each member passed through
# PYTHON (acting on name `n`, bytes `b`; set b = None to drop the member).
repack() {
	python3 - "$1" "$2" "$3" <<'PY'
import io, sys, tarfile
src, dst, code = sys.argv[1:]
out = tarfile.open(dst, "w", format=tarfile.PAX_FORMAT)
for m in tarfile.open(src):
    n = m.name
    b = bytearray(tarfile.open(src).extractfile(m).read()) if m.isfile() else None
    exec(code)
    if m.isfile() and b is None:
        continue
    if b is not None:
        m.size = len(b)
    out.addfile(m, io.BytesIO(bytes(b)) if b is not None else None)
out.close()
PY
}
# inner BUNDLE-MEMBER ARTIFACT: python code that flips one byte of ARTIFACT
# inside the bundle BUNDLE-MEMBER.
inner() {
	printf '%s' "
if n == '$1':
    src2 = tarfile.open(fileobj=io.BytesIO(bytes(b))); o = io.BytesIO()
    t2 = tarfile.open(fileobj=o, mode='w', format=tarfile.PAX_FORMAT)
    for m2 in src2:
        d2 = src2.extractfile(m2).read() if m2.isfile() else None
        if m2.name == '$2':
            d2 = bytearray(d2); d2[len(d2)//2] ^= 1; d2 = bytes(d2)
        t2.addfile(m2, io.BytesIO(d2) if d2 is not None else None)
    t2.close(); b = bytearray(o.getvalue())"
}
FWM=bundles/$(basename "$FW") DRVM=bundles/$(basename "$DRV")
flip='b[len(b)//2] ^= 1'

repack drop.tar t.tar "$(inner "$FWM" artifacts/fw.bin)"
expect_err "a changed byte in an artifact inside a bundle inside the drop is named" 1 \
	"t.tar: $FWM: artifacts/fw.bin: sha256" "$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "$(inner "$DRVM" RELEASE.md)"
# The bundle's own audit regenerates RELEASE.md from the signed provenance
# and catches it first; the drop's digest of the bundle would too.
expect_err "a changed byte in a bundle's RELEASE.md is caught and named" 1 \
	"t.tar: $DRVM: (RELEASE.md: differs from the one regenerated|sha256 [0-9a-f]{64} is not the drop statement's)" \
	"$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "if n == 'compat-manifest.intoto.json': $flip"
expect_err "a changed byte in the signed manifest is named" 1 \
	't.tar: compat-manifest.intoto.json: sha256' "$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "if n == 'DROP.md': b += b'x'"
expect_err "a changed DROP.md is named" 1 't.tar: DROP.md: sha256' "$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "
if n == 'drop.intoto.json':
    import json, base64
    e = json.loads(bytes(b)); p = bytearray(base64.b64decode(e['payload'])); p[200] ^= 1
    e['payload'] = base64.b64encode(bytes(p)).decode(); b = bytearray(json.dumps(e).encode())"
expect_err "a changed byte in the drop statement's payload fails its signature" 1 \
	't.tar: drop.intoto.json.*signature' "$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "
if n == 'drop.intoto.json':
    import json, base64
    e = json.loads(bytes(b)); s = bytearray(base64.b64decode(e['signatures'][0]['sig'])); s[3] ^= 1
    e['signatures'][0]['sig'] = base64.b64encode(bytes(s)).decode(); b = bytearray(json.dumps(e).encode())"
expect_err "a changed byte in the drop statement's signature is caught" 1 \
	't.tar: drop.intoto.json.*signature' "$L" drop verify t.tar --pubkey k.pub
expect_err "a drop checked against the wrong --pubkey is refused, naming the key" 1 \
	'pubkey.pem: the drop.s public key [0-9a-f]+ is not the trusted key' \
	"$L" drop verify drop.tar --pubkey other.pub
repack drop.tar t.tar "if n == 'pubkey.pem': b = bytearray(open('other.pub','rb').read())"
expect_err "a drop whose key was swapped for another is refused" 1 'pubkey.pem: the drop.s public key' \
	"$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "if n == '$FWM': b = None"
expect_err "a drop with a bundle removed fails naming the manifest row" 1 \
	't.tar: compat-manifest.intoto.json: "tested_on\[0\]\.artifacts\[0\]": fw.elf \(sha256 [0-9a-f]{12}\.\.\.\) is in no bundle' \
	"$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "if n == 'DROP.md': b = None"
expect_err "a drop with a member removed names the member" 1 't.tar: DROP.md: missing' \
	"$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "
if n == 'DROP.md':
    i = tarfile.TarInfo('extra.txt'); i.size = 1; out.addfile(i, io.BytesIO(b'x'))"
expect_err "a member the statement does not list is named" 1 't.tar: extra.txt: not listed in the drop statement' \
	"$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "
if n == '$DRVM': b = bytearray(open('$FW', 'rb').read())"
expect_err "a bundle swapped for another valid bundle is caught, naming the row it leaves untested" 1 \
	't.tar: compat-manifest.intoto.json: "tested_on\[0\]\.artifacts\[2\]": libacme.so.1.0.0 .* is in no bundle' \
	"$L" drop verify t.tar --pubkey k.pub
repack drop.tar t.tar "
if n == 'DROP.md':
    i = tarfile.TarInfo('DROP.md'); i.size = 1; out.addfile(i, io.BytesIO(b'x'))"
expect_err "a member given twice is refused" 1 't.tar: member "DROP.md": appears twice' \
	"$L" drop verify t.tar --pubkey k.pub
python3 - evil.tar link.tar <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w"); i = tarfile.TarInfo("../escaped"); i.size = 1
t.addfile(i, io.BytesIO(b"x")); t.close()
t = tarfile.open(sys.argv[2], "w"); i = tarfile.TarInfo("pubkey.pem"); i.type = tarfile.SYMTYPE
i.linkname = "/etc/passwd"; t.addfile(i); t.close()
PY
mkdir tmpv
expect_err "a drop with a ../ member is refused before extracting" 2 'member "\.\./escaped"' \
	env TMPDIR="$T/tmpv" "$L" drop verify evil.tar --pubkey k.pub
check "nothing was written outside by the ../ member" test -z "$(ls -A tmpv)" -a ! -e escaped
expect_err "a drop with a symlink member is refused" 2 'link.tar: member "pubkey.pem": a drop holds only regular files \(this is a symlink\)' \
	"$L" drop verify link.tar --pubkey k.pub

# create refuses what it cannot vouch for.
# The second row's only artifact gets a digest that is in no bundle.
python3 - m.yaml m-missing.yaml <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
i = max(i for i, l in enumerate(lines) if "name: fw.elf" in l)
lines[i] = '      - {name: fw.elf, sha256: "' + "ab" * 32 + '"}'
open(sys.argv[2], "w").write("\n".join(lines))
PY
expect_err "create refuses a manifest row whose artifact is in no bundle, naming the row" 2 \
	'm-missing.yaml: "tested_on\[1\]\.artifacts\[0\]\.sha256": abababababab\.\.\. is vouched for by no provenance in the given bundles' \
	"$L" drop create -o d-missing.tar "$FW" "$DRV" --manifest m-missing.yaml --key k
check "nothing is written for it" test ! -e d-missing.tar
expect_err "create refuses a manifest without the bundle that vouches for a row" 2 \
	'"tested_on\[0\]\.artifacts\[2\]\.sha256": [0-9a-f]{12}\.\.\. is vouched for by no provenance' \
	"$L" drop create -o d-one.tar "$FW" --manifest m.yaml --key k
sed 's/status: green/status: blue/' m.yaml >m-bad.yaml
expect_err "create refuses an invalid manifest with a one-line error" 2 \
	'm-bad.yaml: "tested_on\[0\]\.status": unknown status "blue"' \
	"$L" drop create -o d-bad.tar "$FW" "$DRV" --manifest m-bad.yaml --key k
check "the error is one line" test "$(wc -l <"$T/err")" = 1
repack "$FW" fw-bad.tar "if n == 'artifacts/fw.elf': $flip"
expect_err "create refuses a tampered bundle, naming the artifact" 1 'fw-bad.tar: artifacts/fw.elf: sha256' \
	"$L" drop create -o d-tb.tar fw-bad.tar "$DRV" --manifest m.yaml --key k
check "nothing is written for a tampered bundle" test ! -e d-tb.tar
expect_err "create refuses a missing bundle file with a one-line error" 2 'no-such\.tar' \
	"$L" drop create -o d-nb.tar no-such.tar "$DRV" --manifest m.yaml --key k
check "that error is one line" test "$(wc -l <"$T/err")" = 1
printf 'not a tar\n' >junk.tar
expect_err "create refuses a bundle that is not a tar" 2 'junk\.tar' \
	"$L" drop create -o d-j.tar junk.tar "$DRV" --manifest m.yaml --key k
expect_err "verify refuses a drop that is not a tar with a one-line error" 2 'junk\.tar' \
	"$L" drop verify junk.tar --pubkey k.pub
check "that error is one line" test "$(wc -l <"$T/err")" = 1
expect_err "verify of a missing drop is an error naming it" 2 'no-such\.tar' \
	"$L" drop verify no-such.tar --pubkey k.pub
cp "$FW" fw-copy.tar
expect_err "create refuses to write the drop over one of its bundles" 2 'is also an input' \
	"$L" drop create -o fw-copy.tar fw-copy.tar "$DRV" --manifest m.yaml --key k
check "that bundle is untouched" cmp -s fw-copy.tar "$FW"
expect_err "--manifest-pubkey with an unsigned manifest is an error, not ignored" 2 \
	'not a signed manifest, so --manifest-pubkey' \
	"$L" drop create -o d-mp.tar "$FW" "$DRV" --manifest m.yaml --key k --manifest-pubkey team.pub
expect_exit "create refuses the same bundle twice" 2 \
	"$L" drop create -o d-2.tar "$FW" "$FW" --manifest m.yaml --key k
expect_exit "verify without --pubkey is a usage error" 2 "$L" drop verify drop.tar
expect_exit "drop create has --help" 0 "$L" drop create --help
expect_exit "drop verify has --help" 0 "$L" drop verify --help

expect_exit "drop verify --rebuild rebuilds every bundle and passes" 0 \
	"$L" drop verify -q drop.tar --pubkey k.pub --rebuild
check "it says both bundles were rebuilt byte for byte" \
	test "$(grep -c 'signatures and digests good, rebuilt byte for byte' "$T/out")" = 2
