#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on RISC-V ELF pairs built here, each with one known cause:
# the right section, symbol and hint must come out.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
CC=riscv64-unknown-elf-gcc
LCC=riscv64-linux-gnu-gcc
command -v $CC >/dev/null && command -v $LCC >/dev/null || { skip "diff elf: no RISC-V cross compilers"; exit 0; }
BARE="-O2 -nostdlib -Wl,-e,main"

cat >"$T/stamp.c" <<'C'
const char build_stamp[] = "built " __DATE__ " " __TIME__;
__attribute__((noinline)) int compute(int x) { return x * 3 + 1; }
int main(void) { return compute(build_stamp[0]); }
C
sed 's/x \* 3 + 1/x * 5 + 7/' "$T/stamp.c" >"$T/changed.c"

# Same source, two build times (GCC takes __DATE__/__TIME__ from
# SOURCE_DATE_EPOCH): an hour and a minute apart.
SOURCE_DATE_EPOCH=1700000000 $CC $BARE -o "$T/t1.elf" "$T/stamp.c"
SOURCE_DATE_EPOCH=1700003661 $CC $BARE -o "$T/t2.elf" "$T/stamp.c"
SOURCE_DATE_EPOCH=1700000000 $CC $BARE -o "$T/t3.elf" "$T/stamp.c"
expect_exit "diff: two builds at the same time are identical (exit 0)" 0 $D "$T/t1.elf" "$T/t3.elf"
expect_exit "diff: the same file is identical" 0 $D "$T/t1.elf" "$T/t1.elf"
expect_exit "diff: __DATE__/__TIME__ builds differ (exit 1)" 1 $D "$T/t1.elf" "$T/t2.elf"
check "diff: the time is a timestamp in .rodata named by its symbol" \
	grep -qE '^  \[timestamp\] range \.rodata: build_stamp\+0x[0-9a-f]+ \.\. build_stamp\+0x' "$T/out"
check "diff: the report names timestamp as the likely cause" grep -q '^likely causes: timestamp' "$T/out"
expect_exit "diff --json: differs" 1 $D --json "$T/t1.elf" "$T/t2.elf"
check "diff --json: schema lockstep-diff/1, first hint timestamp" python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))
assert r["schema"]=="lockstep-diff/1" and r["identical"] is False and r["partial"] is False
assert r["first_hint"]=="timestamp", r["first_hint"]
assert any(d["kind"]=="range" and d["hint"]=="timestamp" and "build_stamp" in d["where"] for d in r["differences"])' "$T/out"

# One function changed: the .text range names it.
SOURCE_DATE_EPOCH=1700000000 $CC $BARE -o "$T/c1.elf" "$T/changed.c"
expect_exit "diff: a changed function differs" 1 $D "$T/t1.elf" "$T/c1.elf"
check "diff: the .text range names the changed function" \
	grep -qE '^  \[content\] range \.text: compute\+0x[0-9a-f]+ \.\. ' "$T/out"
check "diff: an unchanged function is not named" bash -c "! grep -q 'range .text: main+' '$T/out'"

# Symbol-table changes: a table grown, a function added (and, the other
# way round, removed).  Added, removed and resized symbols come before the
# linker symbols that merely moved after them, whatever the cap.
cat >"$T/sym1.c" <<'C'
int table[4] = {1, 2, 3, 4};
__attribute__((noinline)) int helper(int x) { return x + table[x & 3]; }
int main(void) { return helper(1); }
C
cat >"$T/sym2.c" <<'C'
int table[8] = {1, 2, 3, 4};
__attribute__((noinline)) int helper(int x) { return x + table[x & 3]; }
__attribute__((noinline)) int extra(int x) { return x * 9; }
int main(void) { return helper(1) + extra(2); }
C
$CC $BARE -o "$T/sym1.elf" "$T/sym1.c" && $CC $BARE -o "$T/sym2.elf" "$T/sym2.c"
expect_exit "diff: a grown table and an added function differ" 1 $D "$T/sym1.elf" "$T/sym2.elf"
check "diff: the added function is listed with its address and size" \
	grep -qE '^  \[content\] symbol added extra$' "$T/out"
check "diff: the grown table is listed as resized, 16 -> 32 bytes" \
	grep -qE '^  \[content\] symbol resized table: 0x[0-9a-f]+ size 16 -> 0x[0-9a-f]+ size 32$' "$T/out"
check "diff: added and resized symbols come before moved ones" python3 -c '
import sys
lines = [l for l in open(sys.argv[1]) if "] symbol " in l]
kinds = [l.split("] symbol ")[1].split()[0] for l in lines]
assert "moved" in kinds and kinds.index("moved") > max(kinds.index("added"), kinds.index("resized")), kinds' "$T/out"
expect_exit "diff --json --max-items 3: a bounded JSON report, still exit 1" 1 \
	$D --json --max-items 3 "$T/sym1.elf" "$T/sym2.elf"
check "diff --max-items 3: three differences kept, the rest counted, marked partial" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["differences"]) == 3 and r["differences_total"] > 3 and r["partial"], r
assert r["differences_dropped"] == r["differences_total"] - 3, r' "$T/out"
expect_err "diff --max-items 0 is a usage error" 2 'max-items: "0"' $D --max-items 0 "$T/sym1.elf" "$T/sym2.elf"
expect_exit "diff: the other way round" 1 $D "$T/sym2.elf" "$T/sym1.elf"
check "diff: the function is listed as removed" grep -qE '^  \[content\] symbol removed extra$' "$T/out"
$CC $BARE -fno-ident -o "$T/noident.elf" "$T/sym1.c"
expect_exit "diff: a build without .comment differs" 1 $D "$T/sym1.elf" "$T/noident.elf"
check "diff: the missing .comment section is named" grep -qE '^  \[content\] section \.comment: present -> absent' "$T/out"
check "diff: the section count in the ELF header is named" grep -qE '^  \[content\] elf-header shnum: 0x8 -> 0x7' "$T/out"

