// SPDX-License-Identifier: GPL-2.0
/* hotkeys: per-key write counts of runtime.mapassign*, aggregated in the kernel. No event per
 * call crosses to user space: user space reads the count maps between windows. The probes sit
 * at the emulated instruction after the stack check (never the entry, never a uretprobe); the
 * arguments are still in their registers there. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "spin.bpf.h"

#include "shared/hotkeys.h"
#include "shared/inventory.h"
#include "shared/mapfn.h"

#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))

/* Only this map's writes when non-zero (--map): the other hits still cost, but fill nothing. */
const volatile __u64 only_map = 0;

/* The version's runtime.g.goid offset and the map's writing byte and bit (goversion's table). */
const volatile __u32 goid_off = 0;
const volatile __u32 writing_off = 0;
const volatile __u32 writing_mask = 0;
const volatile __u32 ncpus = 1;
/* runtime.g.sched.bp (goversion's table): gobuf {sp, pc, g, ctxt, ret, lr, bp} at g + 56; 1.25
 * dropped ret. */
const volatile __u32 sched_bp_off = 104;

/* --samples N: Algorithm R over the counted writes (samples_seen of them so far). */
const volatile __u32 samples_max = 0;
__u64 samples_seen = 0;

/* The stamp of the latest armed write (struct hk_wrec): orders the CPUs' records of writes. */
__u64 stamp_clock = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HK_SAMPLES_MAX);
	__type(key, __u32);
	__type(value, struct hk_sample);
} samples SEC(".maps");

/* Hits count only while armed. A uprobe_multi link's sites go live one by one over the
 * milliseconds an attach takes, and a detach takes tens: user space arms the probes once the
 * attach returned and disarms them before the detach, so every site is sampled over the same
 * interval, which user space knows exactly. */
__u32 armed = 0;

/* Per (map, key) counts, cumulative: never evicted behind user space's back, so that every key
 * is counted exactly (--budget 100) as long as there is room. Allocated as keys come (an LRU
 * table preallocates all of it); user space prunes keys that stopped changing when the table
 * fills up (collect/hotkeys.c), and a key that finds no room is counted in keys_lost. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, HK_KEYS_MAX);
	__type(key, struct hk_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, HK_KEYS_MAX);
	__type(key, struct hk_key_small);
	__type(value, __u64);
} counts_small SEC(".maps");

/* Writes whose key found no room in a count table (per CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} keys_lost SEC(".maps");

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

/* The last write per map and CPU (struct hk_writer): each CPU writes only its own copy, so two
 * writers racing on one map never overwrite each other's record. LRU: maps come and go. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct hk_writer);
} writers SEC(".maps");

/* The last goroutines that wrote on this CPU, each with the map of its latest write there: the
 * runtime's fatal has no map argument, and the goroutine it kills may have begun its write on
 * another CPU, or been preempted mid-write while others wrote here, so an entry is added only
 * when the writing goroutine changes, and fatal searches every CPU's ring. */
#define CUR_RING 8

struct cur_ring {
	__u64 n;
	struct {
		__u64 map, g, stamp;
	} e[CUR_RING];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cur_ring);
} cur SEC(".maps");

/* Probe-time reports sent per map, to cap a long race at HK_EVENTS_PER_MAP events. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} reported SEC(".maps");

/* The key's size and kind per map type (AX of the generic mapassign): two user-memory reads
 * (~80 ns each here) on a map type's first write instead of on every write. Type descriptors
 * are never freed (the runtime keeps even reflect's), so an address names one type for good. */
struct keytype {
	__u32 size, kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct keytype);
} keytypes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* a death's HK_THREADS_MAX thread contexts fit */
} events SEC(".maps");

/* The thread on the runtime's fatal path for a map (0: none yet): once set, the first signal
 * each other thread takes sends its interrupted context, up to HK_THREADS_MAX of them
 * (the threads in signalled). */
__u32 dying_tid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * HK_THREADS_MAX); /* a signal and a park per thread */
	__type(key, __u32);
	__type(value, __u32);
} signalled SEC(".maps");

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

static __always_inline void count(void *map, const void *k)
{
	__u64 *c, one = 1;

	__u32 zero = 0;

	c = bpf_map_lookup_elem(map, k);
	if (c)
		__sync_fetch_and_add(c, 1);
	else if (bpf_map_update_elem(map, k, &one, BPF_NOEXIST)) {
		c = bpf_map_lookup_elem(map, k); /* another CPU added it meanwhile */
		if (!c)
			c = bpf_map_lookup_elem(&keys_lost, &zero); /* or the table is full */
		if (c)
			__sync_fetch_and_add(c, 1);
	}
}

