#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff never calls differing bytes identical: every byte a format
# does not explain is compared and reported by offset.  The cases the
# structure used to miss, one by one, then the property itself: thousands
# of random single-byte changes anywhere in ELF files and archives always
# give exit 1 and a report that locates the changed byte.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
TAR="tar --owner=0 --group=0 --numeric-owner --mtime=@1700000000"

cat >"$T/p.c" <<'C'
const char banner[] = "fw 1.0";
int table[16] = { 1, 2, 3 };
int f(int x) { return x * 3 + table[x & 15]; }
int main(void) { return f(banner[0]); }
C
cc -O2 -g -o "$T/p.elf" "$T/p.c" && cc -O2 -c -o "$T/p.o" "$T/p.c" || { fail "diff: no host compiler"; exit 0; }

# --- ELF: what the structure used to leave unread ---------------------
# patch FILE OFFSET BYTES: a copy of FILE with BYTES (hex) at OFFSET.
patch() {
	cp "$1" "$T/mut"
	printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$T/mut" bs=1 seek="$2" conv=notrunc status=none
}
# has_offset OFF: the JSON report in $T/out has a difference whose bytes
# (on a or b) include OFF.
has_offset() {
	python3 - "$T/out" "$1" <<'P'
import json, sys
r = json.load(open(sys.argv[1])); x = int(sys.argv[2])
ok = any(d.get("offset_" + s, -1) <= x < d.get("offset_" + s, -1) + d.get("length_" + s, 0)
         for d in r["differences"] for s in "ab")
sys.exit(0 if ok and not r["identical"] else 1)
P
}
size=$(stat -c %s "$T/p.elf")
cp "$T/p.elf" "$T/app.elf"; printf 'trailing' >>"$T/app.elf"
expect_exit "diff: bytes appended to an ELF differ" 1 $D --json "$T/p.elf" "$T/app.elf"
check "diff: the appended bytes are located at the old end" has_offset "$size"
patch "$T/p.elf" 10 01
expect_exit "diff: an e_ident padding byte differs" 1 $D --json "$T/p.elf" "$T/mut"
check "diff: the padding byte is named and located" \
	bash -c "grep -q 'e_ident\[10\] (padding)' '$T/out' && $(declare -f has_offset); T='$T' has_offset 10"
last=$((size - 1))
patch "$T/p.elf" "$last" "$(xxd -s "$last" -l 1 -p "$T/p.elf" | tr '0-9a-f' '1-9a-f0')"
expect_exit "diff: the last byte of an ELF differs" 1 $D --json "$T/p.elf" "$T/mut"
check "diff: the last byte is located" has_offset "$last"

