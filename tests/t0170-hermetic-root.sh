#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The build root is the pin's and nothing else: a file put into the host's
# /usr is not there inside `lockstep sandbox --pin`; the tools a recipe runs
# (awk, make, sh, cc) are the pinned files, byte for byte, as root and as an
# unprivileged user; the alternatives links resolve; and a root changed
# after it was sealed is refused, by builds and by `env verify`, which
# names the file.
. "$(dirname "$0")/lib.sh"

PIN=riscv64-linux-gnu
PINFILE=$TOP/toolchains/$PIN.json
mkdir -p "$T/b" "$T/home-nobody"
chmod 777 "$T/b"
cd "$T/b"

# want_sha PATH: the pin's sha256 of the file at PATH in the root (package
# paths like bin/x are usr/bin/x there); empty when the pin has none.
want_sha() {
	python3 - "$PINFILE" "$1" <<'PY'
import json, sys
want = sys.argv[2].lstrip("/")
for p in json.load(open(sys.argv[1]))["packages"]:
    for f in p["files"]:
        path = f["path"]
        top = path.split("/", 1)[0]
        if top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = "usr/" + path
        if path == want and "sha256" in f:
            print(f["sha256"])
PY
}

# has_alternative NAME: the pin has an alternative NAME (cc comes from
# gcc's postinst).
has_alternative() {
	python3 -c 'import json, sys
sys.exit(not any(a["name"] == sys.argv[2] for a in json.load(open(sys.argv[1]))["alternatives"]))' "$PINFILE" "$1"
}

