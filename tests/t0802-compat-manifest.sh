#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compatibility manifests: the article's YAML as it is, JSON and YAML giving
# the same canonical JSON and signature payload, every malformed case named
# by row and field, artifacts vouched for by provenance, rendering.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
SAMPLE=$TOP/compat/samples/acme-rv-1.yaml

expect_exit "the article's YAML manifest validates as it is" 0 "$L" compat validate "$SAMPLE"
cat >"$T/acme.json" <<'J'
{
  "recommended": "v2.4.1 / fwB100.r12.20260112",
  "tested_on": [{
    "status": "green", "board": "acme-b100", "rtos": "zephyr-2.5",
    "riscv_core": "rv64gc-v2.1.0", "riscv_microcode": "u0012",
    "gpu_firmware": "gf-fw-3.2.0",
    "driver": {"nvlink": "nvlink-1.0.3", "kernel": "v2.4.1"},
    "notes": "Throughput validated with 1x NVLink, power telemetry within limits"
  }],
  "platform": "acme-rv-1"
}
J
"$L" compat validate --canonical "$SAMPLE" >"$T/yaml.canon" 2>"$T/err"
"$L" compat validate --canonical "$T/acme.json" >"$T/json.canon" 2>>"$T/err"
check "JSON and YAML give the same canonical JSON" cmp -s "$T/yaml.canon" "$T/json.canon"
check "the canonical JSON has sorted keys" \
	python3 -c 'import json,sys; s=open(sys.argv[1]).read().strip(); assert s == json.dumps(json.loads(s), sort_keys=True, separators=(",", ":"), ensure_ascii=False)' "$T/json.canon"

