#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The self-contained bundle (make static, docs/install.md): it runs from a
# copy anywhere and finds its own pins, two builds of it are the same bytes,
# and it runs, sandbox included, as root and as an unprivileged user, inside
# bare Debian 12 and 13 roots that have none of lockstep's libraries (those
# it opens with dlopen when first needed, libarchive, included).
. "$(dirname "$0")/lib.sh"
unset LOCKSTEP_TOOLCHAINS LOCKSTEP_POLICY
version=$(cat "$TOP/VERSION")
name=lockstep-$version-x86_64

# make check builds the bundle and names it; run alone, this test makes it.
if [ -z "${LOCKSTEP_DIST:-}" ]; then
	make -C "$TOP" --no-print-directory -s static >"$T/make.log" 2>&1 ||
		{ fail "make static"; tail -n 20 "$T/make.log"; exit 0; }
	LOCKSTEP_DIST=$TOP/build/dist/$name
fi
if [ ! -x "$LOCKSTEP_DIST/bin/lockstep" ] || [ ! -f "$LOCKSTEP_DIST.tar.gz" ]; then
	fail "$LOCKSTEP_DIST: no bundle and tarball there"
	exit 0
fi

# --- 1. from a copy elsewhere: what an auditor does with the tarball -------
mkdir -p "$T/auditor"
tar -C "$T/auditor" -xzf "$LOCKSTEP_DIST.tar.gz"
A=$T/auditor/$name
cd /

out=$("$A/bin/lockstep" --version 2>&1)
check "an untarred copy runs: --version is this build's" [ "$out" = "$("$LOCKSTEP" --version)" ]
check "lib/ holds real files, no symlinks" [ -z "$(find "$A/lib" ! -type f ! -type d)" ]
# Every bundled library's package and copyright travel with it, the loader's
# too (on Debian 13 dpkg answers for it with libc6's diversion first).
tp=$A/share/doc/lockstep/third-party
check "libraries.tsv names the loader's package, libc6, and its copyright is there" \
	bash -c "grep -q '^ld-linux-x86-64.so.2	libc6' '$tp/libraries.tsv' && test -f '$tp/libc6/copyright'"
check "libraries.tsv has a line for every file of lib/" \
	[ "$(wc -l <"$tp/libraries.tsv")" -eq "$(find "$A/lib" -type f ! -name lockstep.real | wc -l)" ]
# The bundled loader, given only lib/, resolves every library inside lib/.
"$A/lib/ld-linux-x86-64.so.2" --library-path "$A/lib" --list "$A/lib/lockstep.real" >"$T/list" 2>&1
check "every library lockstep.real needs resolves inside the bundle's lib/" \
	[ -z "$(awk -v lib="$A/lib/" '$2 == "=>" && index($3, lib) != 1' "$T/list")" ]

out=$("$A/bin/lockstep" toolchain list 2>&1)
case "$out" in *riscv64-linux-gnu*riscv64-unknown-elf*)
	pass "toolchain list finds the bundled pins" ;;
*) fail "toolchain list finds the bundled pins"; echo "$out" | sed 's/^/    /' ;; esac
# Proof it reads the copy's share/, not the source tree or /usr/local: a pin
# removed from the copy is gone from the list.
rm "$A/share/lockstep/toolchains/riscv64-linux-gnu.json"
out=$("$A/bin/lockstep" toolchain list 2>&1)
case "$out" in *"riscv64-linux-gnu "*) fail "the pin directory is the copy's own share/lockstep/toolchains" ;;
*riscv64-unknown-elf*) pass "the pin directory is the copy's own share/lockstep/toolchains" ;;
*) fail "the pin directory is the copy's own share/lockstep/toolchains"; echo "$out" | sed 's/^/    /' ;; esac
cp "$LOCKSTEP_DIST/share/lockstep/toolchains/riscv64-linux-gnu.json" "$A/share/lockstep/toolchains/"

ln -s "$A/bin/lockstep" "$T/lockstep-link"
out=$("$T/lockstep-link" toolchain list 2>&1)
case "$out" in *riscv64-unknown-elf*) pass "run through a symlink, it still finds its bundle" ;;
*) fail "run through a symlink, it still finds its bundle" ;; esac
mkdir -p "$T/b"
expect_exit "arguments and the exit status pass through the launcher" 7 \
	"$A/bin/lockstep" sandbox --build-dir "$T/b" -- sh -c 'exit 7'
