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
	return hkscale__work(cpu_in, cpu_out, counted, c_believed);
}

TEST(truth_inside_the_bracket)
{
	static const double taus[] = { 5, 20, 70, 300, 1500, 10000, 1e6 };
	static const double errs[] = { 0.7, 0.9, 1.0, 1.2, 1.5 };

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
	struct hkscale s = hkscale__work(0, 1e9, 0, 1500);
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
	/* truth in [(10-2)*50, 10*400] = [400, 4000]: 3000 above the estimate. */
	CHECK_EQ(err, 3000);
}

T_MAIN()
