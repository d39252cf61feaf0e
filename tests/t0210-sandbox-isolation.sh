#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the sandbox keeps out and in, tried as an attacker would, as root and
# as an unprivileged user: the network, host files, writes outside /build
# and /out, and the system calls the seccomp table denies.
. "$(dirname "$0")/lib.sh"

sb() {
	local mode=$1; shift
	if [ "$mode" = user ]; then as_user "$LOCKSTEP" sandbox "$@"; else "$LOCKSTEP" sandbox "$@"; fi
}
PY=/usr/bin/python3

# A listener on the host's loopback, proven reachable from outside first.
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m http.server --bind 127.0.0.1 "$port" --directory "$T" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT
reach='import socket,sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close(); print("reached")
except OSError as e:
    print("refused", e.errno)'
for _ in $(seq 50); do
	[ "$($PY -c "$reach" "$port")" = reached ] && break
	sleep 0.1
done
check "the host listener is reachable from outside the sandbox" [ "$($PY -c "$reach" "$port")" = reached ]

secret="lockstep-secret-$$"          # file names
content="do-not-leak-$$-$RANDOM$RANDOM" # what the files hold
echo "$content" >"$T/$secret.txt"
chmod 644 "$T/$secret.txt"
echo "$content" >"/root/$secret.txt" 2>/dev/null
trap 'kill $server 2>/dev/null; rm -rf "$T" "/root/$secret.txt"' EXIT
gcc -O1 -o "$T/probe" "$TOP/tests/data/sandbox/probe.c" -lpthread || fail "compiling the probe"

