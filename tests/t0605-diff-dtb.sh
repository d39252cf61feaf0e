#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on device trees and FIT images: nodes and properties by
# path, values as dtc writes them, the header and reservations by name; a
# FIT image's data blobs compared as files of their own, its hashes
# labelled as hashes that follow their data, its timestamp a timestamp.
# Inputs are made with dtc and mkimage, as a firmware build makes them.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
command -v dtc >/dev/null || { skip "diff: device trees: no dtc (scripts/install-deps)"; exit 0; }

cat >"$T/a.dts" <<'DTS'
/dts-v1/;
/memreserve/ 0x80000000 0x20000;
/ {
	compatible = "lockstep,board";
	model = "board rev A";
	#address-cells = <1>;
	#size-cells = <1>;
	chosen { bootargs = "console=ttyS0"; };
	memory@80000000 { device_type = "memory"; reg = <0x80000000 0x8000000>; };
	uart@10000000 { compatible = "ns16550a"; reg = <0x10000000 0x100>; clock-frequency = <3686400>; };
};
DTS
# b: another model string and clock, a longer bootargs, a bigger
# reservation, a node more (with a property name a has not).
sed -e 's/rev A/rev B/' -e 's/3686400/1843200/' -e 's/console=ttyS0/console=ttyS0 quiet/' \
    -e 's/0x20000;/0x40000;/' \
    -e 's|	chosen|	rtc@101000 { compatible = "google,goldfish-rtc"; reg = <0x101000 0x1000>; status = "okay"; };\n	chosen|' \
    "$T/a.dts" >"$T/b.dts"
dtc -q -I dts -O dtb -o "$T/a.dtb" "$T/a.dts" && dtc -q -I dts -O dtb -o "$T/b.dtb" "$T/b.dts" &&
	dtc -q -I dts -O dtb -o "$T/a2.dtb" "$T/a.dts" || { fail "diff: dtc cannot build the test trees"; exit 0; }

expect_exit "diff: the same device tree built twice is identical" 0 $D "$T/a.dtb" "$T/a2.dtb"
expect_exit "diff: two device trees that differ" 1 $D "$T/a.dtb" "$T/b.dtb"
check "diff: the file is read as a device tree" grep -q '^a.dtb (dtb)$' "$T/out"
check "diff: a changed string property by path, as a string" \
	grep -qF '[content] property /:model: "board rev A" -> "board rev B"' "$T/out"
check "diff: a changed cell property by path, as cells" \
	grep -qF 'property /uart@10000000:clock-frequency: <0x384000> -> <0x1c2000>' "$T/out"
check "diff: a node only in b, named once by its path (not its properties)" \
	bash -c "grep -qF 'node /rtc@101000: absent -> present' '$T/out' && ! grep -qE 'rtc@101000:[a-z]' '$T/out'"
check "diff: the memory reservations" grep -qF 'memreserve: 0x80000000+0x20000 -> 0x80000000+0x40000' "$T/out"
check "diff: the header fields by name" grep -qF 'dtb-header totalsize: 0x1c1 -> 0x228' "$T/out"
check "diff: the structure explains every byte (no leftover byte ranges)" \
	bash -c "! grep -q 'not explained by the structure' '$T/out'"

# A property changed in place is located at its record in the file.
python3 - "$T/a.dtb" "$T/c.dtb" <<'P'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b"ns16550a"); d[i + 7] = ord("b")
open(sys.argv[2], "wb").write(d)
P
expect_exit "diff --json: one byte of a property value" 1 $D --json "$T/a.dtb" "$T/c.dtb"
check "diff --json: it is that property, located at its record" python3 - "$T/out" "$T/a.dtb" <<'P'
import json, sys
r = json.load(open(sys.argv[1])); off = open(sys.argv[2], "rb").read().index(b"ns16550a") + 7
d, = r["differences"]
ok = (d["kind"] == "property" and d["where"] == "/uart@10000000:compatible"
      and d["a"] == '"ns16550a"' and d["b"] == '"ns16550b"'
      and d["offset_a"] <= off < d["offset_a"] + d["length_a"])
sys.exit(0 if ok else 1)
P

# A truncated tree is not an error: named, then compared as bytes.
head -c 200 "$T/a.dtb" >"$T/t.dtb"; head -c 200 "$T/b.dtb" >"$T/t2.dtb"
expect_exit "diff: a truncated device tree is compared as bytes (exit 1)" 1 $D "$T/t.dtb" "$T/t2.dtb"
check "diff: the report says the tree is unreadable and why" \
	bash -c "grep -q 'format unreadable device tree, compared as bytes' '$T/out' && grep -q 'not a valid device tree' '$T/out'"
# The structure is checked as it is walked: a root node left open (its
# END_NODE, just before FDT_END, made a NOP) is no tree either.
be32() { od -An -tu4 --endian=big -j "$2" -N 4 "$1" | tr -d ' '; }
end=$(($(be32 "$T/b.dtb" 8) + $(be32 "$T/b.dtb" 36) - 8))
cp "$T/b.dtb" "$T/open.dtb"
printf '\0\0\0\4' | dd of="$T/open.dtb" bs=1 seek="$end" conv=notrunc status=none
expect_exit "diff: a tree whose root node is never closed is compared as bytes (exit 1)" 1 \
	$D "$T/b.dtb" "$T/open.dtb"
