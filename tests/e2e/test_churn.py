"""No garbage under churn (root + BPF): tests/go/churnmaps makes about 2,000 short-lived maps a
second, drops as many, forces a GC every 200 ms and fills freed header slots with other 48-byte
objects, so a header address soon holds a new map or no map. `export` launches it (as a user
would) and `top` attaches to it, both for the whole run. Against the target's own lines (every
map's address, len, type, when it was dropped, and when a GC had freed it):

- no map in any top report has len > capacity;
- a reported map at an address the target used was a map the target held there within the
  report's interval: made before the report, not yet freed by a GC a margin before it, with at
  least the reported len (a map read mid-fill shows less) and, when typed, its type;
- no export scrape shows a site more entries than the maps made there and alive around the
  scrape held together, or more entries than slots.

Every toolchain (plain), and stripped binaries at both map layouts' ends."""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import lib
from lib import cases

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_export import exporter, free_port, parse, scrape, wait_for  # noqa: E402

SECONDS = 30        # the target's run
TOP_SECONDS = 24    # top's -d, attached once the target is ready
INTERVAL = 0.5      # top's -i
EXPORT_INTERVAL = 1  # export's -i
# How long before a report (or scrape) a value may have been read: the interval, plus the time
# to read and write a report of a few hundred maps on a loaded 2-core host.
MARGIN = 2.5
SITES = {"map[int64]int64": "main.makeInts", "map[string]int": "main.makeStrings",
         "map[int32]*main.item": "main.makeItems"}


def stripped_ends():
    return [v for v in ("1.19", "1.27") if v in lib.GO_VERSIONS]


class Truth:
    """The target's lines, read as they come from the exporter's stdout (which it shares)."""

    def __init__(self, stream):
        self.maps = []      # [addr, len, type, made_s, dropped_s or None, freed_s or None]
        self.live = {}      # addr -> index in maps of the map held there now
        self.dropped = []   # indexes dropped since the last gc line
        self.lines = 0
        self.ready = threading.Event()
        self.done = False
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            f = line.split()
            self.lines += 1
            if not f:
                continue
            if f[0] == "new":
                self.live[f[1]] = len(self.maps)
                self.maps.append([f[1], int(f[2]), f[3], int(f[4]) / 1e9, None, None])
            elif f[0] == "drop":
                i = self.live.pop(f[1])
                self.maps[i][4] = int(f[2]) / 1e9
                self.dropped.append(i)
            elif f[0] == "gc":
                for i in self.dropped:
                    self.maps[i][5] = int(f[1]) / 1e9
                self.dropped = []
            elif f[0] == "ready":
                self.ready.set()
            elif f[0] == "done":
                self.done = True
        self.ready.set()

    def held(self, t0, t1):
        """The maps the target held (made, and not yet freed by a GC) at some time in [t0, t1]:
        {addr: [map, ...]}."""
        out = {}
        for m in self.maps:
            if m[3] <= t1 and (m[5] is None or m[5] >= t0):
                out.setdefault(m[0], []).append(m)
        return out


def check_report(truth, r):
    """One top report against the target's truth: the problems found."""
    bad, held = [], truth.held(r["time"] - MARGIN, r["time"])
    every = {m[0] for m in truth.maps}
    for m in r["maps"]:
        if m["len"] is not None and m["capacity"] is not None and m["len"] > m["capacity"]:
            bad.append(f"len {m['len']} > capacity {m['capacity']}: {m}")
        if m["addr"] not in every:
            continue  # not one of the churned maps (the runtime's, fmt's)
        fits = [h for h in held.get(m["addr"], [])
                if m["len"] is not None and m["len"] <= h[1]
                and (m["type"] is None or m["type"].replace(" ", "") == h[2])]
        if not fits:
            bad.append(f"{m['addr']} len {m['len']} type {m['type']} at {r['time']:.3f}: the "
                       f"target held there {held.get(m['addr'], [])}")
    return bad


