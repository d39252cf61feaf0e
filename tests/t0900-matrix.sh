#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Matrix recipes: the matrix is validated strictly, a matrix recipe needs a
# cell selector, --list shows the cells in their fixed order, --all builds
# every cell into its own directory (in parallel) with the cell recorded in
# its provenance and its values in its environment, one cell's provenance
# verifies on its own (the VSA names the cell), and --shard builds only its
# share.
. "$(dirname "$0")/lib.sh"

# mk NAME MATRIX-JSON [EXTRA-JSON]: a tiny recipe whose step writes the
# cell's variables into out/cell.txt.
mk() {
	mkdir -p "$T/$1/src"
	printf 'all:\n\tmkdir -p out\n\techo "board=$$BOARD march=$$MARCH level=$$LEVEL" > out/cell.txt\n' \
		>"$T/$1/src/Makefile"
	cat >"$T/$1/recipe.json" <<JSON
{"name": "$1", "kind": "firmware", "version": "fwT9.r1.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "matrix": $2 ${3:-},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/cell.txt"]}
JSON
}
B="$LOCKSTEP build"

# Bad matrices: exit 2, one line naming the file and matrix.AXIS.
mk empty '{"board": []}'
expect_err "an empty axis is an error naming matrix.board" 2 \
	"empty/recipe.json: \"matrix.board\": an axis needs at least one value" $B --list "$T/empty/recipe.json"
mk dup '{"board": ["virt", "virt"]}'
expect_err "a duplicate value is an error naming it" 2 \
	"dup/recipe.json: \"matrix.board\[1\]\": duplicate value \"virt\"" $B --list "$T/dup/recipe.json"
mk slash '{"board": ["a/b"]}'
expect_err "a value with '/' cannot name a directory: error" 2 \
	"\"matrix.board\[0\]\": \"a/b\" is not a cell value" $B --list "$T/slash/recipe.json"
mk clash '{"level": ["1"]}' ', "env": {"LEVEL": "2"}'
expect_err "an axis whose variable is also in env is an error" 2 \
	"\"matrix.level\": its variable LEVEL is also set in \"env\"" $B --all "$T/clash/recipe.json"

mk m '{"board": ["virt", "sifive_u"], "march": ["rv64imac", "rv64gc"], "level": ["1"]}'
R="$T/m/recipe.json"
expect_err "a matrix recipe without --cell/--all/--shard is refused" 2 \
	"has a \"matrix\": choose --cell SEL, --all or --shard I/N" $B -o "$T/none" "$R"
check "... and nothing was written" test ! -e "$T/none"
expect_err "--cell with an unknown axis names it" 2 \
	"m/recipe.json: cell \"cpu=x\": unknown axis \"cpu\"" $B --cell cpu=x "$R"
expect_err "--cell with an unknown value names it" 2 \
	"cell .*: axis \"board\" has no value \"qemu\"" $B --cell board=qemu,march=rv64gc,level=1 "$R"
expect_err "--cell missing an axis names it" 2 \
	"axis \"level\" is missing" $B --cell board=virt,march=rv64gc "$R"
expect_err "--shard 0/3 is refused" 2 '--shard "0/3"' $B --shard 0/3 "$R"
expect_err "--shard 4/3 is refused" 2 '--shard "4/3"' $B --shard 4/3 "$R"
expect_err "--shard 5/5 of 4 cells is an empty shard: refused, not an empty success" 2 \
	'--shard 5/5: .*m/recipe.json has 4 cells, so shard 5 is empty \(at most 4 shards\)' \
	$B --shard 5/5 -o "$T/empty-shard" "$R"
check "... and nothing was written" test ! -e "$T/empty-shard"
expect_err "--cell on a recipe without a matrix is refused" 2 \
	'has no "matrix": --cell needs one' $B --cell board=virt "$TOP/recipes/qemu-virt-firmware/recipe.json"

