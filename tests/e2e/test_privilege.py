"""Least privilege (issue 7, docs/security.md): with every capability dropped but CAP_BPF,
CAP_PERFMON and CAP_SYS_PTRACE, as root and as an unprivileged user, `mapscope top` (attached and
launched) still reports each map's len and capacity exactly as the Go target prints them, and
`mapscope count` still counts exactly the calls the target made."""
import shutil
import subprocess

import lib
from lib import cases

CAPS = "+bpf,+perfmon,+sys_ptrace"
# uid 0 keeps only the bounding set; nobody gets the three as ambient capabilities.
AS = {
    "root": ["--bounding-set=-all," + CAPS, "--inh-caps=-all", "--ambient-caps=-all"],
    "nobody": ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all," + CAPS,
               "--ambient-caps=-all," + CAPS],
}


def setpriv(who):
    path = shutil.which("setpriv")
    assert path, "setpriv not installed (util-linux)"
    return [path, *AS[who]]


def effective_caps(who):
    out = lib.run([*setpriv(who), "grep", "^CapEff", "/proc/self/status"]).stdout.split()[1]
    return int(out, 16)


def cases_():
    return [(who, v, var) for who in AS for v, var in (("1.19", "plain"), ("1.26", "stripped"),
                                                      ("1.27", "pie"))]


def test_setpriv_drops_everything_else():
    """The restriction is real: the only effective capabilities are the three."""
    lib.require_root()
    want = (1 << 38) | (1 << 39) | (1 << 19)  # CAP_PERFMON, CAP_BPF, CAP_SYS_PTRACE
    for who in AS:
        assert effective_caps(who) == want, f"{who}: CapEff {effective_caps(who):#x}"


def check(truth, reports):
    """The last report taken while the target held its maps has every map it printed, with
    the len and capacity it printed."""
    assert len(truth) == 8, f"target printed {sorted(truth)}"
    assert reports, "no report while the target held its maps"
    maps = {m["addr"]: m for m in reports[-1]["maps"]}
    for name, (addr, n, cap) in truth.items():
        m = maps.get(addr)
        assert m is not None, f"{name} ({addr}) not reported; got {sorted(maps)}"
        assert (m["len"], m["capacity"]) == (n, cap), \
            f"{name}: mapscope len {m['len']} cap {m['capacity']}, target {n} {cap}"


def parse(lines):
    truth, reports, held = {}, [], False
    for line in lines:
        if line.startswith("truth "):
            _, name, addr, n, cap = line.split()
            truth[name] = (addr, int(n), int(cap))
            held = name == "inline"
        elif line.startswith("{") and held:
            r = lib.top_json(line)
            if not r["stats"]["final"]:
                reports.append(r)
    return truth, reports


@cases(lambda: list(AS))
def test_top_launch_with_three_capabilities(who):
    """-- PROGRAM: the program starts with every probe in place, under the same restriction."""
    lib.require_root()
    binary = lib.target("inventory", "1.23", "plain")
    p = lib.run([*setpriv(who), lib.MAPSCOPE, "top", "--json", "-i", "0.25", "--", binary,
                 "1.5"], check=False)
    assert p.returncode == 0, f"exit {p.returncode}: {p.stderr.strip()}"
    check(*parse(p.stdout.splitlines()))


@cases(cases_)
def test_top_with_three_capabilities(case):
    lib.require_root()
    who, version, variant = case
    binary = lib.target("inventory", version, variant)
    with subprocess.Popen([binary, "120"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as target:
        try:
            lines = [""]
            while not lines[-1].startswith("truth inline"):
                lines.append(target.stdout.readline().strip())
                assert lines[-1] or target.poll() is None, "the target ended early"
            p = lib.run([*setpriv(who), lib.MAPSCOPE, "top", "--json", "-i", "0.5", "-d", "3",
                         "-p", str(target.pid)], check=False)
            assert p.returncode == 0, f"exit {p.returncode}: {p.stderr.strip()}"
            check(*parse(lines + p.stdout.splitlines()))
            assert target.poll() is None, "the target ended while traced"
            target.stdin.write("stop\n")
            target.stdin.flush()
            assert target.stdout.readline().strip() == "done"
        finally:
            target.kill()


N = 20000
COUNT_OPS = ["runtime.mapassign_fast64", "runtime.mapassign_faststr",
             "runtime.mapaccess1_fast64", "runtime.mapdelete_fast64"]


@cases(lambda: list(AS))
def test_count_with_three_capabilities(who):
    """count attaches a probe per map function (uprobe_multi links, not perf events): exact
    counts of the calls the target says it made, against a run that made none."""
    lib.require_root()
    binary = lib.target("callcount", "1.26", "plain")
    got = {}
    for n in (0, N):
        p = lib.run([*setpriv(who), lib.MAPSCOPE, "count", "--json", "--role",
                     "assign,access,delete", "--", binary, str(n)], check=False)
        assert p.returncode == 0, f"exit {p.returncode}: {p.stderr.strip()}"
        lines = p.stdout.strip().splitlines()
        assert lines[0].startswith(f"calls {n} "), lines[0]
        got[n] = {f["name"]: f["calls"] for f in lib.top_json(lines[-1])["functions"]}
    for op in COUNT_OPS:
        delta = got[N].get(op, 0) - got[0].get(op, 0)
        assert delta == N, f"{op}: counted {delta} calls, the target made {N}"