/* The return address of every frame from bp up into stack[n...]; returns the new count. */
static __always_inline __u32 chain(__u64 *stack, __u32 n, __u64 bp)
{
	__u64 fr[2];

	for (int i = 0; i < HK_STACK - 1 && n < HK_STACK; i++) {
		if (!bp || bp & 7 || bpf_probe_read_user(fr, sizeof(fr), (void *)bp) || !fr[1])
			break;
		stack[n & (HK_STACK - 1)] = fr[1];
		n++;
		if (fr[0] <= bp) /* frames go up the stack; anything else is not a frame */
			break;
		bp = fr[0];
	}
	return n;
}

/* Frame-pointer walk: stack[0] = pc, stack[1] = ret (the caller, whose frame is not set up yet
 * at the probe), then the return address of every frame from bp up. */
static __always_inline __u32 walk(__u64 *stack, __u64 pc, __u64 ret, __u64 bp)
{
	stack[0] = pc;
	if (!ret)
		return 1;
	stack[1] = ret;
	return chain(stack, 2, bp);
}

/* The other CPUs' last writes to map: the newest by another goroutine, read whole (its sequence
 * count even and unchanged across the copy). */
static __always_inline void newer(struct hk_wrec *best, const struct hk_wrec *r, __u64 g)
{
	if (r->g && r->g != g && r->stamp > best->stamp)
		*best = *r;
}

/* Every CPU's last writes to map: the newest by another goroutine. A record is read whole when
 * its sequence count is even and unchanged across the copy; one caught mid-update (its writer
 * preempted inside this program: uprobe programs run preemptible) is still taken after a few
 * tries, as its fields are each some real write of that CPU's to this map. */
static __always_inline void other_writer(__u64 map, __u64 g, struct hk_wrec *best)
{
	for (__u32 c = 0; c < HK_MAX_CPUS && c < ncpus; c++) {
		struct hk_writer *w, copy;
		__u64 seq;

		w = bpf_map_lookup_percpu_elem(&writers, &map, c);
		if (!w)
			continue;
		for (int tries = 0; tries < 3; tries++) {
			seq = READ_ONCE(w->seq);
			asm volatile("" ::: "memory");
			__builtin_memcpy(&copy, w, sizeof(copy));
			asm volatile("" ::: "memory");
			if (!(seq & 1) && READ_ONCE(w->seq) == seq)
				break;
		}
		newer(best, &copy.last, g);
		newer(best, &copy.prev, g);
	}
}

static __always_inline __u64 goid_of(__u64 g)
{
	__u64 id = 0;

	bpf_probe_read_user(&id, sizeof(id), (void *)(g + goid_off));
	return id;
}

/* Reports this write (stamp now, return address ret) and the map's last write by another
 * goroutine, whose frames above its return address are read now: it is inside mapassign still
 * (the flag was set), or was until a moment ago. */
static __always_inline void send(struct pt_regs *ctx, __u64 map, __u64 g, __u64 now, __u64 ret,
				 const char *msg, __u32 fatal)
{
	struct hk_wrec other = {};
	struct hk_event *e;

	other_writer(map, g, &other);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	e->kind = HK_EV_WRITE;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->pad = 0;
	e->ns = bpf_ktime_get_ns();
	e->map = map;
	e->stamp = now;
	e->other_stamp = other.stamp;
	e->goid[0] = goid_of(g);
	e->goid[1] = other.g ? goid_of(other.g) : 0;
	e->fatal = fatal;
	__builtin_memset(e->args, 0, sizeof(e->args));
	if (fatal) {
		__u64 fr[4] = {};

		/* fatal has no frame yet: bp is its caller's, [bp] the next one up. */
		bpf_probe_read_user(fr, sizeof(fr), (void *)ctx->bp);
		e->args[0][0] = fr[2];
		e->args[0][1] = fr[3];
		if (fr[0] > ctx->bp && !bpf_probe_read_user(fr, sizeof(fr), (void *)fr[0])) {
			e->args[1][0] = fr[2];
			e->args[1][1] = fr[3];
		}
	}
	__builtin_memset(e->msg, 0, sizeof(e->msg));
	if (msg)
		__builtin_memcpy(e->msg, msg, sizeof(e->msg));
	e->nframes[0] = walk(e->stack[0], ctx->ip, ret, ctx->bp);
	e->nframes[1] = other.g ? walk(e->stack[1], other.pc, other.ret_pc, other.bp) : 0;
	bpf_ringbuf_submit(e, 0);
}

