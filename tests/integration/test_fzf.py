"""mapscope info on real programs nobody here wrote: Debian's fzf, bookworm's build (go1.19) and
forky's (go1.27, stripped, cgo). Ground truth: `go version` for the version, binutils' objdump for
the instructions at every reported address."""
import json
import os
import re

import lib
from lib import cases

from test_info import disassemble, PUSH_RE, JBE_RE  # noqa: E402  (tests/integration on sys.path)

SUITES = {"bookworm": ("1.19", "classic"), "forky": ("1.27", "swiss")}


def fzf(suite):
    path = os.path.join(lib.BUILD, "fzf", suite, "usr", "bin", "fzf")
    if not os.path.exists(path):
        lib.run([os.path.join(lib.ROOT, "scripts", "fetch-fzf")])
    return path


STACK_CHECK = [re.compile(r"^cmp 0x10\(%r14\),%rsp$"), re.compile(r"^lea -?0x[0-9a-f]+\(%rsp\),%r12$")]


@cases(lambda: sorted(SUITES))
def test_fzf(suite):
    version, layout = SUITES[suite]
    binary = fzf(suite)
    report = json.loads(lib.run([lib.MAPSCOPE, "info", "--json", binary]).stdout)
    gv = lib.run([lib.gobin("1.27"), "version", binary]).stdout.split(": ", 1)[1].strip()
    assert report["go_version"] == gv and gv.startswith(f"go{version}."), (report["go_version"], gv)
    assert report["layout"] == layout
    assert report["supported"] is True, report.get("reason")
    assert len(report["functions"]) >= 25, [f["name"] for f in report["functions"]]
    for f in report["functions"]:
        addr = int(f["addr"], 16)
        insns = disassemble(binary, addr, addr + min(f["size"], 64))
        first = insns.get(0, "")
        if f["probe_insn"] is None:
            assert not first.startswith("cmp"), f"{f['name']}: stack check but no probe site"
            continue
        assert any(r.match(first) for r in STACK_CHECK), f"{f['name']}: starts with '{first}'"
        want = PUSH_RE if f["probe_insn"] == "push" else JBE_RE
        assert want.match(insns.get(f["probe_offset"], "")), f"{f['name']}: probe site"
