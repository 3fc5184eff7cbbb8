"""Target safety (root + BPF): tracing never changes what the traced program computes.

The target, tests/go/safetymaps, does deterministic work over many maps and prints checksums of
what it read; it runs rounds until its stdin closes, and an untraced run of the same number of
rounds is the ground truth its traced output must equal (and its exit status too). One classic
and one Swiss toolchain.

- 200 attach/detach cycles of `top -p` (inventory mode) and 200 of `hotkeys -p --budget 100`
  (every write probed) on one running target, four tracers at a time.
- SIGKILL of top, hotkeys or record mid-trace: every BPF link on the target goes with the
  process and the target carries on.
- The target exits, execs another program, panics or dies of a signal while traced by top,
  hotkeys or record (launched with -- or attached with -p): mapscope says so in one line on
  stderr, prints its final report (record: writes its profile) and exits 0, within a timeout.
"""
import concurrent.futures
import os
import shutil
import signal
import subprocess
import tempfile
import time

import lib
from lib import cases

VERSIONS = [v for v in ("1.23", "1.26") if v in lib.GO_VERSIONS]  # classic, Swiss
CYCLES = 200
WORKERS = 4
ENDS = ("exit", "exec", "panic", "segv")
TIMEOUT = 60  # seconds any one mapscope run may take before the test calls it a hang


def binary(version):
    return lib.target("safetymaps", version, "plain")


