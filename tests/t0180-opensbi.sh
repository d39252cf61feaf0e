#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real firmware, rebuilt from its distribution's own source: OpenSBI 1.1-2
# as Debian 12 ships it (recipes/opensbi), from Debian's source package in
# the store (scripts/test-stores fetched it), built with no mirror
# reachable.  Its fw_dynamic.bin and fw_jump.bin are the bytes of Debian's
# opensbi_1.1-2_all.deb (served by a mirror on 127.0.0.1 and checked by
# the sha256 bookworm's signed Packages index gives it), and lockstep diff
# finds the stripped .elf files differ only in .riscv.attributes (the
# binutils 2.40 assembler's Tag_RISCV_arch).
. "$(dirname "$0")/lib.sh"

DEB=opensbi_1.1-2_all.deb
DEB_POOL=pool/main/o/opensbi/$DEB
DEB_SHA256=c122d09cff2439fd53ceeb3550257b001bc77cc87530c490a92bdb424bb4222a
# Debian's files, as the issue that asked for this recipe measured them.
WANT_DYNAMIC=88e76ec1a9e2e5f3ecfc2d8892b923fddc9a3974e63f4190dbcab56b4909fb2f
WANT_JUMP=ae7513b7e4617aed2275e40ef9d926d55768b0ab8598d0da3c6bf962523162e2
SRC=$SHARED_HOME/sources/opensbi_1.1-2

[ -f "$SRC/selected" ] || { skip "opensbi: Debian's source package is not in the store ($SRC; scripts/test-stores fetches it from a mirror that serves source packages)"; exit 0; }
[ -f "$SHARED_HOME/debs/$DEB" ] || { skip "opensbi: $DEB is not in the store (scripts/test-stores fetches it)"; exit 0; }
command -v dpkg-deb >/dev/null || { skip "opensbi: dpkg-deb is not installed"; exit 0; }

# --- the build, from the store alone -------------------------------------
start=$(date +%s)
expect_exit "opensbi: recipes/opensbi builds from the store, no mirror reachable" 0 \
	env LOCKSTEP_MIRROR=http://127.0.0.1:"$(closed_port)" \
	"$LOCKSTEP" build -q "$TOP/recipes/opensbi/recipe.json" -o "$T/fw"
echo "# opensbi build: $(( $(date +%s) - start ))s"
check "opensbi: the provenance names Debian's source package and its .dsc sha256" python3 - \
	"$T/fw/provenance.json" "$(sha256_of "$SRC/opensbi_1.1-2.dsc")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["externalParameters"]["source"]
assert (s["kind"], s["path"], s["version"], s["suite"]) == ("debian-source", "opensbi", "1.1-2", "bookworm"), s
assert s["dsc"]["digest"]["sha256"] == sys.argv[2], s
PY
check "opensbi: Debian's patch (FENCE.TSO) is in the source" \
	bash -c "tar -tf '$T/fw/source.tar.zst' | grep -q '^debian/patches/' && tar -xOf '$T/fw/source.tar.zst' debian/patches/series | grep -qi fence"

# --- Debian's binary package, from a mirror on 127.0.0.1 -------------------
mkdir -p "$T/mirror/$(dirname "$DEB_POOL")"
ln -f "$SHARED_HOME/debs/$DEB" "$T/mirror/$DEB_POOL" 2>/dev/null || cp "$SHARED_HOME/debs/$DEB" "$T/mirror/$DEB_POOL"
http_serve "$T/mirror" || { fail "an HTTP server on 127.0.0.1"; exit 0; }
python3 -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1]).read())' \
	"http://127.0.0.1:$HTTP_PORT/$DEB_POOL" "$T/$DEB"
check "Debian's $DEB, fetched from 127.0.0.1, has the signed index's sha256" \
	[ "$(sha256_of "$T/$DEB")" = "$DEB_SHA256" ]
dpkg-deb -x "$T/$DEB" "$T/debian"
D=$T/debian/usr/lib/riscv64-linux-gnu/opensbi/generic
for fw in fw_dynamic fw_jump; do
	check "opensbi: $fw.bin is Debian's, byte for byte" cmp -s "$D/$fw.bin" "$T/fw/$fw.bin"
done
check "opensbi: and has the digests Debian's files have" \
	[ "$(sha256_of "$T/fw/fw_dynamic.bin") $(sha256_of "$T/fw/fw_jump.bin")" = "$WANT_DYNAMIC $WANT_JUMP" ]

# --- the .elf pair ----------------------------------------------------------
"$LOCKSTEP" diff "$D/fw_jump.elf" "$T/fw/fw_jump.elf" >"$T/diff" 2>&1; rc=$?
check "opensbi: lockstep diff says the stripped fw_jump.elf differ (exit 1)" [ "$rc" -eq 1 ]
check "opensbi: the only section that differs is .riscv.attributes" \
	[ "$(grep -oE 'section [^ :]+' "$T/diff" | sort -u)" = "section .riscv.attributes" ]
check "opensbi: the difference is the assembler's ISA string (_zmmul)" grep -q '_zmmu' "$T/diff"
