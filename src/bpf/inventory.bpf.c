// SPDX-License-Identifier: GPL-2.0
/* inventory: map creation and growth events for `mapscope top`. Creation and growth are rare,
 * so every hit may send an event; per-call sites (INV_TOUCH) send one event per map, the first
 * time it is seen. Never a uretprobe: exits are probed at the functions' RET instructions. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "spin.bpf.h"

#include "shared/inventory.h"

#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))

/* Set by inventory__open before load from inspect/goversion.h, the one place Go's map offsets
 * are written. */
const volatile __u32 hmap_b_off = 0;
const volatile __u32 table_capacity_off = 0;

/* Set by user space (inventory__hold_exit): runtime.exit stops the process (SIGSTOP) until
 * user space has read its maps one last time and sends SIGCONT. */
__u32 hold_exit = 0;

/* A launched server's startup makes tens of thousands of maps in a burst: with events cut to
 * their stacks' length (~150 bytes), 8 MiB holds about 50,000 of them. */
#define RING_BYTES (1 << 23)
#define RING_WAKE_BYTES (RING_BYTES / 4)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RING_BYTES);
} events SEC(".maps");

/* Per-goroutine state between a function's entry and its RET. */
struct stash {
	__u64 ts, map, type, arg;
	__u32 split;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct stash);
} stashes SEC(".maps");

/* Maps already reported by a touch site. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} touched SEC(".maps");

/* growWork* calls per map in discovery windows: how long a classic growth keeps costing
 * writes. Only maps that are growing call it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} growwork SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[INV_STACK_DEPTH]);
} stack_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

/* An event is built here and copied to the ring only as long as its stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inv_event);
} ev_scratch SEC(".maps");

/* Hits at touch sites, for the discovery windows' overhead budget. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} touch_hits SEC(".maps");

static __always_inline void bump(void *counter)
{
	__u32 zero = 0;
	__u64 *d = bpf_map_lookup_elem(counter, &zero);

	if (d)
		(*d)++;
}

static __always_inline void count_drop(void)
{
	bump(&dropped);
}

/* The user stack at a site before the frame is set up: the probed PC, the caller's PC from the
 * return address at [rsp] (the frame-pointer walk starts at the caller's frame and would miss
 * it), then the frame-pointer chain. */
static __always_inline void fill_stack(struct pt_regs *ctx, struct inv_event *e)
{
	__u32 zero = 0;
	__u64 *tmp = bpf_map_lookup_elem(&stack_scratch, &zero);
	long n;

	e->stack[0] = ctx->ip;
	e->nstack = 1;
	if (bpf_probe_read_user(&e->stack[1], 8, (void *)ctx->sp) == 0)
		e->nstack = 2;
	if (!tmp)
		return;
	n = bpf_get_stack(ctx, tmp, INV_STACK_DEPTH * 8, BPF_F_USER_STACK);
	if (n <= 8)
		return;
	n /= 8;
	/* tmp[0] is the probed PC again. Kernels that recognise a uprobe on `push %rbp` as a
	 * function entry already put the return address in tmp[1]: skip it then. */
	int skip = e->nstack == 2 && tmp[1] == e->stack[1] ? 1 : 0;

	for (int i = 1; i < INV_STACK_DEPTH - 1; i++) {
		if (i + skip >= n || i + skip >= INV_STACK_DEPTH)
			break;
		e->stack[i + 1] = tmp[i + skip];
		e->nstack = i + 2;
	}
}

/* false when the ring was full: the event is lost and counted in dropped. */
static __always_inline bool emit(struct pt_regs *ctx, __u32 kind, __u64 cookie, __u64 map,
				 __u64 type, __u64 arg, __u64 arg2, __u64 dur, bool stack)
{
	__u32 zero = 0;
	struct inv_event *e = bpf_map_lookup_elem(&ev_scratch, &zero);
	__u64 size;

	if (!e)
		return false;
	e->kind = kind;
	e->func = (cookie >> INV_COOKIE_FUNC_SHIFT) & 0xffff;
	e->ts = bpf_ktime_get_ns();
	e->map = map;
	e->type = type;
	e->arg = arg;
	e->arg2 = arg2;
	e->dur_ns = dur;
	e->g = ctx->r14;
	e->nstack = 0;
	e->pad = 0;
	if (stack)
		fill_stack(ctx, e);
	size = INV_EVENT_HEAD + (__u64)(e->nstack & (INV_STACK_DEPTH_POW2 - 1)) * 8;
	if (size > sizeof(*e))
		size = sizeof(*e);
	/* A wakeup costs the probed thread ~9 us (measured with bpf_stats); user space drains the
	 * ring every 10 ms anyway, so only a filling ring wakes it early. */
	if (bpf_ringbuf_output(&events, e, size,
			       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > RING_WAKE_BYTES
				       ? BPF_RB_FORCE_WAKEUP
				       : BPF_RB_NO_WAKEUP)) {
		count_drop();
		return false;
	}
	return true;
}

