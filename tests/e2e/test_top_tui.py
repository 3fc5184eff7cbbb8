"""mapscope top's full-screen view (root + BPF), driven through tmux: the rows show the target's
own header addresses, len and capacity; `l` re-sorts them by len; `q` ends mapscope while the
target keeps running. Nothing here asserts on timing: every wait polls the screen until what it
waits for is there, with a deadline only so that a broken build cannot hang the run."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import lib
from lib import cases

COLS, ROWS = 200, 50
# The target holds its maps far longer than mapscope's run takes, and mapscope's -d is longer
# still: if `q` were ignored, mapscope would only stop when the target exits, and the check that
# the target outlived mapscope would fail.
HOLD = 40
DURATION = 90
DEADLINE = 60
ROW = re.compile(r"^(0x[0-9a-f]+) +(.{28}) +(\d+) +(\d+) +\d+\.\d\d +(\d+)(B|KiB|MiB) +\d+ ")
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20}
SPARKS = set("▁▂▃▄▅▆▇█")
EXITED = "mapscope exited with"  # printed by the shell around mapscope in the pane


class Tmux:
    """A private tmux server (its own socket and config) holding one session of fixed size."""

    made = 0

    def __init__(self, argv):
        # One server per instance: a test may start the next while the last one is ending.
        Tmux.made += 1
        self.sock = f"mapscope-test-{os.getpid()}-{Tmux.made}"
        self.env = dict(os.environ, LC_ALL="C.UTF-8")
        self.env.pop("TMUX", None)
        fd, self.conf = tempfile.mkstemp(suffix=".tmux.conf")
        with os.fdopen(fd, "w") as f:
            # Set before the command starts, so that its last screen stays capturable.
            f.write("set -g remain-on-exit on\nset -g history-limit 5000\n")
        self.cmd("-f", self.conf, "new-session", "-d", "-s", "top", "-x", str(COLS), "-y",
                 str(ROWS), "sh", "-c", f'"$@"; echo "{EXITED} $?"', "sh",
                 "env", "LC_ALL=C.UTF-8", "TERM=screen", *argv)
        self.server_pid = int(self.fmt("#{pid}"))
        self.pane_pid = int(self.fmt("#{pane_pid}"))

    def cmd(self, *args):
        return lib.run(["tmux", "-u", "-L", self.sock, *args], env=self.env, timeout=30)

    def fmt(self, f):
        return self.cmd("display-message", "-p", "-t", "top", f).stdout.strip()

    def screen(self):
        return self.cmd("capture-pane", "-p", "-t", "top").stdout.splitlines()

    def history(self):
        """The screen and the lines scrolled off it: a final report longer than the screen."""
        return self.cmd("capture-pane", "-p", "-S", "-", "-t", "top").stdout.splitlines()

    def keys(self, *k):
        self.cmd("send-keys", "-t", "top", *k)

    def dead(self):
        return self.fmt("#{pane_dead}") == "1"

    def exit_status(self):
        """mapscope's exit status, as the shell around it printed it once the pane is dead."""
        lines = self.screen()
        for line in reversed(lines):
            if line.startswith(EXITED):
                return line[len(EXITED):].strip()
        raise AssertionError("no exit status on the screen:\n" + "\n".join(lines))

    def wait(self, what, pred):
        """Polls the screen until pred(lines) is true; returns those lines."""
        end = time.monotonic() + DEADLINE
        while True:
            lines = self.screen()
            if pred(lines):
                return lines
            if self.dead() or time.monotonic() > end:
                raise AssertionError(f"{what} never showed; the screen:\n" + "\n".join(lines))
            time.sleep(0.1)

    def close(self):
        # The pane's shell leads its own process group (mapscope is in it too). A dead pane's
        # PID may already belong to someone else: only a live one is killed.
        try:
            if not self.dead():
                os.killpg(self.pane_pid, signal.SIGKILL)
        finally:
            os.kill(self.server_pid, signal.SIGTERM)
            os.unlink(self.conf)


def rows(lines):
    """[(addr, len, cap, bytes, line)] of the map rows, in screen order."""
    out = []
    for line in lines:
        m = ROW.match(line)
        if m:
            out.append((m[1], int(m[3]), int(m[4]), int(m[5]) * UNITS[m[6]], line))
    return out


def shows_truth(truth):
    def pred(lines):
        got = {r[0]: (r[1], r[2]) for r in rows(lines)}
        return all(got.get(addr) == (n, cap) for addr, n, cap in truth.values())
    return pred


