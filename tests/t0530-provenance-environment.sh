#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The provenance names the build environment: every package of the pin as
# an ECMA-427 package URL with its .deb sha256, and the pin file itself
# (environment.json, beside the provenance and in release bundles) by
# digest.  verify and audit refuse a missing or altered environment.json.
. "$(dirname "$0")/lib.sh"

RECIPE=qemu-virt-firmware
PINFILE=$TOP/toolchains/riscv64-unknown-elf.json
cp -r "$TOP/recipes/$RECIPE" "$T/"
O=$T/fw
expect_exit "$RECIPE builds" 0 "$LOCKSTEP" build -q "$T/$RECIPE/recipe.json" -o "$O"
P=$O/provenance.json
[ -f "$P" ] || { fail "no provenance to check"; exit 0; }

check "every package of the pin appears once in resolvedDependencies, as an ECMA-427 deb URL with the pin's .deb sha256" \
	python3 - "$P" "$PINFILE" <<'PY'
import json, re, sys
from urllib.parse import unquote
rd = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["resolvedDependencies"]
pin = json.load(open(sys.argv[2]))
# ECMA-427 percent-encodes with upper-case hex: a name like libstdc++6 is
# libstdc%2B%2B6, so "%2B" is allowed as a unit in names.
purl = re.compile(r"^pkg:deb/debian/((?:[a-z0-9.-]|%2B)+)@([A-Za-z0-9.:~%-]+)\?arch=([a-z0-9-]+)&distro=(debian-1[23])$")
debs = [d for d in rd if d.get("uri", "").startswith("pkg:")]
bad = []
for d in debs:
    m = purl.match(d["uri"])
    if not m or "+" in d["uri"]:
        bad.append(("malformed", d["uri"])); continue
    # '+' only as %2B; the epoch's ':' as it is.
    if re.search(r"%(?!2B)", d["uri"]):
        bad.append(("escape other than %2B", d["uri"]))
    if m.group(4) != pin["distro"]:
        bad.append(("distro", d["uri"]))
names = [unquote(purl.match(d["uri"]).group(1)) for d in debs if purl.match(d["uri"])]
for p in pin["packages"]:
    hits = [d for d in debs if purl.match(d["uri"]) and unquote(purl.match(d["uri"]).group(1)) == p["name"]]
    if len(hits) != 1:
        bad.append(("count %d" % len(hits), p["name"])); continue
    m = purl.match(hits[0]["uri"])
    if unquote(m.group(2)) != p["version"] or m.group(3) != p["architecture"]:
        bad.append(("version/arch", hits[0]["uri"], p["version"]))
    if ":" in p["version"] and ":" not in m.group(2):
        bad.append(("epoch", hits[0]["uri"]))
    if hits[0]["digest"]["sha256"] != p["deb_sha256"]:
        bad.append(("sha256", p["name"]))
if len(debs) != len(pin["packages"]):
    bad.append(("entries", len(debs), len(pin["packages"])))
if bad:
    print(bad[:10]); sys.exit(1)
PY
# An epoch and a '+' in the URLs: the cases the rules are about.
check "a version with an epoch keeps its ':' and a '+' is written %2B" \
	bash -c "grep -q 'pkg:deb/debian/zlib1g@1:1\.2\.13\.dfsg-1?' '$P' && grep -q '@12\.4%2Bdeb12u' '$P'"

