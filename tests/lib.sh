# SPDX-License-Identifier: MIT
# Shared by the end-to-end scripts: each check prints one PASS/FAIL/SKIP line
# that tests/run counts.  Sourced, never run.
set -u
: "${LOCKSTEP:?}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=$(mktemp -d /tmp/lockstep-t.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C.UTF-8
# Tests share one toolchain store so fetches happen once per run.
export LOCKSTEP_HOME="${LOCKSTEP_HOME:-/tmp/lockstep-test-home}"

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }

# check NAME CMD...: passes when CMD succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# expect_exit NAME CODE CMD...: runs CMD, stdout/stderr into $T/out $T/err,
# passes when it exits CODE.
expect_exit() {
	local name=$1 code=$2 rc; shift 2
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	if [ "$rc" -eq "$code" ]; then pass "$name"; else
		fail "$name (exit $rc, wanted $code)"; sed 's/^/    /' "$T/err" | tail -5; fi
}

# expect_err NAME CODE PATTERN CMD...: exit CODE and stderr matching PATTERN
# (grep -E) on one line.
expect_err() {
	local name=$1 code=$2 pat=$3 rc; shift 3
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	if [ "$rc" -eq "$code" ] && grep -qE -- "$pat" "$T/err"; then pass "$name"; else
		fail "$name (exit $rc, wanted $code; stderr must match /$pat/)"
		sed 's/^/    /' "$T/err" | tail -5; fi
}

# The unprivileged user the sandbox tests also run as.
TEST_USER=nobody
as_user() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$T/home-nobody" LOCKSTEP_HOME="/tmp/lockstep-test-home-nobody" "$@"
}

# in_root [--writable] [--ro-bind HOST INSIDE]... ROOT CMD...: runs CMD (a
# path inside ROOT) as root inside the Debian root ROOT, e.g. one from
# scripts/debootstrap-root.  ROOT is bound read-only (the cache stays
# pristine; --writable is for a copy of it, to install into), with a fresh
# /proc, the host's /dev, and tmpfs on /tmp and /opt, where each HOST
# directory is bound read-only at INSIDE.  Not chroot: the
# kernel refuses user namespaces to a chrooted process, and lockstep's
# sandbox needs them.  So new mount and pid namespaces, then pivot_root, as
# bubblewrap does; not bubblewrap itself, because as root it covers
# /proc/sys and others with read-only mounts, and once those are locked in
# the sandbox's user namespace the kernel refuses it a /proc of its own.
# ROOT needs umount (Debian's mount package, in every minbase root).
in_root() {
	local binds=() root ro=ro
	[ "${1:-}" = --writable ] && { ro=rw; shift; }
	while [ "${1:-}" = --ro-bind ]; do binds+=("$2" "$3"); shift 3; done
	root=$1; shift
	unshare --mount --propagation private --pid --fork --kill-child -- /bin/sh -c '
		set -e
		PATH=/usr/sbin:/usr/bin:/sbin:/bin
		r=$1 ro=$2 n=$3; shift 3
		mount --bind "$r" "$r"
		mount -o remount,bind,$ro "$r"
		mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		mount -t tmpfs -o mode=755 tmpfs "$r/opt"
		while [ "$n" -gt 0 ]; do
			mkdir -p "$r$2"
			mount --bind "$1" "$r$2"
			mount -o remount,bind,ro "$r$2"
			shift 2; n=$((n - 1))
		done
		# The old root goes to /mnt and is then detached: from here on
		# every path, umount included, is the root'"'"'s.
		cd "$r"
		pivot_root . mnt
		cd /
		umount -l /mnt
		exec "$@"' in_root "$root" "$ro" $((${#binds[@]} / 2)) "${binds[@]}" "$@"
}

# at_exit CMD: runs CMD (a shell string) when the script exits, before $T
# is removed; the last registered runs first.
LIB_AT_EXIT=()
at_exit() {
	LIB_AT_EXIT=("$1" "${LIB_AT_EXIT[@]}")
	trap 'for c in "${LIB_AT_EXIT[@]}"; do eval "$c"; done; rm -rf "$T"' EXIT
}

# The shared store the pins' .deb files were fetched into once.
SHARED_HOME=/tmp/lockstep-test-home

# pin_debs PIN: one line per package of the pin file PIN:
# "POOL-PATH STORE-NAME SHA256" (STORE-NAME as debs/ names it).
pin_debs() {
	python3 - "$1" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    n = "%s_%s_%s.deb" % (p["name"], p["version"].replace(":", "%3a"), p["architecture"])
    print(p["pool"], n, p["deb_sha256"])
PY
}

# mirror_layout PIN DIR: lays the .deb files of pin file PIN out below DIR at
# their pool paths, as a Debian mirror holds them, hard-linked (else
# copied) from the shared store.  Fails naming a .deb the store lacks.
mirror_layout() {
	local pool name sum
	while read -r pool name sum; do
		[ -f "$SHARED_HOME/debs/$name" ] || { echo "mirror_layout: no $SHARED_HOME/debs/$name" >&2; return 1; }
		mkdir -p "$2/$(dirname "$pool")"
		ln -f "$SHARED_HOME/debs/$name" "$2/$pool" 2>/dev/null ||
			cp "$SHARED_HOME/debs/$name" "$2/$pool" || return 1
	done < <(pin_debs "$1")
}

# http_serve DIR [SCRIPT]: serves DIR over HTTP on 127.0.0.1 at a free port
# (python3 -m http.server, or the python SCRIPT given, which must print
# "port N" once listening, with DIR as its argument); sets HTTP_PORT and
# HTTP_PID; the server is killed when the script exits.
http_serve() {
	local log i
	log=$(mktemp "$T/http.XXXXXX")
	if [ -n "${2:-}" ]; then
		python3 -u "$2" "$1" >"$log" 2>&1 &
	else
		(cd "$1" && exec python3 -u -m http.server 0 --bind 127.0.0.1) >"$log" 2>&1 &
	fi
	HTTP_PID=$!
	at_exit "kill $HTTP_PID 2>/dev/null; wait $HTTP_PID 2>/dev/null"
	for i in $(seq 100); do
		HTTP_PORT=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$log" | head -1)
		[ -n "$HTTP_PORT" ] && return 0
		sleep 0.1
	done
	echo "http_serve: no port after 10 s" >&2; cat "$log" >&2
	return 1
}

# closed_port: a TCP port on 127.0.0.1 nothing listens on (bound, then
# released: nothing else of ours takes it in the meantime).
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# sha256_of FILE: its hex digest alone.
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# in_root_offline [--ro-bind HOST INSIDE]... ROOT CMD...: in_root in a new
# network namespace of its own (loopback down): nothing inside can reach
# any host, so whatever works there needed no network.
in_root_offline() {
	unshare --net -- bash -c "$(declare -f in_root); in_root \"\$@\"" in_root "$@"
}
