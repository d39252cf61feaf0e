/* SPDX-License-Identifier: MIT */
/* The first thing every CI job runs: install the pinned lockstep release.
 * The asset is downloaded from the URL the repository's configuration
 * names, used only when its sha256 is the pinned one, and the installed
 * binary must then say it is the pinned version: builders, verifiers and
 * the gate run the same lockstep, whatever a runner had installed before.
 * The text is the same for every workflow (the values come from the
 * environment), so the composite action ships it as a file and the tests
 * compare the two. */
#include "pipelines/workflow.h"

/* Shell-only (POSIX sh: GitLab's shell executor may run dash).  curl
 * --fail: an error page must not be hashed as if it were the asset. */
static const char install_script[] =
	"set -eu\n"
	"case \"${LOCKSTEP_SHA256:-}\" in\n"
	"*[!0-9a-f]* | '') ;;\n"
	"*) [ \"${#LOCKSTEP_SHA256}\" -eq 64 ] && ok=1 ;;\n"
	"esac\n"
	"if [ -z \"${ok:-}\" ] || [ -z \"${LOCKSTEP_URL:-}\" ] || [ -z \"${LOCKSTEP_VERSION:-}\" ]; then\n"
	"  echo \"lockstep: LOCKSTEP_URL, LOCKSTEP_VERSION and LOCKSTEP_SHA256 (64 hex digits) must name the release to install\" >&2\n"
	"  exit 2\n"
	"fi\n"
	"case \"$LOCKSTEP_URL\" in\n"
	"*.deb) kind=deb ;;\n"
	"*.tar.gz) kind=bundle ;;\n"
	"*)\n"
	"  echo \"lockstep: $LOCKSTEP_URL: expected the Debian package (.deb) or the self-contained bundle (.tar.gz)\" >&2\n"
	"  exit 2\n"
	"  ;;\n"
	"esac\n"
	"command -v curl >/dev/null || {\n"
	"  echo \"lockstep: curl is needed to download $LOCKSTEP_URL\" >&2\n"
	"  exit 2\n"
	"}\n"
	"dir=\"${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lockstep-install-$LOCKSTEP_SHA256\"\n"
	"rm -rf \"$dir\"\n"
	"mkdir -p \"$dir\"\n"
	"curl -fsSL --retry 3 -o \"$dir/asset\" \"$LOCKSTEP_URL\"\n"
	"got=$(sha256sum \"$dir/asset\" | cut -d ' ' -f 1)\n"
	"if [ \"$got\" != \"$LOCKSTEP_SHA256\" ]; then\n"
	"  echo \"lockstep: $LOCKSTEP_URL has sha256 $got, not the pinned $LOCKSTEP_SHA256: not installed\" >&2\n"
	"  exit 2\n"
	"fi\n"
	"if [ \"$kind\" = deb ]; then\n"
	"  sudo=\n"
	"  [ \"$(id -u)\" -eq 0 ] || sudo=sudo\n"
	"  mv \"$dir/asset\" \"$dir/lockstep.deb\"\n"
	"  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \\\n"
	"    --allow-downgrades \"$dir/lockstep.deb\" >/dev/null\n"
	"  bin=/usr/bin\n"
	"else\n"
	"  mkdir \"$dir/root\"\n"
	"  tar -xzf \"$dir/asset\" -C \"$dir/root\" --strip-components=1\n"
	"  bin=\"$dir/root/bin\"\n"
	"fi\n"
	"PATH=\"$bin:$PATH\"\n"
	"export PATH\n"
	/* GitHub: later steps of the job find it too. */
	"if [ -n \"${GITHUB_PATH:-}\" ]; then echo \"$bin\" >>\"$GITHUB_PATH\"; fi\n"
	"have=$(\"$bin/lockstep\" --version)\n"
	"if [ \"$have\" != \"lockstep $LOCKSTEP_VERSION\" ]; then\n"
	"  echo \"lockstep: $LOCKSTEP_URL installs \\\"$have\\\", not the pinned lockstep $LOCKSTEP_VERSION\" >&2\n"
	"  exit 2\n"
	"fi\n"
	"echo \"$have (sha256 $LOCKSTEP_SHA256) in $bin\"\n";

const char *workflow_script_install(void)
{
	return install_script;
}
