// SPDX-License-Identifier: GPL-2.0
/* record: runtime.mapassign* calls counted per user call stack in the kernel. No event per
 * call crosses to user space; user space reads the counts once, at the end. The probes sit at
 * the emulated instruction after the stack check (never the entry, never a uretprobe). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "spin.bpf.h"

#include "shared/inventory.h"
#include "shared/mapfn.h"
#include "shared/record.h"

/* Calls count only while armed: user space arms once the attach returned, so every site is
 * counted over the same interval (a uprobe_multi link's sites go live one by one). */
__u32 armed = 0;
/* --export-keys: each write's key is part of what is counted. */
const volatile bool with_keys = false;

/* Allocated as stacks arrive: preallocating every 264-byte entry would pin 17 MiB for a
 * program that writes its maps from a few hundred places. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, REC_MAX_STACKS);
	__type(key, struct rec_stack);
	__type(value, __u64);
} counts SEC(".maps");

/* Every hit, counted or not: what the probes cost the target. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

/* Counted calls whose stack found no room in the count map (it is full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* The key is built here: 256 bytes do not fit next to the walk's buffer on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec_stack);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[REC_STACK_DEPTH]);
} walk SEC(".maps");

static __always_inline void bump(void *counter)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(counter, &zero);

	if (v)
		(*v)++;
}

/* As inventory.bpf.c's fill_stack: the probed PC, the return address at [rsp], then the
 * frame-pointer chain without the entries the kernel already gave. */
static __always_inline void fill(struct pt_regs *ctx, struct rec_stack *k, __u64 *tmp)
{
	long n;
	int skip, have = 1;

	k->pcs[0] = ctx->ip;
	if (bpf_probe_read_user(&k->pcs[1], 8, (void *)ctx->sp) == 0)
		have = 2;
	n = bpf_get_stack(ctx, tmp, REC_STACK_DEPTH * 8, BPF_F_USER_STACK);
	if (n <= 8)
		return;
	n /= 8;
	/* Kernels that recognise a uprobe on `push %rbp` as a function entry already put the
	 * return address in tmp[1]. */
	skip = have == 2 && tmp[1] == k->pcs[1] ? 1 : 0;
	for (int i = 1; i < REC_STACK_DEPTH - 1; i++) {
		if (i + skip >= n || i + skip >= REC_STACK_DEPTH)
			break;
		k->pcs[i + 1] = tmp[i + skip];
	}
}

static __always_inline void read_key(struct rec_stack *k, __u64 ptr, __u64 len)
{
	__u64 n = len < REC_KEY_MAX ? len : REC_KEY_MAX;

	/* Keeps the bound visible to the verifier whatever clang makes of the min. */
	asm volatile("%[n] &= 0x3f" : [n] "+r"(n));
	if (n > REC_KEY_MAX)
		return;
	if (n)
		bpf_probe_read_user(k->key, n, (void *)ptr);
}

/* The key of this write, as hotkeys.bpf.c reads it: from the registers for the fast variants,
 * through the key pointer (a string's header for string keys) for the generic one. */
static __always_inline void capture(struct pt_regs *ctx, struct rec_stack *k, __u32 variant)
{
	__u64 kt = 0, sh[2] = {};
	__u8 th[24] = {};

	k->type = ctx->ax;
	k->variant = variant;
	switch (variant) {
	case MAPFN_FAST32:
		k->key_len = 4;
		*(__u32 *)k->key = (__u32)ctx->cx;
		return;
	case MAPFN_FAST64:
	case MAPFN_FAST64PTR:
		k->key_len = 8;
		*(__u64 *)k->key = ctx->cx;
		return;
	case MAPFN_FASTSTR:
		k->key_len = (__u32)ctx->di;
		read_key(k, ctx->cx, ctx->di);
		return;
	case MAPFN_GENERIC:
		/* Size_ at +0 and Kind_ at +23 of the key's type, the same in every layout. */
		if (bpf_probe_read_user(&kt, 8, (void *)(ctx->ax + 48)) ||
		    bpf_probe_read_user(th, sizeof(th), (void *)kt))
			return;
		if ((th[23] & 0x1f) == 24) { /* a string: its header, then its bytes */
			if (bpf_probe_read_user(sh, sizeof(sh), (void *)ctx->cx))
				return;
			k->key_len = (__u32)sh[1];
			read_key(k, sh[0], sh[1]);
		} else {
			k->key_len = *(__u32 *)th;
			read_key(k, ctx->cx, k->key_len);
		}
		return;
	}
}

SEC("uprobe.multi")
int rec_assign(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 *c, *tmp, one = 1;
	struct rec_stack *k;
	__u32 zero = 0;

	test_spin();
	bump(&hits);
	if (!armed)
		return 0;
	/* A taken stack-check jbe goes to morestack and re-enters the function: not a call. */
	if ((cookie & REC_COOKIE_JCC) && (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF)))
		return 0;
	k = bpf_map_lookup_elem(&scratch, &zero);
	tmp = bpf_map_lookup_elem(&walk, &zero);
	if (!k || !tmp)
		return 0;
	__builtin_memset(k, 0, sizeof(*k));
	fill(ctx, k, tmp);
	if (with_keys)
		capture(ctx, k, cookie & 0xff);
	c = bpf_map_lookup_elem(&counts, k);
	if (c) {
		__sync_fetch_and_add(c, 1);
		return 0;
	}
	if (bpf_map_update_elem(&counts, k, &one, BPF_NOEXIST) == 0)
		return 0;
	c = bpf_map_lookup_elem(&counts, k); /* another CPU added it meanwhile */
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bump(&lost);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
