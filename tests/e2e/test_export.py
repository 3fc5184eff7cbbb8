"""mapscope export (root + BPF): the Prometheus endpoint against the target's own truth.

tests/go/exportmaps builds maps at three known creation sites and prints, per site, how many maps
it made and how many entries they hold; main.leaky's map gains entries steadily and the target
prints its len with a timestamp. A real Prometheus server (Debian's package) scrapes the exporter
and its query API must return those numbers; `promtool check metrics` must accept the page."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import lib
from lib import cases

SITES = ("main.makeUsers", "main.makeIDs", "main.makePairs")
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(text):
    """[(name, {label: value}, float)] of an exposition page."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, f"unparsable line: {line!r}"
        labels = dict(LABEL.findall(m.group(2) or ""))
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
        return r.read().decode()


def per_site(samples, name, pid, by="function"):
    """{function (or type): sum of the metric} for one target."""
    sums = {}
    for n, lab, v in samples:
        if n == name and lab.get("pid") == str(pid):
            sums[lab[by]] = sums.get(lab[by], 0) + v
    return sums


def start_target(binary):
    p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return p, read_truth(p.stdout)


def read_truth(stream):
    truth = {}
    for line in stream:
        f = line.split()
        if f and f[0] == "site":
            truth[f[1]] = (f[2], int(f[3]), int(f[4]))
        if line.strip() == "ready":
            return truth
    raise AssertionError(f"target ended before 'ready' (truth so far {truth})")


def stop(p, timeout=30):
    """Ends a process this test started: a line on its standard input, else SIGTERM."""
    if p.poll() is None:
        try:
            p.stdin.write("\n")
            p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)


def wait_for(what, fn, timeout=90):
    """Polls fn() until it returns a true value; fails with the last value seen."""
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        try:
            last = fn()
        except OSError as e:  # not serving yet
            last = (False, str(e))
        if last and last[0]:
            return last[1]
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def matches_truth(samples, pid, truth, attached=False):
    """Maps and entries per creation site equal the target's; for a target attached to after
    its maps were made, per type: the creation stack is gone, the site is where the map was
    first seen in use (docs/export.md)."""
    want = {(truth[f][0] if attached else f): truth[f][1:] for f in SITES}
    by = "type" if attached else "function"
    entries = per_site(samples, "mapscope_map_entries", pid, by)
    maps = per_site(samples, "mapscope_maps", pid, by)
    got = {k: (int(maps.get(k, 0)), int(entries.get(k, 0))) for k in want}
    return got == want, got


