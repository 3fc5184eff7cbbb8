#!/usr/bin/env python3
"""mapscope's test runner.

Runs, in order: the C unit tests (build/san/tests/test_*, built with ASan + UBSan), then every
test_* function of tests/integration/test_*.py (no root needed) and tests/e2e/test_*.py (root
and BPF). Prints one line per test and ends with exactly one line `N passed, N failed, N skipped`.
Exit status 1 if anything failed.

Usage: tests/run.py [-k SUBSTRING] [-v]
"""
import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import lib  # noqa: E402


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def record(self, name, status, detail=""):
        if status == "PASS":
            self.passed += 1
        elif status == "SKIP":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(name)
        line = f"{status} {name}"
        if detail:
            line += f": {detail}"
        print(line, flush=True)


def run_unit(res, pattern):
    bindir = os.path.join(ROOT, "build", "san", "tests")
    if not os.path.isdir(bindir):
        res.record("unit", "FAIL", "build/san/tests missing: run 'make san'")
        return
    for name in sorted(os.listdir(bindir)):
        path = os.path.join(bindir, name)
        if not name.startswith("test_") or not os.access(path, os.X_OK):
            continue
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
        p = subprocess.run([path], cwd=ROOT, capture_output=True, text=True, env=env,
                           timeout=600)
        seen = 0
        for line in p.stdout.splitlines():
            m = re.match(r"^(ok|not ok|skip) - (.*?)(?: # (.*))?$", line)
            if not m:
                continue
            tname = f"unit/{name}/{m.group(2)}"
            if pattern and pattern not in tname:
                continue
            seen += 1
            status = {"ok": "PASS", "not ok": "FAIL", "skip": "SKIP"}[m.group(1)]
            res.record(tname, status, m.group(3) or "")
        if p.returncode != 0:
            tail = (p.stderr.strip().splitlines() or ["(no output)"])[-15:]
            res.record(f"unit/{name}", "FAIL",
                       f"exit {p.returncode}\n    " + "\n    ".join(tail))
        elif seen == 0 and not pattern:
            res.record(f"unit/{name}", "FAIL", "ran no test")


def load_module(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_python(res, pattern, verbose):
    for group in ("integration", "e2e"):
        d = os.path.join(ROOT, "tests", group)
        for fname in sorted(os.listdir(d)):
            if not (fname.startswith("test_") and fname.endswith(".py")):
                continue
            try:
                mod = load_module(os.path.join(d, fname))
            except Exception:
                res.record(f"{group}/{fname}", "FAIL", "import failed\n" + traceback.format_exc())
                continue
            for attr in sorted(dir(mod)):
                fn = getattr(mod, attr)
                if not attr.startswith("test_") or not callable(fn):
                    continue
                cases = getattr(fn, "cases", None)
                for case in (cases() if cases else [None]):
                    tname = f"{group}/{fname[:-3]}/{attr}"
                    if case is not None:
                        tname += f"[{lib.case_name(case)}]"
                    if pattern and pattern not in tname:
                        continue
                    t0 = time.monotonic()
                    try:
                        fn() if case is None else fn(case)
                        res.record(tname, "PASS",
                                   f"{time.monotonic() - t0:.1f}s" if verbose else "")
                    except lib.Skip as e:
                        res.record(tname, "SKIP", str(e))
                    except AssertionError as e:
                        res.record(tname, "FAIL", str(e) or traceback.format_exc(limit=3))
                    except Exception:
                        res.record(tname, "FAIL", traceback.format_exc(limit=5))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", dest="pattern", default="")
    ap.add_argument("-v", dest="verbose", action="store_true")
    args = ap.parse_args()
    res = Results()
    run_unit(res, args.pattern)
    run_python(res, args.pattern, args.verbose)
    if res.failures:
        print("\nfailed:\n  " + "\n  ".join(res.failures))
    print(f"{res.passed} passed, {res.failed} failed, {res.skipped} skipped")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
