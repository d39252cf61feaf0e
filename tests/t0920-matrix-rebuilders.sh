#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Independent rebuilders across machines, end to end, through
# scripts/demo-matrix on a tiny 3-cell matrix: three "machines" build one
# shard each (separate processes, homes, stores and keys), three rebuilders
# verify every cell with their own keys, the summaries merge into one signed
# release summary and meet a 2-of-3 (and 3-of-3) policy.  A cell that does
# not rebuild identically makes the whole run fail; every run starts clean.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
export LOCKSTEP_TOOLCHAINS="${LOCKSTEP_TOOLCHAINS:-$TOP/toolchains}"
unset LOCKSTEP_PASSPHRASE

mk() { # NAME MAKE-LINE: a 3-cell matrix recipe whose step writes out/fw.txt
	mkdir -p "$T/$1/src"
	printf 'all:\n\tmkdir -p out\n\t%s\n' "$2" >"$T/$1/src/Makefile"
	cat >"$T/$1/recipe.json" <<JSON
{"name": "$1", "kind": "firmware", "version": "fwT9.r2.20260112", "source": "src",
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "matrix": {"board": ["virt", "sifive_u", "spike"]},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/fw.txt"]}
JSON
}
D=$T/demo
demo() { DEMO_MATRIX_DIR=$D SHARDS=3 REBUILDERS=3 REQUIRE=2 "$TOP/scripts/demo-matrix" "$L" "$@"; }

mk tri 'echo "firmware for $$BOARD" > out/fw.txt'
expect_exit "three machines build, three rebuilders verify, 2-of-3 is met" 0 demo "$T/tri/recipe.json"
check "the demo ends saying the policy is met for 3 artifacts in 3 cells" \
	grep -q "3 artifacts in 3 cells; 9 of 9 summaries counted from 3 trusted rebuilders; policy 2-of-3: MET" "$T/out"
check "each machine built exactly its one cell of the shard, and together all three" \
	test "$(cd "$D" && ls machine-1/build machine-2/build machine-3/build | grep -c '^board=')" = 3
check "each machine had its own home, store and key" \
	sh -c "cd '$D' && test -d machine-1/lockstep-home/store && test -d machine-3/home &&
	       ! cmp -s machine-1/key.pub machine-2/key.pub && ! cmp -s rebuilder-1/key.pub rebuilder-3/key.pub"
for j in 1 2 3; do
	check "rebuilder $j signed one summary per cell, each verifying with its key only" sh -c "
		cd '$D/rebuilder-$j/summaries' && test \$(ls | wc -l) = 3 &&
		for f in *.intoto.json; do '$L' verify-signature \"\$f\" --pubkey ../key.pub >/dev/null || exit 1
			! '$L' verify-signature \"\$f\" --pubkey '$D/machine-1/key.pub' >/dev/null 2>&1 || exit 1; done"
done
check "each summary's resourceUri names its cell" python3 - "$D" <<'PY'
import base64, glob, json, os, sys
fs = glob.glob(os.path.join(sys.argv[1], "rebuilder-*/summaries/*.intoto.json"))
assert len(fs) == 9, fs
for f in fs:
    st = json.loads(base64.b64decode(json.load(open(f))["payload"]))
    cell = os.path.basename(f)[: -len(".intoto.json")]
    assert st["predicate"]["resourceUri"] == "urn:lockstep:recipe:tri:fwT9.r2.20260112:" + cell, (f, st["predicate"]["resourceUri"])
PY
cd "$D" || exit 2
expect_exit "the same summaries meet 3-of-3" 0 \
	"$L" attest agree --require 3 --pubkeys release/trusted rebuilder-*/summaries/*.intoto.json
check "every artifact is agreed by 3 keys, one per cell" \
	test "$(grep -c '^agreed: urn:lockstep:recipe:tri:fwT9.r2.20260112:board=[a-z_]* "fw.txt": sha256 [0-9a-f]*, 3 keys' "$T/out")" = 3
expect_exit "--recipe: summaries covering every cell of the recipe meet 2-of-3" 0 \
	"$L" attest agree --require 2 --pubkeys release/trusted --recipe "$T/tri/recipe.json" \
	rebuilder-*/summaries/*.intoto.json
expect_exit "--recipe: a cell nobody vouched for fails the policy" 1 \
	"$L" attest agree --require 2 --pubkeys release/trusted --recipe "$T/tri/recipe.json" \
	rebuilder-*/summaries/board=virt.intoto.json rebuilder-*/summaries/board=spike.intoto.json
check "the missing cell's artifact is named, with no keys" grep -qx \
	'too few keys: urn:lockstep:recipe:tri:fwT9.r2.20260112:board=sifive_u "fw.txt": 0 keys, 2 required:' "$T/out"
expect_exit "without --recipe the missing cell goes unnoticed (what --recipe is for)" 0 \
	"$L" attest agree --require 2 --pubkeys release/trusted \
	rebuilder-*/summaries/board=virt.intoto.json rebuilder-*/summaries/board=spike.intoto.json
expect_exit "two rebuilders' summaries alone do not meet 3-of-3" 1 \
	"$L" attest agree --require 3 --pubkeys release/trusted rebuilder-[12]/summaries/*.intoto.json
check "the release summary's subjects are the three cells' artifacts" python3 - release/summary.json <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
uris = sorted(s["annotations"]["resourceUri"].rsplit(":", 1)[1] for s in st["subject"])
assert uris == ["board=sifive_u", "board=spike", "board=virt"], uris
assert len(st["predicate"]["rebuilders"]) == 3 and st["predicate"]["rejected"] == []
PY
check "the release summary's signature verifies with the plain openssl command line" sh -c '
	python3 -c "import json,base64,sys; e=json.load(open(\"release/summary.intoto.json\"))
open(\"p.bin\",\"wb\").write(base64.b64decode(e[\"payload\"])); open(\"s.bin\",\"wb\").write(base64.b64decode(e[\"signatures\"][0][\"sig\"]))
t=e[\"payloadType\"]; open(\"pae.bin\",\"wb\").write(b\"DSSEv1 %d %s %d \" % (len(t), t.encode(), len(open(\"p.bin\",\"rb\").read())) + open(\"p.bin\",\"rb\").read())" &&
	openssl pkeyutl -verify -pubin -inkey release/key.pub -rawin -in pae.bin -sigfile s.bin >/dev/null &&
	printf x >>pae.bin && ! openssl pkeyutl -verify -pubin -inkey release/key.pub -rawin -in pae.bin -sigfile s.bin >/dev/null 2>&1'
cd "$T" || exit 2

# A second run in the same place starts clean; a cell that does not
# rebuild identically fails the run and is named.
touch "$D/leftover-from-run-1"
mk shaky 'if [ "$$BOARD" = spike ]; then head -c 8 /dev/urandom | od -An -tx1; else echo "fw $$BOARD"; fi > out/fw.txt'
expect_exit "a cell whose rebuild differs fails the whole run" 1 \
	env DEMO_MATRIX_DIR="$D" SHARDS=2 REBUILDERS=1 REQUIRE=1 "$TOP/scripts/demo-matrix" "$L" "$T/shaky/recipe.json"
check "the failure names verification and the rebuilder" grep -q "verification on rebuilder-[123] failed" "$T/err"
check "the log names the differing artifact" grep -rq "fw.txt" "$D"/rebuilder-1/log
check "the second run wiped the first run's work directory" test ! -e "$D/leftover-from-run-1"