def exporter(args, **kw):
    return subprocess.Popen([lib.MAPSCOPE, "export"] + args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def prom_query(port, q):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
    except OSError:
        return None
    assert body["status"] == "success", body
    return {s["metric"].get("function"): float(s["value"][1]) for s in body["data"]["result"]}


@cases(lambda: ["1.21", "1.26"])
def test_prometheus(version):
    """Launch mode; Prometheus scrapes every second; its API returns the target's truth."""
    lib.require_root()
    if not shutil.which("prometheus") or not shutil.which("promtool"):
        raise AssertionError("prometheus/promtool missing: scripts/install-deps installs them")
    binary = lib.target("exportmaps", version, "plain")
    eport, pport = free_port(), free_port()
    ex = exporter(["--listen", f"127.0.0.1:{eport}", "-i", "0.5", "--", binary])
    tmp = tempfile.mkdtemp(prefix="mapscope-prom-")
    prom = None
    try:
        truth = read_truth(ex.stdout)
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: mapscope\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{eport}']\n")
        prom = subprocess.Popen(["prometheus", f"--config.file={tmp}/prometheus.yml",
                                 f"--storage.tsdb.path={tmp}/data",
                                 f"--web.listen-address=127.0.0.1:{pport}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The launched program is the exporter's child: its PID is on the page.
        page = parse(scrape(eport))
        pids = {lab["pid"] for n, lab, _ in page if n == "mapscope_up"}
        assert len(pids) == 1, pids
        pid = pids.pop()

        def check():
            e = prom_query(pport, f'sum by (function) (mapscope_map_entries{{pid="{pid}"}})')
            m = prom_query(pport, f'sum by (function) (mapscope_maps{{pid="{pid}"}})')
            if e is None or m is None:
                return (False, "Prometheus not answering yet")
            got = {f: (int(m.get(f, 0)), int(e.get(f, 0))) for f in SITES}
            return (got == {f: truth[f][1:] for f in SITES}, got)

        wait_for("Prometheus to return the target's entries", check)
        up = prom_query(pport, 'mapscope_up')
        assert up and list(up.values()) == [1.0], up
        page = scrape(eport)
        p = subprocess.run(["promtool", "check", "metrics"], input=page,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, f"promtool check metrics: {p.stdout}{p.stderr}"
        check_deploy_names(page)
    finally:
        stop(ex)
        if prom:
            prom.terminate()
            prom.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    assert ex.returncode == 0, ex.stderr.read()


def check_deploy_names(page):
    """Every metric the alert rules and the dashboard in deploy/ use is one the exporter
    serves (a histogram's _bucket, _sum and _count included)."""
    served = set()
    for m in re.finditer(r"^# TYPE (\S+) (\S+)$", page, re.M):
        served.add(m.group(1))
        if m.group(2) == "histogram":
            served |= {m.group(1) + s for s in ("_bucket", "_sum", "_count")}
    used = set()
    for sub in ("prometheus/mapscope-rules.yml", "grafana/mapscope-dashboard.json"):
        with open(os.path.join(lib.ROOT, "deploy", sub)) as f:
            used |= set(re.findall(r"mapscope_[a-z_]+", f.read()))
    # limit_eta only exists with a limit; the launch here has none.
    missing = used - served - {"mapscope_map_limit_eta_seconds"}
    assert not missing, f"deploy/ uses metrics the exporter does not serve: {missing}"


def test_attach_two_targets():
    """Two running processes (classic and Swiss, one stripped) behind repeated -p; the maps
    existed before the attach, so the discovery windows must find them. A target that exits
    leaves the page; the last one ends the exporter."""
    lib.require_root()
    a, truth_a = start_target(lib.target("exportmaps", "1.21", "plain"))
    b, truth_b = start_target(lib.target("exportmaps", "1.26", "stripped"))
    eport = free_port()
    ex = exporter(["--listen", f"127.0.0.1:{eport}", "-i", "0.5", "-p", str(a.pid), "-p",
                   str(b.pid)])
    try:
        def both():
            s = parse(scrape(eport))
            ok_a, got_a = matches_truth(s, a.pid, truth_a, attached=True)
            ok_b, got_b = matches_truth(s, b.pid, truth_b, attached=True)
            return (ok_a and ok_b, (got_a, got_b))

        wait_for("both targets' maps", both, timeout=60)
        s = parse(scrape(eport))
        ups = {lab["pid"]: v for n, lab, v in s if n == "mapscope_up"}
        assert ups == {str(a.pid): 1.0, str(b.pid): 1.0}, ups
        # No series is per map: the site labels only.
        for n, lab, _ in s:
            assert set(lab) <= {"pid", "exe", "function", "file", "type", "le", "resource",
                                "version", "go_version"}, (n, lab)
        stop(a)

        def a_gone():
            s = parse(scrape(eport))
            pids = {lab.get("pid") for _, lab, _ in s if "pid" in lab}
            return (pids == {str(b.pid)}, pids)

        wait_for("the exited target's series to go", a_gone, timeout=30)
        stop(b)
        ex.wait(timeout=30)
    finally:
        for p in (a, b):
            stop(p)
        if ex.poll() is None:
            ex.send_signal(signal.SIGINT)
            ex.wait(timeout=30)
    err = ex.stderr.read()
    assert ex.returncode == 0, err
    assert "no target left" in err, err


def test_comm():
    """--comm follows a process that starts after the exporter, and drops it when it exits."""
    lib.require_root()
    eport = free_port()
    ex = exporter(["--listen", f"127.0.0.1:{eport}", "-i", "0.5", "--comm", "exportmaps"])
    t = None
    try:
        wait_for("the exporter to serve", lambda: (_serving(eport), None), timeout=30)
        t, truth = start_target(lib.target("exportmaps", "1.26", "plain"))
        wait_for("the new process's maps",
                 lambda: matches_truth(parse(scrape(eport)), t.pid, truth, attached=True),
                 timeout=60)
        stop(t)

        def gone():
            s = parse(scrape(eport))
            ups = [lab for n, lab, _ in s if n == "mapscope_up"]
            return (not ups, ups)

        wait_for("the exited process to be dropped", gone, timeout=30)
        assert ex.poll() is None, "the exporter stopped with --comm"
    finally:
        if t:
            stop(t)
        ex.send_signal(signal.SIGINT)
        ex.wait(timeout=30)
    assert ex.returncode == 0, ex.stderr.read()


def _serving(port):
    try:
        scrape(port)
        return True
    except OSError:
        return False


def test_forecast_eta():
    """--limit-entries: main.leaky's site gets an ETA that matches its true growth rate (from
    the target's own len and clock) within a factor of two; sites that do not grow get none.
    --max-sites 2 exports two sites one by one, the biggest (makeIDs) among them."""
    lib.require_root()
    limit = 3_000_000
    eport = free_port()
    ex = exporter(["--listen", f"127.0.0.1:{eport}", "-i", "0.5", "--limit-entries", str(limit),
                   "--forecast-history", "3", "--max-sites", "2", "--",
                   lib.target("exportmaps", "1.26", "plain")])
    leak = []
    try:
        read_truth(ex.stdout)

        def eta():
            s = parse(scrape(eport))
            etas = [(lab["function"], v) for n, lab, v in s
                    if n == "mapscope_map_limit_eta_seconds"]
            return (any(f == "main.leaky" for f, _ in etas), (s, etas))

        s, etas = wait_for("an ETA for main.leaky", eta, timeout=60)
        # The target's own progress lines since it started: len and time.
        ex.stdin.write("\n")
        ex.stdin.flush()
        for line in ex.stdout:
            f = line.split()
            if f and f[0] == "leak":
                leak.append((int(f[1]), int(f[2]) / 1e9))
        ex.wait(timeout=30)
    finally:
        if ex.poll() is None:
            ex.send_signal(signal.SIGINT)
            ex.wait(timeout=30)
    assert ex.returncode == 0, ex.stderr.read()
    assert len(leak) >= 5, leak
    rate = (leak[-1][0] - leak[0][0]) / (leak[-1][1] - leak[0][1])
    leaky = [lab for n, lab, _ in s if n == "mapscope_map_entries" and
             lab.get("function") == "main.leaky"]
    assert len(leaky) == 1, leaky
    entries = [v for n, lab, v in s if n == "mapscope_map_entries" and lab == leaky[0]][0]
    expected = (limit - entries) / rate
    got = dict(etas)["main.leaky"]
    assert 0.5 < got / expected < 2, f"ETA {got:.0f}s, truth {expected:.0f}s (rate {rate:.0f}/s)"
    assert {f for f, _ in etas} == {"main.leaky"}, f"ETAs for sites that do not grow: {etas}"
    exported = {lab["function"] for n, lab, _ in s
                if n == "mapscope_maps" and lab["function"] != "other"}
    assert len(exported) == 2 and "main.makeIDs" in exported, exported


def test_export_errors():
    """Bad input: one line on stderr, exit 2 for usage, 1 for failures; a non-loopback listen
    address is served with a warning."""
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        busy_port = busy.getsockname()[1]
        for args, rc, text in [
                ([], 2, "give -p PID"),
                (["-p", "1", "--comm", "x"], 2, "give -p PID"),
                (["--comm", "a" * 16], 2, "--comm"),
                (["--comm", "x", "--listen", "nocolon"], 2, "--listen"),
                (["--comm", "x", "--limit-bytes", "12Q"], 2, "--limit-bytes"),
                (["--comm", "x", "--max-sites", "0"], 2, "--max-sites"),
                (["--comm", "x", "--bogus"], 2, "unknown option"),
                (["--comm", "x", "--listen", f"127.0.0.1:{busy_port}"], 1, "in use"),
                (["--comm", "x", "--listen", "256.1.1.1:80"], 2, "cannot listen"),
                (["-p", "0"], 2, "invalid PID"),
        ]:
            p = lib.run([lib.MAPSCOPE_SAN, "export"] + args, check=False, timeout=60)
            lines = p.stderr.strip().splitlines()
            assert p.returncode == rc, (args, p.returncode, p.stderr)
            assert len(lines) == 1 and text in lines[0], (args, p.stderr)
    lib.require_root()
    p = lib.run([lib.MAPSCOPE_SAN, "export", "-p", "4194300", "--listen", f"127.0.0.1:{port}"],
                check=False, timeout=60)
    assert p.returncode == 1 and "no process" in p.stderr, p.stderr
    p = lib.run([lib.MAPSCOPE_SAN, "export", "--comm", "nosuchprocess", "-d", "1", "--listen",
                 f"0.0.0.0:{port}"], check=False, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "not a loopback address" in p.stderr, p.stderr


def test_top_limit_warning():
    """top --limit-entries warns about main.leaky's site, with an ETA within a factor of two of
    the truth (the target's own len and clock), and about no site that does not grow."""
    lib.require_root()
    limit = 200_000
    p = subprocess.Popen([lib.MAPSCOPE, "top", "--json", "-i", "0.5", "--limit-entries",
                          str(limit), "--forecast-history", "3", "--",
                          lib.target("exportmaps", "1.21", "plain"), "8"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    leak, warned = [], []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "leak":
            leak.append((int(f[1]), int(f[2]) / 1e9))
        elif line.startswith("{"):
            r = lib.top_json(line)
            warned += [(r["time"], e) for e in r["events"] if e["kind"] == "limit_forecast"]
    assert warned, "no limit_forecast event"
    assert {e["site"] for _, e in warned} == {"main.leaky"}, warned
    rate = (leak[-1][0] - leak[0][0]) / (leak[-1][1] - leak[0][1])
    t, e = warned[-1]
    expected = (limit - e["value"]) / rate
    assert e["limit"] == limit and e["resource"] == "entries", e
    assert 0.5 < e["eta_seconds"] / expected < 2, \
        f"ETA {e['eta_seconds']:.0f}s, truth {expected:.0f}s (rate {rate:.0f}/s)"


def test_comm_untraceable():
    """--comm: a matching process that is not a Go program shows as mapscope_up 0 (with one
    line on stderr) and leaves the page once it ends, even while it is an unreaped zombie."""
    lib.require_root()
    eport = free_port()
    ex = exporter(["--listen", f"127.0.0.1:{eport}", "-i", "0.5", "--comm", "sleep"])
    sl = subprocess.Popen(["sleep", "300"])
    try:
        def up_of():
            s = parse(scrape(eport))
            ups = {lab["pid"]: v for n, lab, v in s if n == "mapscope_up"}
            return (ups.get(str(sl.pid)) == 0.0, ups)

        wait_for("mapscope_up 0 for the sleep process", up_of, timeout=30)
        sl.kill()  # not reaped yet: a zombie until sl.wait() below

        def gone():
            s = parse(scrape(eport))
            pids = {lab["pid"] for n, lab, _ in s if n == "mapscope_up"}
            return (str(sl.pid) not in pids, pids)

        wait_for("the zombie to leave the page", gone, timeout=30)
    finally:
        sl.kill()
        sl.wait()
        ex.send_signal(signal.SIGINT)
        ex.wait(timeout=30)
    err = ex.stderr.read()
    assert ex.returncode == 0, err
    assert f"PID {sl.pid}" in err or "cannot trace" in err or "not a Go" in err, err


def test_default_listen_is_loopback():
    """Without --listen the exporter serves on 127.0.0.1:9464 only (the address it bound, read
    back from its socket), without the non-loopback warning."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 9464)) == 0:
            raise AssertionError("port 9464 is taken on this machine: the default cannot bind")
    ex = subprocess.Popen([lib.MAPSCOPE, "export", "--comm", "nosuchprocess", "-d", "3"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for("the exporter to serve", lambda: (_serving(9464), None), timeout=30)
    finally:
        out, err = ex.communicate(timeout=30)
    assert ex.returncode == 0, err
    assert "serving http://127.0.0.1:9464/metrics" in err, err
    assert "not a loopback" not in err, err
