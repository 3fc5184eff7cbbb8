/* stackset: call stacks kept once. The maps of one creation site share their stack, and a
 * server holds tens of thousands of maps from a few hundred sites: an interned stack is a
 * pointer, where a stack copied into every map was 192 bytes each (24 frames), twice. */
#ifndef MAPSCOPE_CORE_STACKSET_H
#define MAPSCOPE_CORE_STACKSET_H

#include <stddef.h>
#include <stdint.h>

struct stackset;

struct stackset *stackset__new(void);
/* Frees every stack interned: their pointers die with the set. NULL-safe. */
void stackset__free(struct stackset *s);
/* The set's copy of pcs[0..n): equal stacks get the same pointer, valid until the set is freed.
 * NULL for an empty stack, and when out of memory (the caller keeps no stack then). */
const uint64_t *stackset__intern(struct stackset *s, const uint64_t *pcs, uint32_t n);
/* Distinct stacks held. */
size_t stackset__count(const struct stackset *s);

#endif
