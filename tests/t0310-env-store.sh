#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The store: a pin's root holds exactly the pinned files at their merged-/usr
# paths (checked here independently of lockstep), read-only and without
# set-id bits; a tampered cached .deb is never unpacked; a changed or added
# file is found by `env verify --full`, and the seal stops a build first.
. "$(dirname "$0")/lib.sh"
export LOCKSTEP_TOOLCHAINS="$TOP/toolchains"
L=$LOCKSTEP
name=riscv64-linux-gnu
pin="$TOP/toolchains/$name.json"

expect_exit "$name: fetch makes (or finds) the root" 0 "$L" env fetch "$name"
root=$(python3 - "$LOCKSTEP_HOME" "$pin" <<'PY'
import hashlib, json, sys
p = json.load(open(sys.argv[2]))
s = "lockstep-root/1\n"
for x in p["packages"]:
    s += "%s %s %s %s\n" % (x["name"], x["version"], x["architecture"], x["deb_sha256"])
for a in p["alternatives"]:
    s += "alternative %s %s %s\n" % (a["name"], a["link"], a["path"])
print(sys.argv[1] + "/roots/" + hashlib.sha256(s.encode()).hexdigest())
PY
)
check "the root is where the documented root id says" [ -d "$root/usr/bin" ]

# root_matches ROOT PIN: every pinned file at its merged-/usr path with the
# pinned sha256 or link target, the alternatives' two links, nothing else,
# no set-id bit, nothing writable.
root_matches() {
	python3 - "$1" "$2" <<'PY'
import hashlib, json, os, stat, sys
root, pin = sys.argv[1], json.load(open(sys.argv[2]))
def mapped(path):
    top = path.split("/")[0]
    if top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        return None if path == top else "usr/" + path
    return path
want = {}
for pkg in pin["packages"]:
    for f in pkg["files"]:
        m = mapped(f["path"])
        if m:
            want[m] = f
for a in pin["alternatives"]:
    want[mapped(a["link"][1:])] = {"symlink": "/etc/alternatives/" + a["name"]}
    want["etc/alternatives/" + a["name"]] = {"symlink": a["path"]}
seen = set()
for d, dirs, files in os.walk(root):
    for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
        seen.add(os.path.relpath(os.path.join(d, n), root))
    assert not os.stat(d).st_mode & 0o222, d + ": writable"
assert seen == set(want), sorted(seen ^ set(want))[:5]
for rel, f in want.items():
    full = os.path.join(root, rel)
    st = os.lstat(full)
    assert not st.st_mode & 0o7000, rel + ": set-id or sticky"
    if "symlink" in f:
        assert os.readlink(full) == f["symlink"], rel
    else:
        assert not st.st_mode & 0o222, rel + ": writable"
        assert hashlib.sha256(open(full, "rb").read()).hexdigest() == f["sha256"], rel
PY
}
check "the root holds exactly the pinned files with the pinned digests, read-only" \
	root_matches "$root" "$pin"
expect_exit "env verify (the seal) passes" 0 "$L" env verify "$name"
expect_exit "env verify --full (every file hashed) passes" 0 "$L" env verify "$name" --full

# Tampering, on a copy of the store (the shared one stays whole).
copy="$T/home"
cp -a "$LOCKSTEP_HOME" "$copy"
check "a copied store keeps a valid seal" env LOCKSTEP_HOME="$copy" "$L" env verify "$name"
croot="$copy/roots/$(basename "$root")"
chmod u+w "$croot/usr/bin" "$croot/usr/bin/make"
printf 'x' >>"$croot/usr/bin/make"
expect_err "a changed file breaks the seal: the build refuses before it runs" 1 \
	"the build root changed since it was made" \
	env LOCKSTEP_HOME="$copy" "$L" build -q "$TOP/recipes/rv64-linux-driver/recipe.json" -o "$T/build-out"
check "... and leaves no output" [ ! -e "$T/build-out" ]
expect_err "env verify --full names the changed file and its package" 1 \
	'package "make": file "/usr/bin/make": sha256 differs' \
	env LOCKSTEP_HOME="$copy" "$L" env verify "$name" --full
truncate -s -1 "$croot/usr/bin/make"
: >"$croot/usr/bin/extra"
expect_err "env verify --full names a file no package ships" 1 'file "/usr/bin/extra": no package of the pin ships it' \
	env LOCKSTEP_HOME="$copy" "$L" env verify "$name" --full
chmod -R u+w "$croot" && rm -rf "$croot" "$croot.seal"

# A cached .deb that is not the pinned one is never unpacked.
deb="$copy/debs/$(python3 -c 'import json, sys
print(next("%s_%s_%s.deb" % (x["name"], x["version"].replace(":", "%3a"), x["architecture"])
           for x in json.load(open(sys.argv[1]))["packages"] if x["name"] == "make"))' "$pin")"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; open(sys.argv[1], "wb").write(b)' "$deb"
expect_err "a tampered cached .deb is refused naming the package and both digests" 1 \
	'package "make" [^:]*: .*make_[^ ]*\.deb: sha256 differs \(pinned [0-9a-f]{64}, found [0-9a-f]{64}\)' \
	env LOCKSTEP_HOME="$copy" LOCKSTEP_MIRROR=http://127.0.0.1:9 "$L" env fetch "$name"
check "... and no root is made" [ ! -e "$croot" ]
check "... nor any staging directory left" [ -z "$(ls -A "$copy/roots" | grep -v -e '^[0-9a-f]\{64\}$' -e '\.seal$')" ]
