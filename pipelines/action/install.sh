set -eu
case "${LOCKSTEP_SHA256:-}" in
*[!0-9a-f]* | '') ;;
*) [ "${#LOCKSTEP_SHA256}" -eq 64 ] && ok=1 ;;
esac
if [ -z "${ok:-}" ] || [ -z "${LOCKSTEP_URL:-}" ] || [ -z "${LOCKSTEP_VERSION:-}" ]; then
  echo "lockstep: LOCKSTEP_URL, LOCKSTEP_VERSION and LOCKSTEP_SHA256 (64 hex digits) must name the release to install" >&2
  exit 2
fi
case "$LOCKSTEP_URL" in
*.deb) kind=deb ;;
*.tar.gz) kind=bundle ;;
*)
  echo "lockstep: $LOCKSTEP_URL: expected the Debian package (.deb) or the self-contained bundle (.tar.gz)" >&2
  exit 2
  ;;
esac
command -v curl >/dev/null || {
  echo "lockstep: curl is needed to download $LOCKSTEP_URL" >&2
  exit 2
}
dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lockstep-install-$LOCKSTEP_SHA256"
rm -rf "$dir"
mkdir -p "$dir"
curl -fsSL --retry 3 -o "$dir/asset" "$LOCKSTEP_URL"
got=$(sha256sum "$dir/asset" | cut -d ' ' -f 1)
if [ "$got" != "$LOCKSTEP_SHA256" ]; then
  echo "lockstep: $LOCKSTEP_URL has sha256 $got, not the pinned $LOCKSTEP_SHA256: not installed" >&2
  exit 2
fi
if [ "$kind" = deb ]; then
  sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  mv "$dir/asset" "$dir/lockstep.deb"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    --allow-downgrades "$dir/lockstep.deb" >/dev/null
  bin=/usr/bin
else
  mkdir "$dir/root"
  tar -xzf "$dir/asset" -C "$dir/root" --strip-components=1
  bin="$dir/root/bin"
fi
PATH="$bin:$PATH"
export PATH
if [ -n "${GITHUB_PATH:-}" ]; then echo "$bin" >>"$GITHUB_PATH"; fi
have=$("$bin/lockstep" --version)
if [ "$have" != "lockstep $LOCKSTEP_VERSION" ]; then
  echo "lockstep: $LOCKSTEP_URL installs \"$have\", not the pinned lockstep $LOCKSTEP_VERSION" >&2
  exit 2
fi
echo "$have (sha256 $LOCKSTEP_SHA256) in $bin"
