#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep init: for copies of the bundled recipes' sources it proposes
# recipes that build (the pin found by the Makefile's tool prefix, the
# outputs from the Makefile or from a trial build); it says what it cannot
# know, proposes Kconfig and CMake steps, and refuses what it cannot do.
. "$(dirname "$0")/lib.sh"
unset LOCKSTEP_TOOLCHAINS LOCKSTEP_POLICY
L=$LOCKSTEP

# field FILE EXPR: a Python expression over the recipe `r`, printed.
field() { python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# --- 1. the bundled firmware's source, outputs from the Makefile ------------
mkdir -p "$T/fw"
cp -r "$TOP/recipes/qemu-virt-firmware/src" "$T/fw/src"
expect_exit "init proposes a recipe for the firmware's source" 0 \
	"$L" init "$T/fw/src" -o "$T/fw/recipe.json"
check "... with the pin of its Makefile's prefix (CROSS_COMPILE ?= riscv64-unknown-elf-)" \
	[ "$(field "$T/fw/recipe.json" 'r["environment"], r["target"]["triple"], r["kind"]')" = \
	"('riscv64-unknown-elf', 'riscv64-unknown-elf', 'firmware')" ]
check "... the Makefile's file targets as outputs, its version, its source below the recipe" \
	[ "$(field "$T/fw/recipe.json" 'r["outputs"], r["version"], r["source"], r["steps"]')" = \
	"(['out/fw.elf', 'out/fw.bin'], 'fwVIRT.r0.19700101', 'src', ['make -j2 all'])" ]
grep -q 'riscv64-unknown-elf-debian13' "$T/err" ||
	fail "init names the other pin with the same prefix"
expect_exit "the proposed firmware recipe builds" 0 \
	"$L" build -q --no-smoke "$T/fw/recipe.json" -o "$T/fw/out"
check "... into fw.elf and fw.bin" test -s "$T/fw/out/fw.elf" -a -s "$T/fw/out/fw.bin"

# --- 2. the bundled driver's source, outputs from a trial build -------------
# The shared library's rule is $(SO): only building shows its name.
mkdir -p "$T/drv"
cp -r "$TOP/recipes/rv64-linux-driver/src" "$T/drv/src"
expect_exit "init --trial builds the driver once" 0 \
	"$L" init -q --trial "$T/drv/src" -o "$T/drv/recipe.json"
check "... and lists what the build produced, not the object files or symlinks" \
	[ "$(field "$T/drv/recipe.json" 'r["outputs"], r["environment"], r["version"]')" = \
	"(['out/acme-headers.tar.gz', 'out/acme-test', 'out/libacme.a', 'out/libacme.so.1.0.0'], 'riscv64-linux-gnu', 'v1.0.0')" ]
expect_exit "the proposed driver recipe builds" 0 \
	"$L" build -q --no-smoke "$T/drv/recipe.json" -o "$T/drv/out"
check "... into the four artifacts" test -s "$T/drv/out/libacme.so.1.0.0" -a -s "$T/drv/out/libacme.a" \
	-a -s "$T/drv/out/acme-headers.tar.gz" -a -s "$T/drv/out/acme-test"
check "without -o the recipe goes to stdout, its source relative to the current directory" \
	[ "$(cd "$T/drv" && "$L" init -q src | python3 -c 'import json, sys; print(json.load(sys.stdin)["source"])')" = src ]

# --- 3. what it says, and Kconfig and CMake trees ---------------------------
mkdir -p "$T/plain/configs"
cat >"$T/plain/Makefile" <<'EOF'
CROSS_COMPILE ?= riscv64-unknown-elf-
all: fw.bin
fw.bin: start.S
	$(CROSS_COMPILE)gcc -nostdlib -o fw.elf start.S && $(CROSS_COMPILE)objcopy -O binary fw.elf fw.bin
EOF
: >"$T/plain/start.S"
expect_exit "a Makefile that maps no build paths is proposed all the same" 0 \
	"$L" init "$T/plain" -o "$T/plain.json"
check "... with advice to add -ffile-prefix-map" grep -q -- 'add -ffile-prefix-map=$(CURDIR)=.' "$T/err"
check "... and -Wa,--debug-prefix-map for its .S files" grep -q -- 'add -Wa,--debug-prefix-map=$(CURDIR)=.' "$T/err"
: >"$T/plain/Kconfig"
: >"$T/plain/configs/virt_defconfig"
: >"$T/plain/configs/zeta_defconfig"
echo 'KCFLAGS ?=' >>"$T/plain/Makefile"
"$L" init -q "$T/plain" -o "$T/kconfig.json" 2>"$T/err"
check "a Kconfig tree: configure with its first defconfig, map paths through KCFLAGS" \
	[ "$(field "$T/kconfig.json" 'r["steps"]')" = \
	"['make virt_defconfig', 'make -j2 all KCFLAGS=-ffile-prefix-map=/build=.']" ]
mkdir -p "$T/cm"
cat >"$T/cm/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(board C)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
add_executable(board-fw main.c)
add_library(hal STATIC hal.c)
EOF
expect_exit "a CMake tree is proposed with cmake steps" 0 "$L" init -q "$T/cm" -o "$T/cm.json"
check "... prefix-mapped flags, cmake among the packages, its targets as outputs" \
	[ "$(field "$T/cm.json" '"-ffile-prefix-map=/build=." in r["steps"][0], r["steps"][1], r["packages"], r["outputs"]')" = \
	"(True, 'cmake --build obj -j2', ['cmake'], ['obj/board-fw', 'obj/libhal.a'])" ]
expect_err "... and its trial says the pin lacks cmake, and how to make one that has it" 2 \
	'"packages\[0\]": "cmake" is not in the environment pin .*lockstep env pin' \
	"$L" init -q --trial "$T/cm" -o "$T/cm-trial.json"

# --- 4. refusals --------------------------------------------------------------
mkdir -p "$T/empty"
expect_err "nothing to build: no Makefile, no CMakeLists.txt" 2 'no Makefile and no CMakeLists.txt' \
	"$L" init "$T/empty" -o "$T/empty.json"
mkdir -p "$T/arm"
printf 'CROSS_COMPILE := arm-none-eabi-\nall: a.elf\na.elf: a.c\n' >"$T/arm/Makefile"
expect_err "a prefix no pin has: named, with the pins there are" 2 \
	'no environment pin has the tool prefix "arm-none-eabi-" \(pins in .*riscv64-unknown-elf \(riscv64-unknown-elf-\)' \
	"$L" init "$T/arm" -o "$T/arm.json"
expect_exit "... and --environment chooses one by hand" 0 \
	"$L" init -q --environment riscv64-unknown-elf "$T/arm" -o "$T/arm.json"
expect_err "a recipe that exists is not overwritten" 2 'already exists, refusing to overwrite' \
	"$L" init "$T/fw/src" -o "$T/fw/recipe.json"
mkdir -p "$T/elsewhere"
expect_err "a recipe outside the tree's ancestors is refused (its source must be below it)" 2 \
	'not inside ".*elsewhere", where the recipe goes' \
	"$L" init "$T/fw/src" -o "$T/elsewhere/recipe.json"
mkdir -p "$T/broken"
printf 'CROSS_COMPILE ?= riscv64-unknown-elf-\nall:\n\tfalse\nx.bin: ; true\n' >"$T/broken/Makefile"
expect_err "a trial build that fails says which step and where its log is" 2 \
	'steps\[0\]: exited 2 \(log: ' "$L" init -q --trial "$T/broken" -o "$T/broken.json"
check "... and writes nothing" [ ! -e "$T/broken.json" ]
rm -f "$(sed -n 's/.*(log: \(.*\))$/\1/p' "$T/err")"
expect_err "an unknown option is one line, then the hint" 2 '^lockstep: init: "--bogus": unknown option$' \
	"$L" init --bogus "$T/fw/src"
check "... two lines in all" [ "$(wc -l <"$T/err")" -eq 2 ]
