/* Shared by src/bpf/callcount.bpf.c and src/collect/callcount.c. Includes nothing. */
#ifndef MAPSCOPE_SHARED_CALLCOUNT_H
#define MAPSCOPE_SHARED_CALLCOUNT_H

/* One counter per attached site; the attach cookie carries the site index and flags. */
#define CALLCOUNT_MAX_SITES 128
#define CALLCOUNT_IDX_MASK 0xffffULL
/* The site is the stack check's jbe: a hit whose flags say "jbe taken" goes to morestack and
 * re-enters the function from its start, so it is not a call (GO-MAP-INTERNALS.md §4). */
#define CALLCOUNT_COOKIE_JCC (1ULL << 32)
/* Slot CALLCOUNT_MAX_SITES counts those morestack hits. */
#define CALLCOUNT_SLOTS (CALLCOUNT_MAX_SITES + 1)

#define X86_EFLAGS_CF 0x0001
#define X86_EFLAGS_ZF 0x0040

#endif
