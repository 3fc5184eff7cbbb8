"""mapscope top (root + BPF) drops maps the Go garbage collector has freed: the target frees some
of its maps and keeps others, and says which (tests/go/gcfree). A freed map's header stays
readable (Go's heap stays mapped), so only the heap's span tables can tell; maps the target
keeps must stay reported with the target's len. Every toolchain and build variant, launch mode."""

import lib
from lib import cases


def parse(lines):
    """The target's truth, the maps it freed, and the non-final reports before its drops and
    after its collection (by the order of lines on the shared stdout)."""
    truth, freed, before, after, phase = {}, [], [], [], "build"
    for line in lines:
        if line.startswith("truth "):
            _, name, addr, n = line.split()
            truth[name] = (addr, int(n))
        elif line.startswith("freed "):
            freed.append(line.split()[1])
            phase = "dropping"
        elif line == "collected":
            phase = "collected"
        elif line.startswith("{"):
            r = lib.top_json(line)
            if r["stats"]["final"]:
                continue
            if phase == "build" and len(truth) == 7:
                before.append(r)
            elif phase == "collected":
                after.append(r)
    return truth, freed, before, after


@cases(lib.matrix)
def test_top_gc(case):
    lib.require_root()
    version, variant = case
    binary = lib.target("gcfree", version, variant)
    p = lib.run([lib.MAPSCOPE, "top", "--json", "-i", "0.25", "--", binary, "2"])
    truth, freed, before, after = parse(p.stdout.splitlines())
    assert len(truth) == 7, f"target printed {sorted(truth)}"
    assert sorted(freed) == ["freeInt", "freePair", "freeSmall", "freeStr"], freed
    assert before, "no report while every map was alive"
    assert len(after) >= 2, f"{len(after)} reports after the collection"
    # Before the drops every map is reported: the freed ones were known, so their absence later
    # is a drop, not a miss.
    seen = {m["addr"] for r in before for m in r["maps"]}
    for name, (addr, _) in truth.items():
        assert addr in seen, f"{name} ({addr}) never reported while alive"
    for r in after[-2:]:
        maps = {m["addr"]: m for m in r["maps"]}
        for name, (addr, n) in truth.items():
            if name in freed:
                assert addr not in maps, \
                    f"{name} ({addr}) still reported after the GC freed it: {maps[addr]}"
            else:
                assert addr in maps, f"kept map {name} ({addr}) not reported; {sorted(maps)}"
                assert maps[addr]["len"] == n, \
                    f"{name}: mapscope len {maps[addr]['len']}, truth {n}"
