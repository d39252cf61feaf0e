#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A project's own versioning policy (docs/versioning.md): a recipe names a
# policy file with "version_policy" and its version is checked against that
# file alone, so firmware may be "1.0.0"; without the field the default
# conventions apply and "1.0.0" is refused.  The project's policy is no
# loophole: a version off it, a kind it lacks, a missing or absolute file
# are refused too, and verify rebuilds a record of such a recipe.
. "$(dirname "$0")/lib.sh"
unset LOCKSTEP_POLICY

cp -r "$TOP/recipes/qemu-virt-firmware" "$T/fw"
# recipe VERSION [POLICY]: the demo firmware's recipe at $T/fw/recipe.json
# with that version and, when given, "version_policy": POLICY.
recipe() {
	python3 - "$TOP/recipes/qemu-virt-firmware/recipe.json" "$T/fw/recipe.json" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["version"] = sys.argv[3]
if len(sys.argv) > 4:
    r["version_policy"] = sys.argv[4]
json.dump(r, open(sys.argv[2], "w"), indent=2)
PY
}
# A team's firmware numbered MAJOR.MINOR.PATCH, no "fw" prefix or date.
mkdir -p "$T/fw/policy"
cat >"$T/fw/policy/versions.json" <<'JSON'
{
  "description": "our firmware is numbered like our drivers",
  "kinds": {
    "firmware": {
      "format": "MAJOR.MINOR.PATCH",
      "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$",
      "order": [1, 2, 3],
      "example": "1.0.0"
    }
  }
}
JSON

recipe 1.0.0
expect_err "without a policy of its own, firmware \"1.0.0\" is refused by the conventions" 2 \
	'recipe.json: "version": firmware version "1.0.0": does not match fwBOARD.REV.DATE' \
	"$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o0"

recipe 1.0.0 policy/versions.json
expect_exit "with \"version_policy\": firmware \"1.0.0\" builds" 0 \
	"$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o1"
check "... and the recipe with its version_policy is in the provenance" python3 - "$T/o1/provenance.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["externalParameters"]["recipe"]["content"]
assert r["version"] == "1.0.0" and r["version_policy"] == "policy/versions.json", r
PY
# The record carries the recipe but not the policy file: verify rebuilds it
# all the same (it compares artifacts, not version strings).
expect_exit "verify rebuilds from that provenance alone" 0 \
	"$LOCKSTEP" verify -q "$T/o1/provenance.json" -o "$T/v1"

recipe fwVIRT.r1.20260112 policy/versions.json
expect_err "the project's policy replaces the conventions: fwVIRT.r1.20260112 is now refused" 2 \
	'"version" \(policy "policy/versions.json"\): firmware version "fwVIRT.r1.20260112": does not match MAJOR.MINOR.PATCH' \
	"$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o2"
recipe 1.0.0 policy/missing.json
expect_err "a policy file that is not there is an error naming it, not a fall-back" 2 \
	'policy/missing.json' "$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o3"
recipe 1.0.0 "$T/fw/policy/versions.json"
expect_err "an absolute policy path is refused (the recipe must not depend on the host)" 2 \
	'"version_policy": ".*" must be a file relative to the recipe' \
	"$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o4"
sed 's/"firmware"/"board-firmware"/' "$T/fw/policy/versions.json" >"$T/fw/policy/other.json"
recipe 1.0.0 policy/other.json
expect_err "a kind the project's policy lacks is refused, listing the kinds it has" 2 \
	'"firmware": unknown kind of version \(known: board-firmware\)' \
	"$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o5"
echo '{"kinds": {"firmware": {"format": "X", "pattern": "^x$", "example": "y"}}}' >"$T/fw/policy/bad.json"
recipe 1.0.0 policy/bad.json
expect_err "a policy whose example fails its own pattern is refused" 2 \
	'policy/bad.json: "kinds.firmware.example"' \
	"$LOCKSTEP" build -q --no-smoke "$T/fw/recipe.json" -o "$T/o6"
