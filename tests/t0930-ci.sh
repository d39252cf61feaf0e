#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep ci github|gitlab: the emitted workflows match the golden files
# byte for byte, parse (libyaml, through the binary's --json) into one job
# per role with the shard matrix, the needs chain and verification on other
# runners; bad input is refused with exit 2 and nothing written.  Then the
# role scripts really run, runner by runner, in separate directories with
# separate keys: every cell built, verified twice, and the gate passes
# 2-of-2 -- and fails when a summary is missing or signed by an outsider.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
export LOCKSTEP_TOOLCHAINS="${LOCKSTEP_TOOLCHAINS:-$TOP/toolchains}"
unset LOCKSTEP_PASSPHRASE
D=tests/data/ci
R=$D/recipe.json
C=$D/ci.json
cd "$TOP" || exit 2

# golden NAME FILE CMD...: CMD's stdout must be FILE byte for byte.
golden() {
	local name=$1 file=$2; shift 2
	if ! "$@" >"$T/golden.out" 2>"$T/golden.err"; then
		fail "$name (exit $?)"; sed 's/^/    /' "$T/golden.err"; return
	fi
	if cmp -s "$file" "$T/golden.out"; then pass "$name"; else
		fail "$name (differs from $file; if the change is intended, regenerate it with the command in its header)"
		diff -u "$file" "$T/golden.out" | head -40 | sed 's/^/    /'
	fi
}

golden "ci github prints the golden workflow" $D/github.yml \
	"$L" ci github $R --shards 3 --config $C
golden "ci gitlab prints the golden pipeline" $D/gitlab.yml \
	"$L" ci gitlab $R --build-runner rv-build --verify-runner rv-a --verify-runner rv-b \
	--verify-runner rv-c --gate-runner rv-gate --pubkeys ci/keys --config $C

# The structure, as libyaml reads the YAML back (the binary's --json).
"$L" ci github $R --shards 3 --config $C --json >"$T/gh.json" 2>"$T/err" || fail "ci github --json"
gh() { jq -e "$1" "$T/gh.json" >/dev/null; }
check "github: exactly one job per role: build, verify, gate" \
	gh '.jobs | keys == ["build", "gate", "verify"]'
check "github: build's matrix is shards 1..3 of the recipe, with the shard count" \
	gh '.jobs.build.strategy.matrix == {"recipe": ["tests/data/ci/recipe.json"], "shards": ["3"], "shard": ["1", "2", "3"]}'
check "github: verify runs over the same shards for verifiers 1 and 2" \
	gh '.jobs.verify.strategy.matrix.shard == ["1", "2", "3"] and .jobs.verify.strategy.matrix.verifier == ["1", "2"]'
check "github: verify needs build, gate needs verify" \
	gh '.jobs.verify.needs == ["build"] and .jobs.gate.needs == ["verify"]'
check "github: every verifier's runner differs from the build runner and from each other" \
	gh '.jobs.build."runs-on" as $b | [.jobs.verify.strategy.matrix.include[].runner] as $v
	    | ($v | length) == 2 and ($v | unique | length) == 2 and ($v | index($b)) == null'
check "github: each verifier reads its own key secret" \
	gh '[.jobs.verify.strategy.matrix.include[].key] == ["LOCKSTEP_VERIFY_KEY_1", "LOCKSTEP_VERIFY_KEY_2"]'
check "github: the key reaches only the verify step, not the job (whose actions would see it)" \
	gh '(.jobs.verify.env | has("LOCKSTEP_KEY_PEM") | not)
	    and .jobs.verify.steps[3].env.LOCKSTEP_KEY_PEM == "${{ secrets[matrix.key] }}"
	    and ([.jobs.verify.steps[] | select(.uses) | has("env")] | all(. == false))'
check "github: a verify job empties its workspace before downloading (self-hosted runners keep it)" \
	gh '(.jobs.verify.steps[0].run | test("rm -rf out verify vsa")) and (.jobs.verify.steps[2].uses | test("download-artifact"))'
check "github: the gate runs after a failed verifier (k-of-n decides) and requires 2" \
	gh '.jobs.gate.if == "${{ !cancelled() }}" and (.jobs.gate.steps[4].run | test("attest agree --require 2 "))'
check "github: the build passes --shard I/N" gh '.jobs.build.steps[2].run | test("--shard \"\\$SHARD/\\$SHARDS\"")'

