"""mapscope never writes into a target's memory (issue 7): strace records every syscall that
could (process_vm_writev, ptrace, opening /proc/PID/mem or /proc/PID/task/*/mem for writing)
while top, hotkeys at --budget 100, record, peek and export trace a running program. None may
appear; the accesses that do happen (process_vm_readv, /proc/PID/ files) prove the trace saw
mapscope's."""
import os
import re
import shutil
import subprocess
import tempfile

import lib
from lib import cases

COMMANDS = {
    "top": ["top", "--no-tui", "-d", "3"],
    "hotkeys": ["hotkeys", "--budget", "100", "-d", "3"],
    "record": ["record", "-d", "3", "-o", "/dev/null", "--format", "folded"],
    "export": ["export", "-d", "3", "--listen", "127.0.0.1:0", "-i", "0.5"],
    "peek": ["peek", "-n", "50"],
}
WRITES = re.compile(r"process_vm_writev|ptrace\(PTRACE_POKE|ptrace\(PTRACE_SET|"
                    r'open(at)?\([^)]*"/proc/\d+/(task/\d+/)?mem"[^)]*O_(WRONLY|RDWR)')


@cases(lambda: sorted(COMMANDS))
def test_never_writes(cmd):
    lib.require_root()
    if not shutil.which("strace"):
        raise AssertionError("strace missing: scripts/install-deps installs it")
    target = subprocess.Popen([lib.target("peekmaps", "1.26", "plain")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        ints = None
        for line in target.stdout:
            f = line.split()
            if f[:2] == ["map", "ints"]:
                ints = f[2]
            if line.strip() == "ready":
                break
        assert ints, "the target printed no map"
        args = COMMANDS[cmd] + ["-p", str(target.pid)]
        if cmd == "peek":
            args += ["--map", ints]
        with tempfile.NamedTemporaryFile(prefix="mapscope-strace-", mode="r") as log:
            p = lib.run(["strace", "-f", "-qq", "-o", log.name, "-e",
                         "trace=process_vm_writev,process_vm_readv,ptrace,open,openat",
                         lib.MAPSCOPE, *args], check=False, timeout=180)
            trace = log.read()
        assert p.returncode == 0, (p.returncode, p.stderr)
        pid = str(target.pid)
        assert f"process_vm_readv({pid}" in trace or f'"/proc/{pid}/' in trace, \
            "no access to the target in the trace: strace saw nothing"
        bad = [ln for ln in trace.splitlines() if WRITES.search(ln)]
        assert not bad, f"{cmd} wrote to the target: {bad[:5]}"
        assert target.poll() is None, "the target died"
    finally:
        if target.poll() is None:
            target.stdin.write("stop\n")
            target.stdin.flush()
        target.wait(timeout=30)
