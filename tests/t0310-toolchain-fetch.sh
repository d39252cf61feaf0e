#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `toolchain fetch`: the exact .deb files come from apt-get download into the
# lockstep home, are checked against the pin and imported into the
# content-addressed store; every refusal names the package, the versions or
# digests and the file, and leaves nothing half-made.
. "$(dirname "$0")/lib.sh"
export LOCKSTEP_TOOLCHAINS="$TOP/toolchains"
L=$LOCKSTEP
base="$TOP/toolchains/riscv64-linux-gnu.json"

reseal() { # IN OUT PYTHON-EXPR (see t0300)
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

# store_matches HOME PIN: independently of lockstep, every pinned file is in
# HOME/store/<deb sha256>/ with the pinned sha256 or symlink target, and no
# file is there that the pin does not name.
store_matches() {
	python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys
home, pin = sys.argv[1], json.load(open(sys.argv[2]))
for pkg in pin["packages"]:
    root = os.path.join(home, "store", pkg["deb_sha256"])
    want = {f["path"]: f for f in pkg["files"]}
    seen = set()
    for d, dirs, files in os.walk(root):
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            seen.add(os.path.relpath(os.path.join(d, n), root))
    assert seen == set(want), (pkg["name"], sorted(seen ^ set(want))[:3])
    for rel, f in want.items():
        full = os.path.join(root, rel)
        if "symlink" in f:
            assert os.readlink(full) == f["symlink"], rel
        else:
            assert not os.path.islink(full), rel
            assert hashlib.sha256(open(full, "rb").read()).hexdigest() == f["sha256"], rel
        assert not os.lstat(full).st_mode & 0o7000, rel + ": setuid/setgid/sticky"
PY
}

for name in riscv64-linux-gnu riscv64-unknown-elf; do
	expect_exit "$name: fetch downloads, checks and imports every package" 0 \
		"$L" toolchain fetch "$name"
	check "$name: the store holds exactly the pinned files with the pinned digests" \
		store_matches "$LOCKSTEP_HOME" "$TOP/toolchains/$name.json"
	if [ "$name" = riscv64-linux-gnu ]; then # (the other one's 1 GB is hashed above)
		expect_exit "$name: verify --store agrees" 0 "$L" toolchain verify "$name" --store
	fi
done
expect_exit "list --json after fetch" 0 "$L" toolchain list --json
check "list --json: both pins are fetched" python3 -c '
import json, sys
assert all(x["fetched"] for x in json.load(open(sys.argv[1])))' "$T/out"
expect_exit "a second fetch is a no-op that still checks the cache" 0 \
	"$L" toolchain fetch riscv64-linux-gnu

# A one-package pin keeps the refusals below fast; its .deb is copied from
# the shared cache into a home of its own.
small() { # OUT PYTHON-EXPR
	reseal "$base" "$1" "p[\"packages\"] = [x for x in p[\"packages\"] if x[\"name\"] == \"binutils-riscv64-linux-gnu\"]
$2"
}
deb=binutils-riscv64-linux-gnu_2.40-2_amd64.deb
sha=$(python3 -c 'import json,sys; print([x for x in json.load(open(sys.argv[1]))["packages"] if x["name"] == "binutils-riscv64-linux-gnu"][0]["deb_sha256"])' "$base")
fresh_home() {
	rm -rf "$T/home"; mkdir -p "$T/home/debs"
	cp "$LOCKSTEP_HOME/debs/$deb" "$T/home/debs/$deb"
}

small "$T/good.json" ''
fresh_home
expect_exit "a one-package pin fetches from the cached .deb" 0 \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain fetch "$T/good.json"
check "... and its store directory is named by the .deb's sha256" test -x "$T/home/store/$sha/usr/bin/riscv64-linux-gnu-as"

small "$T/filedigest.json" '
for f in p["packages"][0]["files"]:
    if f["path"] == "usr/bin/riscv64-linux-gnu-as":
        f["sha256"] = "ab12" + f["sha256"][4:]'
fresh_home
expect_err "an extracted file that differs from the pin is refused naming the file" 1 \
	'package "binutils-riscv64-linux-gnu": file "/usr/bin/riscv64-linux-gnu-as": sha256 differs \(pinned ab12' \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain fetch "$T/filedigest.json"
check "... and no store directory, staged or final, is left behind" \
	test -z "$(ls -A "$T/home/store")"

fresh_home
printf 'x' >>"$T/home/debs/$deb"
expect_err "a tampered .deb in the cache is refused naming the package and both digests" 1 \
	"package \"binutils-riscv64-linux-gnu\" 2\.40-2: cached .*$deb: sha256 differs \(pinned ${sha:0:12}…, found " \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain fetch "$T/good.json"
check "... and nothing is imported from it" test ! -e "$T/home/store/$sha"

fresh_home
cp "$LOCKSTEP_HOME/debs/cpp-riscv64-linux-gnu_4%3a12.2.0-5_amd64.deb" "$T/home/debs/$deb"
expect_err "another package's .deb under the pinned name is refused" 1 "sha256 differs \(pinned ${sha:0:12}…" \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain fetch "$T/good.json"

small "$T/version.json" 'p["packages"][0]["version"] = "2.40-1"'
rm -rf "$T/home"
expect_err "a version apt cannot serve is refused naming the package, the pinned version and what apt has" 2 \
	'package "binutils-riscv64-linux-gnu": pinned 2\.40-1 \(amd64\), apt has: 2\.40-2' \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain fetch "$T/version.json"

small "$T/debdigest.json" 'p["packages"][0]["deb_sha256"] = "0" * 64'
rm -rf "$T/home"
expect_err "a downloaded .deb whose sha256 differs from the pin is refused and not cached" 1 \
	'package "binutils-riscv64-linux-gnu" 2\.40-2: downloaded .*: sha256 differs \(pinned 000000000000…' \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain fetch "$T/debdigest.json"
check "... and the cache keeps nothing of it" test -z "$(ls -A "$T/home/debs")"

# The store after import is checked again by verify --store: tampering shows.
cp -a "$LOCKSTEP_HOME/store/$sha" "$T/copy"
fresh_home; mkdir -p "$T/home/store"; cp -a "$T/copy" "$T/home/store/$sha"
chmod u+w "$T/home/store/$sha/usr/bin/riscv64-linux-gnu-strip"
printf 'x' >>"$T/home/store/$sha/usr/bin/riscv64-linux-gnu-strip"
expect_err "a file changed in the store is found by verify --store" 1 \
	'file "/usr/bin/riscv64-linux-gnu-strip": sha256 differs' \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain verify --store "$T/good.json"
rm "$T/home/store/$sha/usr/bin/riscv64-linux-gnu-strip"
cp "$T/copy/usr/bin/riscv64-linux-gnu-strip" "$T/home/store/$sha/usr/bin/"
touch "$T/home/store/$sha/usr/bin/extra"
expect_err "a file added to the store is found by verify --store" 1 \
	'file "/usr/bin/extra": not in the pin' \
	env LOCKSTEP_HOME="$T/home" "$L" toolchain verify --store "$T/good.json"

# Interrupted while importing: what is in the store is complete, and no
# staging directory is left.  (The .debs are hard-linked from the shared
# cache; picolibc's 1 GB takes long enough to be interrupted inside.)
rm -rf "$T/home"; mkdir -p "$T/home/debs"
cp -l "$LOCKSTEP_HOME"/debs/*riscv64-unknown-elf* "$T/home/debs/"
LOCKSTEP_HOME="$T/home" "$L" toolchain fetch riscv64-unknown-elf >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do # until an import is under way (or all is done)
	ls -A "$T/home/store" 2>/dev/null | grep -q . && break
	sleep 0.1
done
kill -INT "$pid"; wait "$pid"; rc=$?
check "an interrupted fetch exits 2 naming the interruption" \
	bash -c "[ $rc -eq 2 ] && grep -q interrupted '$T/err'"
check "... and leaves no staging directory in the store or the cache" \
	test -z "$(find "$T/home/store" "$T/home/debs" -maxdepth 1 -name '.*lockstep-*')"
partial=$(python3 - "$T/home" "$TOP/toolchains/riscv64-unknown-elf.json" <<'PY'
import json, os, sys
home, pin = sys.argv[1], json.load(open(sys.argv[2]))
shas = {p["deb_sha256"] for p in pin["packages"]}
for d in os.listdir(os.path.join(home, "store")):
    assert d in shas, d
print(len(os.listdir(os.path.join(home, "store"))))
PY
)
check "... and every store directory left is a complete, verified one (verify --store)" \
	bash -c "[ -n '$partial' ] && LOCKSTEP_HOME='$T/home' '$L' toolchain verify --store riscv64-unknown-elf 2>&1 | grep -qE 'matches|not fetched'"

# Unprivileged: apt-get download works without root, so fetch does too.
if as_user true 2>/dev/null; then
	mkdir -p "$T/home-nobody"; chown 65534:65534 "$T/home-nobody"
	expect_exit "fetch works as an unprivileged user (its own LOCKSTEP_HOME)" 0 \
		as_user "$L" toolchain fetch riscv64-linux-gnu
	check "... and that user's store matches the pin" \
		store_matches /tmp/lockstep-test-home-nobody "$base"
else
	skip "fetch as an unprivileged user: setpriv is not available"
fi
