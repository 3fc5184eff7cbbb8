"""mapscope top (root + BPF) against the target's own truth: each map's header address, len and
capacity as the program reads them through unsafe, and how many times it saw the capacity of the
maps it filled change. Every toolchain and build variant, launch and attach mode."""
import subprocess
import time

import lib
from lib import cases


def parse(lines):
    truth, changes, reports, after_truth = {}, {}, [], False
    events = []
    for line in lines:
        if line.startswith("truth "):
            _, name, addr, n, cap = line.split()
            truth[name] = (addr, int(n), int(cap))
            after_truth = name == "inline"
        elif line.startswith("changes "):
            _, name, n = line.split()
            changes[name] = int(n)
        elif line == "done":
            # inventory's stack map ("inline") is gone once its function returned: fmt.Println's
            # frames overwrite it (a report taken then read len 5, the length of "done\n").
            after_truth = False
        elif line.startswith("{"):
            r = lib.top_json(line)
            events += r["events"]
            if after_truth and not r["stats"]["final"]:
                reports.append(r)
    return truth, changes, reports, events


def check_growth_events(truth, changes, reports, events):
    """Every capacity change the target saw is one growth event of that map, with its old and
    new capacity chained, and a measured duration where the layout allows one."""
    last = {m["addr"]: m for m in reports[-1]["maps"]}
    for name, want in changes.items():
        addr = truth[name][0]
        evs = [e for e in events if e["addr"] == addr and e["how"] != "same_size"]
        # A classic growth still evacuating has no end event yet.
        pending = 1 if "growing" in last[addr]["flags"] else 0
        assert len(evs) + pending == want, \
            f"{name}: {len(evs)} growth events (+{pending} in progress), the target saw {want}"
        assert evs[-1]["new_capacity"] <= truth[name][2]
        for e in evs:
            if e["how"] in ("doubling", "grow", "split"):
                assert e["seconds"] is not None and e["seconds"] >= 0, e
            assert e["stack"] and e["stack"][0].startswith(("runtime.", "internal/runtime/")), \
                e["stack"][:2]


def check(truth, changes, reports, attach):
    assert len(truth) == 8, f"target printed {sorted(truth)}"
    assert reports, "no report while the target held its maps"
    last = reports[-1]
    maps = {m["addr"]: m for m in last["maps"]}
    for name, (addr, n, cap) in truth.items():
        m = maps.get(addr)
        assert m is not None, f"{name} ({addr}) not reported; reported {sorted(maps)}"
        assert (m["len"], m["capacity"]) == (n, cap), \
            f"{name}: mapscope len {m['len']} cap {m['capacity']}, truth len {n} cap {cap}"
        if attach:
            # Found by the heap scan (or a window), then seen in use in a discovery window:
            # the site is where that was.
            assert m["site_origin"] == "touched", f"{name}: {m['site_origin']}"
            assert m["site"] and m["site"].startswith("main."), f"{name}: site {m['site']}"
        elif name != "inline":
            assert m["site"] == "main.main", f"{name}: site {m['site']}"
    assert "bloated" in maps[truth["bloated"][0]]["flags"], maps[truth["bloated"][0]]
    for name, (addr, n, cap) in truth.items():
        if name != "bloated":
            assert "bloated" not in maps[addr]["flags"], f"{name} flagged bloated"
    if not attach:
        for name, want in changes.items():
            m = maps[truth[name][0]]
            got = m["growths"] - (m["same_size_growths"] or 0)
            assert got == want, f"{name}: {got} growths changed capacity, the target saw {want}"
            assert m["type"] and m["type"].startswith("map["), m["type"]


@cases(lib.matrix)
def test_launch(case):
    lib.require_root()
    version, variant = case
    binary = lib.target("inventory", version, variant)
    p = lib.run([lib.MAPSCOPE, "top", "--json", "-i", "0.25", "--", binary, "1.5"])
    truth, changes, reports, events = parse(p.stdout.splitlines())
    last = lib.top_json(p.stdout.splitlines()[-1])["stats"]
    assert last["final"] and last["exited"], f"the last report after the exit: {last}"
    check(truth, changes, reports, attach=False)
    check_growth_events(truth, changes, reports, events)


@cases(lambda: [v for v in ("1.23", lib.GO_VERSIONS[-1]) if v in lib.GO_VERSIONS])
def test_launch_sanitized(version):
    """The ASan + UBSan build end to end (the unit tests cover only the libraries): launched on a
    classic and a Swiss program, it reports the target's own truth and no sanitizer finding
    (either aborts it: -fno-sanitize-recover)."""
    lib.require_root()
    binary = lib.target("inventory", version, "plain")
    p = lib.run([lib.MAPSCOPE_SAN, "top", "--json", "-i", "0.25", "--", binary, "1.5"],
                check=False)
    for finding in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert finding not in p.stderr, p.stderr[-3000:]
    assert p.returncode == 0, p.stderr[-2000:]
    truth, changes, reports, events = parse(p.stdout.splitlines())
    check(truth, changes, reports, attach=False)
    check_growth_events(truth, changes, reports, events)


