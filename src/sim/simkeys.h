/* simkeys: the key sets the simulator feeds to maps, each a pure function of (set seed, index),
 * so that key i can be regenerated to delete it. Keys within a set are distinct. */
#ifndef MAPSCOPE_SIM_SIMKEYS_H
#define MAPSCOPE_SIM_SIMKEYS_H

#include "sim/simhash.h"

#include <stdbool.h>
#include <stdint.h>

enum simkey_kind {
	SIMKEY_INT32,	     /* 0, 1, 2, ... */
	SIMKEY_INT32_RANDOM, /* a random permutation of 32-bit values */
	SIMKEY_INT64,	     /* 0, 1, 2, ... */
	SIMKEY_INT64_RANDOM,
	SIMKEY_STRING,	      /* random bytes, 8-32 long */
	SIMKEY_STRING_PREFIX, /* "user:0", "user:1", ... */
	SIMKEY_STRUCT16,      /* struct{ a, b uint64 } with random fields */
	SIMKEY_NKINDS,
};

struct simkeys {
	enum simkey_kind kind;
	uint64_t seed;
};

const char *simkeys__name(enum simkey_kind k);
/* Returns the kind for a name or -EINVAL. */
int simkeys__parse(const char *name);
/* The Go key type, as a map's type name would show it. */
const char *simkeys__go_type(enum simkey_kind k);
/* Bytes the key occupies in a bucket or slot (a string is its 16-byte header). */
uint32_t simkeys__size(enum simkey_kind k);
bool simkeys__has_pointers(enum simkey_kind k);

/* Writes key i's bytes into buf (at least 40 bytes); returns their length. */
size_t simkeys__bytes(const struct simkeys *ks, uint64_t i, uint8_t *buf);
/* The hash the runtime computes for key i with this hasher and map seed (memhash32, memhash64,
 * strhash or memhash128, by key type). */
uint64_t simkeys__hash(const struct simkeys *ks, const struct simhash *h, uint64_t i,
		       uint64_t seed);

/* Hashes of keys first .. first+n-1 into out (n at most SIMKEYS_BATCH). */
#define SIMKEYS_BATCH 64
void simkeys__hash_many(const struct simkeys *ks, const struct simhash *h, uint64_t first, size_t n,
			uint64_t seed, uint64_t *out);

#endif
