"""A kernel without BTF or without uprobes (issue 7's bad input): every tracing command says so
in one line naming the kernel option, exits 1, and the launched program never runs.

Both are simulated for mapscope alone, in a private mount namespace (the rest of the system is
untouched): an empty tmpfs hides /sys/kernel/btf; for uprobes, another hides the perf PMUs
(/sys/bus/event_source/devices) and tests/e2e/helpers/nouprobes.c runs mapscope under a seccomp
filter failing bpf(BPF_LINK_CREATE) and perf_event_open with EOPNOTSUPP, as such a kernel
does."""
import os
import shutil

import lib
from lib import cases

COMMANDS = {
    "top": ["top", "--no-tui", "-d", "1"],
    "hotkeys": ["hotkeys", "-d", "1"],
    "record": ["record", "-d", "1", "-o", "/dev/null", "--format", "folded"],
    "count": ["count", "-d", "1"],
    "export": ["export", "-d", "1", "--listen", "127.0.0.1:0"],
}


def run_hidden(cmd, hide, wrapper=()):
    """mapscope CMD -- the inventory target, with the directory hide covered by an empty tmpfs
    in a private mount namespace; wrapper runs before mapscope."""
    lib.require_root()
    if not shutil.which("unshare"):
        raise AssertionError("unshare (util-linux) missing")
    target = lib.target("inventory", "1.26", "plain")
    script = f'mount -t tmpfs none {hide} && exec "$@"'
    p = lib.run(["unshare", "-m", "sh", "-c", script, "sh", *wrapper, lib.MAPSCOPE_SAN,
                 *COMMANDS[cmd], "--", target], check=False, timeout=120)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert len(lines) == 1, p.stderr
    assert "runtime error" not in p.stderr and "Sanitizer" not in p.stderr, p.stderr
    # The launched program never ran: it prints its maps when it does.
    assert "truth" not in p.stdout, p.stdout
    return lines[0]


@cases(lambda: sorted(COMMANDS))
def test_no_btf(cmd):
    line = run_hidden(cmd, "/sys/kernel/btf")
    assert "no BTF" in line and "CONFIG_DEBUG_INFO_BTF" in line, line


def nouprobes():
    src = os.path.join(lib.ROOT, "tests", "e2e", "helpers", "nouprobes.c")
    out = os.path.join(lib.BUILD, "tmp", "nouprobes")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    lib.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out, src])
    return out


@cases(lambda: sorted(COMMANDS))
def test_no_uprobes(cmd):
    line = run_hidden(cmd, "/sys/bus/event_source/devices", wrapper=[nouprobes()])
    assert "no uprobes" in line and "CONFIG_UPROBES" in line, line
