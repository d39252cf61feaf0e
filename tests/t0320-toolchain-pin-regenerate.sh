#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `toolchain pin` is deterministic: regenerating each committed pin from
# what apt and dpkg say gives the committed file byte for byte.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP

for name in riscv64-linux-gnu riscv64-unknown-elf; do
	pin="$TOP/toolchains/$name.json"
	read -r pkgs prefix < <(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
print(",".join(x["name"] for x in p["packages"]), p["prefix"])' "$pin")
	expect_exit "$name: pin regenerates from apt and dpkg" 0 \
		"$L" toolchain pin "$name" --packages "$pkgs" --prefix "$prefix" -o "$T/$name.json"
	check "$name: the regenerated pin is byte-identical to the committed one" \
		cmp -s "$T/$name.json" "$pin"
done

expect_err "pin without --packages is a usage error" 2 'needs --packages and --prefix' \
	"$L" toolchain pin x --prefix riscv64-linux-gnu-
expect_err "pin of a package that is not installed names it" 1 \
	'package "no-such-package-riscv64": not installed' \
	"$L" toolchain pin x --packages no-such-package-riscv64 --prefix riscv64-linux-gnu- -o "$T/x.json"
check "... and writes no file" test ! -e "$T/x.json"
