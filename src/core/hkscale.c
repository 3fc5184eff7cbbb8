#include "core/hkscale.h"

#include <math.h>

struct hkscale hkscale__work(double cpu_in, double cpu_out, double counted, double cost_ns,
			     double cold)
{
	double slack = 2 * cold > HKSCALE_COST_SLACK ? 2 * cold : HKSCALE_COST_SLACK;
	double lo = cpu_in - counted * cost_ns * (1 + slack);
	double floor = counted * HKSCALE_WRITE_MIN_NS, in;

	if (cpu_in <= 0 || counted <= 0)
		return (struct hkscale){ 1, 1, 1 };
	if (cpu_out < 0)
		cpu_out = 0;
	if (lo < floor) {
		lo = floor < cpu_in ? floor : cpu_in;
		in = sqrt(lo * cpu_in);
	} else {
		in = cpu_in - counted * cost_ns * (1 + cold / 2);
	}
	return (struct hkscale){ (in + cpu_out) / in, (cpu_in + cpu_out) / cpu_in,
				 (lo + cpu_out) / lo };
}

static void range(uint64_t count, uint64_t err, const struct hkscale *s, double *lo, double *hi)
{
	double n = (double)count, z = s->high > 1 ? 3 * sqrt(n) + 3 : 0;

	*lo = n - (double)err - z;
	*lo = *lo > 0 ? *lo * s->low : 0;
	*hi = (n + z) * s->high;
}

void hkscale__range(uint64_t count, uint64_t err, const struct hkscale *s, uint64_t *lo,
		    uint64_t *hi)
{
	double l, h;

	range(count, err, s, &l, &h);
	*lo = (uint64_t)l;
	*hi = (uint64_t)(h + 0.5);
}

void hkscale__key(uint64_t count, uint64_t err, const struct hkscale *s, uint64_t *est,
		  uint64_t *error)
{
	double e = (double)count * s->est, lo, hi;

	range(count, err, s, &lo, &hi);
	double d = e - lo > hi - e ? e - lo : hi - e;

	*est = (uint64_t)(e + 0.5);
	*error = (uint64_t)(d + 0.5);
}
