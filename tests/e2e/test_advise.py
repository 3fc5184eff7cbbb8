"""mapscope advise against what tests/go/advisemaps measured itself (root + BPF). The program
builds one map per kind of advice and one that deserves none, and prints, for each, what the
change saves as runtime.ReadMemStats sees it after a GC (a replica of the map against the changed
structure built from the same data). Under `advise --json`, launched and attached, classic
(go1.23) and Swiss (go1.26, go1.27):
  - each kind appears on its map (presize only launched: growth history is seen from the start);
  - saves_bytes is within 30 % of the program's own measurement;
  - the presize hint is at least the map's len;
  - the map made with the right hint and random keys gets nothing, nor one emptied and filled
    again every 300 ms (a reused buffer: a read finds it empty half of the time);
  - a change that saves nothing on that version (map[K]bool to map[K]struct{} on Swiss maps) is
    not advised.
And two goroutines writing one map until the runtime kills the program (mapracer launched on
every version above, latecrash attached): a guard naming the map and both writer functions."""
import json
import os
import re
import subprocess
import tempfile
import time

import lib
from lib import cases

VERSIONS = [v for v in ("1.23", "1.26", "1.27") if v in lib.GO_VERSIONS]
KINDS = {"rebuild": "rebuild", "slice": "slice", "set": "set", "presize": "presize"}
MIN_BYTES = 64 << 10
TOLERANCE = 0.3


def truth_of(lines):
    """{kind: (addr, len, saves)} and the small maps' (addrs, saves), as the program printed."""
    maps, small, small_saves = {}, set(), None
    for line in lines:
        f = line.split()
        if f[:1] == ["map"] and f[1] == "small":
            small.add(f[2])
        elif f[:1] == ["map"]:
            maps[f[1]] = (f[2], int(f[3]), int(f[4]))
        elif f[:2] == ["site", "small"]:
            small_saves = int(f[3])
    return maps, small, small_saves


def read_until_ready(stream):
    lines = []
    for line in stream:
        if line.strip() == "ready":
            return lines
        lines.append(line)
    raise AssertionError(f"advisemaps ended before 'ready': {lines[-3:]}")


