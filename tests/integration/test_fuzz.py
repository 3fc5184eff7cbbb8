"""A short pass of every libFuzzer target (tests/fuzz/, issue 7): the regression inputs of earlier
crashes replay cleanly, and a few seconds of fuzzing from the seeds (cut from the Go test binaries,
and maps and types built in their real layouts) find no crash, sanitizer report, leak, timeout or
oversized allocation. `make fuzz` runs the same targets for longer."""
import os
import re
import sys

import lib
from lib import cases

RUN = os.path.join(lib.ROOT, "tests", "fuzz", "run.py")
REGRESS = os.path.join(lib.ROOT, "tests", "fuzz", "regress")
TARGETS = ["elf", "buildinfo", "pclntab", "prologue", "gotype", "mapread", "mapwalk"]
SECONDS = int(os.environ.get("MAPSCOPE_FUZZ_SECONDS", "4"))


def build():
    lib.run(["make", "-s", "-j2", "fuzz-build"], cwd=lib.ROOT, timeout=900)


def fuzz(target, seconds):
    p = lib.run([sys.executable, RUN, "--fresh", "--seconds", str(seconds), target], check=False,
                cwd=lib.ROOT, timeout=900)
    line = [ln for ln in p.stdout.splitlines() if f"fuzz_{target}:" in ln]
    assert p.returncode == 0 and line and line[0].startswith("ok "), \
        f"fuzz_{target}: exit {p.returncode}\n{p.stdout[-4000:]}\n{p.stderr[-2000:]}"
    m = re.search(r"(\d+) regression inputs, (\d+) runs", line[0])
    return int(m.group(1)), int(m.group(2))


def test_regressions_replay():
    """Every kept crasher is replayed and passes; each target that ever crashed keeps one."""
    build()
    kept = {t: len(os.listdir(os.path.join(REGRESS, t))) for t in TARGETS
            if os.path.isdir(os.path.join(REGRESS, t))}
    assert kept, "no regression inputs in tests/fuzz/regress/"
    for t in kept:
        n, runs = fuzz(t, 0)
        assert n == kept[t] and runs == 0, (t, n, kept[t], runs)


@cases(lambda: TARGETS)
def test_short_fuzz(target):
    build()
    # The seeds come from the Go test binaries: they must be there, or the pass is too shallow.
    lib.target("mapzoo", "1.26", "pie")
    _, runs = fuzz(target, SECONDS)
    assert runs > 0, f"fuzz_{target} ran no input"