def start(path, end="exit"):
    """Starts the target running rounds until its stdin closes; returns (Popen, pid)."""
    p = subprocess.Popen([path, "0", end], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("ready "), f"target printed {line!r}"
    return p, int(line.split()[1])


def close_stdin(p):
    """The target ends after its current round (communicate() must not touch stdin again)."""
    if p.stdin:
        p.stdin.close()
        p.stdin = None


def finish(p):
    """Ends the target; its output and status."""
    close_stdin(p)
    out, _ = p.communicate(timeout=TIMEOUT)
    return out.splitlines(), p.returncode


def rounds_of(lines):
    done = [ln for ln in lines if ln.startswith("done ")]
    assert len(done) == 1, f"target printed no single done line: {lines[-5:]}"
    return int(done[0].split()[1])


def untraced(path, lines, end="exit"):
    """The ground truth: the same number of rounds untraced; its output (after 'ready') and
    exit status."""
    p = lib.run([path, str(rounds_of(lines)), end], check=False, timeout=TIMEOUT)
    out = p.stdout.splitlines()
    assert out and out[0].startswith("ready "), out[:3]
    return out[1:], p.returncode


def assert_same(path, lines, rc, end="exit"):
    """rc None: the status was not ours to see (mapscope reaped the program it launched)."""
    want, want_rc = untraced(path, lines, end)
    assert rounds_of(lines) > 0, "the target did no work while traced"
    assert lines == want, f"traced output differs from untraced: {lines[-4:]} vs {want[-4:]}"
    assert rc is None or rc == want_rc, f"traced exit status {rc}, untraced {want_rc}"
    return want_rc


def links(pid, path):
    """The BPF links attached to the target: uprobe_multi links name its PID, perf-event ones
    the file they were opened by."""
    return [ln["id"] for ln in lib.bpftool_json("link", "show")
            if ln.get("pid") == pid or ln.get("path") == path
            or ln.get("file") in (path, f"/proc/{pid}/exe")]


def wait_links(pid, path, present):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if bool(links(pid, path)) == present:
            return
        time.sleep(0.05)
    raise AssertionError(f"links on PID {pid} {'never appeared' if present else 'left'}: "
                         f"{links(pid, path)}")


def last_json(stdout):
    reports = [lib.top_json(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    assert reports, f"no JSON report in {stdout[-500:]!r}"
    return reports[-1]


def one_cycle(argv):
    p = lib.run(argv, check=False, timeout=TIMEOUT)
    assert p.returncode == 0, f"{' '.join(argv)} exited {p.returncode}: {p.stderr[-500:]}"
    return last_json(p.stdout)


@cases(lambda: VERSIONS)
def test_attach_cycles(version):
    """200 `top -p PID -d 0.2` and 200 `hotkeys -p PID --budget 100 -d 0.2` on one running
    target: each exits 0 with its final report, hotkeys counts writes every time, top finds
    maps, no link is left, and the target's output and status equal an untraced run's."""
    lib.require_root()
    path = binary(version)
    t, pid = start(path)
    try:
        top = [lib.MAPSCOPE, "top", "-p", str(pid), "-d", "0.2", "--json"]
        hot = [lib.MAPSCOPE, "hotkeys", "-p", str(pid), "--budget", "100", "-d", "0.2", "--json"]
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            tops = [pool.submit(one_cycle, top) for _ in range(CYCLES)]
            hots = [pool.submit(one_cycle, hot) for _ in range(CYCLES)]
            tops = [f.result() for f in tops]
            hots = [f.result() for f in hots]
        for r in tops:
            st = r["stats"]
            assert st["final"] and r["pid"] == pid and not st["exited"], st
        assert sum(len(r["maps"]) for r in tops) > 0, "no top cycle found a map"
        for r in hots:
            assert r["sampling"]["fraction"] == 1, r["sampling"]
            assert sum(m["writes"] for m in r["maps"]) > 0, "a hotkeys cycle counted no write"
        wait_links(pid, path, False)
        assert t.poll() is None, f"the target ended during the cycles: {t.returncode}"
    finally:
        lines, rc = finish(t)
    assert_same(path, lines, rc)


def kill_matrix():
    return [(v, c) for v in VERSIONS for c in ("top", "hotkeys", "record")]


@cases(kill_matrix)
def test_sigkill(case):
    """SIGKILL of mapscope while it traces: its links go, the target runs on and finishes with
    an untraced run's output."""
    lib.require_root()
    version, cmd = case
    path = binary(version)
    t, pid = start(path)
    with tempfile.TemporaryDirectory() as tmp:
        argv = {"top": ["top", "--json", "-i", "0.2"],
                "hotkeys": ["hotkeys", "--budget", "100", "--json", "-i", "0.2"],
                "record": ["record", "-d", "600", "-o", os.path.join(tmp, "out.pb.gz")]}[cmd]
        m = subprocess.Popen([lib.MAPSCOPE] + argv + ["-p", str(pid)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            wait_links(pid, path, True)
            time.sleep(0.5)  # into the trace: windows open and close, writes are probed
            assert m.poll() is None, f"mapscope {cmd} ended on its own: {m.returncode}"
            m.send_signal(signal.SIGKILL)
            m.wait(timeout=TIMEOUT)
            wait_links(pid, path, False)
            time.sleep(0.3)  # the target keeps working, untraced
            assert t.poll() is None, f"the target ended with mapscope: {t.returncode}"
        finally:
            if m.poll() is None:
                m.kill()
                m.wait()
            lines, rc = finish(t)
    assert_same(path, lines, rc)


def end_matrix():
    return [(v, mode, cmd, end) for v in VERSIONS for mode in ("launch", "attach")
            for cmd in ("top", "hotkeys", "record") for end in ENDS]


def expected_message(end, want_rc, pid, launched):
    who = f"the program (PID {pid})" if launched else f"process {pid}"
    if end == "exec":
        return f"{who} executed another program"
    if not launched:
        return f"{who} exited"
    if want_rc < 0:
        return f"{who} was killed by signal {-want_rc} "
    return f"{who} exited with status {want_rc}"


def check_end(cmd, end, path, pid, launched, rc, out, err, target_lines, target_rc):
    assert rc == 0, f"mapscope exited {rc}: {err[-800:]}"
    want_rc = assert_same(path, target_lines, target_rc, end)
    notes = [ln for ln in err.splitlines() if ln.startswith("mapscope:")]
    want = expected_message(end, want_rc, pid, launched)
    said = [ln for ln in notes if want in ln]
    assert len(said) == 1, f"stderr {notes}, want one line with {want!r}"
    if cmd == "record":
        # Its own lines: "recording PID ..." when attached, and the summary last.
        assert notes[-1].startswith("mapscope: recorded ") and len(notes) == 3 - launched, notes
        assert out, "record wrote an empty profile"
        return
    assert len(notes) == 1, notes
    r = last_json(out)
    if cmd == "top":
        assert r["stats"]["final"] and r["stats"]["exited"] and r["pid"] == pid, r["stats"]
        assert r["maps"], "top's final report has no map"
    else:
        assert sum(m["writes"] for m in r["maps"]) > 0, "hotkeys counted no write"


@cases(end_matrix)
def test_target_ends(case):
    """The target exits, execs /bin/sh, panics or aborts on a nil write while traced by top,
    hotkeys or record (-d 600): one line on stderr says which (with the status an untraced run
    gets), the final report or profile follows, exit 0, no hang; the target's own output is an
    untraced run's."""
    lib.require_root()
    version, mode, cmd, end = case
    path = binary(version)
    tmp = tempfile.mkdtemp(prefix="mapscope-safety-")
    report = os.path.join(tmp, "report")
    argv = {"top": ["top", "--json"], "hotkeys": ["hotkeys", "--budget", "100", "--json"],
            "record": ["record", "-d", "600", "-o", report]}[cmd]
    argv = [lib.MAPSCOPE] + argv
    try:
        ends_under(argv, mode, cmd, end, path, report)
    finally:
        shutil.rmtree(tmp)


def ends_under(argv, mode, cmd, end, path, report):
    """Runs one case of test_target_ends; report is top's or record's output file."""
    if mode == "launch":
        # The target shares mapscope's stdin, stdout and stderr; top's periodic reports go to a
        # file so that no line of the target's lands inside one. hotkeys reports once, after
        # the end.
        if cmd == "top":
            argv = argv + ["-o", report]
        m = subprocess.Popen(argv + ["--", path, "0", end], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = m.stdout.readline()
            assert line.startswith("ready "), f"launched target printed {line!r}"
            pid = int(line.split()[1])
            time.sleep(0.5)
            close_stdin(m)
            out, err = m.communicate(timeout=TIMEOUT)
        finally:
            if m.poll() is None:
                m.kill()
                m.wait()
        lines = [ln for ln in out.splitlines() if not ln.startswith("{")]
        if cmd != "hotkeys":
            with open(report, "rb" if cmd == "record" else "r") as f:
                out = f.read()
        check_end(cmd, end, path, pid, True, m.returncode, out, err, lines, None)
        return
    t, pid = start(path, end)
    m = subprocess.Popen(argv + ["-p", str(pid)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    first = ""
    try:
        if cmd == "top":
            # Its first report: every probe is in (the inventory's links come first, and the
            # counting links' trial attach after them took over 0.3 s on a slow host).
            first = m.stdout.readline()
        else:
            wait_links(pid, path, True)
        time.sleep(0.3)
        # The target is not reaped until mapscope is done: it ends as a zombie for mapscope.
        close_stdin(t)
        out, err = m.communicate(timeout=TIMEOUT)
        out = first + out
    finally:
        if m.poll() is None:
            m.kill()
            m.wait()
        close_stdin(t)
        tout, _ = t.communicate(timeout=TIMEOUT)
    if cmd == "record":
        with open(report, "rb") as f:
            out = f.read()
    check_end(cmd, end, path, pid, False, m.returncode, out, err, tout.splitlines(),
              t.returncode)


ATTACH_DELAYS = (0.05, 0.15, 0.3, 0.6, 1.0)  # from mapscope's start to the target's end (s)


@cases(lambda: [(VERSIONS[-1], cmd) for cmd in ("top", "hotkeys", "record")])
def test_target_ends_during_attach(case):
    """The target panics at several moments of mapscope's start (reading the binary, loading and
    attaching the probes, the first window): each time one line on stderr says the process
    exited, never that a probe could not be attached, and mapscope exits 0 (1 only when the
    process was gone before its binary could be read, which that one line says)."""
    lib.require_root()
    version, cmd = case
    path = binary(version)
    tmp = tempfile.mkdtemp(prefix="mapscope-safety-")
    argv = {"top": ["top", "--json"], "hotkeys": ["hotkeys", "--json"],
            "record": ["record", "-d", "600", "-o", os.path.join(tmp, "report")]}[cmd]
    try:
        for delay in ATTACH_DELAYS:
            t, pid = start(path, "panic")
            m = subprocess.Popen([lib.MAPSCOPE] + argv + ["-p", str(pid)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                time.sleep(delay)
                close_stdin(t)
                _, err = m.communicate(timeout=TIMEOUT)
            finally:
                if m.poll() is None:
                    m.kill()
                    m.wait()
                t.communicate(timeout=TIMEOUT)
            # record's own lines: "recording PID ..." once attached, its summary at the end.
            notes = [ln for ln in err.splitlines() if ln.startswith("mapscope:")
                     and not ln.startswith(("mapscope: recording ", "mapscope: recorded "))]
            said = [ln for ln in notes if f"process {pid} exited" in ln]
            early = said and "before mapscope could read its binary" in said[0]
            assert len(notes) == 1 and len(said) == 1, \
                f"after {delay} s: stderr {notes}, want one line saying process {pid} exited"
            assert m.returncode == (1 if early else 0), \
                f"after {delay} s: exit {m.returncode}, stderr {notes}"
    finally:
        shutil.rmtree(tmp)