def read_truth(target):
    truth = {}
    while "inline" not in truth:
        line = target.stdout.readline()
        assert line, f"the target exited before printing its truth (got {sorted(truth)})"
        if line.startswith("truth "):
            _, name, addr, n, cap = line.split()
            truth[name] = (addr, int(n), int(cap))
    assert len(truth) == 8, f"target printed {sorted(truth)}"
    return truth


def order(lines, truth):
    """The target's maps in screen order, by name."""
    names = {addr: name for name, (addr, _, _) in truth.items()}
    return [names[r[0]] for r in rows(lines) if r[0] in names]


def need_tmux():
    lib.require_root()
    if not shutil.which("tmux"):
        raise AssertionError("tmux is missing: scripts/install-deps installs it")


@cases(lambda: [("1.26", "plain"), ("1.19", "plain")])
def test_view(case):
    need_tmux()
    version, variant = case
    binary = lib.target("inventory", version, variant)
    with subprocess.Popen([binary, str(HOLD)], stdout=subprocess.PIPE, text=True) as target:
        tmux = None
        try:
            truth = read_truth(target)
            tmux = Tmux([lib.MAPSCOPE, "top", "-p", str(target.pid), "-i", "0.5", "-d",
                         str(DURATION)])

            lines = tmux.wait("every map of the target with its len and capacity",
                              shows_truth(truth))
            header = lines[0]
            assert f"pid {target.pid}" in header and f"go{version}" in header, header
            assert "sorted by bytes" in header, header
            shown = rows(lines)
            byts = [r[3] for r in shown]
            assert byts == sorted(byts, reverse=True), "not sorted by bytes:\n" + "\n".join(lines)
            mine = {r[0]: r[4] for r in shown}
            bloated = mine[truth["bloated"][0]]
            assert "BLOATED" in bloated, bloated
            for name, (addr, _, _) in truth.items():
                if name != "bloated":
                    assert "BLOATED" not in mine[addr], f"{name} marked bloated: {mine[addr]}"
                assert SPARKS & set(mine[addr]), f"{name}: no sparkline in {mine[addr]!r}"
            assert any("Go maps never shrink" in line for line in lines), "\n".join(lines)
            assert any(line.startswith("GROWTHS") for line in lines), "\n".join(lines)
            assert any("q quit" in line for line in lines), "\n".join(lines)

            tmux.keys("l")
            lines = tmux.wait("the rows sorted by len",
                              lambda ls: "sorted by len" in ls[0] and shows_truth(truth)(ls))
            # Ties go by address, so that equal rows do not swap places between frames.
            want = sorted(truth, key=lambda name: (-truth[name][1], int(truth[name][0], 16)))
            assert order(lines, truth) == want, \
                f"screen order {order(lines, truth)}, by len {want}:\n" + "\n".join(lines)
            lens = [r[1] for r in rows(lines)]
            assert lens == sorted(lens, reverse=True), "\n".join(lines)

            tmux.keys("q")
            end = time.monotonic() + DEADLINE
            while not tmux.dead():
                assert time.monotonic() < end, "q did not end mapscope:\n" + \
                    "\n".join(tmux.screen())
                time.sleep(0.1)
            assert target.poll() is None, "the target ended before mapscope did"
            status = tmux.exit_status()
            assert status == "0", f"mapscope ended with {status}:\n" + "\n".join(tmux.screen())
            # The final report is the plain table, left on the restored screen (its advice at
            # the end can scroll its first lines off).
            lines = tmux.history()
            assert any(line.startswith(f"mapscope top: pid {target.pid}") for line in lines), \
                "\n".join(lines)
        finally:
            if tmux:
                tmux.close()
            target.kill()


def test_advice_key():
    """'a' shows the advice in the bottom pane: the inventory target's bloated map (100
    entries kept in room for 131,072) is to be rebuilt, its address named; 'a' hides it."""
    need_tmux()
    binary = lib.target("inventory", "1.26", "plain")
    with subprocess.Popen([binary, str(HOLD)], stdout=subprocess.PIPE, text=True) as target:
        tmux = None
        try:
            truth = read_truth(target)
            addr = truth["bloated"][0]
            tmux = Tmux([lib.MAPSCOPE, "top", "-p", str(target.pid), "-i", "0.5", "-d",
                         str(DURATION)])
            tmux.wait("the first frame", lambda ls: any("q quit" in ln for ln in ls))
            tmux.keys("a")
            lines = tmux.wait("the advice pane with a rebuild of the bloated map",
                              lambda ls: any(ln.startswith("ADVICE") for ln in ls) and
                              any("rebuild" in ln for ln in ls) and
                              any(addr in ln for ln in ls
                                  if not ln.startswith(addr)))
            assert any("a hide advice" in ln for ln in lines), "\n".join(lines)
            tmux.keys("a")
            tmux.wait("the growths pane back",
                      lambda ls: not any(ln.startswith("ADVICE") for ln in ls))
            tmux.keys("q")
            # The final table ends with the same advice.
            end = time.monotonic() + DEADLINE
            while not tmux.dead():
                assert time.monotonic() < end, "q did not end mapscope"
                time.sleep(0.1)
            lines = tmux.history()
            at = [i for i, ln in enumerate(lines) if ln.startswith("advice (the")]
            assert at and any("rebuild" in ln for ln in lines[at[0]:]) and \
                any(addr in ln for ln in lines[at[0]:]), "\n".join(lines)
        finally:
            if tmux:
                tmux.close()
            target.kill()


