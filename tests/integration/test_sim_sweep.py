"""mapscope sim sweep: overflow probability against load factor, CSV/JSON and the SVG chart.

Ground truth: for Go's hashes (AES, both fallbacks) every point must sit on Poisson's tail
P(X > 8), X ~ Poisson(load), within 5 standard errors (the seed is fixed: deterministic)."""
import csv
import io
import json
import math
import os
import tempfile
import xml.dom.minidom

import lib


def sweep(*argv):
    return lib.run([lib.MAPSCOPE, "sim", "sweep", "--seed", "2"] + list(argv)).stdout


def test_sweep_follows_poisson_for_go_hashes():
    m = 1 << 18
    rows = list(csv.DictReader(io.StringIO(sweep("--buckets", str(m), "--from", "1", "--to",
                                                 "8", "--step", "0.5",
                                                 "--hash", "fallback,fallback-old"))))
    assert len(rows) == 2 * 15, len(rows)
    for r in rows:
        load = float(r["load"])
        p = 1 - sum(math.exp(-load) * load ** k / math.factorial(k) for k in range(9))
        assert abs(float(r["poisson_overflow_fraction"]) - p) < 1e-6
        se = math.sqrt(p * (1 - p) / m)
        assert abs(float(r["overflow_fraction"]) - p) <= 5 * se + 1e-6, (r, p)


def test_sweep_json_svg_and_weak_hashes():
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "chart.svg")
        out = json.loads(sweep("--buckets", "2^14", "--from", "4", "--to", "7", "--step", "1",
                               "--hash", "fallback,identity", "--json", "--svg", svg))
        doc = xml.dom.minidom.parse(svg)
        # one line per hash plus Poisson's
        assert len(doc.getElementsByTagName("polyline")) == 3
    pts = out["points"]
    assert [p["load"] for p in pts] == [4, 5, 6, 7] * 2
    # identity over sequential int64 keys fills every bucket evenly: nothing overflows below 8
    assert all(p["overflow_fraction"] == 0 for p in pts if p["hash"] == "identity")
    assert all(p["overflow_fraction"] > 0 for p in pts if p["hash"] == "fallback")


def test_sweep_swiss():
    rows = list(csv.DictReader(io.StringIO(sweep("--layout", "swiss", "--buckets", "2^14",
                                                 "--hash", "fallback", "--step", "0.5"))))
    assert rows and all(r["layout"] == "swiss" and r["poisson_overflow_fraction"] == ""
                        for r in rows)
    fr = [float(r["overflow_fraction"]) for r in rows]
    assert fr == sorted(fr) and fr[-1] > fr[0]  # fuller tables push more keys along the probe


def test_sweep_usage_errors():
    p = lib.run([lib.MAPSCOPE, "sim", "sweep", "--layout", "swiss", "--to", "8"], check=False)
    assert p.returncode == 2 and "< 8" in p.stderr, p.stderr
    p = lib.run([lib.MAPSCOPE, "sim", "sweep", "--hash", "aes,crc"], check=False)
    assert p.returncode == 2 and "--hash takes" in p.stderr, p.stderr
