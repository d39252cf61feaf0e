#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A long step is not silent: on a terminal one line, rewritten in place
# (\r) at most a few times a second, shows the step, the time so far and
# the step's last line of output; elsewhere (a CI log, a pipe) the step's
# live log is named once, when it starts, and nothing is rewritten.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { skip "script(1) is not installed"; exit 0; }
R="$T/r"
mkdir -p "$R/src"
cat >"$R/recipe.json" <<'JSON'
{"name": "slow", "kind": "driver", "version": "v1.0.0", "source": "src",
 "environment": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000,
 "steps": ["for i in 1 2 3 4 5 6; do echo compiling-unit-$i; sleep 0.5; done; mkdir out; echo x >out/x"],
 "outputs": ["out/x"]}
JSON

# script(1) gives the build a terminal; its transcript is what a person saw.
script -qec "$LOCKSTEP build $R/recipe.json -o $T/o1" "$T/tty.log" >/dev/null 2>&1 </dev/null
check "on a terminal the build succeeds" test -f "$T/o1/provenance.json"
tr '\r' '\n' <"$T/tty.log" >"$T/tty.lines"
check "  a line shows the step, the elapsed time and the step's last output line" \
	grep -qE '\[ *[0-9]+\.[0-9]s\] step 1/1  compiling-unit-[2-5]$' "$T/tty.lines"
check "  the line is rewritten in place (\\r), as the output moves on" \
	sh -c "grep -qP '\\r\\e\\[Klockstep: .*compiling-unit-2' '$T/tty.log' && grep -q 'step 1/1  compiling-unit-4' '$T/tty.lines'"
n=$(grep -cE 'step 1/1  compiling' "$T/tty.lines")
check "  at most a few times a second ($n rewrites in a 3-second step)" test "$n" -le 20
check "  and cleared once the step is over (the next line starts clean)" \
	grep -qP 'compiling-unit-6\r\e\[Klockstep: \[ *[0-9.]+s\] [0-9a-f]{64}  x' "$T/tty.log"

"$LOCKSTEP" build "$R/recipe.json" -o "$T/o2" 2>"$T/pipe.err" </dev/null
check "off a terminal nothing is rewritten in place" sh -c "! grep -q \$'\\r' '$T/pipe.err'"
check "  the step's live log is named once, when it starts" \
	test "$(grep -c 'step 1/1: .*(live log: /.*build.log)' "$T/pipe.err")" -eq 1
check "  and no output line of the step is echoed" sh -c "! grep -q 'compiling-unit-[0-9]' '$T/pipe.err'"
"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o3" >"$T/q.out" 2>"$T/q.err" </dev/null
script -qec "$LOCKSTEP build -q $R/recipe.json -o $T/o4" "$T/tty-q.log" >/dev/null 2>&1 </dev/null
check "-q prints nothing, on a terminal or not" sh -c "[ ! -s '$T/q.err' ] && ! grep -q compiling '$T/tty-q.log'"
