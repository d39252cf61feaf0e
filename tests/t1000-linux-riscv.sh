#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real kernel, end to end (make check-kernel; not in make check: four
# kernel builds, 10-40 minutes on two cores): Debian's linux-source-6.1
# built for riscv64 by recipes/linux-riscv in the linux-riscv-debian12
# environment, with our out-of-tree module lsrtc built against it.  The
# built kernel boots in the pinned QEMU (virt machine, the OpenSBI QEMU
# ships) from the built initramfs, whose init loads lsrtc.ko; the driver
# reads the goldfish RTC and says whether its time is plausible.  Then
# verify rebuilds it byte for byte (the recipe's smoke test runs there
# too), release builds and rebuilds it and signs, and audit checks the
# bundle's signatures and digests (--no-rebuild: its rebuild would be a
# fifth kernel build of what verify and release already rebuilt).  Each
# stage prints "TIME: stage N s".
. "$(dirname "$0")/lib.sh"

R="$TOP/recipes/linux-riscv/recipe.json"
PIN=linux-riscv-debian12
if ! "$LOCKSTEP" env verify "$PIN" >/dev/null 2>&1; then
	skip "linux-riscv: the environment $PIN is not fetched (make check-kernel fetches it)"
	exit 0
fi

# timed STAGE CMD...: runs CMD, prints how long it took, returns its status.
timed() {
	local stage=$1 t0 rc; shift
	t0=$(date +%s.%N)
	"$@"; rc=$?
	echo "TIME: $stage $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	return "$rc"
}

# --- the build -----------------------------------------------------------
timed build expect_exit "linux-riscv: builds (kernel, modules, lsrtc.ko, init, initramfs)" 0 \
	"$LOCKSTEP" build -q --no-smoke "$R" -o "$T/k"
K=$T/k
[ -f "$K/Image" ] || { fail "linux-riscv: no Image: nothing more to check"; exit 0; }
nmod=$(find "$K/lib/modules" -name '*.ko' | wc -l)
check "linux-riscv: about 30 or more in-tree modules ($nmod)" [ "$nmod" -ge 30 ]
check "linux-riscv: the modules are installed for the kernel release 6.1.192 (modules.dep-ready layout)" \
	test -d "$K/lib/modules/6.1.192/kernel/fs/ext4"
check "linux-riscv: the in-tree goldfish RTC driver is not built (no RTC class at all), so lsrtc binds" \
	bash -c "grep -qx '# CONFIG_RTC_CLASS is not set' '$K/kernel.config' && ! grep -q '^CONFIG_RTC_DRV_GOLDFISH=' '$K/kernel.config' && ! find '$K/lib' -name 'rtc-goldfish*' | grep -q ."
check "linux-riscv: DWARF is on (kernel.config, and .debug_info in vmlinux and lsrtc.ko)" bash -c "
	grep -qx 'CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y' '$K/kernel.config' &&
	readelf -SW '$K/vmlinux' | grep -q ' \.debug_info ' &&
	readelf -SW '$K/lsrtc.ko' | grep -q ' \.debug_info '"
check "linux-riscv: the build directory is mapped out of lsrtc.ko and vmlinux (no /build/ path)" \
	bash -c "! grep -q '/build/' '$K/lsrtc.ko' && ! grep -q '/build/lsrtc' '$K/vmlinux'"
check "linux-riscv: the provenance names the kernel source as the package linux-source-6.1 6.1.192-3 by .deb digest" \
	python3 - "$K/provenance.json" "$TOP/toolchains/$PIN.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); pin = json.load(open(sys.argv[2]))
deb = [x for x in pin["packages"] if x["name"] == "linux-source-6.1"][0]
deps = p["predicate"]["buildDefinition"]["resolvedDependencies"]
d = [d for d in deps if d.get("uri", "").startswith("pkg:deb/debian/linux-source-6.1@6.1.192-3")]
assert d and d[0]["digest"]["sha256"] == deb["deb_sha256"], d
PY

# --- the smoke boot, from the published files ---------------------------
# The recipe's own smoke command, with the build's paths (out/Image) as
# the output directory names them.
smoke=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["smoke"]["command"])' "$R")
smoke=${smoke//out\//}
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["smoke"]["expect"])' "$R")
timed smoke bash -c '"$0" sandbox --pin "$1" --build-dir "$2" --timeout 300 -- sh -c "$3" >"$4" 2>&1' \
	"$LOCKSTEP" "$PIN" "$K" "$smoke" "$T/console"
check "smoke: lsrtc reports the RTC time it read, and finds it plausible (\"$want\")" \
	grep -qF "$want" "$T/console"
check "smoke: the time lsrtc read from the goldfish registers is the one QEMU was given (2026-11-26 17:1x)" \
	grep -qE 'lsrtc 101000\.rtc: goldfish RTC at 0x0+101000 reads 17957[0-9]{5} s: 2026-11-26 17:1[2-9]:[0-9]{2} UTC' "$T/console"
check "smoke: init loaded lsrtc.ko with finit_module and the machine powered off" \
	bash -c "grep -q 'init: lsrtc.ko loaded (base=1795713176 window=3600)' '$T/console' && grep -q 'reboot: Power down' '$T/console'"
grep -E 'lsrtc|init:' "$T/console" | sed 's/^/# console: /'

# --- verify, release, audit ---------------------------------------------
timed verify expect_exit "verify: an independent rebuild (smoke test included) is byte-identical" 0 \
	"$LOCKSTEP" verify -q "$K/provenance.json" -o "$T/v"
check "verify: the rebuild directory is gone after success" test ! -e "$T/v/rebuild"
"$LOCKSTEP" keygen -o "$T/key" >/dev/null 2>&1
timed release expect_exit "release: built, rebuilt, identical, signed" 0 \
	"$LOCKSTEP" release -q "$R" --key "$T/key" -o "$T/rel"
timed audit expect_exit "audit: signatures, the summary, every artifact and the source archive hold" 0 \
	"$LOCKSTEP" audit -q "$T/rel/linux-riscv-v6.1.192.tar" --pubkey "$T/key.pub" --no-rebuild
check "release: the bundle's artifacts are the build's (lsrtc.ko and Image byte for byte)" bash -c "
	tar -xOf '$T/rel/linux-riscv-v6.1.192.tar' artifacts/lsrtc.ko | cmp -s - '$K/lsrtc.ko' &&
	tar -xOf '$T/rel/linux-riscv-v6.1.192.tar' artifacts/Image | cmp -s - '$K/Image'"
