#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# env fetch from a mirror (one on 127.0.0.1 serving the pinned .deb files at
# their pool paths): a fresh store is made from it and builds what the
# shared store builds; a mirror serving one altered .deb, no mirror at all
# and a server that stops halfway are refused, leaving nothing behind.
# env export / env import carry an environment offline, and an export
# altered in its pin or in a .deb is refused with nothing imported.
. "$(dirname "$0")/lib.sh"

PIN=riscv64-linux-gnu
PINFILE=$TOP/toolchains/$PIN.json
RECIPE=rv64-linux-driver
cp -r "$TOP/recipes/$RECIPE" "$T/"
unset LOCKSTEP_MIRROR LOCKSTEP_SNAPSHOT

# subjects DIR: "name sha256" of each subject of DIR/provenance.json.
subjects() {
	python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["subject"]: print(s["name"], s["digest"]["sha256"])' \
		"$1/provenance.json" 2>/dev/null
}
# empty_store H: H holds no file and no root (directories alone are fine).
empty_store() {
	local left
	left=$(find "$1" ! -type d 2>/dev/null; find "$1/roots" -mindepth 1 2>/dev/null)
	[ -z "$left" ] || { echo "left in $1:"; echo "$left" | head -5 | sed 's/^/    /'; return 1; }
}

# The reference: a build on the shared store.
"$LOCKSTEP" build -q "$T/$RECIPE/recipe.json" -o "$T/ref" >"$T/ref.log" 2>&1 ||
	{ fail "a build on the shared store (the reference)"; tail -5 "$T/ref.log"; }
REF=$(subjects "$T/ref")

# --- 1. a fresh store from a mirror on 127.0.0.1 ------------------------
mkdir -p "$T/mirror"
if ! mirror_layout "$PINFILE" "$T/mirror" || ! http_serve "$T/mirror"; then
	fail "a mirror on 127.0.0.1 serving the pin's .deb files"; exit 0
fi
M=http://127.0.0.1:$HTTP_PORT
H=$T/h-mirror; mkdir -p "$H"
expect_exit "env fetch $PIN from the mirror into an empty store" 0 \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="$M" "$LOCKSTEP" env fetch "$PIN"
root_id=$("$LOCKSTEP" env show "$PIN" | awk '$1 == "root" && $2 == "id:" { print $3 }')
check "the root roots/$root_id and its seal exist" \
	test -d "$H/roots/$root_id" -a -f "$H/roots/$root_id.seal"
check "every pinned .deb is in debs/, and nothing else is" \
	[ "$(ls "$H/debs" | sort)" = "$(pin_debs "$PINFILE" | cut -d' ' -f2 | sort)" ]
expect_exit "env verify --full passes on it" 0 \
	env LOCKSTEP_HOME="$H" "$LOCKSTEP" env verify --full "$PIN"
expect_exit "$RECIPE builds from that store, the mirror gone" 0 \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR=http://127.0.0.1:"$(closed_port)" \
	"$LOCKSTEP" build -q "$T/$RECIPE/recipe.json" -o "$T/out-mirror"
got=$(subjects "$T/out-mirror")
check "its artifacts have the digests of the build on the shared store" \
	[ -n "$REF" -a "$got" = "$REF" ]

