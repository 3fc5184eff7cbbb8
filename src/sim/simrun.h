/* simrun: the experiments behind `mapscope sim`: growing maps like a program does, filling a fixed
 * number of buckets or groups, and planning a make(map, N). */
#ifndef MAPSCOPE_SIM_SIMRUN_H
#define MAPSCOPE_SIM_SIMRUN_H

#include "sim/simgo.h"
#include "sim/simhash.h"
#include "sim/simkeys.h"
#include "sim/simmap.h"

#include <stdint.h>

/* Called now and then during long runs (done of total operations). */
typedef void (*simrun_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct simgrow_cfg {
	struct simgo go;
	enum simkey_kind key;
	enum simhash_kind hash;
	uint64_t entries;
	uint64_t hint; /* make(map, hint) */
	double churn;  /* then churn*entries steps of: delete the oldest key, insert a new one */
	uint32_t elem_size; /* bytes of the map's value type */
	uint64_t seed;	    /* run r derives its process key material, map seed and keys from it */
};

/* Run number `run` of a grow experiment. Returns 0 or a negative errno. */
int simrun__grow(const struct simgrow_cfg *c, unsigned run, struct simmap_stats *st,
		 simrun_progress_fn progress, void *ctx);

/* Inserts into a make(map, c->hint) until the map first grows; *at = the number of entries whose
 * insert triggered it (0 if none within 64 * hint + 64 inserts). */
int simrun__first_growth(const struct simgrow_cfg *c, unsigned run, uint64_t *at);

#define SIMOCC_MAXFILL 256
#define SIMOCC_MAXCHAIN 64

struct simocc_cfg {
	enum simgo_layout layout;
	uint64_t buckets; /* buckets (classic) or groups (Swiss): a power of two */
	double load;	  /* entries per bucket or group (Go's classic limit is 6.5, Swiss 7) */
	enum simhash_kind hash;
	enum simkey_kind key;
	uint64_t seed;
	unsigned threads; /* classic only: threads sharing the buckets (0 or 1: one) */
};

#define SIMOCC_MAXTHREADS 64

struct simocc_result {
	uint64_t keys;
	/* fill[c]: buckets (with their chain) holding c entries; groups holding c entries. A
	 * classic bucket's counter is one byte: fill[255] counts buckets with 255 or more, whose
	 * chains (31+ overflow buckets, only ever seen with a broken hash) are counted as 31. */
	uint64_t fill[SIMOCC_MAXFILL];
	/* chain[n]: classic: buckets with n overflow buckets; Swiss: keys placed n groups past the
	 * first group of their probe sequence. The last entry collects everything longer (and the
	 * means derived from it count those as SIMOCC_MAXCHAIN-1). */
	uint64_t chain[SIMOCC_MAXCHAIN];
	uint64_t overflow_buckets; /* classic */
	uint64_t saturated;	   /* classic: buckets whose counter saturated (fill[255]) */
	/* classic: buckets with an overflow bucket / buckets; Swiss: keys not in their first group.
	 */
	double overflow_fraction;
};

/* Fills cfg->buckets buckets (or groups) with round(load * buckets) keys, without growth, using at
 * most one byte of memory per bucket. The result does not depend on the number of threads.
 * 0 or a negative errno (-EINVAL for an impossible load). */
int simrun__occupancy(const struct simocc_cfg *c, struct simocc_result *r,
		      simrun_progress_fn progress, void *ctx);

/* The probability that a Poisson(load) bucket holds more than 8 entries: the classic layout's
 * overflow fraction with an ideal hash. */
double simrun__poisson_overflow(double load);

#endif