"$L" ci gitlab $R --shards 2 --verify-runner a --verify-runner b --verify-runner c --config $C --json \
	>"$T/gl.json" 2>"$T/err" || fail "ci gitlab --json"
check "github: the published release is kept 90 days, not the default retention" \
	gh '[.jobs.gate.steps[] | select(.with.name == "release")][0].with["retention-days"] == "90"'
gl() { jq -e "$1" "$T/gl.json" >/dev/null; }
check "gitlab: the release is kept a year; the shards' work a week" \
	gl '.gate.artifacts.expire_in == "1 year" and .build.artifacts.expire_in == "1 week"'
check "gitlab: stages build, verify, gate and one job each" \
	gl '.stages == ["build", "verify", "gate"] and (keys == ["build", "default", "gate", "stages", "variables", "verify"])'
check "gitlab: build's parallel matrix is shards 1..2 of the recipe" \
	gl '.build.parallel.matrix == [{"RECIPE": "tests/data/ci/recipe.json", "SHARDS": "2", "SHARD": ["1", "2"]}]'
check "gitlab: one verify matrix entry per verifier, each with its own runner tag" \
	gl '[.verify.parallel.matrix[] | .VERIFY_RUNNER] == ["a", "b", "c"] and .verify.tags == ["$VERIFY_RUNNER"]
	    and ([.verify.parallel.matrix[] | .SHARD] | unique) == [["1", "2"]]'
check "gitlab: verify needs build; the gate waits for its stage (no needs: GitLab caps them) and runs always" \
	gl '.verify.needs == ["build"] and (.gate | has("needs") | not) and .gate.when == "always"'
check "gitlab: each verifier's jobs run in its own environment, the scope of its key variable; the gate in its own" \
	gl '.verify.environment == {"name": "lockstep-verifier-$VERIFIER", "action": "prepare"}
	    and (.build | has("environment") | not) and .gate.environment == {"name": "lockstep-gate", "action": "prepare"}'
check "gitlab: no verifier runs on the build runner" \
	gl '.build.tags[0] as $b | [.verify.parallel.matrix[] | .VERIFY_RUNNER] | index($b) == null'

check "every emitted script is valid shell" bash -c '
	for q in ".jobs.build.steps[1].run" ".jobs.build.steps[2].run" ".jobs.verify.steps[3].run" ".jobs.gate.steps[4].run"; do
		jq -r "$q" "$1" | bash -n || exit 1; done
	for q in ".default.before_script[0]" ".build.script[0]" ".verify.script[0]" ".gate.script[0]"; do
		jq -r "$q" "$2" | sh -n || exit 1; done' _ "$T/gh.json" "$T/gl.json"

"$L" ci github recipes/qemu-virt-firmware/recipe.json --config $C --json >"$T/one.json" 2>"$T/err"
check "a recipe without a matrix is one shard built without --shard" jq -e '
	.jobs.build.strategy.matrix.shard == ["1"]
	and (.jobs.build.steps[2].run | test("-o \"out/shard-1/qemu-virt-firmware\"") and (test("--shard") | not))' "$T/one.json"

expect_exit "-o writes the same bytes as stdout" 0 "$L" ci github $R --shards 3 --config $C -o "$T/wf.yml"
check "-o file equals the golden file" cmp -s "$T/wf.yml" $D/github.yml

# Bad input: exit 2, one line naming what is wrong, nothing written.
expect_err "a missing recipe is named" 2 'no/such/recipe.json' "$L" ci github no/such/recipe.json
expect_err "an unknown engine is named" 2 '"jenkins": unknown engine' "$L" ci jenkins $R
expect_err "no engine at all" 2 'expected an engine' "$L" ci
expect_err "no recipe" 2 'ci gitlab: expected RECIPE' "$L" ci gitlab
expect_err "--shards 0 is refused" 2 '--shards 0: at least one shard' "$L" ci github $R --config $C --shards 0
expect_err "more shards than cells is refused (no empty shard)" 2 \
	'--shards 5: tests/data/ci/recipe.json has 4 cells, so at most 4 shards' "$L" ci gitlab $R --config $C --shards 5
expect_err "--shards 2 on a recipe without a matrix is refused" 2 '--shards 2: .* has 1 cell' \
	"$L" ci github --config $C recipes/qemu-virt-firmware/recipe.json --shards 2
expect_err "--shards must be a number" 2 '--shards "3x": expected a whole number' "$L" ci github $R --config $C --shards 3x
expect_err "--require above the number of verifiers can never pass" 2 \
	'--require 3: must be 1 to the number of verifiers \(2\)' "$L" ci github $R --config $C --require 3
