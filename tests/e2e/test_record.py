"""mapscope record (root + BPF) against the recordmaps target's own counts: it writes its maps
from known functions a known number of times, and counts the growths of fresh maps in their
own headers. The pprof profile is read by `go tool pprof` itself; the folded stacks must sum to
the target's write counts exactly (every write is probed). Classic (1.19 with its jbe probe
sites, 1.21, 1.23) and Swiss (1.26, 1.27) builds, plain and stripped (and PIE when launched),
launch and attach mode."""
import os
import re
import signal
import subprocess
import tempfile

import lib
from lib import cases

VERSIONS = [v for v in ("1.19", "1.21", "1.23", "1.26", "1.27") if v in lib.GO_VERSIONS]
PPROF_GO = "1.26"  # the `go tool pprof` that reads every profile
WRITERS = ("main.writeInts", "main.writeStrings", "main.writePairs", "main.growMaps")


def launch_matrix():
    return [(v, var) for v in VERSIONS for var in ("plain", "stripped", "pie")]


def attach_matrix():
    return [(v, var) for v in VERSIONS for var in ("plain", "stripped")]


def truth_of(stdout):
    """{"writes": {func: n}, "growths": {func: n}} as the target printed them."""
    truth = {"writes": {}, "growths": {}}
    for line in stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[0] in truth:
            truth[f[0]][f[1]] = int(f[2])
    assert set(truth["writes"]) == set(WRITERS), f"target printed {stdout!r}"
    assert truth["growths"].get("main.growMaps", 0) > 0, f"target printed {stdout!r}"
    return truth


def pprof(args, path):
    return lib.run([lib.gobin(PPROF_GO), "tool", "pprof"] + args + [path]).stdout


def raw_samples(path):
    """[(values by sample type, set of function names in the stack)] from `pprof -raw`."""
    out = pprof(["-raw"], path)
    types, samples, funcs, section = [], [], {}, None
    loc = None
    for line in out.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
            continue
        if section == "Samples:":
            if not types and "/" in line:
                types = [t.split("/")[0] for t in line.split()]
            elif ":" in line:
                vals, ids = line.split(":", 1)
                samples.append(([int(v) for v in vals.split()], ids.split()))
        elif section == "Locations":
            m = re.match(r"\s*(\d+): 0x[0-9a-f]+ M=\d+ (\S+)", line)
            if m:
                loc = m.group(1)
                funcs[loc] = {m.group(2)}
            elif loc and line.startswith(" ") and line.split():
                funcs[loc].add(line.split()[0])  # an inlined frame of the same location
    assert types[:4] == ["writes", "growths", "growth_bytes", "growth_time"], types
    return [(dict(zip(types, vals)), set().union(*(funcs[i] for i in ids)))
            for vals, ids in samples]


def check_pprof(path, truth):
    top = pprof(["-top", "-sample_index=writes"], path)
    for fn in WRITERS:
        assert fn in top, f"{fn} not in pprof -top:\n{top}"
    samples = raw_samples(path)
    for fn, n in truth["writes"].items():
        got = sum(v["writes"] for v, fns in samples if fn in fns)
        assert got == n, f"{fn}: {got} writes in the profile, the target made {n}"
    grow = [v for v, fns in samples if "main.growMaps" in fns and v["growths"]]
    want = truth["growths"]["main.growMaps"]
    got = sum(v["growths"] for v in grow)
    assert got == want, f"main.growMaps: {got} growths in the profile, the target saw {want}"
    assert all(v["growth_bytes"] > 0 for v in grow), grow
    # Classic growths are timed from hashGrow to the end of evacuation, Swiss ones per rehash.
    assert sum(v["growth_time"] for v in grow) > 0, grow


def check_folded(path, truth):
    sums = {fn: 0 for fn in truth["writes"]}
    with open(path) as f:
        for line in f:
            stack, n = line.rstrip("\n").rsplit(" ", 1)
            frames = stack.split(";")
            assert all(frames), line
            for fn in sums:
                if fn in frames:
                    sums[fn] += int(n)
    assert sums == truth["writes"], f"folded sums {sums}, the target's {truth['writes']}"


def overhead_line(stderr):
    last = stderr.strip().splitlines()[-1]
    assert re.search(r"overhead \d+\.\d+%", last), last
    return last


def record_launch(binary, out, extra=()):
    p = lib.run([lib.MAPSCOPE, "record", "-d", "60", "-o", out] + list(extra) +
                ["--", binary, "run"])
    overhead_line(p.stderr)
    return truth_of(p.stdout)


@cases(launch_matrix)
def test_launch(case):
    """Launched: pprof -top shows the writers, the profile's writes and growths per function are
    the target's; the folded stacks sum to its write counts."""
    lib.require_root()
    binary = lib.target("recordmaps", *case)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "maps.pb.gz")
        check_pprof(out, record_launch(binary, out))
        out = os.path.join(d, "maps.folded")
        check_folded(out, record_launch(binary, out))


