#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep check over the corpus (tests/corpus/NAME: recipes of our own, each
# with exactly one nondeterminism source, and two clean controls): check names
# the one variation responsible, and lockstep diff of the two builds check
# kept names the section or member and the cause hint.
. "$(dirname "$0")/lib.sh"

C="$TOP/tests/corpus"
SDE=1768176000
# What check's varied builds use (verifier/check.c), so diff recognises them.
DIFF_OPTS=(--sde "$SDE" --build-path /build --build-path /build-varied-path
	--hostname other-machine --username auditor)

# culprits FILE VARIATION HINT: the check report's one culprit is VARIATION
# with HINT, and it kept its two builds.
culprits() {
	python3 - "$@" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
got = [(c["variation"], c["hint"]) for c in r["culprits"]]
for c in r["culprits"]:
    assert os.path.isdir(c["control_dir"]) and os.path.isdir(c["varied_dir"]), c
assert got == [(sys.argv[2], sys.argv[3])], (r["verdict"], got)
PY
}

# diff_names FILE WHERE HINT: the diff report has a difference at WHERE (a
# section name, or "member" for an archive member path) with hint HINT.
diff_names() {
	python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
where, hint = sys.argv[2], sys.argv[3]
def at(d):
    w = d.get("where", "") or ""
    return w == where or w.startswith(where + ":") or w.startswith(where + " ") or d["file"] == where
assert not r["identical"]
if any(at(d) and d["hint"] == hint for d in r["differences"]):
    sys.exit(0)
print([(d["file"], d.get("where"), d["hint"]) for d in r["differences"]], file=sys.stderr)
sys.exit(1)
PY
}

# corpus NAME VARIATION HINT ARTIFACT WHERE DIFF-HINT [check options...]:
# check exits 1 naming VARIATION alone with HINT, and lockstep diff of
# control and varied ARTIFACT finds WHERE with DIFF-HINT.
corpus() {
	local name=$1 var=$2 hint=$3 art=$4 where=$5 dhint=$6 keep="$T/keep-$1"
	shift 6
	expect_exit "$name: check says not reproducible" 1 \
		"$LOCKSTEP" check -q --json --keep "$keep" "$@" "$C/$name/recipe.json"
	cp "$T/out" "$T/check-$name.json"
	check "$name: the one culprit is $var, hint $hint" \
		culprits "$T/check-$name.json" "$var" "$hint"
	"$LOCKSTEP" diff --json "${DIFF_OPTS[@]}" "$keep/control/$art" "$keep/$var/$art" \
		>"$T/diff-$name.json" 2>"$T/err"
	check "$name: diff of the kept builds names $where, hint $dhint" \
		diff_names "$T/diff-$name.json" "$where" "$dhint"
}

# The clean controls, under every variation there is.
expect_exit "clean-fw: a clean firmware is reproducible under the strict set" 0 \
	"$LOCKSTEP" check -q --strict "$C/clean-fw/recipe.json"
check "clean-fw: every variation was applied (file-order included)" \
	grep -q "^reproducible under: time, host-path, build-path, hostname, user, env, tz, locale, umask, file-order, cpus, kernel, aslr, sde " "$T/out"
expect_exit "clean-tar: a clean tar is reproducible under the strict set" 0 \
	"$LOCKSTEP" check -q --strict "$C/clean-tar/recipe.json"

# Linked against the pinned picolibc, whose objects name GCC 12.1.0, not the
# pinned compiler: what the pin ships is the pin's (it used to fail every
# build as "built by a foreign compiler").
expect_exit "picolibc: a firmware linked with the pinned C library is reproducible under the strict set" 0 \
	"$LOCKSTEP" check -q --strict "$C/picolibc/recipe.json"

# __DATE__/__TIME__ with SOURCE_DATE_EPOCH removed: bisection over the whole
# default set finds the clock.
corpus date-macro time timestamp fw.elf .rodata timestamp
check "date-macro: the culprit was found by bisecting the default set" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["variations"]) == 6 and r["builds"] >= 4, (len(r["variations"]), r["builds"])' "$T/check-date-macro.json"
# __DATE__/__TIME__ with SOURCE_DATE_EPOCH exported: reproducible under the
# default set, and --strict's sde (SOURCE_DATE_EPOCH unset) shows why.
expect_exit "sde-macro: __DATE__ reproduces under the default set (GCC reads SOURCE_DATE_EPOCH)" 0 \
	"$LOCKSTEP" check -q "$C/sde-macro/recipe.json"
