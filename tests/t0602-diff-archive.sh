#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on archives, directories, text and raw bytes: member order,
# member metadata, an ELF inside a compressed tar, random bytes.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
TAR="tar --owner=0 --group=0 --numeric-owner --mtime=@1700000000"

mkdir -p "$T/m"
printf 'hello\n' >"$T/m/x"
printf 'world\n' >"$T/m/y"
(cd "$T/m" && $TAR -cf "$T/xy.tar" x y && $TAR -cf "$T/yx.tar" y x && $TAR -cf "$T/xy2.tar" x y)
expect_exit "diff: two tars with the same members in the same order are identical" 0 $D "$T/xy.tar" "$T/xy2.tar"
expect_exit "diff: same members, other order differ" 1 $D "$T/xy.tar" "$T/yx.tar"
check "diff: member order gets the ordering hint" grep -qE '^  \[ordering\] member-order' "$T/out"
check "diff: only the order differs (one difference)" grep -q 'differ: 1 difference' "$T/out"

(cd "$T/m" && tar --owner=1234 --group=99 --numeric-owner --mtime=@1700090000 -cf "$T/meta.tar" x y)
expect_exit "diff: other mtimes and owners differ" 1 $D "$T/xy.tar" "$T/meta.tar"
check "diff: mtime difference is a timestamp" grep -qE '^  \[timestamp\] member-metadata x: mtime: 2023-11-14T22:13:20Z -> 2023-11-15T' "$T/out"
check "diff: uid/gid difference is reported" grep -qE 'member-metadata x: uid/gid: 0/0 -> 1234/99' "$T/out"
(cd "$T/m" && tar --owner=builder --group=0 --mtime=@1700000000 -cf "$T/named.tar" x y)
expect_exit "diff --username: an owner name that is the build user" 1 $D --username builder "$T/xy.tar" "$T/named.tar"
check "diff --username: the owner difference gets the username hint" grep -qE '^  \[username\] member-metadata x: uname/gname' "$T/out"

# An ELF inside a compressed tar is compared as ELF.
if command -v riscv64-unknown-elf-gcc >/dev/null; then
	echo 'const char build_stamp[] = __DATE__ " " __TIME__; int main(void) { return build_stamp[0]; }' >"$T/s.c"
	mkdir -p "$T/e1" "$T/e2"
	SOURCE_DATE_EPOCH=1700000000 riscv64-unknown-elf-gcc -O2 -nostdlib -Wl,-e,main -o "$T/e1/fw.elf" "$T/s.c"
	SOURCE_DATE_EPOCH=1700007000 riscv64-unknown-elf-gcc -O2 -nostdlib -Wl,-e,main -o "$T/e2/fw.elf" "$T/s.c"
	(cd "$T/e1" && $TAR -czf "$T/e1.tar.gz" fw.elf) && (cd "$T/e2" && $TAR -czf "$T/e2.tar.gz" fw.elf)
	expect_exit "diff: two tar.gz with different firmware differ" 1 $D "$T/e1.tar.gz" "$T/e2.tar.gz"
	check "diff: the member is diffed as ELF down to its symbol" \
		bash -c "grep -q '^e1.tar.gz!fw.elf (elf)' '$T/out' && grep -qE '^  \[timestamp\] range \.rodata: build_stamp\+' '$T/out'"
	# Directories: compared by relative path, recursively.
	cp "$T/e1.tar.gz" "$T/e1/pkg.tar.gz"; cp "$T/e2.tar.gz" "$T/e2/pkg.tar.gz"; echo extra >"$T/e2/NOTES"
	expect_exit "diff: two directories differ" 1 $D "$T/e1" "$T/e2"
	check "diff: a file only in b is reported missing" grep -qE '^  \[content\] missing: absent -> file' "$T/out"
	check "diff: the firmware and the tar member inside are both compared" \
		bash -c "grep -q '^fw.elf (elf)' '$T/out' && grep -q '^pkg.tar.gz!fw.elf (elf)' '$T/out'"
else
	skip "diff: ELF in tar: no riscv64-unknown-elf-gcc"
fi

# Random bytes: 64 bytes replaced in a 4 KiB file.  Seeded, and every
# replaced byte differs from the one it replaces, so the span is exactly
# 0x3e8..0x428 in every run (from /dev/urandom an end byte could match).
python3 - "$T/r1" "$T/r2" <<'PY'
import random, sys
g = random.Random(20260112)
a = bytes(g.randrange(256) for _ in range(4096))
b = bytearray(a)
for i in range(1000, 1064):
    b[i] ^= g.randrange(1, 256)
open(sys.argv[1], "wb").write(a)
open(sys.argv[2], "wb").write(bytes(b))
PY
expect_exit "diff: random bytes differ" 1 $D "$T/r1" "$T/r2"
check "diff: a high-entropy span gets the random hint" grep -qE '^  \[random\] bytes 0x3e8 \.\. 0x428' "$T/out"
# Low-entropy binary change: content, with hex context.
head -c 4096 /dev/zero >"$T/z1"; cp "$T/z1" "$T/z2"; printf '\001\002' | dd of="$T/z2" bs=1 seek=100 conv=notrunc status=none
expect_exit "diff: a two-byte change in zeros differs" 1 $D "$T/z1" "$T/z2"
check "diff: it is content, with hex context" \
	bash -c "grep -qE '^  \[content\] bytes 0x64 \.\. 0x66' '$T/out' && grep -qE '^      b 0x00000060: 00 00 00 00 01 02' '$T/out'"

