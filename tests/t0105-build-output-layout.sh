#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Outputs as people ship them (docs/recipe.md, "Outputs"): a glob such as
# out/**/*.ko takes every match and keeps the layout below its fixed
# directories; a glob that matches nothing is an error naming it unless the
# entry is optional; a plain path is published under its file name, or
# under the name "as" gives; dot names are allowed.  Subject names with
# slashes go through verify, release and audit unchanged.
. "$(dirname "$0")/lib.sh"

R="$T/r"
mkdir -p "$R/src"
cat >"$R/src/Makefile" <<'MK'
all:
	mkdir -p out/a out/b/deep build/platform/generic/firmware build/platform/other/firmware
	echo x >out/a/x.ko; echo y >out/b/y.ko; echo z >out/b/deep/z.ko
	echo not-a-module >out/b/y.ko.cmd; echo hidden >out/.h.ko
	echo CONFIG_X=y >.config; echo readme >out/readme.txt
	echo generic >build/platform/generic/firmware/fw_dynamic.bin
	echo other >build/platform/other/firmware/fw_dynamic.bin
MK
recipe() { # OUTPUTS-JSON
	cat >"$R/recipe.json" <<JSON
{"name": "layout", "kind": "driver", "version": "v1.0.0", "source": "src",
 "environment": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": $1}
JSON
}

recipe '["out/**/*.ko", {"path": ".config", "as": "kernel.config"}, "build/**/fw_dynamic.bin",
  "out/readme.txt", ".config"]'
expect_exit "a recipe with globs, a rename and a dot name builds" 0 \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o"
check "  out/**/*.ko keeps the layout below out/ (a/x.ko, b/y.ko, b/deep/z.ko)" \
	test -f "$T/o/a/x.ko" -a -f "$T/o/b/y.ko" -a -f "$T/o/b/deep/z.ko"
check "  a wildcard does not match a leading dot (.h.ko), nor a longer name (y.ko.cmd)" \
	test ! -e "$T/o/.h.ko" -a ! -e "$T/o/b/y.ko.cmd"
check "  two platforms' fw_dynamic.bin are both published, each under its platform" \
	grep -qx generic "$T/o/platform/generic/firmware/fw_dynamic.bin"
check "  ... the other one too" grep -qx other "$T/o/platform/other/firmware/fw_dynamic.bin"
check "  {\"path\": \".config\", \"as\": \"kernel.config\"} renames" grep -qx CONFIG_X=y "$T/o/kernel.config"
check "  a plain path is published under its file name, a dot name included" \
	test -f "$T/o/readme.txt" -a -f "$T/o/.config"
subjects=$(python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(open(sys.argv[1]))["subject"]))' "$T/o/provenance.json")
check "  the subjects name the published paths, in entry order, matches sorted" \
	test "$subjects" = "a/x.ko b/deep/z.ko b/y.ko kernel.config platform/generic/firmware/fw_dynamic.bin platform/other/firmware/fw_dynamic.bin readme.txt .config"

expect_exit "verify rebuilds subjects with slashes in their names" 0 \
	"$LOCKSTEP" verify -q "$T/o/provenance.json" --artifact "$T/o/b/deep/z.ko" -o "$T/v"
check "  ... and says so for each" grep -q "^b/deep/z.ko: identical" "$T/out"

"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
expect_exit "release bundles subjects below artifacts/ with their directories" 0 \
	"$LOCKSTEP" release -q "$R/recipe.json" --key "$T/k" -o "$T/rel"