corpus sde-macro sde timestamp fw.elf .rodata timestamp --strict
corpus date-step time timestamp fw.elf .rodata timestamp --vary=-all,time,tz
# The standard idiom, date -u -d @$SOURCE_DATE_EPOCH, reads no clock: the
# clock shift must not touch time conversion under any zone check varies
# (it did with an absolute FAKETIME: time and tz were blamed together).
expect_exit "sde-date: date -u -d @SDE is reproducible with time and tz varied together" 0 \
	"$LOCKSTEP" check -q --vary=-all,time,tz "$C/sde-date/recipe.json"
expect_exit "sde-date: ... and under the whole strict set but sde (it reads SOURCE_DATE_EPOCH)" 0 \
	"$LOCKSTEP" check -q --strict --vary=-sde "$C/sde-date/recipe.json"
# -g without prefix mapping: bisection over the whole strict set.
corpus build-path build-path build-path fw.elf .debug_line_str build-path --strict
check "build-path: the culprit was found by bisecting the strict set" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["variations"]) == 14 and r["builds"] >= 6, (len(r["variations"]), r["builds"])' "$T/check-build-path.json"
check "build-path: the DWARF comp_dir difference is named" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert any(d["kind"] == "dwarf" and "comp_dir" in (d.get("where") or "") and d["hint"] == "build-path"
           for d in r["differences"]), r["differences"]' "$T/diff-build-path.json"
corpus hostname hostname hostname fw.elf .rodata hostname --vary=-all,hostname,user
# The report puts what explains the difference first: the hostname string
# before the program headers and symbols that merely shifted after it.
"$LOCKSTEP" diff "${DIFF_OPTS[@]}" "$T/keep-hostname/control/fw.elf" "$T/keep-hostname/hostname/fw.elf" \
	>"$T/diff-hostname.txt" 2>&1
check "hostname: the text report's first difference is the hostname" \
	bash -c 'grep -m1 "^  \[" "$1" | grep -q "^  \[hostname\]"' _ "$T/diff-hostname.txt"
corpus username user username fw.elf .rodata username --vary=-all,user,hostname
# $HOME compiled in: the whole strict set names env alone (build-path used
# to move HOME too and was blamed with it).
corpus env-var env build-path fw.elf .rodata build-path --strict
corpus timezone tz timestamp fw.elf .rodata timestamp --vary=-all,tz,locale
corpus locale-sort locale ordering modules.txt modules.txt ordering --vary=-all,locale,tz
# Lowercase names only: a locale that collates them like C (fr_FR) cannot
# see this; the variation's locale must, and the whole strict set names it.
corpus locale-lower locale ordering devices.txt devices.txt ordering --strict
check "locale-lower: the locale applied was proven by a probe sort inside the sandbox" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
v = [x for x in r["variations"] if x["name"] == "locale"][0]
assert v["applied"] and "probe sort inside the sandbox" in v["how"], v' "$T/check-locale-lower.json"
corpus file-order file-order ordering fw.elf .text ordering
check "file-order: diff shows the functions moved" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
moved = [d for d in r["differences"] if d["kind"] == "symbol" and "stage_" in (d.get("where") or "")]
assert len(moved) >= 2, r["differences"]' "$T/diff-file-order.json"
check "file-order: each moved function is labelled ordering, not content" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
moved = [d for d in r["differences"] if d["kind"] == "symbol" and "stage_" in (d.get("where") or "")]
assert moved and all(d["hint"] == "ordering" for d in moved), [(d["where"], d["hint"]) for d in moved]' "$T/diff-file-order.json"
# Unprivileged: the tmpfs is /dev/shm, which every user may write.
expect_exit "file-order: an unprivileged user's check names file-order too" 1 \
	as_user "$LOCKSTEP" check -q --vary=-all,file-order "$C/file-order/recipe.json"
check "file-order: unprivileged, the hint is ordering" \
	grep -q '^culprit: file-order: fw.elf differs, hint ordering' "$T/out"
check "file-order: no build directory is left on the tmpfs" \
	bash -c '[ -z "$(find /dev/shm -maxdepth 1 -name "lockstep-*" -user 65534)" ]'

# A generator ordering a table by address hashes: every build but the aslr
# one runs with randomization off, so the whole strict set names aslr alone
# (it used to be backwards: every build differed, every variation blamed).
corpus aslr aslr ordering devices.txt devices.txt ordering --strict

