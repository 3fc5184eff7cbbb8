"""mapscope top (root + BPF) attached to tests/go/maskmaps on Go 1.19 and 1.21: twenty maps made
before the attach, held by package-level variables and never touched again, so only the heap
scan finds them; their bucket arrays fit several map types of the binary by size (map[int]string,
map[pair]*Item and map[*Item]pair all have 208-byte buckets), and only the GC's pointer bitmap of
the array tells them apart (model/heapscan_type.c). Every map must be reported with the target's
own type (fmt's %T), len and capacity, typed by the bitmap (`stats.scan.bitmap_typed`), in a build
with symbols, a stripped one and a PIE (whose types' GCData pointers are relocations). Six of
them (map[uint64][]*Item, []byte and []strs) share their buckets' size and pointer mask too, and
only the objects their values point at tell them apart (model/heapscan_value.c,
`stats.scan.value_typed`)."""
import subprocess

import lib
from lib import cases

VERSIONS = ("1.19", "1.21")  # the releases whose heap arenas keep a pointer bitmap
MAPS = 20
VALUE_MAPS = 6  # typed by what their values point at
DURATION = 3


def truths(lines):
    """{addr: (name, len, capacity, type)} of the target's truth lines."""
    out = {}
    for line in lines:
        if line.startswith("truth "):
            _, name, addr, n, cap, typ = line.split()
            out[int(addr, 16)] = (name, int(n), int(cap), typ)
    return out


@cases(lambda: [(v, var) for v in lib.GO_VERSIONS if v in VERSIONS
                for var in ("plain", "stripped", "pie")])
def test_bitmap_types(case):
    """The idle maps of maskmaps carry the target's own types, told apart by the GC bitmap."""
    lib.require_root()
    version, variant = case
    binary = lib.target("maskmaps", version, variant)
    target = subprocess.Popen([binary, "60"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              text=True)
    try:
        lines = []
        for line in target.stdout:
            lines.append(line.strip())
            if line.strip() == "ready":
                break
        truth = truths(lines)
        assert len(truth) == MAPS and lines[-1] == "ready", f"target printed {lines}"
        p = lib.run([lib.MAPSCOPE, "top", "--json", "-p", str(target.pid), "-d", str(DURATION),
                     "-i", "1"], timeout=DURATION + 60)
        assert target.poll() is None, f"the target ended while attached ({target.poll()})"
        reports = [lib.top_json(ln) for ln in p.stdout.splitlines() if ln.startswith("{")]
        assert reports and reports[-1]["stats"]["final"], p.stderr[-2000:]
        last = reports[-1]
        got = {int(m["addr"], 16): m for m in last["maps"]}
        problems = []
        for addr, (name, n, cap, typ) in sorted(truth.items(), key=lambda x: x[1]):
            m = got.get(addr)
            if m is None:
                problems.append(f"{name} {addr:#x} {typ}: not reported")
            elif (m["type"], m["len"], m["capacity"]) != (typ, n, cap):
                problems.append(f"{name} {addr:#x}: type {m['type']!r} len {m['len']} capacity "
                                f"{m['capacity']} candidates {m.get('type_candidates')}; truth "
                                f"{typ} len {n} capacity {cap}")
        scan = last["stats"]["scan"]
        assert not problems, "\n    ".join([f"{len(problems)} problems (scan {scan}):"]
                                          + problems)
        # Their types came from the bitmap, or from their values: by size alone each fits
        # several.
        assert scan["bitmap_typed"] >= MAPS - VALUE_MAPS, scan
        assert scan["value_typed"] >= VALUE_MAPS, scan
    finally:
        if target.poll() is None:
            target.kill()
        target.wait(timeout=10)
        target.stdout.close()
