"""Dropped events are counted, never lost silently (root + BPF).

tests/go/loadmaps creates N maps in one burst (all kept live) once told to, and says how many.
mapscope is attached with discovery windows off and stopped (SIGSTOP) during the burst, so the
kernel's ring buffer overflows for sure: the maps top reports at the burst's creation site plus
stats.dropped must equal N exactly (each of these creations is one event, and no other event is
sent: the maps are empty, so none grows). The same through the exporter: mapscope_maps at that
site plus mapscope_dropped_events_total.
"""
import re
import signal
import socket
import subprocess
import time
import urllib.request

import lib
from lib import cases

VERSIONS = [v for v in ("1.23", "1.26") if v in lib.GO_VERSIONS]  # classic, Swiss
N = 200000  # the ring buffer holds about 65,000 of these creation events (short stacks)
SITE = "main.burst"


def links_up(pid):
    return any(ln.get("pid") == pid for ln in lib.bpftool_json("link", "show"))


def burst_under(argv_for, version):
    """Starts the target, attaches mapscope (argv_for(pid)), stops mapscope, runs the burst,
    lets mapscope go on; returns (mapscope's Popen, the target's Popen, its PID, the maps it
    says it created)."""
    t = subprocess.Popen([lib.target("loadmaps", version, "plain"), "burst", str(N)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = t.stdout.readline()
    assert line.startswith("ready "), line
    pid = int(line.split()[1])
    m = subprocess.Popen(argv_for(pid), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    deadline = time.monotonic() + 30
    while not links_up(pid):
        assert m.poll() is None, f"mapscope exited {m.returncode}: {m.stderr.read()[-500:]}"
        assert time.monotonic() < deadline, "mapscope never attached"
        time.sleep(0.05)
    m.send_signal(signal.SIGSTOP)
    try:
        t.stdin.write("go\n")
        t.stdin.flush()
        line = t.stdout.readline()
        assert line.startswith("created "), line
    finally:
        m.send_signal(signal.SIGCONT)
    return m, t, pid, int(line.split()[1])


def end(p):
    p.stdin.close()
    p.wait(timeout=60)


@cases(lambda: VERSIONS)
def test_top(version):
    """top --json: maps reported at the burst's site + stats.dropped = maps the target made,
    and dropped > 0."""
    lib.require_root()
    m, t, pid, created = burst_under(
        lambda pid: [lib.MAPSCOPE, "top", "-p", str(pid), "--json", "--budget", "0", "-i", "60"],
        version)
    try:
        time.sleep(1)  # drains what the ring buffer kept
        m.send_signal(signal.SIGINT)
        out, err = m.communicate(timeout=120)
    finally:
        if m.poll() is None:
            m.kill()
            m.wait()
        end(t)
    assert m.returncode == 0, err[-500:]
    r = lib.top_json(out.strip().splitlines()[-1])
    reported = sum(1 for mp in r["maps"] if mp["site"] == SITE)
    dropped = r["stats"]["dropped"]
    assert created == N and dropped > 0, (created, dropped)
    assert reported + dropped == created, f"{reported} reported + {dropped} dropped != {created}"


LINE = re.compile(r'^(\w+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m and not line.startswith("#"):
            out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


@cases(lambda: VERSIONS)
def test_export(version):
    """The exporter: mapscope_maps at the burst's site + mapscope_dropped_events_total = maps
    the target made, and the counter is > 0."""
    lib.require_root()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    m, t, pid, created = burst_under(
        lambda pid: [lib.MAPSCOPE, "export", "-p", str(pid), "--budget", "0", "--listen",
                     f"127.0.0.1:{port}", "-i", "0.5"], version)
    try:
        deadline, last = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            time.sleep(0.5)
            page = metrics(port)
            maps = sum(v for n, lab, v in page
                       if n == "mapscope_maps" and lab.get("function") == SITE)
            dropped = sum(v for n, lab, v in page
                          if n == "mapscope_dropped_events_total" and lab.get("pid") == str(pid))
            last = (maps, dropped)
            if maps + dropped == created:
                break
    finally:
        m.send_signal(signal.SIGINT)
        try:
            m.communicate(timeout=60)
        finally:
            if m.poll() is None:
                m.kill()
                m.wait()
            end(t)
    assert created == N and last and last[1] > 0, (created, last)
    assert last[0] + last[1] == created, f"maps {last[0]} + dropped {last[1]} != {created}"