for mode in root user; do
	b="$T/$mode-build" o="$T/$mode-out" ro="$T/$mode-ro"
	mkdir -p "$b" "$o" "$ro"
	echo readable >"$ro/file"
	cp "$T/probe" "$b/probe"
	[ "$mode" = user ] && chown -R 65534:65534 "$b" "$o"
	owner=0; [ "$mode" = user ] && owner=65534

	# Network: loopback only, and no IP sockets at all.
	out=$(sb $mode --build-dir "$b" -- python3 -c "$reach" "$port" 2>&1)
	check "$mode: the host's 127.0.0.1 listener is unreachable" [ "${out#refused}" != "$out" ]
	out=$(sb $mode --build-dir "$b" -- python3 -c 'import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM); print("created")
except OSError as e:
    print(e.errno)' 2>&1)
	check "$mode: creating an AF_INET socket fails with EAFNOSUPPORT" [ "$out" = 97 ]
	out=$(sb $mode --build-dir "$b" -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "' 2>&1)
	check "$mode: the only network interface is lo" [ "$out" = lo ]
	out=$(sb $mode --build-dir "$b" -- sh -c 'cat /proc/net/tcp /proc/net/tcp6' 2>&1)
	hexport=$(printf '%04X' "$port")
	check "$mode: the host's listening sockets are not visible" [ "${out/:$hexport /}" = "$out" ]

	# Host files: not there, by any path.
	out=$(sb $mode --build-dir "$b" -- sh -c "cat '$T/$secret.txt' /root/$secret.txt /oldroot$T/$secret.txt; ls /root /oldroot /home; grep -rs '$content' /tmp /etc /dev /build /proc/1/root" 2>&1)
	check "$mode: host secrets cannot be read by any path" [ "${out/$content/}" = "$out" ]
	out=$(sb $mode --build-dir "$b" -- find / -path /proc -prune -o -name "$secret*" -print 2>/dev/null)
	check "$mode: host secrets cannot be found anywhere" [ -z "$out" ]
	out=$(sb $mode --build-dir "$b" -- sh -c 'ls /etc' 2>&1 | tr '\n' ' ')
	check "$mode: /etc holds only the synthetic files" [ "$out" = "group hosts nsswitch.conf passwd " ]

	# Writes: only /build, /out (and the sandbox's own /tmp, gone afterwards).
	targets="/etc/x /usr/x /usr/bin/x /x /dev/x /proc/x /lib/x $T/escape /oldroot/x"
	sb $mode --build-dir "$b" -- sh -c 'for p; do (echo x > "$p") 2>/dev/null && echo "$p WROTE" || echo "$p denied"; done' sh $targets >"$T/writes" 2>&1
	for p in $targets; do
		check "$mode: writing $p fails" grep -qx "$p denied" "$T/writes"
	done
	check "$mode: nothing escaped to the host path" [ ! -e "$T/escape" ]
	sb $mode --build-dir "$b" -- sh -c "echo x > /tmp/$secret-tmp; echo x > /dev/shm/$secret-shm" >/dev/null 2>&1
	check "$mode: the sandbox's /tmp and /dev/shm are not the host's" \
		[ ! -e "/tmp/$secret-tmp" ] && [ ! -e "/dev/shm/$secret-shm" ]
	expect_exit "$mode: /out is writable" 0 sb $mode --build-dir "$b" --out-dir "$o" -- sh -c 'echo out > /out/result'
	check "$mode: /out files land in the host output dir, owned by the caller" \
		[ "$(stat -c %u "$o/result" 2>/dev/null)" = "$owner" ]
	out=$(sb $mode --build-dir "$b" --ro-bind "$ro:/ro" -- sh -c 'cat /ro/file; echo x > /ro/file && echo WROTE; touch /ro/new && echo WROTE' 2>&1)
	check "$mode: a read-only bind reads but does not write" [ "${out#readable}" != "$out" ] && [ "${out/WROTE/}" = "$out" ]
	check "$mode: the read-only bind's host file is unchanged" [ "$(cat "$ro/file")" = readable ]

	# The seccomp table, one probe per denied call; threads and fork work.
	sb $mode --build-dir "$b" -- ./probe >"$T/probe.out" 2>&1
	while read -r name want; do
		got=$(awk -v n="$name" '$1 == n { print $2 }' "$T/probe.out")
		check "$mode: $name gives $want" [ "$got" = "$want" ]
	done <<'WANT'
mount EPERM
umount2 EPERM
pivot_root EPERM
chroot EPERM
ptrace EPERM
process_vm_readv EPERM
unshare EPERM
setns EPERM
clone_newuser EPERM
clone3 ENOSYS
socket_inet EAFNOSUPPORT
socket_inet6 EAFNOSUPPORT
socket_netlink EAFNOSUPPORT
socket_packet EAFNOSUPPORT
socket_unix OK
io_uring_setup EPERM
bpf EPERM
keyctl EPERM
add_key EPERM
perf_event_open EPERM
userfaultfd EPERM
kexec_load EPERM
init_module EPERM
delete_module EPERM
reboot EPERM
swapon EPERM
settimeofday EPERM
clock_settime EPERM
ioctl_tiocsti EPERM
chmod_setuid EPERM
chmod_setgid EPERM
fchmod_setuid EPERM
fchmodat_setuid EPERM
fchmodat2_setgid EPERM
open_creat_setuid EPERM
openat_creat_setgid EPERM
open_tmpfile_setuid EPERM
creat_setuid EPERM
openat2 ENOSYS
mkdir_setgid EPERM
mknod_setuid EPERM
chmod_plain OK
open_creat_plain OK
pthread_create OK
fork OK
WANT
	out=$(sb $mode --build-dir "$b" -- grep -E '^(NoNewPrivs|Seccomp|CapEff|CapBnd):' /proc/self/status 2>&1 | tr -s '\t ' ' ' | tr '\n' ' ')
	check "$mode: the probe left no set-id file on the host" [ -z "$(find "$b" -perm /6000)" ]
	check "$mode: no capabilities, NO_NEW_PRIVS, seccomp filter on" \
		[ "$out" = "CapEff: 0000000000000000 CapBnd: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 " ]
done

# The caller's terminal: a command given it as stdout could change its
# settings (an ioctl on fd 1); it gets a pipe the parent copies instead.
# script(1) gives lockstep a terminal of its own to try it on.
out=$(script -qec "'$LOCKSTEP' sandbox --build-dir '$T' -- sh -c 'stty -echo <&1 2>/dev/null && echo CHANGED; echo shown'; stty -a" /dev/null 2>&1)
check "a command cannot change the caller's terminal settings through its stdout" \
	bash -c '! grep -q CHANGED <<<"$1" && grep -qw -- echo <<<"$1" && ! grep -qw -- -echo <<<"$1"' _ "$out"
check "... and its output still reaches the terminal" grep -q shown <<<"$out"
