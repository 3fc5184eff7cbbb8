"""mapscope count (root + BPF): uprobes at the sites `info` chose count every map call exactly
once. Ground truth: the target makes exactly N calls of each of seven map operations, half of them
from goroutines at varying stack depths, so that some prologues go through morestack (which
re-enters the function: a jbe site must not count those twice)."""
import json

import lib
from lib import cases

N = 20000
OPS = ["runtime.mapassign", "runtime.mapassign_fast32", "runtime.mapassign_fast64",
       "runtime.mapassign_faststr", "runtime.mapaccess1_fast64", "runtime.mapaccess2_faststr",
       "runtime.mapdelete_fast64"]


def count(binary, n):
    p = lib.run([lib.MAPSCOPE, "count", "--json", "--role", "assign,access,delete", "--",
                 binary, str(n)])
    lines = p.stdout.strip().splitlines()
    assert lines[0] == f"calls {n} {0 if n == 0 else lines[0].split()[2]}", lines[0]
    report = json.loads(lines[-1])
    return {f["name"]: f["calls"] for f in report["functions"]}, report["morestack_hits"]


@cases(lib.matrix)
def test_exact_counts(case):
    lib.require_root()
    version, variant = case
    binary = lib.target("callcount", version, variant)
    base, _ = count(binary, 0)
    got, morestack = count(binary, N)
    for op in OPS:
        delta = got.get(op, 0) - base.get(op, 0)
        assert delta == N, f"{op}: counted {delta} calls, the target made {N}"
    if version == "1.19":
        # Go 1.19 has no push %rbp: the sites are jbe's, and the target provokes morestack.
        assert morestack > 0, "no morestack hit seen: the jbe filter was not exercised"
