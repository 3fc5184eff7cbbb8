/* hkscale: from the writes hotkeys counted inside its sampling windows to the whole run's.
 *
 * A window that counted A writes in C ns of the target's CPU time saw C - A*c of the program's
 * own work (c: the cost of a probe hit), and the rest of the run did O ns of work. When the
 * program's time per write is small against c, C - A*c is the small difference of two large
 * numbers and c inside a window is known only to tens of percent (HKSCALE_COST_SLACK), so the
 * work seen is bracketed: at most C, at least max(C - A*c*(1 + slack), A*HKSCALE_WRITE_MIN_NS).
 * The estimate is C - A*c when that lower bound clears its floor, else the geometric middle. */
#ifndef MAPSCOPE_CORE_HKSCALE_H
#define MAPSCOPE_CORE_HKSCALE_H

#include <stdint.h>

/* No Go map write, whatever the program does between writes, takes less than this. */
#define HKSCALE_WRITE_MIN_NS 5.0
/* How far the cost of a hit inside a window may exceed the one measured (relative). Measured on
 * a 6 µs-trap host (zipfkeys, budgets 0.5-30, hits at 1x and 5x their cost): 3-9 % at 5x, 6-36 %
 * at 1x (the most where the program's cost was still its cold first runs'). */
#define HKSCALE_COST_SLACK 0.35

/* Multipliers from counted writes to the run's: the estimate, and the bracket's ends. */
struct hkscale {
	double est, low, high;
};

/* All 1 when nothing was counted (or C is not positive). cold: how much dearer a hit is with
 * the caches cold, relative to cost_ns (collect/calib.h): the estimate takes a hit at half of
 * that, and the bracket allows twice it, or HKSCALE_COST_SLACK if more. */
struct hkscale hkscale__work(double cpu_in, double cpu_out, double counted, double cost_ns,
			     double cold);
/* A key's count over the run and its error, from its counted count and Space-Saving error (the
 * counted count over-states the truth by at most err) and, when sampled (high > 1), the count's
 * own sampling noise (Poisson: 3 standard deviations): the truth lies in est +- error whenever
 * the scale lies in the bracket. */
void hkscale__key(uint64_t count, uint64_t err, const struct hkscale *s, uint64_t *est,
		  uint64_t *error);
/* The same range as its two ends: the run's count lies in [*lo, *hi]. */
void hkscale__range(uint64_t count, uint64_t err, const struct hkscale *s, uint64_t *lo,
		    uint64_t *hi);

#endif
