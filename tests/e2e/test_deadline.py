"""-d with a launched program that would run for ever (zipfkeys rate writes until the end of its
input, which the test keeps open): every command that launches returns after its final report,
the program sent SIGTERM and reaped; with --leave-running it keeps running, and the test ends it
by its PID. No timing assertion: lib.run's timeout only stops a hang."""
import os
import signal
import subprocess
import tempfile

import lib
from lib import cases

COMMANDS = {
    "top": ["top", "--json", "-d", "2"],
    "hotkeys": ["hotkeys", "--json", "-d", "2"],
    "record": ["record", "-d", "2"],
}


def child_of(ppid):
    """The zipfkeys that process ppid launched, or None."""
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == ppid and b"zipfkeys" in cmd:
            return int(d)
    return None


def launch(argv):
    """Runs mapscope on a launched zipfkeys rate whose input stays open; returns its exit code,
    the launched program's PID (mapscope's child while it ran), whether that program was still
    running when mapscope had returned (its input still open), and mapscope's stderr."""
    binary = lib.target("zipfkeys", "1.26", "plain")
    pid = None
    with subprocess.Popen([lib.MAPSCOPE] + argv + ["--", binary, "rate"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True) as p:
        try:
            while p.poll() is None and pid is None:
                pid = child_of(p.pid)
            rc = p.wait(timeout=60)
            running = pid is not None and not gone(pid)
        finally:
            if p.poll() is None:
                p.kill()
            p.stdin.close()
        err = p.stderr.read()
    assert pid, f"never saw the launched program; mapscope: {err[-2000:]}"
    return rc, pid, running, err


def gone(pid):
    """The PID is no longer the zipfkeys launched (gone, or reused by another program)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"zipfkeys" not in f.read()
    except OSError:
        return True


@cases(lambda: list(COMMANDS))
def test_deadline_ends_the_program(cmd):
    lib.require_root()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        rc, pid, running, err = launch(COMMANDS[cmd] + (["-o", out] if cmd != "hotkeys" else []))
        assert rc == 0, err[-2000:]
        assert not running, f"the launched program {pid} still ran after -d"
        if cmd == "top":
            with open(out) as f:
                reports = [lib.top_json(line) for line in f]
            assert reports and reports[-1]["stats"]["final"], reports[-1:]
            assert reports[-1]["pid"] == pid, (reports[-1]["pid"], pid)


def test_leave_running():
    lib.require_root()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        rc, pid, running, err = launch(["top", "--json", "-d", "1", "--leave-running", "-o",
                                        out])
        try:
            assert rc == 0, err[-2000:]
            assert running, "the launched program was ended despite --leave-running"
        finally:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