def test_no_tui():
    """--no-tui on a terminal: the plain table, interval after interval."""
    need_tmux()
    binary = lib.target("inventory", "1.26", "plain")
    with subprocess.Popen([binary, str(HOLD)], stdout=subprocess.PIPE, text=True) as target:
        tmux = None
        try:
            truth = read_truth(target)
            tmux = Tmux([lib.MAPSCOPE, "top", "--no-tui", "-p", str(target.pid), "-i", "0.5",
                         "-d", "2"])
            end = time.monotonic() + DEADLINE
            while not tmux.dead():
                assert time.monotonic() < end, "mapscope -d 2 did not end"
                time.sleep(0.1)
            assert tmux.exit_status() == "0", "\n".join(tmux.screen())
            lines = tmux.history()
            assert any(line.startswith(f"mapscope top: pid {target.pid}") for line in lines), \
                "\n".join(lines)
            assert not any("sorted by" in line for line in lines), "\n".join(lines)
            assert truth["grow"][0] in "\n".join(lines), "\n".join(lines)
        finally:
            if tmux:
                tmux.close()
            target.kill()


COUNTS = re.compile(ROW.pattern + r"+(\d+|-) +(\d+|-) ")


def counting_links(pid):
    """uprobe_multi links on pid of hotkeys' per-call program (hk_assign): top's counting."""
    progs = {p["id"]: p.get("name") for p in lib.bpftool_json("prog", "show")}
    return [ln["id"] for ln in lib.bpftool_json("link", "show")
            if ln.get("pid") == pid and progs.get(ln.get("prog_id")) == "hk_assign"]


def counting_view(target):
    """top --count-budget 100 on a gated target, which is told to go once every call is
    probed: its calls count from when the probes are live."""
    tmux = Tmux([lib.MAPSCOPE, "top", "--count-budget", "100", "-p", str(target.pid), "-i",
                 "0.5", "-d", str(DURATION)])
    end = time.monotonic() + DEADLINE
    while len(counting_links(target.pid)) < 2:
        if time.monotonic() > end or tmux.dead():
            screen = "\n".join(tmux.screen())
            tmux.close()
            raise AssertionError("top's counting probes never attached:\n" + screen)
        time.sleep(0.1)
    target.stdin.write("go\n")
    target.stdin.flush()
    return tmux