@cases(attach_matrix)
def test_attach(case):
    """Attached to a running target that starts writing once the probes are in, stopped by
    SIGINT once it is done (no race with -d): the same exact counts, and the target keeps
    running after mapscope stops."""
    lib.require_root()
    binary = lib.target("recordmaps", *case)
    with tempfile.TemporaryDirectory() as d, \
            subprocess.Popen([binary, "hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True) as target:
        try:
            assert target.stdout.readline().strip() == "ready"
            out = os.path.join(d, "maps.pprof")
            rec = subprocess.Popen([lib.MAPSCOPE, "record", "-p", str(target.pid), "-d", "600",
                                    "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
            first = rec.stderr.readline()
            assert "recording PID" in first, first
            target.stdin.write("go\n")
            target.stdin.flush()
            lines = []
            while not lines or lines[-1] != "done":
                lines.append(target.stdout.readline().strip())
                assert lines[-1] or target.poll() is None, "the target ended early"
            rec.send_signal(signal.SIGINT)
            _, err = rec.communicate(timeout=120)
            assert rec.returncode == 0, err
            overhead_line(err)
            assert target.poll() is None, "the target ended while mapscope was attached"
            check_pprof(out, truth_of("\n".join(lines)))
        finally:
            if target.poll() is None:
                target.stdin.write("stop\n")
                target.stdin.close()
                target.wait(timeout=30)


def test_svg():
    """--format svg: one self-contained SVG (no scripts, no links) whose frames name the
    writers, with a <title> tooltip per frame."""
    lib.require_root()
    binary = lib.target("recordmaps", VERSIONS[-1], "plain")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "maps.img")
        record_launch(binary, out, ["--format", "svg"])
        with open(out) as f:
            svg = f.read()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and svg.rstrip().endswith("</svg>")
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    for fn in WRITERS:
        assert any(t.startswith(fn) for t in titles), f"{fn} has no frame: {titles[:20]}"
    for bad in ("<script", "href=", "@import", "url("):
        assert bad not in svg, f"not self-contained: {bad}"


def test_usage():
    """Bad input: one line on stderr, exit 2."""
    for argv in (["-p", "1", "-d", "1"],                                # no -o
                 ["-p", "1", "-o", "x.svg"],                             # no -d
                 ["-p", "1", "-d", "0", "-o", "x"], ["-p", "1", "-d", "soon", "-o", "x"],
                 ["-p", "1", "-d", "1", "-o", "x", "--format", "png"],
                 ["-p", "1", "-d", "1", "-o", "x", "--sample", "reads"],
                 ["-d", "1", "-o", "x"], ["--bogus"]):
        p = lib.run([lib.MAPSCOPE, "record"] + argv, check=False)
        assert p.returncode == 2, (argv, p.returncode, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, (argv, p.stderr)


def zipf_truth(stdout):
    """{(map, key): count} of the top keys zipfkeys printed, keys as mapscope prints them."""
    truth = {}
    for line in stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == "count":
            truth[(f[1], f[2])] = int(f[3])
    assert len(truth) >= 40, stdout[:2000]
    return truth


# zipfkeys' keys for z in [0, 10000): int32 z - 5, int64 1000z - 3000 (tests/go/zipfkeys). A
# label is a key's text, so a number both maps can write is summed over both: left out.
AMBIGUOUS = {str(z - 5) for z in range(10000)} & {str(1000 * z - 3000) for z in range(10000)}


def ambiguous(key):
    return key in AMBIGUOUS


def pprof_tags(path):
    """{key label: writes} from `go tool pprof -tags`."""
    out = pprof(["-tags"], path)
    tags = {}
    for line in out.splitlines():
        m = re.match(r"^\s+(\d+) \(\s*[\d.]+%\): (.*)$", line)
        if m:
            tags[m.group(2)] = int(m.group(1))
    return tags


@cases(lambda: [("1.19", "plain"), ("1.23", "stripped"), ("1.26", "plain"),
                ("1.27", "stripped")])
def test_export_keys(case):
    """--export-keys: each write sample carries its key. zipfkeys writes int32 keys (garbage in
    the register's upper half), int64, string and 16-byte struct keys and prints its exact
    per-key counts: the pprof label totals and the folded lines' key frames equal them."""
    lib.require_root()
    binary = lib.target("zipfkeys", *case)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "keys.pb.gz")
        p = lib.run([lib.MAPSCOPE, "record", "-d", "60", "--export-keys", "-o", out, "--",
                     binary, "n", "20000"])
        truth = zipf_truth(p.stdout)
        tags = pprof_tags(out)
        unique = {mk: n for mk, n in truth.items() if not ambiguous(mk[1])}
        assert {m for m, _ in unique} == {"i32", "i64", "str", "pair"}, sorted(unique)
        for (m, k), n in unique.items():
            assert tags.get(k) == n, f"{m} key {k}: pprof label total {tags.get(k)}, truth {n}"
        out = os.path.join(d, "keys.folded")
        p = lib.run([lib.MAPSCOPE, "record", "-d", "60", "--export-keys", "-o", out, "--",
                     binary, "n", "20000"])
        truth = zipf_truth(p.stdout)
        folded = {}
        with open(out) as f:
            for line in f:
                stack, n = line.rsplit(" ", 1)
                leaf = stack.split(";")[-1]
                assert leaf.startswith("key="), line
                folded[leaf[4:]] = folded.get(leaf[4:], 0) + int(n)
        for (m, k), n in truth.items():
            if not ambiguous(k):
                assert folded.get(k) == n, f"{m} key {k}: folded {folded.get(k)}, truth {n}"
