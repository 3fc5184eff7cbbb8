"""valgrind (memcheck, full leak check) on the parsers' unit tests built without sanitizers into
build/valgrind/ (`make valgrind`; issue 7): no invalid read or write, no use of uninitialised
memory, no leak, and every unit test still passes under it. A planted leak proves valgrind is
actually checking."""
import os
import re
import shutil

import lib
from lib import cases

BIN = os.path.join(lib.BUILD, "valgrind", "tests")
# The readers of binaries and of target memory, and the writers of what they read; test_sim is the
# simulator's Monte Carlo (no parser, and minutes under valgrind).
TESTS = ["test_inspect", "test_mapwalk", "test_goheap", "test_json", "test_forecast",
         "test_pprof"]
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible", "--track-origins=yes", "-q"]


def build():
    assert shutil.which("valgrind"), "valgrind not installed (scripts/install-deps installs it)"
    lib.run(["make", "-s", "-j2", "valgrind"], cwd=lib.ROOT, timeout=900)


@cases(lambda: TESTS)
def test_memcheck(name):
    build()
    path = os.path.join(BIN, name)
    assert os.access(path, os.X_OK), f"{path} missing"
    p = lib.run(["nice", "-n", "10", *VALGRIND, path], check=False, cwd=lib.ROOT, timeout=900)
    errs = [ln for ln in p.stderr.splitlines() if ln.startswith("==")]
    assert p.returncode == 0 and not errs, f"{name}: exit {p.returncode} under valgrind:\n" + \
        "\n".join(errs[:80] or [p.stderr[-3000:]])
    ok = len(re.findall(r"^ok - ", p.stdout, re.M))
    bad = re.findall(r"^not ok - .*$", p.stdout, re.M)
    assert ok > 0 and not bad, f"{name}: {ok} passed, failed: {bad}"


def test_memcheck_catches_planted_leak():
    build()
    work = os.path.join(lib.BUILD, "tmp", "valgrind")
    os.makedirs(work, exist_ok=True)
    src, exe = os.path.join(work, "leak.c"), os.path.join(work, "leak")
    with open(src, "w") as f:
        f.write("#include <stdlib.h>\nint main(void){char *p = malloc(64); p[0] = 1;"
                " return p[1] == 7;}\n")
    lib.run(["cc", "-O0", "-g", "-o", exe, src])
    p = lib.run([*VALGRIND, exe], check=False)
    assert p.returncode == 99, f"valgrind missed a leak and an uninitialised read: {p.stderr}"
