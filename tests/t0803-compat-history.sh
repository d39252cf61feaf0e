#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compatibility manifests over time: tampering with a signed manifest is
# caught; query, diff and last-good on a small signed history.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
openssl genpkey -algorithm ed25519 -out "$T/key.pem" 2>/dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null
openssl pkey -in "$T/other.pem" -pubout -out "$T/other.pub" 2>/dev/null

# row BOARD KERNEL FIRMWARE STATUS [NOTES]
row() {
	printf '  - {board: %s, rtos: zephyr-2.5, riscv_core: rv64gc-v2.1.0, riscv_microcode: u0012,\n' "$1"
	printf '     driver: {kernel: %s, nvlink: nvlink-1.0.3}, gpu_firmware: gf-fw-3.2.0,\n' "$2"
	printf '     firmware: %s, status: %s%s}\n' "$3" "$4" "${5:+, notes: \"$5\"}"
}
{ echo "platform: acme-rv-1"; echo "tested_on:"
  row acme-b100 v2.4.0 fwB100.r11.20251201 green "first good"
  row acme-b200 v2.4.0 fwB200.r3.20251201 green
} >"$T/m1.yaml"
{ echo "platform: acme-rv-1"; echo "tested_on:"
  row acme-b100 v2.4.0 fwB100.r11.20251201 green "still good"
  row acme-b100 v2.4.1 fwB100.r12.20260112 green "throughput validated"
  row acme-b100 v2.5.0 fwB100.r12.20260112 red "hangs on NVLink init"
  row acme-b200 v2.4.0 fwB200.r3.20251201 yellow "thermal throttling"
} >"$T/m2.yaml"
{ echo "platform: acme-rv-1"; echo "tested_on:"
  row acme-b100 v2.4.1 fwB100.r12.20260112 red "regressed with new RTOS patch"
  row acme-b100 v2.5.1 fwB100.r13.20260301 yellow
  row acme-b300 v2.5.1 fwB300.r1.20260301 green
} >"$T/m3.yaml"

# Query.
q() { "$L" compat query "$T/m2.yaml" "$@"; }
expect_exit "query: a green combination exits 0" 0 q --board acme-b100 --driver v2.4.1 --firmware fwB100.r12.20260112
check "query: status and notes are shown" grep -q 'green.*' "$T/out"
check "query: notes are shown" grep -q 'notes: throughput validated' "$T/out"
expect_exit "query: a red combination exits 1" 1 q --board acme-b100 --driver v2.5.0 --firmware fwB100.r12.20260112
check "query: the red status and notes are shown" grep -q 'notes: hangs on NVLink init' "$T/out"
expect_exit "query: a yellow combination exits 1" 1 q --board acme-b200 --driver kernel=v2.4.0
expect_exit "query: an untested combination exits 1" 1 q --board acme-b100 --driver v9.9.9
check "query: says it is not tested" grep -q '^not tested' "$T/out"
expect_exit "query: a component named with NAME=V" 0 q --board acme-b100 --driver nvlink=nvlink-1.0.3 --driver kernel=v2.4.1
expect_exit "query: --json" 0 q --board acme-b100 --driver v2.4.1 --json
check "query: --json says tested and green" python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["tested"] and j["green"] and j["rows"][0]["index"] == 1' "$T/out"
expect_exit "query: --board is required" 2 q --driver v2.4.1

# Signed history.
mkdir -p "$T/hist"
"$L" compat sign "$T/m1.yaml" --key "$T/key.pem" -o "$T/hist/compat-2026-01-05.json" >/dev/null
"$L" compat sign "$T/m2.yaml" --key "$T/key.pem" -o "$T/hist/compat-2026-02-01.json" >/dev/null
"$L" compat sign "$T/m3.yaml" --key "$T/key.pem" -o "$T/hist/compat-2026-03-01.json" >/dev/null
S2=$T/hist/compat-2026-02-01.json
expect_exit "query: a signed manifest with its key" 0 \
	"$L" compat query "$S2" --pubkey "$T/pub.pem" --board acme-b100 --driver v2.4.1
expect_err "query: a signed manifest without --pubkey is refused" 2 'a signed manifest: give the public key' \
	"$L" compat query "$S2" --board acme-b100 --driver v2.4.1
expect_exit "query: a signed manifest checked with another key is refused" 1 \
	"$L" compat query "$S2" --pubkey "$T/other.pub" --board acme-b100 --driver v2.4.1

# Tampering: turn the red row green inside the signed payload.
python3 - "$S2" "$T/tampered.json" <<'P'
import json, sys, base64
e = json.load(open(sys.argv[1]))
body = base64.b64decode(e["payload"]).replace(b'"red"', b'"green"')
e["payload"] = base64.b64encode(body).decode()
json.dump(e, open(sys.argv[2], "w"))
P
expect_exit "tampering: a changed status in a signed manifest is caught" 1 \
	"$L" compat query "$T/tampered.json" --pubkey "$T/pub.pem" --board acme-b100 --driver v2.5.0
