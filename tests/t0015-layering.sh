#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The layering of docs/hacking.md holds in the tree (make lint runs the same
# check), and scripts/check-layers names what breaks it: an include from a
# lower folder of a higher one, with the file and line, and a module folder
# the check has no rule for.
. "$(dirname "$0")/lib.sh"

expect_exit "the tree keeps its layering" 0 "$TOP/scripts/check-layers"

# A copy of the layout with one include against the rules.
mkdir -p "$T/t/scripts" "$T/t/core" "$T/t/diff" "$T/t/verifier"
cp "$TOP/scripts/check-layers" "$T/t/scripts/"
echo 'MODULES  := core diff verifier' >"$T/t/GNUmakefile"
printf '#include "core/alloc.h"\n' >"$T/t/verifier/ok.c"
printf '#include <stdio.h>\n#include "core/alloc.h"\n#include "verifier/verify.h"\n' >"$T/t/diff/bad.c"
"$T/t/scripts/check-layers" >"$T/out" 2>&1; rc=$?
check "diff/ including verifier/ fails the check" [ "$rc" -eq 1 ]
check "... naming the file, the line and what diff/ may use" \
	grep -q '^diff/bad.c:3: includes verifier/verify.h, but diff/ may use only: diff/ ' "$T/out"
check "... and nothing else" [ "$(wc -l <"$T/out")" -eq 1 ]

rm "$T/t/diff/bad.c"
echo 'MODULES  := core diff verifier gadgets' >"$T/t/GNUmakefile"
"$T/t/scripts/check-layers" >"$T/out" 2>&1; rc=$?
check "a module folder with no rule fails the check" [ "$rc" -eq 1 ]
check "... naming it" grep -q '^GNUmakefile: module gadgets/ is not in' "$T/out"
