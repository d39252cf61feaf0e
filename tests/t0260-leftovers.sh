#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nothing is left behind for long: the work tree of a lockstep killed with
# SIGKILL is swept by the next run (and only that one: a live build's tree
# and a kept one stay), and a closed pipe stops lockstep and cleans up like
# Ctrl-C does.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r/src" "$T/tmp"
echo x >"$T/r/src/input.txt"
cat >"$T/r/slow.json" <<'JSON'
{"name": "slow", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000,
 "steps": ["sleep 30", "mkdir -p out && cp input.txt out/result"], "outputs": ["out/result"]}
JSON
cat >"$T/r/quick.json" <<'JSON'
{"name": "quick", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000,
 "steps": ["mkdir -p out && cp input.txt out/result"], "outputs": ["out/result"]}
JSON

# wait_for GLOB: until a path matches (10 s at most).
wait_for() {
	for _ in $(seq 100); do compgen -G "$1" >/dev/null && return 0; sleep 0.1; done
	return 1
}

TMPDIR="$T/tmp" "$LOCKSTEP" build -q "$T/r/slow.json" -o "$T/out-killed" &
killed=$!
check "a build makes its work tree below \$TMPDIR" wait_for "$T/tmp/lockstep-work-*"
kill -KILL $killed; wait $killed 2>/dev/null
check "SIGKILL leaves the work tree behind" compgen -G "$T/tmp/lockstep-work-*"
mkdir "$T/tmp/lockstep-work-kept" # evidence kept on purpose: no owner file
TMPDIR="$T/tmp" "$LOCKSTEP" build -q "$T/r/slow.json" -o "$T/out-live" &
live=$!
wait_for "$T/tmp/lockstep-work-*[!t]" # a second tree, besides the kept one
sleep 1
live_tree=$(ls -d "$T"/tmp/lockstep-work-* | while read -r d; do
	[ -f "$d/.lockstep-owner" ] && grep -q "^$live " "$d/.lockstep-owner" && echo "$d"; done)
check "the live build's tree records its owner" [ -n "$live_tree" ]
expect_exit "the next run of lockstep (any command) succeeds" 0 env TMPDIR="$T/tmp" "$LOCKSTEP" --version
check "... and has swept the killed build's tree" [ "$(ls -d "$T"/tmp/lockstep-work-* | grep -vc -e kept -e "$live_tree")" -eq 0 ]
check "... but not the live build's" [ -d "$live_tree" ]
check "... nor one kept without an owner" [ -d "$T/tmp/lockstep-work-kept" ]
kill -TERM $live; wait $live 2>/dev/null
check "SIGTERM removes the live build's tree itself" [ ! -e "$live_tree" ]

# A reader that goes away: lockstep check writes its report into a closed
# pipe, stops, and leaves nothing in $TMPDIR.
rm -rf "$T/tmp"/lockstep-*
TMPDIR="$T/tmp" "$LOCKSTEP" check "$T/r/quick.json" --vary time 2>/dev/null | head -c 1 >/dev/null
sleep 1
check "a closed pipe leaves no work tree behind" [ -z "$(ls -A "$T/tmp")" ]
