#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on PE/COFF images (EFI applications) made here by objcopy
# from two builds: the COFF and optional headers by field, sections by
# name, and a changed section compared as a file of its own.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
command -v gcc >/dev/null && command -v objcopy >/dev/null && command -v ld >/dev/null ||
	{ skip "diff pe: no gcc/ld/objcopy"; exit 0; }

cat >"$T/app.c" <<'C'
const char banner[] = "efi app 1.0";
long efi_main(void *image, void *table) { return banner[0] + (long)image; }
C
sed 's/1\.0/2.0/' "$T/app.c" >"$T/app2.c"
mkefi() { # src out [objcopy options]
	local src=$1 out=$2; shift 2
	gcc -O2 -fno-pic -ffreestanding -c -o "$out.o" "$src"
	ld -e efi_main -o "$out.elf" "$out.o"
	objcopy --target=efi-app-x86_64 "$@" "$out.elf" "$out"
}
mkefi "$T/app.c" "$T/a.efi"
mkefi "$T/app.c" "$T/a2.efi"
mkefi "$T/app2.c" "$T/b.efi"
mkefi "$T/app.c" "$T/s.efi" --subsystem=efi-bsd
if ! head -c 2 "$T/a.efi" | grep -q MZ; then skip "diff pe: objcopy made no PE image"; exit 0; fi

expect_exit "diff: the same EFI application built twice is identical" 0 $D "$T/a.efi" "$T/a2.efi"
expect_exit "diff: two EFI applications that differ in a string" 1 $D "$T/a.efi" "$T/b.efi"
check "diff: the file is read as PE" grep -q '^a.efi (pe)$' "$T/out"
check "diff: the changed section by name, compared as a file of its own" \
	bash -c "grep -qE 'section \.rodata: [0-9]+ bytes, sha256' '$T/out' && grep -q 'compared as a.efi!.rodata' '$T/out'"
check "diff: inside the section, the changed byte" grep -qF '"1" -> "2"' "$T/out"
check "diff: the optional header's CheckSum by name" grep -qF 'pe-header optional header CheckSum:' "$T/out"
expect_exit "diff --json: another subsystem" 1 $D --json "$T/a.efi" "$T/s.efi"
check "diff --json: the Subsystem field by name, located in the optional header" python3 - "$T/out" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
d = [d for d in r["differences"] if d["where"] == "optional header Subsystem"]
sys.exit(0 if d and d[0]["a"] == "0xa" and d[0]["b"] == "0xb" and d[0]["length_a"] == 2 else 1)
P
# A header that says the section table lies past the file: not PE any more.
head -c 200 "$T/b.efi" >"$T/short.efi"
expect_exit "diff: a truncated PE is compared as bytes (exit 1)" 1 $D "$T/a.efi" "$T/short.efi"
check "diff: the report says the formats differ" grep -qF 'format: pe -> other' "$T/out"

# Any random single byte changed is found and located in the image.
python3 "$TOP/tests/diff-property.py" "$LOCKSTEP" "$T" "${PROPERTY_RUNS:-200}" 6120 2 a.efi >"$T/prop"
cat "$T/prop"
check "diff: every single-byte change of a PE image is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