expect_exit "tampering: validate catches it too" 1 "$L" compat validate "$T/tampered.json" --pubkey "$T/pub.pem"
python3 - "$S2" "$T/resigned.json" "$T/other.pem" <<'P'
import json, sys, base64
e = json.load(open(sys.argv[1]))
e["signatures"][0]["sig"] = base64.b64encode(b"\0" * 64).decode()
json.dump(e, open(sys.argv[2], "w"))
P
expect_exit "tampering: a replaced signature is caught" 1 "$L" compat validate "$T/resigned.json" --pubkey "$T/pub.pem"

# Diff.
expect_exit "diff: m1 -> m2 differs" 1 "$L" compat diff "$T/m1.yaml" "$T/m2.yaml"
check "diff: a status change is reported" grep -qE '^status +green -> yellow: board=acme-b200' "$T/out"
check "diff: additions are reported" test "$(grep -c '^added ' "$T/out")" -eq 2
expect_exit "diff: m2 -> m3 differs (signed, with the key)" 1 "$L" compat diff "$S2" "$T/hist/compat-2026-03-01.json" --pubkey "$T/pub.pem"
check "diff: a green that turned red comes first" sh -c "head -1 '$T/out' | grep -qE '^regressed +green -> red: board=acme-b100 .*kernel=v2.4.1'"
check "diff: removals come before additions" sh -c "grep -n '' '$T/out' | awk -F: '/:removed/{r=\$1} /:added/{a=\$1} END{exit !(r && a && r < a)}'"
expect_exit "diff: a manifest against itself" 0 "$L" compat diff "$T/m2.yaml" "$T/m2.yaml"
expect_exit "diff: --json" 1 "$L" compat diff "$T/m2.yaml" "$T/m3.yaml" --json
check "diff: --json lists the regression first" python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["changes"]; assert c[0]["kind"] == "regressed" and c[0]["new_status"] == "red"' "$T/out"

# Last good: newest manifest with a green row for the board; in it, the highest driver.
expect_exit "last-good: found" 0 "$L" compat last-good "$T/hist" --board acme-b100 --pubkey "$T/pub.pem"
check "last-good: the newest green is v2.4.1 from the February manifest" \
	sh -c "grep -q 'compat-2026-02-01.json' '$T/out' && grep -q '^driver kernel: v2.4.1' '$T/out' && grep -q '^firmware: fwB100.r12.20260112' '$T/out'"
expect_exit "last-good: a board green only in the newest manifest" 0 "$L" compat last-good "$T/hist" --board acme-b300 --pubkey "$T/pub.pem" --json
check "last-good: --json names the manifest and row" python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["manifest"].endswith("compat-2026-03-01.json") and j["row"]["driver"]["kernel"] == "v2.5.1"' "$T/out"
# A re-issue the same day (compat-DATE-b.json) is newer than compat-DATE.json,
# though "-" sorts before "." byte by byte.
sed 's/v2\.5\.1/v2.5.2/g' "$T/m3.yaml" >"$T/m3b.yaml"
"$L" compat sign "$T/m3b.yaml" --key "$T/key.pem" -o "$T/hist/compat-2026-03-01-b.json" >/dev/null
expect_exit "last-good: with a same-day re-issue" 0 "$L" compat last-good "$T/hist" --board acme-b300 --pubkey "$T/pub.pem" --json
check "last-good: the re-issue (compat-2026-03-01-b.json) is the newest" python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["manifest"].endswith("compat-2026-03-01-b.json") and j["row"]["driver"]["kernel"] == "v2.5.2", j' "$T/out"
rm "$T/hist/compat-2026-03-01-b.json"
expect_err "last-good: a board never green exits 1" 1 'no green combination for board "acme-b999"' \
	"$L" compat last-good "$T/hist" --board acme-b999 --pubkey "$T/pub.pem"
cp "$T/tampered.json" "$T/hist/compat-2026-02-01.json"
expect_exit "last-good: a tampered manifest in the history is refused" 1 \
	"$L" compat last-good "$T/hist" --board acme-b100 --pubkey "$T/pub.pem"
check "last-good: the tampered file is named" grep -q 'compat-2026-02-01.json' "$T/err"
"$L" compat validate --canonical "$T/m1.yaml" >"$T/hist/compat-2026-02-01.json"
expect_err "last-good: an unsigned manifest in the history is refused" 2 'not signed' \
	"$L" compat last-good "$T/hist" --board acme-b100 --pubkey "$T/pub.pem"