# --- 2. refusals, nothing left behind -----------------------------------
# One .deb altered on the mirror (a copy: the mirror's files are links to
# the shared store).
victim=$(pin_debs "$PINFILE" | awk '$2 ~ /^make_/')
vpool=${victim%% *}; vname=$(echo "$victim" | cut -d' ' -f2); vsum=${victim##* }
mkdir -p "$T/bad"
mirror_layout "$PINFILE" "$T/bad"
rm "$T/bad/$vpool"; cp "$SHARED_HOME/debs/$vname" "$T/bad/$vpool"
python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(4000); b = f.read(1); f.seek(4000); f.write(bytes([b[0] ^ 1]))' "$T/bad/$vpool"
bad=$(sha256_of "$T/bad/$vpool")
check "control: the altered copy differs, the shared store's does not" \
	[ "$bad" != "$vsum" -a "$(sha256_of "$SHARED_HOME/debs/$vname")" = "$vsum" ]
http_serve "$T/bad"
H=$T/h-bad; mkdir -p "$H"
expect_err "a mirror serving an altered .deb: exit 1 naming the package and both digests" 1 \
	"\"make\".*$vsum.*$bad|\"make\".*$bad.*$vsum" \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="http://127.0.0.1:$HTTP_PORT" "$LOCKSTEP" env fetch "$PIN"
check "nothing of the altered package is in the store (no debs/$vname)" \
	bash -c "! ls '$H/debs/' | grep -q '^make_'"
check "no root was made, no partial file left" \
	[ -z "$(ls -A "$H/roots" 2>/dev/null)" -a -z "$(find "$H" -name '*.tmp*')" ]

H=$T/h-closed; mkdir -p "$H"
port=$(closed_port)
expect_err "an unreachable mirror: exit 2 naming it" 2 "127\.0\.0\.1:$port" \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="http://127.0.0.1:$port" "$LOCKSTEP" env fetch "$PIN"
check "an unreachable mirror leaves no file in the store" empty_store "$H"

# A server that promises the whole .deb, sends half, and hangs up.
cat >"$T/half.py" <<'PY'
import http.server, os, socketserver, sys
root = sys.argv[1]
class Half(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        p = os.path.join(root, self.path.lstrip("/"))
        if not os.path.isfile(p):
            self.send_error(404); return
        data = open(p, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2]); self.wfile.flush()
        self.close_connection = True
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), Half)
print("port", s.server_address[1], flush=True)
s.serve_forever()
PY
http_serve "$T/mirror" "$T/half.py"
H=$T/h-half; mkdir -p "$H"
expect_err "a server that sends half a .deb and closes: exit 2 naming the transfer" 2 \
	"127\.0\.0\.1:$HTTP_PORT" \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="http://127.0.0.1:$HTTP_PORT" "$LOCKSTEP" env fetch "$PIN"
check "after the cut transfer no file at all is left under LOCKSTEP_HOME" empty_store "$H"

# --- 3. offline: export, import ----------------------------------------
expect_exit "env export $PIN" 0 "$LOCKSTEP" env export "$PIN" -o "$T/env1.tar"
"$LOCKSTEP" env export "$PIN" -o "$T/env2.tar" >/dev/null 2>&1
check "two exports are byte-identical" cmp -s "$T/env1.tar" "$T/env2.tar"
check "the export holds pin.json and every pinned .deb" [ "$(tar -tf "$T/env1.tar" | grep -v '/$' | sort)" = \
	"$( (echo pin.json; pin_debs "$PINFILE" | cut -d' ' -f2 | sed 's|^|debs/|') | sort)" ]
H=$T/h-import; mkdir -p "$H"
off=http://127.0.0.1:$(closed_port)
expect_exit "env import into an empty store, no mirror reachable" 0 \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="$off" "$LOCKSTEP" env import "$T/env1.tar"
expect_exit "$RECIPE builds from the imported store, offline" 0 \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="$off" \
	"$LOCKSTEP" build -q "$T/$RECIPE/recipe.json" -o "$T/out-import"
got=$(subjects "$T/out-import")
check "its artifacts have the digests of the build on the shared store" \
	[ -n "$REF" -a "$got" = "$REF" ]

# repack IN OUT MEMBER PYTHON: IN with MEMBER's bytes `b` changed by PYTHON.
repack() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
src, dst, member, code = sys.argv[1:]
out = tarfile.open(dst, "w")
with tarfile.open(src) as t:
    for m in t:
        data = t.extractfile(m).read() if m.isfile() else None
        if m.name == member:
            b = bytearray(data); exec(code); data = bytes(b); m.size = len(data)
        out.addfile(m, io.BytesIO(data) if data is not None else None)
out.close()
PY
}
# The pin's .deb sha256 of make replaced by that of the altered copy: a
# pin that no longer holds together.
repack "$T/env1.tar" "$T/bad-pin.tar" pin.json "b[:] = bytes(b).replace(b'$vsum', b'$bad')"
H=$T/h-bad-pin; mkdir -p "$H"
expect_err "an export whose pin.json is altered is refused naming pin.json" 2 'pin\.json' \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="$off" "$LOCKSTEP" env import "$T/bad-pin.tar"
check "nothing imported from it" empty_store "$H"
repack "$T/env1.tar" "$T/bad-deb.tar" "debs/$vname" 'b[4000] ^= 1'
H=$T/h-bad-deb; mkdir -p "$H"
expect_err "an export with an altered .deb is refused naming the package and both digests" 1 \
	"\"make\".*$vsum.*$bad|\"make\".*$bad.*$vsum" \
	env LOCKSTEP_HOME="$H" LOCKSTEP_MIRROR="$off" "$LOCKSTEP" env import "$T/bad-deb.tar"
check "nothing imported from it" empty_store "$H"