@cases(lib.matrix)
def test_attach(case):
    """Maps created before attach are found by the heap scan at attach, and sited by the
    discovery windows while the target reads them; the target keeps running after mapscope
    stops."""
    lib.require_root()
    version, variant = case
    binary = lib.target("inventory", version, variant)
    with subprocess.Popen([binary, "120"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as target:
        try:
            lines = []
            while not lines or not lines[-1].startswith("truth inline"):
                lines.append(target.stdout.readline().strip())
            p = lib.run([lib.MAPSCOPE, "top", "--json", "-i", "0.5", "-d", "3", "-p",
                         str(target.pid)])
            assert target.poll() is None, "the target ended while mapscope was attached"
            last = lib.top_json(p.stdout.splitlines()[-1])["stats"]
            assert last["final"] and not last["exited"], f"final report, target running: {last}"
            truth, changes, reports, _ = parse(lines + p.stdout.splitlines())
            check(truth, changes, reports, attach=True)
            target.stdin.write("stop\n")
            target.stdin.flush()
            assert target.stdout.readline().strip() == "done"
        finally:
            target.kill()


EXPORTMAPS_SITES = ("main.makeUsers", "main.makeIDs", "main.makePairs")


def site_sums(report):
    """The report's maps summed by (site, site_file, type), as its "sites" should hold them."""
    sums = {}
    for m in report["maps"]:
        k = (m["site"], m["site_file"] if m["site"] else None, m["type"])
        s = sums.setdefault(k, {"maps": 0, "entries": 0, "capacity": 0, "bytes": 0,
                                "growths": 0})
        s["maps"] += 1
        s["entries"] += m["len"]
        s["capacity"] += m["capacity"]
        s["bytes"] += m["bytes"]
        s["growths"] += m["growths"]
    return sums


@cases(lambda: [v for v in ("1.21", "1.26") if v in lib.GO_VERSIONS])
def test_sites(version):
    """The by-site view: exportmaps builds three maps at main.makeUsers, one at makeIDs and one
    at makePairs and prints each site's map count and entries; the final report's "sites" holds
    exactly those, and every site row is the sum of its maps' rows, sorted by bytes."""
    lib.require_root()
    binary = lib.target("exportmaps", version, "plain")
    p = lib.run([lib.MAPSCOPE, "top", "--json", "-i", "0.5", "--", binary, "3"], timeout=120)
    truth, reports = {}, []
    for line in p.stdout.splitlines():
        f = line.split()
        if f and f[0] == "site":
            truth[f[1]] = (f[2], int(f[3]), int(f[4]))
        elif line.startswith("{"):
            reports.append(lib.top_json(line))
    assert set(truth) == set(EXPORTMAPS_SITES), p.stdout[-2000:]
    final = reports[-1]
    assert final["stats"]["final"], final["stats"]
    for r in reports:
        sums = site_sums(r)
        got = {(s["site"], s["site_file"], s["type"]): {k: s[k] for k in sums.get(
            (s["site"], s["site_file"], s["type"]), {})} for s in r["sites"]}
        assert got == sums, f"sites {r['sites']} are not the sums of the maps {sums}"
        assert [s["bytes"] for s in r["sites"]] == sorted((s["bytes"] for s in r["sites"]),
                                                          reverse=True), r["sites"]
        assert sum(s["maps"] for s in r["sites"]) == len(r["maps"])
    by_func = {s["site"]: s for s in final["sites"] if s["site"] in EXPORTMAPS_SITES}
    for func, (typ, maps, entries) in truth.items():
        s = by_func.get(func)
        assert s and (s["type"], s["maps"], s["entries"]) == (typ, maps, entries), \
            f"{func}: site {s}, the target's ({typ}, {maps}, {entries})"


def test_max_maps():
    """--max-maps 2 lists the two biggest maps: exportmaps' makeIDs map (50,000 entries, more
    than any other map of the program holds) first; each map's stack_id names its creation
    stack in the report's "stacks"; the sites still count every map."""
    lib.require_root()
    binary = lib.target("exportmaps", "1.26", "plain")
    p = lib.run([lib.MAPSCOPE, "top", "--json", "-i", "0.5", "--max-maps", "2", "--", binary,
                 "2"], timeout=120)
    truth = {f[1]: (f[2], int(f[3]), int(f[4])) for f in map(str.split, p.stdout.splitlines())
             if f and f[0] == "site"}
    assert truth.get("main.makeIDs", (None, 0, 0))[1:] == (1, 50000), truth
    final = [lib.top_json(ln) for ln in p.stdout.splitlines() if ln.startswith("{")][-1]
    maps = final["maps"]
    assert len(maps) == 2 and maps[0]["bytes"] >= maps[1]["bytes"], maps
    assert maps[0]["len"] == 50000 and maps[0]["type"] == truth["main.makeIDs"][0], maps[0]
    stack = final["stacks"][maps[0]["stack_id"]]
    assert any(f.startswith("main.makeIDs ") for f in stack), stack
    assert final["stats"]["maps"] > 2, final["stats"]
    assert sum(s["maps"] for s in final["sites"]) == final["stats"]["maps"], final["sites"]
    smaller = [s for s in final["sites"] if s["bytes"] > maps[1]["bytes"] and
               s["maps"] == 1 and s["site"] not in ("main.makeIDs", maps[1]["site"])]
    assert not smaller, f"a single-map site bigger than the second map listed: {smaller}"