@cases(lambda: [("1.26", "plain"), ("1.19", "stripped")])
def test_counts(case):
    """--count-budget 100 in the view: WRITES and READS of zipfkeys' four maps are the target's
    own counts once it has stopped writing (it writes each map once a step and reads none), and
    `w` sorts by WRITES."""
    need_tmux()
    version, variant = case
    binary = lib.target("zipfkeys", version, variant)
    with subprocess.Popen([binary, "hold", "gate"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as target:
        tmux = None
        try:
            addrs = []
            for line in target.stdout:
                if line.startswith("truth "):
                    addrs.append(line.split()[2])
                if line.startswith("goid "):
                    break
            assert len(addrs) == 4, addrs
            tmux = counting_view(target)
            # Its maps show once a discovery window has seen them written.
            tmux.wait("the target's four maps",
                      lambda ls: all(any(ln.startswith(a + " ") for ln in ls) for a in addrs))
            target.stdin.write("stop\n")
            target.stdin.flush()
            writes = lib.zipf_writes(target.stdout)
            assert writes, "the target reported no writes"

            def counted(lines):
                got = {m[1]: (m[7], m[8]) for m in map(COUNTS.match, lines) if m}
                return all(got.get(a) == (str(writes), "0") for a in addrs)
            lines = tmux.wait(f"WRITES {writes} and READS 0 on the target's four maps", counted)
            assert "WRITES" in lines[1] and "READS" in lines[1], lines[1]
            tmux.keys("w")
            lines = tmux.wait("the rows sorted by writes",
                              lambda ls: "sorted by writes" in ls[0] and counted(ls))
            col = [int(m[7]) for m in map(COUNTS.match, lines) if m and m[7] != "-"]
            assert col == sorted(col, reverse=True), "not sorted by writes:\n" + "\n".join(lines)
        finally:
            if tmux:
                tmux.close()
            target.kill()


def race_line(lines, addr, writers):
    """The CONCURRENT WRITES pane's line for the map at addr naming both writers, or None."""
    if not any(ln.startswith("CONCURRENT WRITES") for ln in lines):
        return None
    for ln in lines:
        if ln.startswith(addr + " ") and all(f"goroutine {g} main.{name} " in ln
                                              for name, g in writers.items()):
            return ln
    return None


@cases(lambda: [("1.26", "plain"), ("1.19", "stripped")])
def test_races(case):
    """A race the runtime does not catch (mapracer brief): the view's CONCURRENT WRITES pane
    names the map and both goroutines the target printed, each with its own writer function.
    As in test_hotkeys_race, whether a run has an overlap the runtime misses is a matter of
    nanoseconds: a run the runtime caught, or one whose pane stays empty for 10 intervals after
    the rounds, is repeated, up to eight runs."""
    need_tmux()
    version, variant = case
    binary = lib.target("mapracer", version, variant)
    runs = []
    for _ in range(8):
        # Its stderr has the runtime's own report when the runtime catches the race.
        with subprocess.Popen([binary, "brief", "40", "0.2", "gate"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True) as target:
            tmux = None
            try:
                tmux = counting_view(target)
                addr, writers = None, {}
                for line in target.stdout:
                    if line.startswith("map "):
                        addr = line.split()[1]
                    elif line.startswith("writer "):
                        _, name, goid = line.split()
                        writers[name] = int(goid)
                    if len(writers) == 2:
                        break
                assert addr and len(writers) == 2, (addr, writers)
                if target.stdout.readline().strip() != "survived":
                    runs.append("the runtime caught it")
                    continue
                end = time.monotonic() + 10 * 0.5
                while time.monotonic() < end and not race_line(tmux.screen(), addr, writers):
                    time.sleep(0.1)
                if race_line(tmux.screen(), addr, writers):
                    return
                runs.append("no overlap shown:\n" + "\n".join(tmux.screen()[-12:]))
            finally:
                if tmux:
                    tmux.close()
                target.kill()
    raise AssertionError("no run showed the race in the view: " + " | ".join(runs))


SITE_ROW = re.compile(r"^(\d+) +(\d+) +(\d+) +\d+(?:B|KiB|MiB) +\d+ +\S+  (.{28}) (.+)$")


def site_rows(lines):
    """[(maps, entries, type)] of the sites view's rows."""
    return [(int(m[1]), int(m[2]), m[4].strip()) for m in map(SITE_ROW.match, lines) if m]


@cases(lambda: [v for v in ("1.21", "1.26") if v in lib.GO_VERSIONS])
def test_sites_view(version):
    """`s` turns the rows into creation sites: exportmaps' three sites (attached after they were
    built, so found by type) show the map counts and entries the target printed; `s` again
    brings back the maps."""
    need_tmux()
    binary = lib.target("exportmaps", version, "plain")
    with subprocess.Popen([binary, str(HOLD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as target:
        tmux = None
        try:
            truth = {}
            for line in target.stdout:
                f = line.split()
                if f and f[0] == "site":
                    truth[f[2]] = (int(f[3]), int(f[4]))
                if line.strip() == "ready":
                    break
            assert len(truth) == 3, truth
            tmux = Tmux([lib.MAPSCOPE, "top", "-p", str(target.pid), "-i", "0.5", "-d",
                         str(DURATION)])
            tmux.wait("the map rows", lambda ls: len(rows(ls)) >= 5)
            tmux.keys("s")

            def by_type(lines):
                got = {}
                for maps, entries, typ in site_rows(lines):
                    if typ in truth:
                        m, e = got.get(typ, (0, 0))
                        got[typ] = (m + maps, e + entries)
                return got == truth

            lines = tmux.wait("the sites with the target's maps and entries", by_type)
            assert any("by creation site" in line for line in lines), "\n".join(lines)
            assert not rows(lines), "map rows in the sites view:\n" + "\n".join(lines)
            tmux.keys("s")
            tmux.wait("the map rows again", lambda ls: len(rows(ls)) >= 5)
            tmux.keys("q")
        finally:
            if tmux:
                tmux.close()
            target.kill()
