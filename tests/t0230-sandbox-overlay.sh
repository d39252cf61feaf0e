#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Toolchain layers over /usr, as root and as an unprivileged user: the
# pinned bytes win over the host's, the first layer wins over the next, /usr
# stays read-only; and bad configurations are refused with a clear error.
. "$(dirname "$0")/lib.sh"

sb() {
	local mode=$1; shift
	if [ "$mode" = user ]; then as_user "$LOCKSTEP" sandbox "$@"; else "$LOCKSTEP" sandbox "$@"; fi
}

# Two layers shaped like extracted .debs: usr/bin/gcc shadows the host's.
for l in hi lo; do
	mkdir -p "$T/layer-$l/usr/bin" "$T/layer-$l/usr/lib/lockstep-$l"
	printf '#!/bin/sh\necho pinned-%s\n' $l >"$T/layer-$l/usr/bin/gcc"
	chmod 755 "$T/layer-$l/usr/bin/gcc"
	echo $l >"$T/layer-$l/usr/lib/lockstep-$l/marker"
done
chmod -R a+rX "$T"

for mode in root user; do
	b="$T/$mode-build"
	mkdir -p "$b"
	[ "$mode" = user ] && chown 65534:65534 "$b"

	out=$(sb $mode --build-dir "$b" --layer "$T/layer-hi" -- gcc 2>&1)
	check "$mode: a layer's binary replaces the host's" [ "$out" = pinned-hi ]
	out=$(sb $mode --build-dir "$b" --layer "$T/layer-hi" --layer "$T/layer-lo" -- sh -c 'gcc; cat /usr/lib/lockstep-*/marker' 2>&1 | tr '\n' ' ')
	check "$mode: the first layer wins, the others still show" [ "$out" = "pinned-hi hi lo " ]
	out=$(sb $mode --build-dir "$b" --layer "$T/layer-hi" -- sh -c 'ls /usr/bin/sh /bin/true /lib64/ld-linux-x86-64.so.2 >/dev/null && echo host-usr' 2>&1)
	check "$mode: the host /usr is still below the layers" [ "$out" = host-usr ]
	out=$(sb $mode --build-dir "$b" --layer "$T/layer-hi" -- sh -c 'echo x > /usr/bin/gcc && echo WROTE; touch /usr/new && echo WROTE' 2>&1)
	check "$mode: the overlaid /usr is read-only" [ "${out/WROTE/}" = "$out" ]
	check "$mode: the layer itself is unchanged" grep -q pinned-hi "$T/layer-hi/usr/bin/gcc"
done

# Root's toolchain store is often private (/root/...): the overlay is made
# before the sandbox drops to its unprivileged host id.
mkdir -p "$T/private" && cp -a "$T/layer-hi" "$T/private/" && chmod 700 "$T/private"
out=$("$LOCKSTEP" sandbox --build-dir "$T/root-build" --layer "$T/private/layer-hi" -- gcc 2>&1)
check "root: a layer in a root-only directory works" [ "$out" = pinned-hi ]

mkdir -p "$T/nousr"
expect_err "a layer without usr/ is refused naming it" 2 "layer .*nousr.*" \
	"$LOCKSTEP" sandbox --build-dir "$T" --layer "$T/nousr" -- true
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
