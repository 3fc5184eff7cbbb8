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

/* A zeroed struct addrmap is an empty map; slot[0..nslot) iterates it (key 0: empty). Frees the
 * table, not the values. NULL-safe. */
void addrmap__clear(struct addrmap *m);
/* Whether key is held, and its value in *val (may be NULL). */
bool addrmap__get(const struct addrmap *m, uint64_t key, void **val);
/* Sets key's value (a NULL value is a value: "known to have none"). Returns 0 or -ENOMEM, or
 * -EINVAL for key 0. */
int addrmap__put(struct addrmap *m, uint64_t key, void *val);

#endif
