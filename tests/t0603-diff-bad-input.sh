#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on bad input: a one-line error naming the file and exit 2
# for what cannot be compared at all, a byte comparison saying why for a
# file whose format cannot be read, never a crash; 200 truncated and bit-flipped ELF and archive files must
# only ever give exit 0, 1 or 2 (CI also runs this under ASan).
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"

printf 'a\n' >"$T/a.txt"
expect_err "diff: a missing file is an error naming it" 2 '"[^"]*/nope": cannot compare' $D "$T/a.txt" "$T/nope"
expect_err "diff: one path is not enough" 2 'want two paths' $D "$T/a.txt"
expect_err "diff: an unknown option is a usage error" 2 'unknown option' $D --frobnicate "$T/a.txt" "$T/a.txt"
expect_err "diff: a file against a directory is an error" 2 'compare two files or two directories' $D "$T/a.txt" "$T"
expect_err "diff: a malformed SOURCE_DATE_EPOCH is an error" 2 'SOURCE_DATE_EPOCH "yesterday"' \
	env SOURCE_DATE_EPOCH=yesterday $D "$T/a.txt" "$T/a.txt"
expect_err "diff: --max-memory wants a size" 2 'max-memory' $D --max-memory lots "$T/a.txt" "$T/a.txt"
cp "$T/a.txt" "$T/secret.txt"; chmod 600 "$T/secret.txt"
expect_err "diff: an unreadable file is an error (as $TEST_USER)" 2 'secret.txt": cannot open: Permission denied' \
	as_user $D "$T/a.txt" "$T/secret.txt"

# A real RISC-V ELF and a real tar.gz to damage.
if command -v riscv64-linux-gnu-gcc >/dev/null; then
	echo 'int f(int x) { return x + 1; } int main(void) { return f(2); }' >"$T/p.c"
	(cd "$T" && riscv64-linux-gnu-gcc -g -O2 -o "$T/good.elf" p.c)
else
	cp "$LOCKSTEP" "$T/good.elf"
fi
mkdir -p "$T/pk" && cp "$T/good.elf" "$T/p.c" "$T/pk/"
(cd "$T/pk" && tar --mtime=@1700000000 -czf "$T/good.tgz" good.elf p.c)
size=$(stat -c %s "$T/good.elf")
head -c $((size / 3)) "$T/good.elf" >"$T/trunc.elf"
# A malformed or truncated file is not an error: it is compared byte for
# byte, the report saying why the structure could not be read (exit 1).
expect_exit "diff: a truncated ELF differs (exit 1)" 1 $D "$T/good.elf" "$T/trunc.elf"
check "diff: the truncated ELF is named, with why it was compared as bytes" \
	bash -c "grep -q 'format unreadable elf, compared as bytes' '$T/out' &&
		grep -qE 'trunc.elf\": (truncated|corrupt)' '$T/out'"
check "diff: the bytes missing from the truncated ELF are located" \
	grep -qE "bytes 0x$(printf %x $((size / 3))) \.\. 0x$(printf %x "$size") only in a" "$T/out"
head -c 64 "$T/good.elf" >"$T/hdr.elf"
expect_exit "diff: an ELF cut after its header differs (exit 1)" 1 $D "$T/good.elf" "$T/hdr.elf"
check "diff: the cut ELF is named" grep -q 'hdr.elf": ' "$T/out"
tsize=$(stat -c %s "$T/good.tgz")
head -c $((tsize / 2)) "$T/good.tgz" >"$T/trunc.tgz"
expect_exit "diff: a truncated tar.gz differs (exit 1)" 1 $D "$T/good.tgz" "$T/trunc.tgz"
check "diff: the truncated tar.gz is named, with why" \
	bash -c "grep -q 'unreadable compressed, compared as bytes' '$T/out' && grep -qE 'trunc.tgz\": (corrupt|not a readable)' '$T/out'"
gzip -n -c "$T/good.elf" >"$T/good.gz"; head -c $(($(stat -c %s "$T/good.gz") / 2)) "$T/good.gz" >"$T/trunc.gz"
expect_exit "diff: a truncated gzip differs (exit 1)" 1 $D "$T/good.gz" "$T/trunc.gz"
check "diff: the truncated gzip is named, with why" grep -q 'trunc.gz": corrupt compressed stream: truncated' "$T/out"
cp "$T/good.tgz" "$T/bad.tgz"; printf 'XXXXXXXXXXXXXXXX' | dd of="$T/bad.tgz" bs=1 seek=40 conv=notrunc status=none
expect_exit "diff: a corrupt tar.gz differs (exit 1)" 1 $D "$T/good.tgz" "$T/bad.tgz"
check "diff: the corrupt tar.gz's changed bytes are located" grep -qE 'bytes 0x2[0-9a-f] \.\. 0x3[0-9a-f]' "$T/out"

# Mutations: truncations and bit flips at pseudo-random places (fixed seed,
# so a failure can be replayed), both formats, both argument orders.
RANDOM=6061
bad=0 n=0
for i in $(seq 1 100); do
	for src in good.elf good.tgz; do
		sz=$(stat -c %s "$T/$src")
		cp "$T/$src" "$T/mut"
		if [ $((i % 3)) -eq 0 ]; then
			truncate -s $(( (RANDOM * 32768 + RANDOM) % sz )) "$T/mut"
		else
			for k in 1 2 3; do
				off=$(( (RANDOM * 32768 + RANDOM) % sz ))
				printf "\\x$(printf %02x $((RANDOM % 256)))" |
					dd of="$T/mut" bs=1 seek=$off conv=notrunc status=none
			done
		fi
		if [ $((i % 2)) -eq 0 ]; then $D "$T/$src" "$T/mut" >/dev/null 2>"$T/merr"; rc=$?
		else $D --json "$T/mut" "$T/$src" >/dev/null 2>"$T/merr"; rc=$?; fi
		n=$((n + 1))
		# Under ASan/UBSan a report may come with an ordinary exit code.
		if [ $rc -gt 2 ] || grep -qE 'Sanitizer|runtime error' "$T/merr"; then
			bad=$((bad + 1)); cp "$T/mut" "/tmp/lockstep-diff-crash-$i-$src"
			echo "mutation $i of $src: exit $rc (kept in /tmp/lockstep-diff-crash-$i-$src)"; tail -3 "$T/merr"
		fi
	done
done
check "diff: $n mutated ELF and tar.gz files give exit 0, 1 or 2, never a signal" [ "$bad" -eq 0 ]