expect_err "usage errors too" 2 "no command" "$A/bin/lockstep" sandbox --build-dir "$T/b"

# --- 2. reproducible: two make static runs, the second under another umask -
make -C "$TOP" --no-print-directory -s static DIST="$T/d1" >"$T/make1.log" 2>&1 &&
	(umask 077 && make -C "$TOP" --no-print-directory -s static DIST="$T/d2") >"$T/make2.log" 2>&1
check "two make static runs give byte-identical tarballs" cmp "$T/d1/$name.tar.gz" "$T/d2/$name.tar.gz"
tar -tvzf "$T/d1/$name.tar.gz" >"$T/tv"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct)}
check "every entry is owned 0/0 with the last commit's time" \
	[ "$(awk '{ print $2, $4, $5 }' "$T/tv" | sort -u)" = "0/0 $(date -u -d "@$epoch" '+%Y-%m-%d %H:%M')" ]
# tar --sort=name orders each directory's entries (not whole paths): check
# that, so the order never depends on the order the filesystem lists them.
sorted_per_dir() {
	LC_ALL=C awk '{ n = $6; sub(/\/$/, "", n); p = n; if (!sub(/\/[^\/]*$/, "", p)) p = ""
		if ((p in last) && n <= last[p]) bad = 1; last[p] = n } END { exit bad }' "$1"
}
check "the entries are sorted by name in every directory" sorted_per_dir "$T/tv"

# --- 3. inside bare Debian roots --------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "bare Debian roots: debootstrap and pivot_root need root"
	exit 0
