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

# in_root [--ro-bind HOST INSIDE]... ROOT CMD...: runs CMD (a path inside
# ROOT) as root inside the Debian root ROOT, e.g. one from
# scripts/debootstrap-root.  ROOT is bound read-only (the cache stays
# pristine), with a fresh /proc, the host's /dev, and tmpfs on /tmp and /opt,
# where each HOST directory is bound read-only at INSIDE.  Not chroot: the
# kernel refuses user namespaces to a chrooted process, and lockstep's
# sandbox needs them.  So new mount and pid namespaces, then pivot_root, as
# bubblewrap does; not bubblewrap itself, because as root it covers
# /proc/sys and others with read-only mounts, and once those are locked in
# the sandbox's user namespace the kernel refuses it a /proc of its own.
# ROOT needs umount (Debian's mount package, in every minbase root).
in_root() {
	local binds=() root
	while [ "${1:-}" = --ro-bind ]; do binds+=("$2" "$3"); shift 3; done
	root=$1; shift
	unshare --mount --propagation private --pid --fork --kill-child -- /bin/sh -c '
		set -e
		PATH=/usr/sbin:/usr/bin:/sbin:/bin
		r=$1 n=$2; shift 2
		mount --bind "$r" "$r"
		mount -o remount,bind,ro "$r"
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
		exec "$@"' in_root "$root" $((${#binds[@]} / 2)) "${binds[@]}" "$@"
}