/* Keeps this write in the reservoir with probability samples_max / (writes so far): the n-th
 * write takes slot n while there is room, else a random slot below n, if that is one. Only a
 * kept write pays for its stack. Two CPUs may fill one slot at once; the later one wins. */
static __always_inline void sample(struct pt_regs *ctx, const struct hk_key *k, __u64 map,
				   __u32 len, __u64 small)
{
	__u64 n, j, ret = 0;
	struct hk_sample *s;
	__u32 idx;

	if (!samples_max)
		return;
	n = __sync_fetch_and_add(&samples_seen, 1);
	j = n;
	if (n >= samples_max) {
		j = (((__u64)bpf_get_prandom_u32() << 32) | bpf_get_prandom_u32()) % (n + 1);
		if (j >= samples_max)
			return;
	}
	idx = (__u32)j;
	s = bpf_map_lookup_elem(&samples, &idx);
	if (!s)
		return;
	if (k) {
		__builtin_memcpy(&s->key, k, sizeof(s->key));
	} else {
		__builtin_memset(&s->key, 0, sizeof(s->key));
		s->key.map = map;
		s->key.len = len;
		*(__u64 *)s->key.data = small;
	}
	s->goid = goid_of(ctx->r14);
	bpf_probe_read_user(&ret, sizeof(ret), (void *)ctx->sp);
	s->nframes = walk(s->stack, ctx->ip, ret, ctx->bp);
	s->seq = n + 1;
}

/* Every counted write: a write that finds the map's writing flag already set is a concurrent
 * write (the runtime checks the same flag a few instructions later, and may or may not catch
 * it); then this write becomes the CPU's last one for the map. */
static __always_inline void watch(struct pt_regs *ctx, __u64 map, __u8 flag, bool reads)
{
	/* The writes and the first write's type and site are counted here too: one lookup of the
	 * map's record per write, without atomics (each CPU has its own). */
	struct hk_writer *w, init = {};
	struct cur_ring *cr;
	__u64 g = ctx->r14, ret = 0, now = 0;
	__u32 zero = 0, *nrep, one = 1;

	if (!reads) {
		bpf_probe_read_user(&ret, sizeof(ret), (void *)ctx->sp);
		now = __sync_fetch_and_add(&stamp_clock, 1) + 1;
	}
	if (flag & writing_mask) {
		nrep = bpf_map_lookup_elem(&reported, &map);
		if (!nrep) {
			bpf_map_update_elem(&reported, &map, &one, BPF_NOEXIST);
			send(ctx, map, g, now, ret, NULL, 0);
		} else if (*nrep < HK_EVENTS_PER_MAP) {
			__sync_fetch_and_add(nrep, 1);
			send(ctx, map, g, now, ret, NULL, 0);
		}
	}
	w = bpf_map_lookup_elem(&writers, &map);
	if (!w) {
		bpf_map_update_elem(&writers, &map, &init, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&writers, &map);
		if (!w)
			return;
	}
	w->writes++;
	if (!w->type) {
		if (reads)
			bpf_probe_read_user(&ret, sizeof(ret), (void *)ctx->sp);
		w->type = ctx->ax;
		w->site = ret;
	}
	if (reads)
		return;
	w->seq++;
	asm volatile("" ::: "memory");
	if (w->last.g != g)
		w->prev = w->last;
	w->last.g = g;
	w->last.stamp = now;
	w->last.pc = ctx->ip;
	w->last.ret_pc = ret;
	w->last.bp = ctx->bp;
	asm volatile("" ::: "memory");
	w->seq++;
	cr = bpf_map_lookup_elem(&cur, &zero);
	if (cr) {
		__u64 i = (cr->n - 1) & (CUR_RING - 1);

		if (!cr->n || cr->e[i].g != g)
			i = cr->n++ & (CUR_RING - 1);
		cr->e[i].map = map;
		cr->e[i].g = g;
		cr->e[i].stamp = now;
	}
}

/* The map of goroutine g's latest write, from every CPU's ring; 0 if none is there. */
static __always_inline __u64 map_of(__u64 g)
{
	__u64 map = 0, stamp = 0;
	__u32 zero = 0;

	for (__u32 c = 0; c < HK_MAX_CPUS && c < ncpus; c++) {
		struct cur_ring *cr = bpf_map_lookup_percpu_elem(&cur, &zero, c);

		if (!cr)
			continue;
		for (int i = 0; i < CUR_RING; i++)
			if (cr->e[i].g == g && cr->e[i].stamp > stamp) {
				stamp = cr->e[i].stamp;
				map = cr->e[i].map;
			}
	}
	return map;
}

