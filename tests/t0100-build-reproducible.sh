#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep build: the same recipe built from two host directories, at two
# times, as two users (root and an unprivileged one) gives byte-identical
# artifacts, and the provenance names them by the digests sha256sum computes.
. "$(dirname "$0")/lib.sh"

for recipe in qemu-virt-firmware rv64-linux-driver; do
	mkdir -p "$T/a" "$T/b/deeper/path" "$T/home-nobody"
	cp -r "$TOP/recipes/$recipe" "$T/a/"
	cp -r "$TOP/recipes/$recipe" "$T/b/deeper/path/"
	chown -R 65534:65534 "$T/b" "$T/home-nobody"

	expect_exit "$recipe: builds as root from one directory" 0 \
		"$LOCKSTEP" build -q "$T/a/$recipe/recipe.json" -o "$T/out-a-$recipe"
	sleep 1
	expect_exit "$recipe: builds as an unprivileged user from another directory, later" 0 \
		as_user "$LOCKSTEP" build -q "$T/b/deeper/path/$recipe/recipe.json" -o "$T/b/out"

	outputs=$(python3 -c 'import json,sys; print(" ".join(o.split("/")[-1] for o in json.load(open(sys.argv[1]))["outputs"]))' "$TOP/recipes/$recipe/recipe.json")
	same=1
	for o in $outputs source.tar.zst; do
		cmp -s "$T/out-a-$recipe/$o" "$T/b/out/$o" || { same=0; echo "differs: $o"; }
	done
	check "$recipe: artifacts and source archive are byte-identical across the two builds" [ "$same" = 1 ]

	ok=1
	for o in $outputs; do
		want=$(sha256sum "$T/out-a-$recipe/$o" | cut -d' ' -f1)
		got=$(python3 -c 'import json,sys
p=json.load(open(sys.argv[1]))
print([s["digest"]["sha256"] for s in p["subject"] if s["name"]==sys.argv[2]][0])' "$T/out-a-$recipe/provenance.json" "$o" 2>/dev/null)
		[ "$want" = "$got" ] || { ok=0; echo "$o: sha256sum $want, provenance $got"; }
	done
	check "$recipe: provenance subjects match sha256sum of the artifacts" [ "$ok" = 1 ]

	src=$(sha256sum "$T/out-a-$recipe/source.tar.zst" | cut -d' ' -f1)
	check "$recipe: provenance names the source archive by its sha256" \
		grep -q "\"$src\"" "$T/out-a-$recipe/provenance.json"
	check "$recipe: the host build directory does not leak into the artifacts" \
		bash -c "! grep -rq --exclude=build.log -- '$T' $T/out-a-$recipe"
	rm -rf "$T/a" "$T/b"
done

# The source archive: zstd (multi-threaded, one thread per CPU the build
# may use), the same bytes on one CPU as on all of them, stored once by
# digest with the output's name a hard link to it.
o="$T/out-a-qemu-virt-firmware"
check "the source archive is zstd" \
	[ "$(od -An -tx1 -N4 "$o/source.tar.zst" | tr -d ' ')" = 28b52ffd ]
expect_exit "qemu-virt-firmware: builds on one CPU" 0 \
	taskset -c 0 "$LOCKSTEP" build -q "$TOP/recipes/qemu-virt-firmware/recipe.json" -o "$T/one-cpu"
check "the source archive written by one zstd thread has the bytes of one written by all" \
	cmp -s "$o/source.tar.zst" "$T/one-cpu/source.tar.zst"
check "both builds' source.tar.zst are one file in the store, named by its sha256" \
	[ "$o/source.tar.zst" -ef "$T/one-cpu/source.tar.zst" ]
check "the store's file is the output's source.tar.zst" \
	[ "$o/source.tar.zst" -ef "$LOCKSTEP_HOME/sources/$(sha256_of "$o/source.tar.zst").tar.zst" ]

p="$T/out-a-qemu-virt-firmware/provenance.json"
check "provenance is an in-toto Statement v1 with a SLSA Provenance v1 predicate" python3 - "$p" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert set(p) == {"_type", "subject", "predicateType", "predicate"}, set(p)
assert p["_type"] == "https://in-toto.io/Statement/v1"
assert p["predicateType"] == "https://slsa.dev/provenance/v1"
bd = p["predicate"]["buildDefinition"]
assert bd["externalParameters"]["recipe"]["content"]["name"] == "qemu-virt-firmware"
ip = bd["internalParameters"]
assert ip["SOURCE_DATE_EPOCH"] == 1768176000 and ip["buildPath"] == "/build"
assert len(ip["sandboxProfile"]["digest"]["sha256"]) == 64
uris = [d.get("uri", "") for d in bd["resolvedDependencies"]]
assert any(u.startswith("pkg:deb/debian/gcc-riscv64-unknown-elf@") for u in uris), uris
md = p["predicate"]["runDetails"]["metadata"]
assert md["startedOn"].endswith("Z") and md["finishedOn"].endswith("Z")
PY
check "provenance records the compiler and flags read from the ELF file itself" python3 - "$p" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
bp = {b["name"]: b for b in p["predicate"]["runDetails"]["byproducts"]}
a = bp["fw.elf"]["annotations"]
assert any(c.startswith("GCC:") for c in a["comment"]), a
assert any("-march=rv64imac" in pr["producer"] for pr in a["producers"]), a
PY