# Text: unified-diff lines, and a date in a line is a timestamp.
printf 'name fw\nversion 1\nbuilt Nov 14 2023 22:13:20\nend\n' >"$T/t1"
printf 'name fw\nversion 1\nbuilt Nov 15 2023 01:10:00\nend\n' >"$T/t2"
expect_exit "diff: text files differ" 1 $D "$T/t1" "$T/t2"
check "diff: the changed line is shown as -/+ with a timestamp hint" \
	bash -c "grep -qE '^  \[timestamp\] text @@ -1,4 \+1,4 @@' '$T/out' && grep -q '^      -built Nov 14' '$T/out' && grep -q '^      +built Nov 15' '$T/out'"
printf 'b\na\nc\n' >"$T/o1"; printf 'a\nb\nc\n' >"$T/o2"
expect_exit "diff: the same lines in another order differ" 1 $D "$T/o1" "$T/o2"
check "diff: reordered lines get the ordering hint" grep -qE '^  \[ordering\] text' "$T/out"
# Big unrelated texts: bounded, summarized, never a hang.
seq 1 200000 >"$T/big1"; seq 1 200000 | sed 's/$/x/' >"$T/big2"
expect_exit "diff: two big unrelated texts are summarized (exit 1)" 1 $D --json "$T/big1" "$T/big2"
check "diff: the summary is marked partial with a reason" grep -q '"partial_reason":.*too different' "$T/out"

# Limits: partial results said out loud, never a crash or a hang.
seq 1 5000 >"$T/m/big"; (cd "$T/m" && $TAR -cf "$T/lim1.tar" big x && echo changed >x && $TAR -cf "$T/lim2.tar" big x)
expect_exit "diff --max-memory 1K: members too big to hold still differ" 1 $D --json --max-memory 1K "$T/lim1.tar" "$T/lim2.tar"
check "diff --max-memory 1K: the report is partial and says why" \
	bash -c "grep -q '\"partial\":.*true' '$T/out' && grep -q 'partial_reason.*max-memory' '$T/out'"
expect_err "diff --timeout: out of time before any difference is exit 2" 2 'limit stopped the comparison' \
	$D --timeout 0.000001 "$T/e1" "$T/e2"

# cpio, ar and zip, as tar: each member named, contents compared.
mkdir -p "$T/fmt/a" "$T/fmt/b"
printf 'version 1\n' >"$T/fmt/a/ver.txt"; printf 'version 2\n' >"$T/fmt/b/ver.txt"
for s in a b; do printf 'same\n' >"$T/fmt/$s/keep.txt"; touch -d @1700000000 "$T/fmt/$s"/*; done
for s in a b; do
	(cd "$T/fmt/$s" && printf 'keep.txt\nver.txt\n' | cpio -o -H newc --quiet >"$T/fmt/$s.cpio" &&
		ar rcD "$T/fmt/$s.a" keep.txt ver.txt && zip -qX "$T/fmt/$s.zip" keep.txt ver.txt)
done
for f in cpio a zip; do
	expect_exit "diff: two $f archives with one changed member differ" 1 $D "$T/fmt/a.$f" "$T/fmt/b.$f"
	check "diff: $f: the changed member is named (archive!member) and diffed as text" \
		bash -c "grep -qx 'a.$f!ver.txt (text)' '$T/out' && grep -qx '      +version 2' '$T/out'"
	check "diff: $f: the unchanged member is not reported" bash -c "! grep -q 'keep.txt' '$T/out'"
	expect_exit "diff: the same $f archive is identical" 0 $D "$T/fmt/a.$f" "$T/fmt/a.$f"
done

# Modes that differ only in the group/other bits: files packed under
# another umask.
chmod 0644 "$T/m/x"; (cd "$T/m" && $TAR -cf "$T/u022.tar" x)
chmod 0664 "$T/m/x"; (cd "$T/m" && $TAR -cf "$T/u002.tar" x)
expect_exit "diff: modes 0644 and 0664 differ" 1 $D "$T/u022.tar" "$T/u002.tar"
check "diff: a group/other-only mode change gets the umask hint" \
	grep -qE '^  \[umask\] member-metadata x: mode: 0100644 -> 0100664' "$T/out"
chmod 0755 "$T/m/x"; (cd "$T/m" && $TAR -cf "$T/u755.tar" x)
expect_exit "diff: modes 0664 and 0755 differ" 1 $D "$T/u002.tar" "$T/u755.tar"
check "diff: an owner-bit change is content, not umask" \
	grep -qE '^  \[content\] member-metadata x: mode: 0100664 -> 0100755' "$T/out"
