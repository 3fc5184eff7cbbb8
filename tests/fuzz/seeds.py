#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into OUTDIR/<target>/, from the Go test binaries that
scripts/go-targets built (build/go/...) and from small maps and types built here in the layouts of
GO-MAP-INTERNALS.md. Generated at fuzz time, never committed.

Usage: tests/fuzz/seeds.py OUTDIR"""
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GO = os.path.join(ROOT, "build", "go")

MAP_FUNCS = ["runtime.makemap", "runtime.mapassign_faststr", "runtime.mapassign_fast64",
             "runtime.mapaccess2_faststr", "runtime.advanceEvacuationMark", "runtime.hashGrow",
             "runtime.evacuate_fast64", "internal/runtime/maps.(*table).grow",
             "internal/runtime/maps.(*Map).growToTable", "runtime.mapdelete", "runtime.fatal"]


class Elf:
    """Just enough of a 64-bit ELF reader to cut seeds out of the test binaries."""

    def __init__(self, path):
        self.d = open(path, "rb").read()
        d = self.d
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shnum, shstrndx = struct.unpack_from("<HH", d, 0x3c)
        phoff, = struct.unpack_from("<Q", d, 0x20)
        phnum, = struct.unpack_from("<H", d, 0x38)
        self.loads = []
        for i in range(phnum):
            t, _, off, va, _, fsz = struct.unpack_from("<IIQQQQ", d, phoff + 56 * i)
            if t == 1:
                self.loads.append((va, off, fsz))
        raw = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + 64 * i) for i in range(shnum)]
        strs = raw[shstrndx][4] if raw else 0
        self.sections = {}
        for s in raw:
            name = d[strs + s[0]:d.index(b"\0", strs + s[0])].decode()
            self.sections[name] = s

    def section(self, name):
        s = self.sections.get(name)
        return None if s is None else self.d[s[4]:s[4] + s[5]]

    def symbols(self):
        s = self.sections.get(".symtab")
        if s is None:
            return {}
        strtab = self.sections[".strtab"]
        out = {}
        for i in range(s[5] // 24):
            name, info, _, _, value, size = struct.unpack_from("<IBBHQQ", self.d, s[4] + 24 * i)
            at = strtab[4] + name
            out[self.d[at:self.d.index(b"\0", at)].decode(errors="replace")] = (value, size)
        return out

    def at(self, vaddr, n):
        for va, off, fsz in self.loads:
            if va <= vaddr < va + fsz:
                o = off + vaddr - va
                return self.d[o:o + n]
        return None


def binary(version, variant, prog="mapzoo"):
    path = os.path.join(GO, prog, f"go{version}", variant, prog)
    return path if os.path.exists(path) else None


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- from the Go binaries ----

def from_binaries(out):
    small = ["/bin/true"]  # a non-Go ELF
    for p in small:
        if os.path.exists(p):
            put(out, "elf", "true", open(p, "rb").read())
    for version, variant in [("1.19", "stripped"), ("1.23", "plain"), ("1.26", "pie"),
                             ("1.27", "stripped")]:
        path = binary(version, variant)
        if path:
            put(out, "elf", f"go{version}-{variant}", open(path, "rb").read())
    for version in ["1.19", "1.21", "1.22", "1.23", "1.24", "1.26", "1.27"]:
        path = binary(version, "plain")
        if not path:
            continue
        e = Elf(path)
        bi = e.section(".go.buildinfo")
        if bi:
            put(out, "buildinfo", f"go{version}", bi)
        if version in ("1.19", "1.26"):
            put(out, "pclntab", f"go{version}", e.section(".gopclntab"))
        syms = e.symbols()
        for fn in MAP_FUNCS:
            if fn in syms and syms[fn][1]:
                code = e.at(syms[fn][0], min(syms[fn][1], 4096))
                if code:
                    put(out, "prologue", f"go{version}-{fn.replace('/', '_')}", code)
    # Pointer-format build information (Go before 1.18): two pointers to string headers, here
    # at the blob's address in fuzz.h's wrapped image.
    base = 0x400000 + 128
    hdr = b"\xff Go buildinf:" + bytes([8, 0]) + struct.pack("<QQ", base + 32, base + 48)
    vers = b"go1.16.15"
    blob = hdr + struct.pack("<QQ", base + 64, len(vers)) + struct.pack("<QQ", 0, 0) + vers
    put(out, "buildinfo", "pointers", blob)


# ---- type descriptors (fuzz_gotype's format) ----

def gotype_seed(minor, swiss, strides=False):
    md_types = 280 if minor <= 19 else 296
    blob = bytearray(2048)
    base = 0x400000 + 128
    mt, key, elem, md, name = 256, 512, 640, 1024, 1600
    blob[0] = minor - 19
    struct.pack_into("<II", blob, 4, mt, md)
    struct.pack_into("<Q", blob, md + md_types, base)  # types section = the blob
    for off, size, kind in ((key, 16, 24), (elem, 8, 2)):
        struct.pack_into("<Q", blob, off, size)
        blob[off + 23] = kind
    blob[mt + 20] = 2  # tflagExtraStar
    blob[mt + 23] = 21
    struct.pack_into("<i", blob, mt + 40, name)
    text = b"*map[string]int"
    blob[name] = 0
    blob[name + 1] = len(text)
    blob[name + 2:name + 2 + len(text)] = text
    struct.pack_into("<QQ", blob, mt + 48, base + key, base + elem)
    if not swiss:
        blob[mt + 80], blob[mt + 81] = 16, 8
        struct.pack_into("<H", blob, mt + 82, 208)
    elif strides:
        struct.pack_into("<QQQQQQI", blob, mt + 80, 200, 8, 24, 16, 24, 16, 0)
    else:
        struct.pack_into("<QQQI", blob, mt + 80, 200, 24, 16, 4)
    return bytes(blob)


# ---- maps in fake memory (mapinput.h's format) ----

BASE = 0x10000


def mapin(flags, kk, ek, bsz, slots, ksize, esize, mem, n=8):
    hdr = struct.pack("<BBBBI4H4xII", flags, kk, ek, 64, bsz, *slots, ksize, esize)
    hdr += bytes([n, 1, 0, 0])
    assert len(hdr) == 32
    return hdr + bytes(mem)


def classic_map(growing=False, overflow=True):
    bsz = 8 + 64 + 64 + 8
    mem = bytearray(4096)
    B = 1
    buckets, old, ovf, strs = 256, 256 + 2 * bsz, 1024, 2048
    count = 0
    for b in range(2):
        for i in range(5):
            at = buckets + b * bsz
            mem[at + i] = 5 + i
            struct.pack_into("<qq", mem, at + 8 + 8 * i, count, 0)
            struct.pack_into("<q", mem, at + 72 + 8 * i, 10 * count)
            count += 1
    if overflow:
        struct.pack_into("<Q", mem, buckets + bsz - 8, BASE + ovf)
        mem[ovf] = 9
        struct.pack_into("<q", mem, ovf + 8, 99)
        count += 1
    struct.pack_into("<QBBHI", mem, 0, count, 8 if growing else 0, B, 1, 1234)
    struct.pack_into("<QQ", mem, 16, BASE + buckets, BASE + old if growing else 0)
    if growing:
        mem[old] = 2  # evacuated to X
    return mapin(0, 6, 6, bsz, (8, 8, 0, 0), 8, 8, mem)


def classic_strings():
    bsz = 8 + 8 * 16 + 8 * 8 + 8
    mem = bytearray(1024)
    buckets, strs = 128, 600
    for i in range(3):
        s = f"key{i}".encode()
        mem[strs + 8 * i:strs + 8 * i + len(s)] = s
        mem[buckets + i] = 7
        struct.pack_into("<QQ", mem, buckets + 8 + 16 * i, BASE + strs + 8 * i, len(s))
        struct.pack_into("<d", mem, buckets + 8 + 128 + 8 * i, 1.5 * i)
    struct.pack_into("<QBBHI", mem, 0, 3, 0, 0, 0, 1)
    struct.pack_into("<Q", mem, 16, BASE + buckets)
    return mapin(2, 24, 14, bsz, (16, 8, 0, 0), 16, 8, mem)


def swiss_small():
    gsz = 8 + 8 * 16
    mem = bytearray(512)
    grp = 64
    for i in range(8):
        mem[grp + i] = 0x80 if i >= 5 else i + 1
        struct.pack_into("<qq", mem, grp + 8 + 16 * i, i, 100 + i)
    struct.pack_into("<QQQQ", mem, 0, 5, 7, BASE + grp, 0)
    return mapin(1, 2, 2, gsz, (8, 16, 16, 16), 8, 8, mem)


def swiss_tables():
    gsz = 8 + 8 * 16
    mem = bytearray(4096)
    dir_, t1, t2, g1, g2 = 64, 128, 192, 256, 256 + 2 * gsz
    struct.pack_into("<QQQQ", mem, dir_, BASE + t1, BASE + t1, BASE + t2, BASE + t2)
    used = 0
    for t, g in ((t1, g1), (t2, g2)):
        struct.pack_into("<HHHH", mem, t, 3, 16, 10, 0)
        struct.pack_into("<QQ", mem, t + 16, BASE + g, 1)
        for k in range(2):
            for i in range(8):
                full = (i + k) % 3 == 0
                mem[g + k * gsz + i] = 0x11 if full else (0xfe if i == 7 else 0x80)
                used += full
    struct.pack_into("<QQQQ", mem, 0, used, 7, BASE + dir_, 4)
    return mapin(1 | 4, 6, 6, gsz, (8, 16, 16, 16), 8, 8, mem)


def synthetic(out):
    for minor, swiss, strides in ((19, False, False), (23, False, False), (26, True, False),
                                  (27, True, True)):
        put(out, "gotype", f"go1.{minor}", gotype_seed(minor, swiss, strides))
    maps = {"classic": classic_map(), "classic-growing": classic_map(growing=True),
            "classic-strings": classic_strings(), "swiss-small": swiss_small(),
            "swiss-tables": swiss_tables()}
    for target in ("mapread", "mapwalk"):
        for name, data in maps.items():
            put(out, target, name, data)


def main():
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)
    from_binaries(out)
    synthetic(out)


if __name__ == "__main__":
    main()
