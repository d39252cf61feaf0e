#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hostile recipe cannot hang lockstep or make what is hashed differ from
# what runs: a FIFO declared as an output is refused at once (as root and
# unprivileged), and a NUL inside a recipe string is refused before anything
# runs.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r/src" "$T/home-nobody"
echo x >"$T/r/src/input.txt"
recipe() { # file, steps JSON
	cat >"$1" <<JSON
{"name": "hostile", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": $2, "outputs": ["out/result"], "timeout": 60}
JSON
}
recipe "$T/r/fifo.json" '["mkdir -p out && mkfifo out/result"]'
chown -R 65534:65534 "$T/r" "$T/home-nobody"
for mode in root user; do
	run=(); [ "$mode" = user ] && run=(as_user)
	start=$(date +%s)
	expect_err "$mode: a FIFO output is refused as not a regular file" 2 \
		'"outputs\[0\]": "out/result" is not a regular file' \
		"${run[@]}" timeout 120 "$LOCKSTEP" build -q "$T/r/fifo.json" -o "$T/r/out-$mode"
	check "$mode: ... at once, without waiting for a writer" [ $(( $(date +%s) - start )) -lt 60 ]
done

# "echo safe\u0000; rm -rf ..." would run as "echo safe" while the recipe
# hashed and shown holds more.
printf '%s\n' '{"name": "nul", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["mkdir -p out && echo safe > out/result\u0000; echo hidden"],
 "outputs": ["out/result"]}' >"$T/r/nul.json"
expect_err "a \\u0000 inside a recipe string is refused" 2 'nul.json: line 4: a string holds \\u0000' \
	"$LOCKSTEP" build -q "$T/r/nul.json" -o "$T/out-nul"
check "... before any step ran" [ ! -e "$T/out-nul" ]
printf '%s\n' '{"name": "nul", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["mkdir -p out && echo '"'"'\\u0000'"'"' > out/result"],
 "outputs": ["out/result"]}' >"$T/r/escaped.json"
expect_exit "an escaped backslash before u0000 is an ordinary string" 0 \
	"$LOCKSTEP" build -q "$T/r/escaped.json" -o "$T/out-escaped"
check "... and the step saw it as text" [ "$(cat "$T/out-escaped/result" 2>/dev/null)" = '\u0000' ]
