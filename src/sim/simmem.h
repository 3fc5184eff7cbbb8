/* simmem: what an allocation of a given size really costs in Go's heap (runtime.roundupsize). */
#ifndef MAPSCOPE_SIM_SIMMEM_H
#define MAPSCOPE_SIM_SIMMEM_H

#include <stdbool.h>
#include <stdint.h>

/* The bytes mallocgc reserves for a request of size bytes: the size class (≤ 32 KiB) or whole
 * 8 KiB pages. From Go 1.22, objects with pointers above 512 bytes carry an 8-byte malloc header,
 * which is not returned as usable size but does occupy the slot (counted here). */
uint64_t simmem__alloc(uint64_t size, bool noscan, int go_minor);
/* The usable size roundupsize() reports (what makeBucketArray divides to find how many buckets
 * fit). */
uint64_t simmem__roundup(uint64_t size, bool noscan, int go_minor);

#endif
