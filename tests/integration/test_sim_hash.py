"""mapscope sim hash: Go's map hashes, bit for bit against the runtime.

The Go target tests/go/simhash prints its own process's key material (aeskeysched, hashkey) and
the hashes its runtime computes, through the map types' own hashers, for int32, int64, strings of
every length path (0-140 bytes and longer) and 16-byte structs, with 32- and 64-bit seeds. The
simulator must reproduce every hash from the key material alone: AES (default) and the fallback
(GODEBUG=cpu.aes=off), whose variant changed in Go 1.23; Go 1.27 moved the code into
internal/runtime/maps."""
import os

import lib

VERSIONS = ["1.19", "1.21", "1.22", "1.23", "1.24", "1.26", "1.27"]


def hash_cases():
    for v in VERSIONS:
        for mode in ("aes", "fallback"):
            yield (v, mode)


def cpu_has_aes():
    with open("/proc/cpuinfo") as f:
        flags = f.read()
    return " aes" in flags and " sse4_1" in flags and " ssse3" in flags


@lib.cases(hash_cases)
def test_hash_bit_exact(case):
    version, mode = case
    if version not in lib.GO_VERSIONS:
        raise lib.Skip(f"Go {version} excluded by MAPSCOPE_GO_VERSIONS")
    if mode == "aes" and not cpu_has_aes():
        raise lib.Skip("no AES-NI on this CPU: the runtime itself uses the fallback")
    env = dict(os.environ)
    if mode == "fallback":
        env["GODEBUG"] = "cpu.aes=off"
    out = lib.run([lib.target("simhash", version, "plain")], env=env).stdout.splitlines()
    head = {}
    rows = []
    for line in out:
        f = line.split()
        if f[0] in ("useaes", "aeskeysched", "hashkey"):
            head[f[0]] = f[1:]
        else:
            rows.append(f)
    assert head["useaes"] == ["1" if mode == "aes" else "0"], head["useaes"]
    kinds = {r[0] for r in rows}
    assert kinds == {"int32", "int64", "str", "struct16"}, kinds
    assert len(rows) > 200
    if mode == "aes":
        argv = ["--hash", "aes", "--keysched", head["aeskeysched"][0]]
    else:
        variant = "fallback" if int(version.split(".")[1]) >= 23 else "fallback-old"
        argv = ["--hash", variant, "--hashkey", ",".join(head["hashkey"])]
    stdin = "".join(" ".join(r[:3]) + "\n" for r in rows)
    got = lib.run([lib.MAPSCOPE, "sim", "hash"] + argv, input=stdin).stdout.split()
    assert len(got) == len(rows), (len(got), len(rows))
    bad = [(r, g) for r, g in zip(rows, got) if int(r[3], 16) != int(g, 16)]
    assert not bad, f"{len(bad)} of {len(rows)} hashes differ, first: {bad[0]}"


def test_hash_usage_errors():
    p = lib.run([lib.MAPSCOPE, "sim", "hash"], check=False, input="")
    assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr
    # an option of another subcommand, with its value
    p = lib.run([lib.MAPSCOPE, "sim", "hash", "--load", "3"], check=False, input="")
    assert p.returncode == 2 and "unknown option '--load'" in p.stderr, p.stderr
    p = lib.run([lib.MAPSCOPE, "sim", "hash", "--hash", "sha1"], check=False, input="")
    assert p.returncode == 2 and "--hash takes" in p.stderr, p.stderr
    p = lib.run([lib.MAPSCOPE, "sim", "hash", "--hash", "fallback"], check=False,
                input="int64 1 00\n")
    assert p.returncode == 1 and "line 1" in p.stderr, p.stderr
