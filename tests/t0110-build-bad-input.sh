#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep build refuses bad recipes and bad outputs with one clear line,
# exit 2, and leaves the output directory exactly as it was.
. "$(dirname "$0")/lib.sh"

# A small recipe of our own, varied per case.
mk() { # DIR: a fresh recipe dir with a valid firmware-like recipe
	rm -rf "$1"; mkdir -p "$1/src"
	cat >"$1/src/Makefile" <<'MK'
all:
	mkdir -p out
	printf 'int f(void){return 1;}\n' > f.c
	$(CROSS_COMPILE)gcc -march=$(MARCH) -mabi=$(MABI) -g -c f.c -o out/f.o
MK
	cat >"$1/recipe.json" <<'JSON'
{"name": "tiny", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/f.o"]}
JSON
}
edit() { # DIR PYTHON-EXPR-ON-r
	python3 - "$1/recipe.json" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(r, open(sys.argv[1], "w"))
PY
}
# untouched DIR: passes when DIR still holds only the sentinel file
untouched() { [ "$(ls -A "$1")" = "sentinel" ]; }

R="$T/r"; OUT="$T/outdir"
mkdir -p "$OUT"; echo keep >"$OUT/sentinel"

mk "$R"
expect_exit "a valid small recipe builds" 0 "$LOCKSTEP" build -q "$R/recipe.json" -o "$T/ok"
expect_exit "-o under directories that do not exist yet creates them" 0 \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/new/parents/ok"
check "  ... and publishes the build there" test -s "$T/new/parents/ok/provenance.json"

mk "$R"; echo '{"name": "tiny",' >"$R/recipe.json"
expect_err "malformed JSON is refused naming the file" 2 "recipe.json: line [0-9]+: malformed JSON" \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"
check "malformed JSON: output directory untouched" untouched "$OUT"

mk "$R"; edit "$R" 'r["stpes"] = ["make"]'
expect_err "an unknown field is an error, not ignored" 2 '"stpes": unknown field' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; edit "$R" 'r["target"]["cpu"] = "x"'
expect_err "an unknown nested field is named with its path" 2 '"target.cpu": unknown field' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; rm -rf "$R/src"
expect_err "a missing source directory is refused" 2 '"source": "src": No such file or directory' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; edit "$R" 'r["outputs"] = ["out/f.o", "../../etc/passwd"]'
expect_err "an output path escaping the build directory is refused" 2 \
	'"outputs\[1\]": path escapes the build directory' "$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; edit "$R" 'r["version"] = "1.0"'
expect_err "a version that does not follow the firmware convention is refused" 2 '"version"' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; edit "$R" 'r["env"] = {"PATH": "/evil"}'
expect_err "a recipe may not override the sandbox's PATH" 2 '"env.PATH"' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; edit "$R" 'r["toolchain"] = "no-such-toolchain"'
expect_err "a missing toolchain pin is named" 2 'no-such-toolchain' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; edit "$R" 'r["steps"] = ["make", "ln -s /etc/passwd out/leak"]; r["outputs"] = ["out/leak"]'
expect_err "a symlink output pointing outside is refused" 2 '"outputs\[0\]": "out/leak" is a symlink' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"
check "symlink output: output directory untouched" untouched "$OUT"

mk "$R"; edit "$R" 'r["steps"] = ["make", "mkdir -p x/y && cd x/y && echo hi > ../../evil && tar -cf ../../out/bad.tar -P ../../evil"]; r["outputs"] = ["out/bad.tar"]'
expect_err "an output archive with a ../ member is refused" 2 'bad.tar.*\.\./' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"
check "../ member: output directory untouched" untouched "$OUT"

mk "$R"; edit "$R" 'r["steps"] = ["make", "exit 3"]'
expect_err "a failing step is named with its exit status and its log kept" 2 \
	'"?steps\[1\]"?: exited 3 \(log: ' "$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"
check "failing step: output directory untouched" untouched "$OUT"

# The reason is usually the log's last line: it is on the terminal, not
# only in the kept log; the earlier noise is not.
mk "$R"; edit "$R" 'r["steps"] = ["for i in $(seq 1 30); do echo noise $i; done; echo \"hello.c:3: error: the-reason\" >&2; exit 2"]'
expect_err "a failing step's message quotes the log's last lines" 2 \
	'^  \| hello\.c:3: error: the-reason$' "$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"
check "failing step: ten lines quoted, from the log's end" \
	[ "$(grep -c '^  | ' "$T/err")" -eq 10 -a "$(grep '^  | ' "$T/err" | head -1)" = "  | noise 22" ]
kept=$(sed -n 's/.*(log: \([^)]*\)).*/\1/p' "$T/err" | head -1)
[ -n "$kept" ] && rm -f "$kept"

mk "$R"; edit "$R" 'r["outputs"] = ["out/missing.o"]'
expect_err "an output the build did not produce is named" 2 '"out/missing.o" was not produced' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

mk "$R"; printf '__asm__(".section .comment\\n.string \\"GCC: (Foreign) 99.1\\"\\n");\n' >"$R/src/foreign.c"
sed -i 's|-c f.c -o out/f.o|-c f.c -o f1.o \&\& $(CROSS_COMPILE)gcc -march=$(MARCH) -mabi=$(MABI) -c foreign.c -o f2.o \&\& $(CROSS_COMPILE)ld -r f1.o f2.o -o out/f.o|' "$R/src/Makefile"
expect_err "an object naming a compiler other than the pinned one is refused" 2 'Foreign' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"
check "foreign compiler: output directory untouched" untouched "$OUT"

mk "$R"; edit "$R" 'r["steps"] = ["sleep 30"]; r["timeout"] = 2'
expect_err "the build's timeout stops a hanging step" 2 'timeout' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT"

marker="lockstep-marker-$$-$RANDOM"
mk "$R"; edit "$R" "r['steps'] = ['sleep 60 && echo $marker']"
"$LOCKSTEP" build -q "$R/recipe.json" -o "$OUT" 2>"$T/int.err" & pid=$!
sleep 3; kill -INT $pid; wait $pid; rc=$?
check "Ctrl-C mid-build exits 2" [ "$rc" -eq 2 ]
check "Ctrl-C mid-build leaves the output directory untouched" untouched "$OUT"
check "Ctrl-C mid-build leaves no staging directory" bash -c "! ls -a $T | grep -q '\.lockstep-'"
sleep 0.5
check "Ctrl-C mid-build leaves no sandboxed process running" bash -c "! pgrep -f '[l]${marker#l}' >/dev/null"
