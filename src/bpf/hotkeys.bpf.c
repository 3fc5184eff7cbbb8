// SPDX-License-Identifier: GPL-2.0
/* hotkeys: per-key write counts of runtime.mapassign*, aggregated in the kernel. No event per
 * call crosses to user space: user space reads the count maps between windows. The probes sit
 * at the emulated instruction after the stack check (never the entry, never a uretprobe); the
 * arguments are still in their registers there. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "shared/hotkeys.h"
#include "shared/inventory.h"

/* Only this map's writes when non-zero (--map): the other hits still cost, but fill nothing. */
const volatile __u64 only_map = 0;

/* Hits count only while armed. A uprobe_multi link's sites go live one by one over the
 * milliseconds an attach takes, and a detach takes tens: user space arms the probes once the
 * attach returned and disarms them before the detach, so every site is sampled over the same
 * interval, which user space knows exactly. */
__u32 armed = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct hk_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct hk_mapstat);
} mapstats SEC(".maps");

/* Every hit, the filtered ones included: what the probes cost the target, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

/* The armed ones among them: what sampling cost the writers inside the sampled intervals. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} armed_hits SEC(".maps");

/* Zeroed keys come from here: an 88-byte struct on the stack would need a memset per hit that
 * the verifier then has to prove, and the hash must see zero padding. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hk_key);
} scratch SEC(".maps");

static __always_inline void read_bytes(struct hk_key *k, __u64 ptr, __u64 len, __u64 max)
{
	__u64 n = len < max ? len : max;

	/* Keeps the bound visible to the verifier whatever clang makes of the min. */
	asm volatile("%[n] &= 0x7f" : [n] "+r"(n));
	if (n > HK_STR_MAX)
		return;
	if (n)
		bpf_probe_read_user(k->data, n, (void *)ptr);
}

static __always_inline void count(struct hk_key *k, __u64 type, __u64 sp)
{
	struct hk_mapstat *ms, st = {};
	__u64 *c, one = 1;

	c = bpf_map_lookup_elem(&counts, k);
	if (c)
		__sync_fetch_and_add(c, 1);
	else if (bpf_map_update_elem(&counts, k, &one, BPF_NOEXIST)) {
		c = bpf_map_lookup_elem(&counts, k); /* another CPU added it meanwhile */
		if (c)
			__sync_fetch_and_add(c, 1);
	}
	ms = bpf_map_lookup_elem(&mapstats, &k->map);
	if (ms) {
		__sync_fetch_and_add(&ms->writes, 1);
		return;
	}
	/* The first write seen: where it came from (the return address is at [rsp] before the
	 * frame is set up), for the report's site. */
	st.writes = 1;
	st.type = type;
	bpf_probe_read_user(&st.ret_pc, 8, (void *)sp);
	if (bpf_map_update_elem(&mapstats, &k->map, &st, BPF_NOEXIST)) {
		ms = bpf_map_lookup_elem(&mapstats, &k->map);
		if (ms)
			__sync_fetch_and_add(&ms->writes, 1);
	}
}

SEC("uprobe.multi")
int hk_assign(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 *h, kt = 0, sh[2] = {};
	struct hk_key *k;
	__u8 th[24] = {};
	__u32 zero = 0;

	h = bpf_map_lookup_elem(&hits, &zero);
	if (h)
		(*h)++;
	if (!armed)
		return 0;
	h = bpf_map_lookup_elem(&armed_hits, &zero);
	if (h)
		(*h)++;
	/* A taken stack-check jbe goes to morestack and re-enters the function: not a call. */
	if ((cookie & HK_COOKIE_JCC) && (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF)))
		return 0;
	if (only_map && ctx->bx != only_map)
		return 0;
	k = bpf_map_lookup_elem(&scratch, &zero);
	if (!k)
		return 0;
	__builtin_memset(k, 0, sizeof(*k));
	k->map = ctx->bx;
	switch (cookie & 0xff) {
	case HK_FAST32:
		k->len = 4;
		*(__u32 *)k->data = (__u32)ctx->cx;
		break;
	case HK_FAST64:
	case HK_FAST64PTR:
		k->len = 8;
		*(__u64 *)k->data = ctx->cx;
		break;
	case HK_FASTSTR:
		k->len = (__u32)ctx->di;
		read_bytes(k, ctx->cx, ctx->di, HK_STR_MAX);
		break;
	case HK_GENERIC:
		/* Size_ at +0 and Kind_ at +23 of the key's type, the same in every layout. */
		if (bpf_probe_read_user(&kt, 8, (void *)(ctx->ax + 48)) ||
		    bpf_probe_read_user(th, sizeof(th), (void *)kt))
			return 0;
		if ((th[23] & HK_KIND_MASK) == HK_KIND_STRING) {
			if (bpf_probe_read_user(sh, sizeof(sh), (void *)ctx->cx))
				return 0;
			k->len = (__u32)sh[1];
			read_bytes(k, sh[0], sh[1], HK_STR_MAX);
		} else {
			k->len = *(__u32 *)th;
			read_bytes(k, ctx->cx, k->len, HK_RAW_MAX);
		}
		break;
	default:
		return 0;
	}
	count(k, ctx->ax, ctx->sp);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
