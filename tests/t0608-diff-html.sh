#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lockstep diff --html FILE (issue 13): one self-contained page that a CI job
# keeps as an artifact, written beside the usual output: well-formed, no
# script and nothing fetched from elsewhere, the differing sections named,
# hostile text from the files escaped, and it renders in headless Chromium.
. "$(dirname "$0")/lib.sh"
D="$LOCKSTEP diff --color=never"

# A string in .rodata that would run if a page pasted it in as is.
hostile='<script>alert(1)</script>'
printf 'const char banner[] = "%s";\nint main(void) { return banner[0]; }\n' "$hostile" >"$T/x1.c"
printf 'const char banner[] = "%s";\nint main(void) { return banner[0]; }\n' 'B <b>x</b> & \"q\" v1.0 ok!' >"$T/x2.c"
gcc -O2 -c -o "$T/x1.o" "$T/x1.c" && gcc -O2 -c -o "$T/x2.o" "$T/x2.c" ||
	{ fail "diff --html: cannot build the objects"; exit 0; }

expect_exit "diff --html: differing objects exit 1" 1 $D --html "$T/r.html" "$T/x1.o" "$T/x2.o"
check "diff --html: the page is written" test -s "$T/r.html"
check "diff --html: the text report still goes to stdout" grep -q 'x1.o and .*x2.o differ' "$T/out"
check "diff --html: no temporary file left beside it" bash -c "[ \$(ls '$T' | grep -c 'r.html') -eq 1 ]"
check "diff --html: the page is well-formed, with no script and no external URL" \
	python3 - "$T/r.html" <<'P'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "link", "img", "hr", "input", "col", "area", "base", "wbr"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.text = [], [], set(), []
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href", "action", "srcset") or k.startswith("on"):
                self.errors.append(f"<{tag} {k}={v!r}>")
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
    def handle_data(self, d):
        self.text.append(d)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
errs = p.errors + ([f"unclosed {p.stack}"] if p.stack else [])
errs += [f"<{t}> present" for t in ("script", "iframe", "object", "embed", "link", "img") if t in p.tags]
text = "".join(p.text)
# The hostile string arrives as text (escaped in the source), and no
# element came from it.
if "<script>alert(1)</script" not in text:
    errs.append("the hostile string is not in the page's text")
if "<b>x</b>" not in text or "b" in p.tags:
    errs.append("the <b> of side b is not text")
for e in errs:
    print("   ", e)
sys.exit(1 if errs else 0)
P
check "diff --html: the hostile string appears escaped in the source" \
	grep -qF '&lt;script&gt;alert(1)&lt;/script' "$T/r.html"
check "diff --html: no <script in the source, whatever the case" bash -c "! grep -qi '<script' '$T/r.html'"
check "diff --html: no external URL anywhere" bash -Ec "! grep -qiE '(src|href)=|https?://|url\\(' '$T/r.html'"
check "diff --html: the differing sections are named" \
	bash -c "grep -qF '.rodata' '$T/r.html' && grep -qF '.text.startup' '$T/r.html'"
check "diff --html: the verdict, hints and kinds are there" \
	bash -c "grep -qF '>differ</strong>' '$T/r.html' && grep -qF 'class=\"hint content\"' '$T/r.html' && grep -qF '<td>range</td>' '$T/r.html'"
check "diff --html: as many differences as the JSON report keeps" bash -c "
	n=\$($D --json '$T/x1.o' '$T/x2.o' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"differences\"]))')
	[ \"\$(grep -c '<tr><td><span class=\"hint' '$T/r.html')\" -eq \"\$n\" ]"

# A text file with hostile lines, and an identical pair: a page either way.
printf 'name = "%s"\n' "$hostile" >"$T/a.txt"
printf 'name = "safe"\n' >"$T/b.txt"
expect_exit "diff --html --json: differing text files exit 1" 1 $D --json --html "$T/t.html" "$T/a.txt" "$T/b.txt"
check "diff --html --json: stdout is still the JSON report" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/out"
check "diff --html: hostile text lines escaped" \
	bash -c "grep -qF -- '-name = &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;' '$T/t.html' && ! grep -qi '<script' '$T/t.html'"
expect_exit "diff --html: identical files exit 0" 0 $D --html "$T/same.html" "$T/x1.o" "$T/x1.o"
check "diff --html: the page says identical" grep -qF '>are identical</strong>' "$T/same.html"
echo old >"$T/same.html.keep" && cp "$T/same.html.keep" "$T/over.html"
expect_exit "diff --html: an existing page is replaced" 1 $D --html "$T/over.html" "$T/a.txt" "$T/b.txt"
check "diff --html: the replaced page is the new report" grep -qF '&lt;script&gt;' "$T/over.html"
expect_err "diff --html: a page that cannot be written is an error" 2 'lockstep: .*nodir' \
	$D --html "$T/nodir/r.html" "$T/a.txt" "$T/b.txt"
expect_err "diff --html: an empty path is a usage error" 2 'html' $D --html '' "$T/a.txt" "$T/b.txt"

# TERM=dumb turns auto colour off like NO_COLOR (no terminal in a test, so
# through script(1) when it is there).
if command -v script >/dev/null; then
	TERM=xterm script -qec "$LOCKSTEP diff '$T/a.txt' '$T/b.txt'" /dev/null >"$T/tty-color" 2>&1
	TERM=dumb script -qec "$LOCKSTEP diff '$T/a.txt' '$T/b.txt'" /dev/null >"$T/tty-dumb" 2>&1
	check "diff: colour on a terminal by default" grep -q $'\033\\[' "$T/tty-color"
	check "diff: no colour on a terminal with TERM=dumb" bash -c "! grep -q \$'\\033\\\\[' '$T/tty-dumb'"
else
	skip "diff: TERM=dumb: no script(1) to give lockstep a terminal"
fi

# It renders: Debian's Chromium, headless, takes a screenshot of it.
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	skip "diff --html: renders in headless Chromium: chromium is not installed (scripts/install-deps)"
	exit 0
fi
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chr.XXXXXX")" \
	--window-size=1200,900 --screenshot="$T/shot.png" "file://$T/r.html" >"$T/chr.log" 2>&1
check "diff --html: renders in headless Chromium (a screenshot of it)" python3 - "$T/shot.png" <<'P'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
assert w >= 400 and h >= 300, f"{w}x{h}"
# Non-trivial: the page is not blank (a blank page is one colour and
# compresses to almost nothing).
idat, i = b"", 8
while i < len(d):
    n, t = struct.unpack(">I4s", d[i:i + 8])
    if t == b"IDAT":
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
assert len(set(raw)) > 8, "a blank screenshot"
assert len(d) > 5000, f"{len(d)} bytes"
P
