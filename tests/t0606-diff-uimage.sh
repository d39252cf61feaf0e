#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on U-Boot legacy images (uImage): the header's fields by
# name, its creation time a timestamp, its CRCs checksums that take the
# hint of what they cover, then the payload compared as a file of its own
# (a gzip'd kernel decompressed in turn).  The images are written here the
# way mkimage writes them (include/image.h), with python's struct and zlib.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"

# mkuimage OUT TIME LOAD NAME COMP PAYLOAD
mkuimage() {
	python3 - "$@" <<'P'
import struct, sys, zlib
out, time, load, name, comp, payload = sys.argv[1:]
data = open(payload, "rb").read()
def header(hcrc):
    return struct.pack(">7I4B32s", 0x27051956, hcrc, int(time), len(data), int(load, 16), int(load, 16),
                       zlib.crc32(data), 5, 26, 2, int(comp), name.encode())
h = header(0)
open(out, "wb").write(header(zlib.crc32(h)) + data)
P
}
printf 'kernel 1.0 built 2023-11-14 22:13:20\n\0\0\0\0' >"$T/Image-a"
printf 'kernel 1.0 built 2023-11-15 01:10:00\n\0\0\0\0' >"$T/Image-b"
gzip -9n <"$T/Image-a" >"$T/Image-a.gz"; gzip -9n <"$T/Image-b" >"$T/Image-b.gz"
mkuimage "$T/a.uimg" 1700000000 80200000 Linux-6.1 1 "$T/Image-a.gz"
mkuimage "$T/a2.uimg" 1700000000 80200000 Linux-6.1 1 "$T/Image-a.gz"
mkuimage "$T/b.uimg" 1700010000 80400000 Linux-6.1 1 "$T/Image-b.gz"
mkuimage "$T/t.uimg" 1700010000 80200000 Linux-6.1 1 "$T/Image-a.gz"
mkuimage "$T/n.uimg" 1700000000 80200000 Linux-6.2 1 "$T/Image-a.gz"

expect_exit "diff: the same uImage twice is identical" 0 $D "$T/a.uimg" "$T/a2.uimg"
expect_exit "diff: two uImages that differ" 1 $D "$T/a.uimg" "$T/b.uimg"
check "diff: the file is read as a uImage" grep -q '^a.uimg (uimage)$' "$T/out"
check "diff: the creation time by name, a timestamp" \
	grep -qF '[timestamp] uimage-header time: 2023-11-14T22:13:20Z (1700000000) -> 2023-11-15T01:00:00Z (1700010000)' "$T/out"
check "diff: load address and entry point by name" \
	bash -c "grep -qF 'uimage-header load address: 0x80200000 -> 0x80400000' '$T/out' && grep -qF 'uimage-header entry point: 0x80200000 -> 0x80400000' '$T/out'"
check "diff: the payload is decompressed and compared as a file of its own" \
	bash -c "grep -q '^a.uimg!data.gz (gzip)$' '$T/out' && grep -q '^a.uimg!data.gz!data (binary)$' '$T/out' && grep -qF '[timestamp] bytes 0x1a .. 0x23' '$T/out'"
check "diff: the data crc is a checksum with its payload's hint" \
	bash -c "grep -qE '^  \[timestamp\] checksum data crc: 0x[0-9a-f]{8} -> 0x[0-9a-f]{8}$' '$T/out' && grep -qF 'crc32 of the data' '$T/out'"
check "diff: the structure explains every byte" bash -c "! grep -q 'not explained by the structure' '$T/out'"

expect_exit "diff: uImages that differ only in their time" 1 $D --json "$T/a.uimg" "$T/t.uimg"
check "diff --json: the time and the header crc, both timestamp, nothing else" python3 - "$T/out" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
got = sorted((d["kind"], d["where"], d["hint"], d["offset_a"]) for d in r["differences"])
sys.exit(0 if got == [("checksum", "header crc", "timestamp", 4), ("uimage-header", "time", "timestamp", 8)] else 1)
P
expect_exit "diff: uImages that differ in their name" 1 $D "$T/a.uimg" "$T/n.uimg"
check "diff: the name as a string" grep -qF 'uimage-header name: "Linux-6.1" -> "Linux-6.2"' "$T/out"
check "diff: the OS, architecture and type are the same, so not reported" \
	bash -c "! grep -qE 'uimage-header (os|arch|type)' '$T/out'"
# A data size beyond the file: named, then compared as bytes.
head -c 80 "$T/a.uimg" >"$T/short-a"; head -c 80 "$T/b.uimg" >"$T/short-b"
expect_exit "diff: a truncated uImage is compared as bytes (exit 1)" 1 $D "$T/short-a" "$T/short-b"
check "diff: the report says why" grep -q 'truncated uImage: the header says 59 bytes of data' "$T/out"

# Any single byte changed is found and located in the uImage itself.
python3 - "$LOCKSTEP" "$T" a.uimg >"$T/prop" <<'P'
import json, os, subprocess, sys
exe, t, f = sys.argv[1:]
src = open(f"{t}/{f}", "rb").read(); bad = []
for off in range(len(src)):
    b = bytearray(src); b[off] ^= 0x5a
    open(f"{t}/m-{f}", "wb").write(b)
    p = subprocess.run([exe, "diff", "--json", f"{t}/{f}", f"{t}/m-{f}"], capture_output=True)
    r = json.loads(p.stdout) if p.returncode == 1 else {"differences": []}
    if not any(dd.get("file") == f and dd.get("offset_" + s, -1) <= off < dd.get("offset_" + s, -1) + dd.get("length_" + s, 0)
               for dd in r["differences"] for s in "ab"):
        bad.append(f"byte {off:#x}: exit {p.returncode}")
print(f"{len(src)} changes, {len(bad)} not found or not located", *bad[:5])
P
cat "$T/prop"
check "diff: every single-byte change of a uImage is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