# The race is decided by timing that -j follows (see its Makefile): two
# control rounds agree, one CPU (make -j1) links in another order.
corpus parallel-race cpus ordering fw.elf .text ordering --rounds 2 --vary=-all,cpus,kernel

# umask inside a tar: compared as the step wrote it (--raw), bisection over
# the strict set (but sde: the tar's member times are SOURCE_DATE_EPOCH's)
# names umask and diff the members' modes; lockstep build
# itself normalizes member modes (rw-r--r--, rwxr-xr-x), so without --raw
# check honestly finds nothing.
corpus umask-tar umask umask pkg.tar pkg/etc/fw.conf umask --strict --raw --vary=-sde
check "umask-tar: the report says the outputs were compared raw" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["raw"] is True and len(r["variations"]) == 13, r' \
	"$T/check-umask-tar.json"
expect_exit "umask-tar: the umask inside a tar is normalized away by lockstep build" 0 \
	"$LOCKSTEP" check -q --vary=-all,umask --keep "$T/keep-umask" "$C/umask-tar/recipe.json"
# ... but check compares the raw outputs too and reports what differs only
# there as its own class, so the vendor learns what another tool would see.
expect_exit "umask-tar: without --raw, reproducible (exit 0) ..." 0 \
	"$LOCKSTEP" check -q --json --vary=-all,umask,time "$C/umask-tar/recipe.json"
check "  ... with umask named in the raw-only class, not as a culprit" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "reproducible" and r["culprits"] == [], r
assert [(c["variation"], c["hint"]) for c in r["raw_only"]] == [("umask", "umask")], r["raw_only"]' "$T/out"
expect_exit "  ... and the text report says so in one line" 0 \
	"$LOCKSTEP" check -q --vary=-all,umask,time "$C/umask-tar/recipe.json"
check "  ... 'reproducible with lockstep's normalization; differs without it: umask'" \
	grep -qx "reproducible with lockstep's normalization; differs without it: umask" "$T/out"
raw_modes() { # UMASK: the modes tar records when the step runs under it
	local d="$T/raw-$1"
	cp -r "$C/umask-tar/src" "$d" && (cd "$d" && umask "$1" && make -s >/dev/null) &&
		tar tvf "$d/out/pkg.tar" | awk '{print $1, $NF}'
}
check "umask-tar: without the normalization the modes would differ" \
	bash -c '[ "$1" != "$2" ]' _ "$(raw_modes 022)" "$(raw_modes 002)"
check "umask-tar: the published tar holds normalized modes" \
	bash -c 'tar tvf "$1" | awk "{print \$1}" | sort -u | tr "\n" " " | grep -qx -- "-rw-r--r-- -rwxr-xr-x drwxr-xr-x "' _ "$T/keep-umask/control/pkg.tar"

# /dev/urandom: identical control builds differ, so it is flaky and no
# environment variation is blamed.
# Two control rounds are the default.
expect_exit "urandom: check says flaky (exit 1)" 1 \
	"$LOCKSTEP" check -q --json --keep "$T/keep-urandom" "$C/urandom/recipe.json"
cp "$T/out" "$T/check-urandom.json"
check "urandom: the verdict is flaky and the finding blames no variation" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "flaky", r["verdict"]
assert [(c["variation"], c["hint"]) for c in r["culprits"]] == [("none", "random")], r["culprits"]
assert r["culprits"][0]["varied_dir"].endswith("/control-round-2")' "$T/check-urandom.json"
"$LOCKSTEP" diff --json "${DIFF_OPTS[@]}" "$T/keep-urandom/control/fw.elf" \
	"$T/keep-urandom/control-round-2/fw.elf" >"$T/diff-urandom.json" 2>"$T/err"
check "urandom: diff of the two rounds names .rodata, hint random" \
	diff_names "$T/diff-urandom.json" .rodata random
# One control round: the bisection finds both halves different from the
# control, builds the control again before recursing, and stops there:
# flaky, not thirteen culprits.
expect_exit "urandom: with one control round under the strict set, still flaky" 1 \
	"$LOCKSTEP" check -q --json --rounds 1 --strict "$C/urandom/recipe.json"
check "urandom: one round: no variation blamed, a handful of builds" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "flaky", [c["variation"] for c in r["culprits"]]
assert [c["variation"] for c in r["culprits"]] == ["none"] and r["builds"] <= 6, r["builds"]' "$T/out"