/* The key type of map type t: Size_ at +0 and Kind_ at +23 of the type *t.key (at +48), the
 * same in every layout. 0, or -1 if unreadable; a full table costs the reads, not the write. */
static __always_inline int key_type(__u64 t, struct keytype *out)
{
	struct keytype *kt = bpf_map_lookup_elem(&keytypes, &t);
	__u8 th[24] = {};
	__u64 key = 0;

	if (kt) {
		*out = *kt;
		return 0;
	}
	if (bpf_probe_read_user(&key, 8, (void *)(t + 48)) ||
	    bpf_probe_read_user(th, sizeof(th), (void *)key))
		return -1;
	out->size = *(__u32 *)th;
	out->kind = th[23] & HK_KIND_MASK;
	bpf_map_update_elem(&keytypes, &t, out, BPF_ANY);
	return 0;
}

/* runtime.fatal(s string), always attached: hit once, when the runtime is about to kill the
 * process. Its entry, as the function has no stack check (nosplit); [rsp] returns into the
 * mapassign that found the flag. */
SEC("uprobe")
int hk_fatal(struct pt_regs *ctx)
{
	char msg[HK_MSG] = {};
	__u64 ret = 0, n = ctx->bx;

	if (n > HK_MSG - 1)
		n = HK_MSG - 1;
	bpf_probe_read_user(msg, n & (HK_MSG - 1), (void *)ctx->ax);
	/* "concurrent map writes", "... read and map write", "... iteration and map write". */
	if (msg[0] != 'c' || msg[11] != 'm' || msg[12] != 'a' || msg[13] != 'p')
		return 0;
	bpf_probe_read_user(&ret, sizeof(ret), (void *)ctx->sp);
	send(ctx, map_of(ctx->r14), ctx->r14, READ_ONCE(stamp_clock), ret, msg, 1);
	/* The first: the other writer may come here too, having found the flag in turn. */
	if (!READ_ONCE(dying_tid))
		dying_tid = (__u32)bpf_get_current_pid_tgid();
	return 0;
}

/* Linux's ucontext_t: uc_mcontext.gregs at 40, in the kernel's order (REG_R8 = 0 ... REG_RIP). */
#define UC_GREGS 40
enum { G_R14 = 6, G_RDI = 8, G_RBP = 10, G_RBX = 11, G_RAX = 13, G_RCX = 14, G_RSP = 15,
       G_RIP = 16, G_N };

/* One thread's context: g its goroutine, (ip, sp, bp) where it stands, gr its registers (zero
 * when not known). */
static __always_inline void send_thread(__u32 tid, __u32 sig, __u64 g, __u64 ip, __u64 sp,
					__u64 bp, const __u64 *gr, __u64 t0)
{
	struct hk_thread *t = bpf_ringbuf_reserve(&events, sizeof(*t), 0);

	if (!t)
		return;
	t->ns = t0;
	t->kind = HK_EV_THREAD;
	t->tid = tid;
	t->sig = sig;
	t->goid = g ? goid_of(g) : 0;
	t->ip = ip;
	t->sp = sp;
	t->bp = bp;
	t->regs[0] = gr[G_RAX];
	t->regs[1] = gr[G_RBX];
	t->regs[2] = gr[G_RCX];
	t->regs[3] = gr[G_RDI];
	/* A goroutine near the top of its stack may have no mapped page past it: then up to the
	 * page's end. */
	if (bpf_probe_read_user(t->words, sizeof(t->words), (void *)sp)) {
		__u64 n = 4096 - (sp & 4095);

		__builtin_memset(t->words, 0, sizeof(t->words));
		if (n > sizeof(t->words))
			n = sizeof(t->words);
		asm volatile("%[n] &= 0x3ff" : [n] "+r"(n));
		if (n && n <= sizeof(t->words))
			bpf_probe_read_user(t->words, n, (void *)sp);
	}
	__builtin_memset(t->stack, 0, sizeof(t->stack));
	t->stack[0] = ip;
	t->nframes = chain(t->stack, 1, bp);
	t->run_ns = bpf_ktime_get_ns() - t0;
	bpf_ringbuf_submit(t, 0);
}

/* runtime.sigtramp, the handler of every signal (C ABI: DI = signal, DX = ucontext): after a
 * map fatal, each other thread's first signal is the runtime's own SIGURG as it freezes the
 * world (startpanic_m -> freezetheworld -> preemptall), sent to every thread running Go code
 * within microseconds of the fatal. Before that the probe returns at once; signals are rare. */
