// SPDX-License-Identifier: GPL-2.0
/* callcount: counts calls at uprobe sites chosen by `mapscope info` (the first emulated
 * instruction after a Go function's stack check). Per-CPU counters; nothing leaves the kernel
 * per call. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "spin.bpf.h"

#include "shared/callcount.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CALLCOUNT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int count(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 idx = cookie & CALLCOUNT_IDX_MASK;
	__u64 *v;

	test_spin();
	if ((cookie & CALLCOUNT_COOKIE_JCC) && (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF)))
		idx = CALLCOUNT_MAX_SITES;
	v = bpf_map_lookup_elem(&hits, &idx);
	if (v)
		(*v)++;
	return 0;
}

/* The same count, attached as a uprobe_multi link (Linux 6.6+): unlike a perf-event uprobe it
 * needs no CAP_SYS_ADMIN (docs/security.md). */
SEC("uprobe.multi")
int count_hit_multi(struct pt_regs *ctx)
{
	return count(ctx);
}

/* Before Linux 6.6. */
SEC("uprobe")
int count_hit(struct pt_regs *ctx)
{
	return count(ctx);
}

char LICENSE[] SEC("license") = "GPL";
