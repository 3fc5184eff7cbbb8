"""mapscope sim grow against real maps.

tests/go/simmaps builds real maps (int64 keys 0..N-1 or string keys "user:N", int64 values) and
reads their internals through unsafe: for classic maps it walks every bucket's overflow chain
(exact, unlike hmap.noverflow); for Swiss maps it sums the capacities of the distinct tables of the
directory. Each runtime map has its own random seed, so the runtime side is a sample too: the
simulator's mean (fixed --seed) and the runtime's mean are compared with a two-sample z bound on
their standard errors (a two-sample t statistic with pooled variance: under the hypothesis that
the model is right both sides are samples of one distribution). Quantities that are
deterministic (B) must agree exactly."""
import json
import math

import lib

# A correct model fails |t| <= 5.5 with probability below 2e-5 per comparison even at the
# smallest sample sizes here (22 degrees of freedom); a few 1e-4 over the whole suite.
T_MAX = 5.5

# (go version, key kind as simmaps/mapscope name it, entries, runtime maps, simulated runs, churn)
# Churn: then churn*entries steps of deleting the oldest key and inserting a new one.
CLASSIC = [
    ("1.23", "int64", 10_000, 200, 200, 0),
    ("1.23", "int64", 100_000, 40, 40, 0),
    ("1.23", "int64", 1_000_000, 12, 24, 0),
    ("1.23", "string", 100_000, 30, 40, 0),
    ("1.23", "string", 1_000_000, 8, 16, 0),
    ("1.19", "int64", 100_000, 40, 40, 0),
    ("1.22", "string", 100_000, 30, 40, 0),
    ("1.21", "int64", 10_000, 200, 200, 0),
    ("1.21", "int64", 150_000, 30, 40, 0),
    ("1.21", "int64", 1_000_000, 12, 24, 0),
    ("1.21", "string", 150_000, 20, 40, 0),
    # overflow buckets pile up under churn until about half the maps grow at the same size
    ("1.23", "int64", 2_000, 100, 200, 100),
    ("1.23", "string", 100_000, 10, 20, 2),
]
SWISS = [
    ("1.26", "int64", 10_000, 200, 200, 0),
    ("1.26", "int64", 100_000, 40, 40, 0),
    ("1.26", "int64", 1_000_000, 12, 24, 0),
    ("1.26", "string", 100_000, 30, 40, 0),
    ("1.26", "string", 1_000_000, 8, 16, 0),
    ("1.27", "int64", 100_000, 40, 40, 0),
    # tombstones: at growthLeft 0, Go 1.26 prunes them (the map stays at 2 tables), Go 1.24
    # splits (2-4 tables); the simulator must show both
    ("1.24", "int64", 850, 400, 400, 20),
    ("1.26", "int64", 850, 400, 400, 20),
    ("1.26", "string", 100_000, 10, 20, 2),
]
SIM_KEY = {"int64": "int64", "string": "string-prefixed"}


def runtime_maps(version, key, n, runs, churn=0):
    if version not in lib.GO_VERSIONS:
        raise lib.Skip(f"Go {version} excluded by MAPSCOPE_GO_VERSIONS")
    out = lib.run([lib.target("simmaps", version, "plain"), key, str(n), str(runs),
                   str(churn)]).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        rows.append({k: int(v) for k, v in (x.split("=") for x in f[1:])})
    assert len(rows) == runs, out[:500]
    return rows


def simulate(version, key, n, runs, churn=0):
    out = lib.run([lib.MAPSCOPE, "sim", "grow", "--go", version, "--key", SIM_KEY[key],
                   "--entries", str(n), "--runs", str(runs), "--seed", "1", "--churn", str(churn),
                   "--json"]).stdout
    return json.loads(out)


def mean_sd(xs):
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else 0.0
    return m, math.sqrt(var)


def assert_same_mean(what, sim, rt):
    ms, ss = mean_sd(sim)
    mr, sr = mean_sd(rt)
    n1, n2 = len(sim), len(rt)
    pooled = math.sqrt(((n1 - 1) * ss ** 2 + (n2 - 1) * sr ** 2) / (n1 + n2 - 2))
    se = pooled * math.sqrt(1 / n1 + 1 / n2)
    if se == 0:
        assert ms == mr, f"{what}: simulator {ms} vs runtime {mr} (both without variance)"
        return
    t = abs(ms - mr) / se
    assert t <= T_MAX, (f"{what}: simulator mean {ms:.2f} (sd {ss:.2f}, n={n1}) vs "
                        f"runtime {mr:.2f} (sd {sr:.2f}, n={n2}): t={t:.1f}")


