/* Shared by src/bpf/record.bpf.c and src/collect/record.c. Includes nothing. */
#ifndef MAPSCOPE_SHARED_RECORD_H
#define MAPSCOPE_SHARED_RECORD_H

#define REC_STACK_DEPTH 32
#define REC_MAX_STACKS 65536

#define REC_COOKIE_JCC (1ULL << 32) /* site is a stack-check jbe: drop morestack hits */

/* The count map's key: the user stack of one runtime.mapassign* call, leaf first. pcs[0] is the
 * probed PC, pcs[1] the caller's return address (read at [rsp]: the frame is not set up yet),
 * then the frame-pointer chain. Zeroed past n: the hash covers every byte. */
struct rec_stack {
	unsigned long long pcs[REC_STACK_DEPTH];
};

#endif
