#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A build root instead of the host's /usr, as root and as an unprivileged
# user: only the root's files are there, /usr stays read-only, /etc has the
# root's entries beside lockstep's own; and bad configurations are refused
# with a clear error.
. "$(dirname "$0")/lib.sh"

sb() {
	local mode=$1; shift
	if [ "$mode" = user ]; then as_user "$LOCKSTEP" sandbox "$@"; else "$LOCKSTEP" sandbox "$@"; fi
}

export LOCKSTEP_TOOLCHAINS="$TOP/toolchains"
pin=riscv64-linux-gnu
root=$("$LOCKSTEP" env show $pin --json | python3 -c 'import json, sys
print(sys.argv[1] + "/roots/" + json.load(sys.stdin)["root_id"])' "$LOCKSTEP_HOME")
user_root=$("$LOCKSTEP" env show $pin --json | python3 -c 'import json, sys
print(sys.argv[1] + "/roots/" + json.load(sys.stdin)["root_id"])' /tmp/lockstep-test-home-nobody)

for mode in root user; do
	b="$T/$mode-build"
	r=$root
	mkdir -p "$b"
	[ "$mode" = user ] && { chown 65534:65534 "$b"; r=$user_root; }

	out=$(sb $mode --build-dir "$b" --root "$r" -- sh -c 'make --version | head -1' 2>&1)
	check "$mode: the root's make runs" [ "${out#GNU Make}" != "$out" ]
	out=$(sb $mode --build-dir "$b" --root "$r" -- sh -c 'test -e /usr/bin/python3 && echo host; test -e /usr/bin/bwrap && echo host; echo done' 2>&1)
	check "$mode: the host's /usr is not there (python3, bwrap)" [ "$out" = done ]
	out=$(sb $mode --build-dir "$b" --root "$r" -- sh -c 'echo x > /usr/bin/make && echo WROTE; touch /usr/new && echo WROTE' 2>&1)
	check "$mode: the root's /usr is read-only" [ "${out/WROTE/}" = "$out" ]
	out=$(sb $mode --build-dir "$b" --root "$r" -- sh -c 'readlink /etc/alternatives/awk; grep -c "^build:" /etc/passwd; touch /etc/alternatives/x 2>/dev/null && echo WROTE' 2>&1 | tr '\n' ' ')
	check "$mode: /etc has the root's alternatives and lockstep's passwd, read-only" [ "$out" = "/usr/bin/mawk 1 " ]
	out=$(sb $mode --build-dir "$b" --pin $pin -- sh -c 'awk "BEGIN { print 6 * 7 }"' 2>&1)
	check "$mode: --pin NAME gives the same root (awk is the pinned mawk)" [ "$out" = 42 ]
done

# Root's store is often private (/root/...): the root is cloned before the
# sandbox drops to its unprivileged host id.
mkdir -p "$T/private" && chmod 700 "$T/private" && cp -al "$root" "$T/private/root"
out=$("$LOCKSTEP" sandbox --build-dir "$T/root-build" --root "$T/private/root" -- make --version 2>&1 | head -1)
check "root: a build root in a root-only directory works" [ "${out#GNU Make}" != "$out" ]

mkdir -p "$T/nousr"
expect_err "a root without usr/ is refused naming it" 2 "build root .*nousr.*: no usr/" \
	"$LOCKSTEP" sandbox --build-dir "$T" --root "$T/nousr" -- true
layer "$T/nousr" -- true
expect_err "a missing build directory is refused" 2 "no-such-dir" \
	"$LOCKSTEP" sandbox --build-dir "$T/no-such-dir" -- true
expect_err "a relative inside path is refused" 2 "not an absolute path" \
	"$LOCKSTEP" sandbox --build-dir "$T" --ro-bind "$T/nousr:rel" -- true
expect_err "a bind inside /build is refused" 2 "one is inside the other" \
	"$LOCKSTEP" sandbox --build-dir "$T" --ro-bind "$T/nousr:/build/sub" -- true
expect_err "a bind over /usr is refused" 2 "reserved by the sandbox" \
	"$LOCKSTEP" sandbox --build-dir "$T" --ro-bind "$T/nousr:/usr/x" -- true
expect_err "a malformed --env is refused" 2 "not KEY=VALUE" \
	"$LOCKSTEP" sandbox --build-dir "$T" --env "=x" -- true
