/* sites: a target's maps aggregated by creation site (function, file:line, type), the unit of
 * the exporter's metrics and of the forecasts. A bounded set of sites is "exported" (the biggest
 * by bytes); the rest add up in one `other` aggregate.
 *
 * Counters (growths, the growth-time histogram, writes) only ever increase, per exported site and for
 * `other`: a growth adds to the site's own counter while the site is exported and to `other`'s
 * otherwise, so a site that joins the exported set starts its counters at zero and no counter
 * ever goes down. A site keeps its place while it is not displaced: a site outside the set takes
 * the place of the smallest exported one only when it holds twice its bytes, so rankings that
 * merely wobble do not churn series. A site with no live map for SITES_LINGER_S is forgotten. */
#ifndef MAPSCOPE_MODEL_SITES_H
#define MAPSCOPE_MODEL_SITES_H

#include "model/forecast.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SITES_NBUCKETS 12 /* growth-time histogram: upper bounds in sites__bucket_le() */
#define SITES_LINGER_S 600.0

struct site {
	char func[160]; /* "?" when unknown; type "?" while the map type is unknown */
	char file[160]; /* "name.go:42" */
	char type[192];
	bool exported;
	/* Gauges: the site's live maps at the last update. */
	uint64_t maps, entries, capacity, bytes, overflow_buckets, tombstones;
	/* Counters while exported (for `other`: of every growth outside the exported set). */
	uint64_t growths;
	uint64_t hist[SITES_NBUCKETS + 1]; /* last: +Inf; cumulative when written out */
	uint64_t timed;                    /* growths with a measured duration */
	double growth_seconds;
	uint64_t writes; /* sites__count_writes */
	/* Forecasts of entries and bytes, and their verdicts at the last update. */
	struct forecast fc_entries, fc_bytes;
	enum forecast__verdict v_entries, v_bytes;
	double eta_entries, eta_bytes;
	double last_seen; /* when it last had a live map */
};

struct sites__params {
	unsigned max_exported;     /* sites exported one by one (default 50) */
	double limit_entries;      /* 0: none */
	double limit_bytes;        /* 0: none */
	struct forecast__params fc; /* zero fields take forecast's defaults */
};

struct sites;
struct registry;
struct reg_growth;
struct gobin;

/* Scales the forecasts to history_s (> 0): that much history before an ETA, trend smoothed over
 * as long, level over a tenth of it. Tests and short-lived programs use a few seconds. */
void sites__set_history(struct sites__params *p, double history_s);
struct sites *sites__new(const struct gobin *gb, const struct sites__params *p);
void sites__free(struct sites *s);
/* Aggregates the registry's live maps at time now (seconds), counts the growths given (those
 * taken from the registry since the last update; may be NULL), updates the forecasts and the
 * exported set. bias is the target's load bias. Returns 0 or -ENOMEM (the update is then
 * partial; the next one repairs it). */
int sites__update(struct sites *s, struct registry *r, uint64_t bias, double now,
		  const struct reg_growth *g, size_t ng);
/* Adds to each site's writes counter what its live maps were written since the last call, from
 * their calls over the run (reg_map.calls: an estimate that may wobble down before it settles;
 * a map's counter then waits until it is exceeded). Call after sites__update.
 * Writes to a map freed between two calls are lost; a map's writes count from when its type
 * is known (a makemap_small map's once it is seen in use), all of them at once. */
void sites__count_writes(struct sites *s, struct registry *r, uint64_t bias, double now);
size_t sites__count(const struct sites *s);
const struct site *sites__at(const struct sites *s, size_t i);
/* The aggregate of the sites that are not exported (labels "other"). */
const struct site *sites__other(const struct sites *s);
/* Upper bound in seconds of histogram bucket i < SITES_NBUCKETS. */
double sites__bucket_le(unsigned i);

#endif
