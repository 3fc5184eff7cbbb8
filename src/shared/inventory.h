/* Shared by src/bpf/inventory.bpf.c and src/collect/inventory.c. Includes nothing. */
#ifndef MAPSCOPE_SHARED_INVENTORY_H
#define MAPSCOPE_SHARED_INVENTORY_H

#define INV_STACK_DEPTH 24
#define INV_STACK_DEPTH_POW2 32 /* a power of two above it, to bound nstack for the verifier */

/* What a probe site does; the attach cookie carries it in its low 8 bits. */
enum inv_site {
	INV_CREATE_ENTRY = 1,  /* makemap / maps.NewMap: AX = map type; stashed per thread */
	INV_CREATE_RET,        /* RET of makemap*, NewMap: AX = the new map */
	INV_CLASSIC_GROW,      /* hashGrow(t, h): AX = type, BX = map */
	INV_CLASSIC_EVAC_DONE, /* advanceEvacuationMark's evacuation-complete block: AX = map */
	INV_CLASSIC_GROWWORK,  /* growWork*(t, h, bucket), in windows: BX = map; counted per map */
	INV_SWISS_GROW_MAP,    /* growToSmall / growToTable(m, typ): AX = map, BX = type */
	INV_SWISS_REHASH,      /* (*table).rehash(t, typ, m): AX = table, BX = type, CX = map */
	INV_SWISS_SPLIT,       /* (*table).split: marks the stashed rehash as a split */
	INV_SWISS_REHASH_RET,  /* RET of rehash: one table growth done, timed */
	INV_TOUCH,             /* map{assign,access,delete}*(t, h): AX = type, BX = map */
	INV_EXIT,              /* runtime.exit's entry: the process is about to end */
};

#define INV_COOKIE_JCC (1ULL << 32)      /* site is a stack-check jbe: drop morestack hits */
#define INV_COOKIE_STASH (1ULL << 33)    /* CREATE_RET: take the type stashed at entry */
#define INV_COOKIE_FUNC_SHIFT 8          /* bits 8..23: index of the function in `info` */
#define INV_COOKIE_TO_TABLE (1ULL << 34) /* SWISS_GROW_MAP: growToTable (else growToSmall) */

enum inv_event_kind {
	INV_EV_CREATE = 1,
	INV_EV_GROW_START,  /* classic hashGrow; arg = count, arg2 = B | flags << 8 */
	INV_EV_GROW_END,    /* classic evacuation done */
	INV_EV_SWISS_SMALL, /* growToSmall */
	INV_EV_SWISS_TABLE, /* growToTable */
	INV_EV_SWISS_REHASH, /* arg = old table capacity, arg2 = 1 if split; dur_ns */
	INV_EV_TOUCH,       /* first touch of a map seen in a window */
	INV_EV_EXIT,        /* runtime.exit; the process is stopped when held (inventory.h) */
};

struct inv_event {
	unsigned int kind;
	unsigned int func;
	unsigned long long ts;
	unsigned long long map;
	unsigned long long type;
	unsigned long long arg;
	unsigned long long arg2;
	unsigned long long dur_ns;
	unsigned long long g; /* the goroutine (its g pointer) */
	unsigned int nstack;
	unsigned int pad;
	unsigned long long stack[INV_STACK_DEPTH];
};

/* The ring carries an event up to its last stack frame: stack[nstack...] are not sent. */
#define INV_EVENT_HEAD 72 /* offsetof(struct inv_event, stack) */

#define X86_EFLAGS_CF 0x0001
#define X86_EFLAGS_ZF 0x0040

#endif
