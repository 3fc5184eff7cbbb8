"""Bad input for every command (issue 7), under the ASan+UBSan build: a PID that does not exist or
is not a Go program, programs given after -- that are missing, not Go, truncated, corrupted or of
an unknown Go version, unknown flags, and missing privileges. Each: exactly one line on stderr
that says what is wrong, the right exit code (usage 2, other failures 1), never a crash or a
sanitizer report. `info` has its own file (test_info_errors.py)."""
import os
import shutil
import subprocess

import lib
from lib import cases

SAN = lib.MAPSCOPE_SAN
WORK = os.path.join(lib.BUILD, "tmp", "bad-input")
CAPS = ("CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE")


def out_file():
    os.makedirs(WORK, exist_ok=True)
    return os.path.join(WORK, "record.pb.gz")


# Each tracing command with what it needs besides its target.
PID_CMDS = {
    "top": ["-d", "1"], "count": ["-d", "1"], "hotkeys": ["-d", "1"], "export": ["-d", "1"],
    "record": ["-d", "1", "-o", "@OUT"], "peek": ["--map", "0xc000010000"],
    "advise": ["-d", "1"],
}
LAUNCH_CMDS = {k: v for k, v in PID_CMDS.items() if k != "peek"}
SIM_SUBCOMMANDS = ["occupancy", "grow", "sweep", "plan", "hash"]


def args_of(cmd):
    return [out_file() if a == "@OUT" else a for a in PID_CMDS[cmd]]


def mapscope(*args, prefix=(), stdin=None):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="halt_on_error=1")
    return lib.run([*prefix, SAN, *args], check=False, env=env, timeout=120,
                   stdin=stdin if stdin is not None else subprocess.DEVNULL)


def scratch(name, data):
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o755)
    return path


def free_pid():
    pid = 0x7ffffff0
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid


@cases(lambda: sorted(PID_CMDS))
def test_no_such_pid(cmd):
    pid = free_pid()
    lib.assert_one_line(mapscope(cmd, "-p", str(pid), *args_of(cmd)), 1, f"no process with PID {pid}")


@cases(lambda: sorted(PID_CMDS))
def test_pid_not_go(cmd):
    with subprocess.Popen(["sleep", "60"]) as proc:
        try:
            lib.assert_one_line(mapscope(cmd, "-p", str(proc.pid), *args_of(cmd)), 1,
                            "not a Go program")
        finally:
            proc.kill()


def bad_programs():
    """(name, path, words the message must hold) for programs given after --."""
    src = open(lib.target("mapzoo", "1.26", "plain"), "rb").read()
    pcln = bytearray(src)
    at = pcln.find(b"\xf1\xff\xff\xff\x00\x00\x01\x08")
    assert at > 0
    pcln[at + 7] = 4  # pointer size 4
    newer = bytearray(open(lib.target("mapzoo", "1.27", "plain"), "rb").read())
    v = newer.find(b"go1.27.", newer.find(b"\xff Go buildinf:"))
    assert v > 0
    newer[v:v + 7] = b"go1.29."
    return [
        ("missing", os.path.join(WORK, "no-such-program"), ["no-such-program"]),
        ("not-go", shutil.which("true"), ["not a Go program"]),
        ("truncated", scratch("truncated", src[: len(src) // 3]), ["truncated"]),
        ("corrupt-pclntab", scratch("corrupt-pclntab", bytes(pcln)), ["function table"]),
        ("unknown-go", scratch("go129", bytes(newer)), ["go1.29", "--assume-go"]),
    ]


@cases(lambda: sorted(LAUNCH_CMDS))
def test_bad_programs(cmd):
    for name, path, words in bad_programs():
        p = mapscope(cmd, *args_of(cmd), "--", path)
        try:
            lib.assert_one_line(p, 1, *words)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None


@cases(lambda: sorted(PID_CMDS) + ["info", "sim"] + [f"sim {s}" for s in SIM_SUBCOMMANDS])
def test_unknown_flag(cmd):
    lib.assert_one_line(mapscope(*cmd.split(), "--no-such-flag"), 2, "--no-such-flag")
    lib.assert_one_line(mapscope(*cmd.split(), "-Z"), 2)


BUDGETS = [("top", "--budget"), ("top", "--count-budget"), ("export", "--budget"),
           ("export", "--count-budget"), ("hotkeys", "--budget")]


@cases(lambda: [f"{c} {o} {v}" for c, o in BUDGETS for v in ("101", "-1", "abc", "")])
def test_bad_budget(case):
    """A budget outside 0-100, or not a number: usage error naming the option, nothing run."""
    cmd, opt, *val = case.split(" ")
    lib.assert_one_line(mapscope(cmd, opt, val[0] if val else "", "-p", "1"), 2, opt)


@cases(lambda: ["abc", "-5", "0", "12Q", ""])
def test_bad_min_bytes(val):
    """advise --min-bytes takes a size: anything else is a usage error naming it."""
    lib.assert_one_line(mapscope("advise", "--min-bytes", val, "-p", "1"), 2, "--min-bytes")


def test_unknown_command():
    lib.assert_one_line(mapscope("frobnicate"), 2, "frobnicate")
    lib.assert_one_line(mapscope("--no-such-flag"), 2)


def unprivileged():
    """setpriv prefixes: an ordinary user, and root with every capability dropped."""
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv not installed (util-linux)"
    return {
        "nobody": [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                   "--inh-caps=-all", "--ambient-caps=-all"],
        "root-no-caps": [setpriv, "--bounding-set=-all", "--inh-caps=-all",
                         "--ambient-caps=-all"],
    }


@cases(lambda: ["nobody", "root-no-caps"])
def test_missing_privileges(who):
    """Attached (-p) and launched (--): the one line names the three capabilities."""
    lib.require_root()
    prefix = unprivileged()[who]
    binary = lib.target("inventory", "1.26", "plain")
    with subprocess.Popen([binary, "120"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as target:
        try:
            assert target.stdout.readline().startswith("truth ")
            p = mapscope("top", "-d", "1", "-p", str(target.pid), prefix=prefix)
            lib.assert_one_line(p, 1, "permission denied", *CAPS)
            assert target.poll() is None, "the target ended"
        finally:
            target.kill()
    p = mapscope("top", "-d", "1", "--", binary, "0.1", prefix=prefix)
    lib.assert_one_line(p, 1, "permission denied", *CAPS)