def check_scrape(truth, t, page, pid):
    """One export scrape at time t: per site, entries within what the site's maps held."""
    bad, entries, slots = [], {}, {}
    for name, lab, v in page:
        if lab.get("pid") != str(pid):
            continue
        if name == "mapscope_map_entries":
            entries[lab.get("function")] = entries.get(lab.get("function"), 0) + v
        elif name == "mapscope_map_capacity_slots":
            slots[lab.get("function")] = slots.get(lab.get("function"), 0) + v
    bound = {}
    for maps in truth.held(t - EXPORT_INTERVAL - MARGIN, t).values():
        for m in maps:
            f = SITES[m[2]]
            bound[f] = bound.get(f, 0) + m[1]
    for f, v in entries.items():
        if v > slots.get(f, 0):
            bad.append(f"{f}: {v} entries, {slots.get(f, 0)} slots")
        if f in SITES.values() and v > bound.get(f, 0):
            bad.append(f"{f}: {v} entries at {t:.3f}, its maps held {bound.get(f, 0)}")
    return bad


def target_pid(port):
    """The launched program, from the exporter's page."""
    pids = {lab["pid"] for n, lab, _ in parse(scrape(port)) if n == "mapscope_up"}
    return (len(pids) == 1, int(next(iter(pids))) if len(pids) == 1 else pids)


@cases(lambda: [(v, "plain") for v in lib.GO_VERSIONS] + [(v, "stripped")
                                                         for v in stripped_ends()])
def test_churn(case):
    lib.require_root()
    version, variant = case
    binary = lib.target("churnmaps", version, variant)
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="mapscope-churn-")
    out = os.path.join(tmp, "top.json")
    ex = exporter(["--listen", f"127.0.0.1:{port}", "-i", str(EXPORT_INTERVAL), "--", binary,
                   str(SECONDS)])
    top = None
    scrapes = []
    try:
        truth = Truth(ex.stdout)
        truth.ready.wait(30)
        assert any(m for m in truth.maps), f"the target printed nothing (exit {ex.poll()})"
        pid = wait_for("the exporter's page", lambda: target_pid(port), timeout=30)
        top = subprocess.Popen([lib.MAPSCOPE, "top", "--json", "-o", out, "-i",
                                str(INTERVAL), "-d", str(TOP_SECONDS), "-p", str(pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while top.poll() is None or ex.poll() is None:
            try:
                scrapes.append((time.time(), parse(scrape(port))))
            except OSError:
                if ex.poll() is not None:
                    break
            time.sleep(0.7)
        _, top_err = top.communicate(timeout=60)
        ex.wait(timeout=60)
        truth.thread.join(30)
    finally:
        for p in (top, ex):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=30)
    assert truth.done, f"the target did not finish ({truth.lines} lines)"
    assert top.returncode == 0, f"top exited {top.returncode}: {top_err.strip()[-2000:]}"
    with open(out) as f:
        reports = [lib.top_json(line) for line in f]
    assert len(reports) >= TOP_SECONDS / INTERVAL / 2, f"only {len(reports)} reports"
    seen = {m["addr"] for r in reports for m in r["maps"]} & {m[0] for m in truth.maps}
    # Thousands of the churned maps pass through top: without them the checks test nothing.
    assert len(seen) >= 100, f"top reported only {len(seen)} of the churned maps' addresses"
    bad = [b for r in reports for b in check_report(truth, r)]
    assert not bad, f"{len(bad)} bad values in top's reports, e.g. {bad[:5]}"
    assert len(scrapes) >= SECONDS / 2, f"only {len(scrapes)} scrapes"
    sites = {lab.get("function") for _, page in scrapes for n, lab, _ in page
             if n == "mapscope_map_entries"}
    assert set(SITES.values()) <= sites, f"export never showed the churned sites: {sites}"
    bad = [b for t, page in scrapes for b in check_scrape(truth, t, page, pid)]
    assert not bad, f"{len(bad)} bad values in export's pages, e.g. {bad[:5]}"
    os.unlink(out)
    os.rmdir(tmp)
