#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Toolchain pins: the committed pins load, their combined digest is what
# docs/toolchain-pin.md says (recomputed here independently in Python), the
# host matches them, and malformed or edited pins are refused by name.
. "$(dirname "$0")/lib.sh"
export LOCKSTEP_TOOLCHAINS="$TOP/toolchains"
L=$LOCKSTEP

# reseal IN OUT PYTHON-EXPR: applies the edit to pin p, recomputes the
# combined digest (sha256 of the canonical JSON without "digest") and writes OUT.
reseal() {
	python3 - "$1" "$2" "$3" <<'PY'
import hashlib, json, sys
p = json.load(open(sys.argv[1]))
exec(sys.argv[3])
p.pop("digest", None)
canon = json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
p["digest"] = hashlib.sha256(canon.encode()).hexdigest()
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
}

for name in riscv64-unknown-elf riscv64-linux-gnu; do
	pin="$TOP/toolchains/$name.json"
	want=$(python3 - "$pin" <<'PY'
import hashlib, json, sys
p = json.load(open(sys.argv[1]))
d = p.pop("digest")
canon = json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print("ok" if hashlib.sha256(canon.encode()).hexdigest() == d else "differs")
PY
)
	check "$name: the recorded combined digest is the documented sha256 of the canonical JSON" \
		[ "$want" = ok ]
	expect_exit "$name: the host's installed files verify against the committed pin" 0 \
		"$L" toolchain verify "$name"
	expect_exit "$name: show --json names the pin and its packages" 0 \
		"$L" toolchain show "$name" --json
	check "$name: show --json is JSON with the pin's digest" python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
assert s["digest"] == p["digest"] and s["name"] == p["name"]
assert [x["name"] for x in s["packages"]] == [x["name"] for x in p["packages"]]
assert all(x["uri"].startswith("pkg:deb/debian/" + x["name"] + "@") for x in s["packages"])
' "$T/out" "$pin"
done

expect_exit "list --json lists both pins" 0 "$L" toolchain list --json
check "list --json: both pins, each installed" python3 -c '
import json, sys
l = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert l["riscv64-unknown-elf"]["installed"] and l["riscv64-linux-gnu"]["installed"]
' "$T/out"

# The compiler really emits the recorded identification.
echo 'int f(void) { return 1; }' >"$T/f.c"
riscv64-unknown-elf-gcc -c "$T/f.c" -o "$T/f.o"
cid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["compiler_id"])' \
	"$TOP/toolchains/riscv64-unknown-elf.json")
check "riscv64-unknown-elf: compiler_id is the .comment string the compiler writes" \
	grep -qF "$cid" <(riscv64-unknown-elf-readelf -p .comment "$T/f.o")

base="$TOP/toolchains/riscv64-linux-gnu.json"
reseal "$base" "$T/unknown.json" 'p["packages"][0]["hash"] = "x"'
expect_err "a pin with an unknown field is refused naming the file and the field" 2 \
	"unknown\.json: \"packages\[0\]\.hash\": unknown field" "$L" toolchain verify "$T/unknown.json"
head -c 300 "$base" >"$T/broken.json"
expect_err "a malformed pin is refused naming the file" 2 'broken\.json: .*malformed JSON' \
	"$L" toolchain show "$T/broken.json"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1])); p["packages"][0]["version"] = "4:12.2.0-6"
json.dump(p, open(sys.argv[2], "w"))' "$base" "$T/unsealed.json"
expect_err "an edited pin whose combined digest was not recomputed is refused" 2 \
	'unsealed\.json: "digest": combined digest differs' "$L" toolchain show "$T/unsealed.json"
reseal "$base" "$T/unsorted.json" 'f = p["packages"][4]["files"]; f[0], f[1] = f[1], f[0]'
expect_err "a pin whose files are not sorted is refused naming the path" 2 \
	'unsorted\.json: "packages\[4\]\.files\[1\]\.path".*sorted' "$L" toolchain show "$T/unsorted.json"
reseal "$base" "$T/escape.json" 'p["packages"][4]["files"][0]["path"] = "../etc/passwd"'
expect_err "a pin with a path that escapes / is refused" 2 'escape\.json: .*not a normalized path' \
	"$L" toolchain show "$T/escape.json"

# Edits the host does not match: named package, versions, file, digests.
reseal "$base" "$T/version.json" 'p["packages"][4]["version"] = "2.40-1"'
expect_err "a pin with another version is refused naming the package and both versions" 1 \
	'version\.json: package "binutils-riscv64-linux-gnu": pinned 2\.40-1 \(amd64\), found 2\.40-2 \(amd64\)' \
	"$L" toolchain verify "$T/version.json"
reseal "$base" "$T/filedigest.json" '
for f in p["packages"][4]["files"]:
    if f["path"] == "usr/bin/riscv64-linux-gnu-as":
        f["sha256"] = "ab12" + f["sha256"][4:]'
expect_err "a pin with a wrong file digest is refused naming the file and both digests" 1 \
	'filedigest\.json: package "binutils-riscv64-linux-gnu": file "/usr/bin/riscv64-linux-gnu-as": sha256 differs \(pinned ab12' \
	"$L" toolchain verify "$T/filedigest.json"
expect_exit "verify --json reports the mismatch and exits 1" 1 \
	"$L" toolchain verify "$T/filedigest.json" --json
check "verify --json: verified false with the reason" python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["verified"] is False and "riscv64-linux-gnu-as" in v["reason"]' "$T/out"
reseal "$base" "$T/missing.json" 'p["packages"][0]["name"] = "gcc-riscv64-linux-gnu-nonexistent"'
expect_err "a pinned package that is not installed is named" 1 \
	'package "gcc-riscv64-linux-gnu-nonexistent": not installed' "$L" toolchain verify "$T/missing.json"

expect_err "an unknown pin name is an error naming it" 2 'toolchain "no-such-pin": no pin' \
	"$L" toolchain show no-such-pin
expect_exit "toolchain --help" 0 "$L" toolchain --help
for v in list show verify fetch pin host-libs; do
	expect_exit "toolchain $v --help" 0 "$L" toolchain "$v" --help
done
expect_err "an unknown verb is a usage error" 2 'not a verb' "$L" toolchain frobnicate
