"""Both writers of a "concurrent map writes" crash, when it comes at a random moment long after
mapscope attached (or launched the program), at default budgets: the latecrash target starts
main.ingestOrders and main.refreshPrices writing one map without a lock 2-10 s after it starts,
and prints the map's address and type and each writer's goroutine id just before. The report of
top --json, hotkeys (JSON and text), export (its log) and record (stderr) must name the map, its
type, the goroutine the runtime caught and the other writer, each with a stack through its own
function.

Ten runs per mode, over every toolchain, plain and stripped, by turns continued from mode to
mode (the modes together cover each pair two or three times): classic and Swiss maps, stripped
binaries included. The delays come from a seeded
generator: a failure message names the seed and the delay."""
import os
import random
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

import lib
from lib import cases

VERSIONS = lib.GO_VERSIONS
COMBOS = [(v, var) for var in ("plain", "stripped") for v in VERSIONS]
RUNS = 10
MODES = ("top-p", "hotkeys-p", "export-p", "launched")
LAUNCHED = ("top", "hotkeys", "export", "record")  # launched runs take these by turns


def truth_of(lines):
    """The target's own words: (map address, type, {goid: writer function})."""
    addr = typ = None
    writers = {}
    for line in lines:
        f = line.split()
        if line.startswith("map ") and len(f) == 3:
            addr, typ = f[1], f[2]
        elif line.startswith("writer ") and len(f) == 3:
            writers[int(f[2])] = "main." + f[1]
    return addr, typ, writers


def funcs(stack):
    return [fr.split()[0] for fr in stack]


def parse_text(text):
    """A fatal report printed as text: {"map", "type", "goroutines": [(goid, role, funcs)]}."""
    lines = text.splitlines()
    head = [i for i, ln in enumerate(lines)
            if re.search(r"concurrent map writes on 0x.*the runtime is killing", ln)]
    assert head, f"no concurrent-write report in: {text[-3000:]}"
    m = re.search(r"concurrent map writes on (0x[0-9a-f]+)(?: (map\S+))?", lines[head[0]])
    rep = {"map": m.group(1), "type": m.group(2), "site": None, "goroutines": []}
    cur = None
    for ln in lines[head[0] + 1:]:
        if ln.startswith("  the map: made at "):
            rep["site"] = ln[len("  the map: made at "):]
            continue
        g = re.match(r"  goroutine (\d+)(?: \(thread \d+\))?(?:, (.*))?:$", ln)
        if g:
            what = g.group(2) or ""
            role = ("caught" if what.startswith("caught") else
                    "other_writer" if what.startswith("the other writer") else
                    "last_other_writer" if "last other writer" in what else "running")
            cur = [int(g.group(1)), role, []]
            rep["goroutines"].append(cur)
        elif ln.startswith("    ") and cur:
            cur[2].append(ln.split()[0])
        elif not ln.startswith("  "):
            break
    return rep


def from_json(ev):
    gs = [(g["goid"], g["role"], funcs(g["stack"])) for g in ev["goroutines"]]
    gs += [(t["goid"], t["role"], funcs(t["stack"])) for t in ev.get("threads", [])]
    return {"map": ev["map"], "type": ev.get("type"), "site": ev.get("site"), "goroutines": gs}


def json_events(stdout):
    out = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            r = lib.top_json(line)
            out += [e for e in r.get("events", []) if e.get("kind") == "concurrent_write"]
    return out


def check(rep, addr, typ, writers):
    """The map and both writers: the caught one, and the other named as the other writer or,
    when it had left the map function, among the threads as the runtime stopped them, each with
    its own function in its stack. Returns whether the other was found inside its write."""
    assert rep["map"] == addr, f"map {rep['map']}, the target's {addr}"
    assert rep["type"] == typ, f"type {rep['type']}, the target's {typ}"
    caught = [g for g in rep["goroutines"] if g[1] == "caught"]
    assert len(caught) == 1 and caught[0][0] in writers, f"caught {caught}, writers {writers}"
    goid = caught[0][0]
    assert writers[goid] in caught[0][2], f"caught goroutine {goid}: {caught[0][2]}"
    other = [g for g in writers if g != goid][0]
    seen = [g for g in rep["goroutines"] if g[0] == other and writers[other] in g[2]]
    assert seen, (f"the other writer, goroutine {other} ({writers[other]}), is not in the "
                  f"report: {rep['goroutines']}")
    return any(g[1] == "other_writer" for g in seen)


