#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sources live where they live: a directory anywhere (reached with "..", or
# through a symlink) is recorded by content and by the path the recipe
# writes, never by a host path; a tarball is taken by sha256, from a file or
# an http URL (127.0.0.1), and any other bytes are refused; a Debian source
# package is found by name and version in a signed Sources index (a test
# archive on 127.0.0.1 signed by a throwaway key), its .dsc and files are
# checked link by link and it is unpacked with its patches by the
# environment pin's dpkg-source.  Every broken link of that chain is
# refused naming it.
. "$(dirname "$0")/lib.sh"

# source_param DIR: externalParameters.source of DIR/provenance.json, as
# compact JSON without the archive's digest.
source_param() {
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["externalParameters"]["source"]
s.pop("digest", None); print(json.dumps(s, sort_keys=True, separators=(",", ":")))' "$1/provenance.json"
}
# recipe FILE SOURCE-JSON [PIN]: a recipe building out/hello.o.
recipe() {
	cat >"$1" <<JSON
{"name": "hello", "kind": "firmware", "version": "fwT1.r1.20260112", "source": $2,
 "environment": "${3:-riscv64-linux-gnu}",
 "target": {"triple": "riscv64-linux-gnu", "march": "rv64gc", "mabi": "lp64d"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/hello.o"]}
JSON
}
make_src() {
	mkdir -p "$1"
	printf 'all: out/hello.o\nout/hello.o: hello.c\n\tmkdir -p out\n\t$(CROSS_COMPILE)gcc -c hello.c -o out/hello.o\n' >"$1/Makefile"
	echo 'int hello(void) { return 42; }' >"$1/hello.c"
	touch -d @1700000000 "$1" "$1"/*
}
sha() { sha256_of "$1"; }

# --- A directory anywhere --------------------------------------------------
make_src "$T/trees/fw"
mkdir -p "$T/recipes/r"
recipe "$T/recipes/r/up.json" '"../../trees/fw"'
expect_exit "dir: a source reached with .. builds" 0 "$LOCKSTEP" build -q "$T/recipes/r/up.json" -o "$T/out-up"
check "dir: the provenance names the path as the recipe writes it" \
	[ "$(source_param "$T/out-up")" = '{"exclude":[".git"],"kind":"dir","name":"source.tar.zst","path":"../../trees/fw"}' ]
check "dir: no host path is in the provenance" bash -c "! grep -q '$T' '$T/out-up/provenance.json'"
ln -s ../../trees/fw "$T/recipes/r/link"
recipe "$T/recipes/r/link.json" '"link"'
expect_exit "dir: a symlinked source directory builds" 0 "$LOCKSTEP" build -q "$T/recipes/r/link.json" -o "$T/out-link"
check "dir: through the symlink, the same source archive (recorded by content)" \
	cmp -s "$T/out-up/source.tar.zst" "$T/out-link/source.tar.zst"
recipe "$T/recipes/r/abs.json" "\"$T/trees/fw\""
expect_err "dir: an absolute path is refused (a host path in the recipe)" 2 \
	'"source": ".*" must be a path relative to the recipe' "$LOCKSTEP" build -q "$T/recipes/r/abs.json" -o "$T/out-abs"
recipe "$T/recipes/r/none.json" '"../nowhere"'
expect_err "dir: a missing directory is named" 2 '"source": "../nowhere": No such file' \
	"$LOCKSTEP" build -q "$T/recipes/r/none.json" -o "$T/out-none"

# --- A tarball by sha256 -----------------------------------------------------
tar -C "$T/trees" -czf "$T/recipes/r/fw.tar.gz" fw
sum=$(sha "$T/recipes/r/fw.tar.gz")
recipe "$T/recipes/r/tar.json" "{\"tarball\": \"fw.tar.gz\", \"sha256\": \"$sum\", \"strip\": 1}"
expect_exit "tarball: a local tarball with the recipe's sha256 builds" 0 \
	"$LOCKSTEP" build -q "$T/recipes/r/tar.json" -o "$T/out-tar"
check "tarball: the artifact is the directory build's" cmp -s "$T/out-up/hello.o" "$T/out-tar/hello.o"
check "tarball: strip 1 drops the top directory (Makefile at the top)" \
	bash -c "tar -tf '$T/out-tar/source.tar.zst' | grep -qx Makefile"
check "tarball: the provenance names it and its sha256" \
	[ "$(source_param "$T/out-tar")" = "{\"kind\":\"tarball\",\"name\":\"source.tar.zst\",\"path\":\"fw.tar.gz\",\"sha256\":\"$sum\",\"strip\":1}" ]
recipe "$T/recipes/r/tar-bad.json" "{\"tarball\": \"fw.tar.gz\", \"sha256\": \"$(printf '%064d' 0)\"}"
expect_err "tarball: other bytes than the recipe's sha256 are refused (exit 1, both digests)" 1 \
	"sha256 $sum, the recipe says 0{64}" "$LOCKSTEP" build -q "$T/recipes/r/tar-bad.json" -o "$T/out-tar-bad"
tar -C "$T/trees/fw" -czf "$T/recipes/r/flat.tar.gz" Makefile hello.c
recipe "$T/recipes/r/tar-flat.json" "{\"tarball\": \"flat.tar.gz\", \"sha256\": \"$(sha "$T/recipes/r/flat.tar.gz")\", \"strip\": 1}"
expect_err "tarball: strip on a tarball without one top directory is refused" 2 \
	'"source.strip": flat.tar.gz does not hold exactly one top directory' \
	"$LOCKSTEP" build -q "$T/recipes/r/tar-flat.json" -o "$T/out-flat"

# By URL: fetched once into the store, checked while it arrives.  Each run
# makes its own bytes, so the store never holds this run's tarball yet.
mkdir -p "$T/www/fw"; cp -p "$T/trees/fw"/* "$T/www/fw/"
echo "/* $T */" >>"$T/www/fw/hello.c"
tar -C "$T/www" -czf "$T/www/fw.tar.gz" fw
usum=$(sha "$T/www/fw.tar.gz")
at_exit "rm -f '$SHARED_HOME/sources/tarballs/$usum'"
http_serve "$T/www" || { fail "an HTTP server on 127.0.0.1"; exit 0; }
url=http://127.0.0.1:$HTTP_PORT/fw.tar.gz
recipe "$T/recipes/r/url-bad.json" "{\"tarball\": \"$url\", \"sha256\": \"$(printf '%064d' 0)\"}"
expect_err "tarball URL: other bytes than the sha256 are refused (exit 1)" 1 "$usum" \
	"$LOCKSTEP" build -q "$T/recipes/r/url-bad.json" -o "$T/out-url-bad"
recipe "$T/recipes/r/url.json" "{\"tarball\": \"$url\", \"sha256\": \"$usum\", \"strip\": 1}"
expect_exit "tarball URL: fetched from 127.0.0.1 and built" 0 \
	"$LOCKSTEP" build -q "$T/recipes/r/url.json" -o "$T/out-url"
check "tarball URL: kept in the store by its sha256" test -f "$SHARED_HOME/sources/tarballs/$usum"
kill "$HTTP_PID"; wait "$HTTP_PID" 2>/dev/null
expect_exit "tarball URL: a second build needs no server" 0 \
	"$LOCKSTEP" build -q "$T/recipes/r/url.json" -o "$T/out-url2"

# --- A Debian source package -------------------------------------------------
for tool in dpkg-source dpkg-scansources gpg gpgv xz; do
	command -v "$tool" >/dev/null || { skip "debian-source: $tool is not installed"; exit 0; }
done
PKG=lockstep-test-fw
at_exit "rm -rf '$SHARED_HOME/sources/${PKG}_'*"
# A 3.0 (quilt) package whose one patch changes the answer: built, the
# source is the patched tree.
S=$T/pkg; mkdir -p "$S"
make_src "$S/$PKG-1.0"
tar -C "$S" -czf "$S/${PKG}_1.0.orig.tar.gz" "$PKG-1.0"
mkdir -p "$S/$PKG-1.0/debian/source" "$S/$PKG-1.0/debian/patches"
echo '3.0 (quilt)' >"$S/$PKG-1.0/debian/source/format"
printf 'Source: %s\nMaintainer: T <t@test.invalid>\nSection: misc\nPriority: optional\nStandards-Version: 4.6.1\n\nPackage: %s\nArchitecture: all\nDescription: test\n test\n' "$PKG" "$PKG" >"$S/$PKG-1.0/debian/control"
printf '%s (1.0-1) unstable; urgency=medium\n\n  * Test.\n\n -- T <t@test.invalid>  Mon, 12 Jan 2026 00:00:00 +0000\n' "$PKG" >"$S/$PKG-1.0/debian/changelog"
printf '#!/usr/bin/make -f\n%%:\n\tdh $@\n' >"$S/$PKG-1.0/debian/rules"
cat >"$S/$PKG-1.0/debian/patches/answer.patch" <<'P'
--- a/hello.c
+++ b/hello.c
@@ -1 +1 @@
-int hello(void) { return 42; }
+int hello(void) { return 43; }
P
echo answer.patch >"$S/$PKG-1.0/debian/patches/series"
(cd "$S" && dpkg-source -b "$PKG-1.0" >/dev/null 2>&1) || { fail "dpkg-source -b made the test package"; exit 0; }

A=$T/archive/good
mkdir -p "$A/pool/main/l/$PKG" "$A/dists/bookworm/main/source"
cp "$S/${PKG}_1.0"* "$A/pool/main/l/$PKG/"
(cd "$A" && dpkg-scansources pool 2>/dev/null) | xz -6 >"$A/dists/bookworm/main/source/Sources.xz"
release() { # DIR: DIR/dists/bookworm/Release naming its Sources.xz
	python3 - "$1/dists/bookworm" <<'PY'
import hashlib, os, sys
d = sys.argv[1]; rel = "main/source/Sources.xz"
data = open(os.path.join(d, rel), "rb").read()
open(os.path.join(d, "Release"), "w").write(
    "Origin: lockstep-test\nSuite: bookworm\nCodename: bookworm\nComponents: main\n"
    "Date: Mon, 12 Jan 2026 00:00:00 UTC\nSHA256:\n %s %d %s\n"
    % (hashlib.sha256(data).hexdigest(), len(data), rel))
PY
}
export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
at_exit "gpgconf --kill gpg-agent 2>/dev/null"
gpg --batch -q --passphrase '' --quick-gen-key 'lockstep test archive <archive@test.invalid>' ed25519 sign never 2>/dev/null
gpg --batch -q --passphrase '' --quick-gen-key 'lockstep other key <other@test.invalid>' ed25519 sign never 2>/dev/null
gpg --batch -q --export archive@test.invalid >"$T/keyring.gpg"
sign() { # DIR WHO
	release "$1"
	rm -f "$1/dists/bookworm/InRelease"
	gpg --batch -q --local-user "$2" --clearsign -o "$1/dists/bookworm/InRelease" "$1/dists/bookworm/Release"
}
sign "$A" archive@test.invalid
# copy_archive NAME: another archive, a copy of the good one.
copy_archive() { cp -a "$A" "$T/archive/$1"; echo "$T/archive/$1"; }
# One byte of FILE flipped.
flip() { python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(40); b = f.read(1); f.seek(40); f.write(bytes([b[0] ^ 1]))' "$1"; }
O=$(copy_archive other-key); sign "$O" other@test.invalid
D=$(copy_archive bad-dsc); flip "$D/pool/main/l/$PKG/${PKG}_1.0-1.dsc"
G=$(copy_archive bad-orig); flip "$G/pool/main/l/$PKG/${PKG}_1.0.orig.tar.gz"

http_serve "$T/archive" || { fail "an HTTP server on 127.0.0.1"; exit 0; }
export LOCKSTEP_KEYRING=$T/keyring.gpg
mkdir -p "$T/deb"
# debsrc ARCHIVE VERSION [PIN]: builds the package from ARCHIVE into $T/deb/out-ARCHIVE,
# with an empty source store each time.
debsrc() {
	rm -rf "$SHARED_HOME/sources/${PKG}_"*
	recipe "$T/deb/$1.json" "{\"debian-source\": \"$PKG\", \"version\": \"$2\"}" "${3:-opensbi-debian12}"
	LOCKSTEP_MIRROR=http://127.0.0.1:$HTTP_PORT/$1 "$LOCKSTEP" build -q "$T/deb/$1.json" -o "$T/deb/out-$1"
}
dscsum=$(sha "$A/pool/main/l/$PKG/${PKG}_1.0-1.dsc")
expect_exit "debian-source: found in the signed Sources index, fetched, unpacked, built" 0 debsrc good 1.0-1
check "debian-source: the patch is applied (hello.c returns 43)" \
	bash -c "tar -xOf '$T/deb/out-good/source.tar.zst' hello.c | grep -q 'return 43'"
check "debian-source: the debian/ directory is part of the source" \
	bash -c "tar -tf '$T/deb/out-good/source.tar.zst' | grep -q '^debian/rules$'"
check "debian-source: the provenance names the package, version, suite, .dsc and its sha256" python3 - "$T/deb/out-good/provenance.json" "$PKG" "$dscsum" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["externalParameters"]["source"]
assert s["kind"] == "debian-source" and s["path"] == sys.argv[2] and s["version"] == "1.0-1", s
assert s["suite"] == "bookworm" and s["dsc"]["name"] == sys.argv[2] + "_1.0-1.dsc", s
assert s["dsc"]["digest"]["sha256"] == sys.argv[3], s
assert s["unpacked_with"].startswith("dpkg-source -x (dpkg-dev "), s
PY
check "debian-source: no host path is in the provenance" bash -c "! grep -q '$T' '$T/deb/out-good/provenance.json'"
expect_exit "debian-source: verify rebuilds it from the source archive" 0 \
	"$LOCKSTEP" verify -q "$T/deb/out-good/provenance.json" --artifact "$T/deb/out-good/hello.o" -o "$T/deb/verify"

expect_err "debian-source: an InRelease signed by another key is refused (exit 1)" 1 \
	'InRelease.*signature' debsrc other-key 1.0-1
expect_err "debian-source: a .dsc other than the index's is refused naming it (exit 1)" 1 \
	"${PKG}_1.0-1.dsc.*$dscsum" debsrc bad-dsc 1.0-1
expect_err "debian-source: a tarball other than the .dsc's is refused naming it (exit 1)" 1 \
	"${PKG}_1.0.orig.tar.gz" debsrc bad-orig 1.0-1
check "debian-source: nothing of the refused tarball is kept in the store" \
	bash -c "! ls '$SHARED_HOME/sources/${PKG}_1.0-1/' 2>/dev/null | grep -q orig"
expect_err "debian-source: a version the index does not list is refused naming it (exit 2)" 2 \
	"\"$PKG\" 9\\.9-9 is not in the Sources index of bookworm" debsrc good 9.9-9
expect_err "debian-source: a pin without dpkg-dev is refused saying so (exit 2)" 2 \
	'"dpkg-dev" is not in the environment pin "riscv64-linux-gnu"' debsrc good 1.0-1 riscv64-linux-gnu