expect_err "a verifier on the build runner is refused" 2 'is the build runner too' \
	"$L" ci gitlab $R --config $C --build-runner box --verify-runner box --verify-runner other
expect_err "an absolute recipe path is refused" 2 'must be a path relative to the repository root' \
	"$L" ci github --config $C "$TOP/$R"
# 51 cells: each GitLab verify job would need 51 build jobs, over GitLab's cap.
jq '.matrix = {"board": ["a","b","c"], "rev": [range(17) | "r\(.)"]}' $R >"$T/wide.json"
cp -R "$D/src" "$T/src"
mkdir -p "$T/.lockstep"; cp $C "$T/.lockstep/ci.json"   # the default --config
in_t() { (cd "$T" && "$@"); }
expect_err "gitlab: more than 50 shards is refused (GitLab caps a job's needs at 50)" 2 \
	'--shards 51: each verify job needs every build shard and GitLab CI allows 50 needs' \
	in_t "$L" ci gitlab wide.json
expect_exit "gitlab: 50 shards of the same 51 cells are fine" 0 in_t "$L" ci gitlab wide.json --shards 50
expect_exit "a failed run writes nothing" 2 "$L" ci github $R --config $C --shards 0 -o "$T/nothing.yml"
check "  ... and no file appeared" test ! -e "$T/nothing.yml"

expect_exit "ci --help" 0 "$L" ci --help
check "ci --help names both engines" grep -q 'lockstep ci gitlab RECIPE' "$T/out"
expect_exit "ci github --help" 0 "$L" ci github --help
check "ci github --help explains the secrets" grep -q 'LOCKSTEP_VERIFY_KEY_<N> secret' "$T/out"
expect_exit "ci gitlab --help" 0 "$L" ci gitlab --help
check "ci gitlab --help explains the file variables" grep -q 'LOCKSTEP_VERIFY_KEY_<N> file variable' "$T/out"

# ---- The role scripts on "runners": one directory per job, artifacts
# copied between them as the engine would, one key per verifier.
mkdir -p "$T/bin" "$T/store" "$T/repo/$D" "$T/repo/.lockstep/pubkeys"
ln -s "$L" "$T/bin/lockstep"
cp -R "$D/recipe.json" "$D/src" "$T/repo/$D/"
for v in 1 2 3; do "$L" keygen -o "$T/key$v" >/dev/null 2>&1; done
cp "$T/key1.pub" "$T/key2.pub" "$T/repo/.lockstep/pubkeys/"   # key3 is an outsider
"$L" ci github $R --shards 2 --config $C --json >"$T/sim-gh.json" &&
	"$L" ci gitlab $R --shards 2 --config $C --json >"$T/sim-gl.json"
jq -r '.jobs.build.steps[2].run' "$T/sim-gh.json" >"$T/build.sh"
jq -r '.jobs.verify.steps[3].run' "$T/sim-gh.json" >"$T/verify-github.sh"
jq -r '.verify.script[0]' "$T/sim-gl.json" >"$T/verify-gitlab.sh"
jq -r '.jobs.gate.steps[4].run' "$T/sim-gh.json" >"$T/gate.sh"
jq -r '.gate.script[0]' "$T/sim-gl.json" >"$T/gate-gitlab.sh"
"$L" keygen -o "$T/gate.key" >/dev/null 2>&1
checkout() { rm -rf "$1"; cp -R "$T/repo" "$1"; }
run() { # DIR SCRIPT ENV...: SCRIPT runs in DIR as a job's step would
	local dir=$1 script=$2 sh=bash; shift 2
	# GitLab's shell executor may well be a POSIX sh (dash here).
	case $script in *gitlab*) sh=sh ;; esac
	# The install step (t0931 runs it for real) put the pinned version first on PATH.
	(cd "$dir" && env PATH="$T/bin:$PATH" RECIPE=$R SHARDS=2 LOCKSTEP_VERSION=0.1.0 \
		KEY_SECRET=LOCKSTEP_GATE_KEY LOCKSTEP_KEY_PEM="$(cat "$T/gate.key")" RUNNER_TEMP="$dir" \
		"$@" $sh "$script" </dev/null) \
		>"$dir.log" 2>&1
}
# Runners are separate machines: the shards build at the same time.
for s in 1 2; do
	checkout "$T/build$s"
	run "$T/build$s" "$T/build.sh" SHARD=$s & pids[s]=$!
