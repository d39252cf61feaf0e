#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lockstep abi-diff`: RISC-V driver libraries built here (shared objects
# and static archives) with one change each; the bump each change requires,
# and a declared bump that is too small refused.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
CC=riscv64-linux-gnu-gcc AR=riscv64-linux-gnu-ar
if ! command -v $CC >/dev/null; then skip "abi-diff: $CC is not installed"; exit 0; fi

# lib NAME [CPP flags...]: the same driver source, varied by macros.
src() {
	cat <<'C'
int drv_table[TABLE_N] = { 1, 2, 3 };
static int helper(int x) { return x * HELPER_K; }
int drv_open(int x) { return helper(x) + 1; }
#ifndef NO_CLOSE
int drv_close(int x) { return x - 1; }
#endif
#ifdef WITH_RESET
int drv_reset(int x) { return helper(x) ^ 5; }
#endif
#ifdef WITH_HIDDEN
__attribute__((visibility("hidden"))) int drv_internal(int x) { return x; }
#endif
C
}
so() { # so NAME SONAME [-Dflags...]
	local name=$1 soname=$2; shift 2
	src >"$T/$name.c"
	$CC -O2 -fPIC -shared -DTABLE_N=4 -DHELPER_K=2 "$@" -Wl,-soname,"$soname" \
		-o "$T/$name.so" "$T/$name.c"
}
so base libdrv.so.1
so removed libdrv.so.1 -DNO_CLOSE
so added libdrv.so.1 -DWITH_RESET
so internal libdrv.so.1 -UHELPER_K -DHELPER_K=3 -DWITH_HIDDEN
so grown libdrv.so.1 -UTABLE_N -DTABLE_N=8
so renamed libdrv.so.2
printf 'DRV_1 { global: drv_*; local: *; };\n' >"$T/drv.map"
so versioned libdrv.so.1 -Wl,--version-script,"$T/drv.map"
so versioned-weak libdrv.so.1 -Wl,--version-script,"$T/drv.map" -Ddrv_open='__attribute__((weak)) drv_open'

required() { # required NAME OLD NEW BUMP
	expect_exit "$1: runs" 0 "$L" abi-diff "$2" "$3"
	check "$1: requires $4" grep -qx "required bump: $4" "$T/out"
}
required "a symbol removed" "$T/base.so" "$T/removed.so" MAJOR
check "the removed symbol is named" grep -qE '^removed +drv_close ' "$T/out"
required "a function added" "$T/base.so" "$T/added.so" MINOR
check "the added function is named" grep -qE '^added +drv_reset +FUNC' "$T/out"
required "an internal change only (and a hidden symbol)" "$T/base.so" "$T/internal.so" PATCH
check "the hidden symbol is not reported" sh -c "! grep -q drv_internal '$T/out'"
required "an exported object's size changed" "$T/base.so" "$T/grown.so" MAJOR
check "the size change is shown" grep -qE 'drv_table +OBJECT size 16 -> 32' "$T/out"
required "the SONAME changed" "$T/base.so" "$T/renamed.so" MAJOR
required "the same library" "$T/base.so" "$T/base.so" PATCH
# A version script added: old callers still bind (the unversioned reference
# resolves to the symbol's version), so nothing is removed; the new version
# node is a MINOR change, as for abidiff.
required "a version script added" "$T/base.so" "$T/versioned.so" MINOR
check "each symbol is reported as versioned, not removed and added" \
	sh -c "grep -qE '^versioned +drv_open ' '$T/out' && ! grep -qE '^(removed|added) ' '$T/out'"
check "the version node is reported as added" grep -qE '^version-added +DRV_1 ' "$T/out"
required "a version script added while a symbol turned weak" "$T/base.so" "$T/versioned-weak.so" MAJOR
check "the binding change is still found across the versioning" \
	grep -qE '^changed +drv_open .*binding GLOBAL -> WEAK' "$T/out"

# Declared bumps.
expect_err "a MINOR bump for a removal is refused" 1 'is a MINOR bump, the ABI change needs MAJOR' \
	"$L" abi-diff --versions v1.2.0 v1.3.0 "$T/base.so" "$T/removed.so"
expect_exit "a MAJOR bump for a removal is accepted" 0 \
	"$L" abi-diff --versions v1.2.0 v2.0.0 "$T/base.so" "$T/removed.so"
expect_exit "a PATCH bump for an added function is refused" 1 \
	"$L" abi-diff --versions v1.2.0 v1.2.1 "$T/base.so" "$T/added.so"
