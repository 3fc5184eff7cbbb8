"""mapscope info against ground truth from the Go toolchain and binutils, for every toolchain and
build variant (GO-MAP-INTERNALS.md §4, §7)."""
import json
import re
import struct

import lib
from lib import cases

PUSH_RE = re.compile(r"^push\s+%rbp$")
JBE_RE = re.compile(r"^jbe\s")
OBJDUMP_RE = re.compile(r"^\s*\S+\s+0x([0-9a-f]+)\s+[0-9a-f]+\s+(.*?)\s*$")  # go tool objdump


def info(binary, *extra, mapscope=lib.MAPSCOPE):
    p = lib.run([mapscope, "info", "--json", *extra, binary])
    return json.loads(p.stdout)


def load_segments(path):
    """(vaddr, offset, filesz) of each PT_LOAD, read with struct: independent of mapscope's reader."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segs = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            segs.append((p_vaddr, p_offset, p_filesz))
    return segs


def file_offset(segs, vaddr):
    for va, off, sz in segs:
        if va <= vaddr < va + sz:
            return off + vaddr - va
    raise AssertionError(f"0x{vaddr:x} is in no PT_LOAD segment")


def disassemble(binary, start, end):
    """{offset from start: 'mnemonic operands'} from objdump over [start, end)."""
    out = lib.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address=0x{start:x}",
                   f"--stop-address=0x{end:x}", binary]).stdout
    insns = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*?)\s*(?:#.*)?$", line)
        if m:
            insns[int(m.group(1), 16) - start] = re.sub(r"\s+", " ", m.group(2)).strip()
    return insns


def twin(version, variant):
    """The unstripped binary whose symbols are the truth for this variant."""
    return lib.target("mapzoo", version, "plain" if variant == "stripped" else variant)


def check_functions(version, variant, binary, report):
    truth = lib.go_nm(version, twin(version, variant))
    segs = load_segments(binary)
    assert report["functions"], "no map functions reported"
    names = {f["name"] for f in report["functions"]}
    for must in ("runtime.makemap", "runtime.mapassign", "runtime.mapaccess1"):
        assert must in names, f"{must} missing from {sorted(names)}"
    for f in report["functions"]:
        name, addr = f["name"], int(f["addr"], 16)
        if name not in truth:  # assembly functions: NAME.abi0 in the symbol table
            name += ".abi0"
        assert name in truth, f"{name} reported but not in go tool nm"
        assert addr == truth[name][0], f"{name}: info 0x{addr:x}, go tool nm 0x{truth[name][0]:x}"
        assert int(f["file_offset"], 16) == file_offset(segs, addr), f"{name}: file_offset"
        size = truth[name][1]
        insns = disassemble(binary, addr, addr + size)
        if f["probe_insn"] is None:
            # Only functions without a stack check may lack a site (NOSPLIT, e.g. runtime.fatal).
            assert not insns.get(0, "").startswith("cmp"), f"{name}: stack check but no probe"
            continue
        off = f["probe_offset"]
        assert off > 0, f"{name}: probe at the entry instruction"
        insn = insns.get(off)
        assert insn is not None, f"{name}: +{off} is not an instruction boundary"
        want = PUSH_RE if f["probe_insn"] == "push" else JBE_RE
        assert want.match(insn), f"{name}: +{off} is '{insn}', not {f['probe_insn']}"
        if f["role"] == "grow":
            rets = sorted(o for o, i in insns.items() if i == "ret")
            assert f["ret_offsets"] == rets, f"{name}: rets {f['ret_offsets']} != objdump {rets}"
        if name == "runtime.advanceEvacuationMark":
            # The growth-complete block opens with the write-barrier check guarding
            # `h.oldbuckets = nil`: Go's own disassembler names the symbol it reads. The site is
            # that check, or the next instruction when the kernel emulates it (jcc or nop).
            done = f.get("done_offset")
            assert done, f"{name}: no growth-done site"
            objd = lib.run([lib.gobin(version), "tool", "objdump", "-s",
                            "^runtime.advanceEvacuationMark$", twin(version, variant)]).stdout
            lines = [(int(m.group(1), 16) - addr, m.group(2)) for m in
                     (OBJDUMP_RE.match(ln) for ln in objd.splitlines()) if m]
            at = next(i for i, (_, ins) in enumerate(lines)
                      if ins.startswith("CMPL") and "runtime.writeBarrier(SB)" in ins)
            sites = dict(lines[at:at + 1])
            if lines[at + 1][1].startswith(("J", "NOP")):
                sites.update(lines[at + 1:at + 2])
            assert done in sites, f"{name}: +{done} is none of {sites}"

@cases(lib.matrix)
def test_matrix(case):
    version, variant = case
    binary = lib.target("mapzoo", version, variant)
    report = info(binary)
    gv = lib.run([lib.gobin(version), "version", binary]).stdout.split(": ", 1)[1].strip()
    assert report["go_version"] == gv, f"go_version {report['go_version']} != go version {gv}"
    minor = int(version.split(".")[1])
    assert report["layout"] == ("swiss" if minor >= 24 else "classic")
    assert report["stripped"] == (variant == "stripped")
    assert report["pie"] == (variant == "pie")
    assert report["cgo"] == (variant == "cgo")
    assert report["symbols_from"] == ("pclntab" if variant == "stripped" else "symtab")
    assert report["supported"] is True, report.get("reason")
    check_functions(version, variant, binary, report)


@cases(lambda: [(v, var) for v, var in lib.matrix() if var != "stripped"])
def test_matrix_pclntab(case):
    """Forces addresses from the pclntab on unstripped builds, so that the pclntab path (and, on
    Go 1.26+, runtime.text from firstmoduledata, which differs from .text with cgo) is checked
    against go tool nm on PIE and cgo binaries too."""
    version, variant = case
    binary = lib.target("mapzoo", version, variant)
    report = info(binary, "--symbols", "pclntab")
    assert report["symbols_from"] == "pclntab"
    text = lib.go_nm(version, binary)
    assert int(report["text_start"], 16) == text["runtime.text"][0], "text_start != runtime.text"
    check_functions(version, variant, binary, report)