@lib.cases(lambda: CLASSIC)
def test_classic_overflow_matches_runtime(case):
    version, key, n, rt_runs, sim_runs, churn = case
    rt = runtime_maps(version, key, n, rt_runs, churn)
    sim = simulate(version, key, n, sim_runs, churn)
    assert sim["layout"] == "classic"
    if not churn:
        assert all(r["growing"] == 0 for r in rt), "runtime map caught mid-growth: pick another N"
    for r in sim["runs"]:
        assert r["len"] == n
        assert r["buckets"] == 1 << rt[0]["B"], (r["buckets"], rt[0]["B"])
    assert_same_mean(f"go{version} {key} N={n} overflow buckets",
                     [r["overflow_buckets"] for r in sim["runs"]], [r["overflow"] for r in rt])
    # noverflow is exact below B=16 and sampled above: its mean must agree as well.
    assert_same_mean(f"go{version} {key} N={n} noverflow",
                     [r["noverflow"] for r in sim["runs"]], [r["noverflow"] for r in rt])


@lib.cases(lambda: SWISS)
def test_swiss_capacity_matches_runtime(case):
    version, key, n, rt_runs, sim_runs, churn = case
    rt = runtime_maps(version, key, n, rt_runs, churn)
    sim = simulate(version, key, n, sim_runs, churn)
    assert sim["layout"] == "swiss"
    assert all(r["len"] == n for r in sim["runs"])
    assert_same_mean(f"go{version} {key} N={n} capacity",
                     [r["capacity"] for r in sim["runs"]], [r["capacity"] for r in rt])
    assert_same_mean(f"go{version} {key} N={n} tables",
                     [r["tables"] for r in sim["runs"]], [r["tables"] for r in rt])
    assert_same_mean(f"go{version} {key} N={n} directory length",
                     [r["dir_len"] for r in sim["runs"]], [r["dirlen"] for r in rt])
    assert_same_mean(f"go{version} {key} N={n} churn={churn} tombstones",
                     [r["tombstones"] for r in sim["runs"]], [r["tombstones"] for r in rt])


def test_growth_steps_match_measured():
    """GO-MAP-INTERNALS.md §5 (measured on real binaries): B steps and Swiss capacity steps."""
    def first_at(version, target):
        # the first entry count whose final state meets target (monotone in n): bisection
        lo, hi = 1, 1200
        assert target(simulate(version, "int64", hi, 1)["runs"][0])
        while lo < hi:
            mid = (lo + hi) // 2
            if target(simulate(version, "int64", mid, 1)["runs"][0]):
                hi = mid
            else:
                lo = mid + 1
        return lo
    # classic: B=5 at insert 105 (6.5/bucket) and 97 in Go 1.21 (6.0/bucket)
    assert first_at("1.23", lambda s: s["buckets"] >= 32) == 105
    assert first_at("1.21", lambda s: s["buckets"] >= 32) == 97
    # Swiss: table at 9 (capacity 16), 32 at 15, 1024 at 449, first split (dir_len 2) at 897
    assert first_at("1.26", lambda s: s["capacity"] >= 16) == 9
    assert first_at("1.26", lambda s: s["capacity"] >= 32) == 15
    assert first_at("1.26", lambda s: s["capacity"] >= 1024) == 449
    assert first_at("1.26", lambda s: s["dir_len"] == 2) == 897


def test_grow_usage_errors():
    for argv, msg in ((["--go", "1.23", "--key", "int64"], "required"),
                      (["--go", "1.18", "--key", "int64", "--entries", "5"], "1.19 to 1.27"),
                      (["--go", "1.25", "--key", "int64", "--entries", "5"], "not modelled"),
                      (["--go", "1.23", "--key", "uuid", "--entries", "5"], "--key takes"),
                      (["--go", "1.23", "--key", "int64", "--entries", "-5"], "--entries")):
        p = lib.run([lib.MAPSCOPE, "sim", "grow"] + argv, check=False)
        assert p.returncode == 2, (argv, p.returncode)
        assert msg in p.stderr and p.stderr.count("\n") == 1, p.stderr