check "diff: the report says the tree's structure is bad" \
	grep -q 'open.dtb": not a valid device tree: FDT_ERR_BADSTRUCTURE' "$T/out"

# --- FIT images --------------------------------------------------------
if ! command -v mkimage >/dev/null; then
	skip "diff: FIT images: no mkimage (u-boot-tools, scripts/install-deps)"
	exit 0
fi
mkdir -p "$T/fa" "$T/fb"
printf 'kernel 1.0 built 2023-11-14 22:13:20\n\0\0\0\0' >"$T/fa/Image"
printf 'kernel 1.0 built 2023-11-15 01:10:00\n\0\0\0\0' >"$T/fb/Image"
cp "$T/a.dtb" "$T/fa/board.dtb"; cp "$T/b.dtb" "$T/fb/board.dtb"
cat >"$T/fa/fit.its" <<'ITS'
/dts-v1/;
/ {
	description = "lockstep test FIT";
	#address-cells = <1>;
	images {
		kernel {
			data = /incbin/("Image");
			type = "kernel"; arch = "riscv"; os = "linux"; compression = "none";
			load = <0x80200000>; entry = <0x80200000>;
			hash-1 { algo = "crc32"; };
			hash-2 { algo = "sha256"; };
		};
		fdt {
			data = /incbin/("board.dtb");
			type = "flat_dt"; arch = "riscv"; compression = "none";
			hash-1 { algo = "sha256"; };
		};
	};
	configurations { default = "conf"; conf { kernel = "kernel"; fdt = "fdt"; }; };
};
ITS
cp "$T/fa/fit.its" "$T/fb/fit.its"
(cd "$T/fa" && SOURCE_DATE_EPOCH=1700000000 mkimage -q -f fit.its "$T/a.itb" && SOURCE_DATE_EPOCH=1700000000 mkimage -q -E -f fit.its "$T/ae.itb") &&
(cd "$T/fb" && SOURCE_DATE_EPOCH=1700010000 mkimage -q -f fit.its "$T/b.itb" && SOURCE_DATE_EPOCH=1700010000 mkimage -q -E -f fit.its "$T/be.itb") ||
	{ fail "diff: mkimage cannot build the test FIT images"; exit 0; }
expect_exit "diff: two FIT images that differ" 1 $D "$T/a.itb" "$T/b.itb"
check "diff: the file is read as a FIT image" grep -q '^a.itb (fit)$' "$T/out"
check "diff: the kernel blob is compared as a file of its own, down to its bytes" \
	bash -c "grep -q '^a.itb!kernel (binary)$' '$T/out' && grep -qF '[timestamp] bytes 0x1a .. 0x23' '$T/out'"
check "diff: the embedded device tree is compared as a device tree" \
	bash -c "grep -q '^a.itb!fdt (dtb)$' '$T/out' && grep -qF 'node /rtc@101000: absent -> present' '$T/out'"
check "diff: the image's timestamp is a timestamp" \
	grep -qF '[timestamp] property /:timestamp: 2023-11-14T22:13:20Z (1700000000) -> 2023-11-15T01:00:00Z (1700010000)' "$T/out"
check "diff: a hash is a hash of its image, with the image's hint, in hex" \
	bash -c "grep -qE '^  \[timestamp\] hash /images/kernel/hash-1:value: [0-9a-f]{8} -> [0-9a-f]{8}$' '$T/out' && grep -qF 'crc32 hash of /images/kernel' '$T/out'"
$D --json "$T/a.itb" "$T/b.itb" >"$T/j"
check "diff --json: no hash is called random" python3 - "$T/j" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
h = [d for d in r["differences"] if d["kind"] == "hash"]
sys.exit(0 if len(h) == 3 and r["hints"]["random"] == 0 else 1)
P
check "diff: the FIT's structure and blobs explain every byte" \
	bash -c "! grep -q 'not explained by the structure' '$T/out'"
# mkimage -E: the data after the tree, found by data-offset.
expect_exit "diff: FIT images with external data differ" 1 $D "$T/ae.itb" "$T/be.itb"
check "diff: external data blobs are compared as files of their own" \
	bash -c "grep -q '^ae.itb!kernel (binary)$' '$T/out' && grep -q '^ae.itb!fdt (dtb)$' '$T/out'"

# The property t0604 checks for ELF files and archives, here too: any
# single byte changed in a device tree or a FIT image is found and located
# in the file itself (a FIT's blob by its data property).
python3 "$TOP/tests/diff-property.py" "$LOCKSTEP" "$T" "${PROPERTY_RUNS:-400}" 6050 2 \
	a.dtb a.itb ae.itb >"$T/prop"
cat "$T/prop"
check "diff: every random single-byte change in device trees and FIT images is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