pin_dep=$(python3 -c 'import json, sys
rd = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["resolvedDependencies"]
e = [d for d in rd if d.get("name") == "environment.json"]
assert len(e) == 1 and e[0]["mediaType"] == "application/vnd.lockstep.environment-pin+json"
print(e[0]["digest"]["sha256"])' "$P" 2>/dev/null)
check "the environment.json entry's sha256 is that of the environment.json beside it" \
	[ -n "$pin_dep" -a "$pin_dep" = "$(sha256_of "$O/environment.json")" ]
check "... and that of toolchains/riscv64-unknown-elf.json" [ "$pin_dep" = "$(sha256_of "$PINFILE")" ]
check "internalParameters.environmentPin names the pin and its combined digest" python3 -c '
import json, sys
ip = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["internalParameters"]
pin = json.load(open(sys.argv[2]))
sys.exit(ip["environmentPin"] != {"name": pin["name"], "digest": {"sha256": pin["digest"]}})' "$P" "$PINFILE"
size=$(stat -c %s "$P")
echo "# provenance.json: $size bytes"
check "provenance.json stays smaller than 200 KB ($size bytes)" [ "$size" -lt 204800 ]

# --- verify -------------------------------------------------------------
mv "$O/environment.json" "$T/environment.json"
expect_err "verify refuses when environment.json beside the provenance is missing, naming it" 2 \
	'environment\.json' "$LOCKSTEP" verify -q "$P" -o "$T/v1"
check "and rebuilt nothing" test ! -e "$T/v1/rebuild/fw.elf"
cp "$T/environment.json" "$O/environment.json"; printf x >>"$O/environment.json"
bad=$(sha256_of "$O/environment.json")
expect_err "verify refuses an altered environment.json, naming it and both digests" 1 \
	"environment\.json.*($bad.*$pin_dep|$pin_dep.*$bad)" "$LOCKSTEP" verify -q "$P" -o "$T/v2"
rm "$O/environment.json"
expect_exit "verify --pin ORIGINAL passes after the move" 0 \
	"$LOCKSTEP" verify -q "$P" --pin "$T/environment.json" -o "$T/v3"
# verify --pin is checked by digest too: the pin file from the tree with a
# byte appended is not the one the provenance names.
cp "$PINFILE" "$T/other.json"; echo >>"$T/other.json"
expect_err "verify --pin with another file is refused" 1 "$pin_dep" \
	"$LOCKSTEP" verify -q "$P" --pin "$T/other.json" -o "$T/v4"

# --- audit --------------------------------------------------------------
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
expect_exit "release of $RECIPE" 0 "$LOCKSTEP" release -q "$T/$RECIPE/recipe.json" --key "$T/k" -o "$T/rel"
B=$(ls "$T"/rel/*.tar 2>/dev/null | grep -v '\.env\.tar$' | head -1)
check "the bundle holds environment.json, the pin the provenance names" \
	[ -n "$B" -a "$(tar -xOf "$B" environment.json 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$pin_dep" ]
pin_digest=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["digest"])' "$PINFILE")
check "RELEASE.md names the environment pin and its combined digest" \
	grep -q "riscv64-unknown-elf.*$pin_digest" "$T/rel/RELEASE.md"
expect_exit "audit --no-rebuild of the untouched bundle passes" 0 \
	"$LOCKSTEP" audit "$B" --pubkey "$T/k.pub" --no-rebuild
python3 - "$B" "$T/tampered.tar" <<'PY'
import io, sys, tarfile
out = tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        data = t.extractfile(m).read() if m.isfile() else None
        if m.name == "environment.json":
            b = bytearray(data); b[len(b) // 2] ^= 1; data = bytes(b); m.size = len(data)
        out.addfile(m, io.BytesIO(data) if data is not None else None)
out.close()
PY
expect_err "a bundle whose environment.json is altered is refused naming it" 1 'environment\.json' \
	"$LOCKSTEP" audit "$T/tampered.tar" --pubkey "$T/k.pub" --no-rebuild
python3 - "$B" "$T/nopin.tar" <<'PY'
import io, sys, tarfile
out = tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        if m.name != "environment.json":
            out.addfile(m, t.extractfile(m) if m.isfile() else None)
out.close()
PY
expect_err "a bundle without environment.json is refused naming it" 1 'environment\.json' \
	"$LOCKSTEP" audit "$T/nopin.tar" --pubkey "$T/k.pub" --no-rebuild
