#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# verify keeps its rebuild directory only when it is evidence: removed
# after an identical rebuild (a kernel's is hundreds of MB), kept when the
# rebuild differs, and kept on request with --keep.
. "$(dirname "$0")/lib.sh"

R="$T/r"
mkdir -p "$R/src"
cat >"$R/recipe.json" <<'JSON'
{"name": "clean", "kind": "driver", "version": "v1.0.0", "source": "src",
 "environment": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["mkdir out && echo v1 >out/v.bin"], "outputs": ["out/v.bin"]}
JSON
"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/b" || fail "the build"
P="$T/b/provenance.json"

expect_exit "an identical rebuild passes" 0 "$LOCKSTEP" verify -q "$P" -o "$T/v1"
check "  the summary is written" test -s "$T/v1/verification.json"
check "  the rebuild directory is removed after success" test ! -e "$T/v1/rebuild"
expect_exit "with --keep" 0 "$LOCKSTEP" verify -q --keep "$P" -o "$T/v2"
check "  it stays" test -f "$T/v2/rebuild/v.bin"
python3 - "$P" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["subject"][0]["digest"]["sha256"] = "0" * 64
json.dump(p, open(sys.argv[1], "w"))
PY
expect_exit "a different rebuild fails" 1 "$LOCKSTEP" verify -q "$P" -o "$T/v3"
check "  and its rebuild directory stays, as evidence" test -f "$T/v3/rebuild/v.bin"
