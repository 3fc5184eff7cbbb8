"""Static checks of the C sources (issue 7): clang-tidy with the project's .clang-tidy (bugprone-*,
cert-*, clang-analyzer-*; each disabled check has its reason there) and cppcheck, both on every
tracked src/*.c but the BPF programs. Any finding fails. A planted bug proves each checker is
actually checking."""
import os
import re
import shutil
import subprocess

import lib

WORK = os.path.join(lib.BUILD, "tmp", "static")
# Generated headers (BPF skeletons, protobuf-c) are bpftool's and protoc-c's code: system headers.
FLAGS = ["-std=c11", "-D_GNU_SOURCE", "-Isrc", "-isystem", os.path.join("build", "bpf"),
         "-isystem", os.path.join("build", "proto")]
GENERATED = (os.path.join("build", "bpf"), os.path.join("build", "proto"))
FINDING = re.compile(r"^(\S+?):(\d+):(\d+): (warning|error): (.*)$")
PLANTED = """#include <stdlib.h>
#include <string.h>
int planted(const char *s)
{
	char *p = malloc(8);
	char *q = NULL;
	if (s[0] == 'x')
		return *q;
	strcpy(p, s);
	return p[0];
}
"""


def sources():
    out = lib.run(["git", "ls-files", "src/*.c"], cwd=lib.ROOT).stdout.split()
    files = [f for f in out
             if not f.endswith(".bpf.c") and os.path.exists(os.path.join(lib.ROOT, f))]
    assert len(files) > 20, files
    return files


def need(tool):
    path = shutil.which(tool)
    assert path, f"{tool} not installed (scripts/install-deps installs it)"
    return path


def tidy(files):
    """clang-tidy on files, two at a time; returns the findings in our own code."""
    need("clang-tidy")
    for d in ("bpf", "proto"):
        assert os.path.isdir(os.path.join(lib.BUILD, d)), f"build/{d} missing: run 'make all'"
    procs, findings = [], []
    for i in range(2):
        procs.append(subprocess.Popen(["nice", "-n", "10", "clang-tidy", "--quiet",
                                       *files[i::2], "--", *FLAGS], cwd=lib.ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True))
    for p in procs:
        out, _ = p.communicate(timeout=1200)
        for line in out.splitlines():
            m = FINDING.match(line)
            rel = os.path.relpath(m.group(1), lib.ROOT) if m else ""
            if m and not rel.startswith(GENERATED):
                findings.append(line.replace(lib.ROOT + os.sep, ""))
    return findings


def cppcheck(files):
    need("cppcheck")
    p = lib.run(["nice", "-n", "10", "cppcheck", "--quiet", "--std=c11", "-j2",
                 "--enable=warning,portability,performance", "-D_GNU_SOURCE", "-D__x86_64__",
                 "-Isrc", "--include=tests/cppcheck/libbpf.h",
                 "--suppress=missingIncludeSystem", "--inline-suppr",
                 "--template={file}:{line}:{column}: {severity}: {message} [{id}]",
                 *files], check=False, cwd=lib.ROOT, timeout=1200)
    return [ln for ln in p.stderr.splitlines() if re.match(r"^\S+:\d+:\d+: ", ln)]


def planted():
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, "planted.c")
    with open(path, "w") as f:
        f.write(PLANTED)
    return os.path.relpath(path, lib.ROOT)


def test_clang_tidy_catches_planted_bugs():
    found = tidy([planted()])
    for check in ("NullDereference", "unix.Malloc"):
        assert any(check in f for f in found), f"{check} not reported: {found}"


def test_clang_tidy_clean():
    found = tidy(sources())
    assert not found, f"{len(found)} clang-tidy findings:\n" + "\n".join(found[:60])


def test_cppcheck_catches_planted_bugs():
    found = cppcheck([planted()])
    assert any("nullPointer" in f for f in found), found
    assert any("memleak" in f for f in found), found


def test_cppcheck_clean():
    found = cppcheck(sources())
    assert not found, f"{len(found)} cppcheck findings:\n" + "\n".join(found[:60])
