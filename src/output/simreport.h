/* simreport: the reports of `mapscope sim` (docs/sim.md), each a plain/JSON pair reading one view
 * that the command fills after running the simulator. The writers only read the view. */
#ifndef MAPSCOPE_OUTPUT_SIMREPORT_H
#define MAPSCOPE_OUTPUT_SIMREPORT_H

#include "sim/simhash.h"
#include "sim/simmap.h"
#include "sim/simrun.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json;

/* sim occupancy: one fill of cfg->buckets buckets or groups. */
struct simreport_occupancy {
	const struct simocc_cfg *cfg;
	const struct simocc_result *res;
};

void simreport__occupancy_plain(FILE *f, const struct simreport_occupancy *v);
void simreport__occupancy_json(FILE *f, const struct simreport_occupancy *v);

/* One load of a sweep, as its row shows it; poisson is NaN for Swiss tables. */
struct simreport_point {
	double load, overflow, per_bucket, ge2, poisson;
};

/* The row of one occupancy run: the mean chain (probe distance) and the 2+ fraction are taken
 * per bucket (classic) or per key (Swiss), with the last chain entry counted at its index. */
void simreport__sweep_point(const struct simocc_cfg *c, const struct simocc_result *r,
			    struct simreport_point *p);

/* sim sweep: pts[h * npts + k] is load k of hashes[h]; cfg gives the layout, key and buckets. */
struct simreport_sweep {
	const struct simocc_cfg *cfg;
	const enum simhash_kind *hashes;
	size_t nh;
	const struct simreport_point *pts;
	size_t npts;
};

/* CSV, one row per (hash, load) in pts' order. */
void simreport__sweep_plain(FILE *f, const struct simreport_sweep *v);
void simreport__sweep_json(FILE *f, const struct simreport_sweep *v);
/* The overflow fraction against load, one line per hash (and Poisson's, for classic), written to
 * path (replaced). Returns 0 or a negative errno; a failed write may leave a partial file. */
int simreport__sweep_svg(const char *path, const struct simreport_sweep *v);

/* sim grow: stats[r] is run r's final state, for runs >= 1 runs. */
struct simreport_grow {
	const struct simgrow_cfg *cfg;
	const struct simmap_stats *stats;
	uint64_t runs;
};

/* One column per field the layout has, one row per run and a mean row when runs > 1. */
void simreport__grow_plain(FILE *f, const struct simreport_grow *v);
/* Every field in every run and the mean, null where the layout has no such field. */
void simreport__grow_json(FILE *f, const struct simreport_grow *v);

/* sim plan: cfg->hint == cfg->entries. made is the map make() returned, full the same map after
 * cfg->entries inserts; grown of runs runs grew within 64 * hint + 64 inserts, first at entries
 * summing to sum. */
struct simreport_plan {
	const struct simgrow_cfg *cfg;
	struct simmap_stats made, full;
	uint64_t runs, grown, sum;
};

void simreport__plan_plain(FILE *f, const struct simreport_plan *v);
void simreport__plan_json(FILE *f, const struct simreport_plan *v);

/* sim hash: the hashes as they are computed (the input may be endless), one per line or in one
 * JSON object that simreport__hashes_end closes, also after an input error. */
struct simreport_hashes {
	FILE *f;
	struct json *j; /* NULL for lines */
};

/* 0, or -ENOMEM (nothing written). */
int simreport__hashes_begin(struct simreport_hashes *h, FILE *f, bool json);
void simreport__hashes_add(struct simreport_hashes *h, uint64_t hash);
void simreport__hashes_end(struct simreport_hashes *h);

#endif
