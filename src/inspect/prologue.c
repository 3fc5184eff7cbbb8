#include "inspect/prologue.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <string.h>

#define MAX_PROLOGUE_INSNS 8

static int open_cs(csh *cs, bool detail)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, cs) != CS_ERR_OK)
		return -EIO;
	if (detail)
		cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
	return 0;
}

/* A disassembler and one instruction buffer for cs_disasm_iter; free with close_iter. */
static int open_iter(csh *cs, cs_insn **in, bool detail)
{
	if (open_cs(cs, detail))
		return -EIO;
	*in = cs_malloc(*cs);
	if (!*in) {
		cs_close(cs);
		return -ENOMEM;
	}
	return 0;
}

static void close_iter(csh *cs, cs_insn *in)
{
	cs_free(in, 1);
	cs_close(cs);
}

static bool is_reg(const cs_x86_op *op, x86_reg r)
{
	return op->type == X86_OP_REG && op->reg == r;
}

/* [r14 + 0x10]: g.stackguard0 (R14 holds g in ABIInternal functions). */
static bool is_stackguard(const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && op->mem.base == X86_REG_R14 &&
	       op->mem.index == X86_REG_INVALID && op->mem.disp == 0x10 &&
	       op->mem.segment == X86_REG_INVALID;
}

/* Instructions allowed before the stack check's cmp: they only compute R12 from RSP. */
static bool is_frame_calc(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	if (x->op_count != 2 || !is_reg(&x->operands[0], X86_REG_R12))
		return false;
	switch (in->id) {
	case X86_INS_LEA: /* lea -N(%rsp),%r12 */
		return x->operands[1].type == X86_OP_MEM && x->operands[1].mem.base == X86_REG_RSP;
	case X86_INS_MOV: /* mov %rsp,%r12 (frames > StackBig) */
		return is_reg(&x->operands[1], X86_REG_RSP);
	case X86_INS_SUB: /* sub $N,%r12 */
		return x->operands[1].type == X86_OP_IMM;
	default:
		return false;
	}
}

int prologue__decode(const uint8_t *code, size_t len, uint64_t addr, struct prologue *out)
{
	const uint8_t *p = code;
	uint64_t a = addr;
	bool saw_cmp = false;
	cs_insn *in;
	csh cs;
	int err;
	int i;

	memset(out, 0, sizeof(*out));
	err = open_iter(&cs, &in, true);
	if (err)
		return err;
	for (i = 0; i < MAX_PROLOGUE_INSNS && cs_disasm_iter(cs, &p, &len, &a, in); i++) {
		const cs_x86 *x = &in->detail->x86;
		uint32_t off = (uint32_t)(in->address - addr);

		if (out->insn == PROBE_JCC) {
			/* The instruction right after the jbe. */
			if (in->id == X86_INS_PUSH && x->op_count == 1 &&
			    is_reg(&x->operands[0], X86_REG_RBP)) {
				out->insn = PROBE_PUSH;
				out->offset = off;
			}
			break;
		}
		if (!saw_cmp) {
			if (in->id == X86_INS_CMP && x->op_count == 2 && is_stackguard(&x->operands[1]) &&
			    (is_reg(&x->operands[0], X86_REG_RSP) || is_reg(&x->operands[0], X86_REG_R12)))
				saw_cmp = true;
			else if (is_frame_calc(in))
				continue;
			else if (in->id == X86_INS_JB && i > 0)
				continue; /* large frames: jb morestack after sub */
			else
				break;
			continue;
		}
		if (in->id == X86_INS_JBE) {
			out->insn = PROBE_JCC;
			out->offset = off;
			out->jcc_offset = off;
			continue;
		}
		break;
	}
	close_iter(&cs, in);
	if (out->insn == PROBE_NONE)
		memset(out, 0, sizeof(*out));
	return 0;
}

int prologue__rets(const uint8_t *code, size_t len, uint64_t addr, uint32_t *offs, size_t max,
		   size_t *n)
{
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = len;
	cs_insn *in;
	csh cs;
	int err;

	*n = 0;
	err = open_iter(&cs, &in, false);
	if (err)
		return err;
	while (left > 0) {
		if (!cs_disasm_iter(cs, &p, &left, &a, in)) {
			/* Undecodable byte (padding): step over it. */
			p++;
			a++;
			left--;
			continue;
		}
		if (in->id == X86_INS_RET) {
			if (*n < max)
				offs[*n] = (uint32_t)(in->address - addr);
			(*n)++;
		}
	}
	close_iter(&cs, in);
	return 0;
}

/* Instructions the x86 uprobe code emulates instead of single-stepping (~1 us against ~10). */
static bool is_emulated(csh cs, const cs_insn *in)
{
	return in->id == X86_INS_NOP || cs_insn_group(cs, in, CS_GRP_JUMP) ||
	       (in->id == X86_INS_PUSH && in->detail->x86.operands[0].type == X86_OP_REG);
}

int prologue__first_rip_cmp0(const uint8_t *code, size_t len, uint64_t addr, uint32_t *off)
{
	const uint8_t *p = code;
	uint64_t a = addr;
	bool found = false;
	cs_insn *in;
	csh cs;
	int err;

	err = open_iter(&cs, &in, true);
	if (err)
		return err;
	/* A linear sweep stops at the first undecodable byte: Go pads only after the body. */
	while (cs_disasm_iter(cs, &p, &len, &a, in)) {
		const cs_x86 *x = &in->detail->x86;

		if (found) {
			/* The next instruction runs only on the same path; prefer it when emulated. */
			if (is_emulated(cs, in))
				*off = (uint32_t)(in->address - addr);
			break;
		}
		if (in->id == X86_INS_CMP && x->op_count == 2 && x->operands[0].type == X86_OP_MEM &&
		    x->operands[0].mem.base == X86_REG_RIP && x->operands[0].size == 4 &&
		    x->operands[1].type == X86_OP_IMM && x->operands[1].imm == 0) {
			*off = (uint32_t)(in->address - addr);
			found = true;
		}
	}
	close_iter(&cs, in);
	return found ? 0 : -ENOENT;
}

const char *prologue__insn_name(enum probe_insn i)
{
	switch (i) {
	case PROBE_PUSH:
		return "push";
	case PROBE_JCC:
		return "jcc";
	default:
		return "none";
	}
}