expect_exit "--list prints the cells" 0 $B --list "$R"
check "--list order: first axis slowest, values in declared order" diff -u - "$T/out" <<'EOF2'
board=virt,march=rv64imac,level=1
board=virt,march=rv64gc,level=1
board=sifive_u,march=rv64imac,level=1
board=sifive_u,march=rv64gc,level=1
EOF2
# The 8-cell demo matrix: for N = 1..7 the shards' lists, together, are the
# whole list, each cell exactly once, and the same on a second run.
M8="$TOP/recipes/qemu-virt-firmware/matrix.json"
check "shards 1..N of the 8-cell matrix cover every cell exactly once, for N = 1..7" bash -c '
	B=$1 M=$2; all=$($B --list "$M") || exit 1
	[ "$(printf "%s\n" "$all" | wc -l)" = 8 ] || exit 1
	for n in 1 2 3 4 5 6 7; do
		got=$(for i in $(seq 1 $n); do $B --list --shard $i/$n "$M" || exit 1; done)
		[ "$(printf "%s\n" "$got" | sort)" = "$(printf "%s\n" "$all" | sort)" ] || exit 1
		[ "$got" = "$(for i in $(seq 1 $n); do $B --list --shard $i/$n "$M"; done)" ] || exit 1
	done' _ "$B" "$M8"
expect_exit "--list --shard 2/3 --json" 0 $B --list --shard 2/3 --json "$R"
check "shard 2/3 holds cells 1 (and 4, 7, ...)" \
	test "$(jq -c .cells "$T/out")" = '["board=virt,march=rv64gc,level=1"]'

# A real parallel build of all four cells.
expect_exit "--all -j 2 builds every cell" 0 $B --all -j 2 --json -o "$T/all" "$R"
cp "$T/out" "$T/all.json"
check "the progress says [4/4] ... built" grep -qE '^\[4/4\] board=.*: built \([0-9.]+ s\)$' "$T/err"
n=0
while read -r cell; do
	b=$(sed -E 's/board=([^,]*),.*/\1/' <<<"$cell"); a=$(sed -E 's/.*march=([^,]*),.*/\1/' <<<"$cell")
	d="$T/all/$cell"
	[ "$(jq -r .predicate.buildDefinition.externalParameters.cell "$d/provenance.json")" = "$cell" ] &&
	[ "$(cat "$d/cell.txt")" = "board=$b march=$a level=1" ] && n=$((n + 1))
done < <($B --list "$R")
check "each cell's provenance records externalParameters.cell and its artifact its values" test "$n" -eq 4
check "--json lists each cell's directory and subjects" python3 - "$T/all.json" "$T/all" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["built"] == 4 and r["failed"] == 0, r
for c in r["cells"]:
    assert c["status"] == "built" and c["directory"] == sys.argv[2] + "/" + c["cell"], c
    assert [s["name"] for s in c["subject"]] == ["cell.txt"], c
PY
check "no staging directory is left behind" test -z "$(ls -A "$T/all" | grep '^\.')"

cell='board=sifive_u,march=rv64gc,level=1'
expect_exit "one cell's provenance verifies on its own" 0 \
	"$LOCKSTEP" verify -q --json -o "$T/v" "$T/all/$cell/provenance.json"
check "verify --json names the cell it rebuilt" test "$(jq -r .cell "$T/out")" = "$cell"
check "the VSA resourceUri names the cell" \
	test "$(jq -r .predicate.resourceUri "$T/v/verification.json")" = "urn:lockstep:recipe:m:fwT9.r1.20260112:$cell"
# Editing the recorded cell (still one of the recipe's) must not verify:
# the rebuilt artifact is another cell's.
jq -c --arg c 'board=virt,march=rv64gc,level=1' '.predicate.buildDefinition.externalParameters.cell = $c' \
	"$T/all/$cell/provenance.json" >"$T/other.json"
