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
