#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every input the fuzzers found a crash, leak, hang or undefined behaviour
# with (tests/fuzz/regressions/NAME/) and every seed, replayed through the
# harness's own code built by the ordinary compiler (UNIT_DIR/replay_NAME;
# in CI's sanitizer pass with ASan, UBSan and leak detection).
. "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	n=${src##*/fuzz_}; n=${n%.c}
	bin=$UNIT_DIR/replay_$n
	if [ ! -x "$bin" ]; then fail "$n: $bin is not built"; continue; fi
	for d in regressions seeds; do
		[ -d "$TOP/tests/fuzz/$d/$n" ] || continue
		expect_exit "$n: the $d replay cleanly" 0 "$bin" "$TOP/tests/fuzz/$d/$n"
	done
done

# What the fixes say, beyond not crashing.
f=$TOP/tests/fuzz/regressions/diff/cpio-huge-name
head -c $(( $(stat -c %s "$f") / 2 )) "$f" >"$T/a"
{ cat "$T/a"; printf x; } >"$T/b"
"$LOCKSTEP" diff "$T/a" "$T/b" >"$T/out" 2>&1
check "diff: a cpio member claiming a 3.5 GB name in 806 bytes is refused before libarchive allocates it" \
	grep -q 'claims a 3573415936-byte name and 0 bytes, past the end' "$T/out"
