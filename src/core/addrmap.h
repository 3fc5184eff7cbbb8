/* addrmap: a hash from addresses (any nonzero 64-bit key) to pointers, open addressing at most
 * half full. Keys that share their low bits (objects of one size class) spread: the hash folds
 * the high half of a multiply in. */
#ifndef MAPSCOPE_CORE_ADDRMAP_H
#define MAPSCOPE_CORE_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addrmap {
	struct addrmap_slot {
		uint64_t key; /* 0: empty */
		void *val;
	} * slot;
	size_t nslot, n;
};

/* key's home slot in a table of nslot (a power of two). A multiply's low bits depend only on the
 * multiplicand's low bits, and heap addresses share theirs (48-byte objects): the high half is
 * folded in, else 100,000 maps probed long chains. For any table keyed by an address. */
static inline size_t addrmap__slot(uint64_t key, size_t nslot)
{
	uint64_t h = (key >> 3) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 32)) & (nslot - 1);
}

/* A zeroed struct addrmap is an empty map; slot[0..nslot) iterates it (key 0: empty). Frees the
 * table, not the values. NULL-safe. */
void addrmap__clear(struct addrmap *m);
/* Whether key is held, and its value in *val (may be NULL). */
bool addrmap__get(const struct addrmap *m, uint64_t key, void **val);
/* Sets key's value (a NULL value is a value: "known to have none"). Returns 0 or -ENOMEM, or
 * -EINVAL for key 0. */
int addrmap__put(struct addrmap *m, uint64_t key, void *val);

#endif