def start_target(binary, delay_ms):
    return subprocess.Popen([binary, str(delay_ms)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def one_run(mode, i, delay_ms):
    version, variant = COMBOS[(MODES.index(mode) * RUNS + i) % len(COMBOS)]
    binary = lib.target("latecrash", version, variant)
    if mode == "launched":
        cmd = LAUNCHED[i % len(LAUNCHED)]
        with tempfile.TemporaryDirectory(prefix="mapscope-race-") as tmp:
            opts = {"export": ["--listen", "127.0.0.1:0"],
                    "record": ["-d", "30", "-o", os.path.join(tmp, "r.pb.gz")]}
            argv = ([lib.MAPSCOPE, cmd] + opts.get(cmd, ["--json"])
                    + ["--", binary, str(delay_ms)])
            p = lib.run(argv, check=False, timeout=60)
        target_out = p.stdout
    else:
        cmd = mode[:-2]
        t = start_target(binary, delay_ms)
        try:
            time.sleep(0.2)
            argv = [lib.MAPSCOPE, cmd, "-p", str(t.pid)] + (
                ["--json"] if cmd != "export" else ["--listen", "127.0.0.1:0"])
            p = lib.run(argv, check=False, timeout=60)
            target_out = t.communicate(timeout=30)[0]
        finally:
            if t.poll() is None:
                t.kill()
                t.wait()
    addr, typ, writers = truth_of(target_out.splitlines())
    where = f"{cmd} {version} {variant} delay {delay_ms} ms"
    assert addr and len(writers) == 2, f"{where}: target printed {target_out[-500:]!r}"
    assert "survived" not in target_out, f"{where}: the runtime did not catch the race"
    if cmd == "top":
        evs = [e for e in json_events(p.stdout) if e["fatal"]]
        assert len(evs) == 1, f"{where}: fatal events {evs}; stderr {p.stderr[-1500:]}"
        rep = from_json(evs[0])
    elif cmd == "hotkeys":
        evs = [e for e in json_events(p.stdout) if e["fatal"]]
        assert len(evs) == 1, f"{where}: fatal events {evs}; stderr {p.stderr[-1500:]}"
        rep = from_json(evs[0])
        try:
            check(parse_text(p.stderr), addr, typ, writers)
        except AssertionError as e:
            raise AssertionError(f"{where}: the text report: {e}") from None
    else:
        rep = parse_text(p.stderr)
    # Where the map was made: known to a command that keeps the inventory, once it has seen
    # the map (a launched program's creation; attached, a discovery window's touch, which may
    # come too late: the map is empty until the writers start, so the heap scan skips it).
    if cmd != "hotkeys" and (mode == "launched" or rep["site"]):
        assert rep["site"] and rep["site"].startswith("main."), f"{where}: site {rep['site']}"
    try:
        return check(rep, addr, typ, writers)
    except AssertionError as e:
        raise AssertionError(f"{where}: {e}") from None


@cases(lambda: list(MODES))
def test_both_writers(mode):
    """Ten races at random moments, every one reported with both writers."""
    lib.require_root()
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    inside = 0
    for i in range(RUNS):
        delay = rng.randrange(2000, 10000)
        try:
            inside += one_run(mode, i, delay)
        except AssertionError as e:
            raise AssertionError(f"run {i + 1} of {RUNS} (seed {seed}): {e}") from None
    print(f"  {mode}: the other writer inside its map write in {inside} of {RUNS} runs")


def counter_series(port):
    """The mapscope_concurrent_map_writes_total series of the exporter's page: [(labels, value)]."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            page = r.read().decode()
    except OSError:
        return []
    out = []
    for line in page.splitlines():
        m = re.match(r'mapscope_concurrent_map_writes_total\{(.*)\} (\S+)$', line)
        if m:
            out.append((dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1))),
                        float(m.group(2))))
    return out


def test_export_counter():
    """export --comm follows the target by name and outlives it: after the crash its page counts
    it once, by the caught goroutine's function and the map's type (a race a counting window
    caught before the crash is counted too, untyped), and its log has the report."""
    lib.require_root()
    binary = lib.target("latecrash", VERSIONS[-1], "plain")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = start_target(binary, 4000)
    ex = None
    try:
        time.sleep(0.2)
        ex = subprocess.Popen([lib.MAPSCOPE, "export", "--comm", "latecrash", "-d", "20",
                               "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        target_out = t.communicate(timeout=30)[0]
        addr, typ, writers = truth_of(target_out.splitlines())
        series, typed, deadline = [], [], time.time() + 10
        while not typed and time.time() < deadline:
            time.sleep(0.5)
            # Another program of that name (not this test's) may be followed too.
            series = [x for x in counter_series(port) if x[0].get("pid") == str(t.pid)]
            # The fatal one carries the map's type; a counting window may also have caught
            # the writers racing before the runtime did (untyped, non-fatal: counted too).
            typed = [x for x in series if x[0].get("type")]
    finally:
        if t.poll() is None:
            t.kill()
        if ex:
            ex.terminate()
            err = ex.communicate(timeout=30)[1]
    assert len(typed) == 1, f"counter series {series}; exporter stderr {err[-2000:]}"
    labels, value = typed[0]
    assert value == 1 and labels["exe"] == "latecrash", series
    assert labels["type"] == typ and labels["function"] in writers.values(), (series, writers)
    rep = parse_text(err)
    check(rep, addr, typ, writers)
    caught = [g for g in rep["goroutines"] if g[1] == "caught"][0]
    assert labels["function"] == writers[caught[0]], (labels, caught)
