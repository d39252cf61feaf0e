#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The cross-release audit: a release made on this host (with --with-env,
# its environment exported beside it) is audited, rebuild included, by the
# self-contained bundle inside bare Debian 13 and 12 roots, from a fresh
# store filled only by `env import`, with no network at all: PASSED, byte
# for byte.
. "$(dirname "$0")/lib.sh"
unset LOCKSTEP_TOOLCHAINS LOCKSTEP_POLICY
version=$(cat "$TOP/VERSION")
name=lockstep-$version-x86_64

if [ "$(id -u)" -ne 0 ]; then
	skip "cross-release audit: debootstrap roots and pivot_root need root"; exit 0
fi
if [ -z "${LOCKSTEP_DIST:-}" ]; then
	make -C "$TOP" --no-print-directory -s static >"$T/make.log" 2>&1 ||
		{ fail "make static"; tail -n 20 "$T/make.log"; exit 0; }
	LOCKSTEP_DIST=$TOP/build/dist/$name
fi
[ -x "$LOCKSTEP_DIST/bin/lockstep" ] || { fail "$LOCKSTEP_DIST: no bundle there"; exit 0; }

R=$TOP/recipes/qemu-virt-firmware/recipe.json
OUT=$T/rel
"$LOCKSTEP" keygen -o "$T/k" >/dev/null 2>&1
expect_exit "release --with-env on the host" 0 "$LOCKSTEP" release -q "$R" --key "$T/k" -o "$OUT" --with-env
B=$(ls "$OUT"/*.tar 2>/dev/null | grep -v '\.env\.tar$' | head -1)
E=${B%.tar}.env.tar
check "the bundle and NAME-VERSION.env.tar beside it" test -n "$B" -a -f "$B" -a -f "$E"
[ -f "$B" ] && [ -f "$E" ] || exit 0
check "the exported environment's pin is the bundle's environment.json" \
	[ "$(tar -xOf "$E" pin.json | sha256sum)" = "$(tar -xOf "$B" environment.json | sha256sum)" ]
cp "$T/k.pub" "$OUT/k.pub"
bn=$(basename "$B") en=$(basename "$E")

for rel in trixie bookworm; do
	root=$("$TOP/scripts/debootstrap-root" "$rel" 2>"$T/root.err"); rc=$?
	if [ "$rc" -eq 3 ]; then skip "$rel: $(tail -n 1 "$T/root.err")"; continue
	elif [ "$rc" -ne 0 ]; then
		fail "$rel: scripts/debootstrap-root"; sed 's/^/    /' "$T/root.err" | tail -n 10; continue
	fi
	# One run inside: /tmp is a fresh tmpfs there, the store and TMPDIR live
	# in it, and the exit status and time of each step come back as lines.
	in_root_offline --ro-bind "$LOCKSTEP_DIST" /opt/lockstep --ro-bind "$OUT" /opt/rel "$root" \
		/bin/sh -c '
		export LOCKSTEP_HOME=/tmp/home TMPDIR=/tmp/work LOCKSTEP_MIRROR=http://127.0.0.1:9 HOME=/tmp
		mkdir -p /tmp/home /tmp/work /tmp/b && cd /tmp/b
		/opt/lockstep/bin/lockstep env import "/opt/rel/$1" 2>&1; echo "import-rc=$?"
		s=$(date +%s.%N)
		/opt/lockstep/bin/lockstep audit -q "/opt/rel/$2" --pubkey /opt/rel/k.pub 2>&1; echo "audit-rc=$?"
		echo "audit-time=$(echo "$(date +%s.%N) $s" | awk "{ printf \"%.1f\", \$1 - \$2 }")"
		/opt/lockstep/bin/lockstep sandbox -- true 2>/dev/null; ls /tmp/home/roots | grep -vc seal | sed "s/^/roots=/"
		' sh "$en" "$bn" >"$T/$rel.log" 2>&1
	v() { sed -n "s/^$1=//p" "$T/$rel.log" | tail -1; }
	if [ "$(v import-rc)" = 0 ]; then pass "$rel: env import of the exported environment, offline"
	else fail "$rel: env import of the exported environment, offline (exit $(v import-rc))"
		grep -v '=' "$T/$rel.log" | tail -5 | sed 's/^/    /'; fi
	if [ "$(v audit-rc)" = 0 ] && grep -q "$bn: PASSED (rebuilt byte for byte)" "$T/$rel.log"; then
		pass "$rel: audit with the rebuild: PASSED, byte for byte, exit 0"
	else fail "$rel: audit with the rebuild: PASSED, byte for byte (exit $(v audit-rc))"
		grep -v '=' "$T/$rel.log" | tail -8 | sed 's/^/    /'; fi
	check "$rel: the store inside holds the one root the import made" [ "$(v roots)" = 1 ]
	echo "# time: $rel: audit (rebuild included) $(v audit-time) s"
done