fi
# Two tars that differ in one member, for the archive reads inside the roots.
mkdir -p "$T/tars/x" "$T/nolib"
echo one >"$T/tars/x/f" && tar -C "$T/tars" -cf "$T/tars/a.tar" x
echo two >"$T/tars/x/f" && tar -C "$T/tars" -cf "$T/tars/b.tar" x
# A copy whose lib/ lacks libarchive: what a root without it then sees.
nolib_dir=$T/nolib/$name
cp -a "$A" "$T/nolib/" && rm "$nolib_dir/lib/libarchive.so.13"
# bundled NAME SONAME LOADED: passes when the objects the loader initialised
# (LOADED, one path a line) include the bundle's SONAME and are all the
# bundle's.
bundled() {
	if echo "$3" | grep -qx "/opt/lockstep/lib/$2" && ! echo "$3" | grep -qv '^/opt/lockstep/lib/'; then
		pass "$1"
	else
		fail "$1"
		echo "$3" | sed 's/^/    /'
	fi
}
for rel in bookworm trixie; do
	root=$("$TOP/scripts/debootstrap-root" "$rel" 2>"$T/root.err"); rc=$?
	if [ "$rc" -eq 3 ]; then
		skip "$rel: $(tail -n 1 "$T/root.err")"
		continue
	elif [ "$rc" -ne 0 ]; then
		fail "$rel: scripts/debootstrap-root"; sed 's/^/    /' "$T/root.err" | tail -n 10
		continue
	fi
	# What the bundle must not rely on: none of these is in a minbase root.
	# (Trixie's apt brings libcrypto.so.3, a newer OpenSSL: the check on
	# loaded objects below shows the bundle's own is used even then.)
	present=
	for lib in libarchive libcjson libelf libdw libyaml libxml2 libicuuc; do
		ls "$root"/usr/lib/x86_64-linux-gnu/$lib.so* >/dev/null 2>&1 && present="$present $lib"
	done
	check "$rel: the root has none of lockstep's libraries${present:+ (has$present)}" [ -z "$present" ]

	ir() { in_root --ro-bind "$A" /opt/lockstep "$root" "$@"; }
	out=$(ir /opt/lockstep/bin/lockstep --version 2>&1)
	check "$rel: bin/lockstep --version runs inside the root" [ "$out" = "lockstep $version" ]
	# The loader's own account of every object it initialises.
	loaded=$(ir env LD_DEBUG=libs /opt/lockstep/bin/lockstep --version 2>&1 >/dev/null |
		awk '$2 == "calling" && $3 == "init:" { print $4 }')
	if [ -n "$loaded" ] && ! echo "$loaded" | grep -qv '^/opt/lockstep/lib/'; then
		pass "$rel: every shared object loaded is the bundle's ($(echo "$loaded" | wc -l))"
	else
		fail "$rel: every shared object loaded is the bundle's"; echo "$loaded" | sed 's/^/    /'
	fi
	# libarchive is opened on the first archive read (archive/lazy.c), not
	# at start-up: that dlopen too finds the bundle's copy and its libraries.
	loaded=$(in_root --ro-bind "$A" /opt/lockstep --ro-bind "$T/tars" /opt/tars "$root" \
		env LD_DEBUG=libs /opt/lockstep/bin/lockstep diff /opt/tars/a.tar /opt/tars/b.tar \
		2>&1 >"$T/diff.out" | awk '$2 == "calling" && $3 == "init:" { print $4 }')
	check "$rel: diff of two tars names the member that differs" grep -q 'x/f' "$T/diff.out"
	bundled "$rel: reading a tar loads the bundle's libarchive, and only bundled objects" \
		libarchive.so.13 "$loaded"
	# libcrypto likewise, on the first digest or key (core/crypto_lazy.c):
	# the bundle's, even in a root whose apt brought another OpenSSL.
	loaded=$(ir env LD_DEBUG=libs /opt/lockstep/bin/lockstep keygen -o /tmp/k 2>&1 >/dev/null |
		awk '$2 == "calling" && $3 == "init:" { print $4 }')
	bundled "$rel: making a key loads the bundle's libcrypto, and only bundled objects" \
		libcrypto.so.3 "$loaded"
	nolib() { in_root --ro-bind "$nolib_dir" /opt/lockstep --ro-bind "$T/tars" /opt/tars "$root" "$@"; }
	out=$(nolib /opt/lockstep/bin/lockstep --version 2>&1)
	check "$rel: without libarchive.so.13, commands that read no archive still run" \
		[ "$out" = "lockstep $version" ]
	expect_err "$rel: without it, reading a tar names the missing library" 2 \
		"cannot load libarchive\\.so\\.13 \\(Debian package libarchive13\\)" \
		nolib /opt/lockstep/bin/lockstep diff /opt/tars/a.tar /opt/tars/b.tar
	out=$(ir /opt/lockstep/bin/lockstep toolchain list 2>&1)
	case "$out" in *riscv64-linux-gnu*riscv64-unknown-elf*) pass "$rel: toolchain list finds the bundled pins" ;;
	*) fail "$rel: toolchain list finds the bundled pins"; echo "$out" | sed 's/^/    /' | tail -5 ;; esac
	expect_exit "$rel: root: lockstep sandbox -- /bin/true" 0 \
		ir sh -c 'mkdir /tmp/b && cd /tmp/b && exec /opt/lockstep/bin/lockstep sandbox -- /bin/true'
	# The sandbox's /usr is the root's, so this is its Debian release.
	out=$(ir sh -c 'mkdir /tmp/b && cd /tmp/b && exec /opt/lockstep/bin/lockstep sandbox -- sh -c ". /usr/lib/os-release; echo \$VERSION_CODENAME"' 2>&1)
	check "$rel: the sandboxed command runs on the root's /usr" [ "$out" = "$rel" ]
	expect_exit "$rel: unprivileged: lockstep sandbox -- /bin/true" 0 \
		ir setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME=/tmp/home LOCKSTEP_HOME=/tmp/lockstep-home \
		sh -c 'mkdir /tmp/b && cd /tmp/b && exec /opt/lockstep/bin/lockstep sandbox -- /bin/true'
	out=$(ir setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME=/tmp/home LOCKSTEP_HOME=/tmp/lockstep-home \
		sh -c 'mkdir /tmp/b && cd /tmp/b && exec /opt/lockstep/bin/lockstep sandbox -- id' 2>&1)
	check "$rel: unprivileged: the command runs as build (1000)" \
		[ "$out" = "uid=1000(build) gid=1000(build) groups=1000(build)" ]
done
