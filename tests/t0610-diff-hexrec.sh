#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on Intel HEX and Motorola S-record images made here by
# objcopy from two builds of one firmware: the images are decoded into
# addressed bytes, a changed function is reported by its address, and by
# its symbol when the ELF it came from is given (--symbols).
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
command -v objcopy >/dev/null && command -v gcc >/dev/null || { skip "diff hexrec: no gcc/objcopy"; exit 0; }
BARE="-O2 -nostdlib -static -fno-pic -no-pie -Wl,-e,main -Wl,--build-id=none"

cat >"$T/fw.c" <<'C'
const char banner[] = "firmware 1.0";
__attribute__((noinline)) int compute(int x) { return x * 3 + 1; }
int main(void) { return compute(banner[0]); }
C
sed 's/x \* 3 + 1/x * 5 + 7/' "$T/fw.c" >"$T/fw2.c"
gcc $BARE -o "$T/a.elf" "$T/fw.c"
gcc $BARE -o "$T/b.elf" "$T/fw2.c"
for f in a b; do
	objcopy -O ihex "$T/$f.elf" "$T/$f.hex"
	objcopy -O srec "$T/$f.elf" "$T/$f.srec"
done
# The same bytes written as 8-byte records: another encoding, same image.
objcopy -O srec --srec-len=8 "$T/a.elf" "$T/a16.srec"
compute=$(nm "$T/a.elf" | awk '$3 == "compute" { print $1 }' | sed 's/^0*//')

expect_exit "diff: the same Intel HEX image twice is identical" 0 $D "$T/a.hex" "$T/a.hex"
expect_exit "diff: the same S-record image twice is identical" 0 $D "$T/a.srec" "$T/a.srec"
expect_exit "diff: two Intel HEX images of two builds differ" 1 $D "$T/a.hex" "$T/b.hex"
check "diff: the file is read as Intel HEX" grep -q '^a.hex (ihex)$' "$T/out"
check "diff: the changed bytes are reported by address, inside compute" python3 - "$T/out" "$compute" <<'P'
import re, sys
out, compute = open(sys.argv[1]).read(), int(sys.argv[2], 16)
spans = [int(m, 16) for m in re.findall(r"\] range 0x([0-9a-f]+) \.\.", out)]
sys.exit(0 if any(compute <= s < compute + 64 for s in spans) else 1)
P
check "diff: record lines are not listed as text" bash -c "! grep -q '(text)' '$T/out'"
expect_exit "diff --symbols: two S-record images" 1 $D --symbols "$T/a.elf" "$T/a.srec" "$T/b.srec"
check "diff: the file is read as S-records" grep -q '^a.srec (srec)$' "$T/out"
check "diff --symbols: the range is named by its symbol" grep -qE '\] range 0x[0-9a-f]+ \(compute\+0x[0-9a-f]+\) \.\.' "$T/out"
check "diff: the S0 header (objcopy's file name) by name" grep -qE 'header S0: ".*a\.srec" -> ".*b\.srec"' "$T/out"
expect_exit "diff --json --symbols: Intel HEX" 1 $D --json --symbols "$T/a.elf" "$T/a.hex" "$T/b.hex"
check "diff --json: format ihex, a range difference naming compute" python3 -c '
import json, sys; r = json.load(open(sys.argv[1]))
assert {"path": "a.hex", "format": "ihex"} in r["files"], r["files"]
assert any(d["kind"] == "range" and "compute+" in d["where"] for d in r["differences"])' "$T/out"
expect_exit "diff: the same image in other record sizes" 1 $D "$T/a.srec" "$T/a16.srec"
check "diff: no address differs: only the encoding's bytes" \
	bash -c "! grep -q '\] range 0x' '$T/out' && grep -q 'bytes 0x' '$T/out'"
expect_err "diff --symbols: not an ELF file" 2 'not an ELF file' $D --symbols "$T/a.hex" "$T/a.hex" "$T/b.hex"
expect_err "diff --symbols: a missing file" 2 'cannot' $D --symbols "$T/none.elf" "$T/a.hex" "$T/b.hex"

# A bad checksum: said once, then compared as bytes.
python3 - "$T/a.hex" "$T/bad.hex" <<'P'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
l = bytearray(lines[1]); l[10] = ord("0") if l[10] != ord("0") else ord("1"); lines[1] = bytes(l)
open(sys.argv[2], "wb").write(b"\n".join(lines))
P
expect_exit "diff: an Intel HEX image with a bad checksum is compared as bytes" 1 $D "$T/a.hex" "$T/bad.hex"
check "diff: the report names the line and the checksum" grep -q 'line 2: bad checksum' "$T/out"

# Any random single byte changed is found and located in the image.
python3 "$TOP/tests/diff-property.py" "$LOCKSTEP" "$T" "${PROPERTY_RUNS:-200}" 6100 2 a.hex a.srec >"$T/prop"
cat "$T/prop"
check "diff: every single-byte change of an Intel HEX or S-record image is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