SEC("uprobe")
int hk_signal(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), one = 1;
	__u64 gr[G_N] = {}, t0;

	if (!READ_ONCE(dying_tid) || tid == READ_ONCE(dying_tid))
		return 0;
	t0 = bpf_ktime_get_ns();
	/* Full (HK_THREADS_MAX threads sent) or already there: fails. */
	if (bpf_map_update_elem(&signalled, &tid, &one, BPF_NOEXIST))
		return 0;
	if (bpf_probe_read_user(gr, sizeof(gr), (void *)(ctx->dx + UC_GREGS)))
		return 0;
	send_thread(tid, (__u32)ctx->di, gr[G_R14], gr[G_RIP], gr[G_RSP], gr[G_RBP], gr, t0);
	return 0;
}

/* runtime.newstack's call of gopreempt_m(gp) (goschedImpl(gp, true) from 1.26 on): the
 * runtime's freeze first asks every running goroutine to stop at its next stack check, so a
 * writer often parks itself here before the signal comes, which then finds the scheduler. gp
 * (AX) is the goroutine, its context saved in gp.sched by morestack (the PC inside the function
 * whose stack check stopped it). */
SEC("uprobe")
int hk_sched(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), one = 1;
	__u64 gp = ctx->ax, gb[2] = {}, bp = 0, gr[G_N] = {}, t0;

	if (!READ_ONCE(dying_tid) || tid == READ_ONCE(dying_tid) || !gp)
		return 0;
	t0 = bpf_ktime_get_ns();
	/* Apart from the signal's: a signal that came first may have found the thread already in
	 * newstack, on the scheduler's stack, with the goroutine's own context only here. */
	tid |= 1u << 31;
	if (bpf_map_update_elem(&signalled, &tid, &one, BPF_NOEXIST))
		return 0;
	tid &= ~(1u << 31);
	if (bpf_probe_read_user(gb, sizeof(gb), (void *)(gp + 56)))
		return 0;
	bpf_probe_read_user(&bp, sizeof(bp), (void *)(gp + sched_bp_off));
	send_thread(tid, 0, gp, gb[1], gb[0], bp, gr, t0);
	return 0;
}

SEC("uprobe.multi")
int hk_assign(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 *h, sh[2] = {};
	struct keytype kt;
	struct hk_key *k;
	__u8 flag;
	__u32 zero = 0;

	test_spin();
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
	if (cookie & HK_COOKIE_DELETE) {
		struct hk_writer *w, init = {};
		__u64 map = ctx->bx;

		w = bpf_map_lookup_elem(&writers, &map);
		if (!w) {
			bpf_map_update_elem(&writers, &map, &init, BPF_NOEXIST);
			w = bpf_map_lookup_elem(&writers, &map);
		}
		if (w)
			w->deletes++;
		return 0;
	}
	/* First: the other writer's flag is the state the runtime's check will see a moment later;
	 * every instruction before this read widens the gap. */
	if ((cookie & HK_COOKIE_READ) ||
	    bpf_probe_read_user(&flag, 1, (void *)(ctx->bx + writing_off)))
		flag = 0;
	switch (cookie & 0xff) {
	case MAPFN_FAST32:
	case MAPFN_FAST64:
	case MAPFN_FAST64PTR: {
		struct hk_key_small ks = { .map = ctx->bx, .len = 8, .key = ctx->cx };

		if ((cookie & 0xff) == MAPFN_FAST32) {
			ks.len = 4;
			ks.key = (__u32)ctx->cx;
		}
		count(&counts_small, &ks);
		watch(ctx, ctx->bx, flag, cookie & HK_COOKIE_READ);
		sample(ctx, NULL, ks.map, ks.len, ks.key);
		return 0;
	}
	}
	k = bpf_map_lookup_elem(&scratch, &zero);
	if (!k)
		return 0;
	__builtin_memset(k, 0, sizeof(*k));
	k->map = ctx->bx;
	switch (cookie & 0xff) {
	case MAPFN_FASTSTR:
		k->len = (__u32)ctx->di;
		read_bytes(k, ctx->cx, ctx->di, HK_STR_MAX);
		break;
	case MAPFN_GENERIC:
		if (key_type(ctx->ax, &kt))
			return 0;
		if (kt.kind == HK_KIND_STRING) {
			if (bpf_probe_read_user(sh, sizeof(sh), (void *)ctx->cx))
				return 0;
			k->len = (__u32)sh[1];
			read_bytes(k, sh[0], sh[1], HK_STR_MAX);
		} else {
			k->len = kt.size;
			read_bytes(k, ctx->cx, k->len, HK_RAW_MAX);
		}
		break;
	default:
		return 0;
	}
	count(&counts, k);
	watch(ctx, ctx->bx, flag, cookie & HK_COOKIE_READ);
	sample(ctx, k, 0, 0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
