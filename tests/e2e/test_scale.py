"""A server's worth of maps (root + BPF): tests/go/manymaps makes 100,000 maps from four
goroutines in batches (most of 0-8 entries, some of hundreds, a few of 20,000), grows 100 of
them for a second, then prints every map's address and len. Launched under `top --json`, the
final report must hold every one of them with the target's own len, nothing dropped, and its
sites view must add up to the same maps and entries."""
import os
import subprocess
import tempfile

import lib
from lib import cases

N = 100000


@cases(lambda: [v for v in ("1.19", "1.26") if v in lib.GO_VERSIONS])
def test_100k_maps(version):
    lib.require_root()
    binary = lib.target("manymaps", version, "plain")
    with tempfile.TemporaryDirectory(prefix="mapscope-scale-") as tmp:
        out = os.path.join(tmp, "top.json")
        top = subprocess.Popen([lib.MAPSCOPE, "top", "--json", "-i", "5", "-o", out, "--",
                                binary, str(N)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        truth, done = {}, None
        try:
            for line in top.stdout:
                f = line.split()
                if f[0] == "map":
                    truth[f[1]] = int(f[2])
                elif f[0] == "done":
                    done = (int(f[1]), int(f[2]))
                    break
            _, err = top.communicate(input="\n", timeout=300)
        finally:
            if top.poll() is None:
                top.kill()
                top.wait()
        assert done and done[0] == N == len(truth), (done, len(truth))
        assert top.returncode == 0, err[-2000:]
        with open(out) as f:
            last = lib.top_json(f.readlines()[-1])
    assert last["stats"]["final"] and last["stats"]["dropped"] == 0, last["stats"]
    got = {m["addr"]: m["len"] for m in last["maps"]}
    missing = [a for a in truth if a not in got]
    wrong = [(a, got[a], n) for a, n in truth.items() if a in got and got[a] != n]
    assert not missing and not wrong, (f"{len(missing)} of {N} maps missing (e.g. "
                                       f"{missing[:3]}), {len(wrong)} with a wrong len (e.g. "
                                       f"{wrong[:3]})")
    mine = [s for s in last["sites"] if s["site"] in ("main.makeInts", "main.makeStrs")]
    assert sum(s["maps"] for s in mine) == N, mine
    assert sum(s["entries"] for s in mine) == done[1], (mine, done)
