#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on SquashFS images made here by mksquashfs: the superblock
# by field (its time a timestamp), then the file systems by path: entries
# only one side has, modes, symlink targets, mtimes, and a changed file's
# contents compared as a file of its own (an ELF inside by its sections).
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
command -v mksquashfs >/dev/null || { skip "diff squashfs: no mksquashfs (scripts/install-deps)"; exit 0; }
command -v gcc >/dev/null || { skip "diff squashfs: no gcc"; exit 0; }

cat >"$T/fw.c" <<'C'
__attribute__((noinline)) int compute(int x) { return x * 3 + 1; }
int main(void) { return compute(2); }
C
sed 's/x \* 3 + 1/x * 5 + 7/' "$T/fw.c" >"$T/fw2.c"
for s in a b; do mkdir -p "$T/root-$s/etc" "$T/root-$s/bin"; done
gcc -O2 -o "$T/root-a/bin/fw" "$T/fw.c"; gcc -O2 -o "$T/root-b/bin/fw" "$T/fw2.c"
echo 'welcome' >"$T/root-a/etc/motd"; echo 'Welcome' >"$T/root-b/etc/motd"
ln -s fw "$T/root-a/bin/tool"; ln -s fw-2 "$T/root-b/bin/tool"
echo 'old' >"$T/root-a/etc/only-a"
chmod 0644 "$T/root-a/etc/motd"; chmod 0664 "$T/root-b/etc/motd"
mks() { # dir out mkfs-time
	mksquashfs "$1" "$2" -quiet -noappend -no-progress -mkfs-time "$3" -all-time 1700000000 >/dev/null
}
mks "$T/root-a" "$T/a.sqfs" 1700000000
mks "$T/root-a" "$T/a2.sqfs" 1700000000
mks "$T/root-a" "$T/t.sqfs" 1700086400
mks "$T/root-b" "$T/b.sqfs" 1700000000

expect_exit "diff: one squashfs made twice the same way is identical" 0 $D "$T/a.sqfs" "$T/a2.sqfs"
expect_exit "diff: squashfs images made at two times" 1 $D --json "$T/a.sqfs" "$T/t.sqfs"
check "diff --json: only the superblock's time, a timestamp, at offset 8" python3 - "$T/out" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
got = [(d["kind"], d["where"], d["hint"], d["offset_a"]) for d in r["differences"]]
sys.exit(0 if got == [("squashfs-super", "modification time", "timestamp", 8)] else 1)
P
expect_exit "diff: two squashfs trees that differ" 1 $D "$T/a.sqfs" "$T/b.sqfs"
check "diff: the file is read as squashfs (not random bytes)" \
	bash -c "grep -q '^a.sqfs (squashfs)$' '$T/out' && ! grep -q '\[random\]' '$T/out'"
check "diff: an entry only one side has, by path" grep -qF 'member /etc/only-a: file -> absent' "$T/out"
check "diff: a mode by path, hinted umask" grep -qF '[umask] member-metadata /etc/motd: mode: 0644 -> 0664' "$T/out"
check "diff: a symlink target by path" grep -qF 'member-metadata /bin/tool: link: fw -> fw-2' "$T/out"
check "diff: a changed text file compared as a file of its own" \
	bash -c "grep -q '^a.sqfs!etc/motd (text)$' '$T/out' && grep -q -- '-welcome' '$T/out'"
check "diff: a changed ELF inside compared by its sections and symbols" \
	bash -c "grep -q '^a.sqfs!bin/fw (elf)$' '$T/out' && grep -qE 'range \.text: compute\+0x' '$T/out'"
check "diff: the compressed blocks are not listed byte by byte" \
	bash -c "! grep -q 'not explained by the structure' '$T/out'"
# A truncated image: said, then compared as bytes.
head -c 300 "$T/b.sqfs" >"$T/short.sqfs"
expect_exit "diff: a truncated squashfs is compared as bytes (exit 1)" 1 $D "$T/a.sqfs" "$T/short.sqfs"
check "diff: the report says it is unreadable and why" grep -q 'unreadable squashfs' "$T/out"

# Any random single byte changed is found and located in the image.
python3 "$TOP/tests/diff-property.py" "$LOCKSTEP" "$T" "${PROPERTY_RUNS:-200}" 6110 2 a.sqfs >"$T/prop"
cat "$T/prop"
check "diff: every single-byte change of a squashfs image is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
