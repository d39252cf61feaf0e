#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nothing is left behind for long: the work tree of a lockstep killed with
# SIGKILL is swept by the next run that makes a work tree of its own (and
# only that one: a live build's tree and a kept one stay), and a closed
# pipe stops lockstep and cleans up like Ctrl-C does.
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
check "a build makes its work tree below \$TMPDIR, its owner recorded" wait_for "$T/tmp/lockstep-work-*/.lockstep-owner"
kill -KILL $killed; wait $killed 2>/dev/null
check "SIGKILL leaves the work tree behind" compgen -G "$T/tmp/lockstep-work-*"
mkdir "$T/tmp/lockstep-work-kept" # evidence kept on purpose: no owner file
killed_tree=$(ls -d "$T"/tmp/lockstep-work-* | grep -v kept)
# A command that makes no work tree (a diff, --version) leaves $TMPDIR alone.
TMPDIR="$T/tmp" "$LOCKSTEP" --version >/dev/null
TMPDIR="$T/tmp" "$LOCKSTEP" diff "$T/r/quick.json" "$T/r/quick.json" >/dev/null
check "a run that makes no work tree sweeps nothing" [ -d "$killed_tree" ]
TMPDIR="$T/tmp" "$LOCKSTEP" build -q "$T/r/slow.json" -o "$T/out-live" &
live=$!
live_tree=
for _ in $(seq 100); do
	live_tree=$(grep -l "^$live " "$T"/tmp/lockstep-work-*/.lockstep-owner 2>/dev/null)
	[ -n "$live_tree" ] && break
	sleep 0.1
done
live_tree=${live_tree%/.lockstep-owner}
check "the next build's tree records its owner" [ -n "$live_tree" ]
check "... and that build has swept the killed build's tree" [ ! -e "$killed_tree" ]
expect_exit "a build beside a live one succeeds" 0 \
	env TMPDIR="$T/tmp" "$LOCKSTEP" build -q "$T/r/quick.json" -o "$T/out-next"
check "... and sweeps neither the live build's tree" [ -d "$live_tree" ]
check "... nor one kept without an owner" [ -d "$T/tmp/lockstep-work-kept" ]
kill -TERM $live; wait $live 2>/dev/null
check "SIGTERM removes the live build's tree itself" [ ! -e "$live_tree" ]

# A reader that goes away: lockstep check writes its report into a closed
# pipe, stops, and leaves nothing in $TMPDIR.
rm -rf "$T/tmp"/lockstep-*
TMPDIR="$T/tmp" "$LOCKSTEP" check "$T/r/quick.json" --vary time 2>/dev/null | head -c 1 >/dev/null
sleep 1
check "a closed pipe leaves no work tree behind" [ -z "$(ls -A "$T/tmp")" ]
