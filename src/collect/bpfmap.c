#include "collect/bpfmap.h"

#include <bpf/libbpf.h>
#include <stdlib.h>

void bpfmap__percpu_u64(const struct bpf_map *map, int ncpus, uint64_t *total, uint64_t *max_cpu)
{
	uint64_t *vals = ncpus > 0 ? calloc((size_t)ncpus, sizeof(*vals)) : NULL;
	uint64_t sum = 0, max = 0;
	uint32_t zero = 0;

	if (vals && bpf_map__lookup_elem(map, &zero, sizeof(zero), vals,
					 (size_t)ncpus * sizeof(*vals), 0) == 0)
		for (int i = 0; i < ncpus; i++) {
			sum += vals[i];
			if (vals[i] > max)
				max = vals[i];
		}
	free(vals);
	*total = sum;
	if (max_cpu)
		*max_cpu = max;
}