def run_launched(binary, out):
    p = subprocess.Popen([lib.MAPSCOPE, "advise", "--json", "-d", "6", "-o", out, "--", binary],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        lines = read_until_ready(p.stdout)
        # Its input stays open: the program holds its maps until mapscope ends it after -d.
        p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        # A program left behind (mapscope died) holds the pipes open: its input's end ends it,
        # else reading stderr to its end would wait for it forever (a CI run hung so).
        p.stdin.close()
    err = p.stderr.read()
    assert p.returncode == 0, err[-2000:]
    return lines


def run_attached(binary, out):
    prog = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        lines = read_until_ready(prog.stdout)
        p = lib.run([lib.MAPSCOPE, "advise", "--json", "-d", "4", "-o", out, "-p",
                     str(prog.pid)], timeout=120)
        assert prog.poll() is None, "advisemaps ended while mapscope was attached"
    finally:
        prog.stdin.close()
        prog.wait(timeout=30)
    assert p.returncode == 0, p.stderr[-2000:]
    return lines


def near(got, want):
    return got is not None and abs(got - want) <= TOLERANCE * want


@cases(lambda: [(v, mode) for v in VERSIONS for mode in ("launch", "attach")])
def test_advice(case):
    version, mode = case
    lib.require_root()
    binary = lib.target("advisemaps", version, "plain")
    with tempfile.TemporaryDirectory(prefix="mapscope-advise-") as tmp:
        out = os.path.join(tmp, "advice.json")
        lines = (run_launched if mode == "launch" else run_attached)(binary, out)
        with open(out) as f:
            report = json.load(f)
    maps, small, small_saves = truth_of(lines)
    advice = report["advice"]
    shown = [(a["kind"], a["site"], a["type"], len(a["addrs"]), a["saves_bytes"])
             for a in advice]

    def on(addr):
        return [a for a in advice if addr in a["addrs"]]

    for kind in ("rebuild", "slice", "set"):
        addr, _, saves = maps[kind]
        got = [a for a in on(addr) if a["kind"] == kind]
        if saves < MIN_BYTES:
            # Nothing to save on this version: not advised (the set on Swiss maps).
            assert not got, f"{kind} advised though it saves {saves} bytes: {got}"
            continue
        assert got, f"no {kind} advice on {addr} (saves {saves}); advice: {shown}"
        assert near(got[0]["saves_bytes"], saves), \
            f"{kind}: saves_bytes {got[0]['saves_bytes']}, the program measured {saves}"
    addr, length, _ = maps["presize"]
    got = [a for a in on(addr) if a["kind"] == "presize"]
    if mode == "launch":
        assert got, f"no presize advice on {addr}; advice: {shown}"
        hint = int(re.search(r", (\d+)\)$", got[0]["change"]).group(1))
        assert hint >= length, (got[0]["change"], length)
    smalls = [a for a in advice if a["kind"] == "small_maps" and small <= set(a["addrs"])]
    assert smalls, f"no small_maps advice covering the 5,000 small maps; advice: {shown}"
    assert near(smalls[0]["saves_bytes"], small_saves), \
        f"small_maps: saves_bytes {smalls[0]['saves_bytes']}, the program measured {small_saves}"
    assert not on(maps["none"][0]), f"advice on the map that deserves none: {on(maps['none'][0])}"
    # Emptied and refilled every 300 ms: a reused buffer, no rebuild (nor anything else).
    assert not on(maps["reuse"][0]), f"advice on the reused map: {on(maps['reuse'][0])}"


def writers_of(stdout):
    """The racing program's map and {goid: writer function}, from its own lines."""
    addr, writers = None, {}
    for line in stdout.splitlines():
        f = line.split()
        if f[:1] == ["map"]:
            addr = f[1]
        elif f[:1] == ["writer"]:
            writers[f[2]] = "main." + f[1]
    return addr, writers


def guard_run(argv, tmp):
    """One crash under advise: (the program's map, {goid: writer}, the guards advised)."""
    out = os.path.join(tmp, "advice.json")
    if argv[0] == "-p":
        # Attached: latecrash works in bursts until its writers race, 2 s after it started.
        prog = subprocess.Popen(argv[1:], stdout=subprocess.PIPE, text=True)
        try:
            p = lib.run([lib.MAPSCOPE, "advise", "--json", "-d", "30", "-o", out, "-p",
                         str(prog.pid)], timeout=120)
            stdout = prog.communicate(timeout=60)[0]
        finally:
            if prog.poll() is None:
                prog.kill()
                prog.wait()
    else:
        p = lib.run([lib.MAPSCOPE, "advise", "--json", "-d", "30", "-o", out, "--"] + argv,
                    timeout=120)
        stdout = p.stdout
    with open(out) as f:
        report = json.load(f)
    return (*writers_of(stdout), [a for a in report["advice"] if a["kind"] == "guard"])


@cases(lambda: [(v, "launch") for v in VERSIONS] + [(VERSIONS[-1], "attach")])
def test_guard(case):
    """Two goroutines write one map until the runtime kills the program: mapracer crash
    launched, latecrash (2 s of other work first) attached. The guard names the map and the
    writer the runtime caught; the other writer is named when mapscope found it inside its
    write (test_race_fatal: most runs), so up to three crashes are tried for one that names
    both, and a named writer is never a wrong one."""
    lib.require_root()
    version, mode = case
    if mode == "launch":
        argv = [lib.target("mapracer", version, "plain"), "crash"]
    else:
        argv = ["-p", lib.target("latecrash", version, "plain"), "2000"]
    both = False
    with tempfile.TemporaryDirectory(prefix="mapscope-advise-") as tmp:
        for _ in range(3):
            addr, writers, guards = guard_run(argv, tmp)
            assert addr and len(writers) == 2, writers
            assert guards and addr in guards[0]["addrs"], (addr, guards)
            named = [w.split()[0] for w in guards[0]["evidence"]["writers"] if w != "?"]
            assert named and set(named) <= set(writers.values()), (named, writers)
            if len(set(named)) == 2:
                both = True
                break
    assert both, f"three crashes, the other writer never named: {guards}"
