#include "core/hkscale.h"

#include <math.h>

struct hkscale hkscale__work(double cpu_in, double cpu_out, double counted, double cost_ns)
{
	double lo = cpu_in - counted * cost_ns * (1 + HKSCALE_COST_SLACK);
	double floor = counted * HKSCALE_WRITE_MIN_NS, in;

	if (cpu_in <= 0 || counted <= 0)
		return (struct hkscale){ 1, 1, 1 };
	if (cpu_out < 0)
		cpu_out = 0;
	if (lo < floor) {
		lo = floor < cpu_in ? floor : cpu_in;
		in = sqrt(lo * cpu_in);
	} else {
		in = cpu_in - counted * cost_ns;
	}
	return (struct hkscale){ (in + cpu_out) / in, (cpu_in + cpu_out) / cpu_in,
				 (lo + cpu_out) / lo };
}

void hkscale__key(uint64_t count, uint64_t err, const struct hkscale *s, uint64_t *est,
		  uint64_t *error)
{
	double e = (double)count * s->est;
	double lo = (double)(count - (err < count ? err : count)) * s->low;
	double hi = (double)count * s->high;
	double d = e - lo > hi - e ? e - lo : hi - e;

	*est = (uint64_t)(e + 0.5);
	*error = (uint64_t)(d + 0.5);
}
