/* bpfmap: reading the small per-CPU counters every collector keeps. */
#ifndef MAPSCOPE_COLLECT_BPFMAP_H
#define MAPSCOPE_COLLECT_BPFMAP_H

#include <stdint.h>

struct bpf_map;

/* Element 0 of a BPF_MAP_TYPE_PERCPU_ARRAY of u64 over ncpus CPUs: *total is the sum, and
 * *max_cpu (may be NULL) the largest CPU's value. Both are 0 when it cannot be read. */
void bpfmap__percpu_u64(const struct bpf_map *map, int ncpus, uint64_t *total, uint64_t *max_cpu);

#endif
