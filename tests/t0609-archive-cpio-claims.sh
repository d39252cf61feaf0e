#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A cpio of 15 KB whose resynced header claims a 3.7 GB name
# (tests/fuzz/regressions/diff/cpio-resync-huge-name, second half) must not
# make libarchive allocate what it claims: as a bundle, audit opens tar
# only; as a build output (plain or gzipped), normalization checks every
# cpio header of the decompressed stream first.  Both are refused with a
# message naming the file, in well under 100 MB.
. "$(dirname "$0")/lib.sh"

python3 - "$TOP/tests/fuzz/regressions/diff/cpio-resync-huge-name" "$T/x.cpio" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(d.split(b'\nLOCKSTEP-FUZZ-SPLIT\n', 1)[1])
PY
gzip -n -c "$T/x.cpio" >"$T/x.cpio.gz"

# rss_under NAME CODE PATTERN CMD...: like expect_err, and a peak RSS under 100 MB.
rss_under() {
	local name=$1 code=$2 pat=$3 rc kb; shift 3
	/usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"; rc=$?
	kb=$(tail -1 "$T/rss")
	if [ "$rc" -eq "$code" ] && grep -qE -- "$pat" "$T/err" && [ "$kb" -lt 102400 ]; then
		pass "$name (peak ${kb} KB)"
	else
		fail "$name (exit $rc, wanted $code; peak ${kb} KB; stderr must match /$pat/)"
		sed 's/^/    /' "$T/err" | tail -5
	fi
}

"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
rss_under "audit refuses the cpio as a bundle without reading it as cpio" 2 \
	'x\.cpio: not a readable archive' \
	"$LOCKSTEP" audit "$T/x.cpio" --pubkey "$T/k.pub" --no-rebuild

mkdir -p "$T/r/src"
cp "$T/x.cpio" "$T/r/src/blob"
cp "$T/x.cpio.gz" "$T/r/src/blob.gz"
recipe() {
	cat >"$T/r/recipe.json" <<JSON
{"name": "claims", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["mkdir -p out && cp $1 out/$2"], "outputs": ["out/$2"]}
JSON
}
recipe blob x.cpio
rss_under "a build output cpio claiming a 3.7 GB name is refused before libarchive reads it" 2 \
	'"outputs\[0\]": .*/x\.cpio: corrupt archive: the cpio member at byte [0-9]+ claims a 3[0-9]{9}-byte name' \
	"$LOCKSTEP" build -q "$T/r/recipe.json" -o "$T/o1"
recipe blob.gz x.cpio.gz
rss_under "the same cpio gzipped is refused as well, checked in bounded chunks" 2 \
	'"outputs\[0\]": .*/x\.cpio\.gz: corrupt archive: the cpio member at byte [0-9]+ claims a 3[0-9]{9}-byte name' \
	"$LOCKSTEP" build -q "$T/r/recipe.json" -o "$T/o2"

