// SPDX-License-Identifier: GPL-2.0
/* calib: the probe hit whose cost collect/calib.c measures, on a function of mapscope's own.
 * It does what an unarmed hit of the real programs does (a per-CPU count), so the time it adds
 * per call is the trap into the kernel and back plus a program's smallest run. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "spin.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int hit(void)
{
	__u32 zero = 0;
	__u64 *h;

	test_spin();
	h = bpf_map_lookup_elem(&hits, &zero);
	if (h)
		(*h)++;
	return 0;
}

SEC("uprobe.multi")
int calib_hit_multi(struct pt_regs *ctx)
{
	return hit();
}

/* Before Linux 6.6. */
SEC("uprobe")
int calib_hit(struct pt_regs *ctx)
{
	return hit();
}

char LICENSE[] SEC("license") = "GPL";
