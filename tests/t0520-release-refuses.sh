#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gate holds: a build that does not reproduce is never signed, and an
# interrupted release leaves nothing behind.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r/src" "$T/rel"; echo keep >"$T/rel/sentinel"
cat >"$T/r/src/Makefile" <<'MK'
all:
	mkdir -p out
	printf 'const char stamp[] = "%s";\n' "$$(date +%s%N)" > stamp.c
	$(CROSS_COMPILE)gcc -march=$(MARCH) -mabi=$(MABI) -g -c stamp.c -o out/stamp.o
MK
cat >"$T/r/recipe.json" <<'JSON'
{"name": "clocky", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/stamp.o"]}
JSON
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1

expect_err "release refuses a build that embeds the wall-clock time" 1 'not reproducible' \
	"$LOCKSTEP" release -q "$T/r/recipe.json" --key "$T/k" -o "$T/rel"
check "the refusal report names the differing artifact and its ELF section" \
	grep -qE 'stamp.o: rebuilt sha256 .* in section \.rodata' "$T/out"
check "nothing was signed or bundled: the output directory is untouched" \
	[ "$(ls -A "$T/rel")" = sentinel ]

expect_err "release with a public key instead of a private key is refused up front" 2 'k.pub' \
	"$LOCKSTEP" release -q "$T/r/recipe.json" --key "$T/k.pub" -o "$T/rel"

# A slow recipe with a marker in its step, so the check for stray processes
# sees only this test's sandbox; TMPDIR under $T so only our work dirs count.
marker="lockstep-marker-$$-$RANDOM"
mkdir -p "$T/slow/src" "$T/tmp"
cp "$T/r/src/Makefile" "$T/slow/src/"
python3 - "$T/r/recipe.json" "$T/slow/recipe.json" "$marker" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["name"] = "slow"
r["steps"] = ["make", "sleep 60 && echo " + sys.argv[3]]
json.dump(r, open(sys.argv[2], "w"))
PY
for sig in INT TERM; do
	for delay in 1 9; do
		TMPDIR="$T/tmp" "$LOCKSTEP" release -q "$T/slow/recipe.json" --key "$T/k" -o "$T/rel" 2>/dev/null &
		pid=$!
		sleep $delay; kill -$sig $pid; wait $pid; rc=$?
		check "SIG$sig after ${delay}s: release exits non-zero" [ "$rc" -ne 0 ]
		check "SIG$sig after ${delay}s: no partial bundle" [ "$(ls -A "$T/rel")" = sentinel ]
		sleep 0.3
		check "SIG$sig after ${delay}s: no stray sandboxed process" bash -c "! pgrep -f '[l]${marker#l}' >/dev/null"
		check "SIG$sig after ${delay}s: no work directory left" [ -z "$(ls -A "$T/tmp")" ]
	done
done
