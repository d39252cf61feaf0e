#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Environment pins: the committed pins load, their combined digest is what
# docs/toolchain-pin.md says (recomputed here independently in Python), each
# is a whole build root, the pinned compiler says what the pin records, and
# malformed or edited pins are refused by name.
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

for name in riscv64-unknown-elf riscv64-linux-gnu riscv64-unknown-elf-debian13 \
	riscv64-linux-gnu-debian13; do
	pin="$TOP/toolchains/$name.json"
	if [ ! -f "$pin" ]; then skip "$name: no such pin committed"; continue; fi
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
	check "$name: the pin is the whole build root: essential packages, make, a shell, an awk" \
		python3 -c '
import json, sys
p = json.load(open(sys.argv[1])); names = {x["name"] for x in p["packages"]}
assert {"base-files", "dash", "coreutils", "make", "mawk", "libc6"} <= names, names
assert all(x["pool"].startswith("pool/") and x["suite"] for x in p["packages"])
assert any(a["link"] == "/usr/bin/awk" for a in p["alternatives"])' "$pin"
	expect_exit "$name: show --json names the pin and its packages" 0 \
		"$L" env show "$name" --json
	check "$name: show --json is JSON with the pin's digest and package URLs" python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
assert s["digest"] == p["digest"] and s["name"] == p["name"]
assert [x["name"] for x in s["packages"]] == [x["name"] for x in p["packages"]]
assert all(x["uri"].startswith("pkg:deb/debian/") and "&distro=" + p["distro"] in x["uri"]
           for x in s["packages"])
' "$T/out" "$pin"
done

expect_exit "list --json lists the pins" 0 "$L" env list --json
check "list --json: the Debian 12 pins are fetched (their roots made)" python3 -c '
import json, sys
l = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert l["riscv64-unknown-elf"]["fetched"] and l["riscv64-linux-gnu"]["fetched"]
' "$T/out"

# The compiler in the root really emits the recorded identification: asked
# inside a sandbox made of the pin's root, not on the host.
echo 'int f(void) { return 1; }' >"$T/f.c"
cid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["compiler_id"])' \
	"$TOP/toolchains/riscv64-unknown-elf.json")
expect_exit "riscv64-unknown-elf: the pinned compiler runs in its root" 0 \
	"$L" sandbox --pin riscv64-unknown-elf --build-dir "$T" -- riscv64-unknown-elf-gcc -c f.c -o f.o
check "riscv64-unknown-elf: compiler_id is the .comment string the pinned compiler writes" \
	grep -qaF "$cid" "$T/f.o"

base="$TOP/toolchains/riscv64-linux-gnu.json"
reseal "$base" "$T/unknown.json" 'p["packages"][0]["hash"] = "x"'
expect_err "a pin with an unknown field is refused naming the file and the field" 2 \
	"unknown\.json: \"packages\[0\]\.hash\": unknown field" "$L" env show "$T/unknown.json"
head -c 300 "$base" >"$T/broken.json"
expect_err "a malformed pin is refused naming the file" 2 'broken\.json: .*malformed JSON' \
	"$L" env show "$T/broken.json"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1])); p["packages"][0]["version"] = "4:12.2.0-6"
json.dump(p, open(sys.argv[2], "w"))' "$base" "$T/unsealed.json"
expect_err "an edited pin whose combined digest was not recomputed is refused" 2 \
	'unsealed\.json: "digest": combined digest differs' "$L" env show "$T/unsealed.json"
reseal "$base" "$T/unsorted.json" 'f = p["packages"][4]["files"]; f[0], f[1] = f[1], f[0]'
expect_err "a pin whose files are not sorted is refused naming the path" 2 \
	'unsorted\.json: "packages\[4\]\.files\[1\]\.path".*sorted' "$L" env show "$T/unsorted.json"
reseal "$base" "$T/escape.json" 'p["packages"][4]["files"][0]["path"] = "../etc/passwd"'
expect_err "a pin with a path that escapes / is refused" 2 'escape\.json: .*not a normalized path' \
	"$L" env show "$T/escape.json"

reseal "$base" "$T/format1.json" 'p["format"] = 1'
expect_err "a format-1 pin (a compiler only) is refused naming the format" 2 \
	'format1\.json: "format": 1: unsupported' "$L" env show "$T/format1.json"
reseal "$base" "$T/pool.json" 'p["packages"][0]["pool"] = "../../etc/passwd"'
expect_err "a pool path that is not below pool/ is refused" 2 'pool\.json: "packages\[0\]\.pool"' \
	"$L" env show "$T/pool.json"
reseal "$base" "$T/alt.json" 'p["alternatives"].append({"name": "x", "link": "/etc/x", "path": "/usr/bin/x"})'
expect_err "an alternative whose link is in /etc is refused" 2 'alt\.json: "alternatives\[[0-9]+\]"' \
	"$L" env show "$T/alt.json"
reseal "$base" "$T/order.json" 'p["packages"][0], p["packages"][1] = p["packages"][1], p["packages"][0]'
expect_err "packages out of name order are refused" 2 'order\.json: .*sorted by name' \
	"$L" env show "$T/order.json"

expect_err "an unknown pin name is an error naming it" 2 'toolchain "no-such-pin": no pin' \
	"$L" env show no-such-pin
expect_exit "env --help" 0 "$L" env --help
expect_exit "toolchain is another name of env" 0 "$L" toolchain list
for v in list show verify fetch pin export import; do
	expect_exit "env $v --help" 0 "$L" env "$v" --help
done
expect_err "an unknown verb is a usage error" 2 'not a verb' "$L" env frobnicate
expect_err "pin without --suite is a usage error" 2 'needs --suite, --distro and --packages' \
	"$L" env pin x --packages make
