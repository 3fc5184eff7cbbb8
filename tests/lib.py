"""Helpers shared by mapscope's integration and e2e tests."""
import functools
import json
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
MAPSCOPE = os.path.join(BUILD, "mapscope")
MAPSCOPE_SAN = os.path.join(BUILD, "san", "mapscope")
GO_VERSIONS = os.environ.get("MAPSCOPE_GO_VERSIONS", "1.19 1.21 1.22 1.23 1.24 1.26 1.27").split()
VARIANTS = ["plain", "stripped", "pie", "cgo"]
IN_CI = os.environ.get("CI") == "true"
# The test-only knob that makes every probe hit dearer (docs/calibrate.md) is refused without
# this: every test may use it, and tests of counts and budgets run at SLOW as well, so that a
# slow host's failures show on any host.
os.environ["MAPSCOPE_TESTING"] = "1"
SLOW = 5


def hit_scale(scale):
    """The environment for mapscope with every probe hit `scale` times as dear."""
    env = dict(os.environ)
    env.pop("MAPSCOPE_TEST_HIT_SCALE", None)
    if scale != 1:
        env["MAPSCOPE_TEST_HIT_SCALE"] = str(scale)
    return env


class Skip(Exception):
    """Raised by a test that cannot run here; the message says why."""


def cases(gen):
    """Parametrizes a test: gen() yields the case values; the runner calls fn(case)."""
    def deco(fn):
        fn.cases = gen
        return fn
    return deco


def case_name(case):
    if isinstance(case, (tuple, list)):
        return ",".join(str(c) for c in case)
    return str(case)


def matrix():
    return [(v, var) for v in GO_VERSIONS for var in VARIANTS]


def target(prog, version, variant):
    """Path of a Go test target built by scripts/go-targets."""
    path = os.path.join(BUILD, "go", prog, f"go{version}", variant, prog)
    if not os.path.exists(path):
        raise AssertionError(f"{path} missing: scripts/go-targets did not build it")
    return path


def gobin(version):
    return f"/usr/lib/go-{version}/bin/go"


def run(argv, check=True, **kw):
    """Runs argv, returning CompletedProcess with text output."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    p = subprocess.run(argv, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()[:2000]}")
    return p


@functools.lru_cache(maxsize=None)
def go_nm(version, binary):
    """{name: (addr, size)} of text symbols, from `go tool nm -size` (the ground truth)."""
    out = run([gobin(version), "tool", "nm", "-size", binary]).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and f[2] in ("T", "t"):
            syms.setdefault(f[3], (int(f[0], 16), int(f[1])))
    return syms


def require_root():
    """Skips unless root; in CI (which runs as root) a missing privilege is a failure."""
    if os.geteuid() != 0:
        if IN_CI:
            raise AssertionError("CI must run as root")
        raise Skip("needs root for BPF and uprobes (CI runs as root)")


def assert_one_line(p, rc, *words):
    """A failed command's contract: exit code rc and exactly one stderr line, "mapscope: ..."
    holding every word."""
    lines = p.stderr.strip().splitlines()
    assert p.returncode == rc, f"exit {p.returncode}, want {rc}; stderr: {p.stderr[-3000:]}"
    assert len(lines) == 1, f"want one stderr line, got {len(lines)}: {p.stderr[-3000:]}"
    assert lines[0].startswith("mapscope: "), lines[0]
    for w in words:
        assert w in lines[0], f"'{w}' not in '{lines[0]}'"


def bpftool_json(*args):
    """bpftool's JSON for args ("link", "show"): the kernel's objects of that kind, a list."""
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    return json.loads(run([bpftool, *args, "-j"]).stdout or "[]")


def top_json(line):
    """One JSON line of mapscope's output, parsed. A top report's maps are expanded from their
    compact form (docs/top.md, "JSON"): each map object is the report's map_defaults with the
    members it lists, plus type, key_kind, site, site_file and held_by from its sites row, and
    type_candidates from the report's candidates lists."""
    r = json.loads(line)
    defaults = r.get("map_defaults")
    if defaults is None:
        return r
    sites = r.get("sites") or []
    lists = r.get("candidates") or []
    full = []
    for m in r["maps"]:
        x = dict(defaults, **m)
        cid = x.pop("candidates_id", None)
        x["type_candidates"] = lists[cid] if cid is not None else None
        row = sites[x["site_id"]] if x["site_id"] is not None else {}
        for k in ("type", "key_kind", "site", "site_file", "held_by"):
            x[k] = row.get(k)
        full.append(x)
    r["maps"] = full
    return r


def zipf_writes(lines):
    """zipfkeys' steps ("writes N") from its output lines, read up to its "done" line; None if
    it printed none."""
    writes = None
    for line in lines:
        if line.startswith("writes "):
            writes = int(line.split()[1])
        if line.strip() == "done":
            break
    return writes
