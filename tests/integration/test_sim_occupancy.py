"""mapscope sim occupancy: bucket fill against Poisson's law, and what a weak hash does.

With a good hash, the number of keys landing in one of m buckets after load*m inserts is
Binomial(load*m, 1/m), which for m = 2^20 is Poisson(load) to within 1e-6. So at Go's classic
limit of 6.5 entries per bucket, P(more than 8) = 20.84 % of buckets need an overflow bucket. The
simulator's fractions must agree within 5 standard errors (sqrt(p(1-p)/m), 0.0004 here) for Go's
AES hash and both fallbacks; the seed is fixed, so the test is deterministic."""
import json
import math

import lib

M = 1 << 20


def occupancy(*argv, binary=None):
    out = lib.run([binary or lib.MAPSCOPE, "sim", "occupancy", "--json", "--seed", "3"] +
                  list(argv)).stdout
    return json.loads(out)


def poisson_pmf(lam, k):
    return math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1))


def cpu_has_aes():
    with open("/proc/cpuinfo") as f:
        return " aes" in f.read()


def hashes():
    return (["aes"] if cpu_has_aes() else []) + ["fallback", "fallback-old"]


@lib.cases(lambda: [(h, load, key) for h in hashes() for load, key in
                    ((6.5, "int64"), (6.5, "string"), (4.0, "int32-random"))])
def test_overflow_fraction_is_poisson(case):
    hash_, load, key = case
    r = occupancy("--layout", "classic", "--buckets", str(M), "--load", str(load),
                  "--hash", hash_, "--key", key)
    p = 1 - sum(poisson_pmf(load, k) for k in range(9))
    assert abs(r["poisson_overflow_fraction"] - p) < 1e-9
    se = math.sqrt(p * (1 - p) / M)
    assert abs(r["overflow_fraction"] - p) < 5 * se, (r["overflow_fraction"], p, se)
    assert r["keys"] == round(load * M) and sum(r["fill"]) == M
    assert sum(k * n for k, n in enumerate(r["fill"])) == r["keys"]
    # every bucket count: the whole distribution, not only its tail
    for k, n in enumerate(r["fill"][:20]):
        q = poisson_pmf(load, k)
        assert abs(n / M - q) < 5 * math.sqrt(q * (1 - q) / M) + 1e-6, (k, n / M, q)
    # a bucket with c entries has ceil(c/8)-1 overflow buckets
    assert r["overflow_buckets"] == sum(n * ((k - 1) // 8) for k, n in enumerate(r["fill"]) if k)


def test_threads_do_not_change_results():
    one = occupancy("--layout", "classic", "--buckets", "2^16", "--load", "6.5", "--hash",
                    "fallback", "--key", "string")
    for t in ("2", "3"):
        assert occupancy("--layout", "classic", "--buckets", "2^16", "--load", "6.5", "--hash",
                         "fallback", "--key", "string", "--threads", t) == one


def test_identity_hash_shows_bias():
    # Sequential int64 keys under an identity hash fill buckets perfectly evenly (no overflow)...
    r = occupancy("--layout", "classic", "--buckets", "65536", "--load", "6.5",
                  "--hash", "identity", "--key", "int64")
    assert r["overflow_fraction"] == 0 and r["overflow_buckets"] == 0
    assert r["fill"][6] + r["fill"][7] == 65536
    # ...while "user:N" keys under it all share their first 8 bytes' low bits: a few buckets
    # take everything (the bias Go's seeded AES hash exists to prevent).
    r = occupancy("--layout", "classic", "--buckets", "65536", "--load", "1",
                  "--hash", "identity", "--key", "string-prefixed")
    assert sum(r["fill"][1:]) < 65536 / 100, sum(r["fill"][1:])
    # the one-byte counters saturate there, and the output says so
    assert r["saturated_buckets"] == r["fill"][255] > 0


def test_swiss_groups():
    r = occupancy("--layout", "swiss", "--buckets", "2^16", "--load", "7", "--hash", "fallback")
    assert r["groups"] == 65536 and r["keys"] == 7 * 65536
    assert sum(r["probe_distances"]) == r["keys"]
    assert sum(r["fill"]) == 65536 and len(r["fill"]) == 9
    # every key not in its first group was pushed there because that group was full
    assert r["overflow_fraction"] > 0 and r["fill"][8] > 0


def test_sanitizer_build_runs_clean():
    san = lib.MAPSCOPE_SAN
    occupancy("--layout", "classic", "--buckets", "4096", "--load", "6.5", "--hash", "fallback",
              binary=san)
    occupancy("--layout", "swiss", "--buckets", "4096", "--load", "7.5", "--hash", "fnv1a",
              "--key", "string", binary=san)
    for v in ("1.21", "1.23", "1.24", "1.26"):
        lib.run([san, "sim", "grow", "--go", v, "--key", "struct16", "--entries", "20000",
                 "--churn", "3", "--runs", "2", "--hash", "fallback", "--json"])
        lib.run([san, "sim", "plan", "--go", v, "--key", "string", "--entries", "3000",
                 "--elem-size", "24", "--hash", "fallback", "--runs", "2"])


def test_occupancy_usage_errors():
    for argv, msg in ((["--layout", "classic", "--buckets", "1000", "--load", "1"], "power of two"),
                      (["--layout", "swiss", "--buckets", "1024", "--load", "8"], "--load < 8"),
                      (["--layout", "tree", "--buckets", "1024", "--load", "1"], "--layout"),
                      (["--layout", "classic", "--buckets", "1024"], "required"),
                      (["--layout", "classic", "--buckets", "1024", "--load", "x"], "--load")):
        p = lib.run([lib.MAPSCOPE, "sim", "occupancy"] + argv, check=False)
        assert p.returncode == 2, (argv, p.returncode, p.stderr)
        assert msg in p.stderr and p.stderr.count("\n") == 1, p.stderr
