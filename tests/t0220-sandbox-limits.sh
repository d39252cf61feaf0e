#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Limits and the end of a sandbox, as root and as an unprivileged user: a
# fork bomb hits RLIMIT_NPROC, an endless loop hits the timeout, Ctrl-C or
# the death of lockstep kills the whole tree, and nothing outlives a run.
. "$(dirname "$0")/lib.sh"

sb() {
	local mode=$1; shift
	if [ "$mode" = user ]; then as_user "$LOCKSTEP" sandbox "$@"; else "$LOCKSTEP" sandbox "$@"; fi
}
# left N: how many "sleep N" processes exist on the host.
left() { pgrep -c -f "^sleep $1\$" || true; }
# wait_for N COUNT: until COUNT "sleep N" processes run (at most 10 s).
wait_for() {
	for _ in $(seq 100); do [ "$(left "$1")" -ge "$2" ] && return 0; sleep 0.1; done
	return 1
}
# lockstep_pid N: the lockstep process running "sleep N" (sb runs it in a
# subshell, and as_user through setpriv).
lockstep_pid() { pgrep -o -f "^$LOCKSTEP sandbox .*sleep $1"; }
# gone N: until no "sleep N" is left (the kernel reaps asynchronously).
gone() {
	for _ in $(seq 50); do [ "$(left "$1")" -eq 0 ] && return 0; sleep 0.1; done
	return 1
}

mounts_before=$(wc -l </proc/self/mountinfo)
for mode in root user; do
	b="$T/$mode-build"
	mkdir -p "$b"
	[ "$mode" = user ] && chown 65534:65534 "$b"

	out=$(sb $mode --build-dir "$b" -- bash -c 'echo $(ulimit -c) $(ulimit -u) $(ulimit -n)' 2>&1)
	check "$mode: core dumps off, 512 processes, 4096 files" [ "$out" = "0 512 4096" ]

	# The build directory is bounded as a whole (many files each under
	# RLIMIT_FSIZE), checked every second: writing past it stops the build.
	expect_err "$mode: a build writing past --max-disk is stopped, the limit named" 125 \
		'build directory grew past its 10485760-byte limit' \
		sb $mode --build-dir "$b" --max-disk 10485760 -- \
		sh -c 'i=0; while [ $i -lt 50 ]; do head -c 1000000 /dev/zero >f$i; i=$((i+1)); sleep 0.05; done'
	check "$mode: it was stopped near the limit, not after 50 MB" [ "$(du -sk "$b" | cut -f1)" -lt 30000 ]
	rm -f "$b"/f*
	expect_exit "$mode: a build under --max-disk runs to the end" 0 \
		sb $mode --build-dir "$b" --max-disk 10485760 -- sh -c 'head -c 1000000 /dev/zero >f; rm f'
	# The log (the command's output into a file) likewise.
	sb $mode --build-dir "$b" --max-log 100000 -- sh -c 'while :; do echo spam; done' >"$T/log" 2>"$T/err"
	check "$mode: output past --max-log stops the build, the limit named" \
		grep -q 'output file grew past its 100000-byte limit' "$T/err"
	check "$mode: the profile records the disk, log, /tmp and /dev/shm limits" bash -c \
		"'$LOCKSTEP' sandbox --profile --build-dir '$b' --max-disk 10485760 --max-log 100000 -- true |
		 grep -q '\"dev_shm_bytes\":2147483648,\"disk_bytes\":10485760,\"file_bytes\":[0-9]*,\"log_bytes\":100000'"

	# Forking until refused: the limit, not the host, says no.
	out=$(sb $mode --build-dir "$b" -- python3 -c '
import os, time
n = 0
while True:
    try:
        pid = os.fork()
    except OSError as e:
        print(n, e.errno); break
    if pid == 0:
        time.sleep(60); os._exit(0)
    n += 1' 2>&1)
	set -- $out
	check "$mode: a fork loop is refused with EAGAIN below 512 processes" \
		[ "${2:-}" = 11 ] && [ "${1:-999}" -lt 512 ] && [ "${1:-0}" -gt 100 ]

	m=$((4000000 + $$ * 10 + 1))
	expect_exit "$mode: a shell fork bomb ends at the timeout" 124 \
		sb $mode --build-dir "$b" --timeout 3 -- sh -c "sleep $m & b() { b | b & }; b; sleep $m"
	check "$mode: nothing of the fork bomb survives" gone $m

	out=$(sb $mode --build-dir "$b" --timeout 1 --json -- sh -c 'while :; do :; done' 2>/dev/null)
	check "$mode: an endless loop is killed by the timeout and reported" python3 -c '
import json, sys
r = json.loads(sys.argv[1]); assert r["timed_out"] is True and r["exit_code"] is None, r' "$out"

	m=$((4000000 + $$ * 10 + 2))
	expect_exit "$mode: a command leaving a daemon returns at once" 0 \
		timeout 20 "$LOCKSTEP" sandbox --build-dir "$b" -- sh -c "setsid sleep $m & sleep $m & exit 0"
	check "$mode: the daemons it left are killed" gone $m

	for sig in INT TERM; do
		m=$((4000000 + $$ * 10 + 3))
		sb $mode --build-dir "$b" -- sh -c "sleep $m & setsid sleep $m & sleep $m" >/dev/null 2>"$T/err" &
		pid=$!
		if wait_for $m 3; then
			kill -$sig "$(lockstep_pid $m)"
			wait $pid; rc=$?
			want=130; [ $sig = TERM ] && want=143
			check "$mode: SIG$sig to lockstep ends the run (exit $want)" [ $rc -eq $want ]
			check "$mode: after SIG$sig no process of the sandbox is left" gone $m
		else
			fail "$mode: the sandbox did not start its processes for SIG$sig"; kill -9 $pid
		fi
	done

	m=$((4000000 + $$ * 10 + 4))
	sb $mode --build-dir "$b" -- sh -c "sleep $m & sleep $m" >/dev/null 2>&1 &
	pid=$!
	if wait_for $m 2; then
		kill -KILL "$(lockstep_pid $m)"
		wait $pid 2>/dev/null
		check "$mode: when lockstep is SIGKILLed the sandbox dies with it" gone $m
	else
		fail "$mode: the sandbox did not start its processes for SIGKILL"; kill -9 $pid
	fi
done
check "no mount is left on the host" [ "$(wc -l </proc/self/mountinfo)" -eq "$mounts_before" ]
