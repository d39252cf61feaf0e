#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep's Debian package (make deb, debian/): two builds from different
# paths, at different times and under different umasks are the same bytes,
# and lockstep itself says so; installed with apt into a bare Debian 12 root
# it runs from /usr/bin, finds its pins and policy in /usr/share/lockstep,
# ships its page and completion, and builds the demo firmware to the same
# digests as the lockstep of this checkout.
. "$(dirname "$0")/lib.sh"
unset LOCKSTEP_TOOLCHAINS LOCKSTEP_POLICY
version=$(cat "$TOP/VERSION")
deb=lockstep_${version}_amd64.deb
dbg=lockstep-dbgsym_${version}_amd64.deb

check "debian/changelog's version is VERSION ($version)" \
	[ "$(cd "$TOP" && dpkg-parsechangelog -S Version)" = "$version" ]

# --- 1. two builds: other path, other clock, other umask -------------------
"$TOP/scripts/install-deps" deb >"$T/deps.log" 2>&1 || { fail "install-deps deb"; tail "$T/deps.log"; exit 0; }
start=$(date +%s)
"$TOP/scripts/make-deb" "$T/first" >"$T/make1.log" 2>&1
rc1=$?
echo "    (one package build: $(($(date +%s) - start)) s)"
if [ "$rc1" -eq 0 ] && [ -f "$T/first/$deb" ]; then pass "make-deb builds the package"; else
	fail "make-deb builds the package"; tail -n 20 "$T/make1.log" | sed 's/^/    /'; exit 0; fi
# faketime moves the wall clock a year on: only SOURCE_DATE_EPOCH (from
# debian/changelog) may reach the package.
ft=
command -v faketime >/dev/null 2>&1 && ft="faketime -f +400d"
# The second build starts from a release-tarball-like copy (no .git) whose
# files are all dated 2001: files older than the changelog must not keep
# their own times.
mkdir -p "$T/tree"
(cd "$TOP" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -C "$T/tree" -xf -
find "$T/tree" -exec touch -h -d 2001-01-01T00:00:00Z {} +
(umask 077 && $ft "$T/tree/scripts/make-deb" "$T/second/at/another/depth") >"$T/make2.log" 2>&1
check "a second build from another path and an old tarball-like tree${ft:+, a year later,} under umask 077" \
	[ -f "$T/second/at/another/depth/$deb" ]
for f in "$deb" "$dbg"; do
	check "$f: the two builds have the same sha256" \
		[ "$(sha256_of "$T/first/$f")" = "$(sha256_of "$T/second/at/another/depth/$f")" ]
	expect_exit "$f: lockstep diff finds the two builds identical" 0 \
		"$LOCKSTEP" diff "$T/first/$f" "$T/second/at/another/depth/$f"
	grep -q "are identical" "$T/out" || fail "$f: lockstep diff says \"identical\""
done
# What a reproducible .deb needs, checked where it is decided: every file
# carries the changelog's time, and the package holds what it promises.
sde=$(cd "$TOP" && dpkg-parsechangelog -S Timestamp)
dpkg-deb --fsys-tarfile "$T/first/$deb" | tar -tv --full-time >"$T/tv"
check "every file in the package has debian/changelog's time" \
	[ "$(awk '{ print $4, $5 }' "$T/tv" | sort -u)" = "$(date -u -d "@$sde" '+%Y-%m-%d %H:%M:%S')" ]
for p in ./usr/bin/lockstep ./usr/share/lockstep/toolchains/riscv64-unknown-elf.json \
	./usr/share/lockstep/compat/version-policy.json ./usr/share/man/man1/lockstep.1.gz \
	./usr/share/bash-completion/completions/lockstep ./usr/share/doc/lockstep/README.md \
	./usr/share/doc/lockstep/docs/recipe.md ./usr/share/doc/lockstep/copyright; do
	grep -q " $p\$" "$T/tv" || fail "the package ships $p"
done
dpkg-deb --fsys-tarfile "$T/first/$deb" | tar -xOf - ./usr/share/man/man1/lockstep.1.gz | zcat >"$T/page"
check "lockstep(1) carries each command's --help (lockstep release)" \
	grep -q '^\.SS "lockstep release"' "$T/page"
check "lockstep(1) is dated from debian/changelog" \
	grep -q "^\.TH LOCKSTEP \"1\" \"$(date -u -d "@$sde" '+%B %Y')\"" "$T/page"

# --- 2. installed into a bare Debian 12 root --------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "installing into a bare root: debootstrap and pivot_root need root"
	exit 0
fi
root=$("$TOP/scripts/debootstrap-root" bookworm 2>"$T/root.err"); rc=$?
if [ "$rc" -eq 3 ]; then
	skip "bookworm: $(tail -n 1 "$T/root.err")"
	exit 0
elif [ "$rc" -ne 0 ]; then
	fail "bookworm: scripts/debootstrap-root"; sed 's/^/    /' "$T/root.err" | tail -n 10
	exit 0
fi
# A copy: apt writes into it, the cached root stays bare.
cp -a "$root" "$T/root"
R=$T/root
# apt resolves the libraries the package depends on from the root's own
# sources (the Debian archive); a stale index is refreshed once.
install_deb() {
	in_root --writable --ro-bind "$T/first" /opt/deb "$R" sh -c '
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends /opt/deb/'"$deb"' ||
			{ apt-get update -q && apt-get install -y -q --no-install-recommends /opt/deb/'"$deb"'; }'
}
if ! install_deb >"$T/apt.log" 2>&1; then
	if grep -qE "Could not resolve|Failed to fetch|Temporary failure" "$T/apt.log"; then
		skip "apt-get install in the root: no Debian archive reachable"
	else
		fail "apt-get install of the package into a bare bookworm root"; tail -n 10 "$T/apt.log" | sed 's/^/    /'
	fi
	exit 0
fi
pass "apt-get installs the package and its libraries into a bare bookworm root"

out=$(in_root "$R" sh -c 'command -v lockstep; lockstep --version' 2>&1)
check "/usr/bin/lockstep --version" [ "$out" = "/usr/bin/lockstep
lockstep $version" ]
out=$(in_root "$R" lockstep env list 2>&1)
case "$out" in *riscv64-linux-gnu*riscv64-unknown-elf*) pass "env list finds the pins in /usr/share/lockstep/toolchains" ;;
*) fail "env list finds the pins in /usr/share/lockstep/toolchains"; echo "$out" | sed 's/^/    /' | tail -5 ;; esac
out=$(in_root "$R" lockstep version check driver v1.0.0 2>&1)
check "the version policy read is /usr/share/lockstep's" \
	[ "$out" = 'driver version "v1.0.0": ok (/usr/bin/../share/lockstep/compat/version-policy.json)' ]
