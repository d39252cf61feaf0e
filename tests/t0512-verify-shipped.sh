#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# verify --artifact: when the rebuild is identical to the provenance but a
# shipped file is not one of its subjects, the verdict says exactly that
# (the artifact does not match the provenance) and not "not reproducible",
# which would blame the build for what happened to the file after it.
# The exit status stays 1: either way the shipped file is not vouched for.
. "$(dirname "$0")/lib.sh"

R="$T/r"
mkdir -p "$R/src"
cat >"$R/src/Makefile" <<'MK'
all:
	mkdir -p out && echo firmware >out/fw.bin && echo table >out/table.bin
MK
cat >"$R/recipe.json" <<'JSON'
{"name": "shipped", "kind": "driver", "version": "v1.0.0", "source": "src",
 "environment": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/fw.bin", "out/table.bin"]}
JSON
"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/b" || fail "the build"
P="$T/b/provenance.json"

mkdir -p "$T/ship"
cp "$T/b/fw.bin" "$T/ship/fw.bin"
echo tampered >"$T/ship/table.bin"
expect_exit "a tampered shipped file fails verify (exit 1)" 1 \
	"$LOCKSTEP" verify -q "$P" --artifact "$T/ship/fw.bin" --artifact "$T/ship/table.bin" -o "$T/v1"
check "  the verdict: the rebuild is identical, the shipped file does not match the provenance" \
	grep -q "FAILED: every artifact rebuilt byte for byte, but 1 shipped file does not match the provenance" "$T/out"
check "  ... not \"not reproducible\"" sh -c "! grep -q 'not reproducible' '$T/out'"
check "  the tampered file is named with the subject it claims to be and both digests" \
	grep -qE "table.bin: shipped file sha256 [0-9a-f]{64} matches no subject .*: does not match the provenance's \"table.bin\" \(sha256 [0-9a-f]{64}\)" "$T/out"
check "  the untouched one is still reported as matching" grep -q "ship/fw.bin: shipped file matches a rebuilt subject" "$T/out"
check "  no verification summary is written" test ! -e "$T/v1/verification.json"

expect_exit "--json says the same" 1 \
	"$LOCKSTEP" verify -q "$P" --artifact "$T/ship/table.bin" -o "$T/v2" --json
check "  reproducible true, shipped artifacts false" \
	jq -e '.result == "FAILED" and .reproducible == true and .shipped_artifacts_match == false' "$T/out" >/dev/null

echo x >"$T/b/fw.bin"   # the recorded copy beside the provenance, altered
echo different >>"$T/b/table.bin"
python3 - "$P" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["subject"][0]["digest"]["sha256"] = "0" * 64
json.dump(p, open(sys.argv[1], "w"))
PY
expect_exit "a record the rebuild does not match is still \"not reproducible\"" 1 \
	"$LOCKSTEP" verify -q "$P" -o "$T/v3"
check "  ... so it says" grep -q "FAILED: not reproducible" "$T/out"
