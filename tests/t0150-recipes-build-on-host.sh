#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bundled recipes' sources are deterministic on their own, without
# lockstep: each recipe's steps, run on the host with the environment the
# builder gives them, from two different directories (different umask and
# time zone too), produce byte-identical outputs, and the smoke test passes.
. "$(dirname "$0")/lib.sh"

# build_copy RECIPE_DIR DEST UMASK TZ: copies src to DEST and runs the steps
# there as the sandbox would (/bin/sh -e -c each, scrubbed environment).
build_copy() {
	local r=$1 dest=$2 mask=$3 tz=$4 src triple prefix step
	src=$(jq -r .source "$r/recipe.json")
	triple=$(jq -r .target.triple "$r/recipe.json")
	# The kernel takes minutes a build: make check-kernel (t1000) has it.
	if [ "$name" = linux-riscv ]; then
		skip "$name: built by make check-kernel (t1000), not in make check"
		continue
	fi
	prefix=$(jq -r '.toolchain // .environment' "$r/recipe.json")-
	mkdir -p "$dest" && cp -R "$r/$src/." "$dest/" || return 1
	local -a envv=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$dest" TZ="$tz"
		LC_ALL=C.UTF-8 LANG=C.UTF-8 USER=build LOGNAME=build
		CROSS_COMPILE="$prefix" TARGET_TRIPLE="$triple"
		MARCH="$(jq -r .target.march "$r/recipe.json")"
		MABI="$(jq -r .target.mabi "$r/recipe.json")"
		SOURCE_DATE_EPOCH="$(jq -r .source_date_epoch "$r/recipe.json")")
	mapfile -t -O "${#envv[@]}" envv < <(jq -r '.env // {} | to_entries[] | "\(.key)=\(.value)"' "$r/recipe.json")
	while IFS= read -r step; do
		(cd "$dest" && umask "$mask" && env -i "${envv[@]}" /bin/sh -e -c "$step") \
			>"$dest.log" 2>&1 || { sed 's/^/    /' "$dest.log" | tail -15; return 1; }
	done < <(jq -r '.steps[]' "$r/recipe.json")
}

# same_outputs RECIPE_DIR A B: every declared output exists in both and is
# byte-identical.
same_outputs() {
	local o
	while IFS= read -r o; do
		[ -f "$2/$o" ] && [ -f "$3/$o" ] || { echo "    missing: $o"; return 1; }
		cmp "$2/$o" "$3/$o" || return 1
	done < <(jq -r '.outputs[]' "$1/recipe.json")
}

# no_build_path RECIPE_DIR DIR: no output mentions the directory it was
# built in (debug info, rpaths and archives use mapped paths).
no_build_path() {
	local o
	while IFS= read -r o; do
		if grep -qaF "$2" "$2/$o"; then echo "    $o mentions $2"; return 1; fi
	done < <(jq -r '.outputs[]' "$1/recipe.json")
}

version_follows_convention() {
	local kind version
	kind=$(jq -r .kind "$1/recipe.json"); version=$(jq -r .version "$1/recipe.json")
	case $kind in
	firmware) [[ $version =~ ^fw[A-Z0-9]+\.r[0-9]+\.20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$ ]] ;;
	driver) [[ $version =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] ;;
	microcode) [[ $version =~ ^u[0-9]{4}$ ]] ;;
	*) false ;;
	esac
}

smoke_passes() {
	local r=$1 dir=$2 cmd expect secs
	cmd=$(jq -r .smoke.command "$r/recipe.json")
	expect=$(jq -r .smoke.expect "$r/recipe.json")
	secs=$(jq -r .smoke.timeout "$r/recipe.json")
	(cd "$dir" && timeout "$secs" /bin/sh -e -c "$cmd" </dev/null >"$dir.smoke" 2>&1)
	grep -qF -- "$expect" "$dir.smoke" || { sed 's/^/    /' "$dir.smoke" | tail -10; return 1; }
}

for r in "$TOP"/recipes/*/; do
	r=${r%/}
	name=$(basename "$r")
	# Only a source beside the recipe can be copied (recipes/opensbi is
	# Debian's source package: t0180 builds it).
	if [ "$(jq -r '.source | type' "$r/recipe.json")" != string ]; then
		skip "$name: its source is not a directory beside the recipe"
		continue
	fi
	# The kernel takes minutes a build: make check-kernel (t1000) has it.
	if [ "$name" = linux-riscv ]; then
		skip "$name: built by make check-kernel (t1000), not in make check"
		continue
	fi
	prefix=$(jq -r '.toolchain // .environment' "$r/recipe.json")-
	if ! command -v "${prefix}gcc" >/dev/null; then
		skip "$name: ${prefix}gcc is not installed"
		continue
	fi
	check "$name: recipe names itself after its folder" \
		test "$(jq -r .name "$r/recipe.json")" = "$name"
	check "$name: version follows the convention of its kind" version_follows_convention "$r"
	a="$T/$name-a"
	b="$T/somewhere/much/deeper/$name-b"
	start=$(date +%s%N)
	check "$name: builds on the host" build_copy "$r" "$a" 022 UTC
	echo "# $name: host build $(( ($(date +%s%N) - start) / 1000000 )) ms"
	check "$name: builds again elsewhere (umask 077, TZ=Asia/Tokyo)" \
		build_copy "$r" "$b" 077 Asia/Tokyo
	check "$name: both builds' outputs are byte-identical" same_outputs "$r" "$a" "$b"
	check "$name: outputs do not record the build directory" no_build_path "$r" "$a"
	check "$name: smoke test shows the expected line" smoke_passes "$r" "$a"
done