B=$(ls "$T"/rel/*.tar)
check "  the bundle holds artifacts/platform/other/firmware/fw_dynamic.bin" \
	sh -c "tar -tf '$B' | grep -qx artifacts/platform/other/firmware/fw_dynamic.bin"
expect_exit "audit accepts the directories that hold signed artifacts" 0 \
	"$LOCKSTEP" audit "$B" --pubkey "$T/k.pub" --no-rebuild
mkdir -p "$T/x/artifacts/extra"; echo evil >"$T/x/artifacts/extra/evil"
tar -C "$T/x" -xf "$B"; (cd "$T/x" && tar -cf "$T/extra.tar" -- *)
expect_err "audit still refuses an unsigned extra in a subdirectory" 1 'artifacts/extra.*not named by the signed statements' \
	"$LOCKSTEP" audit "$T/extra.tar" --pubkey "$T/k.pub" --no-rebuild

recipe '["out/**/*.none"]'
expect_err "a glob that matches nothing is an error naming the glob" 2 '"outputs\[0\]": "out/\*\*/\*\.none" matched no file' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o2"
recipe '["out/readme.txt", {"glob": "out/**/*.none", "optional": true}]'
expect_exit "... unless the entry says optional" 0 "$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o3"

recipe '["out/b/y.ko", "out/b/*.ko"]'
expect_err "two entries that publish the same name are refused, both named" 2 '"y.ko".*out/b/y.ko' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o4"
recipe '["out/a/x.ko", "out/b/deep/x.ko"]'
expect_err "two plain paths with one file name are refused before building" 2 'same published name' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o5"
recipe '[{"path": "out/readme.txt", "as": "provenance.json"}]'
expect_err "\"as\" may not take a name lockstep writes" 2 '"outputs\[0\].as": the name "provenance.json" is reserved' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o6"
recipe '[{"path": "out/readme.txt", "as": "../readme.txt"}]'
expect_err "\"as\" may not leave the output directory" 2 '"outputs\[0\].as": "\.\./readme.txt" is not a relative path' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o7"
recipe '[{"glob": "out/**/*.ko", "as": "x"}]'
expect_err "\"as\" renames one file, not a glob's matches" 2 '"outputs\[0\].as": only with "path"' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o8"
recipe '["out/a**/*.ko"]'
expect_err "** is a whole path component" 2 '"outputs\[0\]": .*\*\* must be a whole path component' \
	"$LOCKSTEP" build -q "$R/recipe.json" -o "$T/o9"

# The CI verify job (lockstep ci) passes every shipped file as --artifact:
# those in subdirectories and dot files too.  lockstep itself is stubbed
# here: what matters is the command line the job's script makes.
mkdir -p "$T/ci/out/shard-1/layout" "$T/bin"
cp -R "$T/o/." "$T/ci/out/shard-1/layout/"
cat >"$T/bin/lockstep" <<'SH'
#!/bin/sh
[ "$1" = --version ] && echo "lockstep $LOCKSTEP_VERSION" && exit 0
printf '%s\n' "$@" >>"$STUBLOG"
[ "$1" = verify ] || exit 0
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && mkdir -p "$2" && echo '{}' >"$2/verification.intoto.json"
	shift
done
SH
chmod +x "$T/bin/lockstep"
recipe '["out/**/*.ko", {"path": ".config", "as": "kernel.config"}, "build/**/fw_dynamic.bin",
  "out/readme.txt", ".config"]'
mkdir -p "$T/.lockstep" && cp "$TOP/tests/data/ci/ci.json" "$T/.lockstep/ci.json"
(cd "$T" && "$LOCKSTEP" ci github r/recipe.json --script verify) >"$T/verify.sh"
(cd "$T/ci" && env PATH="$T/bin:$PATH" STUBLOG="$T/stub.log" RECIPE=r/recipe.json SHARD=1 SHARDS=1 \
	LOCKSTEP_VERSION="$(jq -r .lockstep.version "$T/.lockstep/ci.json")" \
	VERIFIER=1 LOCKSTEP_KEY_PEM=unused RUNNER_TEMP="$T" bash "$T/verify.sh" </dev/null) >"$T/ci.log" 2>&1
check "the CI verify job passes a glob's file in a subdirectory as --artifact" \
	grep -qx "out/shard-1/layout/platform/other/firmware/fw_dynamic.bin" "$T/stub.log"
check "  ... and a dot file" grep -qx "out/shard-1/layout/.config" "$T/stub.log"
check "  ... but not what lockstep writes beside the artifacts" \
	sh -c "! grep -A1 -x -- --artifact '$T/stub.log' | grep -qE '/(provenance.json|build.log|source.tar.zst|environment.json)\$'"

# A record that names fewer files than the recipe's glob now matches:
# the extra rebuilt file is a difference, named.
python3 - "$T/o/provenance.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["subject"] = [s for s in p["subject"] if s["name"] != "b/y.ko"]
json.dump(p, open(sys.argv[1], "w"))
PY
expect_exit "verify fails when the rebuild publishes a file the record does not name" 1 \
	"$LOCKSTEP" verify -q "$T/o/provenance.json" -o "$T/v2"
check "  ... and names it" grep -q "^b/y.ko: rebuilt, but .* names no such subject" "$T/out"
