#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What goes into the source archive is what the recipe selects, and nothing
# else: a git tree at a named commit (the tracked files, no .git/), or a
# directory minus .git/ and the recipe's excludes.  A declared output that
# is already in the source (a stale host build) is refused before any step
# runs, and the provenance says how the source was selected.
. "$(dirname "$0")/lib.sh"

# members ARCHIVE: the archive's member names, one a line, sorted.
members() { tar -tf "$1" | sed 's|/$||' | sort; }
# source_param DIR: externalParameters.source of DIR/provenance.json, as
# compact JSON without the digest.
source_param() {
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["externalParameters"]["source"]
s.pop("digest", None); print(json.dumps(s, sort_keys=True, separators=(",", ":")))' "$1/provenance.json"
}
GIT=(git -c user.name=t -c user.email=t@example.invalid -c init.defaultBranch=main)

# A tiny firmware source: out/hello.o from hello.c.
make_src() {
	mkdir -p "$1"
	cat >"$1/Makefile" <<'MK'
all: out/hello.o
out/hello.o: hello.c
	mkdir -p out
	$(CROSS_COMPILE)gcc -march=$(MARCH) -mabi=$(MABI) -c hello.c -o out/hello.o
MK
	echo 'int hello(void) { return 42; }' >"$1/hello.c"
}
# recipe FILE SOURCE-JSON: a recipe building out/hello.o from SOURCE-JSON.
recipe() {
	cat >"$1" <<JSON
{"name": "hello", "kind": "firmware", "version": "fwT1.r1.20260112", "source": $2,
 "toolchain": "riscv64-unknown-elf",
 "target": {"triple": "riscv64-unknown-elf", "march": "rv64imac", "mabi": "lp64"},
 "source_date_epoch": 1768176000, "steps": ["make"], "outputs": ["out/hello.o"]}
JSON
}

# --- A plain directory: .git/ never goes in; a stale output is refused. ---
D="$T/dir"
make_src "$D/src"
(cd "$D/src" && "${GIT[@]}" init -q && "${GIT[@]}" add . && "${GIT[@]}" commit -qm one)
recipe "$D/recipe.json" '"src"'
expect_exit "dir: a source directory that is a git work tree builds" 0 \
	"$LOCKSTEP" build -q "$D/recipe.json" -o "$D/out"
check "dir: .git/ is not in the source archive" \
	bash -c "! tar -tf '$D/out/source.tar.zst' | grep -q '^\.git'"
check "dir: the source archive holds exactly the directory's other files" \
	[ "$(members "$D/out/source.tar.zst" | tr '\n' ' ')" = "Makefile hello.c " ]
check "dir: the provenance says the source is a directory with .git excluded" \
	[ "$(source_param "$D/out")" = '{"exclude":[".git"],"kind":"dir","name":"source.tar.zst","path":"src"}' ]

# The host-built output left in the tree: make would say "Nothing to be
# done" and ship it as if the sandbox had built it.
mkdir -p "$D/src/out"; echo host-built >"$D/src/out/hello.o"
expect_err "dir: a declared output already in the source is refused (exit 2)" 2 \
	'"outputs\[0\]": "out/hello.o" is already in the source .*/dir/src before the steps run' \
	"$LOCKSTEP" build -q "$D/recipe.json" -o "$D/out2"
check "dir: nothing was published for the refused build" [ ! -e "$D/out2" ]

# --- A directory with excludes. ---
echo 'TOKEN=hunter2' >"$D/src/secret.env"
mkdir -p "$D/src/cache/deep"; echo x >"$D/src/cache/deep/blob"; echo y >"$D/src/notes.tmp"
recipe "$D/recipe-ex.json" '{"dir": "src", "exclude": ["out/", "*.env", "cache", "*.tmp"]}'
expect_exit "dir+exclude: builds with the stale output and the secret excluded" 0 \
	"$LOCKSTEP" build -q "$D/recipe-ex.json" -o "$D/out-ex"
check "dir+exclude: the source archive holds only what is not excluded" \
	[ "$(members "$D/out-ex/source.tar.zst" | tr '\n' ' ')" = "Makefile hello.c " ]
check "dir+exclude: the secret is nowhere in the published results" \
	bash -c "! grep -rq hunter2 '$D/out-ex' && ! tar -xOf '$D/out-ex/source.tar.zst' | grep -q hunter2"
check "dir+exclude: the provenance lists .git and the recipe's excludes" \
	[ "$(source_param "$D/out-ex")" = '{"exclude":[".git","out/","*.env","cache","*.tmp"],"kind":"dir","name":"source.tar.zst","path":"src"}' ]
check "dir+exclude: the artifact is the sandbox's, not the stale host file" \
	bash -c "! grep -q host-built '$D/out-ex/hello.o'"

