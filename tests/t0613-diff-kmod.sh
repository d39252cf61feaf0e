#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff on kernel-module-like objects built here with gcc: the
# .modinfo entries compared by key (vermagic a compiler difference), and
# string tables listed as the strings only one side has.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"
command -v gcc >/dev/null || { skip "diff kmod: no gcc"; exit 0; }

# What the kernel's MODULE_INFO() leaves: "key=value" strings in .modinfo.
cat >"$T/mod.c" <<'C'
#define MODINFO(tag, s) static const char __mod_##tag[] \
	__attribute__((section(".modinfo"), used, aligned(1))) = s
MODINFO(license, "license=GPL");
MODINFO(vermagic, "vermagic=" VERMAGIC);
MODINFO(alias, "alias=of:N*T*Cacme,uart");
MODINFO(srcversion, "srcversion=" SRCVERSION);
int init_module(void) { return 0; }
int FUNC(void) { return 1; }
C
mkko() { # out vermagic srcversion func
	gcc -O2 -c -DVERMAGIC="\"$2\"" -DSRCVERSION="\"$3\"" -DFUNC="$4" -o "$1" "$T/mod.c"
}
mkko "$T/a.ko" "6.1.0 SMP mod_unload" 1A2B3C uart_probe
mkko "$T/a2.ko" "6.1.0 SMP mod_unload" 1A2B3C uart_probe
mkko "$T/v.ko" "6.1.0 SMP preempt mod_unload" 1A2B3C uart_probe
mkko "$T/f.ko" "6.1.0 SMP mod_unload" 1A2B3C uart_attach

expect_exit "diff: one module built twice is identical" 0 $D "$T/a.ko" "$T/a2.ko"
expect_exit "diff: modules built for another vermagic" 1 $D "$T/a.ko" "$T/v.ko"
check "diff: vermagic by key, hinted compiler" \
	grep -qF '[compiler] modinfo vermagic: 6.1.0 SMP mod_unload -> 6.1.0 SMP preempt mod_unload' "$T/out"
check "diff: the keys that are the same are not reported" \
	bash -c "! grep -qE 'modinfo (license|alias|srcversion)' '$T/out'"
check "diff: .modinfo is not listed as byte ranges" bash -c "! grep -q 'range \.modinfo' '$T/out'"
expect_exit "diff --json: a renamed function" 1 $D --json "$T/a.ko" "$T/f.ko"
check "diff --json: .strtab as the strings only one side has" python3 - "$T/out" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
s = [d for d in r["differences"] if d["kind"] == "string" and ".strtab" in d["where"]]
sys.exit(0 if s and s[0]["a"] == "uart_probe" and s[0]["b"] == "uart_attach" else 1)
P

# Any random single byte changed in a module is found and located.
python3 "$TOP/tests/diff-property.py" "$LOCKSTEP" "$T" "${PROPERTY_RUNS:-200}" 6130 2 a.ko >"$T/prop"
cat "$T/prop"
check "diff: every single-byte change of a module is exit 1 and located" \
	grep -q ' 0 not found or not located' "$T/prop"