# Build directory embedded through DWARF (same length so only strings move).
mkdir -p "$T/bld/aaaa" "$T/bld/bbbb"
for d in aaaa bbbb; do
	sed 's/__DATE__ " " __TIME__/"fixed"/' "$T/stamp.c" >"$T/bld/$d/fw.c"
	(cd "$T/bld/$d" && $LCC -g -O2 -o fw.elf "$T/bld/$d/fw.c")
done
expect_exit "diff: builds in two directories differ" 1 $D "$T/bld/aaaa/fw.elf" "$T/bld/bbbb/fw.elf"
check "diff: DW_AT_comp_dir is listed with a build-path hint" \
	grep -qE "^  \[build-path\] dwarf DW_AT_comp_dir .*$T/bld/aaaa -> $T/bld/bbbb" "$T/out"
check "diff: the line table's file names are listed" grep -qE '^  \[build-path\] dwarf line table file' "$T/out"
check "diff: .debug_line_str/.debug_str carry the build-path hint" \
	grep -qE '^  \[build-path\] section \.debug_(line_)?str$' "$T/out"
check "diff: the build-id note is reported" grep -qE '^  \[content\] note build-id' "$T/out"
# Two compilation units: a budget that one unit's strings fill leaves the
# other uncompared, and says so.
for d in aaaa bbbb; do
	printf 'int unit2(int x) { return x + 2; }\n' >"$T/bld/$d/u2.c"
	(cd "$T/bld/$d" && $LCC -g -O2 -o two.elf fw.c u2.c)
done
# The two files mapped count against the budget: 100 bytes more is what
# the DWARF strings get.
mem=$(( $(stat -c %s "$T/bld/aaaa/two.elf") + $(stat -c %s "$T/bld/bbbb/two.elf") + 100 ))
expect_exit "diff --max-memory FILES+100: DWARF strings beyond the budget, still exit 1" 1 \
	$D --json --max-memory $mem "$T/bld/aaaa/two.elf" "$T/bld/bbbb/two.elf"
check "diff: under the default budget the same pair is compared whole" bash -c "
	$D --json '$T/bld/aaaa/two.elf' '$T/bld/bbbb/two.elf' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"partial\"] is False'"
check "diff --max-memory FILES+100: the report is partial and says the DWARF units were cut" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["partial"] and "DWARF strings beyond --max-memory" in r["partial_reason"], r["partial_reason"]' "$T/out"
# The same pair with -ffile-prefix-map is identical: the cause really was the path.
for d in aaaa bbbb; do
	(cd "$T/bld/$d" && $LCC -g -O2 -ffile-prefix-map="$T/bld/$d"=/src -o fw-mapped.elf "$T/bld/$d/fw.c")
done
expect_exit "diff: with -ffile-prefix-map the two directories build identically" 0 \
	$D "$T/bld/aaaa/fw-mapped.elf" "$T/bld/bbbb/fw-mapped.elf"
expect_exit "diff --build-path names the directory as build-path" 1 \
	$D --build-path "$T/bld/aaaa" "$T/bld/aaaa/fw.elf" "$T/bld/bbbb/fw.elf"
check "diff --build-path: first hint build-path" grep -q '^likely causes: .*build-path' "$T/out"

# Compiler flags: -O1 against -O2 with -g, recorded in DW_AT_producer.
(cd "$T/bld/aaaa" && $LCC -g -O1 -ffile-prefix-map="$T/bld/aaaa"=/src -o fw-O1.elf "$T/bld/aaaa/fw.c")
expect_exit "diff: -O1 and -O2 builds differ" 1 $D "$T/bld/aaaa/fw-O1.elf" "$T/bld/aaaa/fw-mapped.elf"
check "diff: DW_AT_producer differs with a compiler hint" \
	bash -c "grep -A2 '^  \[compiler\] dwarf DW_AT_producer' '$T/out' | grep -q -- '-O1' &&
		grep -A2 '^  \[compiler\] dwarf DW_AT_producer' '$T/out' | grep -q -- '-O2'"

# Relocatable objects: DWARF strings come from the string tables.
for d in aaaa bbbb; do (cd "$T/bld/$d" && $LCC -g -O2 -c -o fw.o "$T/bld/$d/fw.c"); done
expect_exit "diff: objects built in two directories differ" 1 $D "$T/bld/aaaa/fw.o" "$T/bld/bbbb/fw.o"
check "diff: the object's debug strings carry a build-path hint" \
	grep -qE '^  \[build-path\] string \.debug_(line_)?str' "$T/out"

# The verifier's helper through the report's limit: a small cap still names the cause.
expect_exit "diff --max-report-lines 3: still exit 1" 1 $D --max-report-lines 3 "$T/t1.elf" "$T/t2.elf"
check "diff --max-report-lines 3: three lines and a note of the rest" \
	bash -c "[ \$(wc -l <'$T/out') -eq 4 ] && grep -q 'more lines' '$T/out' && grep -q timestamp '$T/out'"
