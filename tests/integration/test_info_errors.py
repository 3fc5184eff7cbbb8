"""mapscope info on bad input, run under the ASan+UBSan build: one clear line on stderr, the right
exit code, never a crash (issue 2)."""
import json
import os
import random
import shutil
import subprocess
import tempfile

import lib
from lib import cases

SAN = lib.MAPSCOPE_SAN
WORK = os.path.join(lib.BUILD, "tmp", "info-errors")


def info(*args):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="halt_on_error=1")
    return lib.run([SAN, "info", *args], check=False, env=env, errors="strict")


def scratch(name, data):
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def patched(src, old, new, name):
    """A copy of src with the version string in its build information replaced."""
    data = bytearray(open(src, "rb").read())
    at = data.find(old, data.find(b"\xff Go buildinf:"))
    assert len(old) == len(new) and at > 0, f"{old!r} not in the build info of {src}"
    data[at:at + len(old)] = new
    return scratch(name, bytes(data))


def test_missing_file():
    lib.assert_one_line(info("/nonexistent/mapscope-test"), 1, "No such file")


def test_directory():
    lib.assert_one_line(info(lib.BUILD), 1, "not a regular file")


def test_not_elf():
    lib.assert_one_line(info(os.path.join(lib.ROOT, "Makefile")), 1, "not an ELF file")


def test_empty_file():
    lib.assert_one_line(info(scratch("empty", b"")), 1, "empty file")


def test_elf_not_go():
    # mapscope itself is an ELF program written in C, and it contains the buildinfo magic string.
    lib.assert_one_line(info(lib.MAPSCOPE), 1, "not a Go program")
    lib.assert_one_line(info(shutil.which("true")), 1, "not a Go program")


def test_go_older_than_117():
    path = patched(lib.target("mapzoo", "1.19", "plain"), b"go1.19.8", b"go1.16.8", "go116")
    lib.assert_one_line(info(path), 1, "go1.16.8", "older than Go 1.17")


def test_go_newer_than_known():
    path = patched(lib.target("mapzoo", "1.27", "plain"), b"go1.27.3", b"go1.29.3", "go129")
    p = info("--json", path)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["go_version"] == "go1.29.3" and r["supported"] is False
    assert "--assume-go" in r["reason"], r["reason"]
    r = json.loads(info("--json", "--assume-go", "go1.27", path).stdout)
    assert r["supported"] is True and r["layout"] == "swiss"
    lib.assert_one_line(info("--assume-go", "go0.1", path), 1, "--assume-go")


@cases(lambda: [0.02, 0.25, 0.5, 0.9, 0.999])
def test_truncated(fraction):
    src = lib.target("mapzoo", "1.26", "plain")
    data = open(src, "rb").read()
    path = scratch(f"trunc-{fraction}", data[: int(len(data) * fraction)])
    lib.assert_one_line(info(path), 1, "truncated")


def region(data, magic):
    at = data.find(magic)
    assert at >= 0, magic
    return at


@cases(lambda: [("1.19", "stripped"), ("1.26", "stripped"), ("1.27", "pie"), ("1.24", "cgo")])
def test_corrupted(case):
    """Seeded corruption of the ELF headers, the build info and the pclntab: every run exits 0
    or 1 with at most one line on stderr, and the sanitizers stay silent."""
    version, variant = case
    data = bytearray(open(lib.target("mapzoo", version, variant), "rb").read())
    rng = random.Random(f"{version}{variant}")
    bi = region(data, b"\xff Go buildinf:")
    pcln = max(region(data, b"\xf0\xff\xff\xff\x00\x00\x01\x08") if b"\xf0\xff\xff\xff\x00\x00\x01\x08" in data else -1,
               region(data, b"\xf1\xff\xff\xff\x00\x00\x01\x08") if b"\xf1\xff\xff\xff\x00\x00\x01\x08" in data else -1)
    assert pcln > 0
    spots = [(0, 64), (64, 4096), (bi, bi + 64), (pcln, pcln + 72), (pcln + 72, pcln + 200000)]
    for i in range(40):
        mutant = bytearray(data)
        lo, hi = spots[i % len(spots)]
        for _ in range(rng.randint(1, 8)):
            mutant[rng.randrange(lo, min(hi, len(mutant)))] = rng.randrange(256)
        path = scratch(f"corrupt-{version}-{variant}", bytes(mutant))
        p = info("--json", path)
        assert p.returncode in (0, 1), f"mutant {i}: exit {p.returncode}: {p.stderr[-3000:]}"
        assert len(p.stderr.strip().splitlines()) <= 1, f"mutant {i}: {p.stderr[-3000:]}"
        if p.returncode == 0:
            json.loads(p.stdout)


def test_corrupted_pclntab_header():
    src = lib.target("mapzoo", "1.26", "stripped")
    data = bytearray(open(src, "rb").read())
    at = region(data, b"\xf1\xff\xff\xff\x00\x00\x01\x08")
    data[at + 7] = 4  # pointer size 4
    lib.assert_one_line(info(scratch("bad-pcln", bytes(data))), 1, "function table")


@cases(lambda: [(), ("--bogus",), ("a", "b"), ("-p",), ("-p", "abc"), ("-p", "0"),
                ("--symbols", "dwarf", "x"), ("-p", "1", "x")])
def test_usage_errors(args):
    lib.assert_one_line(info(*args), 2)


def test_symtab_on_stripped():
    lib.assert_one_line(info("--symbols", "symtab", lib.target("mapzoo", "1.23", "stripped")), 1,
                    "--symbols pclntab")


def test_no_such_pid():
    pid = 0x7ffffff0
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    lib.assert_one_line(info("-p", str(pid)), 1, f"no process with PID {pid}")


def test_pid_not_go():
    with subprocess.Popen(["sleep", "30"]) as proc:
        try:
            lib.assert_one_line(info("-p", str(proc.pid)), 1, "not a Go program")
        finally:
            proc.kill()


def test_pid():
    binary = lib.target("mapzoo", "1.26", "pie")
    with subprocess.Popen([binary, "hold", "100"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().startswith("checksum")
            p = info("--json", "-p", str(proc.pid))
            assert p.returncode == 0, p.stderr
            r = json.loads(p.stdout)
            assert r["path"] == os.path.realpath(binary), r["path"]
            assert r["go_version"] == "go1.26.10" and r["pie"] is True
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)
