/* prologue: finds where a Go function can be uprobed cheaply, and where it returns.
 *
 * A uprobe on a Go function's first instruction (cmp against g.stackguard0) is single-stepped
 * and costs ~11 µs a hit; the kernel emulates `jbe` and `push %rbp`, ~1 µs. The probe site is
 * the `push %rbp` that directly follows the stack check's `jbe` (Go 1.21+), else that `jbe`
 * (Go 1.19, frameless functions). Nothing in the accepted shapes writes an argument register
 * before the site, so arguments are intact there. Never the entry instruction. */
#ifndef MAPSCOPE_INSPECT_PROLOGUE_H
#define MAPSCOPE_INSPECT_PROLOGUE_H

#include <stddef.h>
#include <stdint.h>

enum probe_insn {
	PROBE_NONE, /* no recognised stack-check prologue: not probed */
	PROBE_PUSH, /* push %rbp */
	PROBE_JCC,  /* the jbe of the stack check (hits with CF|ZF set go to morestack) */
};

struct prologue {
	enum probe_insn insn;
	uint32_t offset;    /* probe site, bytes from the function start */
	uint32_t jcc_offset; /* the stack check's jbe */
};

/* Decodes the start of a function (code at its entry address addr, len bytes available). */
int prologue__decode(const uint8_t *code, size_t len, uint64_t addr, struct prologue *out);
/* Offsets of every RET in [code, code+len), by linear sweep; at most max stored, *n counts all.
 * Returns 0, or -EIO if the disassembler cannot start. */
int prologue__rets(const uint8_t *code, size_t len, uint64_t addr, uint32_t *offs, size_t max,
		   size_t *n);
/* Offset of the first `cmp dword ptr [rip+X], 0` in [code, code+len), or of the instruction
 * right after it when the kernel emulates that one (a jcc or a nop): in advanceEvacuationMark
 * (Go 1.19-1.23) the first write-barrier check opens the block that runs only when evacuation is
 * complete (h.oldbuckets = nil), with the map still in AX. Returns 0 or -ENOENT. */
int prologue__first_rip_cmp0(const uint8_t *code, size_t len, uint64_t addr, uint32_t *off);
const char *prologue__insn_name(enum probe_insn i);

#endif