# --- A git tree at a named commit. ---
G="$T/git"
make_src "$G/fw"
(cd "$G" && "${GIT[@]}" init -q && "${GIT[@]}" add . && "${GIT[@]}" commit -qm one)
c1=$(git -C "$G" rev-parse HEAD)
echo 'TOKEN=hunter2' >"$G/fw/secret.env"                 # untracked
mkdir -p "$G/fw/out"; echo host-built >"$G/fw/out/hello.o" # untracked, stale
echo 'int hello(void) { return 7; }' >"$G/fw/hello.c"      # uncommitted edit
recipe "$G/recipe.json" "{\"git\": \"fw\", \"commit\": \"$c1\"}"
expect_exit "git: builds the files tracked at the commit" 0 \
	"$LOCKSTEP" build -q "$G/recipe.json" -o "$G/out"
check "git: the archive holds exactly the tracked files (no .git/, no untracked)" \
	[ "$(members "$G/out/source.tar.zst" | tr '\n' ' ')" = "Makefile hello.c " ]
check "git: the untracked secret.env is not in the archive" \
	bash -c "! tar -xOf '$G/out/source.tar.zst' | grep -q hunter2"
check "git: the committed hello.c is built, not the uncommitted edit" \
	[ "$(tar -xOf "$G/out/source.tar.zst" hello.c)" = 'int hello(void) { return 42; }' ]
check "git: the provenance names the commit" \
	[ "$(source_param "$G/out")" = "{\"commit\":\"$c1\",\"kind\":\"git\",\"name\":\"source.tar.zst\",\"path\":\"fw\"}" ]

# The same files from a directory give the same source archive and artifact.
git -C "$G" archive "$c1" fw | tar -x -C "$T" --transform 's|^fw|same|'
touch -d @1768176000 "$T/same"/*
recipe "$T/same.json" '"same"'
"$LOCKSTEP" build -q "$T/same.json" -o "$T/same-out" 2>/dev/null
check "git and dir forms of the same files give the same artifact" cmp -s "$G/out/hello.o" "$T/same-out/hello.o"

# A commit that tracks the output: refused like the stale directory.
(cd "$G" && git checkout -q -- fw/hello.c && "${GIT[@]}" add -f fw/out/hello.o && "${GIT[@]}" commit -qm stale)
c2=$(git -C "$G" rev-parse HEAD)
recipe "$G/recipe2.json" "{\"git\": \"fw\", \"commit\": \"$c2\"}"
expect_err "git: a commit that tracks a declared output is refused (exit 2)" 2 \
	'"outputs\[0\]": "out/hello.o" is already in the source' \
	"$LOCKSTEP" build -q "$G/recipe2.json" -o "$G/out2"

# A commit the repository does not have.
recipe "$G/recipe3.json" '{"git": "fw", "commit": "0123456789abcdef0123456789abcdef01234567"}'
expect_err "git: an unknown commit is refused naming source.commit" 2 \
	'"source.commit": 0123456789abcdef0123456789abcdef01234567 is not a commit' \
	"$LOCKSTEP" build -q "$G/recipe3.json" -o "$G/out3"

# As an unprivileged user, from a repository of their own.
U="$T/user"
make_src "$U/fw"
(cd "$U" && "${GIT[@]}" init -q && "${GIT[@]}" add . && "${GIT[@]}" commit -qm one)
recipe "$U/recipe.json" "{\"git\": \"fw\", \"commit\": \"$(git -C "$U" rev-parse HEAD)\"}"
echo 'TOKEN=hunter2' >"$U/fw/secret.env"
mkdir -p "$T/home-nobody"; chown -R 65534:65534 "$U" "$T/home-nobody"
expect_exit "user: builds from a git commit" 0 as_user "$LOCKSTEP" build -q "$U/recipe.json" -o "$U/out"
check "user: only the tracked files are in the archive" \
	[ "$(members "$U/out/source.tar.zst" 2>/dev/null | tr '\n' ' ')" = "Makefile hello.c " ]

# --- What the recipe may say. ---
bad() { # name, source JSON, message pattern
	recipe "$T/bad.json" "$2"
	expect_err "refused: $1" 2 "$3" "$LOCKSTEP" build -q "$T/bad.json" -o "$T/bad-out"
}
mkdir -p "$T/src"
bad "both dir and git" "{\"dir\": \"src\", \"git\": \"src\", \"commit\": \"$c1\"}" '"source": needs exactly one of "dir", "git", "tarball" and "debian-source"'
bad "git without a commit" '{"git": "src"}' '"source.commit": missing'
bad "an abbreviated commit" '{"git": "src", "commit": "abc1234"}' '"source.commit": "abc1234" is not a full commit id'
bad "a commit with dir" "{\"dir\": \"src\", \"commit\": \"$c1\"}" '"source.commit": only with "git"'
bad "exclude with git" "{\"git\": \"src\", \"commit\": \"$c1\", \"exclude\": [\"x\"]}" '"source.exclude": only with "dir"'
bad "an absolute exclude" '{"dir": "src", "exclude": ["/etc"]}' '"source.exclude\[0\]": "/etc" must be relative'
bad "an unknown source field" '{"dir": "src", "branch": "main"}' '"source.branch"'
bad "an absolute git path" "{\"git\": \"/x\", \"commit\": \"$c1\"}" '"source.git": "/x" must be a path relative to the recipe'"'"'s directory'