# tools WHO RUN...: the checks on the tools, with RUN the sandbox command
# line (root or unprivileged).
tools() {
	local who=$1 out tool line path got want; shift
	out=$("$@" sandbox --pin "$PIN" -- sh -c '
		for t in awk make sh cc; do
			p=$(command -v "$t") || { echo "$t -"; continue; }
			r=$(readlink -f "$p"); echo "$t $r $(sha256sum "$r" | cut -d" " -f1)"
		done' 2>"$T/err")
	for tool in awk make sh cc; do
		line=$(echo "$out" | awk -v t="$tool" '$1 == t')
		path=$(echo "$line" | cut -d' ' -f2); got=$(echo "$line" | cut -d' ' -f3)
		if [ "$tool" = cc ] && [ "$path" = - ] && ! has_alternative cc; then
			skip "$who: cc is the pinned compiler (the $PIN pin has no host gcc yet)"
			continue
		fi
		want=$(want_sha "$path")
		if [ -n "$path" ] && [ "$path" != - ] && [ -n "$want" ] && [ "$got" = "$want" ]; then
			pass "$who: $tool resolves to $path, whose sha256 is the pin's"
		else
			fail "$who: $tool resolves to a file whose sha256 is the pin's (found \"$line\", pin: ${want:-none})"
			sed 's/^/    /' "$T/err" | tail -3
		fi
	done
	out=$("$@" sandbox --pin "$PIN" -- awk 'BEGIN { print 1 + 1 }' 2>&1)
	check "$who: awk runs inside (the alternatives link is not dangling)" [ "$out" = 2 ]
	expect_exit "$who: /etc/alternatives/awk is a link to the pinned /usr/bin/mawk" 0 \
		"$@" sandbox --pin "$PIN" -- sh -c '[ -L /etc/alternatives/awk ] &&
			[ "$(readlink /etc/alternatives/awk)" = /usr/bin/mawk ] && [ -x /etc/alternatives/awk ]'
}

# --- 1. nothing of the host's /usr --------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "canaries in the host's /usr: needs root"
else
	c1=/usr/bin/lockstep-canary-$$ c2=/usr/local/share/lockstep-canary-$$
	at_exit "rm -f $c1 $c2"
	printf '#!/bin/sh\necho canary\n' >"$c1"; chmod 755 "$c1"
	mkdir -p /usr/local/share; echo canary >"$c2"
	# The control: without --pin the sandbox shows the host's /usr, canary
	# included, so its absence below means something.
	expect_exit "control: without --pin, the host's /usr (and its canary) is visible" 0 \
		"$LOCKSTEP" sandbox -- test -e "$c1"
	expect_exit "with --pin, a file just put into the host's /usr/bin is not there" 1 \
		"$LOCKSTEP" sandbox --pin "$PIN" -- test -e "$c1"
	expect_exit "with --pin, a file just put into the host's /usr/local is not there" 1 \
		"$LOCKSTEP" sandbox --pin "$PIN" -- test -e "$c2"
	expect_exit "with --pin, the host's canary cannot be run by name" 127 \
		"$LOCKSTEP" sandbox --pin "$PIN" -- sh -c "lockstep-canary-$$"
fi

# --- 2. the tools are the pinned files ----------------------------------
tools root "$LOCKSTEP"

# The unprivileged user gets a store of its own, made in this run (not the
# shared /tmp/lockstep-test-home-nobody, which other scripts use at the
# same time): fetched as that user from a mirror on 127.0.0.1 serving the
# shared store's .deb files, the way a user without root gets a root.
NH=$T/home-nobody/store
chown 65534:65534 "$T/home-nobody"
mkdir -p "$T/mirror"
if mirror_layout "$PINFILE" "$T/mirror" && http_serve "$T/mirror"; then
	expect_exit "unprivileged: env fetch into its own empty store" 0 \
		as_user env LOCKSTEP_HOME="$NH" LOCKSTEP_MIRROR="http://127.0.0.1:$HTTP_PORT" \
		"$LOCKSTEP" env fetch "$PIN"
else
	fail "unprivileged: a local mirror for its store"
fi
tools unprivileged as_user env LOCKSTEP_HOME="$NH" "$LOCKSTEP"

# --- 3. the seal --------------------------------------------------------
expect_exit "env verify $PIN passes on the shared store" 0 "$LOCKSTEP" env verify "$PIN"

# A root of our own to damage: a copy of a root would not do (the seal
# records inodes and change times, so a copy is refused as changed), so a
# fresh store is made from the shared store's .deb files (hard links: only
# read) and a file of its root is changed.
H=$T/home
mkdir -p "$H/debs"
while read -r pool name sum; do
	ln "$SHARED_HOME/debs/$name" "$H/debs/$name" 2>/dev/null || cp "$SHARED_HOME/debs/$name" "$H/debs/"
done < <(pin_debs "$PINFILE")
expect_exit "a store made from cached .deb files, offline" 0 \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR=http://127.0.0.1:"$(closed_port)" "$LOCKSTEP" env fetch "$PIN"
expect_exit "env verify --full passes on it" 0 env LOCKSTEP_HOME="$H" "$LOCKSTEP" env verify --full "$PIN"
root=$(ls -d "$H"/roots/*/ 2>/dev/null | head -1)
victim=usr/share/doc/mawk/copyright
if [ -f "$root/$victim" ]; then
	chmod u+w "$root/usr/share/doc/mawk" "$root/$victim"
	echo tampered >>"$root/$victim"
	chmod a-w "$root/usr/share/doc/mawk" "$root/$victim"
	seal='changed since it was made and sealed'
	expect_err "a sandbox on a root changed after sealing is refused" 1 "$seal" \
		env LOCKSTEP_HOME="$H" "$LOCKSTEP" sandbox --pin "$PIN" -- true
	cp -r "$TOP/recipes/rv64-linux-driver" "$T/"
	expect_err "a build on a root changed after sealing is refused" 1 "$seal" \
		env LOCKSTEP_HOME="$H" "$LOCKSTEP" build -q "$T/rv64-linux-driver/recipe.json" -o "$T/o-tampered"
	check "and it built nothing" test ! -e "$T/o-tampered/provenance.json"
	expect_err "env verify refuses the changed root" 1 "$seal" \
		env LOCKSTEP_HOME="$H" "$LOCKSTEP" env verify "$PIN"
	expect_err "env verify --full names the changed file" 1 "$victim" \
		env LOCKSTEP_HOME="$H" "$LOCKSTEP" env verify --full "$PIN"
else
	fail "the made root holds $victim (found root: ${root:-none})"
fi
expect_exit "the shared store is untouched: env verify $PIN still passes" 0 \
	"$LOCKSTEP" env verify "$PIN"
