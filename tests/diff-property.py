# SPDX-License-Identifier: MIT
# The diff property t0604 and t0605 check: every random single-byte change
# in the given files is found (lockstep diff exits 1) and located (some
# difference of the report covers the changed offset in that file).
#   python3 tests/diff-property.py LOCKSTEP DIR RUNS SEED THREADS FILE...
# Prints "N changes, M not found or not located" and up to ten of the misses.
import concurrent.futures, json, os, random, subprocess, sys, threading

exe, t, runs, seed, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
files = sys.argv[6:]
rng = random.Random(seed)
cases = [(f, rng.randrange(os.path.getsize(f"{t}/{f}")), rng.randrange(1, 256)) for f in files
         for _ in range(runs // len(files))]


def one(i):
    f, off, x = cases[i]
    d = f"{t}/prop{threading.get_ident()}"
    os.makedirs(d, exist_ok=True)
    b = bytearray(open(f"{t}/{f}", "rb").read())
    b[off] ^= x
    open(f"{d}/{f}", "wb").write(b)
    p = subprocess.run([exe, "diff", "--json", f"{t}/{f}", f"{d}/{f}"], capture_output=True)
    if p.returncode != 1:
        return f"{f} byte {off:#x} ^ {x:#x}: exit {p.returncode} {p.stderr[-200:]!r}"
    r = json.loads(p.stdout)
    if not any(dd.get("file") == f and dd.get("offset_" + s, -1) <= off < dd.get("offset_" + s, -1) + dd.get("length_" + s, 0)
               for dd in r["differences"] for s in "ab"):
        return f"{f} byte {off:#x} ^ {x:#x}: no difference located there: {[(dd['kind'], dd.get('where')) for dd in r['differences']][:6]}"
    return None


with concurrent.futures.ThreadPoolExecutor(threads) as ex:
    bad = [m for m in ex.map(one, range(len(cases))) if m]
print(f"{len(cases)} changes, {len(bad)} not found or not located")
for m in bad[:10]:
    print("  " + m)
