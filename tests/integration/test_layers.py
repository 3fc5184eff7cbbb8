"""Includes point down (DESIGN.md's layout, issue 17): each directory of src/ includes only the
layers below it, so that everything but collect and cli builds without libbpf and the BPF
records stop at collect. A header included across a forbidden edge fails, naming the file and
line."""
import glob
import os
import re

import lib

SRC = os.path.join(lib.ROOT, "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)

# What each directory may include besides itself; cli may include every layer.
ALLOWED = {
    "core": set(),
    "inspect": {"core"},
    "sim": {"core"},
    "model": {"core", "inspect", "sim"},
    "output": {"core", "inspect", "sim", "model"},
    "collect": {"core", "inspect", "sim", "model", "shared"},
    "cli": {"core", "inspect", "sim", "model", "output", "collect", "shared"},
    "shared": set(),
}


def edges():
    """Every (file under src/, line, included top directory) of the C sources."""
    for path in sorted(glob.glob(os.path.join(SRC, "*", "*.[ch]"))):
        rel = os.path.relpath(path, SRC)
        with open(path) as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            yield rel, text.count("\n", 0, m.start()) + 1, m.group(1)


def violations(found):
    """The edges of found (file, line, included directory) that point up or sideways."""
    bad = []
    for rel, line, inc in found:
        layer = rel.split("/")[0]
        if layer == "bpf" or inc == layer or inc in ALLOWED[layer]:
            continue
        bad.append(f"src/{rel}:{line} includes {inc}/ ({layer} may include "
                   f"{', '.join(sorted(ALLOWED[layer])) or 'only itself'})")
    return bad


def test_includes_point_down():
    bad = violations(edges())
    assert not bad, "\n".join(bad)


def test_bpf_programs_include_only_shared():
    bad = [f"src/{rel}:{line} includes {inc}/" for rel, line, inc in edges()
           if rel.startswith("bpf/") and inc not in ("shared", "bpf")]
    assert not bad, "\n".join(bad)


def test_a_planted_edge_fails():
    """The check sees an edge: model including collect/ or output/ including cli/ is refused,
    model including core/ is not, and the include pattern finds a real line."""
    assert violations([("model/registry.c", 3, "collect"), ("output/top.c", 9, "cli")]) == [
        "src/model/registry.c:3 includes collect/ (model may include core, inspect, sim)",
        "src/output/top.c:9 includes cli/ (output may include core, inspect, model, sim)"]
    assert violations([("model/registry.c", 3, "core")]) == []
    assert [m.group(1) for m in INCLUDE.finditer('#include "collect/session.h"\n')] == ["collect"]