done
ok=1
for s in 1 2; do
	wait "${pids[s]}" || { ok=0; tail -5 "$T/build$s.log" | sed 's/^/    /'; }
	mkdir -p "$T/store/build-$s"; cp -R "$T/build$s/out/." "$T/store/build-$s/"
done
check "the build jobs build each shard's cells into out/shard-I/CELL" test "$ok" = 1 -a \
	-f "$T/store/build-1/shard-1/board=sifive_u,march=rv64imac_zicsr_zifencei/provenance.json" -a \
	-f "$T/store/build-2/shard-2/board=sifive_u,march=rv64gc_zicsr_zifencei/cell.o"
for s in 1 2; do
	for v in 1 2; do
		checkout "$T/v$s-$v"; mkdir -p "$T/v$s-$v/out"
		cp -R "$T/store/build-$s/." "$T/v$s-$v/out/"
	done
done
ok=1
# Verifier 1 runs the GitHub script (its key is a secret's text), verifier
# 2 the GitLab one (its key is a file variable); they run side by side.
for s in 1 2; do
	run "$T/v$s-1" "$T/verify-github.sh" SHARD=$s VERIFIER=1 RUNNER_TEMP="$T/v$s-1" \
		KEY_SECRET=LOCKSTEP_VERIFY_KEY_1 LOCKSTEP_KEY_PEM="$(cat "$T/key1")" & pids[1]=$!
	run "$T/v$s-2" "$T/verify-gitlab.sh" SHARD=$s VERIFIER=2 LOCKSTEP_VERIFY_KEY_2="$T/key2" &
	pids[2]=$!
	for v in 1 2; do
		wait "${pids[v]}" || { ok=0; tail -5 "$T/v$s-$v.log" | sed 's/^/    /'; }
		mkdir -p "$T/store/vsa-$s-$v"; cp -R "$T/v$s-$v/vsa/." "$T/store/vsa-$s-$v/"
	done
done
check "each verifier verifies each shard's cells and signs a summary per cell" test "$ok" = 1 -a \
	"$(ls "$T"/store/vsa-*/*/*.intoto.json | wc -l)" = 8
check "the verifier's key file is gone after the GitHub verify step" test ! -e "$T/v1-1/lockstep-verifier.pem"

gate() { # a fresh gate runner with every artifact downloaded
	checkout "$T/gate"; mkdir -p "$T/gate/out" "$T/gate/vsa"
	for a in "$T"/store/build-*; do cp -R "$a/." "$T/gate/out/"; done
	for a in "$T"/store/vsa-*; do cp -R "$a/." "$T/gate/vsa/"; done
}
gate
expect_exit "the gate passes when 2 trusted keys agree on every cell" 0 run "$T/gate" "$T/gate.sh"
check "  ... and publishes the merged summary, the summaries and the outputs" test \
	-s "$T/gate/release/summary.json" -a -d "$T/gate/release/vsa/2" -a -d "$T/gate/release/out/shard-2"
expect_exit "  ... the merged summary signed by the gate's key (DSSE)" 0 \
	"$L" verify-signature "$T/gate/release/summary.intoto.json" --pubkey "$T/gate.key.pub" --payload-out "$T/signed-summary.json"
check "  ... over exactly the merged summary's bytes" cmp -s "$T/signed-summary.json" "$T/gate/release/summary.json"
if command -v node >/dev/null && [ -d "$TOP/tests/npm/node_modules/@sigstore/verify" ]; then
	expect_exit "  ... and as a sigstore bundle that sigstore-js verifies with the gate's public key" 0 \
		node "$TOP/tests/npm/verify-bundle.js" "$T/gate/release/summary.sigstore.json" "$T/gate.key.pub"
else
	skip "  ... sigstore bundle check (sigstore-js is not installed: run scripts/install-deps)"
fi
check "the gate's key file is gone after the GitHub gate step" test ! -e "$T/gate/lockstep-verifier.pem"
gate
expect_exit "the GitLab gate script passes too, signing with the file variable's key" 0 \
	run "$T/gate" "$T/gate-gitlab.sh" LOCKSTEP_GATE_KEY="$T/gate.key"
check "  ... and the summary verifies with the gate's public key" \
	"$L" verify-signature "$T/gate/release/summary.intoto.json" --pubkey "$T/gate.key.pub"
