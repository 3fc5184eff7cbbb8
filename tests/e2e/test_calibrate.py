"""mapscope calibrate (root + BPF): the host's probe cost measured at run time, and the
test-only knob that makes every hit dearer. No timing assertion: the figures are only checked
for being measured and for the knob's spin being in place."""
import json
import os

import lib


def calibrate(scale=1):
    p = lib.run([lib.MAPSCOPE, "calibrate", "--json"], env=lib.hit_scale(scale))
    return json.loads(p.stdout)


def test_measured():
    """Both kinds of site are measured (a trap costs something), and without the knob nothing
    spins."""
    lib.require_root()
    c = calibrate()
    assert c["trap_push_ns"] > 0 and c["trap_jcc_ns"] > 0 and c["hit_ns"] > 0, c
    assert c["test_spin_ns"] == 0, c


def test_knob():
    """MAPSCOPE_TEST_HIT_SCALE=5: every program spins four times the hit it measured first, and
    the trap it then measures includes the spin (so every budget and scale sees a slow host)."""
    lib.require_root()
    c = calibrate(lib.SLOW)
    assert abs(c["test_spin_ns"] - (lib.SLOW - 1) * c["hit_ns"]) <= 1, c
    for site in ("trap_push_ns", "trap_jcc_ns"):
        assert c[site] > c["test_spin_ns"], c


def test_knob_refused():
    """Outside tests the knob is a usage error, before any command runs: one line, exit 2."""
    env = lib.hit_scale(lib.SLOW)
    env.pop("MAPSCOPE_TESTING")
    for argv in (["calibrate"], ["info", "/bin/true"]):
        p = lib.run([lib.MAPSCOPE] + argv, check=False, env=env)
        lib.assert_one_line(p, 2, "MAPSCOPE_TEST_HIT_SCALE", "test-only")
    env = lib.hit_scale("fast")
    p = lib.run([lib.MAPSCOPE, "calibrate"], check=False, env=env)
    lib.assert_one_line(p, 2, "MAPSCOPE_TEST_HIT_SCALE", "from 1 to 50")


def test_usage():
    for argv in (["--bogus"], ["extra"]):
        p = lib.run([lib.MAPSCOPE, "calibrate"] + argv, check=False)
        assert p.returncode == 2, (argv, p.returncode)
        assert len(p.stderr.strip().splitlines()) == 1, (argv, p.stderr)
    p = lib.run([lib.MAPSCOPE, "calibrate", "--help"])
    assert "Usage: mapscope calibrate" in p.stdout
    assert os.path.exists(os.path.join(lib.ROOT, "docs", "calibrate.md"))
