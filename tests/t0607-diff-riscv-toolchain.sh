#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on what real RISC-V firmware builds differ in (issue 14,
# OpenSBI as Debian ships it): the assembler's .riscv.attributes decoded
# (Tag_RISCV_arch as the ISA string, a toolchain difference), length bytes
# shown as bytes, a moved section table compared entry by entry, and a
# stripped file against an unstripped one said in one line.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
command -v riscv64-unknown-elf-gcc >/dev/null ||
	{ skip "diff: RISC-V toolchain differences: no riscv64-unknown-elf-gcc"; exit 0; }
printf 'int f(int x) { return x * 3; }\nconst char banner[] = "fw 1.0";\nint main(void) { return f(banner[0]); }\n' >"$T/r.c"
CC="riscv64-unknown-elf-gcc -O2 -mabi=lp64"
# The same code assembled for another ISA string: binutils records it.
$CC -c -march=rv64imac -o "$T/r1.o" "$T/r.c" && $CC -c -march=rv64imac_zicsr_zifencei -o "$T/r2.o" "$T/r.c" ||
	{ fail "diff: cannot build the RISC-V objects"; exit 0; }
expect_exit "diff: objects assembled for another -march differ" 1 $D "$T/r1.o" "$T/r2.o"
check "diff: Tag_RISCV_arch is shown as the ISA string, a compiler difference" \
	bash -c "grep -qF '[compiler] attribute .riscv.attributes Tag_RISCV_arch' '$T/out' && grep -qF 'b: \"rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0_zmmul1p0\"' '$T/out'"
check "diff: the attributes section is a compiler difference" grep -qF '[compiler] section .riscv.attributes' "$T/out"
check "diff: no byte ranges of the attributes (their length bytes read as \"3\" -> \"H\")" \
	bash -c "! grep -q 'range .riscv.attributes' '$T/out'"
check "diff: the section table that moved leaves no unexplained bytes" \
	bash -c "! grep -q 'not explained by the structure' '$T/out'"

# Stripped against unstripped: one line says so, then what both have.
$CC -g -nostdlib -Wl,-e,main -march=rv64imac -o "$T/u.elf" "$T/r.c" && riscv64-unknown-elf-strip -o "$T/s.elf" "$T/u.elf"
expect_exit "diff: an ELF against its stripped copy" 1 $D "$T/u.elf" "$T/s.elf"
check "diff: b is stripped, said once, with what only a has" \
	bash -c "grep -qF '[content] stripped b is stripped (no .symtab/.debug_*)' '$T/out' && grep -qE '^      only in a: .*\.debug_info.*\.symtab' '$T/out'"
check "diff: the removed sections and symbols are not listed one by one" \
	bash -c "! grep -qE 'section \.(symtab|debug_info): present -> absent|symbol removed' '$T/out'"
check "diff: fewer than 15 differences, not hundreds" \
	bash -c "n=\$(sed -n 's/.*differ: \([0-9]*\) difference.*/\1/p' '$T/out'); [ \"\$n\" -lt 15 ]"
expect_exit "diff: the stripped side may be a too" 1 $D "$T/s.elf" "$T/u.elf"
check "diff: a is stripped" grep -qF 'stripped a is stripped (no .symtab/.debug_*)' "$T/out"

# A longer banner shifts every address after it: the root is named and
# the shifted symbols and code references counted, not listed by hundreds.
python3 - "$T" <<'P'
import sys
for v, b in (("1", "fw 1.0"), ("2", "fw 1.0 with a much longer banner")):
    src = ['const char banner[] = "%s";' % b]
    src += ["int t%d[4] = {%d,1,2,3}; int g%d(int x) { return t%d[x&3] + banner[x&7]; }" % (i, i, i, i) for i in range(300)]
    src.append("int main(void) { return g1(3); }")
    open(f"{sys.argv[1]}/L{v}.c", "w").write("\n".join(src))
P
$CC -nostdlib -Wl,-e,main -o "$T/L1.elf" "$T/L1.c" && $CC -nostdlib -Wl,-e,main -o "$T/L2.elf" "$T/L2.c"
expect_exit "diff: a grown banner shifts the layout" 1 $D "$T/L1.elf" "$T/L2.elf"
check "diff: the root is named and the moved symbols counted in one difference" \
	bash -c "grep -qE '^  \[content\] layout-shift symbols after resized banner \(0x[0-9a-f]+ size 7 -> 0x[0-9a-f]+ size 33\)' '$T/out' && grep -qE '^      a: [0-9]{3} symbols moved' '$T/out'"
check "diff: the code's changed references are counted, not listed" \
	bash -c "grep -qE 'layout-shift .text: references after resized banner' '$T/out' && ! grep -q 'range .text' '$T/out'"
check "diff: a few dozen differences, not hundreds" \
	bash -c "n=\$(sed -n 's/.*differ: \([0-9]*\) difference.*/\1/p' '$T/out'); [ \"\$n\" -lt 40 ]"