cp "$T/all/$cell/source.tar.zst" "$T/all/$cell/environment.json" "$T/"
expect_exit "a provenance claiming another cell does not verify (exit 1)" 1 \
	"$LOCKSTEP" verify -q -o "$T/v2" --source "$T/source.tar.zst" "$T/other.json"

expect_exit "--cell builds one cell into -o DIR" 0 $B -q --cell level=1,march=rv64gc,board=virt -o "$T/one" "$R"
check "... recording the canonical cell name" \
	test "$(jq -r .predicate.buildDefinition.externalParameters.cell "$T/one/provenance.json")" = "board=virt,march=rv64gc,level=1"

expect_exit "--shard 1/3 builds its cells" 0 $B -q --shard 1/3 -o "$T/s1" "$R"
check "shard 1/3 holds exactly cells 0 and 3" \
	test "$(ls "$T/s1" | sort | tr '\n' ' ')" = "board=sifive_u,march=rv64gc,level=1 board=virt,march=rv64imac,level=1 "

# A failing cell does not stop the others; the summary names it.
mk f '{"board": ["ok", "bad", "fine"]}'
printf 'all:\n\tmkdir -p out\n\ttest "$$BOARD" != bad\n\techo $$BOARD > out/cell.txt\n' >"$T/f/src/Makefile"
expect_err "a failing cell fails the run (exit 2)" 2 "1 of 3 cells failed" $B -j 1 --all -o "$T/f-out" "$T/f/recipe.json"
check "the summary names the failed cell and its log" grep -qE '^  board=bad: .*\(log: [^)]+\)' "$T/err"
check "the other cells were built" test -f "$T/f-out/board=ok/cell.txt" -a -f "$T/f-out/board=fine/cell.txt"
check "the failed cell has no directory" test ! -e "$T/f-out/board=bad"

# release: one cell at a time.
"$LOCKSTEP" keygen -o "$T/key" >/dev/null 2>&1
expect_err "release of a matrix recipe without --cell is refused" 2 \
	'has a "matrix": release one cell with --cell SEL' "$LOCKSTEP" release -q --key "$T/key" -o "$T/rel" "$R"
expect_exit "release --cell releases that cell" 0 \
	"$LOCKSTEP" release -q --cell march=rv64gc,board=virt,level=1 --key "$T/key" -o "$T/rel" "$R"
check "the bundle is named after the cell" test -f "$T/rel/m-fwT9.r1.20260112-board=virt,march=rv64gc,level=1.tar"
check "its signed summary names the cell" bash -c \
	"tar -xOf '$T/rel/m-fwT9.r1.20260112-board=virt,march=rv64gc,level=1.tar' verification.intoto.json | jq -r .payload | base64 -d | jq -e '.predicate.resourceUri == \"urn:lockstep:recipe:m:fwT9.r1.20260112:board=virt,march=rv64gc,level=1\"' >/dev/null"

# Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops
# every running cell and publishes nothing half-written.
mk slow '{"board": ["a", "b", "c"]}'
printf 'all:\n\tmkdir -p out\n\tsleep 60\n\techo $$BOARD > out/cell.txt\n' >"$T/slow/src/Makefile"
setsid "$LOCKSTEP" build -q --all -j 2 -o "$T/slow-out" "$T/slow/recipe.json" 2>"$T/slow.err" &
pid=$!
for _ in $(seq 100); do # until both running cells have their staging directories
	[ "$(ls -A "$T/slow-out" 2>/dev/null | grep -c '^\.')" -ge 2 ] && break
	sleep 0.2
done
sleep 1
kill -INT -- "-$pid"
wait "$pid"; rc=$?
check "an interrupted --all exits 2" test "$rc" -eq 2
check "... saying it was interrupted" grep -q "interrupted after 0 of 3 cells were built" "$T/slow.err"
check "... leaving no cell directory and no staging directory" test -z "$(ls -A "$T/slow-out")"