expect_exit "a MINOR bump for an added function is accepted" 0 \
	"$L" abi-diff --versions v1.2.0 v1.3.0 "$T/base.so" "$T/added.so"
expect_exit "a PATCH bump for an internal change is accepted" 0 \
	"$L" abi-diff --versions v1.2.0 v1.2.1 "$T/base.so" "$T/internal.so"
expect_exit "no bump at all for an internal change is refused" 1 \
	"$L" abi-diff --versions v1.2.0 v1.2.0 "$T/base.so" "$T/internal.so"
expect_exit "a PATCH bump for an object size change is refused" 1 \
	"$L" abi-diff --versions v1.2.0 v1.2.1 "$T/base.so" "$T/grown.so"
expect_err "a declared version off the policy is a usage error" 2 'driver version "1.3.0"' \
	"$L" abi-diff --versions v1.2.0 1.3.0 "$T/base.so" "$T/added.so"
expect_err "a declared step backwards is a usage error" 2 'older than' \
	"$L" abi-diff --versions v1.2.0 v1.1.0 "$T/base.so" "$T/added.so"

# JSON for pipelines.
expect_exit "--json runs" 1 "$L" abi-diff --json --versions v1.2.0 v1.2.1 "$T/base.so" "$T/grown.so"
check "--json says required MAJOR, declared PATCH, not ok" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["required"] == "MAJOR" and j["declared"] == "PATCH" and j["ok"] is False
assert any(c["kind"] == "changed" and c["symbol"] == "drv_table" for c in j["changes"])
' "$T/out"

# Static archives: two members, read through libarchive.
ar_lib() { # ar_lib NAME [-Dflags...]
	local name=$1; shift
	src >"$T/a-$name.c"
	printf 'int drv_probe(void) { return 7; }\n' >"$T/b-$name.c"
	$CC -O2 -c -DTABLE_N=4 -DHELPER_K=2 "$@" -o "$T/a-$name.o" "$T/a-$name.c" &&
	$CC -O2 -c -o "$T/b-$name.o" "$T/b-$name.c" &&
	rm -f "$T/$name.a" && $AR rcsD "$T/$name.a" "$T/a-$name.o" "$T/b-$name.o"
}
ar_lib base; ar_lib removed -DNO_CLOSE; ar_lib added -DWITH_RESET; ar_lib grown -UTABLE_N -DTABLE_N=8
ar_lib internal -UHELPER_K -DHELPER_K=5
required "archive: a symbol removed" "$T/base.a" "$T/removed.a" MAJOR
required "archive: a function added" "$T/base.a" "$T/added.a" MINOR
required "archive: an object's size changed" "$T/base.a" "$T/grown.a" MAJOR
required "archive: an internal change only" "$T/base.a" "$T/internal.a" PATCH
check "archive: symbols of the second member are read" \
	sh -c "'$L' abi-diff --json '$T/base.a' '$T/base.a' | grep -q '\"old_symbols\":[[:space:]]*4'"

# Symbol versions (a version script with nodes).
printf 'DRV_1.0 { global: drv_open; drv_close; drv_table; local: *; };\n' >"$T/v1.map"
printf 'DRV_1.0 { global: drv_open; drv_close; drv_table; local: *; };\nDRV_1.1 { global: drv_reset; } DRV_1.0;\n' >"$T/v2.map"
printf 'DRV_2.0 { global: drv_open; drv_close; drv_table; local: *; };\n' >"$T/v3.map"
so ver1 libdrv.so.1 -Wl,--version-script="$T/v1.map"
so ver2 libdrv.so.1 -DWITH_RESET -Wl,--version-script="$T/v2.map"
so ver3 libdrv.so.1 -Wl,--version-script="$T/v3.map"
required "a version node and a symbol in it added" "$T/ver1.so" "$T/ver2.so" MINOR
check "the added symbol carries its version" grep -qE '^added +drv_reset@DRV_1.1 ' "$T/out"
check "the added version node is named" grep -qE '^version-added +DRV_1.1 ' "$T/out"
required "a version node renamed" "$T/ver1.so" "$T/ver3.so" MAJOR
check "the removed version node is named" grep -qE '^version-removed +DRV_1.0 ' "$T/out"

printf 'not a library\n' >"$T/junk.so"
expect_err "a file that is not ELF is named" 2 "junk.so: not an ELF file" \
	"$L" abi-diff "$T/base.so" "$T/junk.so"
expect_exit "abi-diff has --help" 0 "$L" abi-diff --help