out=$(in_root "$R" bash -c '. /usr/share/bash-completion/completions/lockstep
	COMP_WORDS=(lockstep ver); COMP_CWORD=1; _lockstep; echo "${COMPREPLY[*]}"
	COMP_WORDS=(lockstep env show riscv64-unknown-elf-d); COMP_CWORD=3; _lockstep; echo "${COMPREPLY[*]}"' 2>&1)
check "bash completion offers commands and pin names from the installed lockstep" \
	[ "$out" = "verify verify-signature version
riscv64-unknown-elf-debian13" ]

# The demo firmware, built by the installed lockstep from the shared store
# (bound read-only: the package build needs nothing written there), gives
# the digests this checkout's lockstep gives.
recipe=recipes/qemu-virt-firmware/recipe.json
if ! "$LOCKSTEP" env fetch riscv64-unknown-elf >"$T/fetch.log" 2>&1; then
	skip "the demo recipe: its environment cannot be fetched ($(tail -n 1 "$T/fetch.log"))"
	exit 0
fi
(cd "$T" && "$LOCKSTEP" build -q --no-smoke "$TOP/$recipe" -o "$T/host-out") >"$T/host.log" 2>&1 ||
	{ fail "the checkout's lockstep builds $recipe"; tail -n 5 "$T/host.log"; exit 0; }
in_root --ro-bind "$LOCKSTEP_HOME" /opt/store --ro-bind "$TOP/recipes" /opt/recipes "$R" \
	sh -c 'cd /tmp && LOCKSTEP_HOME=/opt/store lockstep build -q --no-smoke --json \
		/opt/recipes/qemu-virt-firmware/recipe.json -o /tmp/out' >"$T/pkg.json" 2>"$T/pkg.err"
if [ -s "$T/pkg.json" ]; then pass "the installed lockstep builds $recipe"; else
	fail "the installed lockstep builds $recipe"; sed 's/^/    /' "$T/pkg.err" | tail -n 5; fi
for f in fw.elf fw.bin; do
	want=$(sha256_of "$T/host-out/$f" 2>/dev/null)
	check "$f: the packaged lockstep's build has the checkout's digest" \
		grep -q "\"${want:-no $f from the checkout}\"" "$T/pkg.json"
done
