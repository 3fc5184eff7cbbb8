"""A kernel without BTF (issue 7's bad input): every tracing command says so in one line and
exits 1, whatever errno libbpf fails with (ESRCH on libbpf 1.4). Simulated in a private mount
namespace where an empty tmpfs hides /sys/kernel/btf; the rest of the system is untouched.

A kernel without uprobes cannot be simulated this way (uprobe_multi links need no sysfs file);
bpferr.c names CONFIG_UPROBES when an attach fails and the uprobe PMU is missing."""
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


@cases(lambda: sorted(COMMANDS))
def test_no_btf(cmd):
    lib.require_root()
    if not shutil.which("unshare"):
        raise AssertionError("unshare (util-linux) missing")
    target = lib.target("inventory", "1.26", "plain")
    script = ('mount -t tmpfs none /sys/kernel/btf && test ! -e /sys/kernel/btf/vmlinux && '
              'exec "$@"')
    p = lib.run(["unshare", "-m", "sh", "-c", script, "sh", lib.MAPSCOPE_SAN,
                 *COMMANDS[cmd], "--", target], check=False, timeout=120)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert len(lines) == 1, p.stderr
    assert "no BTF" in lines[0] and "CONFIG_DEBUG_INFO_BTF" in lines[0], lines[0]
    assert "runtime error" not in p.stderr and "Sanitizer" not in p.stderr, p.stderr
    # The launched program never ran: it prints its maps when it does.
    assert "truth" not in p.stdout, p.stdout
