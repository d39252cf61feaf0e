#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No set-id file ever reaches the host.  As root the build's files are
# root's on the host (idmapped binds), so a step's `chmod 6755` on a copy of
# a binary would be a set-id-root program for whoever reaches it.  The
# sandbox refuses every set-id mode when it is set (EPERM, the step goes
# on), and the work trees the builds run in are closed to other users.
. "$(dirname "$0")/lib.sh"

marker="setid-$$-$RANDOM"
mkdir -p "$T/r/src"
echo hello >"$T/r/src/input.txt"
# Every way a shell, C or Perl step sets a mode; each prints what it got
# (the C program is built with the pinned host compiler, cc).
cat >"$T/r/src/try-setid.sh" <<'SH'
cp /usr/bin/id copy
for m in 6755 4755 2755 u+s g+s; do
	if chmod $m copy 2>/dev/null; then echo "chmod $m: allowed"; else echo "chmod $m: denied"; fi
done
if install -m 4755 /usr/bin/id installed 2>/dev/null; then echo "install -m 4755: allowed"; else echo "install -m 4755: denied"; fi
cat >try.c <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
static void tryit(const char *name, int r)
{
	if (r >= 0)
		printf("%s: allowed\n", name);
	else
		printf("%s: %s\n", name, errno == EPERM ? "EPERM" : strerror(errno));
}
int main(void)
{
	int fd;
	tryit("c open O_CREAT 06755", open("c-open", O_WRONLY | O_CREAT, 06755));
	tryit("c mkdir 02755", mkdir("c-dir", 02755));
	tryit("c mknod 04755", mknod("c-node", S_IFREG | 04755, 0));
	fd = open("c-plain", O_WRONLY | O_CREAT, 0755);
	tryit("c fchmod 04755", fchmod(fd, 04755));
	tryit("c chmod 0700", chmod("c-plain", 0700));
	return 0;
}
C
cc -o try try.c && ./try
perl -e 'use Fcntl; if (sysopen(F, "pl-open", O_CREAT | O_WRONLY, 06755)) { print "perl sysopen 06755: allowed\n" } else { print "perl sysopen 06755: $!\n" }'
perl -e 'open(F, ">", "pl-plain"); close F; if (chmod(04755, "pl-plain")) { print "perl chmod 04755: allowed\n" } else { print "perl chmod 04755: $!\n" }'
SH
cat >"$T/r/recipe.json" <<JSON
{"name": "setid", "kind": "firmware", "version": "fwT1.r1.20260112", "source": "src",
 "environment": "riscv64-linux-gnu",
 "target": {"triple": "riscv64-linux-gnu", "march": "rv64gc", "mabi": "lp64d"},
 "source_date_epoch": 1768176000,
 "steps": ["sh try-setid.sh > report.txt 2>&1", "touch ready-$marker && sleep 4"],
 "outputs": ["report.txt"]}
JSON

# watch DIR...: while a build runs, waits for its ready marker, then records
# every set-id file under DIR... and the mode of each directory on the way
# from the build directory up to DIR (the first DIR given).
watch() {
	local top=$1 ready d
	for _ in $(seq 300); do
		ready=$(find "$@" -name "ready-$marker" 2>/dev/null | head -1)
		[ -n "$ready" ] && break
		sleep 0.1
	done
	[ -n "$ready" ] || { echo "no ready marker"; return; }
	find "$@" -perm /6000 -printf 'SETID %p\n' 2>/dev/null
	d=$(dirname "$(dirname "$ready")") # the build directory's parent
	while [ "$d" != "$top" ] && [ "$d" != / ]; do
		stat -c 'DIR %a %n' "$d"
		d=$(dirname "$d")
	done
}

