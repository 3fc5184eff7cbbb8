/* burst: when a due window opens, on simulated programs whose CPU clock moves as the kernel's
 * does (in 4 ms ticks while a thread runs on), sampled every 2 ms. */
#include "core/burst.h"
#include "t.h"

#include <stdint.h>

#define MS 1000000ull
#define TICK (4 * MS)
#define POLL (2 * MS)
#define WAIT (1000 * MS)
#define DELAY (500 * MS)
#define WIN (10 * MS)

/* A program that runs `run` ns from every multiple of `period` (run == period: always), its CPU
 * clock read at t: whole ticks of the current run, every earlier run whole. */
static uint64_t cpu_at(uint64_t t, uint64_t period, uint64_t run)
{
	uint64_t done = t / period * run, in = t % period;

	return done + (in < run ? in / TICK * TICK : run);
}

/* Samples from `from` every POLL until the window opens (or `until`); returns when it opened. */
static uint64_t open_at(struct burst *b, uint64_t from, uint64_t until, uint64_t due,
			uint64_t period, uint64_t run)
{
	for (uint64_t t = from; t < until; t += POLL)
		if (burst__sample(b, t, cpu_at(t, period, run), due)) {
			burst__opened(b);
			return t;
		}
	return 0;
}

TEST(burst_busy_program_opens_soon)
{
	struct burst b;
	uint64_t t;

	burst__init(&b, WAIT, DELAY, 1);
	b.win_ns = WIN;
	t = open_at(&b, 5000 * MS, 8000 * MS, 5000 * MS, 1000 * MS, 1000 * MS);
	CHECK(t >= 5000 * MS);
	/* Watched whole for at most BURST_LEARN_MAX_NS, then at once. */
	CHECK(t <= 5000 * MS + BURST_LEARN_MAX_NS + 3 * POLL);
	t = open_at(&b, 6000 * MS, 8000 * MS, 6000 * MS, 1000 * MS, 1000 * MS);
	CHECK(t >= 6000 * MS && t <= 6000 * MS + 3 * POLL);
}

TEST(burst_idle_program_waits_then_opens)
{
	struct burst b;
	uint64_t t;

	burst__init(&b, WAIT, DELAY, 2);
	t = open_at(&b, 5000 * MS, 9000 * MS, 5000 * MS, 1000 * MS, 0);
	CHECK(t >= 5000 * MS + WAIT && t <= 5000 * MS + WAIT + POLL);
}

/* 15 ms of work once a second from t = k s: after the rhythm is learnt, every window covers
 * some of a run (open from its own length before the start to the run's end), and eight of
 * them cover its first, middle and last thirds. */
TEST(burst_bursty_program_windows_land_on_runs)
{
	const uint64_t period = 1000 * MS, run = 15 * MS;
	struct burst b;
	int thirds[3] = {0}, landed = 0, n = 0;
	uint64_t due = 3500 * MS;

	burst__init(&b, WAIT, DELAY, 3);
	b.win_ns = WIN;
	for (int i = 0; i < 12; i++) {
		uint64_t t = open_at(&b, due, due + 3 * period, due, period, run), start, off;

		CHECK(t != 0);
		start = (t + WIN) / period * period; /* the run the window overlaps, if any */
		due = t + period;
		if (i < 4)
			continue; /* learning the run and the rhythm */
		n++;
		if (t + WIN <= start || t >= start + run)
			continue;
		landed++;
		off = t > start ? t - start : 0;
		for (uint64_t k = 0; k < 3; k++)
			thirds[k] |= off <= (k + 1) * run / 3 && t + WIN >= start + k * run / 3;
	}
	if (landed < n - 2)
		T_FAIL("%d of %d windows overlapped a run", landed, n);
	CHECK(thirds[0] && thirds[1] && thirds[2]);
}

/* The same program, the window in four parts (collect/session.c spreads the other three over the
 * run): once the rhythm is known, every first part opens from its own length before the run's
 * start to the end of the run's first quarter (and a tick), so that the parts after it still
 * fall in the run. Before, a window due mid-run opens where the run is seen (4-16 ms in). */
TEST(burst_parts_open_in_the_first_quarter)
{
	const uint64_t period = 1000 * MS, run = 16 * MS;
	struct burst b;
	uint64_t due = 3500 * MS;
	int early = 0, n = 0;

	burst__init(&b, WAIT, DELAY, 5);
	b.parts = 4;
	b.win_ns = WIN / 4;
	for (int i = 0; i < 12; i++) {
		uint64_t t = open_at(&b, due, due + 3 * period, due, period, run), start;

		CHECK(t != 0);
		start = (t + BURST_LEAD_NS + b.win_ns) / period * period;
		due = t + period;
		if (!b.rhythm)
			continue;
		n++;
		early += t + BURST_LEAD_NS + b.win_ns >= start && t <= start + run / 4 + TICK;
	}
	CHECK(n >= 4);
	if (early < n)
		T_FAIL("%d of %d first parts opened by the run's first quarter", early, n);
}

T_MAIN()