static __always_inline int handle(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	/* Stashes are keyed by goroutine (R14 holds g in ABIInternal code): a goroutine preempted
	 * inside a long rehash may return on another thread. */
	__u64 gkey = ctx->r14;
	struct stash st = {}, *sp;
	__u64 old = 0, map;
	__u64 *sp64, one64 = 1;
	__u8 b = 0, one = 1;
	__u16 cap = 0;

	/* A taken stack-check jbe goes to morestack and re-enters the function: not a call. */
	if ((cookie & INV_COOKIE_JCC) && (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF)))
		return 0;

	switch (cookie & 0xff) {
	case INV_CREATE_ENTRY:
		st.type = ctx->ax;
		bpf_map_update_elem(&stashes, &gkey, &st, BPF_ANY);
		return 0;
	case INV_CREATE_RET:
		if (cookie & INV_COOKIE_STASH) {
			sp = bpf_map_lookup_elem(&stashes, &gkey);
			if (sp) {
				st.type = sp->type;
				bpf_map_delete_elem(&stashes, &gkey);
			}
		}
		emit(ctx, INV_EV_CREATE, cookie, ctx->ax, st.type, 0, 0, 0, true);
		return 0;
	case INV_CLASSIC_GROW:
		bpf_probe_read_user(&b, 1, (void *)(ctx->bx + hmap_b_off));
		bpf_probe_read_user(&old, 8, (void *)ctx->bx);
		emit(ctx, INV_EV_GROW_START, cookie, ctx->bx, ctx->ax, old, b, 0, true);
		return 0;
	case INV_CLASSIC_EVAC_DONE:
		emit(ctx, INV_EV_GROW_END, cookie, ctx->ax, 0, 0, 0, 0, false);
		return 0;
	case INV_CLASSIC_GROWWORK:
		bump(&touch_hits);
		map = ctx->bx;
		sp64 = bpf_map_lookup_elem(&growwork, &map);
		if (sp64)
			__sync_fetch_and_add(sp64, 1);
		else
			bpf_map_update_elem(&growwork, &map, &one64, BPF_NOEXIST);
		return 0;
	case INV_SWISS_GROW_MAP:
		emit(ctx, (cookie & INV_COOKIE_TO_TABLE) ? INV_EV_SWISS_TABLE : INV_EV_SWISS_SMALL,
		     cookie, ctx->ax, ctx->bx, 0, 0, 0, true);
		return 0;
	case INV_SWISS_REHASH:
		st.ts = bpf_ktime_get_ns();
		st.map = ctx->cx;
		st.type = ctx->bx;
		bpf_probe_read_user(&cap, 2, (void *)(ctx->ax + table_capacity_off));
		st.arg = cap;
		bpf_map_update_elem(&stashes, &gkey, &st, BPF_ANY);
		return 0;
	case INV_SWISS_SPLIT:
		sp = bpf_map_lookup_elem(&stashes, &gkey);
		if (sp)
			sp->split = 1;
		return 0;
	case INV_SWISS_REHASH_RET:
		sp = bpf_map_lookup_elem(&stashes, &gkey);
		if (!sp)
			return 0;
		st = *sp;
		bpf_map_delete_elem(&stashes, &gkey);
		emit(ctx, INV_EV_SWISS_REHASH, cookie, st.map, st.type, st.arg, st.split,
		     bpf_ktime_get_ns() - st.ts, true);
		return 0;
	case INV_EXIT:
		/* The stop comes as this thread returns to user space, before the exit syscall. */
		if (READ_ONCE(hold_exit) && emit(ctx, INV_EV_EXIT, cookie, 0, 0, 0, 0, 0, false))
			bpf_send_signal(19 /* SIGSTOP */);
		return 0;
	case INV_TOUCH:
		bump(&touch_hits);
		map = ctx->bx;
		if (!map || bpf_map_update_elem(&touched, &map, &one, BPF_NOEXIST))
			return 0;
		/* The map is marked: a lost touch would be lost for good. The next one retries. */
		if (!emit(ctx, INV_EV_TOUCH, cookie, map, ctx->ax, 0, 0, 0, true))
			bpf_map_delete_elem(&touched, &map);
		return 0;
	}
	return 0;
}

SEC("uprobe")
int inv_site(struct pt_regs *ctx)
{
	test_spin();
	return handle(ctx);
}

/* The discovery windows' probes, attached as one uprobe_multi link: attaching and detaching
 * twenty separate uprobes waits for a grace period per link, and the probes still attached
 * keep firing meanwhile, far beyond the window's budget. */
SEC("uprobe.multi")
int inv_window(struct pt_regs *ctx)
{
	test_spin();
	return handle(ctx);
}

char LICENSE[] SEC("license") = "GPL";