# Section header fields, patched in place (ELF64 little endian).
shfield() { # FILE SECTION FIELD VALUE: writes a copy to $T/mut
	python3 - "$@" "$T/mut" <<'P'
import struct, sys
src, sec, field, val, dst = sys.argv[1:6]
b = bytearray(open(src, "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28); shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
names = ["sh_name", "sh_type", "sh_flags", "sh_addr", "sh_offset", "sh_size", "sh_link", "sh_info", "sh_addralign", "sh_entsize"]
fmt = "<IIQQQQIIQQ"
strtab = struct.unpack_from(fmt, b, shoff + shstrndx * shentsize)
for i in range(shnum):
    h = list(struct.unpack_from(fmt, b, shoff + i * shentsize))
    n = b[strtab[4] + h[0]:].split(b"\0")[0].decode()
    if n == sec:
        h[names.index(field)] = int(val, 0)
        struct.pack_into(fmt, b, shoff + i * shentsize, *h)
        print(shoff + i * shentsize)
open(dst, "wb").write(b)
P
}
for fv in ".shstrtab sh_addralign 4" ".symtab sh_link 1" ".symtab sh_info 2" ".data sh_addralign 64" \
	".symtab sh_entsize 16" ".comment sh_offset 0x10"; do
	set -- $fv
	at=$(shfield "$T/p.elf" "$1" "$2" "$3")
	expect_exit "diff: $1's $2 changed differs" 1 $D --json "$T/p.elf" "$T/mut"
	check "diff: $1's $2 is named in a section-header difference at its header" \
		bash -c "grep -q '\"kind\":.\"section-header\"' '$T/out' && grep -q '$2=' '$T/out' && $(declare -f has_offset); T='$T' has_offset $at"
done

# A malformed ELF: its bytes, and why.
patch "$T/p.elf" 40 ffffffff
expect_exit "diff: an ELF whose section table lies past its end differs (exit 1)" 1 $D "$T/p.elf" "$T/mut"
check "diff: it says why it was compared as bytes" grep -q 'unreadable elf, compared as bytes' "$T/out"

# --- compressed files and archives: the container's bytes too ----------
seq 1 20000 >"$T/d"
gzip -6 -c "$T/d" >"$T/d6.gz"; gzip -1 -c "$T/d" >"$T/d1.gz"
expect_exit "diff: gzip -6 and -1 of the same data differ" 1 $D "$T/d6.gz" "$T/d1.gz"
check "diff: the gzip level is named, and the contents said to be the same" \
	bash -c "grep -q 'container level (xfl): 0 -> 4 (-1, fastest)' '$T/out' &&
		grep -q 'same contents, compressed differently' '$T/out'"
# Members one after another are one stream, as gzip -d reads them.
head -n 10000 "$T/d" | gzip -6 -c >"$T/two.gz"; tail -n +10001 "$T/d" | gzip -6 -c >>"$T/two.gz"
expect_exit "diff: one gzip member against two of the same data differ" 1 $D "$T/d6.gz" "$T/two.gz"
check "diff: the two members are decompressed as one stream, the contents the same" \
	bash -c "grep -q 'same contents, compressed differently' '$T/out' && ! grep -q '!d6' '$T/out'"
xz -6 -c "$T/d" >"$T/d6.xz"; xz -9 -c "$T/d" >"$T/d9.xz"
expect_exit "diff: xz -6 and -9 of the same data differ" 1 $D "$T/d6.xz" "$T/d9.xz"
check "diff: the xz dictionary the level chose is named" \
	grep -q 'container dictionary (level): 8192 KiB -> 65536 KiB' "$T/out"
cp "$T/d" "$T/fw.bin"; gzip -n -c "$T/fw.bin" >"$T/n1.gz"
sed 's/^1234$/1235/' "$T/d" >"$T/fw.bin"; gzip -c "$T/fw.bin" >"$T/n2.gz"
expect_exit "diff: a gzip that stores its name and mtime against one that does not" 1 $D "$T/n1.gz" "$T/n2.gz"
check "diff: the stored name and mtime are container differences, the content is still compared" \
	bash -c "grep -q 'container name' '$T/out' && grep -q '^  \[timestamp\] container mtime' '$T/out' &&
		grep -qx '      +1235' '$T/out'"

mkdir -p "$T/m"; printf 'hello\n' >"$T/m/x"; printf 'world\n' >"$T/m/y"
(cd "$T/m" && $TAR -b 20 -cf "$T/b20.tar" x y && $TAR -b 1 -cf "$T/b1.tar" x y &&
	$TAR --format=gnu -cf "$T/gnu.tar" x y && $TAR --format=pax -cf "$T/pax.tar" x y)
expect_exit "diff: tar -b 20 and -b 1 differ" 1 $D --json "$T/b20.tar" "$T/b1.tar"
check "diff: the blocking padding is located" has_offset $(( $(stat -c %s "$T/b1.tar") ))
expect_exit "diff: gnu and pax tar of the same files differ" 1 $D "$T/gnu.tar" "$T/pax.tar"
check "diff: the archive formats are named" \
	grep -q 'archive-format: GNU tar format -> POSIX pax interchange format' "$T/out"
cp "$T/b20.tar" "$T/junk.tar"; printf 'junk' >>"$T/junk.tar"
expect_exit "diff: junk after a tar differs" 1 $D --json "$T/b20.tar" "$T/junk.tar"
check "diff: the junk is located after the archive" has_offset "$(stat -c %s "$T/b20.tar")"

# --- directories: permissions, and counts that add up ------------------
mkdir -p "$T/da/sub" "$T/db/sub"
for s in da db; do printf 'same\n' >"$T/$s/sub/f"; printf 'one\n' >"$T/$s/g"; done
chmod 644 "$T/da/g"; chmod 755 "$T/db/g"
expect_exit "diff: a file's mode differs in a directory" 1 $D "$T/da" "$T/db"
check "diff: the mode is reported" grep -qE '^  \[content\] mode: 0644 -> 0755' "$T/out"
check "diff: 1 of 3 entries (2 files and a directory, each counted once)" \
	grep -q 'differ: 1 difference in 1 of 3 files' "$T/out"
chmod 755 "$T/da/g"; chmod 775 "$T/db/sub"
expect_exit "diff: a directory's mode differs" 1 $D "$T/da" "$T/db"
check "diff: the directory's mode gets the umask hint" grep -qE '^  \[umask\] mode: 0755 -> 0775' "$T/out"
chmod 755 "$T/db/sub"; printf 'new\n' >"$T/db/only"
expect_exit "diff: a file only in b" 1 $D "$T/da" "$T/db"
check "diff: never more differing files than compared" grep -q 'differ: 1 difference in 1 of 4 files' "$T/out"

# --- memory: a 2 GB pair differing in one byte stays under the budget ---
truncate -s 2G "$T/big-a"; truncate -s 2G "$T/big-b"
printf 'X' | dd of="$T/big-b" bs=1 seek=1500000000 conv=notrunc status=none
/usr/bin/time -v -o "$T/time" $D --max-memory 64M "$T/big-a" "$T/big-b" >"$T/out" 2>"$T/err"
rc=$?
rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$T/time")
check "diff: 2 GB pair differing in one byte: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "diff: the byte is located" grep -q 'bytes 0x59682f00 .. 0x59682f01' "$T/out"
check "diff: 2 GB pair: peak RSS ${rss} KiB under --max-memory 64M" [ "${rss:-999999}" -lt 65536 ]
rm -f "$T/big-a" "$T/big-b"

# --- the property: any single byte changed is found and located ---------
(cd "$T" && $TAR -cf "$T/pk.tar" p.elf p.c && $TAR -czf "$T/pk.tgz" p.elf p.c &&
	printf 'p.o\np.c\n' | cpio -o -H newc --quiet >"$T/pk.cpio" && ar rcD "$T/pk.a" p.o p.c &&
	zip -qX "$T/pk.zip" p.o p.c)
xz -c "$T/p.o" >"$T/p.o.xz"
python3 "$TOP/tests/diff-property.py" "$LOCKSTEP" "$T" "${PROPERTY_RUNS:-2400}" 6040 4 \
	p.elf p.o pk.tar pk.tgz pk.cpio pk.a pk.zip p.o.xz >"$T/prop"
cat "$T/prop"
check "diff: every random single-byte change in ELF files and archives is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
