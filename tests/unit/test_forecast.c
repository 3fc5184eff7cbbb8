/* Forecast backtests: simulated two-hour series with a known truth (the time the sampled series
 * actually reaches the limit), fed to the forecaster sample by sample as the exporter would.
 *
 * Sampling: every 15 s with +-3 s jitter and 5% of the samples missed (so dt varies). A warning
 * is an ETA of at most WARN_S (15 minutes). Lines starting with "# " are the backtest numbers. */
#include "model/forecast.h"
#include "t.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>

#define LIMIT 1e6
#define WARN_S 900.0
#define SPAN_S 7200.0
#define STEP_S 15.0

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static double rng_unit(struct rng *r) /* (0, 1) */
{
	return ((rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_gauss(struct rng *r)
{
	return sqrt(-2 * log(rng_unit(r))) * cos(2 * M_PI * rng_unit(r));
}

/* The next sample time after t: 15 s +-3 s, and now and then a missed scrape. */
static double next_t(struct rng *r, double t)
{
	double dt = STEP_S + (rng_unit(r) * 6 - 3);

	if (rng_unit(r) < 0.05)
		dt += STEP_S;
	return t + dt;
}

static double clamp0(double y)
{
	return y < 0 ? 0 : y;
}

/* --- basics ---------------------------------------------------------------------------------- */

TEST(forecast_exact_line_irregular_times)
{
	struct forecast f;
	struct rng r = {7};
	double t = 0, eta;
	enum forecast__verdict v;

	forecast__init(&f, NULL);
	/* y = 1000 + 50/s at irregular times: the trend is exact, whatever dt. */
	for (int i = 0; i < 200; i++) {
		CHECK_EQ(forecast__update(&f, t, 1000 + 50 * t), 0);
		t = next_t(&r, t);
		if (i % 17 == 0)
			t += 120; /* long gaps too */
	}
	CHECK(fabs(f.trend - 50) < 1e-6);
	v = forecast__eta(&f, f.t_last, 1000 + 50 * f.t_last + 5000, &eta);
	CHECK_EQ(v, FORECAST__ETA);
	CHECK(fabs(eta - 100) < 1e-3);
	/* ETA from a later time counts down. */
	v = forecast__eta(&f, f.t_last + 40, 1000 + 50 * f.t_last + 5000, &eta);
	CHECK_EQ(v, FORECAST__ETA);
	CHECK(fabs(eta - 60) < 1e-3);
	CHECK(forecast__warn(&f, f.t_last, 1000 + 50 * f.t_last + 5000, 100.5));
	CHECK(!forecast__warn(&f, f.t_last, 1000 + 50 * f.t_last + 5000, 99.5));
}

TEST(forecast_verdicts)
{
	struct forecast f;
	double eta;
	int i;

	forecast__init(&f, NULL);
	CHECK_EQ(forecast__eta(&f, 0, LIMIT, &eta), FORECAST__WARMUP);
	CHECK(isinf(eta));
	/* Warm-up is 10 samples and 600 s: 10 samples over 135 s are not enough. */
	for (i = 0; i < 10; i++)
		CHECK_EQ(forecast__update(&f, i * 15.0, 1000.0 * i), 0);
	CHECK_EQ(forecast__eta(&f, f.t_last, LIMIT, NULL), FORECAST__WARMUP);
	for (; i < 41; i++)
		CHECK_EQ(forecast__update(&f, i * 15.0, 1000.0 * i), 0);
	CHECK_EQ(forecast__eta(&f, f.t_last, LIMIT, &eta), FORECAST__ETA);
	CHECK(fabs(eta - (LIMIT - 40000) / (1000 / 15.0)) < 1);
	CHECK_EQ(forecast__eta(&f, f.t_last, 40000, &eta), FORECAST__REACHED);
	CHECK_EQ(eta, 0);
	CHECK_EQ(forecast__eta(&f, f.t_last, 0, NULL), FORECAST__NO_LIMIT);
	CHECK_EQ(forecast__eta(&f, f.t_last, NAN, NULL), FORECAST__NO_LIMIT);
	CHECK_EQ(forecast__eta(&f, f.t_last, INFINITY, NULL), FORECAST__NO_LIMIT);
	/* Bad samples change nothing. */
	CHECK_EQ(forecast__update(&f, f.t_last, 1), -EINVAL);
	CHECK_EQ(forecast__update(&f, f.t_last - 1, 1), -EINVAL);
	CHECK_EQ(forecast__update(&f, NAN, 1), -EINVAL);
	CHECK_EQ(forecast__update(&f, f.t_last + 15, -1), -EINVAL);
	CHECK_EQ(forecast__update(&f, f.t_last + 15, INFINITY), -EINVAL);
	CHECK_EQ(f.samples, 41);
	/* A slow decline: never. */
	for (int j = 0; j < 200; j++, i++)
		CHECK_EQ(forecast__update(&f, i * 15.0, 40000 - 150.0 * j), 0);
	CHECK_EQ(forecast__eta(&f, f.t_last, LIMIT, &eta), FORECAST__NEVER);
	CHECK(isinf(eta));
	CHECK_STR(forecast__verdict_name(FORECAST__CYCLE), "cycle");
	CHECK_STR(forecast__verdict_name(FORECAST__ETA), "eta");
}

TEST(forecast_clear_resets_trend)
{
	struct forecast f;
	int i;

	forecast__init(&f, NULL);
	for (i = 0; i < 100; i++)
		CHECK_EQ(forecast__update(&f, i * 15.0, 1000.0 * i), 0);
	CHECK(f.trend > 60);
	CHECK_EQ(forecast__update(&f, i++ * 15.0, 50), 1); /* cleared */
	CHECK_EQ(f.trend, 0);
	CHECK_EQ(f.clears, 1);
	CHECK_EQ(f.ncycles, 1);
	CHECK_EQ(f.cycles[0].peak, 99000);
	CHECK(fabs(f.cycles[0].length_s - 1500) < 1e-9);
	CHECK_EQ(forecast__eta(&f, f.t_last, LIMIT, NULL), FORECAST__WARMUP);
	/* A drop by a third is not a clear: it is data. */
	for (; i < 200; i++)
		CHECK_EQ(forecast__update(&f, i * 15.0, 60000), 0);
	CHECK_EQ(forecast__update(&f, i++ * 15.0, 40000), 0);
	CHECK_EQ(f.clears, 1);
}

/* --- backtests ------------------------------------------------------------------------------- */

struct leak_case {
	double cross_min; /* the noise-free line reaches the limit at this minute */
	double noise;	  /* Gaussian noise, as a fraction of the limit */
	uint64_t seed;
};

/* A steady leak from 10% of the limit: warned at least 10 and at most 60 minutes before the
 * sampled series first reaches the limit. */
TEST(forecast_backtest_leak)
{
	static const double crosses[] = {30, 45, 60, 80, 100, 115};
	static const double noises[] = {0, 0.005, 0.02, 0.04};
	double worst_early = 0, worst_late = 1e9;

	for (unsigned ci = 0; ci < sizeof(crosses) / sizeof(crosses[0]); ci++) {
		for (unsigned ni = 0; ni < sizeof(noises) / sizeof(noises[0]); ni++) {
			struct leak_case c = {crosses[ci], noises[ni], 1000 + ci * 10 + ni};
			struct rng r = {c.seed};
			struct forecast f;
			double y0 = 0.1 * LIMIT, rate = 0.9 * LIMIT / (c.cross_min * 60);
			double t = 0, t_warn = -1, t_cross = -1, lead;

			forecast__init(&f, NULL);
			for (; t <= SPAN_S; t = next_t(&r, t)) {
				double y = clamp0(y0 + rate * t + c.noise * LIMIT * rng_gauss(&r));

				if (y >= LIMIT) {
					t_cross = t;
					break;
				}
				CHECK(forecast__update(&f, t, y) >= 0);
				if (t_warn < 0 && forecast__warn(&f, t, LIMIT, WARN_S))
					t_warn = t;
			}
			if (t_cross < 0)
				T_FAIL("cross=%g noise=%g: the simulation never crossed",
				       c.cross_min, c.noise);
			lead = t_cross - t_warn;
			printf("# leak cross_at=%.1fmin noise=%.1f%% warned=%.1fmin lead=%.1fmin\n",
			       t_cross / 60, c.noise * 100, t_warn / 60, lead / 60);
			if (t_warn < 0)
				T_FAIL("cross=%g noise=%g: never warned", c.cross_min, c.noise);
			if (lead < 600)
				T_FAIL("cross=%g noise=%g: warned only %.1f min before",
				       c.cross_min, c.noise, lead / 60);
			if (lead > 3600)
				T_FAIL("cross=%g noise=%g: warned %.1f min before", c.cross_min,
				       c.noise, lead / 60);
			if (lead > worst_early)
				worst_early = lead;
			if (lead < worst_late)
				worst_late = lead;
		}
	}
	printf("# leak: leads between %.1f and %.1f min\n", worst_late / 60, worst_early / 60);
}

struct saw_case {
	double period_min;  /* mean cycle length */
	double peak;	    /* mean peak, fraction of the limit */
	double jitter;	    /* period and peak vary by +-jitter (fraction) per cycle */
	double noise;	    /* fraction of the limit */
	int size_triggered; /* cleared on reaching its peak (rate varies) rather than on a timer */
	uint64_t seed;
};

/* Runs one sawtooth; returns the number of warned samples after the first clear, and sets
 * *first_cycle_warned. cycle_rule 0 runs the same series with the cycle rule off. */
static int run_saw(const struct saw_case *c, int cycle_rule, int *first_cycle_warned,
		   double *max_seen)
{
	struct forecast__params p = forecast__defaults();
	struct forecast f;
	struct rng r = {c->seed};
	double t = 0, start = 0, floor = 0.01 * LIMIT, period, peak, rate;
	int warned = 0, cleared = 0;

	if (!cycle_rule)
		p.cycle_horizon_s = -1;
	forecast__init(&f, &p);
	*first_cycle_warned = 0;
	*max_seen = 0;
	period = c->period_min * 60 * (1 + c->jitter * (2 * rng_unit(&r) - 1));
	peak = c->peak * LIMIT * (1 + c->jitter * (2 * rng_unit(&r) - 1));
	rate = (peak - floor) / period;
	if (c->size_triggered)
		rate *= 1 + c->jitter * (2 * rng_unit(&r) - 1);
	for (; t <= SPAN_S; t = next_t(&r, t)) {
		double y = floor + rate * (t - start);

		if (y >= peak || (!c->size_triggered && t - start >= period)) {
			/* the application clears the map; the next cycle starts */
			start = t;
			floor = LIMIT * 0.03 * rng_unit(&r);
			period = c->period_min * 60 * (1 + c->jitter * (2 * rng_unit(&r) - 1));
			peak = c->peak * LIMIT * (1 + c->jitter * (2 * rng_unit(&r) - 1));
			rate = (peak - floor) / period;
			if (c->size_triggered)
				rate *= 1 + c->jitter * (2 * rng_unit(&r) - 1);
			y = floor;
			cleared = 1;
		}
		y = clamp0(y + c->noise * LIMIT * rng_gauss(&r));
		if (y > *max_seen)
			*max_seen = y;
		forecast__update(&f, t, y);
		if (forecast__warn(&f, t, LIMIT, WARN_S)) {
			if (cleared)
				warned++;
			else
				*first_cycle_warned = 1;
		}
	}
	return warned;
}

/* A map that grows toward the limit, is cleared, grows again: never warned once it has been
 * seen cleared (before its first clear it is indistinguishable from a leak). The same series with
 * the cycle rule off is warned, so the test has teeth. */
TEST(forecast_backtest_sawtooth)
{
	static const struct saw_case cases[] = {
		{20, 0.85, 0.10, 0.005, 0, 1}, {30, 0.90, 0.05, 0.01, 0, 2},
		{15, 0.70, 0.15, 0.02, 0, 3},  {40, 0.80, 0.10, 0.00, 0, 4},
		{25, 0.85, 0.10, 0.01, 1, 5},  {20, 0.80, 0.10, 0.005, 1, 6},
		{10, 0.60, 0.20, 0.02, 0, 7},  {30, 0.75, 0.15, 0.01, 1, 8},
	};
	int naive_total = 0;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct saw_case *c = &cases[i];
		int first, first_naive, w, w_naive;
		double max_seen;

		w = run_saw(c, 1, &first, &max_seen);
		w_naive = run_saw(c, 0, &first_naive, &max_seen);
		naive_total += w_naive;
		printf("# sawtooth period=%gmin peak=%.0f%% jitter=%.0f%% noise=%.1f%% %s: "
		       "max=%.1f%% "
		       "warned samples after first clear: %d (cycle rule off: %d); first cycle "
		       "warned: %s\n",
		       c->period_min, c->peak * 100, c->jitter * 100, c->noise * 100,
		       c->size_triggered ? "size-triggered" : "timed", max_seen / LIMIT * 100, w,
		       w_naive, first ? "yes" : "no");
		if (max_seen >= LIMIT)
			T_FAIL("case %u: the simulated sawtooth reached the limit", i);
		if (w)
			T_FAIL("case %u: warned at %d samples after the first clear", i, w);
	}
	CHECK(naive_total > 0);
}

/* Cleared every 20 minutes (peaks at 50%) for an hour, then no longer cleared: it leaks at a
 * pace that reaches the limit 40 minutes after its last clear. The cycle rule holds the warning
 * back until the map outgrows its old peaks and its longest cycle (by cycle_slack), and it is
 * still warned at least 10 minutes before the limit. */
TEST(forecast_backtest_leak_after_clears)
{
	static const double noises[] = {0, 0.005, 0.01, 0.02};

	for (unsigned ni = 0; ni < sizeof(noises) / sizeof(noises[0]); ni++) {
		struct rng r = {1300 + ni};
		struct forecast f;
		double t = 0, t_warn = -1, t_cross = -1, leak_at = 3 * 1200;

		forecast__init(&f, NULL);
		for (; t <= SPAN_S; t = next_t(&r, t)) {
			double y;

			if (t < leak_at)
				y = 0.01 * LIMIT + 0.49 * LIMIT * fmod(t, 1200) / 1200;
			else
				y = 0.01 * LIMIT + 0.99 * LIMIT * (t - leak_at) / 2400;
			y = clamp0(y + noises[ni] * LIMIT * rng_gauss(&r));
			if (y >= LIMIT) {
				t_cross = t;
				break;
			}
			forecast__update(&f, t, y);
			if (t_warn < 0 && forecast__warn(&f, t, LIMIT, WARN_S))
				t_warn = t;
		}
		printf("# leak-after-clears noise=%.1f%%: clears seen %llu, crossed at %.1f min, "
		       "warned at %.1f min, lead %.1f min\n",
		       noises[ni] * 100, f.clears, t_cross / 60, t_warn / 60,
		       (t_cross - t_warn) / 60);
		if (t_cross < 0)
			T_FAIL("noise=%g: the simulation never crossed", noises[ni]);
		if (f.clears < 2)
			T_FAIL("noise=%g: only %llu clears seen", noises[ni], f.clears);
		if (t_warn < leak_at || t_cross - t_warn < 600)
			T_FAIL("noise=%g: warned at %.1f min, crossed at %.1f min", noises[ni],
			       t_warn / 60, t_cross / 60);
	}
}

/* A flat map, at several levels and noise levels: never warned. */
TEST(forecast_backtest_flat)
{
	static const double levels[] = {0.05, 0.2, 0.5, 0.8, 0.9};
	static const double noises[] = {0, 0.005, 0.01, 0.02};

	for (unsigned li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		for (unsigned ni = 0; ni < sizeof(noises) / sizeof(noises[0]); ni++) {
			struct rng r = {500 + li * 10 + ni};
			struct forecast f;
			double t = 0, min_eta = INFINITY;
			int warned = 0;

			forecast__init(&f, NULL);
			for (; t <= SPAN_S; t = next_t(&r, t)) {
				double y = clamp0(levels[li] * LIMIT +
						  noises[ni] * LIMIT * rng_gauss(&r));
				double eta;

				forecast__update(&f, t, y);
				if (forecast__eta(&f, t, LIMIT, &eta) == FORECAST__ETA &&
				    eta < min_eta)
					min_eta = eta;
				warned += forecast__warn(&f, t, LIMIT, WARN_S);
			}
			printf("# flat level=%.0f%% noise=%.1f%%: shortest ETA %.0f min, warned "
			       "samples %d\n",
			       levels[li] * 100, noises[ni] * 100, min_eta / 60, warned);
			if (warned)
				T_FAIL("flat level=%g noise=%g: warned %d times", levels[li],
				       noises[ni], warned);
		}
	}
}

/* Grows fast toward the limit (warned, rightly: at that pace it would reach it within 15
 * minutes), then stops at 85%: the warning clears within 15 minutes and stays clear. */
TEST(forecast_backtest_grow_then_stop)
{
	static const double noises[] = {0, 0.005, 0.01, 0.02};

	for (unsigned ni = 0; ni < sizeof(noises) / sizeof(noises[0]); ni++) {
		struct rng r = {900 + ni};
		struct forecast f;
		double t = 0, t_stop = 50 * 60, rate = 0.65 * LIMIT / t_stop;
		double last_warn = -1, first_warn = -1;

		forecast__init(&f, NULL);
		for (; t <= SPAN_S; t = next_t(&r, t)) {
			double y = 0.2 * LIMIT + rate * (t < t_stop ? t : t_stop);

			y = clamp0(y + noises[ni] * LIMIT * rng_gauss(&r));
			if (y >= LIMIT)
				T_FAIL("noise=%g: the simulation reached the limit", noises[ni]);
			forecast__update(&f, t, y);
			if (forecast__warn(&f, t, LIMIT, WARN_S)) {
				if (first_warn < 0)
					first_warn = t;
				last_warn = t;
			}
		}
		printf("# grow-then-stop noise=%.1f%%: warned from %.1f min, last warned %.1f min "
		       "(growth stopped at %.0f min)\n",
		       noises[ni] * 100, first_warn / 60, last_warn / 60, t_stop / 60);
		if (first_warn < 0 || first_warn > t_stop)
			T_FAIL("noise=%g: not warned while heading for the limit", noises[ni]);
		if (last_warn > t_stop + 900)
			T_FAIL("noise=%g: still warned %.1f min after growth stopped", noises[ni],
			       (last_warn - t_stop) / 60);
	}
}

T_MAIN()
