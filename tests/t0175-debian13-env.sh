#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A recipe built on this Debian 12 host in the Debian 13 environment: the
# firmware recipe pointed at riscv64-unknown-elf-debian13 builds twice to
# the same bytes, and the compiler the ELF file names is Debian 13's cross
# gcc (14.x), not the host's nor Debian 12's.
. "$(dirname "$0")/lib.sh"

PIN=riscv64-unknown-elf-debian13
if [ ! -f "$TOP/toolchains/$PIN.json" ]; then
	skip "Debian 13 environment: no toolchains/$PIN.json yet"; exit 0
fi
# Only the store: no fetch from anywhere but 127.0.0.1 in the tests.
if ! "$LOCKSTEP" env verify "$PIN" >"$T/v.log" 2>&1; then
	skip "Debian 13 environment: $PIN is not fetched into $LOCKSTEP_HOME ($(tail -n 1 "$T/v.log"))"; exit 0
fi
export LOCKSTEP_MIRROR=http://127.0.0.1:$(closed_port)

mkdir -p "$T/a" "$T/b/elsewhere"
cp -r "$TOP/recipes/qemu-virt-firmware" "$T/a/fw"
python3 - "$T/a/fw/recipe.json" "$PIN" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("toolchain", "environment"):
    if k in r: r[k] = sys.argv[2]
json.dump(r, open(sys.argv[1], "w"), indent=2)
PY
cp -r "$T/a/fw" "$T/b/elsewhere/fw"
expect_exit "the firmware recipe builds in the Debian 13 environment" 0 \
	"$LOCKSTEP" build -q "$T/a/fw/recipe.json" -o "$T/o1"
expect_exit "and again, from another directory" 0 \
	"$LOCKSTEP" build -q "$T/b/elsewhere/fw/recipe.json" -o "$T/o2"
subjects() {
	python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["subject"]: print(s["name"], s["digest"]["sha256"])' "$1" 2>/dev/null
}
s1=$(subjects "$T/o1/provenance.json")
check "the two builds have identical digests" [ -n "$s1" -a "$s1" = "$(subjects "$T/o2/provenance.json")" ]
check "and identical bytes" cmp -s "$T/o1/fw.elf" "$T/o2/fw.elf"
check "the provenance names the Debian 13 pin" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]
sys.exit(p["internalParameters"]["environmentPin"]["name"] != sys.argv[2] or
         not any(d.get("uri", "").endswith("distro=debian-13") for d in p["resolvedDependencies"]))' \
	"$T/o1/provenance.json" "$PIN"
cid=$(python3 -c '
import json, sys
bp = {b["name"]: b for b in json.load(open(sys.argv[1]))["predicate"]["runDetails"]["byproducts"]}
print("\n".join(bp["fw.elf"]["annotations"]["comment"]))' "$T/o1/provenance.json" 2>/dev/null)
echo "# compiler: $cid"
check "the compiler the ELF file names is gcc 14.x (Debian 13's cross gcc)" \
	grep -qE '^GCC: \(.*\) 14\.[0-9]+' <<<"$cid"
check "it is the one the pin records" [ "$(echo "$cid" | head -1)" = \
	"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["compiler_id"])' "$TOP/toolchains/$PIN.json")" ]
# The Debian 12 build of the same recipe differs: the environment matters.
cp -r "$TOP/recipes/qemu-virt-firmware" "$T/d12"
"$LOCKSTEP" build -q "$T/d12/recipe.json" -o "$T/o12" >/dev/null 2>&1
check "control: the Debian 12 build of the same source gives another fw.elf" \
	bash -c "[ -f '$T/o12/fw.elf' ] && ! cmp -s '$T/o1/fw.elf' '$T/o12/fw.elf'"
