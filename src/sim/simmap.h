/* simmap: the interface every simulated map layout implements (an ops table per layout).
 *
 * A model never sees keys, only their 64-bit hashes computed with the seed it hands out: two
 * distinct keys are assumed to have distinct hashes, which holds for every key set the simulator
 * generates (a 64-bit collision among 10^9 keys has probability ~3e-2 per run with a good hash;
 * the models then treat the pair as one key, as a map with an equal key would). */
#ifndef MAPSCOPE_SIM_SIMMAP_H
#define MAPSCOPE_SIM_SIMMAP_H

#include "sim/simgo.h"

#include <stdbool.h>
#include <stdint.h>

struct simmap_params {
	struct simgo go;
	uint32_t key_size; /* bytes as Go stores them (a string key is its 16-byte header) */
	uint32_t elem_size;
	bool key_ptrs; /* the key type holds pointers (strings do): affects allocation */
	bool elem_ptrs;
	uint64_t hint;	   /* make(map[K]V, hint) */
	uint64_t rng_seed; /* drives per-map seeds and noverflow's sampling */
};

struct simmap_stats {
	uint64_t len;
	uint64_t capacity;	   /* slots: 8*2^B, or the sum of table capacities (8 if small) */
	uint64_t buckets;	   /* classic: 2^B (0 before the first insert) */
	uint64_t overflow_buckets; /* classic: linked overflow buckets, old ones while growing */
	uint64_t noverflow;	   /* classic: the runtime's approximate counter */
	uint64_t tables;	   /* Swiss: distinct tables (0 for a small map) */
	uint64_t dir_len;	   /* Swiss: directory entries */
	uint64_t tombstones;	   /* Swiss */
	uint64_t growths;	   /* classic hashGrow; Swiss growToTable + grow + split */
	uint64_t same_size_growths;
	uint64_t splits; /* Swiss */
	uint64_t bytes;	 /* header + arrays + overflow buckets/tables, as allocated */
	bool growing;	 /* classic: oldbuckets != nil */
};

struct simmap;

struct simmap_ops {
	const char *name;
	int (*create)(const struct simmap_params *p, struct simmap **m);
	void (*destroy)(struct simmap *m);
	/* The seed the next hash must be computed with (changes when the map becomes empty). */
	uint64_t (*seed)(const struct simmap *m);
	/* Adds a key not in the map. 0 or -ENOMEM. */
	int (*insert)(struct simmap *m, uint64_t hash);
	/* Deletes a key; -ENOENT if it is not there. */
	int (*remove)(struct simmap *m, uint64_t hash);
	void (*stats)(const struct simmap *m, struct simmap_stats *s);
	/* stats' growths, in O(1) (stats walks a Swiss directory). */
	uint64_t (*growths)(const struct simmap *m);
};

extern const struct simmap_ops simclassic__ops;
extern const struct simmap_ops simswiss__ops;

/* The ops for a Go version's layout. */
const struct simmap_ops *simmap__ops_for(const struct simgo *g);

/* Shared by the models: a small, fast PRNG (splitmix64 state) for seeds and sampling. */
uint64_t simmap__rand(uint64_t *state);

#endif
