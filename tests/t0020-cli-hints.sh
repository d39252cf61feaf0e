#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a person who mistypes sees: no command at all gets the command list
# and exit 2; a mistyped command or pin name gets a "did you mean" (and the
# pins there are); a word far from every name gets no guess; NO_COLOR turns
# colour off where it would be on by default, and an explicit --color still
# wins.
. "$(dirname "$0")/lib.sh"
unset LOCKSTEP_TOOLCHAINS
L=$LOCKSTEP

expect_exit "no command at all is a usage error" 2 "$L"
check "... that lists the commands" grep -q '^  build ' "$T/out"
expect_exit "lockstep --help is not" 0 "$L" --help
check "... and lists the same commands" grep -q '^  build ' "$T/out"
expect_err "a swapped pair of letters: did you mean \"build\"" 2 \
	'^lockstep: "biuld" is not a command; did you mean "build"\? \(see .lockstep help.\)$' "$L" biuld
expect_err "a letter missing: did you mean \"verify-signature\"" 2 \
	'did you mean "verify-signature"' "$L" verfy-signature
expect_err "a word near no command: no guess" 2 \
	'^lockstep: "frobnicate" is not a command \(see .lockstep help.\)$' "$L" frobnicate
expect_err "a two-letter word is not guessed at (two edits make anything)" 2 \
	'^lockstep: "xx" is not a command \(see' "$L" xx
expect_err "a mistyped pin: did you mean, and the pins there are" 2 \
	'toolchain "riscv64-unknown-efl": no pin .*; did you mean "riscv64-unknown-elf"\? \(pins: .*riscv64-linux-gnu, .*riscv64-unknown-elf.*\)$' \
	"$L" env show riscv64-unknown-efl
expect_err "a pin name near none: the pins, no guess" 2 \
	'toolchain "no-such-pin": no pin [^;]* \(pins: .*riscv64-linux-gnu' "$L" env show no-such-pin

# Colour is decided for a terminal: script(1) gives the command one.
printf 'a\nb\n' >"$T/a"
printf 'a\nc\n' >"$T/b"
tty_diff() { script -qec "$*" /dev/null </dev/null; }
if ! command -v script >/dev/null 2>&1; then
	skip "NO_COLOR: no script(1) to give lockstep diff a terminal"
	exit 0
fi
esc=$'\033['
out=$(tty_diff "$L" diff "$T/a" "$T/b")
case "$out" in *"$esc"*) pass "on a terminal, diff colours by default" ;; *) fail "on a terminal, diff colours by default" ;; esac
out=$(tty_diff env NO_COLOR=1 "$L" diff "$T/a" "$T/b")
case "$out" in *"$esc"*) fail "NO_COLOR=1: no colour" ;; *) pass "NO_COLOR=1: no colour" ;; esac
out=$(tty_diff env NO_COLOR= "$L" diff "$T/a" "$T/b")
case "$out" in *"$esc"*) pass "NO_COLOR set but empty counts as unset (no-color.org)" ;;
*) fail "NO_COLOR set but empty counts as unset (no-color.org)" ;; esac
out=$(tty_diff env NO_COLOR=1 "$L" diff --color=always "$T/a" "$T/b")
case "$out" in *"$esc"*) pass "--color=always wins over NO_COLOR" ;; *) fail "--color=always wins over NO_COLOR" ;; esac
