#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The sandbox's pinned identity, as root and as an unprivileged user: host
# name, uid/gid, the exact environment, the cwd, file ownership on the host,
# the exit status, the variation knobs and a stable profile.
. "$(dirname "$0")/lib.sh"

# sb MODE ARGS...: lockstep sandbox as root or as the unprivileged user.
sb() {
	local mode=$1; shift
	if [ "$mode" = user ]; then as_user "$LOCKSTEP" sandbox "$@"; else "$LOCKSTEP" sandbox "$@"; fi
}
# contains TEXT WORD...: every WORD occurs in TEXT.  A "does not contain"
# check first asserts what the output must hold: an empty output contains
# no host path either.
contains() {
	local text=$1 w; shift
	for w; do case "$text" in *"$w"*) ;; *) echo "    missing: $w"; return 1 ;; esac; done
}

expect_exit "sandbox --help exits 0" 0 "$LOCKSTEP" sandbox --help
expect_err "sandbox without a command is a usage error" 2 "no command" "$LOCKSTEP" sandbox --build-dir "$T"

for mode in root user; do
	b="$T/$mode-build"
	mkdir -p "$b"
	[ "$mode" = user ] && chown 65534:65534 "$b"
	owner=0; [ "$mode" = user ] && owner=65534

	out=$(sb $mode --build-dir "$b" -- hostname 2>&1)
	check "$mode: hostname is lockstep" [ "$out" = lockstep ]
	out=$(sb $mode --build-dir "$b" -- domainname 2>&1)
	check "$mode: domainname is lockstep" [ "$out" = lockstep ]
	out=$(sb $mode --build-dir "$b" -- id 2>&1)
	check "$mode: uid and gid are 1000 (build)" [ "$out" = "uid=1000(build) gid=1000(build) groups=1000(build)" ]
	out=$(sb $mode --build-dir "$b" -- pwd 2>&1)
	check "$mode: the cwd is /build, not the host path" [ "$out" = /build ]
	out=$(sb $mode --build-dir "$b" -- sh -c umask 2>&1)
	check "$mode: umask is 0022" [ "$out" = 0022 ]

	# The environment is exactly the scrubbed set, whatever ours holds.
	want=$'HOME=/build\nLANG=C.UTF-8\nLC_ALL=C.UTF-8\nLOGNAME=build\nPATH=/usr/local/bin:/usr/bin:/bin\nSOURCE_DATE_EPOCH=1700000000\nTZ=UTC\nUSER=build'
	out=$(LEAKME=1 SSH_AUTH_SOCK=/x sb $mode --build-dir "$b" --epoch 1700000000 -- env 2>&1 | sort)
	check "$mode: the environment is exactly the scrubbed set" [ "$out" = "$want" ]
	out=$(sb $mode --build-dir "$b" --env FOO=bar --env TZ=Europe/Paris -- env 2>&1 | grep -E '^(FOO|TZ)=' | sort | tr '\n' ' ')
	check "$mode: extra variables are added and replace fixed ones" [ "$out" = "FOO=bar TZ=Europe/Paris " ]

	# (/proc/self/mountinfo still names bind sources: see docs/sandbox.md.)
	out=$(sb $mode --build-dir "$b" -- sh -c 'cat /proc/1/cmdline /proc/1/environ 2>/dev/null | tr "\0" " "; ls -la / /build; env; cat /etc/*' 2>&1)
	rc=$?
	check "$mode: the leak probe exits 0" [ "$rc" = 0 ]
	check "$mode: the leak probe printed init's argv, both listings, its env and /etc/passwd" \
		contains "$out" lockstep-init $'/:\n' $'\n/build:\n' HOME=/build build:x:1000:1000:build:/build:/bin/sh
	case "$out" in *"$T"*) fail "$mode: the host build path does not leak (init argv and env, listings, /etc)" ;;
	*) pass "$mode: the host build path does not leak (init argv and env, listings, /etc)" ;; esac

	rm -rf "${b:?}"/*
	sb $mode --build-dir "$b" -- sh -c 'echo x > made; mkdir dir; touch dir/inner' >/dev/null 2>&1
	check "$mode: files created in /build are owned by the caller on the host" \
		[ "$(stat -c %u:%g "$b/made" "$b/dir" "$b/dir/inner" | sort -u)" = "$owner:$owner" ]

	expect_exit "$mode: the command's exit status is passed through" 7 sb $mode --build-dir "$b" -- sh -c 'exit 7'
	expect_exit "$mode: a command killed by a signal exits 128+N" 137 sb $mode --build-dir "$b" -- sh -c 'kill -9 $$'
	expect_err "$mode: a missing command is an error naming it" 2 '"no-such-cmd": command not found' \
		sb $mode --build-dir "$b" -- no-such-cmd
	out=$(sb $mode --build-dir "$b" --json -- sh -c 'exit 3' 2>/dev/null)
	check "$mode: --json reports the exit code" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r == {"exit_code": 3, "signal": 0, "timed_out": False, "interrupted": False,
            "over_disk": False, "over_log": False}, r' "$out"

	# The knobs lockstep check varies.
	out=$(sb $mode --build-dir "$b" --uname26 -- uname -r 2>&1)
	check "$mode: --uname26 reports a 2.6 kernel" [ "${out#2.6.}" != "$out" ]
	out=$(sb $mode --build-dir "$b" --no-aslr -- cat /proc/self/personality 2>&1)
	check "$mode: --no-aslr sets ADDR_NO_RANDOMIZE" [ "$out" = 00040000 ]
	out=$(sb $mode --build-dir "$b" -- cat /proc/self/personality 2>&1)
	check "$mode: ASLR is on by default" [ "$out" = 00000000 ]
	out=$(sb $mode --build-dir "$b" --ncpus 1 -- nproc 2>&1)
	check "$mode: --ncpus 1 leaves one CPU" [ "$out" = 1 ]
done

# The profile: canonical, stable, free of host paths, and it changes with
# what it describes.
p1=$("$LOCKSTEP" sandbox --build-dir "$T/root-build" --profile); rc1=$?
p2=$(cd / && "$LOCKSTEP" sandbox --build-dir "$T/user-build" --profile); rc2=$?
p3=$("$LOCKSTEP" sandbox --build-dir "$T/root-build" --uname26 --profile); rc3=$?
check "each --profile exits 0 and prints a profile (the knob set only in the third)" python3 -c '
import json, sys
for i, (rc, s) in enumerate(zip(sys.argv[1::2], sys.argv[2::2])):
    p = json.loads(s)
    assert rc == "0" and p["hostname"] == "lockstep", (rc, s)
    assert p["personality"]["uname26"] == (i == 2), p["personality"]' "$rc1" "$p1" "$rc2" "$p2" "$rc3" "$p3"
check "the profile is the same for another host build directory" [ "$p1" = "$p2" ]
check "the profile is canonical JSON (sorted keys, compact)" python3 -c '
import json, sys
s = sys.argv[1]
assert json.dumps(json.loads(s), sort_keys=True, separators=(",", ":"), ensure_ascii=False) == s' "$p1"
check "the profile lists the seccomp table and the pinned values" python3 -c '
import json, sys
p = json.loads(sys.argv[1])
assert p["hostname"] == "lockstep" and p["uid"] == 1000 and p["umask"] == "0022"
names = {r["syscall"] for r in p["seccomp"]}
assert {"mount", "ptrace", "unshare", "io_uring_setup", "socket", "clone3"} <= names' "$p1"
check "the profile changes with a knob" [ "$p1" != "$p3" ]
case "$p1" in *"$T"*) fail "the profile holds no host path" ;; *) pass "the profile holds no host path" ;; esac
