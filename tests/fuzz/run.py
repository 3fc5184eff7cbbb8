#!/usr/bin/env python3
"""Runs the libFuzzer targets (build/fuzz/fuzz_*, from `make fuzz-build`): first replays every
regression input in tests/fuzz/regress/<target>/, then fuzzes each target for --seconds from its
seeds (seeds.py, regenerated here) and the corpus it kept from earlier runs (build/fuzz/corpus/).
A crash, sanitizer report, leak, timeout or excess allocation is kept in
build/fuzz/crashes/<target>/ and fails the run; copy it into tests/fuzz/regress/<target>/ once the parser is fixed.

Usage: tests/fuzz/run.py [--seconds N] [--fresh] [TARGET...]   (exit 1 on any finding)
--fresh starts from the seeds alone, in a corpus emptied first (the test run's short pass: its
time does not grow with the kept corpus)."""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FUZZ = os.path.join(ROOT, "build", "fuzz")
TARGETS = ["elf", "buildinfo", "pclntab", "prologue", "gotype", "mapread", "mapwalk"]
# Each input must finish in 10 s and allocate at most 2 GiB at once (a garbage length in a
# header must not make mapscope allocate more than the target holds).
LIMITS = ["-timeout=10", "-rss_limit_mb=2560", "-malloc_limit_mb=2048"]


def binary(target):
    path = os.path.join(FUZZ, f"fuzz_{target}")
    if not os.access(path, os.X_OK):
        raise SystemExit(f"{path} missing: run 'make fuzz-build'")
    return path


def env():
    return dict(os.environ, ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0",
                UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")


def tail(text, n=25):
    return "\n    ".join(text.strip().splitlines()[-n:])


def replay(target):
    """Every regression input once; returns (count, error or None)."""
    d = os.path.join(HERE, "regress", target)
    files = sorted(os.listdir(d)) if os.path.isdir(d) else []
    if not files:
        return 0, None
    # Each ran in milliseconds once fixed; the slow ones took seconds (an overflow cycle: 10 s).
    limits = [a for a in LIMITS if not a.startswith("-timeout=")] + ["-timeout=3"]
    p = subprocess.run([binary(target), *limits, "-runs=0", d], capture_output=True, text=True,
                       env=env(), timeout=600)
    if p.returncode != 0:
        return len(files), f"regression input fails (exit {p.returncode}):\n    {tail(p.stderr)}"
    return len(files), None


def fuzz(target, seconds, fresh):
    """Returns (execs, error or None)."""
    corpus = os.path.join(FUZZ, "fresh-corpus" if fresh else "corpus", target)
    if fresh:
        shutil.rmtree(corpus, ignore_errors=True)
    crashes = os.path.join(FUZZ, "crashes", target)
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    dirs = [corpus] + [d for d in (os.path.join(FUZZ, "seeds", target),
                                   os.path.join(HERE, "regress", target)) if os.path.isdir(d)]
    argv = ["nice", "-n", "10", binary(target), *LIMITS, f"-max_total_time={seconds}",
            f"-artifact_prefix={crashes}/", "-print_final_stats=1", *dirs]
    p = subprocess.run(argv, capture_output=True, text=True, env=env(),
                       timeout=seconds * 3 + 600)
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", p.stderr)
    execs = int(m.group(1)) if m else 0
    if p.returncode != 0:
        arts = re.findall(r"Test unit written to (\S+)", p.stderr)
        return execs, (f"exit {p.returncode}, input kept in {arts[-1] if arts else crashes}:"
                       f"\n    {tail(p.stderr)}")
    return execs, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("targets", nargs="*", default=TARGETS)
    a = ap.parse_args()
    subprocess.run([sys.executable, os.path.join(HERE, "seeds.py"),
                    os.path.join(FUZZ, "seeds")], check=True)
    bad = 0
    for t in a.targets:
        n, err = replay(t)
        if err is None and a.seconds > 0:
            execs, err = fuzz(t, a.seconds, a.fresh)
        else:
            execs = 0
        status = "FAIL" if err else "ok"
        print(f"{status} fuzz_{t}: {n} regression inputs, {execs} runs in {a.seconds} s"
              + (f": {err}" if err else ""), flush=True)
        bad += err is not None
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
