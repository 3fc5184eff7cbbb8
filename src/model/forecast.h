/* forecast: when will a series (entries or bytes of one creation site) reach a limit?
 *
 * Holt's linear (double exponential) smoothing for samples at irregular times. Each sample at
 * time t, dt seconds after the previous one, updates
 *
 *	pred   = level + trend * dt
 *	level' = pred + a * (y - pred)                  a = 1 - exp(-dt / level_tau_s)
 *	trend' = trend + b * ((level' - level) / dt - trend)   b = 1 - exp(-dt / trend_tau_s)
 *
 * so a gap of any length weighs the new sample as much as that much time deserves, and the
 * trend is in units per second whatever the sampling. The ETA to a limit is
 * (limit - level) / trend.
 *
 * Warm-up. Until min_samples samples over min_history_s seconds have been seen (since the start
 * or the last clear) there is no ETA, and level and trend are the least-squares line through the
 * samples so far (a first slope between two noisy samples would seed the trend with noise that
 * takes several trend_tau_s to fade); Holt's updates take over from that line.
 *
 * Clears. A sample far below the level is a clear (Go's clear(), or a map emptied and refilled,
 * or a site whose maps were freed), not a trend: when y < level * (1 - drop_frac) and
 * level - y > drop_sigmas * the one-step residual's standard deviation, the level restarts at y,
 * the trend at 0 and the warm-up (min_samples, min_history_s) starts over. The clear also ends
 * a cycle: its peak (highest sample) and length (time since the previous clear, or since the
 * first sample) are remembered (the last FORECAST_CYCLES cycles, none older than
 * cycle_horizon_s).
 *
 * Cycles. A series that has been cleared before is expected to be cleared again, so within a
 * cycle no ETA is given (FORECAST__CYCLE) while either
 *   (a) the level is at most the highest remembered peak: it has been here before and came
 *       back down, or
 *   (b) less than cycle_slack * the longest remembered cycle has passed since the last clear,
 *       and the level projected to the end of the longest cycle (the level itself once past
 *       it) is below the limit: a clear is due before the limit.
 * A map that stops being cleared and keeps growing leaves both conditions (it passes its old
 * peaks, and outlives its longest cycle by the slack), and is forecast as any other. The price:
 * a leak that starts right after a clear is warned only once it has passed the highest earlier
 * peak and cycle_slack * the longest cycle (tests/unit/test_forecast.c: still 14 minutes ahead
 * for a leak reaching the limit 40 minutes after 20-minute cycles).
 *
 * Before the first clear nothing tells a sawtooth from a leak: a first cycle that heads for the
 * limit fast enough is forecast as a leak.
 *
 * Bytes of one Go map never drop (maps never shrink, golang/go#20135); a site's bytes drop only
 * when its maps are freed, which is a clear by the same rule.
 *
 * Pure C11, no allocation: a forecast is one struct.
 */
#ifndef MAPSCOPE_MODEL_FORECAST_H
#define MAPSCOPE_MODEL_FORECAST_H

#include <stdbool.h>

#define FORECAST_CYCLES 8

struct forecast__params {
	double level_tau_s;   /* level smoothing time constant (default 60 s) */
	double trend_tau_s;   /* trend smoothing time constant (default 600 s) */
	unsigned min_samples; /* samples since the start or the last clear before any ETA (10) */
	double min_history_s; /* seconds since the start or the last clear before any ETA (600) */
	double drop_frac;     /* a clear drops below level * (1 - drop_frac) (0.5) ... */
	double drop_sigmas;   /* ... and by more than this many residual deviations (4) */
	double cycle_slack;   /* expected clear within this multiple of the longest cycle (1.25) */
	double cycle_horizon_s; /* cycles older are forgotten (21600 s); negative: no cycle rule */
};

struct forecast__cycle {
	double t_clear;	 /* time of the clear that ended the cycle */
	double peak;	 /* highest sample in the cycle */
	double length_s; /* from the previous clear (or the first sample) to this clear */
};

struct forecast {
	struct forecast__params p;
	double level, trend; /* units, units per second */
	double resid_var;    /* EWMA of the squared one-step residual (level time constant) */
	double t_first, t_last, t_reset; /* first sample, last sample, start of this cycle */
	double cycle_peak;		 /* highest sample since t_reset */
	unsigned n;			 /* samples since the start or the last clear */
	double s_t, s_y, s_tt, s_ty;	 /* warm-up least squares sums (t relative to t_reset) */
	unsigned long long samples, clears;
	struct forecast__cycle cycles[FORECAST_CYCLES]; /* ring, newest at (ncycles - 1) % N */
	unsigned ncycles; /* cycles ever ended (the ring holds the last FORECAST_CYCLES) */
};

enum forecast__verdict {
	FORECAST__ETA = 0,  /* *eta_s is the predicted seconds until the limit (> 0) */
	FORECAST__REACHED,  /* the level is at or above the limit: *eta_s = 0 */
	FORECAST__NEVER,    /* the trend is not positive: the limit is never reached */
	FORECAST__WARMUP,   /* too little history since the start or the last clear */
	FORECAST__CYCLE,    /* within a cycle that is expected to be cleared before the limit */
	FORECAST__NO_LIMIT, /* limit not positive or not finite: no forecast asked */
};

/* The defaults listed in struct forecast__params. */
struct forecast__params forecast__defaults(void);

/* Starts an empty forecast. p may be NULL for the defaults; zero fields of *p take the defaults
 * too (except cycle_horizon_s, where a negative value disables the cycle rule). */
void forecast__init(struct forecast *f, const struct forecast__params *p);

/* Adds the sample y (>= 0) taken at time t (seconds, any epoch). Returns 0; -EINVAL and no
 * change when y or t is not finite, y < 0, or t is not after the previous sample's time. Returns
 * 1 when the sample was taken as a clear. */
int forecast__update(struct forecast *f, double t, double y);

/* Forecast at time now (>= the last sample's time; earlier is taken as the last sample's time)
 * for the given limit. *eta_s is set for FORECAST__ETA (seconds from now) and FORECAST__REACHED
 * (0); otherwise to +infinity. eta_s may be NULL. Does not change the forecast. */
enum forecast__verdict forecast__eta(const struct forecast *f, double now, double limit,
				     double *eta_s);

/* True when forecast__eta gives an ETA (or REACHED) of at most threshold_s. */
bool forecast__warn(const struct forecast *f, double now, double limit, double threshold_s);

/* A short name for a verdict: "eta", "reached", "never", "warmup", "cycle", "no_limit". */
const char *forecast__verdict_name(enum forecast__verdict v);

#endif