want_report='chmod 6755: denied
chmod 4755: denied
chmod 2755: denied
chmod u+s: denied
chmod g+s: denied
install -m 4755: denied
c open O_CREAT 06755: EPERM
c mkdir 02755: EPERM
c mknod 04755: EPERM
c fchmod 04755: EPERM
c chmod 0700: allowed
perl sysopen 06755: Operation not permitted
perl chmod 04755: Operation not permitted'

for mode in root user; do
	tmp="$T/$mode-tmp" out="$T/$mode-out"
	mkdir -p "$tmp"
	run=()
	if [ "$mode" = user ]; then
		chown 65534:65534 "$tmp" "$T"; chmod 755 "$T/r" "$T/r/src"
		mkdir -p "$T/home-nobody"; chown 65534:65534 "$T/home-nobody"
		run=(as_user)
	fi
	TMPDIR="$tmp" "${run[@]}" "$LOCKSTEP" build -q "$T/r/recipe.json" -o "$out" >"$T/out" 2>"$T/err" &
	pid=$!
	watch "$tmp" /dev/shm >"$T/seen"
	wait $pid; rc=$?
	check "$mode: the build succeeds (a refused chmod is an error the step sees, not a kill)" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || sed 's/^/    /' "$T/err" | tail -5
	check "$mode: the host was watched while the build ran" bash -c "! grep -q 'no ready marker' '$T/seen'"
	check "$mode: every attempt to set S_ISUID or S_ISGID was refused with EPERM" \
		[ "$(cat "$out/report.txt" 2>/dev/null)" = "$want_report" ]
	[ "$(cat "$out/report.txt" 2>/dev/null)" = "$want_report" ] || diff <(echo "$want_report") "$out/report.txt" | sed 's/^/    /'
	check "$mode: no set-id file under \$TMPDIR or /dev/shm during the build" bash -c "! grep -q '^SETID' '$T/seen'"
	check "$mode: the work directory holding the build directory is 0700" \
		[ "$(grep '^DIR' "$T/seen" | head -1 | cut -d' ' -f2)" = 700 ]
	check "$mode: no set-id file among the published outputs" [ -z "$(find "$out" -perm /6000)" ]
	check "$mode: nothing left in \$TMPDIR" [ -z "$(ls -A "$tmp")" ]
done
chown 0:0 "$T"

# lockstep check: its trees under /tmp and, for the file-order variation,
# /dev/shm are closed to other users while its builds run.  Each check
# build sleeps in its step, so the tree of each is found by its marker.
# top_mode ROOT: the mode of the lockstep-check-* directory below ROOT that
# holds a ready marker.
top_mode() {
	local m
	m=$(find "$1" -maxdepth 6 -path "$1/lockstep-check-*" -name "ready-$marker" 2>/dev/null | head -1)
	[ -n "$m" ] && stat -c %a "$(echo "$m" | cut -d/ -f1-$(( $(echo "$1" | tr -cd / | wc -c) + 2 )))"
}
"$LOCKSTEP" check -q --vary=-all,file-order "$T/r/recipe.json" >"$T/out" 2>"$T/err" &
pid=$!
shm_top= tmp_top= setid=
for _ in $(seq 600); do
	[ -z "$shm_top" ] && shm_top=$(top_mode /dev/shm)
	[ -z "$tmp_top" ] && tmp_top=$(top_mode /tmp)
	setid=$setid$(find /dev/shm /tmp -path '*/lockstep-check-*' -perm /6000 -print 2>/dev/null)
	[ -n "$shm_top" ] && [ -n "$tmp_top" ] && break
	sleep 0.1
done
wait $pid; rc=$?
check "check: both trees were seen while the builds ran" [ -n "$shm_top" ] && [ -n "$tmp_top" ]
check "check: no set-id file in its trees during the builds" [ -z "$setid" ]
check "check: its /dev/shm tree is 0700" [ "$shm_top" = 700 ]
check "check: its /tmp tree is 0700" [ "$tmp_top" = 700 ]
check "check: the build still reproduces (exit 0)" [ "$rc" -eq 0 ]
