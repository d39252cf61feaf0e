#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# env pin end to end, offline: a small Debian archive on 127.0.0.1 (the
# riscv64-linux-gnu pin's .deb files, a Packages.xz made by
# dpkg-scanpackages, an InRelease signed by a throwaway key) is resolved
# into a pin that loads, names the compiler, holds the packages at the
# committed pin's versions and digests, and is the same bytes twice.  An
# InRelease signed by another key, a Packages.xz the signed InRelease does
# not vouch for and an unknown package are refused.
. "$(dirname "$0")/lib.sh"

PINFILE=$TOP/toolchains/riscv64-linux-gnu.json
for tool in dpkg-scanpackages gpg gpgv xz; do
	command -v "$tool" >/dev/null || { skip "env pin: $tool is not installed"; exit 0; }
done

# --- the archive ----------------------------------------------------------
A=$T/archive/good
mkdir -p "$A"
mirror_layout "$PINFILE" "$A" || { fail "the pool from the shared store"; exit 0; }
mkdir -p "$A/dists/bookworm/main/binary-amd64"
(cd "$A" && dpkg-scanpackages -m pool 2>/dev/null) | xz -6 >"$A/dists/bookworm/main/binary-amd64/Packages.xz"
# release DIR: writes DIR/dists/bookworm/Release naming its Packages.xz.
release() {
	python3 - "$1/dists/bookworm" <<'PY'
import hashlib, os, sys
d = sys.argv[1]; rel = "main/binary-amd64/Packages.xz"
data = open(os.path.join(d, rel), "rb").read()
open(os.path.join(d, "Release"), "w").write(
    "Origin: lockstep-test\nSuite: bookworm\nCodename: bookworm\nArchitectures: amd64\n"
    "Components: main\nDate: Mon, 12 Jan 2026 00:00:00 UTC\nSHA256:\n %s %d %s\n"
    % (hashlib.sha256(data).hexdigest(), len(data), rel))
PY
}
release "$A"

export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
at_exit "gpgconf --kill gpg-agent 2>/dev/null"
gpg --batch -q --passphrase '' --quick-gen-key 'lockstep test archive <archive@test.invalid>' ed25519 sign never 2>/dev/null
gpg --batch -q --passphrase '' --quick-gen-key 'lockstep other key <other@test.invalid>' ed25519 sign never 2>/dev/null
gpg --batch -q --export archive@test.invalid >"$T/keyring.gpg"
# sign DIR WHO: DIR/dists/bookworm/InRelease, clear-signed by WHO.
sign() {
	rm -f "$1/dists/bookworm/InRelease"
	gpg --batch -q --local-user "$2" --clearsign -o "$1/dists/bookworm/InRelease" "$1/dists/bookworm/Release"
}
sign "$A" archive@test.invalid
check "the test archive: a keyring and an InRelease gpgv accepts" \
	sh -c "gpgv --quiet --keyring \"$T/keyring.gpg\" \"$A/dists/bookworm/InRelease\" 2>/dev/null"

# Another signer; a Packages.xz changed after signing (same packages,
# another compression, so only the signed digest tells).
O=$T/archive/other-key; mkdir -p "$O/dists/bookworm/main/binary-amd64"
ln -s ../good/pool "$O/pool"
cp "$A/dists/bookworm/main/binary-amd64/Packages.xz" "$A/dists/bookworm/Release" "$O/dists/bookworm/" 2>/dev/null
mv "$O/dists/bookworm/Packages.xz" "$O/dists/bookworm/main/binary-amd64/"
sign "$O" other@test.invalid
X=$T/archive/bad-index; mkdir -p "$X/dists/bookworm/main/binary-amd64"
ln -s ../good/pool "$X/pool"
cp "$A/dists/bookworm/InRelease" "$X/dists/bookworm/"
xz -dc "$A/dists/bookworm/main/binary-amd64/Packages.xz" | xz -1 >"$X/dists/bookworm/main/binary-amd64/Packages.xz"

http_serve "$T/archive" || { fail "an HTTP server on 127.0.0.1"; exit 0; }
base=http://127.0.0.1:$HTTP_PORT

# pin HOME MIRROR-DIR OUT [PACKAGES]: env pin test-env against the archive.
pin() {
	mkdir -p "$1"
	env LOCKSTEP_HOME="$1" LOCKSTEP_MIRROR="$base/$2" "$LOCKSTEP" env pin test-env \
		--suite bookworm --distro debian-12 \
		--packages "${4:-usr-is-merged,make,gcc-riscv64-linux-gnu}" \
		--prefix riscv64-linux-gnu- --keyring "$T/keyring.gpg" -o "$3"
}

# --- the pin ------------------------------------------------------------
expect_exit "env pin resolves the archive's signed index into a pin" 0 pin "$T/h1" good "$T/pin1.json"
expect_exit "the pin loads (env show)" 0 "$LOCKSTEP" env show "$T/pin1.json"
check "its compiler_id starts with \"GCC: (\"" python3 -c '
import json, sys; sys.exit(not json.load(open(sys.argv[1]))["compiler_id"].startswith("GCC: ("))' "$T/pin1.json"
check "it holds make, dash and gcc-riscv64-linux-gnu" python3 -c '
import json, sys
names = {p["name"] for p in json.load(open(sys.argv[1]))["packages"]}
sys.exit(not {"make", "dash", "gcc-riscv64-linux-gnu"} <= names)' "$T/pin1.json"
check "every package's version and .deb sha256 are the committed pin's" python3 - "$T/pin1.json" "$PINFILE" <<'PY'
import json, sys
mine = json.load(open(sys.argv[1]))["packages"]
ref = {p["name"]: p for p in json.load(open(sys.argv[2]))["packages"]}
bad = [p["name"] for p in mine if p["name"] not in ref or
       (p["version"], p["deb_sha256"]) != (ref[p["name"]]["version"], ref[p["name"]]["deb_sha256"])]
assert mine and not bad, bad
PY
expect_exit "a second run, from another empty store" 0 pin "$T/h2" good "$T/pin2.json"
check "the two runs give the same bytes" cmp -s "$T/pin1.json" "$T/pin2.json"

# --- refusals ---------------------------------------------------------
expect_err "an InRelease signed by another key is refused naming the signature" 1 \
	'InRelease.*signature' pin "$T/h3" other-key "$T/pin3.json"
check "and no pin written" test ! -e "$T/pin3.json"
expect_err "a Packages.xz that is not the one InRelease signs is refused naming it" 1 \
	'Packages\.xz.*sha256' pin "$T/h4" bad-index "$T/pin4.json"
check "and no pin written" test ! -e "$T/pin4.json"
expect_err "an unknown requested package: exit 2 naming it" 2 '"no-such-package-xyz"' \
	pin "$T/h5" good "$T/pin5.json" usr-is-merged,no-such-package-xyz
check "and no pin written" test ! -e "$T/pin5.json"