# Signing: Ed25519 is deterministic, so the envelopes are equal too.
openssl genpkey -algorithm ed25519 -out "$T/key.pem" 2>/dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null
openssl pkey -in "$T/other.pem" -pubout -out "$T/other.pub" 2>/dev/null
expect_exit "the YAML manifest signs" 0 "$L" compat sign "$SAMPLE" --key "$T/key.pem" -o "$T/y.json"
expect_exit "the JSON manifest signs" 0 "$L" compat sign "$T/acme.json" --key "$T/key.pem" -o "$T/j.json"
payload() { python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))' "$1"; }
payload "$T/y.json" >"$T/y.payload"; payload "$T/j.json" >"$T/j.payload"
check "JSON and YAML give the same signature payload" cmp -s "$T/y.payload" "$T/j.payload"
check "and the same envelope" cmp -s "$T/y.json" "$T/j.json"
check "the payload is an in-toto Statement with the manifest as predicate" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["_type"] == "https://in-toto.io/Statement/v1"
assert s["predicateType"] == "https://lockstep.dev/compat-manifest/v1"
assert s["predicate"]["platform"] == "acme-rv-1" and len(s["subject"]) == 1
' "$T/y.payload"
# The signature checked the way an auditor without lockstep would: PAE + openssl.
python3 - "$T/y.json" "$T/pae.bin" "$T/sig.bin" <<'P'
import json, sys, base64
e = json.load(open(sys.argv[1])); body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open(sys.argv[2], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[3], "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
P
check "the signature verifies with the openssl command line" \
	sh -c "openssl pkeyutl -verify -pubin -inkey '$T/pub.pem' -rawin -in '$T/pae.bin' -sigfile '$T/sig.bin' >/dev/null"
(cd "$T" && "$L" compat sign "$SAMPLE" --key "$T/key.pem" >/dev/null 2>&1)
check "the default output name is compat-YYYY-MM-DD.json" test -f "$T/compat-$(date -u +%F).json"
expect_err "the default output is never overwritten" 2 "already exists" \
	sh -c "cd '$T' && '$L' compat sign '$SAMPLE' --key '$T/key.pem'"
expect_exit "a signed manifest validates with its key" 0 "$L" compat validate "$T/y.json" --pubkey "$T/pub.pem"

# Malformed manifests: each names the row and the field.
bad() { # bad NAME PATTERN PYTHON-EDIT
	local name=$1 pat=$2 edit=$3
	python3 -c "
import json, sys
m = json.load(open(sys.argv[1])); r = m['tested_on']
r.append(json.loads(json.dumps(r[0]))); r[1]['board'] = 'acme-b200'
$edit
json.dump(m, open(sys.argv[2], 'w'))" "$T/acme.json" "$T/bad.json"
	expect_err "malformed: $name" 1 "$pat" "$L" compat validate "$T/bad.json"
}
bad "an unknown status" 'bad.json: "tested_on\[1\].status": unknown status "blue"' "r[1]['status'] = 'blue'"
bad "a bad microcode version" '"tested_on\[1\].riscv_microcode": microcode version "u12": does not match uNNNN' "r[1]['riscv_microcode'] = 'u12'"
bad "an impossible firmware date" '"tested_on\[1\].firmware": firmware version "fwB200.r1.20260230": "20260230" is not a calendar date' "r[1]['firmware'] = 'fwB200.r1.20260230'"
bad "a bad driver version" '"tested_on\[0\].driver.kernel": driver version "2.4.1"' "r[0]['driver']['kernel'] = '2.4.1'"
bad "a component version without MAJOR.MINOR.PATCH" '"tested_on\[1\].driver.nvlink": nvlink version "nvlink-1.0"' "r[1]['driver']['nvlink'] = 'nvlink-1.0'"
bad "a duplicate row" '"tested_on\[2\]": duplicate row \(the same combination as "tested_on\[0\]"\)' "r.append(json.loads(json.dumps(r[0])))"
bad "a missing field" '"tested_on\[1\].rtos": missing required field' "del r[1]['rtos']"
bad "a missing driver" '"tested_on\[1\].driver": missing required field' "del r[1]['driver']"
bad "an unknown field" '"tested_on\[1\].colour": unknown field' "r[1]['colour'] = 'green'"
bad "an unknown top-level field" '"signed_by": unknown field' "m['signed_by'] = 'me'"
bad "a status that is not a string" '"tested_on\[0\].status": expected a string' "r[0]['status'] = 1"
bad "a malformed digest" '"tested_on\[1\].artifacts\[0\].sha256": "abc" is not 64 lowercase hex' "r[1]['artifacts'] = [{'name': 'fw.bin', 'sha256': 'abc'}]"
bad "no rows" '"tested_on": expected an array' "m['tested_on'] = []"
bad "missing platform" '"platform": missing required field' "del m['platform']"
python3 -c "
import json, sys
m = json.load(open(sys.argv[1])); r = m['tested_on'][0]
r['status'] = 'blue'; r['riscv_microcode'] = 'u1'; del r['rtos']
json.dump(m, open(sys.argv[2], 'w'))" "$T/acme.json" "$T/many.json"
expect_err "every problem is reported, with a count" 1 'many.json: 3 problems' "$L" compat validate "$T/many.json"
check "the count matches the lines" test "$(grep -c '"tested_on\[0\]' "$T/err")" -eq 3
printf 'platform: x\ntested_on: [\n' >"$T/broken.yaml"
expect_err "broken YAML names the file and line" 1 'broken.yaml: line [0-9]+: YAML' "$L" compat validate "$T/broken.yaml"
printf 'platform: &a x\nrecommended: *a\ntested_on: []\n' >"$T/alias.yaml"
expect_err "YAML aliases are refused" 1 'alias.yaml: line 2: YAML aliases are not accepted' "$L" compat validate "$T/alias.yaml"
printf 'platform: x\nplatform: y\n' >"$T/dup.yaml"
expect_err "a YAML key given twice is refused" 1 '"platform": duplicate field' "$L" compat validate "$T/dup.yaml"
expect_err "a missing file is an error, not a no" 2 'nothing.json' "$L" compat validate "$T/nothing.json"

# Artifacts and the provenance that vouches for them.
fw=$(printf 'firmware bytes' | sha256sum | cut -d' ' -f1)
drv=$(printf 'driver bytes' | sha256sum | cut -d' ' -f1)
python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
m['tested_on'][0]['artifacts'] = [{'name': 'fw.bin', 'sha256': sys.argv[3]}, {'name': 'libdrv.so', 'sha256': sys.argv[4]}]
json.dump(m, open(sys.argv[2], 'w'))" "$T/acme.json" "$T/art.json" "$fw" "$drv"
mkdir -p "$T/prov"
statement() { printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"%s","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}' "$1" "$2"; }
statement fw.bin "$fw" >"$T/prov/fw.intoto.json"
expect_err "an artifact no provenance vouches for is named" 1 \
	"\"tested_on\[0\].artifacts\[1\].sha256\": ${drv:0:12}\.\.\. is vouched for by no provenance in $T/prov" \
	"$L" compat validate "$T/art.json" --provenance-dir "$T/prov"
check "the vouched-for artifact is not reported" sh -c "! grep -q 'artifacts\[0\]' '$T/err'"
statement libdrv.so "$drv" >"$T/drv-statement.json"
python3 -c "
import json, sys, base64
print(json.dumps({'payloadType': 'application/vnd.in-toto+json', 'payload': base64.b64encode(open(sys.argv[1],'rb').read()).decode(), 'signatures': [{'keyid': '', 'sig': 'AAAA'}]}))" "$T/drv-statement.json" >"$T/prov/drv.intoto.jsonl"
expect_exit "provenance inside a DSSE envelope (JSON Lines) vouches too" 0 \
	"$L" compat validate "$T/art.json" --provenance-dir "$T/prov"
expect_exit "with --pubkey, an unsigned or badly signed statement vouches for nothing" 1 \
	"$L" compat validate "$T/art.json" --provenance-dir "$T/prov" --pubkey "$T/pub.pem"
expect_exit "artifacts become the signed statement's subjects" 0 \
	"$L" compat sign "$T/art.json" --key "$T/key.pem" -o "$T/art-signed.json"
payload "$T/art-signed.json" >"$T/art.payload"
check "the subjects are the two artifacts, sorted" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert [x["name"] for x in s["subject"]] == ["fw.bin", "libdrv.so"], s["subject"]
assert s["subject"][0]["digest"]["sha256"] == sys.argv[2]
' "$T/art.payload" "$fw"

# Rendering.
expect_exit "render md" 0 "$L" compat render "$SAMPLE" --format md
check "md: boards down, driver x firmware across, status shown" \
	grep -qF '| acme-b100 · rv64gc-v2.1.0 | 🟢 green (zephyr-2.5, u0012, gf-fw-3.2.0) [1] |' "$T/out"
python3 -c "
import json, sys
m = json.load(open(sys.argv[1])); r = m['tested_on']
r.append(json.loads(json.dumps(r[0]))); r[1]['status'] = 'red'; r[1]['firmware'] = 'fwB100.r12.20260112'
r[1]['notes'] = '<script>alert(1)</script> | pipe'
json.dump(m, open(sys.argv[2], 'w'))" "$T/acme.json" "$T/two.json"
expect_exit "render html" 0 "$L" compat render "$T/two.json" --format html -o "$T/m.html"
check "html: a red cell is coloured red" grep -q 'background:#ffcdd2' "$T/m.html"
check "html: a green cell is coloured green" grep -q 'background:#c8e6c9' "$T/m.html"
check "html: notes are escaped" sh -c "grep -q '&lt;script&gt;' '$T/m.html' && ! grep -q '<script>' '$T/m.html'"
# The two rows differ in their board firmware only: two columns, each named
# by its drivers and firmwares in a header cell (not just anywhere: the
# recommended line names fwB100.r12.20260112 too).
check "html: one column per firmware, headed by drivers, board and GPU firmware" \
	grep -qF '<th>kernel=v2.4.1 nvlink=nvlink-1.0.3<br>firmware=fwB100.r12.20260112 gpu_firmware=gf-fw-3.2.0</th>' "$T/m.html"
check "html: the row without board firmware has its own column, with its GPU firmware" \
	grep -qF '<th>kernel=v2.4.1 nvlink=nvlink-1.0.3<br>gpu_firmware=gf-fw-3.2.0</th>' "$T/m.html"
expect_exit "render md of two columns" 0 "$L" compat render "$T/two.json" --format md
check "md: the pipe in notes is escaped" grep -qF '\| pipe' "$T/out"
expect_exit "render a signed manifest with its key" 0 "$L" compat render "$T/y.json" --pubkey "$T/pub.pem" --format md
expect_exit "render refuses an unknown format" 2 "$L" compat render "$SAMPLE" --format pdf
expect_exit "compat has --help" 0 "$L" compat --help
for s in validate sign query diff render last-good; do
	expect_exit "compat $s has --help" 0 "$L" compat $s --help
done
