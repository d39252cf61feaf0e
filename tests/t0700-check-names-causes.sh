#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep check: a clean recipe is reproducible (exit 0); a recipe with one
# nondeterminism source is not (exit 1) and the variation named is that
# source, with diff's hint; randomness comes out as flaky, not as a cause.
. "$(dirname "$0")/lib.sh"

mk() { # NAME SHELL-LINE: a tiny recipe whose one step writes out/a.txt
	mkdir -p "$T/$1/src"
	printf 'all:\n\tmkdir -p out\n\t%s\n' "$2" >"$T/$1/src/Makefile"
	cat >"$T/$1/recipe.json" <<JSON
{"name": "$1", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/a.txt"]}
JSON
}
culprit() { grep -q "^culprit: $1: a.txt differs, hint $2" "$T/out"; }

mk clean 'echo same everywhere > out/a.txt'
expect_exit "a clean recipe is reproducible under the strict set" 0 \
	"$LOCKSTEP" check -q --strict "$T/clean/recipe.json"
check "the verdict lists the variations tried" grep -q "^reproducible under: time, host-path, build-path, hostname" "$T/out"

expect_exit "the default set: a clean recipe is reproducible ..." 0 \
	"$LOCKSTEP" check -q "$T/clean/recipe.json"
check "  ... and the report says which variations were not tried" \
	grep -qx "not tried (--strict or --vary adds them): build-path, hostname, user, env, tz, locale, umask, sde" "$T/out"

mk host 'hostname > out/a.txt'
expect_exit "a step writing the hostname is not reproducible" 1 \
	"$LOCKSTEP" check -q --vary=-all,hostname,user,umask "$T/host/recipe.json"
check "the culprit is hostname with the hostname hint" culprit hostname hostname

# Every output a variation changes is listed, the first one diffed.
mk two 'hostname > out/a.txt; echo same > out/b.txt; uname -n > out/c.txt'
sed -i 's|"outputs": \["out/a.txt"\]|"outputs": ["out/a.txt", "out/b.txt", "out/c.txt"]|' "$T/two/recipe.json"
expect_exit "a step writing the hostname into two of three outputs is not reproducible" 1 \
	"$LOCKSTEP" check -q --json --vary=-all,hostname "$T/two/recipe.json"
check "the culprit lists both changed outputs, not the unchanged one" python3 - "$T/out" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["culprits"]
assert [(x["variation"], x["artifact"], x["artifacts"]) for x in c] == [("hostname", "a.txt", ["a.txt", "c.txt"])], c
PY
expect_exit "  ... and the text report says what else differs" 1 \
	"$LOCKSTEP" check -q --vary=-all,hostname "$T/two/recipe.json"
check "  ... 'also differ: c.txt'" grep -qx '  also differ: c.txt' "$T/out"

# The host directory leaks into the sandbox only through mountinfo (the
# root of the /build bind mount): a step that records it depends on the
# host path, and check names host-path alone -- every build without the
# variation has the same host directory, so kernel and aslr are cleared.
mk hostpath 'while read -r i p m root at rest; do [ "$$at" != /build ] || echo "$$root"; done </proc/self/mountinfo >out/a.txt'
expect_exit "a step recording the host path of /build is not reproducible" 1 \
	"$LOCKSTEP" check -q --json --rounds 2 --vary=-all,host-path,kernel,aslr "$T/hostpath/recipe.json"
check "the one culprit is host-path (control rounds agree; kernel and aslr cleared)" python3 - "$T/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "not-reproducible", r["verdict"]
assert [c["variation"] for c in r["culprits"]] == ["host-path"], r["culprits"]
PY

mk date 'date +%s > out/a.txt'
expect_exit "a step embedding date +%s is not reproducible" 1 \
	"$LOCKSTEP" check -q --json "$T/date/recipe.json"
check "the culprit is time with the timestamp hint (json)" python3 - "$T/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "lockstep-check/1" and r["verdict"] == "not-reproducible", r
assert [(c["variation"], c["hint"]) for c in r["culprits"]] == [("time", "timestamp")], r["culprits"]
PY

mk cpus 'nproc > out/a.txt'
if [ "$(nproc)" -ge 2 ]; then
	expect_exit "a step writing nproc is not reproducible" 1 \
		"$LOCKSTEP" check -q --vary=-all,cpus,kernel,aslr "$T/cpus/recipe.json"
	check "the culprit is cpus" grep -q "^culprit: cpus: a.txt differs" "$T/out"
else
	skip "cpus: one CPU only, nothing to vary against"
fi

mk rand 'head -c 16 /dev/urandom | od -An -tx1 > out/a.txt'
expect_exit "a step reading /dev/urandom is flaky (exit 1)" 1 \
	"$LOCKSTEP" check -q --rounds 2 --vary=-all,hostname "$T/rand/recipe.json"
check "randomness is reported flaky and no variation is blamed" \
	bash -c "grep -q '^flaky: identical control builds differ' '$T/out' && ! grep -q '^culprit:' '$T/out'"

# (inside a tar output the umask is normalized away by lockstep build itself,
# so the mode is written as text)
mk mode 'touch x && stat -c %a x > out/a.txt'
expect_exit "a step recording a file mode created under the umask is not reproducible" 1 \
	"$LOCKSTEP" check -q --vary=-all,umask,tz "$T/mode/recipe.json"
check "the culprit is umask" grep -q "^culprit: umask: a.txt differs" "$T/out"

# The report names only paths that exist once check has returned: the
# builds' own directories are temporary.
expect_exit "a report without --keep ..." 1 \
	"$LOCKSTEP" check -q --vary=-all,hostname "$T/host/recipe.json"
check "  ... names no temporary directory, only the builds' labels" \
	bash -c '! grep -q /lockstep-check- "$1" && grep -q "^control/a.txt and hostname/a.txt differ" "$1"' _ "$T/out"
expect_exit "a report with --keep ..." 1 \
	"$LOCKSTEP" check -q --keep "$T/keep-host" --vary=-all,hostname "$T/host/recipe.json"
check "  ... names the kept copies, which exist" python3 - "$T/out" "$T/keep-host" <<'PY'
import os, re, sys
paths = set(re.findall(r"/\S+/a\.txt", open(sys.argv[1]).read()))
assert paths and all(p.startswith(sys.argv[2]) and os.path.exists(p) for p in paths), paths
PY

expect_err "--vary=-all is an error: nothing would be compared" 2 'nothing left to vary' \
	"$LOCKSTEP" check --vary=-all "$T/clean/recipe.json"
mk broken 'false'
expect_exit "a failing build is an error (exit 2) ..." 2 \
	"$LOCKSTEP" check -q --json --vary=-all,hostname "$T/broken/recipe.json"
check "  ... and --json still prints a JSON object saying so" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "lockstep-check/1" and r["verdict"] == "error" and "failed" in r["error"], r
assert r["recipe"] == "broken", r' "$T/out"

# A reader that goes away (check ... 2>&1 | head) stops the check, which
# removes its directories rather than dying on SIGPIPE.
expect_err "check makes its directories under \$TMPDIR" 2 'check: temporary directory' \
	env TMPDIR="$T/no-such-dir" "$LOCKSTEP" check -q --vary=-all,hostname "$T/host/recipe.json"
mkdir "$T/tmpdir"
TMPDIR="$T/tmpdir" "$LOCKSTEP" check --vary=-all,hostname "$T/host/recipe.json" 2>&1 | head -1 >/dev/null
check "a closed output leaves no temporary directory behind" \
	bash -c '[ -z "$(ls -A "$1")" ]' _ "$T/tmpdir"

expect_err "an unknown variation is a usage error" 2 'kernal": unknown variation' \
	"$LOCKSTEP" check --vary=-kernal "$T/clean/recipe.json"
expect_err "a missing recipe is an error naming it" 2 "nope.json" \
	"$LOCKSTEP" check "$T/nope.json"

# A matrix recipe is checked one cell at a time, named like build --cell.
M="$TOP/tests/data/ci/recipe.json"
expect_err "a matrix recipe without --cell is refused naming the option" 2 \
	'the recipe has a "matrix": check one cell with --cell' "$LOCKSTEP" check -q "$M"
expect_err "a cell with an unknown value is refused naming it" 2 'axis "board" has no value "nope"' \
	"$LOCKSTEP" check -q --cell board=nope,march=rv64gc_zicsr_zifencei "$M"
expect_exit "one cell of a matrix recipe is checked" 0 \
	"$LOCKSTEP" check -q --json --vary=-all,hostname --cell board=virt,march=rv64gc_zicsr_zifencei "$M"
check "  ... and the report names the cell" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "reproducible" and r["cell"] == "board=virt,march=rv64gc_zicsr_zifencei", r
' "$T/out"
