#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The release gate and the auditor: release signs only what rebuilt byte for
# byte; audit checks every signature and digest, and names what was tampered.
. "$(dirname "$0")/lib.sh"

R="$TOP/recipes/qemu-virt-firmware/recipe.json"
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
"$LOCKSTEP" keygen -o "$T/other" >/dev/null 2>&1

expect_exit "release builds, rebuilds, signs and bundles the firmware" 0 \
	"$LOCKSTEP" release -q "$R" --key "$T/k" -o "$T/rel"
B=$(ls "$T"/rel/*.tar 2>/dev/null | head -1)
check "the bundle and RELEASE.md are in the output directory" test -f "$B" -a -f "$T/rel/RELEASE.md"
check "RELEASE.md names each artifact with its sha256" \
	grep -q "$(sha256sum <(tar -xOf "$B" artifacts/fw.elf) | cut -d' ' -f1)" "$T/rel/RELEASE.md"
check "RELEASE.md names the compiler read from the ELF file" grep -q 'compiler: `GCC:' "$T/rel/RELEASE.md"
check "RELEASE.md names the environment pin and its combined digest" \
	grep -q '^Pin `riscv64-unknown-elf` (`environment.json` in the bundle), combined digest `[0-9a-f]\{64\}`' "$T/rel/RELEASE.md"
check "the bundle holds artifacts, source, environment pin, signed provenance, summary and SBOM (each also as a sigstore bundle), key, RELEASE.md" bash -c "
	tar -tf '$B' | grep -v '/$' | sort | tr '\n' ' ' | grep -qx 'RELEASE.md artifacts/fw.bin artifacts/fw.elf environment.json provenance.intoto.json provenance.sigstore.json pubkey.pem sbom.cdx.json sbom.intoto.json sbom.sigstore.json source.tar.zst verification.intoto.json verification.sigstore.json '"
check "bundle members are owned by uid/gid 0 with mtimes clamped to SOURCE_DATE_EPOCH" python3 - "$B" <<'PY'
import sys, tarfile
for m in tarfile.open(sys.argv[1]):
    assert m.uid == 0 and m.gid == 0 and m.uname == "" and m.gname == "", m.name
    assert m.mtime <= 1768176000, (m.name, m.mtime)
PY

check "the summary names provenance.intoto.json by the sha256 of that file, with SLSA_BUILD_LEVEL_1" \
	python3 - "$B" <<'PY'
import base64, hashlib, json, sys, tarfile
t = tarfile.open(sys.argv[1])
env = t.extractfile("provenance.intoto.json").read()
v = json.loads(base64.b64decode(json.loads(t.extractfile("verification.intoto.json").read())["payload"]))
p = v["predicate"]
assert p["inputAttestations"] == [{"uri": "provenance.intoto.json", "digest": {"sha256": hashlib.sha256(env).hexdigest()}}]
assert "SLSA_BUILD_LEVEL_1" in p["verifiedLevels"]
PY
if /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null; then
	mkdir -p "$T/st"
	python3 - "$B" "$T/st" <<'PY'
import base64, json, sys, tarfile
t = tarfile.open(sys.argv[1])
for n in ("provenance", "verification", "sbom"):
    e = json.loads(t.extractfile(n + ".intoto.json").read())
    open(f"{sys.argv[2]}/{n}.json", "wb").write(base64.b64decode(e["payload"]))
PY
	check "every signed statement parses with strict protojson (in-toto Statement; the summary as VSA v1)" \
		bash -c "/usr/bin/python3 '$TOP/tests/proto/intoto_strict.py' '$T/st/verification.json' vsa &&
			/usr/bin/python3 '$TOP/tests/proto/intoto_strict.py' '$T/st/provenance.json' &&
			/usr/bin/python3 '$TOP/tests/proto/intoto_strict.py' '$T/st/sbom.json'"
else
	skip "strict protojson: Debian's python3-protobuf is not installed (scripts/install-deps)"
fi

expect_exit "audit of the untouched bundle passes, with a rebuild" 0 \
	"$LOCKSTEP" audit -q "$B" --pubkey "$T/k.pub"
expect_exit "audit --no-rebuild of the untouched bundle passes" 0 \
	"$LOCKSTEP" audit "$B" --pubkey "$T/k.pub" --no-rebuild

# Each DSSE signature in the bundle also checks with openssl alone.
mkdir -p "$T/x"; tar -xf "$B" -C "$T/x"
ok=1
for env in provenance.intoto.json verification.intoto.json sbom.intoto.json; do
	python3 - "$T/x/$env" "$T/pae" "$T/sig" <<'PY' || ok=0
import base64, json, sys
e = json.load(open(sys.argv[1]))
body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open(sys.argv[2], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[3], "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
PY
	openssl pkeyutl -verify -pubin -inkey "$T/x/pubkey.pem" -rawin -in "$T/pae" -sigfile "$T/sig" >/dev/null 2>&1 || ok=0
done
check "the bundle's signatures verify with the openssl command line over the PAE" [ "$ok" = 1 ]

# tamper NAME MEMBER PYTHON: repacks the bundle with MEMBER changed by PYTHON
# (acting on bytes `b`), writes $T/tampered.tar.
tamper() {
	python3 - "$B" "$T/tampered.tar" "$1" "$2" <<'PY'
import io, sys, tarfile
src, dst, member, code = sys.argv[1:]
out = tarfile.open(dst, "w", format=tarfile.PAX_FORMAT)
for m in tarfile.open(src):
    data = tarfile.open(src).extractfile(m).read() if m.isfile() else None
    if m.name == member:
        b = bytearray(data); exec(code); data = bytes(b); m.size = len(data)
    out.addfile(m, io.BytesIO(data) if data is not None else None)
out.close()
PY
}
flip='b[len(b)//2] ^= 1'
tamper artifacts/fw.bin "$flip"
expect_err "one byte flipped in an artifact is caught and named" 1 'artifacts/fw.bin: sha256' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
tamper source.tar.zst "$flip"
expect_err "one byte flipped in the source archive is caught and named" 1 'source.tar.zst: sha256' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
tamper provenance.intoto.json '
import json, base64
e = json.loads(bytes(b)); p = bytearray(base64.b64decode(e["payload"])); p[100] ^= 1
e["payload"] = base64.b64encode(bytes(p)).decode(); b[:] = json.dumps(e).encode()'
expect_err "one byte flipped in the provenance payload is caught and named" 1 'provenance.intoto.json.*signature' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
tamper provenance.intoto.json '
import json, base64
e = json.loads(bytes(b)); s = bytearray(base64.b64decode(e["signatures"][0]["sig"])); s[5] ^= 1
e["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode(); b[:] = json.dumps(e).encode()'
expect_err "one byte flipped in the signature is caught and named" 1 'provenance.intoto.json.*signature' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
cp "$T/other.pub" "$T/other-pub.pem"
tamper pubkey.pem "b[:] = open('$T/other.pub','rb').read()"
expect_err "a different bundled public key is caught and named" 1 'pubkey.pem: bundled public key' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
tamper pubkey.pem 'b[:] = b[:60]'
expect_exit "a truncated bundled public key is refused as malformed" 2 \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
expect_err "a bundle checked against another trusted key is refused" 1 'is not the trusted key' \
	"$LOCKSTEP" audit "$B" --pubkey "$T/other.pub" --no-rebuild
python3 - "$T/x/provenance.intoto.json" "$T/prov.json" <<'PY'
import base64, json, sys
open(sys.argv[2], "wb").write(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
PY
"$LOCKSTEP" sign "$T/prov.json" --key "$T/other" -o "$T/prov-other.intoto.json" >/dev/null 2>&1
tamper provenance.intoto.json "b[:] = open('$T/prov-other.intoto.json','rb').read()"
expect_err "a provenance signed by another key is refused" 1 'provenance.intoto.json.*signature' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild

# A summary that vouches for another provenance, properly signed.
python3 - "$T/x/verification.intoto.json" "$T/vsa.json" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1])); v = json.loads(base64.b64decode(e["payload"]))
v["predicate"]["inputAttestations"][0]["digest"]["sha256"] = "0" * 64
open(sys.argv[2], "w").write(json.dumps(v))
PY
"$LOCKSTEP" sign "$T/vsa.json" --key "$T/k" -o "$T/vsa.intoto.json" >/dev/null 2>&1
tamper verification.intoto.json "b[:] = open('$T/vsa.intoto.json','rb').read()"
expect_err "a summary whose inputAttestations digest does not match is refused" 1 'inputAttestations' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
python3 - "$T/x/verification.intoto.json" "$T/vsa.json" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1])); v = json.loads(base64.b64decode(e["payload"]))
v["predicate"]["inputAttestations"][0]["uri"] = "other.intoto.json"
open(sys.argv[2], "w").write(json.dumps(v))
PY
"$LOCKSTEP" sign "$T/vsa.json" --key "$T/k" -o "$T/vsa.intoto.json" >/dev/null 2>&1
tamper verification.intoto.json "b[:] = open('$T/vsa.intoto.json','rb').read()"
expect_err "a summary naming another file (the right digest) is refused" 1 'no entry names "provenance.intoto.json"' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild

python3 - "$T/evil.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w"); i = tarfile.TarInfo("../x"); i.size = 1
t.addfile(i, io.BytesIO(b"x")); t.close()
PY
mkdir -p "$T/tmpa"
expect_err "a bundle with a ../ member is refused" 2 '\.\./x' \
	env TMPDIR="$T/tmpa" "$LOCKSTEP" audit "$T/evil.tar" --pubkey "$T/k.pub" --no-rebuild
# audit extracts below $TMPDIR/lockstep-audit-XXXXXX: ../x would land in $T/tmpa.
check "nothing was written outside by the ../ member" test -z "$(ls -A "$T/tmpa")"
python3 - "$T/link.tar" <<'PY'
import sys, tarfile
t = tarfile.open(sys.argv[1], "w"); i = tarfile.TarInfo("pubkey.pem"); i.type = tarfile.SYMTYPE
i.linkname = "/etc/passwd"; t.addfile(i); t.close()
PY
expect_err "a bundle with a symlink member is refused" 2 'symlink' \
	"$LOCKSTEP" audit "$T/link.tar" --pubkey "$T/k.pub" --no-rebuild
expect_exit "a wrong-type key (a private key given as --pubkey) is refused" 2 \
	"$LOCKSTEP" audit "$B" --pubkey "$T/k" --no-rebuild