gate
expect_exit "a gate without its key stops before anything is published" 2 \
	run "$T/gate" "$T/gate.sh" LOCKSTEP_KEY_PEM=
check "  ... naming the secret" grep -q 'the secret LOCKSTEP_GATE_KEY .* is not set' "$T/gate.log"
check "  ... and publishes nothing" test ! -e "$T/gate/release"

gate; rm "$T/gate/vsa/2/board=virt,march=rv64gc_zicsr_zifencei.intoto.json"
expect_exit "the gate fails when a cell has one summary of the 2 required" 1 run "$T/gate" "$T/gate.sh"
check "  ... naming the cell" grep -q 'board=virt,march=rv64gc_zicsr_zifencei.*1 key' "$T/gate.log"
check "  ... and publishes nothing" test ! -e "$T/gate/release"

# Three trusted verifiers, K = 2: a third one that dissents on one cell
# must not stop the release; the merged summary records the dissent.
gate; c='board=virt,march=rv64imac_zicsr_zifencei'
"$L" keygen -o "$T/key4" >/dev/null 2>&1; cp "$T/key4.pub" "$T/gate/.lockstep/pubkeys/"
"$L" verify-signature "$T/gate/vsa/1/$c.intoto.json" --pubkey "$T/key1.pub" --payload-out "$T/lie.json" >/dev/null
jq '.subject[0].digest.sha256 = ("ab" * 32)' "$T/lie.json" >"$T/lie2.json"
mkdir -p "$T/gate/vsa/4"; "$L" sign "$T/lie2.json" --key "$T/key4" -o "$T/gate/vsa/4/$c.intoto.json" >/dev/null
expect_exit "the gate passes when a third trusted verifier dissents on one cell (2-of-3)" 0 \
	run "$T/gate" "$T/gate.sh"
check "  ... and the merged summary has every artifact, the dissent annotated" \
	jq -e --arg c "$c" '[.subject[] | select(.annotations.dissent)] | length == 1 and
	    (.[0].annotations.resourceUri | endswith($c))' "$T/gate/release/summary.json"
check "  ... every artifact the summary lists is a subject, the disputed one included" \
	jq -e "(.subject | length) == $(jq '[.predicate.cells[].artifacts[]] | length' "$T/gate/release/summary.json")" \
	"$T/gate/release/summary.json"

# An outsider's key signs what verifier 2 would have: present, but not trusted.
gate; c='board=virt,march=rv64imac_zicsr_zifencei'
"$L" verify -q "$T/gate/out/shard-1/$c/provenance.json" --key "$T/key3" -o "$T/v-outsider" >/dev/null 2>&1
cp "$T/v-outsider/verification.intoto.json" "$T/gate/vsa/2/$c.intoto.json"
expect_exit "the gate fails when one summary is signed by an untrusted key" 1 run "$T/gate" "$T/gate.sh"
check "  ... and publishes no merged summary" test ! -e "$T/gate/release/summary.json"

# A build job that files one cell's provenance under another cell's name,
# and ships an artifact that is not what its provenance claims.
a='board=virt,march=rv64imac_zicsr_zifencei' b='board=sifive_u,march=rv64imac_zicsr_zifencei'
checkout "$T/vbad"; mkdir -p "$T/vbad/out"; cp -R "$T/store/build-1/." "$T/vbad/out/"
rm -rf "$T/vbad/out/shard-1/$b"; cp -R "$T/vbad/out/shard-1/$a" "$T/vbad/out/shard-1/$b"
printf 'x' >>"$T/vbad/out/shard-1/$a/cell.o"
expect_exit "a verifier refuses a lying build job's shard" 1 \
	run "$T/vbad" "$T/verify-github.sh" SHARD=1 VERIFIER=1 RUNNER_TEMP="$T/vbad" \
	KEY_SECRET=LOCKSTEP_VERIFY_KEY_1 LOCKSTEP_KEY_PEM="$(cat "$T/key1")"
check "  ... naming the provenance filed under another cell's name" \
	grep -qF "$b: out/shard-1/$b/provenance.json records another cell" "$T/vbad.log"
check "  ... naming the shipped artifact that differs from the rebuild" \
	grep -qF "out/shard-1/$a/cell.o: shipped file sha256" "$T/vbad.log"
check "  ... and signing nothing for either cell" \
	test ! -e "$T/vbad/vsa/1/$b.intoto.json" -a ! -e "$T/vbad/vsa/1/$a.intoto.json"
