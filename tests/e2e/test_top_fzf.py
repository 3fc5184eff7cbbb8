"""mapscope top on a real program nobody here wrote: Debian's fzf (bookworm's go1.19 build and
forky's stripped go1.27 build) filtering a large generated input. Ground truth: fzf's own output
without mapscope (it must be byte-identical with mapscope attached), and the binary's own type
name data (every type mapscope reports is a string the Go linker wrote into fzf)."""
import os
import random
import re
import tempfile

import lib
from lib import cases

from test_fzf import fzf, SUITES  # noqa: E402  (tests/integration on sys.path)

# A map literal type, or a named map type as Go prints it (fzf's util.Events).
TYPE_RE = re.compile(r"^(map\[.+\].+|[\w./]+\.\w+)$")


def make_input(path, n=300000):
    rng = random.Random(42)
    words = ["alpha", "beta", "gamma", "delta", "main.go", "cache", "server", "user", "map"]
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"{rng.choice(words)}/{rng.choice(words)}-{i}/{rng.randrange(1 << 30):x}\n")


@cases(lambda: sorted(SUITES))
def test_top_fzf(suite):
    lib.require_root()
    binary = fzf(suite)
    with open(binary, "rb") as f:
        image = f.read()
    with tempfile.TemporaryDirectory() as d:
        data, plain, traced, report = (os.path.join(d, x) for x in
                                       ("in", "plain.out", "traced.out", "top.json"))
        make_input(data)
        with open(data) as src, open(plain, "w") as dst:
            lib.run([binary, "--filter", "am"], stdin=src, stdout=dst, capture_output=False)
        with open(data) as src, open(traced, "w") as dst:
            lib.run([lib.MAPSCOPE, "top", "--json", "-i", "0.1", "-o", report, "--", binary,
                     "--filter", "am"], stdin=src, stdout=dst, capture_output=False)
        with open(plain, "rb") as a, open(traced, "rb") as b:
            out_plain, out_traced = a.read(), b.read()
        assert out_plain, "fzf printed nothing: the filter matched no line"
        assert out_traced == out_plain, "fzf's output differs with mapscope attached"
        with open(report) as f:
            reports = [lib.top_json(line) for line in f]
    maps = {}
    for r in reports:
        maps.update({m["addr"]: m for m in r["maps"]})
    typed = [m for m in maps.values() if m["type"]]
    assert len(typed) >= 3, f"only {len(typed)} typed maps: {sorted(maps)}"
    for m in typed:
        assert TYPE_RE.match(m["type"]), m["type"]
        assert m["type"].encode() in image, f"{m['type']} is not a type name in {binary}"
        assert m["len"] <= m["capacity"] or m["capacity"] == 0, m
    assert any(m["site_origin"] == "created" and m["site"] for m in typed), \
        "no map with a creation site"
