/* Shared by src/bpf/record.bpf.c and src/collect/record.c. Includes nothing. */
#ifndef MAPSCOPE_SHARED_RECORD_H
#define MAPSCOPE_SHARED_RECORD_H

#define REC_STACK_DEPTH 32
#define REC_MAX_STACKS 65536

#define REC_KEY_MAX 32 /* --export-keys: key bytes captured (the full length is kept) */

/* Attach cookies: the low 8 bits are the site's enum mapfn_variant (shared/mapfn.h). */
#define REC_COOKIE_JCC (1ULL << 32) /* site is a stack-check jbe: drop morestack hits */

/* The count map's key: the user stack of one runtime.mapassign* call, leaf first. pcs[0] is the
 * probed PC, pcs[1] the caller's return address (read at [rsp]: the frame is not set up yet),
 * then the frame-pointer chain. With --export-keys also the map's type (AX), the key's full
 * length and its first bytes (little-endian for the integer variants). Zeroed past what is
 * filled: the hash covers every byte. */
struct rec_stack {
	unsigned long long pcs[REC_STACK_DEPTH];
	unsigned long long type;
	unsigned int key_len;
	unsigned int variant;
	unsigned char key[REC_KEY_MAX];
};

#endif
