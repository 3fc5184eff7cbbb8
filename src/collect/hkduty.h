/* hkduty: hotkeys' per-call probes, duty-cycled under an overhead budget, and the scale from
 * what their windows counted to the whole run's (core/hkscale.h). hotkeys reports it; top and
 * export take their per-map writes and deletes from it.
 *
 * open (the probes attach once, to fail before a launched program runs) → start → tick and
 * collect in the caller's loop → finish → sampling and the fold for the report → free. */
#ifndef MAPSCOPE_COLLECT_HKDUTY_H
#define MAPSCOPE_COLLECT_HKDUTY_H

#include "core/hkscale.h"

#include <stdbool.h>
#include <stdint.h>

struct gobin;
struct hotkeys;
struct hkfold;
struct hkduty;

struct hkduty_cfg {
	double budget; /* slowdown allowed in percent; 100: every call probed, counts exact */
	unsigned k;    /* keys kept per map; 0: no fold (hkduty__fold is NULL), the caller reads
			* the per-map counts itself */
	uint64_t only_map;
	unsigned samples;
	bool reads; /* probes on mapaccess*: everything counted is reads */
	bool empty; /* for benchmarks: attached for the whole run, counting nothing */
};

/* What the windows saw and cost so far. */
struct hkduty_sampling {
	double elapsed_s, fraction, work_fraction, overhead_pct, cost_ns, trap_ns, probed_s;
	double cpu_probed_s, cpu_s;
	struct hkscale sc; /* counted writes → the run's, and the bracket */
	uint64_t hits, armed_hits, windows;
	/* The scale rests on a measured cost of a hit (over 1000 armed runs), or barely
	 * depends on it (the hits' cost under a tenth of the windows' CPU time): early scales
	 * can be off by tenfold (a cold program, few windows), which a counter that never goes
	 * down would keep. */
	bool settled;
};

/* Loads and trial-attaches the probes for process pid. Returns 0 or a negative errno; the
 * caller reports it. Free in either case. */
int hkduty__open(const struct gobin *gb, int pid, const struct hkduty_cfg *c, struct hkduty **out);
/* The run starts now (CLOCK_MONOTONIC ns): the first window opens at the first tick from
 * now + delay_ns (two duty cycles on one target keep their windows apart this way). */
void hkduty__start(struct hkduty *d, uint64_t now, uint64_t delay_ns);
/* Opens or closes the window due at now; *next is when the next tick is due. */
int hkduty__tick(struct hkduty *d, uint64_t now, uint64_t *next);
/* Folds in what the kernel counted since the last call (unless k is 0), and the kernel's cost
 * of a hit. */
int hkduty__collect(struct hkduty *d);
/* Closes an open window now; the next cycle opens another. Before a long pause in ticking (a
 * refresh of many maps), and at the end. */
void hkduty__close(struct hkduty *d);
struct hkduty_sampling hkduty__sampling(struct hkduty *d, uint64_t now);
/* Counted (unscaled) counts per map and key; scale them with hkduty__sampling's sc. */
const struct hkfold *hkduty__fold(const struct hkduty *d);
struct hotkeys *hkduty__hotkeys(struct hkduty *d);
/* NULL-safe. */
void hkduty__free(struct hkduty *d);
/* v times scale, rounded; v itself when scale <= 1. */
uint64_t hkduty__scaled(uint64_t v, double scale);

#endif
