#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lockstep version check`: each kind's valid and invalid examples, impossible
# dates, exit codes, and a team policy file that changes a pattern.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP

for v in v2.4.1 v0.0.0 v10.0.3; do
	expect_exit "driver $v is valid" 0 "$L" version check driver "$v"
done
for v in 2.4.1 v2.4 v2.4.1-rc1 v02.4.1 V2.4.1; do
	expect_err "driver $v is refused" 1 "driver version \"$v\": does not match vMAJOR.MINOR.PATCH" \
		"$L" version check driver "$v"
done
for v in fwB100.r12.20260112 fwB100.r1.20240229 fwX7.r0.19991231; do
	expect_exit "firmware $v is valid" 0 "$L" version check firmware "$v"
done
for d in 20260230 20250229 21000229 20261301 20260431 20260100; do
	expect_err "firmware date $d is not a calendar date" 1 "\"$d\" is not a calendar date" \
		"$L" version check firmware "fwB100.r1.$d"
done
for v in fwb100.r12.20260112 fwB100.12.20260112 fwB100.r12.2026011 B100.r12.20260112; do
	expect_err "firmware $v is refused" 1 "does not match fwBOARD.REV.DATE" \
		"$L" version check firmware "$v"
done
expect_exit "microcode u0012 is valid" 0 "$L" version check microcode u0012
for v in u12 u00123 U0012 0012; do
	expect_err "microcode $v is refused" 1 "does not match uNNNN" "$L" version check microcode "$v"
done
expect_err "an unknown kind is a usage error" 2 '"gpu": unknown kind of version' \
	"$L" version check gpu 1.0
expect_exit "missing arguments are a usage error" 2 "$L" version check driver
expect_exit "version check has --help" 0 "$L" version check --help
expect_exit "plain version still prints lockstep's version" 0 "$L" version
check "plain version output names lockstep" grep -q '^lockstep ' "$T/out"

cat >"$T/policy.json" <<'J'
{"kinds": {"microcode": {"format": "uNNNNNN", "pattern": "^u[0-9]{6}$", "example": "u000012"}}}
J
expect_exit "a team policy (--policy) can widen microcode" 0 \
	"$L" version check --policy "$T/policy.json" microcode u000012
expect_exit "a team policy (LOCKSTEP_POLICY) applies" 1 \
	env LOCKSTEP_POLICY="$T/policy.json" "$L" version check microcode u0012
printf '{"kinds": {"driver": {"format": "v", "pattern": "^v$", "example": "v1"}}}\n' >"$T/bad.json"
expect_err "a policy whose example fails is refused" 2 'bad.json: "kinds.driver.example"' \
	"$L" version check --policy "$T/bad.json" driver v
expect_exit "the shipped policy file gives the same answers" 1 \
	"$L" version check --policy "$TOP/compat/version-policy.json" firmware fwB100.r1.20260230
