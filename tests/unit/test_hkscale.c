/* hkscale: the bracket around the share of work hotkeys' windows saw. Simulated runs whose truth
 * the test knows: a writer doing tau ns of its own work per write, probes costing c_true per hit
 * inside windows where mapscope believes c; the true scale must lie in [low, high], and the
 * estimate be close when the program's own work dominates. */
#include "t.h"

#include "core/hkscale.h"

#include <math.h>

/* A run: counted writes in windows, out writes outside; returns the bracket and the truth. */
static struct hkscale sim(double tau, double c_believed, double c_true, double counted,
			  double out, double *truth)
{
	double cpu_in = counted * (tau + c_true), cpu_out = out * tau;

	*truth = (counted + out) / counted;
	return hkscale__work(cpu_in, cpu_out, counted, c_believed, 0);
}

TEST(truth_inside_the_bracket)
{
	static const double taus[] = { 5, 20, 70, 300, 1500, 10000, 1e6 };
	static const double errs[] = { 0.7, 0.9, 1.0, 1.2, 1.35 };

	for (size_t i = 0; i < sizeof(taus) / sizeof(taus[0]); i++)
		for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
			double truth;
			struct hkscale s = sim(taus[i], 1500, 1500 * errs[e], 20000, 4e7, &truth);

			if (!(s.low <= truth * (1 + 1e-9) && truth <= s.high * (1 + 1e-9)))
				T_FAIL("tau %g, c off by %g: truth %g outside [%g, %g]", taus[i],
				       errs[e], truth, s.low, s.high);
			if (!(s.low <= s.est && s.est <= s.high))
				T_FAIL("tau %g: estimate %g outside [%g, %g]", taus[i], s.est, s.low,
				       s.high);
		}
}

TEST(close_when_the_program_dominates)
{
	double truth;
	struct hkscale s = sim(20000, 1500, 1500, 1000, 1e6, &truth);

	CHECK(fabs(s.est / truth - 1) < 0.01);
	s = sim(20000, 1500, 1800, 1000, 1e6, &truth); /* c 20 % off: ~1.5 % off */
	CHECK(fabs(s.est / truth - 1) < 0.03);
}

TEST(tight_writer_within_a_small_factor)
{
	/* zipfkeys: ~70 ns a write against ~1.5 us a hit, windows ~1.5 % of the run. */
	double truth;
	struct hkscale s = sim(70, 1500, 1500, 25000, 4.2e7, &truth);

	CHECK(s.est / truth > 0.5 && s.est / truth < 2);
}

TEST(nothing_counted)
{
	struct hkscale s = hkscale__work(0, 1e9, 0, 1500, 0);
	uint64_t est, err;

	CHECK(s.est == 1 && s.low == 1 && s.high == 1);
	hkscale__key(40, 3, &s, &est, &err);
	CHECK_EQ(est, 40);
	CHECK_EQ(err, 3);
}

TEST(key_error_covers_both_sources)
{
	struct hkscale s = { 100, 50, 400 };
	uint64_t est, err;

	hkscale__key(10, 2, &s, &est, &err);
	CHECK_EQ(est, 1000);
	/* 10 sampled: 10 +- (3 sqrt(10) + 3) = [0, 22.49]; truth in [0, 22.49 * 400]: 7995 above. */
	CHECK_EQ(err, 7995);
	/* Heavier keys: the noise shrinks relative to the count. [(400-2-63)*50, 463*400]. */
	hkscale__key(400, 2, &s, &est, &err);
	CHECK_EQ(est, 40000);
	CHECK_EQ(err, 145200);
}

TEST(work_dominant_at_five_times_the_cost)
{
	/* zipfkeys work at 5x: ~11 us a write against ~28 us a hit, hits 8 % dearer in windows. */
	double truth;
	struct hkscale s = sim(11000, 28000, 28000 * 1.08, 1100, 2.7e5, &truth);

	CHECK(s.est / truth > 0.5 && s.est / truth < 2);
	CHECK(s.low <= truth && truth <= s.high);
}

TEST(cold_hits_widen_the_bracket)
{
	/* Hits 40 % dearer than measured hot, where the caches were measured 20 % dearer cold:
	 * the bracket still holds the truth, and the estimate is closer than without it. */
	double cpu_in = 1000 * (10000 + 6000 * 1.4), cpu_out = 1e5 * 10000, truth = 101;
	struct hkscale with = hkscale__work(cpu_in, cpu_out, 1000, 6000, 0.2);
	struct hkscale without = hkscale__work(cpu_in, cpu_out, 1000, 6000, 0);

	CHECK(with.low <= truth && truth <= with.high);
	CHECK(fabs(with.est - truth) < fabs(without.est - truth));
}

T_MAIN()
